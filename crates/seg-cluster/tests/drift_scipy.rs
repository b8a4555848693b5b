//! The drift statistics against numpy, scipy and evidently's PSI
//! (`testdata/drift/reference.json`, written by
//! `testdata/drift/make_reference.py`; its README describes every case).
//!
//! Tolerances: PSI 1e-12 relative (the same terms, summed in another
//! order); the KS statistic bit for bit against scipy's ECDF difference
//! and to 1e-15 against its exact method's h / lcm(n, m); the exact
//! p-value to 1e-9 relative (scipy's method="exact" is exact); the
//! Kolmogorov limit to 1e-12 relative (the same series as
//! scipy.special.kolmogorov); the baseline's edges and shares bit for bit.

use std::collections::BTreeSet;

use ndarray::Array2;
use seg_cluster::{
    Baseline, BaselineParams, KMeans, KsMethod, PSI_EPSILON, ks_two_sample, ks_two_sample_with,
    population_stability_index, population_stability_index_terms,
};
use seg_testdata::{f64s, usizes, workspace_root};
use serde_json::Value;

const PSI_TOL: f64 = 1e-12;
const KS_STATISTIC_TOL: f64 = 1e-15;
const KS_EXACT_TOL: f64 = 1e-9;
const KOLMOGOROV_TOL: f64 = 1e-12;

fn reference() -> Value {
    let path = workspace_root().join("testdata/drift/reference.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} unreadable: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

fn cases<'a>(file: &'a Value, family: &str) -> &'a [Value] {
    let cases = file[family]
        .as_array()
        .unwrap_or_else(|| panic!("no {family} cases"));
    assert!(cases.len() >= 6, "{family}: {} cases", cases.len());
    cases
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number"))
}

fn id(case: &Value) -> &str {
    case["id"].as_str().expect("id")
}

/// The relative error of `got` (absolute when `want` is 0).
fn rel(got: f64, want: f64) -> f64 {
    if want == 0.0 {
        got.abs()
    } else {
        ((got - want) / want).abs()
    }
}

fn close(got: f64, want: f64, tol: f64, what: &str) -> f64 {
    let err = rel(got, want);
    assert!(
        err <= tol,
        "{what}: got {got:e}, want {want:e} (relative error {err:e} > {tol:e})"
    );
    err
}

#[test]
fn reference_file_names_its_versions_and_epsilon() {
    let file = reference();
    assert_eq!(file["epsilon"].as_f64(), Some(PSI_EPSILON));
    for tool in ["numpy", "scipy", "python"] {
        assert!(file["versions"][tool].is_string(), "{tool} version");
    }
}

#[test]
fn psi_matches_numpy_definition_with_epsilon_floor() {
    let file = reference();
    let mut worst = 0.0f64;
    let mut floored_nonzero = 0;
    for case in cases(&file, "psi") {
        let id = id(case);
        let expected = f64s(&case["expected"]);
        let actual = f64s(&case["actual"]);
        let psi = population_stability_index(&expected, &actual).expect("psi");
        worst = worst.max(close(psi, num(case, "psi"), PSI_TOL, id));
        let terms = population_stability_index_terms(&expected, &actual).expect("terms");
        let want = f64s(&case["terms"]);
        assert_eq!(terms.len(), want.len(), "{id}");
        for (b, (&g, &w)) in terms.iter().zip(&want).enumerate() {
            worst = worst.max(close(g, w, PSI_TOL, &format!("{id} term {b}")));
        }
        // The shares give the same index as the counts.
        let by_shares = population_stability_index(
            &f64s(&case["expected_shares"]),
            &f64s(&case["actual_shares"]),
        )
        .expect("psi of shares");
        worst = worst.max(close(by_shares, psi, PSI_TOL, &format!("{id} shares")));
        // A bin where both shares are below the floor contributes nothing.
        let (es, as_) = (f64s(&case["expected_shares"]), f64s(&case["actual_shares"]));
        for b in usizes(&case["floored_bins"]) {
            assert!(es[b] < PSI_EPSILON || as_[b] < PSI_EPSILON, "{id} bin {b}");
            if es[b] < PSI_EPSILON && as_[b] < PSI_EPSILON {
                assert_eq!(terms[b], 0.0, "{id} bin {b}");
            }
            if (es[b] > 0.0 && es[b] < PSI_EPSILON) || (as_[b] > 0.0 && as_[b] < PSI_EPSILON) {
                floored_nonzero += 1;
            }
        }
    }
    assert!(
        floored_nonzero >= 2,
        "the cases floor nonzero shares below 1e-4"
    );
    eprintln!("psi: largest relative error {worst:e}");
}

