//! Estimates under adaptive allocation: exact values on small inputs worked
//! out by hand, the errors, and batches equal to their units pushed one by
//! one. The calibration by simulation is in `adaptive_simulation.rs`.

use proptest::prelude::*;
use seg_bandit_state::{
    AdaptiveEstimate, AdaptiveEstimator, AdaptiveReport, BanditError, RewardSums,
};

/// z(0.975).
const Z: f64 = 1.959_963_984_540_054;

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-12 * want.abs().max(1.0)
}

#[track_caller]
fn check(e: &AdaptiveEstimate, value: f64, variance: f64) {
    let se = variance.sqrt();
    assert!(close(e.value, value), "value {} != {value}", e.value);
    assert!(
        close(e.standard_error, se),
        "se {} != {se}",
        e.standard_error
    );
    assert!(close(e.ci_low, value - Z * se), "ci_low {}", e.ci_low);
    assert!(close(e.ci_high, value + Z * se), "ci_high {}", e.ci_high);
}

/// Segment "s": day 1 a 50/50 split, day 2 a 25/75 split, 8 units each day;
/// segment "t": one day, 50/50, 4 units.
fn two_segments() -> AdaptiveEstimator {
    let mut est = AdaptiveEstimator::new(["a", "b"]).unwrap();
    let pushes: [(&str, i64, &str, f64, &[f64]); 6] = [
        ("s", 1, "a", 0.5, &[1.0, 0.0, 0.0, 1.0]),
        ("s", 1, "b", 0.5, &[1.0, 1.0, 0.0, 1.0]),
        ("s", 2, "a", 0.25, &[1.0, 0.0]),
        ("s", 2, "b", 0.75, &[0.0, 1.0, 1.0, 1.0, 0.0, 1.0]),
        ("t", 1, "a", 0.5, &[1.0, 1.0]),
        ("t", 1, "b", 0.5, &[0.0, 0.0]),
    ];
    for (segment, period, variant, p, rewards) in pushes {
        est.push_period(
            segment,
            period,
            variant,
            p,
            RewardSums::from_rewards(rewards),
        )
        .unwrap();
    }
    est
}

#[test]
fn segment_estimates_equal_the_hand_computed_values() {
    let report = two_segments().report(0.05).unwrap();
    let s = report.segment("s").unwrap();
    assert_eq!((s.periods, s.cells_with_varying_propensity), (2, 0));
    assert!(close(s.traffic_share, 16.0 / 20.0));
    let a = s.estimates.variant("a").unwrap();
    let b = s.estimates.variant("b").unwrap();
    assert_eq!((a.units, b.units, s.estimates.units), (6, 10, 16));

    // Naive: a has 3 of 6, sample variance (3 − 9/6)/5; b 7 of 10, (7 − 4.9)/9.
    check(&a.naive, 0.5, 0.3 / 6.0);
    check(&b.naive, 0.7, 2.1 / 9.0 / 10.0);

    // Period-weighted: both days have 8 of the 16 units. Variance profile of
    // the days (within-cell squares of all units over their degrees of
    // freedom): day 1 (1 + 3/4) / (3 + 3), day 2 (1/2 + 4/3) / (1 + 5).
    let (tau1, tau2) = (1.75 / 6.0, (0.5 + 4.0 / 3.0) / 6.0);
    // a: ȳ = 1/2 and 1/2; its level: squares 1 + 1/2 over 3·τ1 + 1·τ2;
    // variance level · Σ N_t² τ_t / n_t / N² = level · (64 τ1 / 4 + 64 τ2 / 2) / 256.
    let a_pw_var = 1.5 / (3.0 * tau1 + tau2) * (16.0 * tau1 + 32.0 * tau2) / 256.0;
    check(&a.period_weighted, 0.5, a_pw_var);
    // b: ȳ = 3/4 and 4/6; squares 3/4 + 4/3 over 3·τ1 + 5·τ2.
    let b_pw = (0.75 + 4.0 / 6.0) / 2.0;
    let b_pw_var =
        (0.75 + 4.0 / 3.0) / (3.0 * tau1 + 5.0 * tau2) * (16.0 * tau1 + 64.0 / 6.0 * tau2) / 256.0;
    check(&b.period_weighted, b_pw, b_pw_var);
    assert_eq!(
        (a.dropped_traffic_share, b.dropped_traffic_share),
        (0.0, 0.0)
    );

    // IPW: a: Σ y = 2/0.5 + 1/0.25 = 8, Σ y² = 2/0.25 + 1/0.0625 = 24, N = 16.
    check(&a.ipw, 0.5, (24.0 - 8.0 * 0.5) / 15.0 / 16.0);
    // b: Σ y = 3/0.5 + 4/0.75, Σ y² = 3/0.25 + 4/0.5625.
    let (sb, ssb) = (6.0 + 4.0 / 0.75, 12.0 + 4.0 / 0.5625);
    check(&b.ipw, sb / 16.0, (ssb - sb * sb / 16.0) / 15.0 / 16.0);

    let lift = s.estimates.lift("b").unwrap();
    assert_eq!((lift.control.as_str(), lift.treatment.as_str()), ("a", "b"));
    check(&lift.naive.difference, 0.2, 0.3 / 6.0 + 2.1 / 90.0);
    check(
        &lift.period_weighted.difference,
        b_pw - 0.5,
        a_pw_var + b_pw_var,
    );
    // IPW lift from the per-unit differences d_i = y_i(b) − y_i(a):
    // Σ d = sb − 8, Σ d² = ssb + 24.
    let sd = sb - 8.0;
    check(
        &lift.ipw.difference,
        sd / 16.0,
        (ssb + 24.0 - sd * sd / 16.0) / 15.0 / 16.0,
    );
    // Relative naive lift 0.7/0.5 − 1 with the delta method (independent means).
    let rel = lift.naive.relative.unwrap();
    check(&rel, 0.4, (2.1 / 90.0 + 1.4 * 1.4 * 0.05) / 0.25);
}

