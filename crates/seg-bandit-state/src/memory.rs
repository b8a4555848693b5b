//! An in-memory [`StateStore`]: one process, no persistence except JSON snapshots.

use std::collections::HashMap;

use crate::decision::{Decision, DecisionLog, LoggedDecision, PeriodBatch};
use crate::error::{BanditError, Result};
use crate::event::{Batch, Event, SegmentState};
use crate::experiment::{Experiment, check_name};
use crate::memory_log::MemoryLog;
use crate::state::Prior;
use crate::store::StateStore;
use crate::store::checks::{add_to_total, check_priors, new_segment_priors};
use crate::store::events::recorded_event;

/// One segment of one experiment: its priors and recorded totals per variant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SegmentData {
    pub(crate) name: String,
    pub(crate) priors: Vec<Prior>,
    pub(crate) successes: Vec<u64>,
    pub(crate) failures: Vec<u64>,
}

/// An event with its segment and variant as indices (no allocation per event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CompactEvent {
    seq: u64,
    timestamp: i64,
    segment: usize,
    variant: usize,
    successes: u64,
    failures: u64,
}

/// One experiment with its segments (creation order) and events.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExperimentData {
    pub(crate) experiment: Experiment,
    pub(crate) segments: Vec<SegmentData>,
    segment_index: HashMap<String, usize>,
    /// Variant name → id, for experiments with more than `LINEAR_VARIANTS`
    /// variants (a linear scan is faster below).
    variant_index: Option<HashMap<String, usize>>,
    events: Vec<CompactEvent>,
    /// The decision log.
    log: MemoryLog,
}

/// Up to this many variants, a variant is found by a linear scan.
const LINEAR_VARIANTS: usize = 16;

impl ExperimentData {
    fn new(experiment: Experiment) -> Self {
        let variant_index = (experiment.variants().len() > LINEAR_VARIANTS).then(|| {
            experiment
                .variants()
                .iter()
                .enumerate()
                .map(|(i, v)| (v.clone(), i))
                .collect()
        });
        Self {
            experiment,
            segments: Vec::new(),
            segment_index: HashMap::new(),
            variant_index,
            events: Vec::new(),
            log: MemoryLog::default(),
        }
    }

    fn variant(&self, variant: &str) -> Result<usize> {
        match &self.variant_index {
            None => self.experiment.variant_index(variant),
            Some(index) => index
                .get(variant)
                .copied()
                .ok_or_else(|| BanditError::UnknownVariant {
                    experiment: self.experiment.name().to_owned(),
                    variant: variant.to_owned(),
                }),
        }
    }

    /// Creates the segment when absent; returns its index and whether it was created.
    fn ensure_segment(&mut self, segment: &str, priors: Option<&[Prior]>) -> Result<(usize, bool)> {
        check_name("segment", segment)?;
        let n = self.experiment.variants().len();
        if let Some(priors) = priors {
            check_priors(n, priors)?;
        }
        if let Some(&i) = self.segment_index.get(segment) {
            return Ok((i, false));
        }
        let priors = new_segment_priors(priors, n, || Ok(self.experiment.prior()))?;
        let i = self.segments.len();
        self.segments.push(SegmentData {
            name: segment.to_owned(),
            priors,
            successes: vec![0; n],
            failures: vec![0; n],
        });
        self.segment_index.insert(segment.to_owned(), i);
        Ok((i, true))
    }

    fn states_of(&self, seg: &SegmentData) -> Vec<SegmentState> {
        self.experiment
            .variants()
            .iter()
            .zip(&seg.priors)
            .zip(seg.successes.iter().zip(&seg.failures))
            .map(|((v, &p), (&s, &f))| SegmentState::new(seg.name.clone(), v.clone(), p, s, f))
            .collect()
    }

    /// The event with its names.
    fn event(&self, e: &CompactEvent) -> Event {
        // Indices come from `record`, which pushes a segment before any event
        // refers to it and checks the variant: both are always in range.
        let segment = self.segments.get(e.segment).map(|s| s.name.clone());
        let variant = self.experiment.variants().get(e.variant).cloned();
        Event {
            seq: e.seq,
            timestamp: e.timestamp,
            experiment: self.experiment.name().to_owned(),
            segment: segment.unwrap_or_default(),
            variant: variant.unwrap_or_default(),
            successes: e.successes,
            failures: e.failures,
        }
    }

