//! [`BufferedRecorder`]: client-side batching of outcomes, the remedy for a
//! hot variant × segment row shared by many writers.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::event::{Batch, Event, MAX_BATCH_COUNT};
use crate::store::StateStore;

/// One variant × segment's outcomes waiting to be recorded.
#[derive(Debug, Clone)]
struct Pending {
    segment: String,
    variant: String,
    successes: u64,
    failures: u64,
    timestamp: i64,
}

/// Merges the batches of one writer per variant × segment and records each
/// merged batch once per flush interval: one transaction per row and
/// interval instead of one per batch.
///
/// Every `record` on a SQL store locks its state row until it commits, so
/// writers of the same row (every replica serving the same popular segment)
/// queue one behind the other, and a hot row caps the batches per second of
/// the whole fleet at one commit at a time. A `BufferedRecorder` per writer
/// turns `n` batches of a row within an interval into one, so the row sees
/// one increment per writer and interval, whatever the traffic.
///
/// What changes: an event then stands for the merged batches (its counts
/// are their sums, its timestamp the latest one), so the event log still
/// replays exactly to the state but has one event per flush and row; other
/// readers see the outcomes up to one interval late; and outcomes still in
/// the buffer are lost if the process dies before the next flush (at most
/// one interval of this writer's outcomes). Call [`flush`](Self::flush) at
/// shutdown and from a timer when traffic may stop (a recorder only flushes
/// by itself inside [`record`](Self::record)); dropping a recorder does not
/// flush.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use seg_bandit_state::{Batch, BufferedRecorder, Experiment, MemoryStore, Prior, StateStore};
///
/// let mut store = MemoryStore::new();
/// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
/// let mut recorder = BufferedRecorder::new(store, "checkout", Duration::from_secs(60));
/// for t in 0..100 {
///     recorder.record(&Batch::new("mobile", "green", 1, 9, t)?)?;
/// }
/// assert_eq!(recorder.pending(), 1);
/// let events = recorder.flush()?; // one event for the 100 batches
/// assert_eq!((events.len(), events[0].successes, events[0].failures), (1, 100, 900));
/// let green = &recorder.store_mut().segment_states("checkout", "mobile")?[1];
/// assert_eq!(green.successes, 100);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BufferedRecorder<S: StateStore> {
    store: S,
    experiment: String,
    interval: Duration,
    pending: Vec<Pending>,
    index: HashMap<(String, String), usize>,
    last_flush: Instant,
}

