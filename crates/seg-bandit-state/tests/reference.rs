//! Beta quantiles, P(B > A) and expected losses against
//! `testdata/reference/stats_misc.json` (scipy; see its README).

use seg_bandit_state::BetaState;
use seg_bandit_state::analytics::{compare_pair, quantile, summary};
use serde_json::Value;

fn f(v: &Value) -> f64 {
    v.as_f64().expect("reference numbers are finite")
}

fn state(v: &Value) -> BetaState {
    BetaState::new(f(&v["alpha"]), f(&v["beta"])).expect("reference shapes are valid")
}

fn assert_rel(got: f64, want: f64, tol: f64, what: &str) {
    let err = (got - want).abs() / want.abs().max(f64::MIN_POSITIVE);
    assert!(
        err <= tol,
        "{what}: got {got:e}, want {want:e}, relative error {err:e}"
    );
}

#[test]
fn beta_quantiles_match_scipy_to_1e_9() {
    let r = seg_testdata::reference("stats_misc.json");
    let cases = r["beta_summary"].as_array().expect("beta_summary list");
    assert!(!cases.is_empty());
    for case in cases {
        let id = case["id"].as_str().unwrap_or("?");
        let s = state(case);
        let ps = seg_testdata::f64s(&case["quantiles"]["p"]);
        let xs = seg_testdata::f64s(&case["quantiles"]["x"]);
        for (p, x) in ps.iter().zip(&xs) {
            assert_rel(quantile(&s, *p).unwrap(), *x, 1e-9, &format!("{id} q({p})"));
        }
        let sum = summary(&s, 0.95).unwrap();
        assert_rel(sum.mean, f(&case["mean"]), 1e-12, &format!("{id} mean"));
        assert_rel(
            sum.variance,
            f(&case["variance"]),
            1e-12,
            &format!("{id} variance"),
        );
        assert_rel(sum.lower, f(&case["q025"]), 1e-9, &format!("{id} q025"));
        assert_rel(sum.upper, f(&case["q975"]), 1e-9, &format!("{id} q975"));
        assert_rel(
            quantile(&s, 0.5).unwrap(),
            f(&case["q500"]),
            1e-9,
            &format!("{id} q500"),
        );
    }
}

#[test]
fn prob_b_beats_a_and_expected_losses_match_scipy_to_1e_6() {
    let r = seg_testdata::reference("stats_misc.json");
    let cases = r["bandit_pairs"].as_array().expect("bandit_pairs list");
    assert!(!cases.is_empty());
    for case in cases {
        let id = case["id"].as_str().unwrap_or("?");
        let c = compare_pair(&state(&case["A"]), &state(&case["B"])).unwrap();
        assert_rel(
            c.prob_b_beats_a,
            f(&case["prob_b_beats_a"]),
            1e-6,
            &format!("{id} P(B>A)"),
        );
        if let Some(v) = case.get("prob_b_beats_a_analytic") {
            assert_rel(c.prob_b_beats_a, f(v), 1e-6, &format!("{id} analytic"));
        }
        // loss of choosing B = E[max(pA − pB, 0)]
        assert_rel(
            c.expected_loss_choosing_b,
            f(&case["expected_loss_a_minus_b"]),
            1e-6,
            &format!("{id} loss a−b"),
        );
        assert_rel(
            c.expected_loss_choosing_a,
            f(&case["expected_loss_b_minus_a"]),
            1e-6,
            &format!("{id} loss b−a"),
        );
    }
}