#[test]
fn pooled_estimates_weight_segments_by_traffic() {
    let report = two_segments().report(0.05).unwrap();
    assert_eq!(report.control, "a");
    let t = report.segment("t").unwrap();
    let ta = t.estimates.variant("a").unwrap();
    // Segment t: a converts 2 of 2 (variance 0), IPW Σ y = 4, Σ y² = 8, N = 4.
    check(&ta.period_weighted, 1.0, 0.0);
    check(&ta.ipw, 1.0, (8.0 - 4.0) / 3.0 / 4.0);

    let a = report.pooled.variant("a").unwrap();
    assert_eq!((a.units, report.pooled.units), (8, 20));
    // Naive pools the units: 5 of 8.
    check(&a.naive, 0.625, (5.0 - 25.0 / 8.0) / 7.0 / 8.0);
    // Weights 16/20 and 4/20.
    let (w1, w2) = (0.8, 0.2);
    // Segment s's variance of a as in the test above; segment t's is 0.
    let (tau1, tau2) = (1.75 / 6.0, (0.5 + 4.0 / 3.0) / 6.0);
    let a_pw_var = 1.5 / (3.0 * tau1 + tau2) * (16.0 * tau1 + 32.0 * tau2) / 256.0;
    check(&a.period_weighted, w1 * 0.5 + w2 * 1.0, w1 * w1 * a_pw_var);
    check(
        &a.ipw,
        (8.0 + 4.0) / 20.0,
        w1 * w1 * 20.0 / 15.0 / 16.0 + w2 * w2 * 4.0 / 3.0 / 4.0,
    );
}

#[test]
fn a_period_without_units_of_a_variant_is_dropped_and_reported() {
    let mut est = AdaptiveEstimator::new(["a", "b"]).unwrap();
    est.push_period("s", 1, "a", 0.5, RewardSums::binary(10, 1))
        .unwrap();
    est.push_period("s", 1, "b", 0.5, RewardSums::binary(10, 5))
        .unwrap();
    // Day 2: b was served with probability 0.9 but got every unit.
    est.push_period("s", 2, "b", 0.9, RewardSums::binary(30, 3))
        .unwrap();
    let report = est.report(0.05).unwrap();
    let a = report.pooled.variant("a").unwrap();
    assert!(close(a.dropped_traffic_share, 0.6));
    assert!(close(a.period_weighted.value, 0.1));
    let b = report.pooled.variant("b").unwrap();
    assert_eq!(b.dropped_traffic_share, 0.0);
    assert!(close(b.period_weighted.value, 0.4 * 0.5 + 0.6 * 0.1));
}

