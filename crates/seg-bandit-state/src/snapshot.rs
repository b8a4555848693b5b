//! The versioned JSON snapshot of a [`MemoryStore`].

use std::collections::HashSet;
use std::path::Path;

use seg_artifact::{MAX_ARTIFACT_BYTES, check_format, read_to_string_bounded, write_atomically};

use serde::{Deserialize, Serialize};

use crate::decision::{Decision, DecisionLog, LoggedDecision, PeriodBatch, Policy};
use crate::error::{BanditError, Result};
use crate::event::{Batch, Event};
use crate::experiment::Experiment;
use crate::memory::MemoryStore;
use crate::state::Prior;
use crate::store::StateStore;

/// The `format` field of a snapshot.
pub const SNAPSHOT_FORMAT: &str = "seg-bandit-state/snapshot";
/// The `format_version` this release writes; it reads it and version 1
/// (written before the decision log: state and events only).
pub const SNAPSHOT_VERSION: u64 = 2;

const ARTIFACT: &str = "bandit snapshot";

#[derive(Serialize)]
struct SnapshotOut<'a> {
    format: &'static str,
    format_version: u64,
    last_seq: u64,
    experiments: Vec<ExperimentOut<'a>>,
}

#[derive(Serialize)]
struct ExperimentOut<'a> {
    experiment: &'a Experiment,
    segments: Vec<SegmentOut<'a>>,
    events: Vec<Event>,
    decisions: Vec<LoggedDecision>,
    periods: Vec<PeriodBatch>,
}

#[derive(Serialize)]
struct SegmentOut<'a> {
    name: &'a str,
    priors: &'a [Prior],
    successes: &'a [u64],
    failures: &'a [u64],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSnapshot {
    // Checked by `check_format` before the snapshot is parsed.
    #[serde(rename = "format")]
    _format: String,
    #[serde(rename = "format_version")]
    _format_version: u64,
    last_seq: u64,
    experiments: Vec<RawExperiment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExperiment {
    experiment: Experiment,
    segments: Vec<RawSegment>,
    events: Vec<Event>,
    /// Absent in version 1.
    decisions: Option<Vec<RawLogged>>,
    /// Absent in version 1.
    periods: Option<Vec<RawPeriod>>,
}

/// A [`LoggedDecision`] as saved, checked by [`Decision::new`] on load.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogged {
    id: u64,
    decision: RawDecision,
    reward: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecision {
    segment: String,
    variant: String,
    propensity: f64,
    allocation: Vec<f64>,
    allocation_error: f64,
    policy: RawPolicy,
    timestamp: i64,
    unit: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: String,
    version: String,
}

/// A [`PeriodBatch`] as saved, checked by [`PeriodBatch::new`] on load.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    segment: String,
    variant: String,
    period: i64,
    propensity: f64,
    count: u64,
    reward_sum: f64,
    reward_sum_squares: f64,
}