    /// The logged decisions with their names, in order.
    pub(crate) fn logged_decisions(&self) -> Vec<LoggedDecision> {
        self.log.since(self.experiment.variants(), 0, usize::MAX)
    }

    /// The period batches, in recording order.
    pub(crate) fn period_batches(&self) -> &[PeriodBatch] {
        self.log.periods()
    }

    /// The events with their names, in order.
    pub(crate) fn events(&self) -> Vec<Event> {
        self.events.iter().map(|e| self.event(e)).collect()
    }

    /// Records a batch with the given sequence number (checked before any change).
    fn record(&mut self, batch: &Batch, seq: u64) -> Result<CompactEvent> {
        let v = self.variant(batch.variant())?;
        // Check the totals before creating the segment, so that a failed batch changes nothing.
        let existing = self.segment_index.get(batch.segment()).copied();
        let (s0, f0) = existing
            .and_then(|i| self.segments.get(i))
            .and_then(|seg| Some((*seg.successes.get(v)?, *seg.failures.get(v)?)))
            .unwrap_or((0, 0));
        let s = add_to_total("successes", s0, batch.successes())?;
        let f = add_to_total("failures", f0, batch.failures())?;
        let i = match existing {
            Some(i) => i,
            None => self.ensure_segment(batch.segment(), None)?.0,
        };
        if let Some(seg) = self.segments.get_mut(i)
            && let (Some(ss), Some(ff)) = (seg.successes.get_mut(v), seg.failures.get_mut(v))
        {
            *ss = s;
            *ff = f;
        }
        let event = CompactEvent {
            seq,
            timestamp: batch.timestamp(),
            segment: i,
            variant: v,
            successes: batch.successes(),
            failures: batch.failures(),
        };
        self.events.push(event);
        Ok(event)
    }
}

/// A [`StateStore`] in memory: for tests, simulations and single-process
/// services; save and load it as a JSON snapshot (see [`MemoryStore::save`]).
///
/// Sequence numbers start at 1 and are contiguous.
///
/// # Example
/// ```
/// use seg_bandit_state::{Batch, Experiment, MemoryStore, Prior, StateStore};
/// let mut store = MemoryStore::new();
/// store.create_experiment(&Experiment::new("e", ["a", "b"], Prior::uniform())?)?;
/// store.record("e", &Batch::new("mobile", "b", 3, 7, 1_700_000_000)?)?;
/// let states = store.segment_states("e", "mobile")?;
/// assert_eq!((states[1].state.alpha, states[1].state.beta), (4.0, 8.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemoryStore {
    pub(crate) experiments: Vec<ExperimentData>,
    index: HashMap<String, usize>,
    pub(crate) last_seq: u64,
}

impl MemoryStore {
    /// An empty store.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{MemoryStore, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// assert_eq!(store, MemoryStore::default());
    /// assert!(store.event_count("checkout").is_err()); // no experiment yet
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn data(&self, experiment: &str) -> Result<&ExperimentData> {
        self.index
            .get(experiment)
            .and_then(|&i| self.experiments.get(i))
            .ok_or_else(|| unknown(experiment))
    }

    fn data_mut(&mut self, experiment: &str) -> Result<&mut ExperimentData> {
        self.index
            .get(experiment)
            .and_then(|&i| self.experiments.get_mut(i))
            .ok_or_else(|| unknown(experiment))
    }

    /// Records `batch` with a given sequence number (snapshot loading).
    pub(crate) fn record_with_seq(
        &mut self,
        experiment: &str,
        batch: &Batch,
        seq: u64,
    ) -> Result<()> {
        self.data_mut(experiment)?.record(batch, seq)?;
        self.last_seq = self.last_seq.max(seq);
        Ok(())
    }

    /// Records `batch` as [`StateStore::record`] does, returning only the
    /// event's sequence number: the fast path (no allocation once the
    /// segment exists), for a service that does not need the event back.
    ///
    /// # Errors
    /// As [`StateStore::record`].
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Batch, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// let first = store.record_seq("checkout", &Batch::new("mobile", "green", 3, 7, 1_700_000_000)?)?;
    /// let second = store.record_seq("checkout", &Batch::new("mobile", "green", 1, 9, 1_700_000_001)?)?;
    /// assert_eq!((first, second), (1, 2)); // contiguous in a memory store
    /// assert_eq!(store.segment_states("checkout", "mobile")?[1].successes, 4);
    /// assert!(store.record_seq("pricing", &Batch::new("mobile", "green", 1, 0, 0)?).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_seq(&mut self, experiment: &str, batch: &Batch) -> Result<u64> {
        let seq = self
            .last_seq
            .checked_add(1)
            .ok_or(BanditError::InvalidParameter {
                parameter: "seq",
                value: self.last_seq.to_string(),
                reason: "the event sequence is exhausted",
            })?;
        self.record_with_seq(experiment, batch, seq)?;
        Ok(seq)
    }
}

