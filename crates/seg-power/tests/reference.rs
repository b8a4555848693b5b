//! Reference values from statsmodels 0.15.0 / scipy 1.17.1 (the
//! `versions` field of each file), stored in the repository in
//! `testdata/reference/*.json` and described in its README.
//!
//! Every case of every file is checked; the files are part of the
//! repository, so no test skips.

use serde_json::Value;

use seg_power::{
    Alternative, ClassicalDesign, Correction, GroupSequential, GroupSequentialDesign, Mde,
    MeanTest, MeanTestKind, Msprt, ProportionMethod, ProportionTest, SpendingFunction,
    TwoSidedSpending, adaptive_srm_test_at, cohens_h, srm_test_at,
};

/// A reference file of `testdata/reference/`: part of the repository, so
/// never skipped.
fn load(name: &str) -> Value {
    seg_testdata::reference(name)
}

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("field `{key}` missing in {v}"))
}

fn cases<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("section `{key}` missing"))
}

#[track_caller]
fn assert_rel(got: f64, want: f64, tol: f64, what: &str) {
    let rel = ((got - want) / want).abs();
    assert!(
        rel <= tol,
        "{what}: got {got}, want {want}, relative error {rel:e} > {tol:e}"
    );
}

#[track_caller]
fn assert_abs(got: f64, want: f64, tol: f64, what: &str) {
    let err = (got - want).abs();
    assert!(
        err <= tol,
        "{what}: got {got}, want {want}, absolute error {err:e} > {tol:e}"
    );
}

fn alternative(case: &Value) -> Alternative {
    match case["alternative"].as_str() {
        Some("two-sided") => Alternative::TwoSided,
        Some("one-sided") => Alternative::OneSided,
        other => panic!("unexpected alternative {other:?}"),
    }
}

#[test]
fn power_proportions_all_methods() {
    let doc = load("power.json");
    let all = cases(&doc, "proportions");
    assert!(!all.is_empty());
    for case in all {
        let id = case["id"].as_str().unwrap_or("?");
        let (p1, alpha, power) = (f(case, "p1"), f(case, "alpha"), f(case, "power"));
        let mde = Mde::Relative(f(case, "mde_rel"));
        assert_abs(
            Alternative::TwoSided.z_alpha(alpha),
            f(case, "z_1_minus_alpha_2"),
            1e-15,
            id,
        );
        assert_abs(
            cohens_h(p1, f(case, "p2")).unwrap(),
            f(case, "cohens_h"),
            1e-15,
            id,
        );
        let base = ProportionTest::new(p1).alpha(alpha);
        // Closed forms: 1e-9 relative (observed ~1e-15).
        let n = base.sample_size(mde, power).unwrap();
        assert_rel(n.n1, f(case, "n_pooled_h0_unpooled_h1"), 1e-9, id);
        assert_eq!(
            n.n1_ceil,
            f(case, "n_pooled_h0_unpooled_h1").ceil() as u64,
            "{id}"
        );
        let n = base
            .method(ProportionMethod::Unpooled)
            .sample_size(mde, power)
            .unwrap();
        assert_rel(n.n1, f(case, "n_unpooled"), 1e-9, id);
        // Cohen's h: the exact two-tailed root to 1e-9, statsmodels' early-
        // stopped solver to 1e-6.
        let n = base
            .method(ProportionMethod::CohensH)
            .sample_size(mde, power)
            .unwrap();
        assert_rel(n.n1, f(case, "n_cohens_h_two_tailed_exact"), 1e-9, id);
        assert_rel(n.n1, f(case, "n_cohens_h_statsmodels"), 1e-6, id);
    }
}

