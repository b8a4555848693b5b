//! `segment_outcomes` against scipy 1.17.1 (`chi2_contingency` without
//! continuity correction, `contingency.association(method="cramer")`) and
//! statsmodels 0.15.0 (`proportion_confint(method="wilson")`); the values
//! are in `tests/data/outcome_reference.json`, written by
//! `tests/data/generate_outcome_reference.py` (the last three cases are
//! segment × purchase tables of the real Online Shoppers data).

use seg_validate::segment_outcomes;
use serde_json::Value as Json;

fn close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs() || (got - want).abs() <= 1e-15
}

#[test]
fn outcome_tests_match_scipy_and_statsmodels() {
    let text = include_str!("data/outcome_reference.json");
    let reference: Json = serde_json::from_str(text).expect("valid JSON");
    let cases = reference["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 7);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let counts: Vec<[usize; 2]> =
            serde_json::from_value(case["counts"].clone()).expect("counts");
        let (mut labels, mut outcomes) = (Vec::new(), Vec::new());
        for (segment, [n, s]) in counts.iter().enumerate() {
            labels.extend(std::iter::repeat_n(segment, *n));
            outcomes.extend((0..*n).map(|i| i < *s));
        }
        let report = segment_outcomes(&labels, &outcomes, 0.95).expect(name);
        let f = |key: &str| case[key].as_f64().expect(key);
        assert!(
            close(report.chi_square, f("chi_square"), 1e-10),
            "{name}: chi2 {} vs {}",
            report.chi_square,
            f("chi_square")
        );
        assert_eq!(report.df as u64, case["df"].as_u64().expect("df"), "{name}");
        assert!(
            close(report.p_value, f("p_value"), 1e-9),
            "{name}: p {:e} vs {:e}",
            report.p_value,
            f("p_value")
        );
        assert!(
            close(report.cramers_v, f("cramers_v"), 1e-10),
            "{name}: V {} vs {}",
            report.cramers_v,
            f("cramers_v")
        );
        let lows: Vec<f64> = serde_json::from_value(case["ci_low"].clone()).expect("ci_low");
        let highs: Vec<f64> = serde_json::from_value(case["ci_high"].clone()).expect("ci_high");
        for (seg, (lo, hi)) in report.segments.iter().zip(lows.iter().zip(&highs)) {
            assert!(
                close(seg.ci_low, *lo, 1e-9),
                "{name}: low {} vs {lo}",
                seg.ci_low
            );
            assert!(
                close(seg.ci_high, *hi, 1e-9),
                "{name}: high {} vs {hi}",
                seg.ci_high
            );
        }
    }
}
