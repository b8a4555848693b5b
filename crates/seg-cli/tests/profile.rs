//! `seg profile` through the built binary: the contract's keys, the values
//! of scipy and statsmodels end to end (`testdata/profile/reference.json`,
//! see its README) and bad input. The real Online Shoppers data are in
//! `profile_online_shoppers.rs`.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{seg_fails, seg_json, seg_path};
use serde_json::Value as Json;

fn reference() -> Json {
    let path = seg_testdata::workspace_root().join("testdata/profile/reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("reference")).expect("JSON")
}

fn case<'a>(reference: &'a Json, family: &str, name: &str) -> &'a Json {
    reference[family]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

fn keys(v: &Json) -> BTreeSet<&str> {
    v.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// A CSV whose column `x` separates the case's segments (100 apart, small
/// jitter), an outcome column `y` written by `cell`, and a text column the
/// model ignores; a model with k = the number of segments, fitted by `seg
/// segment --columns x`; the model's segment → the case's segment.
struct Fitted {
    _dir: tempfile::TempDir,
    data: String,
    model: String,
    to_case: BTreeMap<u64, u64>,
}

fn fit(case: &Json, cell: impl Fn(&Json) -> String) -> Fitted {
    let dir = tempfile::tempdir().expect("temp dir");
    let labels = seg_testdata::usizes(&case["labels"]);
    let outcomes = case["outcomes"].as_array().expect("outcomes");
    let ids: BTreeSet<usize> = labels.iter().copied().collect();
    let mut text = String::from("note,x,y\n");
    for (i, (l, y)) in labels.iter().zip(outcomes).enumerate() {
        let centre = 100 * ids.iter().position(|id| id == l).expect("an id");
        text.push_str(&format!("row {i},{},{}\n", centre + i % 7, cell(y)));
    }
    let data = common::write(dir.path(), "data.csv", &text);
    let model = dir.path().join("model.json").to_string_lossy().into_owned();
    let out = dir.path().join("labels.csv").to_string_lossy().into_owned();
    seg_json(&[
        "segment",
        "--data",
        &data,
        "--columns",
        "x",
        "--k",
        &ids.len().to_string(),
        "--model-out",
        &model,
        "--labels-out",
        &out,
    ]);
    let assigned: Vec<u64> = std::fs::read_to_string(&out)
        .expect("labels")
        .lines()
        .skip(1)
        .map(|l| l.parse().expect("a label"))
        .collect();
    let mut to_case = BTreeMap::new();
    for (a, &l) in assigned.iter().zip(&labels) {
        let previous = to_case.insert(*a, l as u64);
        assert!(
            previous.is_none_or(|p| p == l as u64),
            "the segments are recovered"
        );
    }
    assert_eq!(to_case.len(), ids.len());
    Fitted {
        _dir: dir,
        data,
        model,
        to_case,
    }
}

/// The report's segments against the case's, through the model → case map.
fn check_segments(report: &Json, case: &Json, to_case: &BTreeMap<u64, u64>) {
    let want = case["segments"].as_array().expect("segments");
    let got = report["segments"].as_array().expect("segments");
    assert_eq!(got.len(), want.len());
    for g in got {
        assert_eq!(
            keys(g),
            BTreeSet::from(["segment", "n", "mean", "ci_low", "ci_high"])
        );
        let id = to_case[&g["segment"].as_u64().expect("segment")];
        let w = want
            .iter()
            .find(|w| w["segment"].as_u64() == Some(id))
            .expect("segment");
        assert_eq!(g["n"], w["n"]);
        for key in ["mean", "ci_low", "ci_high"] {
            common::assert_close(&g[key], &w[key], 1e-9, 0.0, key);
        }
    }
}

#[test]
fn binary_outcome_matches_scipy_and_statsmodels() {
    let reference = reference();
    let case = case(&reference, "binary", "three_segments_120_rows");
    // true/false cells
    let fitted = fit(case, |y| (y.as_u64() == Some(1)).to_string());
    let r = seg_json(&[
        "profile",
        "--model",
        &fitted.model,
        "--data",
        &fitted.data,
        "--outcome",
        "y",
    ]);
    assert_eq!(
        keys(&r),
        BTreeSet::from([
            "outcome",
            "kind",
            "n",
            "overall_mean",
            "segments",
            "chi2",
            "df",
            "p_value",
            "cramers_v"
        ])
    );
    assert_eq!(
        (r["outcome"].as_str(), r["kind"].as_str()),
        (Some("y"), Some("binary"))
    );
    assert_eq!(r["n"], 120);
    for key in ["chi2", "p_value", "cramers_v"] {
        common::assert_close(&r[key], &case[key], 1e-9, 0.0, key);
    }
    assert_eq!(r["df"], case["df"]);
    check_segments(&r, case, &fitted.to_case);
}

#[test]
fn numeric_outcome_matches_scipy() {
    let reference = reference();
    let case = case(&reference, "numeric", "three_normal_segments");
    let fitted = fit(case, |y| format!("{:?}", y.as_f64().expect("a number")));
    let r = seg_json(&[
        "profile",
        "--model",
        &fitted.model,
        "--data",
        &fitted.data,
        "--outcome",
        "y",
    ]);
    assert_eq!(
        keys(&r),
        BTreeSet::from([
            "outcome",
            "kind",
            "n",
            "overall_mean",
            "segments",
            "anova_f",
            "df_between",
            "df_within",
            "p_value",
            "eta_squared"
        ])
    );
    assert_eq!(r["kind"], "numeric");
    for key in ["anova_f", "p_value", "eta_squared"] {
        common::assert_close(&r[key], &case[key], 1e-9, 0.0, key);
    }
    assert_eq!(
        (&r["df_between"], &r["df_within"]),
        (&case["df_between"], &case["df_within"])
    );
    check_segments(&r, case, &fitted.to_case);
}

#[test]
fn zero_one_cells_are_binary_and_the_table_names_the_test() {
    let reference = reference();
    let case = case(&reference, "binary", "rates_of_zero_and_one");
    let fitted = fit(case, Json::to_string);
    let r = seg_json(&[
        "profile",
        "--model",
        &fitted.model,
        "--data",
        &fitted.data,
        "--outcome",
        "y",
    ]);
    assert_eq!(r["kind"], "binary");
    common::assert_close(&r["cramers_v"], &case["cramers_v"], 1e-9, 0.0, "V");
    let out = std::process::Command::new(seg_path())
        .args(["profile", "--model", &fitted.model, "--data", &fitted.data])
        .args(["--outcome", "y"])
        .output()
        .expect("seg runs");
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    for text in [
        "y (binary)",
        "chi-square test",
        "Cramér's V",
        "95% ci_low",
        "rate",
    ] {
        assert!(table.contains(text), "{text}: {table}");
    }
}

#[test]
fn bad_outcomes_exit_2_naming_the_column_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::from("x,y,z\n");
    for i in 0..60 {
        text.push_str(&format!("{},{},{}\n", (i % 2) * 100 + i % 5, i % 2, i % 3));
    }
    let data = common::write(dir.path(), "data.csv", &text);
    let model = dir.path().join("m.json").to_string_lossy().into_owned();
    seg_json(&[
        "segment",
        "--data",
        &data,
        "--columns",
        "x",
        "--k",
        "2",
        "--model-out",
        &model,
    ]);
    let run = |data: &str, outcome: &str| {
        seg_fails(&[
            "profile",
            "--model",
            &model,
            "--data",
            data,
            "--outcome",
            outcome,
        ])
    };
    let line = run(&data, "missing");
    assert!(line.contains("no column \"missing\""), "{line}");
    let bad = |row: &str| {
        let mut t = text.clone();
        t.push_str(row);
        common::write(dir.path(), "bad.csv", &t)
    };
    let line = run(&bad("3,maybe,1\n"), "y");
    assert!(
        line.contains("line 62") && line.contains("\"y\"") && line.contains("\"maybe\""),
        "{line}"
    );
    let line = run(&bad("3,,1\n"), "y");
    assert!(line.contains("line 62") && line.contains("empty"), "{line}");
    // A word in a column of numbers other than 0 and 1.
    let line = run(&bad("3,1,yes\n"), "z");
    assert!(
        line.contains("line 62") && line.contains("\"z\"") && line.contains("\"yes\""),
        "{line}"
    );
    // An outcome that never varies has nothing to test.
    let constant = common::write(dir.path(), "constant.csv", &text.replace(",1,", ",0,"));
    let line = run(&constant, "y");
    assert!(line.contains("outcome"), "{line}");
    let line = seg_fails(&[
        "profile",
        "--model",
        "nope.json",
        "--data",
        &data,
        "--outcome",
        "y",
    ]);
    assert!(line.contains("nope.json"), "{line}");
}

#[test]
fn profile_help_has_an_example() {
    let out = std::process::Command::new(seg_path())
        .args(["profile", "--help"])
        .output()
        .expect("seg runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("seg profile --model model.json"), "{text}");
    assert!(text.contains("--outcome <COL>"), "{text}");
}
