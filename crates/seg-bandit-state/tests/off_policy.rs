//! Off-policy evaluation: against the numpy implementation of the Open
//! Bandit Pipeline's estimators (`testdata/off_policy/reference.py`, numpy
//! 2.4; obp's IPW, SNIPW, DM and DR formulas with q̂ the per-cell mean),
//! batches against their rows, every error, and properties.

use proptest::prelude::*;
use seg_bandit_state::{
    BanditError, OffPolicyEstimate, OffPolicyEvaluator, OffPolicyReport, TargetPolicy,
};
use serde_json::Value;

fn reference() -> Value {
    let path = seg_testdata::workspace_root().join("testdata/off_policy/reference.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} unreadable: {e}", path.display()));
    serde_json::from_str(&text).expect("reference.json is valid JSON")
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

fn policy_of(rows: &Value) -> TargetPolicy {
    let rows = rows.as_array().expect("policy rows");
    TargetPolicy::from_rows(rows.iter().map(|r| {
        (
            r[0].as_str().expect("segment").to_owned(),
            r[1].as_str().expect("variant").to_owned(),
            f(&r[2]),
        )
    }))
    .expect("reference policies are valid")
}

fn evaluate_log(log: &Value, policy: &TargetPolicy, alpha: f64) -> OffPolicyReport {
    let mut evaluator = OffPolicyEvaluator::new(policy);
    let segments = log["segment"].as_array().expect("segments");
    for (i, s) in segments.iter().enumerate() {
        evaluator
            .push(
                s.as_str().expect("segment"),
                log["variant"][i].as_str().expect("variant"),
                f(&log["propensity"][i]),
                f(&log["reward"][i]),
            )
            .expect("reference rows are valid");
    }
    evaluator.finish(alpha).expect("reference logs evaluate")
}

fn rel(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs().max(f64::MIN_POSITIVE)
}