#[test]
fn one_unit_per_period_falls_back_to_the_variance_of_all_rewards() {
    let mut est = AdaptiveEstimator::new(["a"]).unwrap();
    est.push_decision("s", 1, "a", 1.0, 1.0).unwrap();
    est.push_decision("s", 2, "a", 1.0, 0.0).unwrap();
    let a = est.report(0.05).unwrap().pooled.variants[0].clone();
    // Two periods of one unit: mean 1/2, sample variance 1/2, Σ (N_t/N)²/n_t = 1/2.
    check(&a.period_weighted, 0.5, 0.25);
}

#[test]
fn single_units_among_many_use_the_variance_of_the_variant() {
    let mut est = AdaptiveEstimator::new(["a", "b"]).unwrap();
    est.push_decision("s", 1, "a", 0.1, 1.0).unwrap();
    est.push_decision("s", 2, "a", 0.1, 0.0).unwrap();
    for period in [1, 2] {
        est.push_period("s", period, "b", 0.9, RewardSums::binary(10, 4))
            .unwrap();
    }
    let report = est.report(0.05).unwrap();
    let a = report.pooled.variant("a").unwrap();
    // No within-period variance of a: its rewards' variance 1/2, times
    // Σ N_t² / n_t / N² = (121 + 121) / 484.
    check(&a.period_weighted, 0.5, 0.25);
    // b's level: the profile is b's own variance in both days, so Σ_t (N_t/N)² s² / n_t.
    let s2 = (4.0 - 1.6) / 9.0;
    check(
        &report.pooled.variant("b").unwrap().period_weighted,
        0.4,
        2.0 * 0.25 * s2 / 10.0,
    );
}

#[test]
fn differing_propensities_within_a_cell_weigh_each_unit_by_its_own() {
    let mut est = AdaptiveEstimator::new(["a", "b"]).unwrap();
    est.push_decision("s", 1, "a", 0.5, 1.0).unwrap();
    est.push_decision("s", 1, "a", 0.25, 1.0).unwrap();
    est.push_decision("s", 1, "b", 0.5, 0.0).unwrap();
    est.push_decision("s", 1, "b", 0.75, 1.0).unwrap();
    let report = est.report(0.05).unwrap();
    let s = report.segment("s").unwrap();
    assert_eq!(s.cells_with_varying_propensity, 2);
    let a = s.estimates.variant("a").unwrap();
    assert!(close(a.ipw.value, (2.0 + 4.0) / 4.0));
}

#[test]
fn relative_lift_needs_a_positive_control_mean() {
    let mut est = AdaptiveEstimator::new(["a", "b"]).unwrap();
    est.push_period("s", 1, "a", 0.5, RewardSums::binary(10, 0))
        .unwrap();
    est.push_period("s", 1, "b", 0.5, RewardSums::binary(10, 2))
        .unwrap();
    let report = est.report(0.05).unwrap();
    let lift = report.pooled.lift("b").unwrap();
    assert!(lift.naive.relative.is_none() && lift.ipw.relative.is_none());
    assert!(close(lift.naive.difference.value, 0.2));
    assert!(report.pooled.lift("a").is_none());
}

