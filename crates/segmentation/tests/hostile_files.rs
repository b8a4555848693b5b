//! Hostile saved segmentations, in the style of a fuzzer: mutations of a
//! valid file (`seg_testdata::hostile_json`) load to an error or to a
//! segmentation that works through its main methods and saves and
//! reloads to itself; nothing panics.
//!
//! The suite runs 2,000 cases; `PROPTEST_CASES` runs more.

#![cfg(feature = "pipeline")]

use proptest::prelude::*;
use seg_testdata::hostile_json;
use segmentation::cluster::Window;
use segmentation::features::{Categorical, Numeric, Scaler, Schema, Value};
use segmentation::pipeline::{PipelineError, Segmentation, Segmenter};

fn schema() -> Schema {
    Schema::builder()
        .numeric("pages", Numeric::new(Scaler::MinMax).log1p())
        .categorical("device", Categorical::new())
        .cyclic("hour", 24.0)
        .boolean("returning")
        .build()
        .expect("schema")
}

fn records() -> Vec<[Value<'static>; 4]> {
    (0..60)
        .map(|i| {
            let group = i % 3;
            [
                Value::from(1.0 + 10.0 * group as f64 + (i % 4) as f64),
                Value::from(["mobile", "desktop", "tablet"][group]),
                Value::from((i % 24) as f64),
                Value::from(group == 1),
            ]
        })
        .collect()
}

fn valid() -> Segmentation {
    Segmenter::new(schema())
        .k_range(2..=4)
        .seed(1)
        .created_at(1_700_000_000)
        .fit(&records())
        .expect("fit")
}

fn valid_json() -> serde_json::Value {
    serde_json::from_str(&valid().to_json().expect("json")).expect("value")
}

/// Records that may or may not suit a loaded transform, including
/// extreme and unknown values.
fn probes() -> Vec<[Value<'static>; 4]> {
    let mut r = records();
    r.push([
        Value::from(1e308),
        Value::from("smart tv"),
        Value::from(-1e300),
        Value::Missing,
    ]);
    r.push([
        Value::Missing,
        Value::Missing,
        Value::Missing,
        Value::from(true),
    ]);
    r.push([
        Value::from(-0.0),
        Value::from("mobile"),
        Value::from(1e-320),
        Value::from(false),
    ]);
    r
}

/// Uses a loaded segmentation through its main methods.
fn exercise(s: &Segmentation) {
    let k = s.k();
    assert!(k >= 1);
    assert_eq!(
        s.feature_names(),
        s.transformer().feature_names().as_slice()
    );
    let probes = probes();
    let mut scratch = vec![0.0; s.n_features()];
    let mut one = Vec::new();
    for p in &probes {
        match s.assign_one(p, &mut scratch) {
            Ok(label) => {
                assert!(label < k);
                one.push(Some(label));
            }
            Err(_) => one.push(None),
        }
    }
    if let Ok(labels) = s.assign(&probes) {
        assert_eq!(labels.len(), probes.len());
        for (a, b) in labels.iter().zip(&one) {
            assert_eq!(Some(*a), *b);
        }
    }
    let _ = s.drift(&probes);
    if let Ok(mut monitor) = s.monitor(Window::Tumbling { size: 10 }) {
        for p in &probes {
            let _ = monitor.push(p);
        }
        let _ = monitor.report();
    }
    let json = s.to_json().expect("a loaded segmentation saves");
    let back = Segmentation::from_json(&json).expect("and loads back");
    assert_eq!(&back, s);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(seg_testdata::hostile_cases()))]

    #[test]
    fn hostile_segmentation_files_load_to_working_segmentations_or_errors(
        text in hostile_json(valid_json())
    ) {
        if let Ok(s) = Segmentation::from_json(&text) {
            exercise(&s);
        }
    }
}

#[test]
fn the_valid_file_loads_and_works() {
    let s = Segmentation::from_json(&valid_json().to_string()).expect("load");
    exercise(&s);
}

