//! Checks of the values the database stores read back and write: counts
//! within `BIGINT` / `INTEGER`, valid priors, and the per-segment state built
//! from them. An error names the store and the value (a corrupted row).

use crate::event::SegmentState;
use crate::state::Prior;
use crate::{BanditError, Result};

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

/// A count as `BIGINT` / `INTEGER`; batches are checked to be at most
/// `i64::MAX` when built, so this only fails on a hand-made value.
pub(crate) fn count_to_sql(parameter: &'static str, value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| BanditError::InvalidParameter {
        parameter,
        value: value.to_string(),
        reason: "must be at most i64::MAX",
    })
}