#[test]
fn invalid_inputs_are_errors_naming_the_value() {
    let mut est = AdaptiveEstimator::new(["a", "b"]).unwrap();
    let err = |r: Result<(), BanditError>| r.unwrap_err().to_string();
    let msg = err(est.push_period("s", 3, "c", 0.5, RewardSums::binary(1, 0)));
    assert!(msg.contains("\"c\"") && msg.contains("\"a\""), "{msg}");
    for p in [0.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
        let msg = err(est.push_period("s", 3, "a", p, RewardSums::binary(1, 0)));
        assert!(
            msg.starts_with("propensity of variant \"a\" in segment \"s\", period 3"),
            "{msg}"
        );
    }
    let msg = err(est.push_period("s", 3, "a", 0.5, RewardSums::new(2, f64::NAN, 1.0)));
    assert!(
        msg.starts_with("reward_sum of variant") && msg.ends_with("NaN"),
        "{msg}"
    );
    let msg = err(est.push_period("s", 3, "a", 0.5, RewardSums::new(2, 1.0, f64::INFINITY)));
    assert!(msg.starts_with("reward_sum_squares of variant"), "{msg}");
    let msg = err(est.push_decision("s", 3, "a", 0.5, f64::NEG_INFINITY));
    assert!(msg.contains("not finite"), "{msg}");
    let msg = err(est.push_period("s", 3, "a", 1e-200, RewardSums::new(1, 1.0, 1.0)));
    assert!(
        msg.starts_with("reward_sum_squares / propensity² of variant"),
        "{msg}"
    );
    for bad in [
        RewardSums::binary(3, 4),
        RewardSums::new(2, 0.0, -1.0),
        RewardSums::new(0, 1.0, 1.0),
        RewardSums::new(3, 60.0, 1_000.0),
    ] {
        let msg = err(est.push_period("s", 3, "a", 0.5, bad));
        assert!(
            msg.starts_with("inconsistent rewards of variant \"a\""),
            "{msg}"
        );
    }
    assert_eq!(est.units(), 0);
    assert!(matches!(est.report(0.05), Err(BanditError::NoUnits)));
    assert_eq!(
        est.report(0.05).unwrap_err().to_string(),
        "no units pushed: nothing to estimate"
    );
    est.push_period("s", 3, "a", 0.5, RewardSums::binary(5, 1))
        .unwrap();
    est.push_period("s", 3, "b", 0.5, RewardSums::binary(1, 1))
        .unwrap();
    let msg = est.report(0.05).unwrap_err().to_string();
    assert!(
        msg.starts_with("variant \"b\" has 1 units in segment \"s\""),
        "{msg}"
    );
    est.push_period("s", 4, "b", 0.5, RewardSums::binary(1, 0))
        .unwrap();
    for alpha in [0.0, 1.0, -0.5, f64::NAN] {
        let msg = est.report(alpha).unwrap_err().to_string();
        assert!(msg.starts_with("invalid alpha = "), "{msg}");
    }
    assert!(est.report(0.05).is_ok());
    assert!(AdaptiveEstimator::new(["a", ""]).is_err());
}

#[test]
fn the_report_serialises_with_every_estimate() {
    let report = two_segments().report(0.1).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["alpha"], 0.1);
    assert_eq!(json["segments"][0]["segment"], "s");
    let a = &json["pooled"]["variants"][0];
    for key in ["naive", "period_weighted", "ipw"] {
        for field in ["value", "standard_error", "ci_low", "ci_high"] {
            assert!(a[key][field].is_f64(), "{key}.{field}");
        }
    }
    assert!(json["pooled"]["lifts"][0]["ipw"]["relative"]["value"].is_f64());
}