#[test]
fn power_means_z_and_t() {
    let doc = load("power.json");
    for case in cases(&doc, "means") {
        let id = case["id"].as_str().unwrap_or("?");
        let (d, alpha, power) = (f(case, "cohens_d"), f(case, "alpha"), f(case, "power"));
        let t = MeanTest::new()
            .alpha(alpha)
            .sample_size(Mde::Absolute(d), power)
            .unwrap();
        assert_rel(t.n1, f(case, "n_ttest_exact"), 1e-9, id);
        assert_rel(t.n1, f(case, "n_ttest_statsmodels"), 1e-6, id);
        let z = MeanTest::new()
            .alpha(alpha)
            .test(MeanTestKind::Z)
            .sample_size(Mde::Absolute(d), power)
            .unwrap();
        assert_rel(z.n1, f(case, "n_normal_two_tailed_exact"), 1e-9, id);
        assert_rel(z.n1, f(case, "n_normal_statsmodels"), 1e-6, id);
    }
}

#[test]
fn power_achieved_power() {
    let doc = load("power.json");
    for case in cases(&doc, "achieved_power") {
        let id = case["id"].as_str().unwrap_or("?");
        let (n, alpha) = (f(case, "n_per_group"), f(case, "alpha"));
        let (es, props) = match case.get("cohens_d") {
            Some(d) => (d.as_f64().unwrap_or(f64::NAN), None),
            None => (f(case, "cohens_h"), Some((f(case, "p1"), f(case, "p2")))),
        };
        let z = MeanTest::new()
            .alpha(alpha)
            .test(MeanTestKind::Z)
            .power(Mde::Absolute(es), n)
            .unwrap();
        assert_abs(z, f(case, "power_normal_statsmodels"), 1e-12, id);
        let t = MeanTest::new()
            .alpha(alpha)
            .power(Mde::Absolute(es), n)
            .unwrap();
        assert_abs(t, f(case, "power_ttest_statsmodels"), 1e-11, id);
        if let Some((p1, p2)) = props {
            let p = ProportionTest::new(p1)
                .alpha(alpha)
                .method(ProportionMethod::CohensH)
                .power(Mde::Absolute(p2 - p1), n)
                .unwrap();
            assert_abs(p, f(case, "power_normal_statsmodels"), 1e-12, id);
        }
        // `power_normal_one_tail_only` is Φ(λ − z(1 − α/2)); the far tail
        // is the whole difference, and it is below α/2.
        let far = f(case, "power_normal_statsmodels") - f(case, "power_normal_one_tail_only");
        assert!(far > 0.0 && far < alpha / 2.0, "{id}");
    }
}

#[test]
fn power_allocation_ratio_and_one_sided() {
    let doc = load("power.json");
    for case in cases(&doc, "proportions_allocation") {
        let id = case["id"].as_str().unwrap_or("?");
        let (p1, alpha, power, ratio) = (
            f(case, "p1"),
            f(case, "alpha"),
            f(case, "power"),
            f(case, "ratio"),
        );
        let mde = Mde::Relative(f(case, "mde_rel"));
        let alt = alternative(case);
        assert_abs(alt.z_alpha(alpha), f(case, "z_alpha"), 1e-15, id);
        let base = ProportionTest::new(p1)
            .alpha(alpha)
            .ratio(ratio)
            .alternative(alt);
        let n = base.sample_size(mde, power).unwrap();
        assert_rel(n.n1, f(case, "n1_pooled_h0_unpooled_h1"), 1e-9, id);
        assert_rel(n.n2, ratio * f(case, "n1_pooled_h0_unpooled_h1"), 1e-9, id);
        let n = base
            .method(ProportionMethod::Unpooled)
            .sample_size(mde, power)
            .unwrap();
        assert_rel(n.n1, f(case, "n1_unpooled"), 1e-9, id);
        let n = base
            .method(ProportionMethod::CohensH)
            .sample_size(mde, power)
            .unwrap();
        assert_rel(n.n1, f(case, "n1_cohens_h_exact"), 1e-9, id);
        assert_rel(n.n1, f(case, "n1_cohens_h_statsmodels"), 1e-6, id);
    }
}

