//! Every power, SRM, correction and Bayesian reference case of
//! `testdata/reference/` (statsmodels 0.15.0, scipy 1.17.1, scikit-learn
//! 1.9.1), checked through the built `seg` binary within the tolerances of
//! the reference README: closed forms and exact roots 1e-9 relative, power
//! 1e-12 absolute (t-test 1e-11), adjusted p-values 1e-12 relative,
//! SRM 1e-9, Beta quantiles 1e-9, P(B > A) and expected losses 1e-6.

mod common;

use common::{arg, assert_close, seg_json, write};
use seg_testdata::reference;
use serde_json::Value;

const EXACT: f64 = 1e-9;

fn alternative_flag(case: &Value) -> Option<&'static str> {
    match case["alternative"].as_str() {
        Some("two-sided") | None => None,
        Some(_) => Some("--one-sided"),
    }
}

/// Runs `seg power proportions` for a case and method and returns n_per_group.
fn proportions(case: &Value, alpha: &str, method: &str, extra: &[&str]) -> Value {
    let (baseline, mde, power) = (arg(&case["p1"]), arg(&case["mde_rel"]), arg(&case["power"]));
    let mut args = vec![
        "power",
        "proportions",
        "--baseline",
        &baseline,
        "--mde",
        &mde,
        "--alpha",
        alpha,
        "--power",
        &power,
        "--method",
        method,
    ];
    args.extend_from_slice(extra);
    seg_json(&args)
}

#[test]
fn power_proportions_matches_every_reference_case() {
    let r = reference("power.json");
    let cases = r["proportions"].as_array().expect("cases");
    assert!(cases.len() >= 30);
    for case in cases {
        let id = case["id"].as_str().unwrap_or_default();
        let alpha = arg(&case["alpha"]);
        for (method, field) in [
            ("pooled", "n_pooled_h0_unpooled_h1"),
            ("unpooled", "n_unpooled"),
            ("cohen-h", "n_cohens_h_two_tailed_exact"),
        ] {
            let got = proportions(case, &alpha, method, &[]);
            assert_close(
                &got["n_per_group"],
                &case[field],
                EXACT,
                0.0,
                &format!("{id} {method}"),
            );
            let n = case[field].as_f64().unwrap_or_default();
            assert_eq!(
                got["n_per_group_ceil"].as_f64(),
                Some(n.ceil()),
                "{id} {method} ceil"
            );
            assert_eq!(
                got["total"].as_f64(),
                Some(2.0 * n.ceil()),
                "{id} {method} total"
            );
            assert_eq!(got["alpha_per_comparison"], case["alpha"], "{id}");
            assert!(got["days"].is_null(), "{id}: no traffic, no days");
        }
    }
}

#[test]
fn power_proportions_matches_allocation_and_one_sided_cases() {
    let r = reference("power.json");
    for case in r["proportions_allocation"].as_array().expect("cases") {
        let id = case["id"].as_str().unwrap_or_default();
        let ratio = arg(&case["ratio"]);
        let mut extra = vec!["--ratio", ratio.as_str()];
        extra.extend(alternative_flag(case));
        for (method, field) in [
            ("pooled", "n1_pooled_h0_unpooled_h1"),
            ("unpooled", "n1_unpooled"),
            ("cohen-h", "n1_cohens_h_exact"),
        ] {
            let got = proportions(case, &arg(&case["alpha"]), method, &extra);
            assert_close(
                &got["n_per_group"],
                &case[field],
                EXACT,
                0.0,
                &format!("{id} {method}"),
            );
        }
    }
}