impl DecisionLog for MemoryStore {
    fn record_decision(&mut self, experiment: &str, decision: &Decision) -> Result<u64> {
        let data = self.data_mut(experiment)?;
        let variant = decision.check_against(experiment, data.experiment.variants())?;
        data.log.record(decision, variant)
    }

    fn record_reward(&mut self, experiment: &str, id: u64, reward: f64) -> Result<()> {
        self.data_mut(experiment)?
            .log
            .reward(experiment, id, reward)
    }

    fn decisions_since(
        &mut self,
        experiment: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<LoggedDecision>> {
        let data = self.data(experiment)?;
        Ok(data.log.since(data.experiment.variants(), after, limit))
    }

    fn decision_count(&mut self, experiment: &str) -> Result<u64> {
        Ok(self.data(experiment)?.log.count())
    }

    fn record_period(&mut self, experiment: &str, batch: &PeriodBatch) -> Result<()> {
        let data = self.data_mut(experiment)?;
        data.variant(batch.variant())?;
        data.log.record_period(batch);
        Ok(())
    }

    fn period_batches(&mut self, experiment: &str) -> Result<Vec<PeriodBatch>> {
        Ok(self.data(experiment)?.log.periods().to_vec())
    }
}

fn unknown(experiment: &str) -> BanditError {
    BanditError::UnknownExperiment {
        experiment: experiment.to_owned(),
    }
}

impl StateStore for MemoryStore {
    fn create_experiment(&mut self, experiment: &Experiment) -> Result<bool> {
        if let Ok(existing) = self.data(experiment.name()) {
            existing.experiment.check_same_as(experiment)?;
            return Ok(false);
        }
        self.index
            .insert(experiment.name().to_owned(), self.experiments.len());
        self.experiments
            .push(ExperimentData::new(experiment.clone()));
        Ok(true)
    }

    fn experiment(&mut self, experiment: &str) -> Result<Experiment> {
        Ok(self.data(experiment)?.experiment.clone())
    }

    fn create_segment(
        &mut self,
        experiment: &str,
        segment: &str,
        priors: &[Prior],
    ) -> Result<bool> {
        Ok(self
            .data_mut(experiment)?
            .ensure_segment(segment, Some(priors))?
            .1)
    }

    fn record(&mut self, experiment: &str, batch: &Batch) -> Result<Event> {
        let seq = self.record_seq(experiment, batch)?;
        Ok(recorded_event(seq, experiment, batch))
    }

    fn segment_states(&mut self, experiment: &str, segment: &str) -> Result<Vec<SegmentState>> {
        let data = self.data(experiment)?;
        let seg = data
            .segment_index
            .get(segment)
            .and_then(|&i| data.segments.get(i))
            .ok_or_else(|| BanditError::UnknownSegment {
                experiment: experiment.to_owned(),
                segment: segment.to_owned(),
            })?;
        Ok(data.states_of(seg))
    }

    fn all_states(&mut self, experiment: &str) -> Result<Vec<SegmentState>> {
        let data = self.data(experiment)?;
        Ok(data
            .segments
            .iter()
            .flat_map(|s| data.states_of(s))
            .collect())
    }

    fn events_since(&mut self, experiment: &str, after: u64, limit: usize) -> Result<Vec<Event>> {
        let data = self.data(experiment)?;
        let start = data.events.partition_point(|e| e.seq <= after);
        Ok(data
            .events
            .iter()
            .skip(start)
            .take(limit)
            .map(|e| data.event(e))
            .collect())
    }