#[test]
fn estimates_and_intervals_match_the_numpy_reference_to_1e_9() {
    let r = reference();
    let cases = r["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 24);
    let mut worst = (0.0_f64, String::new());
    for case in cases {
        let id = format!(
            "{}/{}/alpha={}",
            case["log"].as_str().unwrap_or("?"),
            case["policy"].as_str().unwrap_or("?"),
            case["alpha"]
        );
        let policy = policy_of(&r["policies"][case["policy"].as_str().expect("policy")]);
        let log = &r["logs"][case["log"].as_str().expect("log")];
        let got = evaluate_log(log, &policy, f(&case["alpha"]));
        let want = &case["expected"];
        assert_eq!(got.n, want["n"].as_u64().expect("n"), "{id}");
        let mut check = |what: String, g: f64, w: f64| {
            let e = rel(g, w);
            assert!(
                e <= 1e-9,
                "{id} {what}: got {g:e}, want {w:e}, relative {e:e}"
            );
            if e > worst.0 {
                worst = (e, format!("{id} {what}"));
            }
        };
        check(
            "logged_value".into(),
            got.logged_value,
            f(&want["logged_value"]),
        );
        check(
            "effective_sample_size".into(),
            got.effective_sample_size,
            f(&want["effective_sample_size"]),
        );
        let e = &got.estimators;
        for (name, est) in [
            ("ipw", e.ipw),
            ("snipw", e.snipw),
            ("dm", e.dm),
            ("dr", e.dr),
        ] {
            let w = &want["estimators"][name];
            check(format!("{name}.value"), est.value, f(&w["value"]));
            check(format!("{name}.ci_low"), est.ci_low, f(&w["ci_low"]));
            check(format!("{name}.ci_high"), est.ci_high, f(&w["ci_high"]));
            check(
                format!("{name}.std_error"),
                est.std_error,
                f(&w["std_error"]),
            );
        }
    }
    eprintln!("largest relative difference: {:e} ({})", worst.0, worst.1);
}

#[test]
fn the_report_serialises_with_the_contract_keys() {
    let policy = TargetPolicy::uniform(["s"], ["a", "b"]).unwrap();
    let mut ev = OffPolicyEvaluator::new(&policy);
    for (v, r) in [("a", 1.0), ("b", 0.0), ("a", 0.0), ("b", 1.0)] {
        ev.push("s", v, 0.5, r).unwrap();
    }
    let json = serde_json::to_value(ev.finish(0.05).unwrap()).unwrap();
    for key in ["n", "logged_value", "effective_sample_size"] {
        assert!(json[key].is_number(), "{key}");
    }
    for name in ["ipw", "snipw", "dm", "dr"] {
        for key in ["value", "ci_low", "ci_high"] {
            assert!(json["estimators"][name][key].is_number(), "{name}.{key}");
        }
    }
}

/// Rows of the batch tests: (segment, variant, propensity, rewards).
fn batches() -> Vec<(&'static str, &'static str, f64, Vec<f64>)> {
    vec![
        ("s", "a", 0.5, vec![1.0, 0.0, 1.0, 1.0]),
        ("s", "b", 0.25, vec![3.5, 0.0, 12.25]),
        ("t", "a", 0.8, vec![2.0]),
        ("t", "b", 0.2, vec![0.0, 7.75, 1.5, 0.25, 4.0]),
        ("s", "a", 0.3, vec![10.0, 11.0]),
        ("t", "c", 0.1, vec![5.0, 6.0]), // a variant the policy does not name
        ("t", "a", 0.8, vec![0.5, 0.0]),
    ]
}

fn assert_reports_close(a: &OffPolicyReport, b: &OffPolicyReport, tol: f64) {
    assert_eq!(a.n, b.n);
    let pairs = |r: &OffPolicyReport| -> Vec<f64> {
        let mut v = vec![r.logged_value, r.effective_sample_size];
        let e = &r.estimators;
        for est in [e.ipw, e.snipw, e.dm, e.dr] {
            let OffPolicyEstimate {
                value,
                ci_low,
                ci_high,
                std_error,
            } = est;
            v.extend([value, ci_low, ci_high, std_error]);
        }
        v
    };
    for (i, (x, y)) in pairs(a).into_iter().zip(pairs(b)).enumerate() {
        assert!(
            (x - y).abs() <= tol * y.abs().max(1e-300),
            "field {i}: {x:e} vs {y:e}"
        );
    }
}

#[test]
fn a_batch_equals_its_rows_pushed_one_by_one_to_1e_12() {
    let policy = TargetPolicy::from_rows([
        ("s", "a", 0.4),
        ("s", "b", 0.6),
        ("t", "a", 0.3),
        ("t", "b", 0.7),
    ])
    .unwrap();
    let mut rows = OffPolicyEvaluator::new(&policy);
    let mut batched = OffPolicyEvaluator::new(&policy);
    for (s, v, p, rewards) in batches() {
        for &r in &rewards {
            rows.push(s, v, p, r).unwrap();
        }
        let sum: f64 = rewards.iter().sum();
        let squares: f64 = rewards.iter().map(|r| r * r).sum();
        batched
            .push_batch(s, v, p, rewards.len() as u64, sum, squares)
            .unwrap();
    }
    assert_eq!(rows.n(), batched.n());
    assert_reports_close(
        &batched.finish(0.05).unwrap(),
        &rows.finish(0.05).unwrap(),
        1e-12,
    );
}

#[test]
fn pushing_by_index_equals_pushing_by_name() {
    let policy = TargetPolicy::uniform(["s", "t"], ["a", "b"]).unwrap();
    let mut by_name = OffPolicyEvaluator::new(&policy);
    let mut by_index = OffPolicyEvaluator::new(&policy);
    for (s, v, p, rewards) in batches().into_iter().filter(|b| b.1 != "c") {
        let (si, vi) = (
            policy.segment_index(s).unwrap(),
            policy.variant_index(v).unwrap(),
        );
        for r in rewards {
            by_name.push(s, v, p, r).unwrap();
            by_index.push_indexed(si, vi, p, r).unwrap();
        }
    }
    assert_eq!(by_name.finish(0.1).unwrap(), by_index.finish(0.1).unwrap());
}

fn message(r: Result<impl std::fmt::Debug, BanditError>) -> String {
    r.expect_err("an error").to_string()
}

#[test]
fn every_bad_input_is_an_error_naming_the_offending_value() {
    let policy = TargetPolicy::from_rows([("mobile", "a", 0.5), ("mobile", "b", 0.5)]).unwrap();
    let mut ev = OffPolicyEvaluator::new(&policy);
    ev.push("mobile", "a", 0.5, 1.0).unwrap();
    ev.push("mobile", "a", 0.5, 0.0).unwrap();
    // Propensities: the row index (0-based, rows pushed before) and the value.
    for (p, shown) in [(0.0, "0"), (-0.5, "-0.5"), (1.5, "1.5"), (f64::NAN, "NaN")] {
        let m = message(ev.push("mobile", "a", p, 1.0));
        assert!(m.contains("row 2") && m.contains(shown), "{m}");
    }
    let m = message(ev.push_batch("mobile", "a", 2.0, 3, 1.0, 1.0));
    assert!(m.contains("row 2") && m.contains("2"), "{m}");
    // Rewards.
    for r in [f64::NAN, f64::INFINITY] {
        let m = message(ev.push("mobile", "a", 0.5, r));
        assert!(m.contains("reward of logged row 2"), "{m}");
    }
    // A segment missing from the policy.
    let m = message(ev.push("tablet", "a", 0.5, 1.0));
    assert!(
        m.contains("\"tablet\"") && m.contains("missing from the target policy"),
        "{m}"
    );
    assert_eq!(ev.n(), 2, "nothing is added by a failed push");
    // Probability > 0 with no logged row: named at finish.
    let m = message(ev.finish(0.05));
    assert!(
        m.contains("variant \"b\" in segment \"mobile\"") && m.contains("no logged row"),
        "{m}"
    );
    ev.push("mobile", "b", 0.5, 1.0).unwrap();
    ev.finish(0.05).unwrap();
    // Alpha.
    for alpha in [0.0, 1.0, -0.1, f64::NAN] {
        let m = message(ev.finish(alpha));
        assert!(m.contains("alpha"), "{m}");
    }
    // An empty log, a single row.
    let empty = OffPolicyEvaluator::new(&policy);
    assert_eq!(message(empty.finish(0.05)), "the log is empty");
    let mut one = OffPolicyEvaluator::new(&policy);
    one.push("mobile", "a", 0.5, 1.0).unwrap();
    assert!(message(one.finish(0.05)).contains("1 row"));
    // Indices out of range.
    let m = message(ev.push_indexed(1, 0, 0.5, 1.0));
    assert!(m.contains("segment") && m.contains('1'), "{m}");
    let m = message(ev.push_indexed(0, 2, 0.5, 1.0));
    assert!(m.contains("variant") && m.contains('2'), "{m}");
    // Merging an evaluator of another policy.
    let other = OffPolicyEvaluator::new(&TargetPolicy::everyone("a", ["mobile"]).unwrap());
    assert!(message(ev.merge(&other)).contains("another target policy"));
    // Batches whose sums cannot come from rows.
    assert!(message(ev.push_batch("mobile", "a", 0.5, 2, 4.0, 1.0)).contains("reward_sum_squares"));
    assert!(message(ev.push_batch("mobile", "a", 0.5, 0, 1.0, 1.0)).contains("count"));
    ev.push_batch("mobile", "a", 0.5, 0, 0.0, 0.0).unwrap();
}

#[test]
fn bad_target_policies_are_errors_naming_segment_and_variant() {
    let m = message(TargetPolicy::from_rows([("s", "a", 0.5), ("s", "a", 0.5)]));
    assert!(
        m.contains("duplicate") && m.contains("\"a\"") && m.contains("\"s\""),
        "{m}"
    );
    let m = message(TargetPolicy::from_rows([("s", "a", 1.5)]));
    assert!(m.contains("1.5") && m.contains("\"s\""), "{m}");
    let m = message(TargetPolicy::from_rows([("s", "a", 0.5), ("t", "a", 1.0)]));
    assert!(m.contains("\"s\"") && m.contains("0.5"), "{m}");
    assert!(message(TargetPolicy::from_rows(Vec::<(&str, &str, f64)>::new())).contains("segment"));
}

#[test]
fn a_target_without_weight_on_a_logged_variant_ignores_its_rewards() {
    // Rows of a variant with probability 0 (named or not) change only n,
    // the logged value and the direct method's averaging over rows.
    let policy = TargetPolicy::from_rows([("s", "a", 1.0), ("s", "b", 0.0)]).unwrap();
    let mut ev = OffPolicyEvaluator::new(&policy);
    ev.push("s", "a", 0.5, 2.0).unwrap();
    ev.push("s", "a", 0.5, 4.0).unwrap();
    ev.push("s", "b", 0.25, 100.0).unwrap();
    ev.push("s", "unnamed", 0.25, -100.0).unwrap();
    let r = ev.finish(0.05).unwrap();
    assert_eq!(r.estimators.dm.value, 3.0);
    assert_eq!(r.estimators.snipw.value, 3.0);
    assert_eq!(r.estimators.ipw.value, (4.0 + 8.0) / 4.0);
    assert_eq!(r.estimators.dr.value, 3.0);
    assert_eq!(r.logged_value, 1.5);
    assert_eq!(r.effective_sample_size, 2.0);
}

/// A log drawn from a static logging distribution per segment.
#[derive(Debug, Clone)]
struct Log {
    /// Per segment, the logging probabilities of variants 0..3.
    logging: Vec<[f64; 3]>,
    /// (segment, variant, reward).
    rows: Vec<(usize, usize, f64)>,
}

fn log_strategy() -> impl Strategy<Value = Log> {
    let dist = prop::array::uniform3(0.05_f64..1.0).prop_map(|w| {
        let s: f64 = w.iter().sum();
        [w[0] / s, w[1] / s, w[2] / s]
    });
    (prop::collection::vec(dist, 1..4), 0_usize..80).prop_flat_map(|(logging, n)| {
        let segments = logging.len();
        // Every segment × variant logged at least once, then n rows at random.
        let grid = prop::collection::vec(-50.0_f64..200.0, segments * 3);
        let rows = prop::collection::vec((0..segments, 0_usize..3, -50.0_f64..200.0), n);
        (Just(logging), grid, rows).prop_map(|(logging, grid, mut rows)| {
            let mut all: Vec<_> = grid
                .into_iter()
                .enumerate()
                .map(|(i, r)| (i / 3, i % 3, r))
                .collect();
            all.append(&mut rows);
            Log { logging, rows: all }
        })
    })
}

const NAMES: [&str; 3] = ["a", "b", "c"];
const SEGMENTS: [&str; 3] = ["s0", "s1", "s2"];

fn run(log: &Log, policy: &TargetPolicy, shift: f64, alpha: f64) -> Option<OffPolicyReport> {
    let mut ev = OffPolicyEvaluator::new(policy);
    for &(s, v, r) in &log.rows {
        ev.push(SEGMENTS[s], NAMES[v], log.logging[s][v], r + shift)
            .ok()?;
    }
    ev.finish(alpha).ok()
}

fn logging_policy(log: &Log) -> TargetPolicy {
    TargetPolicy::from_rows(
        log.logging
            .iter()
            .enumerate()
            .flat_map(|(s, p)| (0..3).map(move |v| (SEGMENTS[s], NAMES[v], p[v]))),
    )
    .expect("normalised")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn ess_is_at_most_n_and_each_value_lies_in_its_interval(log in log_strategy()) {
        let policy = logging_policy(&log);
        let r = run(&log, &policy, 0.0, 0.05).expect("the logging policy is covered");
        prop_assert!(r.effective_sample_size <= r.n as f64 * (1.0 + 1e-12));
        let e = &r.estimators;
        for est in [e.ipw, e.snipw, e.dm, e.dr] {
            prop_assert!(est.ci_low <= est.value && est.value <= est.ci_high);
            prop_assert!(est.std_error >= 0.0);
        }
    }

    #[test]
    fn the_logging_policy_evaluated_on_its_own_log_is_the_logged_value(log in log_strategy()) {
        // w = 1 on every row: ipw = snipw = mean(r) and ess = n.
        let policy = logging_policy(&log);
        let r = run(&log, &policy, 0.0, 0.05).expect("covered");
        let scale = log.rows.iter().map(|x| x.2.abs()).fold(1.0, f64::max);
        prop_assert!((r.estimators.ipw.value - r.logged_value).abs() <= 1e-12 * scale);
        prop_assert!((r.estimators.snipw.value - r.logged_value).abs() <= 1e-12 * scale);
        prop_assert!((r.effective_sample_size - r.n as f64).abs() <= 1e-9 * r.n as f64);
    }

    #[test]
    fn shifting_every_reward_shifts_snipw_dm_and_dr_and_keeps_their_spread(
        log in log_strategy(),
        shift in -1e3_f64..1e3,
        target in prop::array::uniform3(0.0_f64..1.0),
    ) {
        let total: f64 = target.iter().sum();
        prop_assume!(total > 0.1);
        let policy = TargetPolicy::from_rows(
            (0..log.logging.len())
                .flat_map(|s| (0..3).map(move |v| (SEGMENTS[s], NAMES[v], target[v] / total))),
        )
        .unwrap();
        let (Some(a), Some(b)) = (run(&log, &policy, 0.0, 0.05), run(&log, &policy, shift, 0.05))
        else {
            // The target serves a variant missing from a segment of the log.
            return Ok(());
        };
        let scale = 200.0 + shift.abs();
        for (x, y) in [
            (a.estimators.snipw, b.estimators.snipw),
            (a.estimators.dm, b.estimators.dm),
            (a.estimators.dr, b.estimators.dr),
        ] {
            prop_assert!((x.value + shift - y.value).abs() <= 1e-9 * scale);
            prop_assert!((x.std_error - y.std_error).abs() <= 1e-7 * scale);
        }
    }

    #[test]
    fn batches_equal_their_rows_pushed_one_by_one_to_1e_12(
        batches in prop::collection::vec(
            (0_usize..2, 0_usize..3, 0.05_f64..1.0, prop::collection::vec(-50.0_f64..200.0, 1..20)),
            1..12,
        ),
        target in prop::array::uniform3(0.0_f64..1.0),
    ) {
        let total: f64 = target.iter().sum();
        prop_assume!(total > 0.1);
        let policy = TargetPolicy::from_rows(
            (0..2).flat_map(|s| (0..3).map(move |v| (SEGMENTS[s], NAMES[v], target[v] / total))),
        )
        .unwrap();
        let mut rows = OffPolicyEvaluator::new(&policy);
        let mut batched = OffPolicyEvaluator::new(&policy);
        for (s, v, p, rewards) in &batches {
            for &r in rewards {
                rows.push(SEGMENTS[*s], NAMES[*v], *p, r).unwrap();
            }
            let sum: f64 = rewards.iter().sum();
            let squares: f64 = rewards.iter().map(|r| r * r).sum();
            batched
                .push_batch(SEGMENTS[*s], NAMES[*v], *p, rewards.len() as u64, sum, squares)
                .unwrap();
        }
        match (rows.finish(0.05), batched.finish(0.05)) {
            (Ok(a), Ok(b)) => assert_reports_close(&b, &a, 1e-12),
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a, b),
        }
    }

    #[test]
    fn merging_two_parts_of_a_log_equals_reading_it_whole(log in log_strategy(), cut in 0.0_f64..1.0) {
        let policy = logging_policy(&log);
        let split = (cut * log.rows.len() as f64) as usize;
        let mut whole = OffPolicyEvaluator::new(&policy);
        let mut first = OffPolicyEvaluator::new(&policy);
        let mut second = OffPolicyEvaluator::new(&policy);
        for (i, &(s, v, r)) in log.rows.iter().enumerate() {
            let part = if i < split { &mut first } else { &mut second };
            part.push(SEGMENTS[s], NAMES[v], log.logging[s][v], r).unwrap();
            whole.push(SEGMENTS[s], NAMES[v], log.logging[s][v], r).unwrap();
        }
        first.merge(&second).unwrap();
        prop_assert_eq!(first.n(), whole.n());
        let (a, b) = (first.finish(0.05).unwrap(), whole.finish(0.05).unwrap());
        let scale = 200.0;
        prop_assert!((a.effective_sample_size - b.effective_sample_size).abs() <= 1e-9 * b.effective_sample_size);
        let (x, y) = (a.estimators, b.estimators);
        for (p, q) in [(x.ipw, y.ipw), (x.snipw, y.snipw), (x.dm, y.dm), (x.dr, y.dr)] {
            prop_assert!((p.value - q.value).abs() <= 1e-10 * scale);
            prop_assert!((p.std_error - q.std_error).abs() <= 1e-9 * scale);
        }
    }

    #[test]
    fn a_smaller_alpha_gives_a_wider_interval_around_the_same_value(log in log_strategy()) {
        let policy = logging_policy(&log);
        let wide = run(&log, &policy, 0.0, 0.01).expect("covered");
        let narrow = run(&log, &policy, 0.0, 0.2).expect("covered");
        let (w, n) = (wide.estimators.dr, narrow.estimators.dr);
        prop_assert_eq!(w.value, n.value);
        prop_assert!(w.ci_high - w.ci_low >= n.ci_high - n.ci_low);
    }

    #[test]
    fn the_order_of_the_rows_does_not_matter(log in log_strategy()) {
        let policy = logging_policy(&log);
        let forward = run(&log, &policy, 0.0, 0.05).expect("covered");
        let mut reversed = log.clone();
        reversed.rows.reverse();
        let backward = run(&reversed, &policy, 0.0, 0.05).expect("covered");
        let scale = 200.0;
        let (x, y) = (forward.estimators, backward.estimators);
        for (p, q) in [(x.ipw, y.ipw), (x.snipw, y.snipw), (x.dm, y.dm), (x.dr, y.dr)] {
            prop_assert!((p.value - q.value).abs() <= 1e-10 * scale);
            prop_assert!((p.std_error - q.std_error).abs() <= 1e-9 * scale);
        }
    }
}