#[test]
fn power_minimum_detectable_effect() {
    let doc = load("power.json");
    for case in cases(&doc, "minimum_detectable_effect") {
        let id = case["id"].as_str().unwrap_or("?");
        let (n, alpha, power) = (f(case, "n_per_group"), f(case, "alpha"), f(case, "power"));
        let z = MeanTest::new()
            .alpha(alpha)
            .test(MeanTestKind::Z)
            .mde(n, power)
            .unwrap();
        assert_rel(z.cohens_d, f(case, "effect_normal_exact"), 1e-9, id);
        let t = MeanTest::new().alpha(alpha).mde(n, power).unwrap();
        assert_rel(t.cohens_d, f(case, "effect_ttest_exact"), 1e-9, id);
        // statsmodels' effect-size solver stops early (README: ~6e-5).
        assert_rel(t.cohens_d, f(case, "effect_ttest_statsmodels"), 1e-4, id);
    }
}

#[test]
fn power_multiple_comparisons() {
    let doc = load("power.json");
    let section = &doc["multiple_comparisons"];
    let base = &section["base_case"];
    let (p1, alpha, power) = (f(base, "p1"), f(base, "alpha_family"), f(base, "power"));
    let mde = Mde::Relative(f(base, "mde_rel"));
    let all = cases(section, "cases");
    assert!(!all.is_empty());
    for case in all {
        let id = case["id"].as_str().unwrap_or("?");
        let m = case["m"].as_u64().expect("m") as usize;
        for (key, correction) in [
            ("bonferroni", Correction::Bonferroni),
            ("sidak", Correction::Sidak),
        ] {
            let block = &case[key];
            let what = format!("{id} {key}");
            let a = correction.per_comparison_alpha(alpha, m).unwrap();
            assert_rel(a, f(block, "alpha_per_test"), 1e-14, &what);
            assert_rel(
                Alternative::TwoSided.z_alpha(a),
                f(block, "z_1_minus_alpha_2"),
                1e-14,
                &what,
            );
            let t = ProportionTest::new(p1).alpha(a);
            assert_rel(
                t.sample_size(mde, power).unwrap().n1,
                f(block, "n_pooled_h0_unpooled_h1"),
                1e-9,
                &what,
            );
            let n = t
                .method(ProportionMethod::Unpooled)
                .sample_size(mde, power)
                .unwrap()
                .n1;
            assert_rel(n, f(block, "n_unpooled"), 1e-9, &what);
            let n = t
                .method(ProportionMethod::CohensH)
                .sample_size(mde, power)
                .unwrap()
                .n1;
            assert_rel(n, f(block, "n_cohens_h_two_tailed_exact"), 1e-9, &what);
            assert_rel(n, f(block, "n_cohens_h_statsmodels"), 1e-6, &what);
        }
    }
}

#[test]
fn multipletests_every_method_every_case() {
    let doc = load("multipletests.json");
    let methods: Vec<&str> = doc["methods"]
        .as_array()
        .expect("methods")
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    assert_eq!(methods.len(), 8);
    let all = cases(&doc, "cases");
    assert!(!all.is_empty());
    for case in all {
        let id = case["id"].as_str().unwrap_or("?");
        let pvals: Vec<f64> = case["pvals"]
            .as_array()
            .expect("pvals")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        let alpha = f(case, "alpha");
        let m = pvals.len();
        assert_rel(
            Correction::Sidak.per_comparison_alpha(alpha, m).unwrap(),
            f(case, "alpha_sidak_per_test"),
            1e-14,
            id,
        );
        assert_rel(
            Correction::Bonferroni
                .per_comparison_alpha(alpha, m)
                .unwrap(),
            f(case, "alpha_bonferroni_per_test"),
            1e-15,
            id,
        );
        for name in &methods {
            let correction: Correction = name.parse().unwrap();
            let got = correction.adjust(&pvals, alpha).unwrap();
            let want = &case["results"][*name];
            let adjusted: Vec<f64> = want["pvals_corrected"]
                .as_array()
                .expect("pvals_corrected")
                .iter()
                .filter_map(Value::as_f64)
                .collect();
            let reject: Vec<bool> = want["reject"]
                .as_array()
                .expect("reject")
                .iter()
                .filter_map(Value::as_bool)
                .collect();
            assert_eq!(adjusted.len(), m);
            for (i, (g, w)) in got.adjusted.iter().zip(&adjusted).enumerate() {
                let err = (g - w).abs();
                assert!(
                    err <= 1e-12 * w.abs().max(1e-300) || err == 0.0,
                    "{id} {name}[{i}]: {g} vs {w}"
                );
            }
            assert_eq!(got.reject, reject, "{id} {name}");
        }
    }
}