/// Every number of two reports agrees to `1e-9` relative.
fn same_report(x: &AdaptiveReport, y: &AdaptiveReport) -> Result<(), String> {
    fn walk(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Result<(), String> {
        use serde_json::Value;
        match (a, b) {
            (Value::Number(p), Value::Number(q)) => {
                let (p, q) = (
                    p.as_f64().unwrap_or(f64::NAN),
                    q.as_f64().unwrap_or(f64::NAN),
                );
                if (p - q).abs() <= 1e-9 * p.abs().max(q.abs()).max(1.0) {
                    Ok(())
                } else {
                    Err(format!("{path}: {p} != {q}"))
                }
            }
            (Value::Object(p), Value::Object(q)) if p.len() == q.len() => p
                .iter()
                .try_for_each(|(k, v)| walk(v, &q[k], &format!("{path}.{k}"))),
            (Value::Array(p), Value::Array(q)) if p.len() == q.len() => p
                .iter()
                .zip(q)
                .enumerate()
                .try_for_each(|(i, (v, w))| walk(v, w, &format!("{path}[{i}]"))),
            _ if a == b => Ok(()),
            _ => Err(format!("{path}: {a} != {b}")),
        }
    }
    let (x, y) = (
        serde_json::to_value(x).map_err(|e| e.to_string())?,
        serde_json::to_value(y).map_err(|e| e.to_string())?,
    );
    walk(&x, &y, "report")
}

type Units = Vec<(usize, i64, usize, f64, Vec<f64>)>;

fn cells() -> impl Strategy<Value = Units> {
    let reward = prop_oneof![Just(0.0), Just(1.0), -50.0..50.0_f64];
    prop::collection::vec(
        (
            0..2_usize,
            0..3_i64,
            0..2_usize,
            0.01..=1.0_f64,
            prop::collection::vec(reward, 0..6),
        ),
        1..12,
    )
}

proptest! {
    #[test]
    fn a_period_pushed_as_one_batch_equals_its_units_pushed_one_by_one(cells in cells()) {
        let segments = ["mobile", "desktop"];
        let variants = ["a", "b"];
        let mut batched = AdaptiveEstimator::new(variants).unwrap();
        let mut single = AdaptiveEstimator::new(variants).unwrap();
        for (s, period, v, p, rewards) in &cells {
            batched
                .push_period(segments[*s], *period, variants[*v], *p, RewardSums::from_rewards(rewards))
                .unwrap();
            for &r in rewards {
                single.push_decision(segments[*s], *period, variants[*v], *p, r).unwrap();
            }
        }
        prop_assert_eq!(batched.units(), single.units());
        match (batched.report(0.05), single.report(0.05)) {
            (Ok(x), Ok(y)) => {
                if let Err(e) = same_report(&x, &y) {
                    return Err(TestCaseError::fail(e));
                }
            }
            (Err(x), Err(y)) => prop_assert_eq!(x.to_string(), y.to_string()),
            (x, y) => prop_assert!(false, "{:?} vs {:?}", x.is_ok(), y.is_ok()),
        }
    }
}

proptest! {
    #[test]
    fn merged_partial_estimators_equal_one_estimator_of_all_units(
        cells in cells(),
        split in 0..12_usize,
    ) {
        let segments = ["mobile", "desktop"];
        let variants = ["a", "b"];
        let mut whole = AdaptiveEstimator::new(variants).unwrap();
        let mut first = AdaptiveEstimator::new(variants).unwrap();
        let mut second = AdaptiveEstimator::new(variants).unwrap();
        for (i, (s, period, v, p, rewards)) in cells.iter().enumerate() {
            let sums = RewardSums::from_rewards(rewards);
            whole.push_period(segments[*s], *period, variants[*v], *p, sums).unwrap();
            let part = if i < split { &mut first } else { &mut second };
            part.push_period(segments[*s], *period, variants[*v], *p, sums).unwrap();
        }
        first.merge(&second).unwrap();
        prop_assert_eq!(first.units(), whole.units());
        match (first.report(0.05), whole.report(0.05)) {
            (Ok(x), Ok(y)) => {
                if let Err(e) = same_report(&x, &y) {
                    return Err(TestCaseError::fail(e));
                }
            }
            (Err(x), Err(y)) => prop_assert_eq!(x.to_string(), y.to_string()),
            (x, y) => prop_assert!(false, "{:?} vs {:?}", x.is_ok(), y.is_ok()),
        }
    }
}

#[test]
fn merging_other_variants_or_overflowing_totals_is_refused() {
    let mut est = AdaptiveEstimator::new(["a", "b"]).unwrap();
    est.push_period("s", 1, "a", 0.5, RewardSums::binary(u64::MAX - 1, 0))
        .unwrap();
    let before = est.clone();
    let mut other = AdaptiveEstimator::new(["a", "b"]).unwrap();
    other
        .push_period("t", 1, "b", 0.5, RewardSums::binary(1, 1))
        .unwrap();
    other
        .push_period("s", 1, "a", 0.5, RewardSums::binary(1, 0))
        .unwrap();
    let msg = est.merge(&other).unwrap_err().to_string();
    assert!(msg.contains("u64::MAX"), "{msg}");
    assert_eq!(est, before);
    let msg = est
        .merge(&AdaptiveEstimator::new(["a"]).unwrap())
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("invalid other = [\"a\"]"), "{msg}");
}
