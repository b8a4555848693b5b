//! `seg segment` describes its segments in original units (`segments`,
//! equal to the library's `describe_segments`) and takes `--columns` to
//! use some numeric columns without a schema.

mod common;

use std::collections::BTreeSet;

use common::{seg_fails, seg_json, seg_path};
use segmentation::datasets::TrafficSimulator;
use segmentation::features::{Value, WEB_VISITOR_FIELDS, read_csv, web_visitor_schema};
use segmentation::pipeline::{TraitKind, describe_segments};
use serde_json::Value as Json;

fn keys(v: &Json) -> BTreeSet<&str> {
    v.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn read_labels(path: &str) -> Vec<usize> {
    std::fs::read_to_string(path)
        .expect("labels")
        .lines()
        .skip(1)
        .map(|l| l.parse().expect("a label"))
        .collect()
}

#[test]
fn segments_describe_each_segment_as_the_library_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let visitors = TrafficSimulator::default_segments()
        .seed(5)
        .simulate(2_000)
        .expect("simulate");
    let mut text = WEB_VISITOR_FIELDS.join(",") + "\n";
    for v in &visitors {
        let cells: Vec<String> = v
            .record()
            .iter()
            .map(|c| match c {
                Value::Missing => String::new(),
                Value::Number(x) => format!("{x:?}"),
                Value::Text(t) => t.to_string(),
                Value::Bool(b) => b.to_string(),
            })
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    let data = common::write(dir.path(), "visitors.csv", &text);
    let schema = common::write(
        dir.path(),
        "schema.json",
        &serde_json::to_string(&web_visitor_schema()).expect("schema JSON"),
    );
    let model = dir.path().join("m.json").to_string_lossy().into_owned();
    let labels = dir.path().join("l.csv").to_string_lossy().into_owned();
    let r = seg_json(&[
        "segment",
        "--data",
        &data,
        "--schema",
        &schema,
        "--k",
        "4",
        "--model-out",
        &model,
        "--labels-out",
        &labels,
    ]);
    let records = read_csv(&data, &web_visitor_schema()).expect("records");
    let want = describe_segments(&web_visitor_schema(), &records, &read_labels(&labels), 4)
        .expect("described");
    let got = r["segments"].as_array().expect("segments");
    assert_eq!(got.len(), 4);
    let sizes = r["sizes"].as_array().expect("sizes");
    for ((g, w), size) in got.iter().zip(&want).zip(sizes) {
        assert_eq!(
            keys(g),
            BTreeSet::from(["segment", "size", "share", "traits"])
        );
        assert_eq!(g["segment"], w.segment);
        assert_eq!(&g["size"], size);
        assert_eq!(g["share"].as_f64(), Some(w.share));
        let traits = g["traits"].as_array().expect("traits");
        // One per numeric, categorical and boolean field: the hour and the
        // weekday are cyclic.
        assert_eq!(traits.len(), w.traits.len());
        assert_eq!(traits.len(), WEB_VISITOR_FIELDS.len() - 2);
        for (t, wt) in traits.iter().zip(&w.traits) {
            assert_eq!(t["field"], wt.field.as_str());
            assert_eq!(t["segment"].as_f64(), Some(wt.segment));
            assert_eq!(t["overall"].as_f64(), Some(wt.overall));
            assert_eq!(t["score"].as_f64(), Some(wt.score));
            match &wt.kind {
                TraitKind::Median => {
                    assert_eq!(t["kind"], "numeric");
                    assert!(t.get("category").is_none());
                }
                TraitKind::CategoryShare { category } => {
                    assert_eq!(t["kind"], "categorical");
                    assert_eq!(t["category"].as_str(), category.as_deref());
                }
                _ => assert_eq!(t["kind"], "boolean"),
            }
        }
    }
    let shares: f64 = got
        .iter()
        .map(|g| g["share"].as_f64().expect("share"))
        .sum();
    assert!((shares - 1.0).abs() < 1e-12);
}

/// A CSV with numeric columns `a` and `b`, a text column `c` and a
/// numeric column `d` with one missing cell.
fn mixed_csv(dir: &std::path::Path) -> String {
    let mut text = String::from("a,b,c,d\n");
    for i in 0..120 {
        let group = i % 3;
        let d = if i == 7 { String::new() } else { i.to_string() };
        text.push_str(&format!(
            "{},{},{},{d}\n",
            group * 50 + i % 4,
            (2 - group) * 20 + i % 3,
            ["red", "green", "blue"][group],
        ));
    }
    common::write(dir, "mixed.csv", &text)
}

#[test]
fn columns_select_numeric_columns_and_ignore_the_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = mixed_csv(dir.path());
    let model = dir.path().join("m.json").to_string_lossy().into_owned();
    let r = seg_json(&[
        "segment",
        "--data",
        &data,
        "--columns",
        "a,b",
        "--k",
        "3",
        "--model-out",
        &model,
    ]);
    assert_eq!(r["sizes"], serde_json::json!([40, 40, 40]));
    for s in r["segments"].as_array().expect("segments") {
        let fields: Vec<&str> = s["traits"]
            .as_array()
            .expect("traits")
            .iter()
            .map(|t| {
                assert_eq!(t["kind"], "numeric");
                t["field"].as_str().expect("field")
            })
            .collect();
        assert_eq!(
            fields.iter().copied().collect::<BTreeSet<_>>(),
            BTreeSet::from(["a", "b"])
        );
    }
    // The model reads only its columns: assigning the same file works.
    let assigned = seg_json(&["assign", "--model", &model, "--data", &data]);
    assert_eq!(assigned["n"], 120);
}