#[test]
fn srm_chi_square_every_case() {
    let doc = load("srm.json");
    let threshold = f(&doc, "threshold");
    let all = cases(&doc, "cases");
    assert!(!all.is_empty());
    for case in all {
        let id = case["id"].as_str().unwrap_or("?");
        let observed: Vec<u64> = case["observed"]
            .as_array()
            .expect("observed")
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        let ratios: Vec<f64> = case["ratios"]
            .as_array()
            .expect("ratios")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        let t = srm_test_at(&observed, &ratios, threshold).unwrap();
        let expected: Vec<f64> = case["expected"]
            .as_array()
            .expect("expected")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        for (g, w) in t.expected.iter().zip(&expected) {
            assert_rel(*g, *w, 1e-12, id);
        }
        assert_rel(t.statistic, f(case, "statistic"), 1e-9, id);
        assert_eq!(t.df as u64, case["df"].as_u64().expect("df"), "{id}");
        assert_rel(t.p_value, f(case, "p_value"), 1e-9, id);
        assert_eq!(t.mismatch, case["srm"].as_bool().expect("srm"), "{id}");
    }
}

fn floats(v: &Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("array `{key}` missing"))
        .iter()
        .filter_map(Value::as_f64)
        .collect()
}

/// Tolerances suggested by the README for the Jennison-Turnbull r = 32
/// grid: 1e-6 absolute for z and θ, 1e-6 relative for R, and crossing
/// probabilities within 1e-6 (README measured 5e-8).
const SEQ_TOL: f64 = 1e-6;

fn check_characteristics(id: &str, d: &GroupSequentialDesign, case: &Value, sides: u64) {
    for (k, (g, w)) in d.upper().iter().zip(floats(case, "z")).enumerate() {
        assert_abs(*g, w, SEQ_TOL, &format!("{id} z[{k}]"));
    }
    for (k, (g, w)) in d
        .cumulative_alpha()
        .iter()
        .zip(floats(case, "cumulative_alpha"))
        .enumerate()
    {
        assert_abs(
            *g,
            w,
            SEQ_TOL * 1e-2,
            &format!("{id} cumulative_alpha[{k}]"),
        );
    }
    for (k, (g, w)) in d
        .nominal_p()
        .iter()
        .zip(floats(case, "nominal_p"))
        .enumerate()
    {
        assert_abs(*g, w, SEQ_TOL * 1e-2, &format!("{id} nominal_p[{k}]"));
    }
    assert_abs(d.z_fixed(), f(case, "z_fixed"), 1e-14, id);
    assert_abs(d.expected_t_h0(), f(case, "expected_t_h0"), SEQ_TOL, id);
    for block in case["power"].as_array().expect("power") {
        let power = f(block, "power");
        let what = format!("{id} power {power}");
        let p = d.solve_power(power).unwrap();
        assert_abs(p.z_power, f(block, "z_power"), 1e-15, &what);
        assert_abs(p.theta, f(block, "theta"), SEQ_TOL, &what);
        assert_rel(
            p.inflation_factor,
            f(block, "inflation_factor"),
            SEQ_TOL,
            &what,
        );
        for (g, w) in p
            .cumulative_upper_crossing
            .iter()
            .zip(floats(block, "cumulative_upper_crossing"))
        {
            assert_abs(*g, w, SEQ_TOL, &what);
        }
        if sides == 2 {
            for (g, w) in p
                .cumulative_lower_crossing
                .iter()
                .zip(floats(block, "cumulative_lower_crossing"))
            {
                assert_abs(*g, w, SEQ_TOL * 1e-2, &what);
            }
        }
        assert_abs(p.expected_t_h1, f(block, "expected_t_h1"), SEQ_TOL, &what);
        assert_rel(p.asn_ratio_h1, f(block, "asn_ratio_h1"), SEQ_TOL, &what);
        assert_rel(p.asn_ratio_h0, f(block, "asn_ratio_h0"), SEQ_TOL, &what);
    }
}

