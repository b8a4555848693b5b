//! `segment_outcomes` (binary outcome) and `segment_means` (numeric
//! outcome) against scipy 1.17.1 and statsmodels 0.15.0 on the seeded
//! cases of `testdata/profile/reference.json`, written by
//! `testdata/profile/make_reference.py` (see its README): Wilson intervals
//! (`proportion_confint(method="wilson")`), `chi2_contingency(correction=
//! False)`, Cramér's V, Student t intervals (`t.interval`), `f_oneway` and
//! η², all to 1e-9 relative.

use seg_validate::{segment_means, segment_outcomes};
use serde_json::Value as Json;

/// The tolerance of the contract.
const RELATIVE: f64 = 1e-9;

fn reference() -> Json {
    let path = seg_testdata::workspace_root().join("testdata/profile/reference.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} unreadable: {e}", path.display()));
    serde_json::from_str(&text).expect("valid JSON")
}

/// Relative error of `got` against `want`; an absolute one below 1e-300
/// (where both underflow to about zero).
fn relative_error(got: f64, want: f64) -> f64 {
    let diff = (got - want).abs();
    if diff == 0.0 {
        0.0
    } else if want.abs() < 1e-300 {
        diff
    } else {
        diff / want.abs()
    }
}

/// Records the relative error of one value, failing above [`RELATIVE`].
fn check(worst: &mut f64, case: &str, what: &str, got: f64, want: f64) {
    let e = relative_error(got, want);
    assert!(
        e <= RELATIVE,
        "{case}: {what} = {got:e}, scipy {want:e} (relative error {e:e})"
    );
    *worst = worst.max(e);
}

fn labels(case: &Json) -> Vec<usize> {
    seg_testdata::usizes(&case["labels"])
}

#[test]
fn binary_profiles_match_scipy_and_statsmodels() {
    let reference = reference();
    let cases = reference["binary"].as_array().expect("binary cases");
    assert_eq!(cases.len(), 5);
    let mut worst = 0.0_f64;
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let outcomes: Vec<bool> = seg_testdata::usizes(&case["outcomes"])
            .iter()
            .map(|&o| o == 1)
            .collect();
        let confidence = case["confidence"].as_f64().expect("confidence");
        let report = segment_outcomes(&labels(case), &outcomes, confidence).expect(name);
        let f = |key: &str| case[key].as_f64().expect(key);
        check(&mut worst, name, "chi2", report.chi_square, f("chi2"));
        check(&mut worst, name, "p_value", report.p_value, f("p_value"));
        check(
            &mut worst,
            name,
            "cramers_v",
            report.cramers_v,
            f("cramers_v"),
        );
        assert_eq!(report.df as u64, case["df"].as_u64().expect("df"), "{name}");
        let segments = case["segments"].as_array().expect("segments");
        assert_eq!(report.segments.len(), segments.len(), "{name}");
        for (got, want) in report.segments.iter().zip(segments) {
            let g = |key: &str| want[key].as_f64().expect(key);
            assert_eq!(got.label as u64, want["segment"].as_u64().expect("segment"));
            assert_eq!(got.n as u64, want["n"].as_u64().expect("n"));
            check(&mut worst, name, "rate", got.rate, g("mean"));
            check(&mut worst, name, "ci_low", got.ci_low, g("ci_low"));
            check(&mut worst, name, "ci_high", got.ci_high, g("ci_high"));
        }
    }
    eprintln!("binary profiles: largest relative error {worst:e}");
}

#[test]
fn numeric_profiles_match_scipy() {
    let reference = reference();
    let cases = reference["numeric"].as_array().expect("numeric cases");
    assert_eq!(cases.len(), 6);
    let mut worst = 0.0_f64;
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let outcomes = seg_testdata::f64s(&case["outcomes"]);
        let confidence = case["confidence"].as_f64().expect("confidence");
        let report = segment_means(&labels(case), &outcomes, confidence).expect(name);
        let f = |key: &str| case[key].as_f64().expect(key);
        check(&mut worst, name, "anova_f", report.anova_f, f("anova_f"));
        check(&mut worst, name, "p_value", report.p_value, f("p_value"));
        check(
            &mut worst,
            name,
            "eta_squared",
            report.eta_squared,
            f("eta_squared"),
        );
        assert_eq!(
            report.df_between as u64,
            case["df_between"].as_u64().expect("df")
        );
        assert_eq!(
            report.df_within as u64,
            case["df_within"].as_u64().expect("df")
        );
        let segments = case["segments"].as_array().expect("segments");
        assert_eq!(report.segments.len(), segments.len(), "{name}");
        for (got, want) in report.segments.iter().zip(segments) {
            let g = |key: &str| want[key].as_f64().expect(key);
            assert_eq!(got.label as u64, want["segment"].as_u64().expect("segment"));
            assert_eq!(got.n as u64, want["n"].as_u64().expect("n"));
            check(&mut worst, name, "mean", got.mean, g("mean"));
            check(&mut worst, name, "ci_low", got.ci_low, g("ci_low"));
            check(&mut worst, name, "ci_high", got.ci_high, g("ci_high"));
        }
    }
    eprintln!("numeric profiles: largest relative error {worst:e}");
}

#[test]
fn segment_means_rejects_bad_input_with_errors() {
    use seg_validate::ValidateError;
    assert!(matches!(
        segment_means(&[0, 1], &[1.0], 0.95),
        Err(ValidateError::LengthMismatch { .. })
    ));
    assert!(matches!(
        segment_means(&[], &[], 0.95),
        Err(ValidateError::EmptyInput { .. })
    ));
    assert!(matches!(
        segment_means(&[0, 0, 1, 1], &[1.0, f64::NAN, 2.0, 3.0], 0.95),
        Err(ValidateError::NonFinite { row: 1, .. })
    ));
    assert!(matches!(
        segment_means(&[0, 0, 0], &[1.0, 2.0, 3.0], 0.95),
        Err(ValidateError::InvalidClusterCount { k: 1, .. })
    ));
    // Two segments of one row each: no within-segment degree of freedom.
    assert!(matches!(
        segment_means(&[0, 1], &[1.0, 2.0], 0.95),
        Err(ValidateError::InvalidClusterCount { k: 2, .. })
    ));
    assert!(matches!(
        segment_means(&[0, 0, 1, 1], &[2.0; 4], 0.95),
        Err(ValidateError::InvalidParameter {
            parameter: "outcomes",
            ..
        })
    ));
    for confidence in [0.0, 1.0, f64::NAN] {
        assert!(matches!(
            segment_means(&[0, 0, 1, 1], &[1.0, 2.0, 3.0, 5.0], confidence),
            Err(ValidateError::InvalidParameter {
                parameter: "confidence",
                ..
            })
        ));
    }
}

#[test]
fn a_segment_of_one_row_has_no_interval() {
    let report = segment_means(&[0, 0, 0, 1], &[1.0, 2.0, 3.0, 9.0], 0.95).expect("valid");
    let single = &report.segments[1];
    assert_eq!((single.n, single.mean), (1, 9.0));
    assert!(single.ci_low.is_nan() && single.ci_high.is_nan() && single.std_dev.is_nan());
    assert!(report.segments[0].ci_low < 2.0 && report.segments[0].ci_high > 2.0);
}