impl<S: StateStore> fmt::Debug for BufferedRecorder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferedRecorder")
            .field("experiment", &self.experiment)
            .field("interval", &self.interval)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl<S: StateStore> BufferedRecorder<S> {
    /// Buffers batches of `experiment` for `store`, flushing at most every
    /// `interval` (`Duration::ZERO` records every batch at once).
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use seg_bandit_state::{Batch, BufferedRecorder, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// // With a zero interval every batch is recorded by `record` itself.
    /// let mut recorder = BufferedRecorder::new(store, "checkout", Duration::ZERO);
    /// let events = recorder.record(&Batch::new("mobile", "green", 1, 9, 1_700_000_000)?)?;
    /// assert_eq!(events.len(), 1);
    /// assert_eq!(recorder.pending(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(store: S, experiment: impl Into<String>, interval: Duration) -> Self {
        Self {
            store,
            experiment: experiment.into(),
            interval,
            pending: Vec::new(),
            index: HashMap::new(),
            last_flush: Instant::now(),
        }
    }

    /// Adds `batch` to the buffer, then flushes when the interval has passed
    /// since the last flush. Returns the events of that flush (empty when
    /// nothing was flushed).
    ///
    /// # Errors
    /// The errors of [`flush`](Self::flush); `batch` is in the buffer then.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use seg_bandit_state::{Batch, BufferedRecorder, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// let mut recorder = BufferedRecorder::new(store, "checkout", Duration::from_secs(3600));
    /// // Within the interval, batches of one variant × segment are merged, not recorded.
    /// assert!(recorder.record(&Batch::new("mobile", "green", 1, 9, 1_700_000_000)?)?.is_empty());
    /// assert!(recorder.record(&Batch::new("mobile", "green", 2, 8, 1_700_000_005)?)?.is_empty());
    /// assert_eq!(recorder.pending(), 1);
    /// assert_eq!(recorder.store_mut().event_count("checkout")?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record(&mut self, batch: &Batch) -> Result<Vec<Event>> {
        let key = (batch.segment().to_owned(), batch.variant().to_owned());
        let fits = |p: &Pending| {
            p.successes
                .checked_add(batch.successes())
                .is_some_and(|s| s <= MAX_BATCH_COUNT)
                && p.failures
                    .checked_add(batch.failures())
                    .is_some_and(|f| f <= MAX_BATCH_COUNT)
        };
        let mut flushed = Vec::new();
        if let Some(&i) = self.index.get(&key)
            && !fits(&self.pending[i])
        {
            // The merged counts would not fit one batch: record first.
            flushed = self.flush()?;
        }
        match self.index.get(&key) {
            Some(&i) => {
                let p = &mut self.pending[i];
                p.successes += batch.successes();
                p.failures += batch.failures();
                p.timestamp = p.timestamp.max(batch.timestamp());
            }
            None => {
                self.index.insert(key, self.pending.len());
                self.pending.push(Pending {
                    segment: batch.segment().to_owned(),
                    variant: batch.variant().to_owned(),
                    successes: batch.successes(),
                    failures: batch.failures(),
                    timestamp: batch.timestamp(),
                });
            }
        }
        if self.last_flush.elapsed() >= self.interval {
            flushed.extend(self.flush()?);
        }
        Ok(flushed)
    }

    /// Records every pending variant × segment as one batch (counts summed,
    /// the latest timestamp), in the order they were first buffered, and
    /// empties the buffer. Returns the recorded events.
    ///
    /// # Errors
    /// The first error of the store's [`StateStore::record`]; the rows
    /// recorded before it leave the buffer, that row and the rest stay in it
    /// for the next flush.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use seg_bandit_state::{Batch, BufferedRecorder, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// let mut recorder = BufferedRecorder::new(store, "checkout", Duration::from_secs(3600));
    /// recorder.record(&Batch::new("mobile", "green", 1, 9, 1_700_000_000)?)?;
    /// recorder.record(&Batch::new("desktop", "control", 2, 3, 1_700_000_001)?)?;
    /// recorder.record(&Batch::new("mobile", "green", 2, 8, 1_700_000_002)?)?;
    /// let events = recorder.flush()?;
    /// // One event per row, in the order the rows were first buffered: counts
    /// // summed, the latest timestamp.
    /// let rows: Vec<(&str, u64, u64, i64)> = events
    ///     .iter()
    ///     .map(|e| (e.segment.as_str(), e.successes, e.failures, e.timestamp))
    ///     .collect();
    /// assert_eq!(rows, [("mobile", 3, 17, 1_700_000_002), ("desktop", 2, 3, 1_700_000_001)]);
    /// assert_eq!(recorder.pending(), 0);
    /// assert!(recorder.flush()?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn flush(&mut self) -> Result<Vec<Event>> {
        self.last_flush = Instant::now();
        let mut events = Vec::with_capacity(self.pending.len());
        let mut done = 0;
        let mut failure = None;
        for p in &self.pending {
            let recorded = Batch::new(
                p.segment.as_str(),
                p.variant.as_str(),
                p.successes,
                p.failures,
                p.timestamp,
            )
            .and_then(|batch| self.store.record(&self.experiment, &batch));
            match recorded {
                Ok(event) => {
                    events.push(event);
                    done += 1;
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        self.pending.drain(..done);
        self.index = self
            .pending
            .iter()
            .enumerate()
            .map(|(i, p)| ((p.segment.clone(), p.variant.clone()), i))
            .collect();
        match failure {
            Some(e) => Err(e),
            None => Ok(events),
        }
    }

    /// The number of variant × segment rows waiting in the buffer.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use seg_bandit_state::{Batch, BufferedRecorder, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// let mut recorder = BufferedRecorder::new(store, "checkout", Duration::from_secs(3600));
    /// assert_eq!(recorder.pending(), 0);
    /// recorder.record(&Batch::new("mobile", "green", 1, 9, 1_700_000_000)?)?;
    /// recorder.record(&Batch::new("mobile", "green", 1, 9, 1_700_000_001)?)?;
    /// recorder.record(&Batch::new("mobile", "control", 0, 10, 1_700_000_002)?)?;
    /// assert_eq!(recorder.pending(), 2); // two rows, three batches
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// The store, e.g. to read states (which do not include the buffer).
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use seg_bandit_state::{Batch, BufferedRecorder, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// let mut recorder = BufferedRecorder::new(store, "checkout", Duration::from_secs(3600));
    /// recorder.record(&Batch::new("mobile", "green", 3, 7, 1_700_000_000)?)?;
    /// // The buffered batch is not in the store yet…
    /// assert!(recorder.store_mut().all_states("checkout")?.is_empty());
    /// recorder.flush()?;
    /// // …and is after a flush.
    /// assert_eq!(recorder.store_mut().segment_states("checkout", "mobile")?[1].successes, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Flushes, then returns the store.
    ///
    /// # Errors
    /// The errors of [`flush`](Self::flush), boxed with the recorder so
    /// that nothing buffered is lost.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use seg_bandit_state::{Batch, BufferedRecorder, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// let mut recorder = BufferedRecorder::new(store, "checkout", Duration::from_secs(3600));
    /// recorder.record(&Batch::new("mobile", "green", 3, 7, 1_700_000_000)?)?;
    /// let mut store = match recorder.into_store() {
    ///     Ok(store) => store,
    ///     Err(failed) => return Err(failed.1.into()),
    /// };
    /// assert_eq!(store.event_count("checkout")?, 1);
    ///
    /// // A batch the store refuses stays in the recorder handed back with the error.
    /// let mut recorder = BufferedRecorder::new(store, "checkout", Duration::from_secs(3600));
    /// recorder.record(&Batch::new("mobile", "red", 1, 0, 1_700_000_001)?)?;
    /// let Err(failed) = recorder.into_store() else {
    ///     panic!("an unknown variant cannot be recorded");
    /// };
    /// let (recorder, error) = *failed;
    /// assert!(error.to_string().contains("red"));
    /// assert_eq!(recorder.pending(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn into_store(mut self) -> std::result::Result<S, Box<(Self, crate::BanditError)>> {
        match self.flush() {
            Ok(_) => Ok(self.store),
            Err(e) => Err(Box::new((self, e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BanditError, Experiment, MemoryStore, Prior};

    fn store() -> MemoryStore {
        let mut store = MemoryStore::new();
        store
            .create_experiment(&Experiment::new("e", ["a", "b"], Prior::uniform()).unwrap())
            .unwrap();
        store
    }

    #[test]
    fn merged_batches_record_the_same_totals_as_single_batches() {
        let mut single = store();
        let mut buffered = BufferedRecorder::new(store(), "e", Duration::from_secs(3600));
        for t in 0..300_i64 {
            let segment = ["x", "y", "z"][usize::try_from(t % 3).unwrap()];
            let variant = ["a", "b"][usize::try_from(t % 2).unwrap()];
            let b = Batch::new(segment, variant, u64::try_from(t % 4).unwrap(), 2, t).unwrap();
            single.record("e", &b).unwrap();
            assert!(buffered.record(&b).unwrap().is_empty());
        }
        assert_eq!(buffered.pending(), 6);
        let events = buffered.flush().unwrap();
        assert_eq!(events.len(), 6);
        assert_eq!(buffered.pending(), 0);
        let mut merged = buffered.into_store().unwrap();
        assert_eq!(
            merged.all_states("e").unwrap(),
            single.all_states("e").unwrap()
        );
        assert_eq!(merged.event_count("e").unwrap(), 6);
    }

    #[test]
    fn a_zero_interval_records_every_batch_at_once() {
        let mut buffered = BufferedRecorder::new(store(), "e", Duration::ZERO);
        let events = buffered
            .record(&Batch::new("x", "a", 1, 1, 5).unwrap())
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(buffered.pending(), 0);
    }

    #[test]
    fn counts_that_would_not_fit_one_batch_are_flushed_first() {
        let mut buffered = BufferedRecorder::new(store(), "e", Duration::from_secs(3600));
        let max = MAX_BATCH_COUNT;
        buffered
            .record(&Batch::new("x", "a", max - 1, 0, 1).unwrap())
            .unwrap();
        // Adding 5 would exceed one batch: the pending row is recorded first.
        let events = buffered
            .record(&Batch::new("x", "a", 5, 0, 2).unwrap())
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].successes, max - 1);
        // The store refuses the total: the row stays buffered, not lost.
        assert!(matches!(
            buffered.flush(),
            Err(BanditError::InvalidParameter {
                parameter: "successes",
                ..
            })
        ));
        assert_eq!(buffered.pending(), 1);
    }

    #[test]
    fn a_failed_flush_keeps_the_rows_not_recorded() {
        let mut buffered = BufferedRecorder::new(store(), "e", Duration::from_secs(3600));
        buffered
            .record(&Batch::new("x", "a", 1, 0, 1).unwrap())
            .unwrap();
        buffered
            .record(&Batch::new("x", "nope", 1, 0, 1).unwrap())
            .unwrap();
        buffered
            .record(&Batch::new("y", "b", 1, 0, 1).unwrap())
            .unwrap();
        assert!(matches!(
            buffered.flush(),
            Err(BanditError::UnknownVariant { .. })
        ));
        // "x"/"a" was recorded; the unknown variant and the row after it wait.
        assert_eq!(buffered.pending(), 2);
        assert_eq!(buffered.store_mut().event_count("e").unwrap(), 1);
        // Merging still works on the remaining rows.
        buffered
            .record(&Batch::new("y", "b", 2, 0, 3).unwrap())
            .unwrap();
        assert_eq!(buffered.pending(), 2);
    }
}
