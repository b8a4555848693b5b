//! Fuzz-style tests of every loadable type: hostile JSON never panics, and
//! whatever loads is usable, re-saves and reloads to the same value.

use proptest::prelude::*;
use rand::SeedableRng;
use rand_pcg::Pcg64;
use seg_bandit_state::{
    BanditError, Batch, BetaState, Decision, DecisionLog, Experiment, MemoryStore, PeriodBatch,
    Policy, Prior, StateStore, ThompsonSampler, WarmStart,
};
use seg_testdata::{hostile_cases, hostile_json};

fn valid_store() -> MemoryStore {
    let mut s = MemoryStore::new();
    let e = Experiment::new(
        "checkout",
        ["control", "green", "blue"],
        Prior::new(1.0, 9.0).unwrap(),
    )
    .unwrap();
    s.create_experiment(&e).unwrap();
    let e2 = Experiment::new("banner", ["a", "b"], Prior::uniform()).unwrap();
    s.create_experiment(&e2).unwrap();
    s.create_segment(
        "checkout",
        "warm",
        &[
            Prior::new(0.5, 9.5).unwrap(),
            Prior::uniform(),
            Prior::new(2.0, 3.0).unwrap(),
        ],
    )
    .unwrap();
    for (i, (seg, var)) in [
        ("mobile", "green"),
        ("warm", "blue"),
        ("desktop", "control"),
        ("mobile", "control"),
    ]
    .into_iter()
    .enumerate()
    {
        s.record(
            "checkout",
            &Batch::new(seg, var, 3 + i as u64, 40, 1_700_000_000 + i as i64).unwrap(),
        )
        .unwrap();
    }
    s.record("banner", &Batch::new("all", "b", 1, 1, 5).unwrap())
        .unwrap();
    let policy = Policy::new("thompson", "floor=0.05").unwrap();
    for i in 0..3 {
        let d = Decision::new("all", "b", 0.75, vec![0.25, 0.75], policy.clone(), i)
            .unwrap()
            .with_unit(format!("visitor-{i}"))
            .unwrap();
        let id = s.record_decision("banner", &d).unwrap();
        s.record_reward("banner", id, 1.5 * i as f64).unwrap();
    }
    s.record_period(
        "banner",
        &PeriodBatch::new("all", "a", 1, 0.25, 40, 2.0, 2.0).unwrap(),
    )
    .unwrap();
    s
}

fn exercise_store(mut s: MemoryStore) {
    let mut rng = Pcg64::seed_from_u64(1);
    let sampler = ThompsonSampler::new().min_share(0.01).unwrap();
    let warm = WarmStart::new(10.0).unwrap();
    let names: Vec<String> = valid_names(&s);
    for name in &names {
        let experiment = s.experiment(name).unwrap();
        let states = s.all_states(name).unwrap();
        let _ = warm.priors(&experiment, &states).unwrap();
        for st in &states {
            let seg_states: Vec<BetaState> = s
                .segment_states(name, &st.segment)
                .unwrap()
                .iter()
                .map(|x| x.state)
                .collect();
            let _ = sampler.choose(&seg_states, &mut rng);
            let _ = sampler.allocation(&seg_states, 100, &mut rng);
        }
        let _ = s.events_since(name, 0, 10).unwrap();
        let _ = s.event_count(name).unwrap();
        if let Some(v) = experiment.variants().first() {
            let _ = s.record(name, &Batch::new("fuzz", v.clone(), 1, 2, 3).unwrap());
        }
    }
    let text = s.to_json().unwrap();
    let back = MemoryStore::from_json(&text).unwrap();
    assert_eq!(back, s);
}

