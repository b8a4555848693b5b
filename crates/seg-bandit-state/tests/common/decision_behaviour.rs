//! Behaviour of the decision log shared by every store (`tests/decision_log.rs`
//! runs it on the memory and SQLite stores, `tests/postgres.rs` on
//! PostgreSQL): the same assertions on each.
#![allow(dead_code)] // each test binary uses a part of this module

use std::thread;

use seg_bandit_state::{
    BanditError, Decision, DecisionLog, Experiment, PeriodBatch, Policy, Prior, StateStore,
};

pub const EXPERIMENT: &str = "checkout";
/// Names a database must keep verbatim: quotes, SQL, non-ASCII, a NUL.
pub const VARIANTS: [&str; 3] = ["control", "green'; DROP TABLE decisions;--", "blue ✓"];

pub fn experiment() -> Experiment {
    Experiment::new(EXPERIMENT, VARIANTS, Prior::uniform()).unwrap()
}

pub fn policy() -> Policy {
    Policy::new("thompson \"top-two\"", "floor=0.05;segments=v3\0").unwrap()
}

/// The `i`-th decision of writer `w`: allocations that differ per decision
/// in their last bits, so that a value stored other than bit for bit shows.
pub fn decision(w: usize, i: usize) -> Decision {
    let served = (w + i) % 3;
    let p1 = 0.1 + 1e-17 * i as f64 + 0.001 * (w % 7) as f64;
    let allocation = vec![p1, 0.3, 1.0 - 0.3 - p1];
    let d = Decision::new(
        ["mobile", "desktop ✓", "tablet\0"][i % 3],
        VARIANTS[served],
        allocation[served],
        allocation,
        policy(),
        i64::try_from(i).unwrap() - 5,
    )
    .unwrap()
    .with_allocation_error(1e-3 / (1.0 + i as f64))
    .unwrap();
    if i.is_multiple_of(2) {
        d.with_unit(format!("visitor-{w}-{i}")).unwrap()
    } else {
        d
    }
}