fn sides_of(case: &Value) -> (u64, Alternative) {
    match case["sides"].as_u64() {
        Some(2) => (2, Alternative::TwoSided),
        Some(1) => (1, Alternative::OneSided),
        other => panic!("unexpected sides {other:?}"),
    }
}

#[test]
fn sequential_classical_designs() {
    let doc = load("sequential.json");
    let all = cases(&doc["classical"], "cases");
    assert!(!all.is_empty());
    for case in all {
        let id = case["id"].as_str().unwrap_or("?");
        let k = case["K"].as_u64().expect("K") as usize;
        let design = match case["design"].as_str() {
            Some("pocock") => ClassicalDesign::Pocock,
            Some("obrien_fleming") => ClassicalDesign::ObrienFleming,
            other => panic!("unexpected design {other:?}"),
        };
        let (sides, alt) = sides_of(case);
        let d = GroupSequential::classical(design, k)
            .alpha(f(case, "alpha"))
            .alternative(alt)
            .design()
            .unwrap();
        assert_abs(d.constant().unwrap_or(f64::NAN), f(case, "c"), SEQ_TOL, id);
        if let Some(published) = case.get("published_c_3dp").and_then(Value::as_f64) {
            assert_abs(d.constant().unwrap_or(f64::NAN), published, 5e-4, id);
        }
        check_characteristics(id, &d, case, sides);
    }
}

#[test]
fn sequential_spending_designs() {
    let doc = load("sequential.json");
    let all = cases(&doc["spending"], "cases");
    assert!(!all.is_empty());
    for case in all {
        let id = case["id"].as_str().unwrap_or("?");
        let spending = &case["spending"];
        let function = match spending["family"].as_str() {
            Some("obf") => SpendingFunction::ObrienFleming,
            Some("pocock") => SpendingFunction::Pocock,
            Some("hsd") => SpendingFunction::HwangShihDeCani {
                gamma: f(spending, "gamma"),
            },
            other => panic!("unexpected family {other:?}"),
        };
        let convention = match spending["applied_to"].as_str() {
            Some("per_side") => TwoSidedSpending::PerSide,
            _ => TwoSidedSpending::Total,
        };
        let (sides, alt) = sides_of(case);
        let t = floats(case, "t");
        let d = GroupSequential::spending(function, t.len())
            .information_fractions(t)
            .alpha(f(case, "alpha"))
            .alternative(alt)
            .two_sided_spending(convention)
            .design()
            .unwrap();
        for (k, (g, w)) in d
            .cumulative_spend()
            .unwrap_or(&[])
            .iter()
            .zip(floats(case, "cumulative_spend"))
            .enumerate()
        {
            assert_abs(*g, w, 1e-15, &format!("{id} spend[{k}]"));
        }
        check_characteristics(id, &d, case, sides);
    }
}

#[test]
fn sequential_msprt_p_values() {
    let doc = load("sequential.json");
    let all = doc["msprt"]["sequences"].as_array().expect("sequences");
    assert!(!all.is_empty());
    for seq in all {
        let id = seq["id"].as_str().unwrap_or("?");
        let (sigma2, tau2) = (f(seq, "sigma2"), f(seq, "tau2"));
        let mut m = Msprt::new(tau2, 0.05).unwrap();
        for look in seq["looks"].as_array().expect("looks") {
            let n = look["n"].as_f64().expect("n");
            let got = m.update_mean(n, f(look, "mean"), sigma2).unwrap();
            let what = format!("{id} n = {n}");
            assert_rel(got.log_lambda, f(look, "log_lambda"), 1e-12, &what);
            assert_rel(got.lambda, f(look, "lambda"), 1e-12, &what);
            assert_rel(got.p_value, f(look, "p_value"), 1e-12, &what);
        }
    }
}