/// The bins where a nonzero share of either histogram is below 1e-4.
fn below_epsilon_bins(reference: &[f64], current: &[f64]) -> BTreeSet<usize> {
    let (tr, tc) = (reference.iter().sum::<f64>(), current.iter().sum::<f64>());
    let tiny = |c: f64, t: f64| c > 0.0 && c / t < PSI_EPSILON;
    (0..reference.len())
        .filter(|&b| tiny(reference[b], tr) || tiny(current[b], tc))
        .collect()
}

/// The empty bins that evidently's adaptive rule fills with the smallest
/// nonzero share / 10^6 (when that share is at most 1e-4) instead of 1e-4.
fn adaptive_fill_bins(counts: &[f64]) -> BTreeSet<usize> {
    let total: f64 = counts.iter().sum();
    let smallest = counts
        .iter()
        .filter(|&&c| c > 0.0)
        .map(|&c| c / total)
        .fold(f64::INFINITY, f64::min);
    if smallest <= 1e-4 {
        (0..counts.len()).filter(|&b| counts[b] == 0.0).collect()
    } else {
        BTreeSet::new()
    }
}

#[test]
fn psi_equals_evidently_except_on_nonzero_shares_below_epsilon() {
    let file = reference();
    let mut worst_equal = 0.0f64;
    let mut worst_difference = 0.0f64;
    let mut differing_cases = 0;
    for case in cases(&file, "evidently_psi") {
        let id = id(case);
        // Evidently's reference is our expected (baseline) histogram.
        let reference_counts = f64s(&case["reference_counts"]);
        let current_counts = f64s(&case["current_counts"]);
        let ours = population_stability_index(&reference_counts, &current_counts).expect("psi");
        close(ours, num(case, "psi_ours"), PSI_TOL, &format!("{id} ours"));
        let terms =
            population_stability_index_terms(&reference_counts, &current_counts).expect("terms");
        let below = below_epsilon_bins(&reference_counts, &current_counts);
        let listed: BTreeSet<usize> = usizes(&case["below_epsilon_nonzero_bins"])
            .into_iter()
            .collect();
        assert_eq!(below, listed, "{id}: bins with a share in (0, 1e-4)");
        for rule in ["constant", "adaptive"] {
            let ev = &case[rule];
            let what = format!("{id} ({rule} fill)");
            let differing: BTreeSet<usize> = usizes(&ev["differing_bins"]).into_iter().collect();
            // Where the shares differ: the nonzero shares below 1e-4
            // (kept by evidently, floored by us), and under the adaptive
            // rule the empty bins filled with a share other than 1e-4.
            let mut predicted = below.clone();
            if rule == "adaptive" {
                predicted.extend(adaptive_fill_bins(&reference_counts));
                predicted.extend(adaptive_fill_bins(&current_counts));
            }
            assert_eq!(differing, predicted, "{what}: differing bins");
            let ev_terms = f64s(&ev["terms"]);
            for (b, (&g, &w)) in terms.iter().zip(&ev_terms).enumerate() {
                if !differing.contains(&b) {
                    worst_equal =
                        worst_equal.max(close(g, w, PSI_TOL, &format!("{what} term {b}")));
                }
            }
            let theirs = num(ev, "psi");
            if differing.is_empty() {
                worst_equal = worst_equal.max(close(ours, theirs, PSI_TOL, &what));
            } else {
                differing_cases += 1;
                let difference = ours - theirs;
                let want = num(ev, "difference_ours_minus_evidently");
                // The difference is the sum of the differing bins' terms.
                let from_terms: f64 = differing.iter().map(|&b| terms[b] - ev_terms[b]).sum();
                assert!(
                    want.abs() > 1e-5,
                    "{what}: the difference {want:e} is visible"
                );
                let scale = ours.abs() + theirs.abs();
                assert!(
                    (difference - want).abs() <= PSI_TOL * scale,
                    "{what}: ours - evidently = {difference:e}, want {want:e}"
                );
                assert!(
                    (from_terms - want).abs() <= PSI_TOL * scale,
                    "{what}: the differing terms sum to {from_terms:e}, want {want:e}"
                );
                worst_difference = worst_difference.max(rel(difference, want));
            }
        }
    }
    assert!(
        differing_cases >= 3,
        "cases where the two definitions differ"
    );
    eprintln!(
        "evidently psi: largest relative error where equal {worst_equal:e}, \
         of the predicted difference {worst_difference:e}"
    );
}

