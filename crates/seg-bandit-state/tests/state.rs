//! The state is the fold of the events: replaying the log, in any batching and
//! order of its commutative batches, rebuilds it exactly.

use std::collections::BTreeMap;

use proptest::prelude::*;
use seg_bandit_state::{Batch, Event, Experiment, MemoryStore, Prior, StateStore};

const VARIANTS: [&str; 3] = ["control", "green", "'; DROP TABLE variants; --"];
const SEGMENTS: [&str; 3] = ["mobile", "desktop", "tablet ünï"];

fn store() -> MemoryStore {
    let mut s = MemoryStore::new();
    let e = Experiment::new("e", VARIANTS, Prior::new(1.5, 2.5).unwrap()).unwrap();
    s.create_experiment(&e).unwrap();
    s
}

/// (segment, variant) → (successes, failures, alpha, beta)
fn by_key(s: &mut MemoryStore) -> BTreeMap<(String, String), (u64, u64, f64, f64)> {
    s.all_states("e")
        .unwrap()
        .into_iter()
        .map(|st| {
            (
                (st.segment, st.variant),
                (st.successes, st.failures, st.state.alpha, st.state.beta),
            )
        })
        .collect()
}

fn all_events(s: &mut MemoryStore) -> Vec<Event> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = s.events_since("e", after, 7).unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        out.extend(page);
    }
    out
}

fn batches() -> impl Strategy<Value = Vec<(usize, usize, u64, u64)>> {
    prop::collection::vec((0..3_usize, 0..3_usize, 0..1_000_u64, 0..1_000_u64), 0..60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn replaying_the_event_log_rebuilds_the_state_exactly(
        list in batches(),
        order in any::<prop::sample::Index>(),
        split in 1..5_u64,
    ) {
        let mut a = store();
        for &(seg, var, s, f) in &list {
            a.record("e", &Batch::new(SEGMENTS[seg], VARIANTS[var], s, f, 0).unwrap()).unwrap();
        }
        let events = all_events(&mut a);
        prop_assert_eq!(events.len(), list.len());
        prop_assert_eq!(a.event_count("e").unwrap(), list.len() as u64);

        // Same events, same order: identical state, segment order included.
        let mut replay = store();
        for e in &events {
            replay.record("e", &Batch::new(&*e.segment, &*e.variant, e.successes, e.failures, e.timestamp).unwrap()).unwrap();
        }
        prop_assert_eq!(replay.all_states("e").unwrap(), a.all_states("e").unwrap());

        // Another order (a rotation) and another batching (each batch split in parts).
        let mut b = store();
        let k = if list.is_empty() { 0 } else { order.index(list.len()) };
        for &(seg, var, s, f) in list.iter().cycle().skip(k).take(list.len()) {
            let (mut s_left, mut f_left) = (s, f);
            for part in (1..=split).rev() {
                let (ds, df) = (s_left / part, f_left / part);
                s_left -= ds;
                f_left -= df;
                b.record("e", &Batch::new(SEGMENTS[seg], VARIANTS[var], ds, df, 1).unwrap()).unwrap();
            }
        }
        prop_assert_eq!(by_key(&mut b), by_key(&mut a));

        // The fold by hand: prior + sums of the events.
        let mut sums: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
        for e in &events {
            let t = sums.entry((e.segment.clone(), e.variant.clone())).or_default();
            t.0 += e.successes;
            t.1 += e.failures;
        }
        for ((seg, var), (s, f, alpha, beta)) in by_key(&mut a) {
            let (es, ef) = sums.get(&(seg, var)).copied().unwrap_or_default();
            prop_assert_eq!((s, f), (es, ef));
            prop_assert_eq!(alpha, 1.5 + es as f64);
            prop_assert_eq!(beta, 2.5 + ef as f64);
        }

        // A snapshot keeps everything.
        let back = MemoryStore::from_json(&a.to_json().unwrap()).unwrap();
        prop_assert_eq!(back, a);
    }
}

#[test]
fn snapshot_file_is_saved_atomically_and_reloads() {
    let dir = std::env::temp_dir().join(format!("seg-bandit-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let mut s = store();
    s.record("e", &Batch::new("mobile", "green", 3, 4, 5).unwrap())
        .unwrap();
    s.save(&path).unwrap();
    s.record("e", &Batch::new("mobile", "green", 1, 1, 6).unwrap())
        .unwrap();
    s.save(&path).unwrap();
    assert_eq!(MemoryStore::load(&path).unwrap(), s);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn saving_into_a_missing_folder_is_an_io_error_naming_the_path() {
    let s = store();
    let err = s.save("/nonexistent-folder-seg/state.json").unwrap_err();
    assert!(
        matches!(err, seg_bandit_state::BanditError::Io { .. }),
        "{err}"
    );
    assert!(MemoryStore::load("/nonexistent-folder-seg/state.json").is_err());
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<seg_bandit_state::BetaState>();
    check::<seg_bandit_state::Prior>();
    check::<seg_bandit_state::Experiment>();
    check::<seg_bandit_state::Batch>();
    check::<seg_bandit_state::Event>();
    check::<seg_bandit_state::SegmentState>();
    check::<seg_bandit_state::MemoryStore>();
    check::<seg_bandit_state::ThompsonSampler>();
    check::<seg_bandit_state::Allocation>();
    check::<seg_bandit_state::WarmStart>();
    check::<seg_bandit_state::BanditError>();
}