impl RawLogged {
    fn decision(self) -> Result<(u64, Decision, Option<f64>)> {
        let d = self.decision;
        let mut decision = Decision::new(
            d.segment,
            d.variant,
            d.propensity,
            d.allocation,
            Policy::new(d.policy.name, d.policy.version)?,
            d.timestamp,
        )?
        .with_allocation_error(d.allocation_error)?;
        if let Some(unit) = d.unit {
            decision = decision.with_unit(unit)?;
        }
        Ok((self.id, decision, self.reward))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSegment {
    name: String,
    priors: Vec<Prior>,
    successes: Vec<u64>,
    failures: Vec<u64>,
}

fn invalid(reason: impl Into<String>) -> BanditError {
    BanditError::InvalidArtifact {
        artifact: ARTIFACT,
        reason: reason.into(),
    }
}

impl MemoryStore {
    /// The store as a JSON snapshot: `format` `"seg-bandit-state/snapshot"`,
    /// `format_version` 2, `last_seq`, and per experiment its definition,
    /// its segments (priors and totals per variant), its events, its logged
    /// decisions (with their rewards) and its period batches.
    ///
    /// # Errors
    /// [`BanditError::Json`] if serialisation fails (it does not for the
    /// types involved; kept for robustness).
    pub fn to_json(&self) -> Result<String> {
        let out = SnapshotOut {
            format: SNAPSHOT_FORMAT,
            format_version: SNAPSHOT_VERSION,
            last_seq: self.last_seq,
            experiments: self
                .experiments
                .iter()
                .map(|e| ExperimentOut {
                    experiment: &e.experiment,
                    segments: e
                        .segments
                        .iter()
                        .map(|s| SegmentOut {
                            name: &s.name,
                            priors: &s.priors,
                            successes: &s.successes,
                            failures: &s.failures,
                        })
                        .collect(),
                    events: e.events(),
                    decisions: e.logged_decisions(),
                    periods: e.period_batches().to_vec(),
                })
                .collect(),
        };
        serde_json::to_string(&out).map_err(|source| BanditError::Json {
            artifact: ARTIFACT,
            source,
        })
    }

    /// Loads a snapshot written by [`MemoryStore::to_json`], checking it
    /// completely: the store is rebuilt by replaying the events through the
    /// same checks as [`StateStore::record`], and the saved totals must equal
    /// the replayed ones (the state is the fold of the events).
    ///
    /// # Errors
    /// - [`BanditError::Json`] for text that is not JSON of the snapshot's shape;
    /// - [`BanditError::UnsupportedFormat`] for another `format` or `format_version`;
    /// - [`BanditError::InvalidArtifact`] for inconsistent content: an invalid
    ///   experiment, prior, name or count, a duplicate experiment or segment,
    ///   an event of an unknown segment or variant, sequence numbers not
    ///   strictly increasing or above `last_seq`, totals that differ from the
    ///   events.
    pub fn from_json(text: &str) -> Result<Self> {
        let json = |source| BanditError::Json {
            artifact: ARTIFACT,
            source,
        };
        let version_1 = check_format(text, ARTIFACT, SNAPSHOT_FORMAT, 1).is_ok();
        if !version_1 {
            check_format(text, ARTIFACT, SNAPSHOT_FORMAT, SNAPSHOT_VERSION)?;
        }
        let raw: RawSnapshot = serde_json::from_str(text).map_err(json)?;
        let has_log = raw
            .experiments
            .iter()
            .any(|e| e.decisions.is_some() || e.periods.is_some());
        if version_1 && has_log {
            return Err(invalid("a version 1 snapshot has no decisions or periods"));
        }
        if !version_1 && !has_log && !raw.experiments.is_empty() {
            return Err(invalid("a version 2 snapshot lists decisions and periods"));
        }
        rebuild(raw)
    }

    /// Saves the snapshot to `path` atomically, with
    /// [`seg_artifact::write_atomically`]: a temporary file with a unique
    /// name in the same folder, synced, renamed over `path`, the folder
    /// synced. A crash leaves the old file or the new one; concurrent saves
    /// of one path (threads or processes) leave one whole snapshot and no
    /// temporary file.
    ///
    /// # Errors
    /// [`BanditError::Io`] naming the file (or its folder) that could not be
    /// written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let text = self.to_json()?;
        write_atomically(path, text.as_bytes())?;
        Ok(())
    }

    /// Loads a snapshot file (see [`MemoryStore::from_json`]). The path
    /// must name a regular file of at most
    /// [`MAX_ARTIFACT_BYTES`](seg_artifact::MAX_ARTIFACT_BYTES) (256 MiB):
    /// a FIFO or a device is refused at once, without reading.
    ///
    /// # Errors
    /// [`BanditError::Io`] naming the file when it cannot be read,
    /// [`BanditError::File`] when it is not a regular file or is too large,
    /// or the errors of [`MemoryStore::from_json`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let text = read_to_string_bounded(path, MAX_ARTIFACT_BYTES)?;
        Self::from_json(&text)
    }
}

seg_artifact::impl_from_artifact_error!(BanditError);