#[test]
fn psi_below_epsilon_case_differs_by_the_floored_reference_share() {
    // The top bin of `large_reference_tail_below_epsilon`: 2 reference
    // rows of 50,000 (share 4e-5) against 1 current row of 5,000 (2e-4).
    let file = reference();
    let case = cases(&file, "evidently_psi")
        .iter()
        .find(|c| id(c) == "large_reference_tail_below_epsilon")
        .expect("case");
    let r = f64s(&case["reference_counts"]);
    let c = f64s(&case["current_counts"]);
    let last = r.len() - 1;
    assert_eq!((r[last], c[last]), (2.0, 1.0));
    let (rs, cs) = (2.0 / 50_000.0, 1.0 / 5_000.0);
    let ours = (cs - PSI_EPSILON) * (cs / PSI_EPSILON).ln();
    let theirs = (cs - rs) * (cs / rs).ln();
    let psi = population_stability_index(&r, &c).expect("psi");
    let want = num(&case["constant"], "psi") + (ours - theirs);
    close(psi, want, PSI_TOL, "psi with the top bin floored");
    // 6.93e-5 - 2.575e-4: about -1.88e-4.
    assert!(((ours - theirs) + 1.8819534793e-4).abs() < 1e-13);
}

#[test]
fn ks_statistic_location_and_sign_equal_scipy() {
    let file = reference();
    let mut worst = 0.0f64;
    for case in cases(&file, "ks_2samp") {
        let id = id(case);
        let (x, y) = (f64s(&case["x"]), f64s(&case["y"]));
        for method in [KsMethod::Exact, KsMethod::Asymptotic] {
            let t = ks_two_sample_with(&x, &y, method).expect("ks");
            let d = num(case, "statistic");
            assert!(
                (t.statistic - d).abs() <= KS_STATISTIC_TOL,
                "{id}: D {} against scipy {d}",
                t.statistic
            );
            worst = worst.max((t.statistic - d).abs());
            // D = |i/n − j/m| as scipy's asymp computes it, bit for bit
            // (its exact method rounds h / lcm(n, m) instead).
            assert_eq!(t.statistic, num(case, "statistic_asymp"), "{id} D");
            assert_eq!(t.location, num(case, "statistic_location"), "{id} location");
            assert_eq!(
                i64::from(t.sign),
                case["statistic_sign"].as_i64().expect("sign"),
                "{id} sign"
            );
        }
    }
    eprintln!("ks statistic: largest absolute error {worst:e}");
}

#[test]
fn ks_exact_p_value_matches_scipy_exact() {
    let file = reference();
    let mut worst = 0.0f64;
    let mut with_ties = 0;
    for case in cases(&file, "ks_2samp") {
        let id = id(case);
        let (x, y) = (f64s(&case["x"]), f64s(&case["y"]));
        let want = num(case, "pvalue_exact");
        let t = ks_two_sample_with(&x, &y, KsMethod::Exact).expect("ks");
        worst = worst.max(close(t.p_value, want, KS_EXACT_TOL, id));
        // The default method is exact at these sizes (n·m ≤ 10^7).
        let default = ks_two_sample(&x, &y).expect("ks");
        assert_eq!(default.method, KsMethod::Exact, "{id}");
        assert_eq!(default.p_value, t.p_value, "{id}");
        with_ties += usize::from(case["ties"].as_bool().expect("ties"));
    }
    assert!(with_ties >= 3, "cases with ties");
    eprintln!("ks exact p-value: largest relative error {worst:e}");
}