#[test]
fn adaptive_srm_with_one_period_is_srm_on_every_srm_json_case() {
    // The quadratic form of one multinomial is Pearson's χ² exactly.
    let doc = load("srm.json");
    let threshold = f(&doc, "threshold");
    for case in cases(&doc, "cases") {
        let id = case["id"].as_str().unwrap_or("?");
        let observed: Vec<u64> = case["observed"]
            .as_array()
            .expect("observed")
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        let ratios = floats(case, "ratios");
        let fixed = srm_test_at(&observed, &ratios, threshold).unwrap();
        let t = adaptive_srm_test_at(&[&observed], &[&ratios], threshold).unwrap();
        assert_eq!(t.expected, fixed.expected, "{id}");
        assert_eq!((t.df, t.mismatch), (fixed.df, fixed.mismatch), "{id}");
        assert_rel(t.statistic, fixed.statistic, 1e-12, id);
        assert_rel(t.p_value, fixed.p_value, 1e-12, id);
        assert_eq!(t.pearson_statistic, fixed.statistic, "{id}");
        assert_rel(t.statistic, f(case, "statistic"), 1e-9, id);
        assert_rel(t.p_value, f(case, "p_value"), 1e-9, id);
    }
}

/// `testdata/srm_adaptive/srm_adaptive.json`, written by
/// `testdata/srm_adaptive/srm_adaptive.py` (scipy 1.17.1, numpy 2.4.6): the
/// quadratic form in exact rational arithmetic, p-values from
/// `scipy.stats.chi2.sf`, Pearson's χ² against E and, for one period, the
/// fixed-ratio χ² from `scipy.stats.chisquare`.
#[test]
fn adaptive_srm_every_case() {
    let path = seg_testdata::workspace_root().join("testdata/srm_adaptive/srm_adaptive.json");
    let text = std::fs::read_to_string(&path).expect("testdata/srm_adaptive/srm_adaptive.json");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    let all = cases(&doc, "cases");
    assert_eq!(all.len(), 16);
    for case in all {
        let id = case["id"].as_str().unwrap_or("?");
        let observed: Vec<Vec<u64>> = case["observed"]
            .as_array()
            .expect("observed")
            .iter()
            .map(|row| {
                row.as_array()
                    .expect("row")
                    .iter()
                    .filter_map(Value::as_u64)
                    .collect()
            })
            .collect();
        let allocation: Vec<Vec<f64>> = case["allocation"]
            .as_array()
            .expect("allocation")
            .iter()
            .map(|row| {
                row.as_array()
                    .expect("row")
                    .iter()
                    .filter_map(Value::as_f64)
                    .collect()
            })
            .collect();
        let t = adaptive_srm_test_at(&observed, &allocation, 0.001).unwrap();
        assert_eq!(t.df as u64, case["df"].as_u64().expect("df"), "{id}");
        assert_eq!(t.periods, observed.len(), "{id}");
        for (g, w) in t.expected.iter().zip(floats(case, "expected")) {
            assert_rel(*g, w, 1e-12, id);
        }
        assert_rel(t.statistic, f(case, "statistic"), 1e-12, id);
        assert_rel(t.p_value, f(case, "p_value"), 1e-9, id);
        assert_rel(t.pearson_statistic, f(case, "pearson_statistic"), 1e-12, id);
        assert_rel(t.pearson_p_value, f(case, "pearson_p_value"), 1e-9, id);
        if observed.len() == 1 {
            assert_rel(t.statistic, f(case, "scipy_chisquare_statistic"), 1e-12, id);
            assert_rel(t.p_value, f(case, "scipy_chisquare_p_value"), 1e-9, id);
        }
    }
}