fn rebuild(raw: RawSnapshot) -> Result<MemoryStore> {
    let mut store = MemoryStore::new();
    let mut seqs = HashSet::new();
    for ex in raw.experiments {
        let name = ex.experiment.name().to_owned();
        let n = ex.experiment.variants().len();
        if !store.create_experiment(&ex.experiment)? {
            return Err(invalid(format!("experiment {name:?} appears twice")));
        }
        for seg in &ex.segments {
            if seg.successes.len() != n || seg.failures.len() != n {
                return Err(invalid(format!(
                    "segment {:?} of experiment {name:?} needs {n} totals per outcome",
                    seg.name
                )));
            }
            let created = store
                .create_segment(&name, &seg.name, &seg.priors)
                .map_err(|e| invalid(e.to_string()))?;
            if !created {
                return Err(invalid(format!(
                    "segment {:?} of experiment {name:?} appears twice",
                    seg.name
                )));
            }
        }
        let declared: HashSet<&str> = ex.segments.iter().map(|s| s.name.as_str()).collect();
        let mut last = 0;
        for ev in &ex.events {
            if ev.experiment != name {
                return Err(invalid(format!(
                    "event {} filed under experiment {name:?}",
                    ev.seq
                )));
            }
            if ev.seq == 0 || ev.seq <= last || ev.seq > raw.last_seq || !seqs.insert(ev.seq) {
                return Err(invalid(format!(
                    "event sequence number {} is not increasing, unique and in 1..={}",
                    ev.seq, raw.last_seq
                )));
            }
            last = ev.seq;
            if !declared.contains(ev.segment.as_str()) {
                return Err(invalid(format!(
                    "event {} of undeclared segment {:?}",
                    ev.seq, ev.segment
                )));
            }
            let batch = Batch::new(
                ev.segment.clone(),
                ev.variant.clone(),
                ev.successes,
                ev.failures,
                ev.timestamp,
            )
            .map_err(|e| invalid(format!("event {}: {e}", ev.seq)))?;
            store
                .record_with_seq(&name, &batch, ev.seq)
                .map_err(|e| invalid(format!("event {}: {e}", ev.seq)))?;
        }
        for (index, raw) in ex.decisions.into_iter().flatten().enumerate() {
            let (id, decision, reward) = raw
                .decision()
                .map_err(|e| invalid(format!("decision {} of {name:?}: {e}", index + 1)))?;
            let logged = store
                .record_decision(&name, &decision)
                .map_err(|e| invalid(format!("decision {id} of {name:?}: {e}")))?;
            if logged != id {
                return Err(invalid(format!(
                    "decision ids of {name:?} must be 1, 2, 3, … in order (found {id} at {logged})"
                )));
            }
            if let Some(reward) = reward {
                store
                    .record_reward(&name, id, reward)
                    .map_err(|e| invalid(format!("decision {id} of {name:?}: {e}")))?;
            }
        }
        for (index, p) in ex.periods.into_iter().flatten().enumerate() {
            let batch = PeriodBatch::new(
                p.segment,
                p.variant,
                p.period,
                p.propensity,
                p.count,
                p.reward_sum,
                p.reward_sum_squares,
            )
            .and_then(|b| store.record_period(&name, &b))
            .map_err(|e| invalid(format!("period batch {} of {name:?}: {e}", index + 1)));
            batch?;
        }
        let replayed = store.all_states(&name)?;
        let saved = ex.segments.iter().flat_map(|s| {
            s.successes
                .iter()
                .zip(&s.failures)
                .map(move |c| (&s.name, c))
        });
        for (state, (seg, (&s, &f))) in replayed.iter().zip(saved) {
            if (state.successes, state.failures) != (s, f) {
                return Err(invalid(format!(
                    "totals of variant {:?} in segment {seg:?} ({s}, {f}) differ from its events ({}, {})",
                    state.variant, state.successes, state.failures
                )));
            }
        }
    }
    store.last_seq = raw.last_seq;
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> MemoryStore {
        let mut s = MemoryStore::new();
        let e = Experiment::new("e", ["a", "b"], Prior::new(2.0, 3.0).unwrap()).unwrap();
        s.create_experiment(&e).unwrap();
        s.create_segment(
            "e",
            "warm",
            &[Prior::new(0.5, 9.5).unwrap(), Prior::uniform()],
        )
        .unwrap();
        s.record("e", &Batch::new("cold", "b", 4, 6, 7).unwrap())
            .unwrap();
        s.record("e", &Batch::new("warm", "a", 1, 2, 8).unwrap())
            .unwrap();
        s
    }

    #[test]
    fn large_snapshot_loads_in_linear_time() {
        let mut s = MemoryStore::new();
        let e = Experiment::new("e", ["a", "b"], Prior::uniform()).unwrap();
        s.create_experiment(&e).unwrap();
        for i in 0..20_000 {
            s.record("e", &Batch::new(format!("s{i}"), "a", 1, 1, i).unwrap())
                .unwrap();
        }
        let start = std::time::Instant::now();
        let back = MemoryStore::from_json(&s.to_json().unwrap()).unwrap();
        assert_eq!(back, s);
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn snapshot_round_trips_exactly() {
        let s = sample();
        let back = MemoryStore::from_json(&s.to_json().unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn snapshot_of_other_version_is_unsupported() {
        let text = sample()
            .to_json()
            .unwrap()
            .replace("\"format_version\":2", "\"format_version\":3");
        assert!(matches!(
            MemoryStore::from_json(&text),
            Err(BanditError::UnsupportedFormat { .. })
        ));
    }

    #[test]
    fn a_snapshot_keeps_the_decision_log() {
        let mut s = sample();
        let policy = Policy::new("thompson", "v1").unwrap();
        for i in 0..5 {
            let p = 0.1 + 1e-17 * f64::from(i);
            let d = Decision::new("cold", "b", 1.0 - p, vec![p, 1.0 - p], policy.clone(), 9)
                .unwrap()
                .with_allocation_error(0.001)
                .unwrap();
            let d = if i % 2 == 0 {
                d.with_unit(format!("u{i}")).unwrap()
            } else {
                d
            };
            let id = s.record_decision("e", &d).unwrap();
            if i != 2 {
                s.record_reward("e", id, f64::from(i) * 0.5).unwrap();
            }
        }
        s.record_period(
            "e",
            &PeriodBatch::new("warm", "a", 3, 0.25, 40, 2.0, 2.0).unwrap(),
        )
        .unwrap();
        let back = MemoryStore::from_json(&s.to_json().unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn a_version_1_snapshot_still_loads() {
        let v1 = r#"{"format":"seg-bandit-state/snapshot","format_version":1,"last_seq":1,
            "experiments":[{"experiment":{"name":"e","variants":["a","b"],"prior":{"alpha":1.0,"beta":1.0}},
            "segments":[{"name":"s","priors":[{"alpha":1.0,"beta":1.0},{"alpha":1.0,"beta":1.0}],
            "successes":[0,1],"failures":[0,2]}],
            "events":[{"seq":1,"timestamp":0,"experiment":"e","segment":"s","variant":"b","successes":1,"failures":2}]}]}"#;
        let mut store = MemoryStore::from_json(v1).unwrap();
        assert_eq!(store.event_count("e").unwrap(), 1);
        assert_eq!(store.decision_count("e").unwrap(), 0);
        let with_log = v1.replace(
            "\"events\":[",
            "\"decisions\":[],\"periods\":[],\"events\":[",
        );
        assert!(matches!(
            MemoryStore::from_json(&with_log),
            Err(BanditError::InvalidArtifact { .. })
        ));
    }

    #[test]
    fn snapshot_with_totals_unlike_its_events_is_invalid() {
        let text = sample()
            .to_json()
            .unwrap()
            .replace("\"successes\":[0,4]", "\"successes\":[0,5]");
        assert!(matches!(
            MemoryStore::from_json(&text),
            Err(BanditError::InvalidArtifact { .. })
        ));
    }
}