#[test]
fn ks_asymptotic_is_kolmogorov_limit_not_scipy_asymp() {
    let file = reference();
    let mut worst = 0.0f64;
    for case in cases(&file, "ks_2samp") {
        let id = id(case);
        let (x, y) = (f64s(&case["x"]), f64s(&case["y"]));
        let t = ks_two_sample_with(&x, &y, KsMethod::Asymptotic).expect("ks");
        worst = worst.max(close(
            t.p_value,
            num(case, "pvalue_kolmogorov_limit"),
            KOLMOGOROV_TOL,
            id,
        ));
        // scipy's method="asymp" is kstwo(round(n m / (n + m))), another
        // quantity: it differs from the limit by O(1/sqrt(n m / (n + m))).
        let scipy_asymp = num(case, "pvalue_asymp");
        assert!(
            rel(t.p_value, scipy_asymp) > 1e-3,
            "{id}: limit {} against scipy asymp {scipy_asymp}",
            t.p_value
        );
    }
    eprintln!("ks Kolmogorov limit: largest relative error {worst:e}");
}

#[test]
fn baseline_bins_equal_inverted_cdf_quantiles_and_digitize_shares() {
    let file = reference();
    let mut rules = BTreeSet::new();
    for case in cases(&file, "baseline_bins") {
        let id = id(case);
        let values = f64s(&case["values"]);
        let bins = usize::try_from(case["bins"].as_u64().expect("bins")).expect("bins");
        let x = Array2::from_shape_vec((values.len(), 1), values).expect("one column");
        let model = KMeans::params(1).seed(0).fit(x.view()).expect("k = 1");
        let baseline =
            Baseline::fit(x.view(), &model, &BaselineParams::default().bins(bins)).expect(id);
        let (edges, shares) = (f64s(&case["edges"]), f64s(&case["shares"]));
        assert_eq!(baseline.edges(0), Some(&edges[..]), "{id} edges");
        assert_eq!(baseline.shares(0), Some(&shares[..]), "{id} shares");
        // The saved form carries the same bins.
        let saved: Value = serde_json::from_str(&baseline.to_json().expect("json")).expect("parse");
        assert_eq!(f64s(&saved["features"][0]["edges"]), edges, "{id} saved");
        assert_eq!(f64s(&saved["features"][0]["shares"]), shares, "{id} saved");
        rules.insert(case["rule"].as_str().expect("rule").to_owned());
    }
    assert_eq!(rules.len(), 2, "both quantile and distinct-value bins");
}

#[test]
fn baseline_quantile_uses_exact_rank_where_numpy_rounds_b_over_bins() {
    // np.quantile(v, 11/20, method="inverted_cdf") on 100 values takes
    // rank 56 (100 · 0.55 = 55.000000000000007 in floating point); the
    // inverted-CDF quantile at exactly 11/20 is rank ceil(55) = 55, which
    // the baseline uses.
    let file = reference();
    let case = cases(&file, "baseline_bins")
        .iter()
        .find(|c| id(c) == "uniform_n100_b20")
        .expect("case");
    assert_eq!(usizes(&case["numpy_quantiles_differ_from_exact"]), [10]);
    let mut sorted = f64s(&case["values"]);
    sorted.sort_by(f64::total_cmp);
    let numpy = f64s(&case["numpy_quantiles"]);
    assert_eq!(numpy[10], sorted[55]);
    let x = Array2::from_shape_vec((100, 1), f64s(&case["values"])).expect("one column");
    let model = KMeans::params(1).seed(0).fit(x.view()).expect("k = 1");
    let baseline =
        Baseline::fit(x.view(), &model, &BaselineParams::default().bins(20)).expect("fit");
    let edges = baseline.edges(0).expect("feature 0");
    assert_eq!(edges[10], sorted[54]);
    assert!(edges.iter().all(|&e| e != sorted[55]));
}
