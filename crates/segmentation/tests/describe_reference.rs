//! `describe_segments` against pandas 3.1.1 and numpy 2.4.6 on the seeded
//! visitors of `testdata/describe/data.csv`; the values are in
//! `testdata/describe/reference.json`, written by
//! `testdata/describe/make_reference.py` (see its README): medians with
//! missing values skipped, interquartile ranges, category shares with
//! missing values as a category, shares of true, the scores and the order
//! of the traits.

#![cfg(feature = "pipeline")]

use segmentation::features::{Categorical, Numeric, Schema, read_csv};
use segmentation::pipeline::{TraitKind, describe_segments};
use serde_json::Value as Json;

fn folder() -> std::path::PathBuf {
    seg_testdata::workspace_root().join("testdata/describe")
}

fn schema() -> Schema {
    Schema::builder()
        .numeric("pages", Numeric::default())
        .numeric("seconds", Numeric::default())
        .categorical("device", Categorical::new())
        .boolean("returning")
        .cyclic("hour", 24.0)
        .build()
        .expect("valid schema")
}

fn relative_error(got: f64, want: f64) -> f64 {
    if got == want {
        0.0
    } else {
        (got - want).abs() / want.abs().max(f64::MIN_POSITIVE)
    }
}

#[test]
fn descriptions_match_pandas() {
    let data = folder().join("data.csv");
    let records = read_csv(&data, &schema()).expect("data.csv");
    let segment = Schema::builder()
        .numeric("segment", Numeric::default())
        .build()
        .expect("schema");
    let labels: Vec<usize> = read_csv(&data, &segment)
        .expect("segment column")
        .iter()
        .map(|r| match r[0] {
            segmentation::features::Value::Number(x) => x as usize,
            ref other => panic!("segment {other:?}"),
        })
        .collect();
    let text = std::fs::read_to_string(folder().join("reference.json")).expect("reference");
    let reference: Json = serde_json::from_str(&text).expect("JSON");
    let k = reference["k"].as_u64().expect("k") as usize;
    let described = describe_segments(&schema(), &records, &labels, k).expect("described");
    let want = reference["segments"].as_array().expect("segments");
    assert_eq!(described.len(), want.len());
    let mut worst = 0.0_f64;
    for (got, want) in described.iter().zip(want) {
        let s = got.segment;
        assert_eq!(s as u64, want["segment"].as_u64().expect("segment"));
        assert_eq!(got.size as u64, want["size"].as_u64().expect("size"), "{s}");
        worst = worst.max(relative_error(
            got.share,
            want["share"].as_f64().expect("share"),
        ));
        let traits = want["traits"].as_array().expect("traits");
        let fields: Vec<&str> = got.traits.iter().map(|t| t.field.as_str()).collect();
        let expected: Vec<&str> = traits
            .iter()
            .map(|t| t["field"].as_str().expect("field"))
            .collect();
        assert_eq!(fields, expected, "segment {s}: order of the traits");
        for (t, w) in got.traits.iter().zip(traits) {
            let kind = match &t.kind {
                TraitKind::Median => ("median", None),
                TraitKind::CategoryShare { category } => ("category_share", category.as_deref()),
                TraitKind::TrueShare => ("true_share", None),
                other => panic!("unexpected kind {other:?}"),
            };
            assert_eq!(
                kind,
                (w["kind"].as_str().expect("kind"), w["category"].as_str()),
                "segment {s}, {}",
                t.field
            );
            for (got, key) in [
                (t.segment, "segment"),
                (t.overall, "overall"),
                (t.score, "score"),
            ] {
                let e = relative_error(got, w[key].as_f64().expect(key));
                assert!(e <= 1e-12, "segment {s}, {} {key}: {got} ({e:e})", t.field);
                worst = worst.max(e);
            }
        }
    }
    eprintln!("descriptions: largest relative error {worst:e}");
}
