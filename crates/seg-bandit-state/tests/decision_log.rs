//! The decision log on the memory and SQLite stores (PostgreSQL runs the same
//! checks in `tests/postgres.rs`), and the migration of a version-1 SQLite
//! database written by an earlier release (`testdata/bandit/`).

mod common {
    pub mod decision_behaviour;
}

use common::decision_behaviour::{check_decision_log, decision};
use rand::SeedableRng;
use seg_bandit_state::{
    Allocation, BetaState, Decision, DecisionLog, Experiment, MemoryStore, Policy, Prior,
    StateStore, ThompsonSampler,
};

#[test]
fn the_memory_store_logs_decisions_rewards_and_periods() {
    check_decision_log(&mut MemoryStore::new());
}

#[test]
fn a_memory_store_answers_each_decision_with_its_own_allocation() {
    // allocations are interned per segment: a recomputed one must not be
    // confused with the last one of another segment
    let mut store = MemoryStore::new();
    store
        .create_experiment(&Experiment::new("e", ["a", "b"], Prior::uniform()).unwrap())
        .unwrap();
    let policy = Policy::new("p", "1").unwrap();
    let allocations = [[0.5, 0.5], [0.2, 0.8], [0.5, 0.5], [0.2, 0.8], [0.3, 0.7]];
    for (i, a) in allocations.iter().enumerate() {
        let segment = if i % 2 == 0 { "x" } else { "y" };
        let d = Decision::new(segment, "b", a[1], a.to_vec(), policy.clone(), 0).unwrap();
        store.record_decision("e", &d).unwrap();
    }
    let read = store.decisions_since("e", 0, 10).unwrap();
    for (logged, a) in read.iter().zip(&allocations) {
        assert_eq!(logged.decision.allocation(), a);
    }
}

#[test]
fn drawing_from_an_allocation_serves_each_variant_with_its_logged_propensity() {
    let states = [
        BetaState::new(20.0, 980.0).unwrap(),
        BetaState::new(25.0, 975.0).unwrap(),
        BetaState::new(2.0, 98.0).unwrap(),
    ];
    let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
    let sampler = ThompsonSampler::new().min_share(0.05).unwrap();
    let allocation: Allocation = sampler.allocation(&states, 20_000, &mut rng).unwrap();
    let n = 200_000;
    let mut served = [0_u32; 3];
    for _ in 0..n {
        served[allocation.draw(&mut rng)] += 1;
    }
    for (count, &p) in served.iter().zip(&allocation.probabilities) {
        let share = f64::from(*count) / f64::from(n);
        let se = (p * (1.0 - p) / f64::from(n)).sqrt();
        assert!((share - p).abs() < 4.0 * se, "{share} against {p}");
    }
    let d = Decision::served(
        "s",
        &["a", "b", "c"],
        &allocation,
        2,
        Policy::new("p", "").unwrap(),
        0,
    )
    .unwrap();
    assert!(d.allocation_error() > 0.0 && d.allocation_error() < 0.01);
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use std::fs;
    use std::path::{Path, PathBuf};

    use seg_bandit_state::{DecisionLog, SqliteStore, StateStore};
    use serde_json::Value;

    use super::common::decision_behaviour::{check_decision_log, concurrent_decisions_lose_none};
    use super::decision;

    #[test]
    fn the_sqlite_store_logs_decisions_rewards_and_periods() {
        let dir = tempfile::tempdir().unwrap();
        check_decision_log(&mut SqliteStore::open(dir.path().join("log.sqlite")).unwrap());
    }

    #[test]
    fn the_log_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sqlite");
        {
            let mut store = SqliteStore::open(&path).unwrap();
            store
                .create_experiment(&super::common::decision_behaviour::experiment())
                .unwrap();
            let id = store.record_decision("checkout", &decision(0, 4)).unwrap();
            store.record_reward("checkout", id, 0.25).unwrap();
        }
        let mut store = SqliteStore::open(&path).unwrap();
        let read = store.decisions_since("checkout", 0, 10).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(
            (&read[0].decision, read[0].reward),
            (&decision(0, 4), Some(0.25))
        );
    }

    #[test]
    fn four_connections_lose_no_decision() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sqlite");
        concurrent_decisions_lose_none(|| SqliteStore::open(&path).unwrap(), 4, 50);
    }

    fn testdata() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/bandit")
    }

    /// What `seg state show --json` printed for the version-1 file.
    fn shown(experiment: &str) -> Value {
        let text =
            fs::read_to_string(testdata().join(format!("state_v1.{experiment}.json"))).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn a_version_1_database_migrates_and_keeps_every_batch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state_v1.sqlite");
        fs::copy(testdata().join("state_v1.sqlite"), &path).unwrap();
        let mut store = SqliteStore::open(&path).unwrap();
        for name in ["checkout", "pricing"] {
            let want = shown(name);
            let experiment = store.experiment(name).unwrap();
            let variants: Vec<&str> = want["variants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(experiment.variants(), variants.as_slice());
            let states = store.all_states(name).unwrap();
            let want_states = want["states"].as_array().unwrap();
            assert_eq!(states.len(), want_states.len());
            for (s, w) in states.iter().zip(want_states) {
                assert_eq!(s.segment, w["segment"].as_str().unwrap());
                assert_eq!(s.variant, w["variant"].as_str().unwrap());
                assert_eq!(s.successes, w["successes"].as_u64().unwrap());
                assert_eq!(s.failures, w["failures"].as_u64().unwrap());
                assert_eq!(s.state.alpha, w["alpha"].as_f64().unwrap());
                assert_eq!(s.state.beta, w["beta"].as_f64().unwrap());
            }
            let events = store.events_since(name, 0, usize::MAX).unwrap();
            assert_eq!(events.len() as u64, want["events"].as_u64().unwrap());
            // the events still fold to the states
            for s in &states {
                let (succ, fail) = events
                    .iter()
                    .filter(|e| e.segment == s.segment && e.variant == s.variant)
                    .fold((0, 0), |(a, b), e| (a + e.successes, b + e.failures));
                assert_eq!((succ, fail), (s.successes, s.failures));
            }
            // and the new log starts empty, ready for use
            assert_eq!(store.decision_count(name).unwrap(), 0);
        }
        let id = store
            .record_decision(
                "checkout",
                &seg_bandit_state::Decision::new(
                    "mobile",
                    "red ✓",
                    0.5,
                    vec![0.25, 0.25, 0.5],
                    seg_bandit_state::Policy::new("p", "1").unwrap(),
                    0,
                )
                .unwrap(),
            )
            .unwrap();
        store.record_reward("checkout", id, 1.0).unwrap();
        drop(store);
        // reopening a migrated file changes nothing
        let mut again = SqliteStore::open(&path).unwrap();
        assert_eq!(again.decision_count("checkout").unwrap(), 1);
        assert_eq!(
            again.events_since("checkout", 0, usize::MAX).unwrap().len() as u64,
            shown("checkout")["events"].as_u64().unwrap()
        );
    }
}