    fn event_count(&mut self, experiment: &str) -> Result<u64> {
        Ok(u64::try_from(self.data(experiment)?.events.len()).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::MAX_BATCH_COUNT;

    fn store() -> MemoryStore {
        let mut s = MemoryStore::new();
        let e = Experiment::new("e", ["a", "b"], Prior::new(2.0, 3.0).unwrap()).unwrap();
        assert!(s.create_experiment(&e).unwrap());
        s
    }

    #[test]
    fn creating_the_same_experiment_again_is_a_no_op_and_another_is_an_error() {
        let mut s = store();
        let same = Experiment::new("e", ["a", "b"], Prior::new(2.0, 3.0).unwrap()).unwrap();
        assert!(!s.create_experiment(&same).unwrap());
        let other = Experiment::new("e", ["a", "c"], Prior::new(2.0, 3.0).unwrap()).unwrap();
        assert!(matches!(
            s.create_experiment(&other),
            Err(BanditError::ExperimentConflict { .. })
        ));
    }

    #[test]
    fn unknown_names_are_errors_naming_them() {
        let mut s = store();
        assert!(matches!(s.all_states("x"),
            Err(BanditError::UnknownExperiment { ref experiment }) if experiment == "x"));
        assert!(matches!(s.segment_states("e", "nope"),
            Err(BanditError::UnknownSegment { ref segment, .. }) if segment == "nope"));
        let b = Batch::new("s", "zzz", 1, 1, 0).unwrap();
        assert!(matches!(s.record("e", &b),
            Err(BanditError::UnknownVariant { ref variant, .. }) if variant == "zzz"));
        assert!(
            s.all_states("e").unwrap().is_empty(),
            "a failed record creates no segment"
        );
    }

    #[test]
    fn total_above_i64_max_is_an_error_and_changes_nothing() {
        let mut s = store();
        s.record("e", &Batch::new("s", "a", MAX_BATCH_COUNT, 0, 0).unwrap())
            .unwrap();
        let before = s.clone();
        assert!(
            s.record("e", &Batch::new("s", "a", 1, 0, 0).unwrap())
                .is_err()
        );
        assert_eq!(s, before);
    }

    #[test]
    fn record_creates_the_segment_with_the_experiment_prior_and_adds_counts() {
        let mut s = store();
        let ev = s
            .record("e", &Batch::new("s", "b", 4, 6, 99).unwrap())
            .unwrap();
        assert_eq!(ev.seq, 1);
        let st = s.segment_states("e", "s").unwrap();
        assert_eq!(st.len(), 2);
        assert_eq!((st[0].state.alpha, st[0].state.beta), (2.0, 3.0));
        assert_eq!((st[1].state.alpha, st[1].state.beta), (6.0, 9.0));
        assert_eq!((st[1].successes, st[1].failures), (4, 6));
        assert_eq!(s.event_count("e").unwrap(), 1);
    }

    #[test]
    fn create_segment_with_priors_first_creation_wins() {
        let mut s = store();
        let p = [Prior::new(1.0, 9.0).unwrap(), Prior::new(2.0, 8.0).unwrap()];
        assert!(s.create_segment("e", "new", &p).unwrap());
        assert!(
            !s.create_segment("e", "new", &[Prior::uniform(); 2])
                .unwrap()
        );
        assert_eq!(s.segment_states("e", "new").unwrap()[1].prior, p[1]);
        assert!(s.create_segment("e", "bad", &[Prior::uniform()]).is_err());
    }

    #[test]
    fn many_variants_are_found_by_name() {
        let mut s = MemoryStore::new();
        let names: Vec<String> = (0..100).map(|i| format!("v{i}")).collect();
        s.create_experiment(&Experiment::new("big", names, Prior::uniform()).unwrap())
            .unwrap();
        s.record("big", &Batch::new("s", "v77", 2, 3, 0).unwrap())
            .unwrap();
        assert_eq!(s.segment_states("big", "s").unwrap()[77].successes, 2);
        assert!(matches!(
            s.record("big", &Batch::new("s", "v100", 1, 1, 0).unwrap()),
            Err(BanditError::UnknownVariant { .. })
        ));
    }

    #[test]
    fn events_since_pages_in_order() {
        let mut s = store();
        for i in 0..5 {
            s.record("e", &Batch::new("s", "a", i, 1, 0).unwrap())
                .unwrap();
        }
        let page = s.events_since("e", 2, 2).unwrap();
        assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 4]);
        assert!(s.events_since("e", 5, 10).unwrap().is_empty());
    }

    #[test]
    fn memory_store_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<MemoryStore>();
    }
}