#[test]
fn power_proportions_matches_multiple_comparison_cases() {
    let r = reference("power.json");
    let base = &r["multiple_comparisons"]["base_case"];
    for case in r["multiple_comparisons"]["cases"]
        .as_array()
        .expect("cases")
    {
        let id = case["id"].as_str().unwrap_or_default();
        let m = case["m"].to_string();
        for correction in ["bonferroni", "sidak"] {
            let block = &case[correction];
            for (method, field) in [
                ("pooled", "n_pooled_h0_unpooled_h1"),
                ("unpooled", "n_unpooled"),
                ("cohen-h", "n_cohens_h_two_tailed_exact"),
            ] {
                let got = proportions(
                    &serde_json::json!({"p1": base["p1"], "mde_rel": base["mde_rel"], "power": base["power"]}),
                    &arg(&base["alpha_family"]),
                    method,
                    &["--comparisons", &m, "--correction", correction],
                );
                let what = format!("{id} {correction} {method}");
                assert_close(
                    &got["alpha_per_comparison"],
                    &block["alpha_per_test"],
                    1e-15,
                    0.0,
                    &what,
                );
                assert_close(&got["n_per_group"], &block[field], EXACT, 0.0, &what);
            }
        }
    }
}

#[test]
fn power_means_matches_every_reference_case() {
    let r = reference("power.json");
    for case in r["means"].as_array().expect("cases") {
        let id = case["id"].as_str().unwrap_or_default();
        let (d, alpha, power) = (
            arg(&case["cohens_d"]),
            arg(&case["alpha"]),
            arg(&case["power"]),
        );
        for (test, field) in [("t", "n_ttest_exact"), ("z", "n_normal_two_tailed_exact")] {
            let got = seg_json(&[
                "power",
                "means",
                "--effect-size",
                &d,
                "--alpha",
                &alpha,
                "--power",
                &power,
                "--test",
                test,
            ]);
            assert_close(
                &got["n_per_group"],
                &case[field],
                EXACT,
                0.0,
                &format!("{id} {test}"),
            );
        }
    }
}

#[test]
fn achieved_power_matches_every_reference_case() {
    let r = reference("power.json");
    for case in r["achieved_power"].as_array().expect("cases") {
        let id = case["id"].as_str().unwrap_or_default();
        let effect = if case["cohens_d"].is_number() {
            &case["cohens_d"]
        } else {
            &case["cohens_h"]
        };
        let (d, n, alpha) = (
            arg(effect),
            case["n_per_group"].to_string(),
            arg(&case["alpha"]),
        );
        for (test, field, tol) in [
            ("z", "power_normal_statsmodels", 1e-12),
            ("t", "power_ttest_statsmodels", 1e-11),
        ] {
            let got = seg_json(&[
                "power",
                "achieved",
                "--effect-size",
                &d,
                "--n-per-group",
                &n,
                "--alpha",
                &alpha,
                "--test",
                test,
            ]);
            assert_close(
                &got["power"],
                &case[field],
                0.0,
                tol,
                &format!("{id} {test}"),
            );
        }
    }
}

#[test]
fn minimum_detectable_effect_matches_every_reference_case() {
    let r = reference("power.json");
    for case in r["minimum_detectable_effect"].as_array().expect("cases") {
        let id = case["id"].as_str().unwrap_or_default();
        let (n, alpha, power) = (
            case["n_per_group"].to_string(),
            arg(&case["alpha"]),
            arg(&case["power"]),
        );
        for (test, field) in [("z", "effect_normal_exact"), ("t", "effect_ttest_exact")] {
            let got = seg_json(&[
                "power",
                "mde",
                "--n-per-group",
                &n,
                "--alpha",
                &alpha,
                "--power",
                &power,
                "--test",
                test,
            ]);
            assert_close(
                &got["effect_size"],
                &case[field],
                EXACT,
                0.0,
                &format!("{id} {test}"),
            );
        }
    }
}