#[test]
fn hand_written_hostile_files_are_errors() {
    let valid = valid_json();
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "json"),
        ("null".into(), "json"),
        ("[]".into(), "json"),
        ("{}".into(), "json"),
        (
            r#"{"format":"segmentation-pipeline","format_version":1}"#.into(),
            "json",
        ),
        (
            r#"{"format":"segmentation-pipeline","format_version":18446744073709551615}"#.into(),
            "unsupported",
        ),
        (
            {
                let mut v = valid.clone();
                v["transform"] = serde_json::json!(null);
                v.to_string()
            },
            "json",
        ),
        (
            {
                let mut v = valid.clone();
                v["model"]["feature_names"][0] = serde_json::json!("other");
                v.to_string()
            },
            "invalid",
        ),
        (
            {
                let mut v = valid.clone();
                v["extra"] = serde_json::json!(1);
                v.to_string()
            },
            "json",
        ),
        (
            {
                let mut v = valid.clone();
                v["model"]["model_version"] = serde_json::json!(0);
                v.to_string()
            },
            "json",
        ),
        // The field baseline: one profile per field, of the field's kind,
        // shares a distribution, finite increasing edges.
        (
            {
                let mut v = valid.clone();
                v["fields"]["fields"].as_array_mut().expect("fields").pop();
                v.to_string()
            },
            "invalid",
        ),
        (
            {
                let mut v = valid.clone();
                let f = v["fields"]["fields"].as_array_mut().expect("fields");
                f.swap(0, 1);
                v.to_string()
            },
            "invalid",
        ),
        (
            {
                let mut v = valid.clone();
                v["fields"]["fields"][0]["shares"][0] = serde_json::json!(0.9);
                v.to_string()
            },
            "json",
        ),
        (
            {
                let mut v = valid.clone();
                v["fields"]["fields"][0]["edges"][0] = serde_json::json!(1e300);
                v.to_string()
            },
            "json",
        ),
        (
            {
                let mut v = valid.clone();
                v["fields"]["fields"][1]["missing_share"] = serde_json::json!(-0.5);
                v.to_string()
            },
            "json",
        ),
        (
            {
                let mut v = valid.clone();
                v["fields"]["n_rows"] = serde_json::json!(0);
                v.to_string()
            },
            "json",
        ),
    ];
    for (text, kind) in cases {
        let err = Segmentation::from_json(&text).unwrap_err();
        let ok = match kind {
            "json" => matches!(err, PipelineError::Json { .. }),
            "unsupported" => matches!(err, PipelineError::UnsupportedFormat { .. }),
            _ => matches!(err, PipelineError::InvalidArtifact { .. }),
        };
        assert!(ok, "{kind}: {err:?} for {text:.120}");
    }
}

/// A version 1 file (before the field baseline) loads and reports drift
/// without raw fields; saved again, it is a version 2 file without them.
#[test]
fn version_1_files_load_without_a_field_baseline() {
    let mut v = valid_json();
    let map = v.as_object_mut().expect("object");
    map.remove("fields");
    map.insert("format_version".into(), serde_json::json!(1));
    let s = Segmentation::from_json(&v.to_string()).expect("version 1 loads");
    assert!(!s.has_field_baseline());
    let drift = s.drift(&records()).expect("drift");
    assert!(drift.fields.is_empty());
    let again: serde_json::Value = serde_json::from_str(&s.to_json().expect("save")).expect("json");
    assert_eq!(again["format_version"], 2);
    assert!(again.get("fields").is_none());
    assert!(valid().has_field_baseline());
}

/// The property above is only as good as its mutations: some must load
/// (and then be exercised), most must be refused.
#[test]
fn some_mutations_load_and_are_exercised_most_are_refused() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let strategy = hostile_json(valid_json());
    let mut runner = TestRunner::deterministic();
    let (mut loaded, total) = (0, 1_000);
    for _ in 0..total {
        let text = strategy.new_tree(&mut runner).expect("case").current();
        if let Ok(s) = Segmentation::from_json(&text) {
            exercise(&s);
            loaded += 1;
        }
    }
    println!("{loaded} of {total} hostile files loaded");
    assert!(loaded > 0, "no mutation loaded");
    assert!(loaded < total / 2, "{loaded} of {total} loaded");
}