/// Every decision-log call on an empty store: values back bit for bit,
/// rewards once, paging, errors naming what is wrong, nothing recorded on
/// an error.
pub fn check_decision_log<S: StateStore + DecisionLog>(store: &mut S) {
    assert!(matches!(
        store.record_decision(EXPERIMENT, &decision(0, 0)),
        Err(BanditError::UnknownExperiment { .. })
    ));
    store.create_experiment(&experiment()).unwrap();
    assert_eq!(store.decision_count(EXPERIMENT).unwrap(), 0);
    let written: Vec<Decision> = (0..7).map(|i| decision(1, i)).collect();
    let ids: Vec<u64> = written
        .iter()
        .map(|d| store.record_decision(EXPERIMENT, d).unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(store.decision_count(EXPERIMENT).unwrap(), 7);

    // errors: unknown variant, an allocation of the wrong length, a
    // propensity that is not the served variant's
    let bad_variant = Decision::new("s", "red", 0.5, vec![0.5, 0.5], policy(), 0).unwrap();
    let err = store.record_decision(EXPERIMENT, &bad_variant).unwrap_err();
    assert!(
        matches!(err, BanditError::UnknownVariant { ref variant, .. } if variant == "red"),
        "{err}"
    );
    let short = Decision::new("s", "control", 0.5, vec![0.5, 0.5], policy(), 0).unwrap();
    assert!(store.record_decision(EXPERIMENT, &short).is_err());
    let swapped = Decision::new("s", "control", 0.3, vec![0.2, 0.3, 0.5], policy(), 0).unwrap();
    let err = store.record_decision(EXPERIMENT, &swapped).unwrap_err();
    assert!(err.to_string().contains("propensity"), "{err}");
    assert_eq!(store.decision_count(EXPERIMENT).unwrap(), 7);

    // rewards: once; the same again is a no-op; unknown ids are errors
    store.record_reward(EXPERIMENT, ids[1], 1.0).unwrap();
    store.record_reward(EXPERIMENT, ids[2], -12.75).unwrap();
    store.record_reward(EXPERIMENT, ids[2], -12.75).unwrap();
    assert!(matches!(
        store.record_reward(EXPERIMENT, ids[2], 3.0),
        Err(BanditError::RewardConflict { reward, .. }) if reward == -12.75
    ));
    assert!(matches!(
        store.record_reward(EXPERIMENT, ids[6] + 1000, 1.0),
        Err(BanditError::UnknownDecision { .. })
    ));
    assert!(matches!(
        store.record_reward(EXPERIMENT, u64::MAX, 1.0),
        Err(BanditError::UnknownDecision { .. })
    ));
    assert!(store.record_reward(EXPERIMENT, ids[3], f64::NAN).is_err());
    assert!(matches!(
        store.record_reward("pricing", ids[3], 1.0),
        Err(BanditError::UnknownExperiment { .. })
    ));

    // read back in pages: every field bit for bit
    let mut read = Vec::new();
    let mut after = 0;
    loop {
        let page = store.decisions_since(EXPERIMENT, after, 3).unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        read.extend(page);
    }
    assert_eq!(read.len(), 7);
    for ((logged, want), id) in read.iter().zip(&written).zip(&ids) {
        assert_eq!(logged.id, *id);
        assert_eq!(&logged.decision, want);
        let bits = |a: &[f64]| a.iter().map(|p| p.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(logged.decision.allocation()), bits(want.allocation()));
    }
    let rewards: Vec<Option<f64>> = read.iter().map(|d| d.reward).collect();
    assert_eq!(
        rewards,
        [None, Some(1.0), Some(-12.75), None, None, None, None]
    );
    assert!(
        store
            .decisions_since(EXPERIMENT, u64::MAX, 10)
            .unwrap()
            .is_empty()
    );
    assert!(store.decisions_since("pricing", 0, 10).is_err());

    // period batches
    let batches = [
        PeriodBatch::new("mobile", VARIANTS[1], 1, 0.8, 800, 24.0, 24.0).unwrap(),
        PeriodBatch::new("tablet\0", VARIANTS[2], -3, 0.05, 0, 0.0, 0.0).unwrap(),
        PeriodBatch::new("mobile", VARIANTS[0], 1, 0.2, 200, 1234.5, 98_765.25).unwrap(),
    ];
    for b in &batches {
        store.record_period(EXPERIMENT, b).unwrap();
    }
    let bad = PeriodBatch::new("mobile", "red", 1, 0.2, 200, 3.0, 3.0).unwrap();
    assert!(matches!(
        store.record_period(EXPERIMENT, &bad),
        Err(BanditError::UnknownVariant { .. })
    ));
    assert_eq!(store.period_batches(EXPERIMENT).unwrap(), batches);
    assert!(store.period_batches("pricing").is_err());
}

/// `writers` connections record `per_writer` decisions each at once: every
/// decision is logged once, ids are distinct.
pub fn concurrent_decisions_lose_none<S, F>(open: F, writers: usize, per_writer: usize)
where
    S: StateStore + DecisionLog,
    F: Fn() -> S + Sync,
{
    open().create_experiment(&experiment()).unwrap();
    thread::scope(|scope| {
        for w in 0..writers {
            let open = &open;
            scope.spawn(move || {
                let mut store = open();
                for i in 0..per_writer {
                    let id = store.record_decision(EXPERIMENT, &decision(w, i)).unwrap();
                    store
                        .record_reward(EXPERIMENT, id, (w * 1000 + i) as f64)
                        .unwrap();
                }
            });
        }
    });
    let mut store = open();
    let all = store.decisions_since(EXPERIMENT, 0, usize::MAX).unwrap();
    assert_eq!(all.len(), writers * per_writer);
    let mut rewards: Vec<u64> = all.iter().map(|d| d.reward.unwrap() as u64).collect();
    rewards.sort_unstable();
    let mut want: Vec<u64> = (0..writers)
        .flat_map(|w| (0..per_writer).map(move |i| (w * 1000 + i) as u64))
        .collect();
    want.sort_unstable();
    assert_eq!(rewards, want);
    for d in &all {
        let r = d.reward.unwrap() as usize;
        assert_eq!(d.decision, decision(r / 1000, r % 1000));
    }
}