#[test]
fn srm_matches_every_reference_case() {
    let r = reference("srm.json");
    let threshold = arg(&r["threshold"]);
    for case in r["cases"].as_array().expect("cases") {
        let id = case["id"].as_str().unwrap_or_default();
        let counts: Vec<String> = case["observed"]
            .as_array()
            .expect("observed")
            .iter()
            .map(Value::to_string)
            .collect();
        let ratios = seg_testdata::f64s(&case["ratios"]);
        let sum: f64 = ratios.iter().sum();
        // Ratios are weights (normalised by the tool); the reference's
        // weights sum to 1 within 1e-15 and are passed normalised.
        let ratios: Vec<String> = ratios.iter().map(|r| format!("{:?}", r / sum)).collect();
        let got = seg_json(&[
            "srm",
            "--counts",
            &counts.join(","),
            "--ratios",
            &ratios.join(","),
            "--threshold",
            &threshold,
        ]);
        assert_close(
            &got["statistic"],
            &case["statistic"],
            EXACT,
            0.0,
            &format!("{id} statistic"),
        );
        assert_close(
            &got["p_value"],
            &case["p_value"],
            EXACT,
            0.0,
            &format!("{id} p"),
        );
        assert_eq!(got["mismatch"], case["srm"], "{id} verdict");
    }
}

#[test]
fn srm_with_default_equal_ratios_matches_the_even_cases() {
    let r = reference("srm.json");
    let mut checked = 0;
    for case in r["cases"].as_array().expect("cases") {
        let ratios = seg_testdata::f64s(&case["ratios"]);
        if ratios.iter().any(|&x| x != ratios[0]) {
            continue;
        }
        let counts: Vec<String> = case["observed"]
            .as_array()
            .expect("observed")
            .iter()
            .map(Value::to_string)
            .collect();
        let got = seg_json(&["srm", "--counts", &counts.join(",")]);
        assert_close(
            &got["p_value"],
            &case["p_value"],
            EXACT,
            0.0,
            case["id"].as_str().unwrap_or_default(),
        );
        checked += 1;
    }
    assert!(checked >= 1);
}

#[test]
fn adjust_matches_every_method_of_every_reference_case() {
    let r = reference("multipletests.json");
    let methods: Vec<&str> = r["methods"]
        .as_array()
        .expect("methods")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(methods.len(), 8);
    for case in r["cases"].as_array().expect("cases") {
        let id = case["id"].as_str().unwrap_or_default();
        let pvalues: Vec<String> = case["pvals"]
            .as_array()
            .expect("pvals")
            .iter()
            .map(arg)
            .collect();
        let alpha = arg(&case["alpha"]);
        for method in &methods {
            let want = &case["results"][*method];
            let got = seg_json(&[
                "adjust",
                "--method",
                method,
                "--pvalues",
                &pvalues.join(","),
                "--alpha",
                &alpha,
            ]);
            let (g, w) = (
                got["adjusted"].as_array().expect("adjusted"),
                want["pvals_corrected"].as_array().expect("want"),
            );
            assert_eq!(g.len(), w.len(), "{id} {method}");
            for (i, (g, w)) in g.iter().zip(w).enumerate() {
                assert_close(g, w, 1e-12, 1e-300, &format!("{id} {method} [{i}]"));
            }
            assert_eq!(got["reject"], want["reject"], "{id} {method} rejections");
        }
    }
}

#[test]
fn bayes_matches_every_reference_pair() {
    let r = reference("stats_misc.json");
    for case in r["bandit_pairs"].as_array().expect("cases") {
        let id = case["id"].as_str().unwrap_or_default();
        let a = format!("{},{}", arg(&case["A"]["alpha"]), arg(&case["A"]["beta"]));
        let b = format!("{},{}", arg(&case["B"]["alpha"]), arg(&case["B"]["beta"]));
        let got = seg_json(&["bayes", "--a", &a, "--b", &b]);
        assert_close(
            &got["prob_b_beats_a"],
            &case["prob_b_beats_a"],
            1e-6,
            0.0,
            &format!("{id} P(B>A)"),
        );
        // The loss of choosing A is E[max(p_B − p_A, 0)].
        assert_close(
            &got["expected_loss_a"],
            &case["expected_loss_b_minus_a"],
            1e-6,
            0.0,
            &format!("{id} loss A"),
        );
        assert_close(
            &got["expected_loss_b"],
            &case["expected_loss_a_minus_b"],
            1e-6,
            0.0,
            &format!("{id} loss B"),
        );
    }
}