fn valid_names(s: &MemoryStore) -> Vec<String> {
    let text = s.to_json().unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["experiments"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["experiment"]["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(hostile_cases()))]

    #[test]
    fn hostile_snapshots_never_panic(text in hostile_json(serde_json::from_str(&valid_store().to_json().unwrap()).unwrap())) {
        if let Ok(s) = MemoryStore::from_json(&text) {
            exercise_store(s);
        }
    }

    #[test]
    fn hostile_beta_states_never_panic(text in hostile_json(serde_json::json!({"alpha": 3.5, "beta": 40.0}))) {
        if let Ok(mut s) = serde_json::from_str::<BetaState>(&text) {
            prop_assert!(s.alpha > 0.0 && s.beta > 0.0 && s.alpha.is_finite() && s.beta.is_finite());
            let _ = s.mean();
            s.discount(Prior::uniform(), 0.9).unwrap();
            s.observe(u64::MAX, 7);
            let mut rng = Pcg64::seed_from_u64(2);
            prop_assert!(ThompsonSampler::new().choose(&[s, BetaState::default()], &mut rng).unwrap() < 2);
            let back: BetaState = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
            prop_assert_eq!(back, s);
        }
    }

    #[test]
    fn hostile_priors_never_panic(text in hostile_json(serde_json::json!({"alpha": 0.5, "beta": 9.5}))) {
        if let Ok(p) = serde_json::from_str::<Prior>(&text) {
            let st = p.state();
            let _ = WarmStart::new(10.0).unwrap().prior(&[st, st], p).unwrap();
            let back: Prior = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
            prop_assert_eq!(back, p);
        }
    }

    #[test]
    fn hostile_experiments_never_panic(text in hostile_json(serde_json::json!(
        {"name": "checkout", "variants": ["control", "green"], "prior": {"alpha": 1.0, "beta": 1.0}}))) {
        if let Ok(e) = serde_json::from_str::<Experiment>(&text) {
            let mut s = MemoryStore::new();
            prop_assert!(s.create_experiment(&e).unwrap());
            let _ = e.variant_index("green");
            let back: Experiment = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
            prop_assert_eq!(back, e);
        }
    }
}

#[test]
fn hand_written_hostile_snapshots_are_errors() {
    let cases = [
        ("", "empty"),
        ("{}", "no format"),
        (
            r#"{"format":"seg-bandit-state/snapshot","format_version":1}"#,
            "no content",
        ),
        (
            r#"{"format":"seg-bandit-state/snapshot","format_version":1,"last_seq":0,"experiments":[{"experiment":{"name":"e","variants":["a","a"],"prior":{"alpha":1,"beta":1}},"segments":[],"events":[]}]}"#,
            "duplicate variant",
        ),
        (
            r#"{"format":"seg-bandit-state/snapshot","format_version":1,"last_seq":0,"experiments":[{"experiment":{"name":"e","variants":["a"],"prior":{"alpha":0,"beta":1}},"segments":[],"events":[]}]}"#,
            "prior alpha 0",
        ),
        (
            r#"{"format":"seg-bandit-state/snapshot","format_version":1,"last_seq":1,"experiments":[{"experiment":{"name":"e","variants":["a"],"prior":{"alpha":1,"beta":1}},"segments":[{"name":"s","priors":[{"alpha":1,"beta":1}],"successes":[-1],"failures":[0]}],"events":[]}]}"#,
            "negative count",
        ),
        (
            r#"{"format":"seg-bandit-state/snapshot","format_version":1,"last_seq":1,"experiments":[{"experiment":{"name":"e","variants":["a"],"prior":{"alpha":1,"beta":1}},"segments":[{"name":"s","priors":[{"alpha":1,"beta":1}],"successes":[0],"failures":[0]}],"events":[{"seq":1,"timestamp":0,"experiment":"e","segment":"s","variant":"zzz","successes":1,"failures":0}]}]}"#,
            "unknown variant in event",
        ),
        (
            r#"{"format":"seg-bandit-state/snapshot","format_version":1,"last_seq":0,"experiments":[{"experiment":{"name":"e","variants":["a"],"prior":{"alpha":1,"beta":1}},"segments":[{"name":"s","priors":[{"alpha":1,"beta":1}],"successes":[0],"failures":[0]}],"events":[{"seq":1,"timestamp":0,"experiment":"e","segment":"s","variant":"a","successes":1,"failures":0}]}]}"#,
            "seq above last_seq",
        ),
        (
            r#"{"format":"seg-bandit-state/snapshot","format_version":1,"last_seq":0,"experiments":[{"experiment":{"name":"e","variants":["a"],"prior":{"alpha":1,"beta":1}},"segments":[{"name":"s","priors":[{"alpha":1,"beta":1}],"successes":[5],"failures":[0]}],"events":[]}]}"#,
            "totals without events",
        ),
        (
            r#"{"format":"seg-bandit-state/snapshot","format_version":1,"last_seq":0,"experiments":[{"experiment":{"name":"e","variants":["a"],"prior":{"alpha":1,"beta":1}},"segments":[{"name":"s","priors":[{"alpha":1,"beta":1}],"successes":[0],"failures":[0]},{"name":"s","priors":[{"alpha":1,"beta":1}],"successes":[0],"failures":[0]}],"events":[]}]}"#,
            "duplicate segment",
        ),
        (
            r#"{"format":"seg-bandit-state/snapshot","format_version":1,"last_seq":0,"experiments":[{"experiment":{"name":"e","variants":["a"],"prior":{"alpha":1,"beta":1}},"segments":[{"name":"s","priors":[],"successes":[0],"failures":[0]}],"events":[]}]}"#,
            "priors missing",
        ),
    ];
    for (text, what) in cases {
        let err = MemoryStore::from_json(text).expect_err(what);
        println!("{what}: {err}");
    }
    let future = valid_store()
        .to_json()
        .unwrap()
        .replace("\"format_version\":2", "\"format_version\":3");
    assert!(matches!(
        MemoryStore::from_json(&future),
        Err(BanditError::UnsupportedFormat { .. })
    ));
    // the decision log goes through the checks of its constructors
    let valid = valid_store().to_json().unwrap();
    for (from, to, what) in [
        (
            "\"propensity\":0.75",
            "\"propensity\":0.0",
            "a propensity of 0",
        ),
        (
            "\"allocation\":[0.25,0.75]",
            "\"allocation\":[0.25,0.7]",
            "an allocation not summing to 1",
        ),
        ("\"id\":2", "\"id\":7", "decision ids out of order"),
        (
            "\"variant\":\"b\",\"propensity\"",
            "\"variant\":\"z\",\"propensity\"",
            "an unknown variant",
        ),
        ("\"count\":40", "\"count\":-40", "a negative count"),
        (
            "\"reward_sum_squares\":2.0",
            "\"reward_sum_squares\":0.05",
            "impossible sums",
        ),
    ] {
        assert!(valid.contains(from), "{what}: {from} not in {valid}");
        let text = valid.replacen(from, to, 1);
        let err = MemoryStore::from_json(&text).expect_err(what);
        println!("{what}: {err}");
    }
}
