//! Hostile saved quality gates: every file either fails to load or loads a
//! gate that checks a clustering, saves and loads back unchanged.

use ndarray::Array2;
use proptest::prelude::*;
use seg_testdata::hostile_json;
use seg_validate::QualityGate;

/// Two clusterings to check: 60 rows of three groups, and 8 rows of two.
fn inputs() -> [(Array2<f64>, Vec<usize>); 2] {
    let x = Array2::from_shape_fn((60, 2), |(i, j)| {
        (i % 3) as f64 * 5.0 + ((i * 7 + j) % 5) as f64 * 0.3
    });
    let labels = (0..60).map(|i| i % 3).collect();
    let small = Array2::from_shape_fn((8, 1), |(i, _)| (i / 4) as f64 * 3.0 + (i % 4) as f64);
    [(x, labels), (small, (0..8).map(|i| i / 4).collect())]
}

/// Uses a loaded gate: checks both clusterings, saves and reloads it.
fn exercise(gate: &QualityGate) {
    for (x, labels) in inputs() {
        // An error (e.g. a sample too small for the clusters) is fine; a
        // verdict has one value per check.
        if let Ok(verdict) = gate.check(x.view(), &labels) {
            assert_eq!(verdict.checks.len(), 3);
            assert_eq!(verdict.passed, verdict.failed().next().is_none());
        }
    }
    let saved = serde_json::to_string(gate).expect("a loaded gate saves");
    let back: QualityGate = serde_json::from_str(&saved).expect("a saved gate loads");
    assert_eq!(&back, gate);
}

fn valid() -> serde_json::Value {
    let gate = QualityGate::new()
        .min_silhouette(0.3)
        .sample_above(40)
        .seed(9);
    serde_json::to_value(&gate).expect("the default gate saves")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(seg_testdata::hostile_cases()))]

    #[test]
    fn hostile_gate_files_load_checked_or_not_at_all(text in hostile_json(valid())) {
        if let Ok(gate) = serde_json::from_str::<QualityGate>(&text) {
            exercise(&gate);
        }
    }
}

#[test]
fn valid_gate_file_loads_and_round_trips() {
    let gate: QualityGate = serde_json::from_value(valid()).unwrap();
    exercise(&gate);
    assert_eq!(
        gate,
        QualityGate::new()
            .min_silhouette(0.3)
            .sample_above(40)
            .seed(9)
    );
}

#[test]
fn hand_written_hostile_gate_files_are_errors() {
    let with = |key: &str, value: serde_json::Value| {
        let mut doc = valid();
        doc[key] = value;
        doc.to_string()
    };
    let without = |key: &str| {
        let mut doc = valid();
        doc.as_object_mut().unwrap().remove(key);
        doc.to_string()
    };
    let cases = [
        ("min_silhouette above 1", with("min_silhouette", 1.5.into())),
        (
            "null threshold",
            with("max_davies_bouldin", serde_json::Value::Null),
        ),
        (
            "negative threshold",
            with("max_davies_bouldin", (-1.0).into()),
        ),
        ("share of 1", with("min_cluster_share", 1.0.into())),
        ("huge share", with("min_cluster_share", 1e308.into())),
        ("tiny sample", with("sample_above", 2.into())),
        ("negative sample", with("sample_above", (-1).into())),
        ("fractional sample", with("sample_above", 40.5.into())),
        ("negative seed", with("seed", (-3).into())),
        ("text threshold", with("min_silhouette", "NaN".into())),
        ("missing threshold", without("min_cluster_share")),
        ("missing seed", without("seed")),
        ("empty object", "{}".to_owned()),
        (
            "array with a bad threshold",
            "[2.0, 1.5, 0.01, 20000, 0]".to_owned(),
        ),
        ("short array", "[0.25, 1.5]".to_owned()),
        ("truncated", valid().to_string()[..20].to_owned()),
        ("empty", String::new()),
    ];
    for (what, text) in cases {
        assert!(
            serde_json::from_str::<QualityGate>(&text).is_err(),
            "{what}: {text}"
        );
    }
    let err = serde_json::from_str::<QualityGate>(&with("min_silhouette", 1.5.into())).unwrap_err();
    assert!(
        err.to_string()
            .contains("invalid min_silhouette = 1.5: must be in [-1, 1]"),
        "{err}"
    );
}

#[test]
fn invalid_gate_is_not_saved() {
    for gate in [
        QualityGate::new().min_silhouette(f64::NAN),
        QualityGate::new().max_davies_bouldin(f64::INFINITY),
        QualityGate::new().min_cluster_share(-0.1),
        QualityGate::new().sample_above(0),
    ] {
        assert!(serde_json::to_string(&gate).is_err(), "{gate:?}");
    }
}