#[test]
fn columns_that_are_missing_or_not_numeric_exit_2_naming_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = mixed_csv(dir.path());
    let model = dir.path().join("m.json").to_string_lossy().into_owned();
    let run = |columns: &str| {
        seg_fails(&[
            "segment",
            "--data",
            &data,
            "--columns",
            columns,
            "--model-out",
            &model,
        ])
    };
    let line = run("a,zz");
    assert!(line.contains("no column \"zz\""), "{line}");
    let line = run("a,c");
    assert!(
        line.contains("column \"c\"") && line.contains("\"red\""),
        "{line}"
    );
    let line = run("d,a");
    assert!(
        line.contains("column \"d\"") && line.contains("line 9"),
        "{line}"
    );
    // Without --columns every column must be numeric.
    let line = seg_fails(&["segment", "--data", &data, "--model-out", &model]);
    assert!(line.contains("column \"c\""), "{line}");
    // --columns is for data without a schema.
    let schema = common::write(dir.path(), "s.json", "{}");
    let line = seg_fails(&[
        "segment",
        "--data",
        &data,
        "--schema",
        &schema,
        "--columns",
        "a",
        "--model-out",
        &model,
    ]);
    assert!(
        line.contains("--columns") && line.contains("--schema"),
        "{line}"
    );
    assert!(!std::path::Path::new(&model).exists(), "no model written");
}

#[test]
fn segment_table_shows_what_sets_each_segment_apart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = mixed_csv(dir.path());
    let model = dir.path().join("m.json").to_string_lossy().into_owned();
    let out = std::process::Command::new(seg_path())
        .args(["segment", "--data", &data, "--columns", "a,b", "--k", "3"])
        .args(["--model-out", &model])
        .output()
        .expect("seg runs");
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("sets it apart (segment vs overall)"),
        "{table}"
    );
    assert!(
        table.contains("33.3%") && table.contains("a 1.5 (overall 51.5)"),
        "{table}"
    );
    let help = std::process::Command::new(seg_path())
        .args(["segment", "--help"])
        .output()
        .expect("seg runs");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--columns <a,b,...>"), "{help}");
}
