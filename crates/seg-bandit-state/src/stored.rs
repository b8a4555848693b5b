//! The values the database stores read back, checked and turned into the
//! crate's types: counts within `BIGINT` / `INTEGER`, valid priors, names,
//! stored experiments, state rows into [`SegmentState`]s and event rows into
//! [`Event`]s. An error names the store and the value (a corrupted row).

use crate::event::{Event, SegmentState};
use crate::experiment::Experiment;
use crate::state::Prior;
use crate::{BanditError, Result};

/// A name as a database returns it: `TEXT` (a `String`) or the UTF-8 bytes
/// of a `BYTEA` (a `Vec<u8>`, checked).
pub(crate) trait StoredName {
    /// The name, or an error of `stored` naming `what` it is the name of.
    fn into_name(self, stored: Stored, what: &str) -> Result<String>;
}

impl StoredName for String {
    fn into_name(self, _: Stored, _: &str) -> Result<String> {
        Ok(self)
    }
}

impl StoredName for Vec<u8> {
    fn into_name(self, stored: Stored, what: &str) -> Result<String> {
        String::from_utf8(self).map_err(|e| BanditError::InvalidArtifact {
            artifact: stored.0,
            reason: format!("{what} name is not UTF-8: {e}"),
        })
    }
}

/// One state row as read: segment, variant, prior, totals.
pub(crate) type StateRow<N> = (N, N, f64, f64, i64, i64);

/// One event row as read: seq, timestamp, segment, variant, successes,
/// failures.
pub(crate) type EventRow<N> = (i64, i64, N, N, i64, i64);

/// The database a value was read from, named in every error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stored(pub(crate) &'static str);

impl Stored {
    /// A stored count, naming a negative one.
    pub(crate) fn count(self, what: &str, value: i64) -> Result<u64> {
        u64::try_from(value).map_err(|_| BanditError::InvalidArtifact {
            artifact: self.0,
            reason: format!("{what} = {value} is negative"),
        })
    }

    /// A stored prior, naming one that is not finite and > 0.
    pub(crate) fn prior(self, what: &str, alpha: f64, beta: f64) -> Result<Prior> {
        Prior::new(alpha, beta).map_err(|_| BanditError::InvalidArtifact {
            artifact: self.0,
            reason: format!("{what} prior Beta({alpha}, {beta}) is not finite and > 0"),
        })
    }

    /// One variant × segment state row: its prior and recorded totals.
    pub(crate) fn segment_state(
        self,
        (segment, variant): (String, String),
        (alpha, beta): (f64, f64),
        (successes, failures): (i64, i64),
    ) -> Result<SegmentState> {
        let what = format!("segment {segment:?} variant {variant:?}");
        let prior = self.prior(&what, alpha, beta)?;
        let successes = self.count(&format!("{what} successes"), successes)?;
        let failures = self.count(&format!("{what} failures"), failures)?;
        Ok(SegmentState::new(
            segment, variant, prior, successes, failures,
        ))
    }
}

impl Stored {
    /// An experiment as stored: its `name`, default prior and variant names
    /// in order, checked as [`Experiment::new`] checks a new one.
    pub(crate) fn experiment<N: StoredName>(
        self,
        name: &str,
        (alpha, beta): (f64, f64),
        variants: Vec<N>,
    ) -> Result<Experiment> {
        variants
            .into_iter()
            .map(|v| v.into_name(self, "variant"))
            .collect::<Result<Vec<_>>>()
            .and_then(|variants| {
                Experiment::new(name, variants, self.prior("experiment", alpha, beta)?)
            })
            .map_err(|e| match e {
                e @ BanditError::InvalidArtifact { .. } => e,
                other => BanditError::InvalidArtifact {
                    artifact: self.0,
                    reason: format!("experiment {name:?}: {other}"),
                },
            })
    }

    /// A stored sequence number (both databases assign 1, 2, …).
    pub(crate) fn seq(self, value: i64) -> Result<u64> {
        self.count("events.seq", value)
    }

    /// The states of state rows, in their order.
    pub(crate) fn segment_states<N: StoredName>(
        self,
        rows: Vec<StateRow<N>>,
    ) -> Result<Vec<SegmentState>> {
        rows.into_iter()
            .map(|(segment, variant, alpha, beta, successes, failures)| {
                let names = (
                    segment.into_name(self, "segment")?,
                    variant.into_name(self, "variant")?,
                );
                self.segment_state(names, (alpha, beta), (successes, failures))
            })
            .collect()
    }

    /// The events of `experiment` from event rows, in their order.
    pub(crate) fn events<N: StoredName>(
        self,
        experiment: &str,
        rows: Vec<EventRow<N>>,
    ) -> Result<Vec<Event>> {
        rows.into_iter()
            .map(|(seq, timestamp, segment, variant, successes, failures)| {
                let what = format!("event {seq}");
                Ok(Event {
                    seq: self.seq(seq)?,
                    timestamp,
                    experiment: experiment.to_owned(),
                    successes: self.count(&format!("{what} successes"), successes)?,
                    failures: self.count(&format!("{what} failures"), failures)?,
                    segment: segment.into_name(self, &what)?,
                    variant: variant.into_name(self, &what)?,
                })
            })
            .collect()
    }
}

/// The counts of `batch` as `BIGINT` / `INTEGER` (successes, failures).
pub(crate) fn batch_counts(batch: &crate::event::Batch) -> Result<(i64, i64)> {
    Ok((
        count_to_sql("successes", batch.successes())?,
        count_to_sql("failures", batch.failures())?,
    ))
}

/// A count as `BIGINT` / `INTEGER`; batches are checked to be at most
/// `i64::MAX` when built, so this only fails on a hand-made value.
pub(crate) fn count_to_sql(parameter: &'static str, value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| BanditError::InvalidParameter {
        parameter,
        value: value.to_string(),
        reason: "must be at most i64::MAX",
    })
}