#[test]
fn bayes_intervals_match_every_beta_reference_case() {
    let r = reference("stats_misc.json");
    for case in r["beta_summary"].as_array().expect("cases") {
        let id = case["id"].as_str().unwrap_or_default();
        let ab = format!("{},{}", arg(&case["alpha"]), arg(&case["beta"]));
        let got = seg_json(&["bayes", "--a", &ab, "--b", "1,1"]);
        assert_close(
            &got["a"]["mean"],
            &case["mean"],
            EXACT,
            0.0,
            &format!("{id} mean"),
        );
        assert_close(
            &got["a"]["ci_low"],
            &case["q025"],
            EXACT,
            0.0,
            &format!("{id} q025"),
        );
        assert_close(
            &got["a"]["ci_high"],
            &case["q975"],
            EXACT,
            0.0,
            &format!("{id} q975"),
        );
    }
}

#[test]
fn metrics_match_the_iris_reference_for_every_k() {
    let r = reference("cluster_metrics.json");
    let iris = &r["datasets"]["iris"];
    let x = seg_testdata::iris_scaled();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::from("a,b,c,d\n");
    for row in x.rows() {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    let data = write(dir.path(), "x.csv", &text);
    let mut entries: Vec<&Value> = iris["kmeans"].as_array().expect("kmeans").iter().collect();
    entries.push(&iris["true_labels"]);
    for entry in entries {
        let labels = seg_testdata::usizes(&entry["labels"]);
        let body: Vec<String> = labels.iter().map(ToString::to_string).collect();
        let lpath = write(
            dir.path(),
            "labels.csv",
            &format!("label\n{}\n", body.join("\n")),
        );
        let got = seg_json(&["metrics", "--data", &data, "--labels", &lpath]);
        let what = format!("iris k = {}", entry["k"]);
        for key in ["silhouette", "davies_bouldin", "calinski_harabasz"] {
            assert_close(
                &got[key],
                &entry[key],
                EXACT,
                1e-15,
                &format!("{what} {key}"),
            );
        }
        assert_eq!(got["n"], 150);
        let mut distinct = labels.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(got["k"].as_u64(), Some(distinct.len() as u64), "{what}");
    }
}

#[test]
fn bayes_stays_accurate_when_one_posterior_is_a_spike() {
    // Equal means: P(B > A) = 1/2 and both losses are E|p_B − 1/2|/2 = 1/8
    // for a uniform B when A is concentrated at 1/2.
    for shape in ["1e6", "1e9", "1e12", "1e15", "1e18", "1e19"] {
        let a = format!("{shape},{shape}");
        for (a, b, p_b_wins) in [(a.as_str(), "1,1", 0.5), ("1,1", a.as_str(), 0.5)] {
            let got = seg_json(&["bayes", "--a", a, "--b", b]);
            let what = format!("--a {a} --b {b}");
            assert_close(
                &got["prob_b_beats_a"],
                &serde_json::json!(p_b_wins),
                1e-6,
                0.0,
                &what,
            );
            assert_close(
                &got["expected_loss_a"],
                &serde_json::json!(0.125),
                1e-6,
                0.0,
                &what,
            );
            assert_close(
                &got["expected_loss_b"],
                &serde_json::json!(0.125),
                1e-6,
                0.0,
                &what,
            );
        }
    }
    common::seg_fails(&["bayes", "--a", "1e20,1e20", "--b", "1,1"]);
    common::seg_fails(&["bayes", "--a", "1e308,1e308", "--b", "1,1"]);
}
