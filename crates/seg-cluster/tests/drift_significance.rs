//! `psi_test` against scipy and exact enumeration
//! (`testdata/drift/significance.json`, written by
//! `testdata/drift/make_significance.py`), and its invariants.
//!
//! Tolerances: where the χ² distribution is used, the p-value and
//! Pearson's statistic to 1e-9 relative against
//! `scipy.stats.chi2_contingency(correction=False)`; where the test
//! simulates, PSI's expectation to 1e-9 relative against the exact sum
//! over both binomial counts, and the Monte Carlo p-value within five
//! standard errors of the exact p-value (a probability claim checked by
//! simulation; the draws are seeded, so the check is deterministic).

use proptest::prelude::*;
use seg_cluster::{DriftLevel, NULL_DRAWS, NullMethod, PsiTest, STOP_AFTER, psi_test, verdict};
use seg_testdata::{f64s, workspace_root};
use serde_json::Value;

fn reference() -> Value {
    let path = workspace_root().join("testdata/drift/significance.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} unreadable: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn close(got: f64, want: f64, tol: f64, what: &str) {
    let err = (got - want).abs() / want.abs().max(1e-300);
    assert!(
        got == want || err <= tol,
        "{what}: {got} vs {want} ({err:e})"
    );
}

fn run(case: &Value) -> PsiTest {
    let shares = f64s(&case["baseline_shares"]);
    let batch = f64s(&case["batch"]);
    let m = case["baseline_rows"].as_u64().expect("m") as usize;
    let n = case["batch_rows"].as_u64().expect("n") as usize;
    psi_test(&shares, m, &batch, n).expect("psi_test")
}

#[test]
fn chi_square_p_values_match_scipy_chi2_contingency() {
    let file = reference();
    let cases = file["chi_square"].as_array().expect("cases");
    assert!(cases.len() >= 6);
    for (i, case) in cases.iter().enumerate() {
        let t = run(case);
        assert_eq!(t.method, NullMethod::ChiSquare, "case {i}");
        let what = format!("case {i}");
        close(t.psi, case["psi"].as_f64().expect("psi"), 1e-12, &what);
        close(t.p_value, case["p_value"].as_f64().expect("p"), 1e-9, &what);
        close(
            t.expected_psi,
            case["expected_psi"].as_f64().expect("expected"),
            1e-12,
            &what,
        );
    }
}

#[test]
fn simulated_p_values_and_expectations_match_exact_enumeration() {
    let file = reference();
    let cases = file["exact"].as_array().expect("cases");
    assert!(cases.len() >= 4);
    for (i, case) in cases.iter().enumerate() {
        let t = run(case);
        assert_eq!(t.method, NullMethod::Simulation, "case {i}");
        let what = format!("case {i}");
        close(t.psi, case["psi"].as_f64().expect("psi"), 1e-12, &what);
        close(
            t.expected_psi,
            case["expected_psi"].as_f64().expect("expected"),
            1e-9,
            &what,
        );
        // The standard error of the estimate: the sequential estimate
        // stops at STOP_AFTER draws reaching the statistic (relative error
        // about 1/√STOP_AFTER), else it uses NULL_DRAWS draws.
        let exact = case["p_value"].as_f64().expect("p");
        let draws = (STOP_AFTER as f64 / exact).min(NULL_DRAWS as f64);
        let se = (exact * (1.0 - exact) / draws).sqrt();
        println!("case {i}: p {:.5} exact {exact:.5} (se {se:.5})", t.p_value);
        assert!(
            (t.p_value - exact).abs() <= 5.0 * se,
            "{what}: {} vs {exact}",
            t.p_value
        );
    }
}

fn test_of(psi: f64, expected_psi: f64, p_value: f64) -> PsiTest {
    PsiTest {
        psi,
        expected_psi,
        p_value,
        method: NullMethod::ChiSquare,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any histogram pair gives a PSI ≥ 0, an expectation ≥ 0 and a
    /// p-value in [0, 1] (a χ² tail may underflow to 0); the same inputs
    /// give the same answer.
    #[test]
    fn psi_test_is_a_valid_deterministic_test(
        shares in prop::collection::vec(0.0f64..1.0, 2..12),
        batch in prop::collection::vec(0u32..200, 2..12),
        m in 1usize..100_000,
    ) {
        let k = shares.len().min(batch.len());
        let (mut shares, batch) = (shares[..k].to_vec(), batch[..k].iter().map(|&c| f64::from(c)).collect::<Vec<_>>());
        shares[0] += 0.01;
        let n = batch.iter().sum::<f64>() as usize;
        prop_assume!(n > 0);
        let t = psi_test(&shares, m, &batch, n).expect("valid input");
        prop_assert!(t.psi >= 0.0 && t.expected_psi >= 0.0, "{t:?}");
        prop_assert!((0.0..=1.0).contains(&t.p_value), "{t:?}");
        if t.method == NullMethod::Simulation {
            prop_assert!(t.p_value > 0.0, "{t:?}");
        }
        prop_assert_eq!(psi_test(&shares, m, &batch, n).expect("again"), t);
    }

    /// The verdict is stable when nothing is significant, and never stable
    /// when a test with a sized PSI above 0.1 is significant.
    #[test]
    fn verdict_follows_significance_and_size(
        p in prop::collection::vec(0.0f64..=1.0, 1..40),
        psi in 0.0f64..2.0,
    ) {
        let tests: Vec<PsiTest> = p.iter().map(|&p| test_of(psi, 0.001, p)).collect();
        let v = verdict(&tests, 0.01).expect("verdict");
        if v.significant.iter().all(|s| !s) {
            prop_assert_eq!(v.level, DriftLevel::Stable);
        } else if psi >= 0.1 {
            prop_assert_ne!(v.level, DriftLevel::Stable);
        }
        // Holm's adjusted p-values are at least the raw ones.
        for (a, r) in v.adjusted_p_values.iter().zip(&p) {
            prop_assert!(a >= r);
        }
    }
}

#[test]
fn bad_inputs_are_errors() {
    assert!(psi_test(&[0.5, 0.5], 0, &[1.0, 1.0], 2).is_err());
    assert!(psi_test(&[0.5, 0.5], 10, &[1.0, 1.0], 0).is_err());
    assert!(psi_test(&[0.5, 0.5], 10, &[1.0], 1).is_err());
    assert!(psi_test(&[0.5, f64::NAN], 10, &[1.0, 1.0], 2).is_err());
    assert!(psi_test(&[0.0, 0.0], 10, &[1.0, 1.0], 2).is_err());
    assert!(psi_test(&[0.5, 0.5], 10, &[-1.0, 1.0], 2).is_err());
    assert!(verdict(&[test_of(0.1, 0.0, 1.5)], 0.05).is_err());
    assert!(verdict(&[test_of(0.1, 0.0, 0.5)], 0.0).is_err());
    assert!(verdict(&[test_of(0.1, 0.0, 0.5)], f64::NAN).is_err());
}
