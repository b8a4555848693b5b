//! The segment model: what training records, assignment, drift, retraining
//! with its version chain and warm start, checked JSON loading (hand-made
//! inconsistent files and a fuzz-style property test), and named errors
//! for bad input.

use ndarray::{Array2, Axis};
use proptest::prelude::*;
use seg_cluster::*;
use seg_testdata::{hostile_cases, hostile_json};

/// `groups` well separated groups of `per` rows in 3 features.
fn groups(groups: usize, per: usize) -> Array2<f64> {
    Array2::from_shape_fn((groups * per, 3), |(i, j)| {
        let g = i % groups;
        let centre = [
            (0.0, 0.0, 0.0),
            (10.0, 0.0, 5.0),
            (0.0, 10.0, -5.0),
            (10.0, 10.0, 0.0),
            (-10.0, 5.0, 5.0),
        ][g % 5];
        let c = [centre.0, centre.1, centre.2][j];
        c + (((i * 7 + j * 13) % 11) as f64 - 5.0) * 0.1
    })
}

const NAMES: [&str; 3] = ["sessions", "pages", "minutes"];

fn params() -> TrainParams {
    TrainParams::new()
        .auto_k(AutoK::params().k_range(2..=6).n_init(2).seed(3))
        .baseline(BaselineParams::default().sample_size(200))
        .created_at(1_700_000_000)
}

fn trained() -> SegmentModel {
    SegmentModel::train(groups(3, 100).view(), &NAMES, &params()).unwrap()
}

#[test]
fn training_records_every_part_of_the_model() {
    let x = groups(3, 100);
    let model = trained();
    assert_eq!(model.model_version(), 1);
    assert_eq!(model.parent_version(), None);
    assert_eq!(model.created_at(), 1_700_000_000);
    assert_eq!(model.created_at_rfc3339(), "2023-11-14T22:13:20Z");
    assert_eq!(model.feature_names(), NAMES);
    assert_eq!((model.k(), model.n_features()), (3, 3));
    assert_eq!(model.selection().k, 3);
    assert_eq!(model.selection().scores.len(), 5);
    assert!(!model.selection().reason.is_empty());
    assert!(model.quality().passed(), "{:?}", model.quality());
    assert_eq!(model.quality().checks().len(), 3);
    assert_eq!(model.quality().failed().count(), 0);
    assert_eq!(
        (model.baseline().n_features(), model.baseline().k()),
        (3, 3)
    );
    assert_eq!(model.baseline().n_rows(), 300);
    assert!(
        model.kmeans().labels().is_empty(),
        "training labels are not kept"
    );
    // Assignment: the planted groups, one per segment.
    let labels = model.assign(x.view()).unwrap();
    for (i, &l) in labels.iter().enumerate() {
        assert_eq!(l, labels[i % 3]);
        assert_eq!(model.assign_one(x.row(i).as_slice().unwrap()).unwrap(), l);
    }
}

#[test]
fn the_system_clock_dates_a_model_by_default() {
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let params = TrainParams::new().auto_k(AutoK::params().k_range(2..=3));
    let model = SegmentModel::train(groups(3, 30).view(), &NAMES, &params).unwrap();
    let after = before + 3600;
    assert!((before..=after).contains(&model.created_at()));
}

#[test]
fn a_failing_quality_gate_is_recorded_not_an_error() {
    let params = params().quality_gate(seg_validate::QualityGate::new().min_silhouette(0.999));
    let model = SegmentModel::train(groups(3, 100).view(), &NAMES, &params).unwrap();
    assert!(!model.quality().passed());
    let failed: Vec<&str> = model.quality().failed().map(|c| c.name()).collect();
    assert_eq!(failed, ["silhouette"]);
    let restored = SegmentModel::from_json(&model.to_json().unwrap()).unwrap();
    assert!(!restored.quality().passed());
}

#[test]
fn json_round_trips_exactly() {
    let model = trained();
    let json = model.to_json().unwrap();
    assert!(json.starts_with(r#"{"format":"seg-segment-model","format_version":1,"model_version":1,"parent_version":null,"created_at":1700000000,"feature_names":["sessions","pages","minutes"],"kmeans":{"format":"seg-cluster/kmeans""#));
    let restored = SegmentModel::from_json(&json).unwrap();
    assert_eq!(restored, model);
    assert_eq!(restored.to_json().unwrap(), json);
    let x = groups(3, 100);
    assert_eq!(
        restored.assign(x.view()).unwrap(),
        model.assign(x.view()).unwrap()
    );
    assert_eq!(
        restored.drift(x.view()).unwrap(),
        model.drift(x.view()).unwrap()
    );
}

#[test]
fn drift_names_the_features_and_flags_a_shift() {
    let model = trained();
    let x = groups(3, 100);
    let same = model.drift(x.view()).unwrap();
    assert_eq!(same.model_version, 1);
    assert_eq!(same.level(), DriftLevel::Stable);
    let names: Vec<&str> = same.features().map(|(n, _)| n).collect();
    assert_eq!(names, NAMES);
    let mut moved = x.clone();
    moved.column_mut(2).mapv_inplace(|v| v + 4.0);
    let drift = model.drift(moved.view()).unwrap();
    assert_eq!(drift.worst_feature().unwrap().0, "minutes");
    assert_eq!(drift.level(), DriftLevel::Significant);
    // The streaming monitor agrees on the feature PSIs.
    let mut monitor = model.monitor(Window::Tumbling { size: 300 }).unwrap();
    for row in moved.rows() {
        monitor.push(row.as_slice().unwrap()).unwrap();
    }
    let streamed = monitor.report().unwrap();
    for (a, b) in streamed.features.iter().zip(&drift.report.features) {
        assert_eq!(a.psi, b.psi);
    }
}

#[test]
fn retraining_makes_the_next_version_and_rechooses_k() {
    let model = trained();
    let five = groups(5, 80);
    let next = model.retrain(five.view(), &params()).unwrap();
    assert_eq!(next.model_version(), 2);
    assert_eq!(next.parent_version(), Some(1));
    assert_eq!(next.k(), 5);
    assert_eq!(next.feature_names(), model.feature_names());
    assert_eq!(next.baseline().n_rows(), 400);
    assert_eq!(next.drift(five.view()).unwrap().level(), DriftLevel::Stable);
    let third = next.retrain(five.view(), &params()).unwrap();
    assert_eq!(
        (third.model_version(), third.parent_version()),
        (3, Some(2))
    );
}

#[test]
fn warm_start_keeps_segment_numbers_when_k_is_unchanged() {
    let model = trained();
    // The same groups, slightly moved and in another row order.
    let mut x = groups(3, 100);
    x.mapv_inplace(|v| v + 0.3);
    let reversed: Vec<usize> = (0..x.nrows()).rev().collect();
    let x = x.select(Axis(0), &reversed);
    let warm = model.retrain(x.view(), &params()).unwrap();
    assert_eq!(warm.k(), 3);
    for c in 0..3 {
        let old = model.centroids().row(c).to_owned();
        let new = warm.centroids().row(c).to_owned();
        let moved = (&new - &old).mapv(|v| v * v).sum().sqrt();
        assert!(moved < 1.0, "segment {c} moved by {moved}");
    }
    let cold = model
        .retrain(x.view(), &params().warm_start(false))
        .unwrap();
    assert_eq!(cold.k(), 3);
    assert!(warm.kmeans().inertia() <= cold.kmeans().inertia() * (1.0 + WARM_START_TOLERANCE));
}

#[test]
fn wrong_feature_count_is_a_dimension_mismatch() {
    let model = trained();
    let narrow = Array2::<f64>::zeros((4, 2));
    for err in [
        model.assign(narrow.view()).unwrap_err(),
        model.assign_one(&[1.0, 2.0]).unwrap_err(),
        model.drift(narrow.view()).unwrap_err(),
        model.retrain(narrow.view(), &params()).unwrap_err(),
    ] {
        assert!(
            matches!(
                err,
                ClusterError::DimensionMismatch {
                    expected: 3,
                    got: 2
                }
            ),
            "{err}"
        );
    }
}

#[test]
fn empty_batch_is_an_error() {
    let model = trained();
    let empty = Array2::<f64>::zeros((0, 3));
    assert!(matches!(
        model.assign(empty.view()),
        Err(ClusterError::EmptyInput { rows: 0, cols: 3 })
    ));
    assert!(matches!(
        model.drift(empty.view()),
        Err(ClusterError::EmptyInput { rows: 0, cols: 3 })
    ));
    assert!(matches!(
        model.retrain(empty.view(), &params()),
        Err(ClusterError::EmptyInput { rows: 0, cols: 3 })
    ));
    assert!(matches!(
        SegmentModel::train(empty.view(), &NAMES, &params()),
        Err(ClusterError::EmptyInput { .. })
    ));
}

#[test]
fn non_finite_values_are_named_by_row_and_column() {
    let model = trained();
    let mut x = groups(3, 100);
    x[[17, 2]] = f64::NAN;
    let is_17_2 = |e: &ClusterError| {
        matches!(
            e,
            ClusterError::NonFinite {
                row: 17,
                column: 2,
                ..
            }
        )
    };
    assert!(is_17_2(&model.assign(x.view()).unwrap_err()));
    assert!(is_17_2(&model.drift(x.view()).unwrap_err()));
    assert!(is_17_2(&model.retrain(x.view(), &params()).unwrap_err()));
    assert!(is_17_2(
        &SegmentModel::train(x.view(), &NAMES, &params()).unwrap_err()
    ));
    x[[17, 2]] = f64::INFINITY;
    assert!(is_17_2(&model.assign(x.view()).unwrap_err()));
    assert!(matches!(
        model.assign_one(&[0.0, f64::NEG_INFINITY, 0.0]),
        Err(ClusterError::NonFinite {
            row: 0,
            column: 1,
            ..
        })
    ));
}

#[test]
fn feature_names_must_match_the_columns() {
    let x = groups(3, 30);
    for names in [
        &["a", "b"][..],
        &["a", "b", "c", "d"],
        &["a", "", "c"],
        &["a", "b", "a"],
    ] {
        let err = SegmentModel::train(x.view(), names, &params()).unwrap_err();
        assert!(
            matches!(err, ClusterError::InvalidFeatureNames { .. }),
            "{names:?}: {err}"
        );
    }
}

#[test]
fn bad_k_ranges_and_creation_times_are_named() {
    let x = groups(3, 30);
    // An empty range (3..=2) and one that starts below 2.
    let (empty_start, empty_end) = (3, 2);
    for range in [empty_start..=empty_end, 1..=4] {
        let p = params().auto_k(AutoK::params().k_range(range));
        assert!(matches!(
            SegmentModel::train(x.view(), &NAMES, &p),
            Err(ClusterError::InvalidParameter {
                parameter: "k_range",
                ..
            })
        ));
    }
    let late = params().created_at(MAX_CREATED_AT + 1);
    assert!(matches!(
        SegmentModel::train(x.view(), &NAMES, &late),
        Err(ClusterError::InvalidParameter {
            parameter: "created_at",
            ..
        })
    ));
    let last = SegmentModel::train(x.view(), &NAMES, &params().created_at(MAX_CREATED_AT)).unwrap();
    assert_eq!(last.created_at_rfc3339(), "9999-12-31T23:59:59Z");
}

/// The valid model as a JSON value, to edit.
fn valid() -> serde_json::Value {
    serde_json::from_str(&trained().to_json().unwrap()).unwrap()
}

fn load(v: &serde_json::Value) -> Result<SegmentModel> {
    SegmentModel::from_json(&v.to_string())
}

#[test]
fn other_formats_and_versions_are_unsupported() {
    for (key, value) in [
        ("format", serde_json::json!("seg-cluster/kmeans")),
        ("format_version", serde_json::json!(2)),
        ("format_version", serde_json::json!(0)),
    ] {
        let mut v = valid();
        v[key] = value;
        let err = load(&v).unwrap_err();
        assert!(
            matches!(
                err,
                ClusterError::UnsupportedFormat {
                    artifact: "segment model",
                    ..
                }
            ),
            "{err}"
        );
    }
}

#[test]
fn inconsistent_files_are_invalid_artifacts() {
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        ("version 0", Box::new(|v| v["model_version"] = 0.into())),
        (
            "parent not below",
            Box::new(|v| v["parent_version"] = 1.into()),
        ),
        ("parent above", Box::new(|v| v["parent_version"] = 9.into())),
        (
            "created after 9999",
            Box::new(|v| v["created_at"] = (MAX_CREATED_AT + 1).into()),
        ),
        (
            "two names for three features",
            Box::new(|v| v["feature_names"] = serde_json::json!(["a", "b"])),
        ),
        (
            "repeated name",
            Box::new(|v| v["feature_names"] = serde_json::json!(["a", "b", "a"])),
        ),
        (
            "empty name",
            Box::new(|v| v["feature_names"] = serde_json::json!(["a", "", "c"])),
        ),
        (
            "selection of another k",
            Box::new(|v| {
                let other = v["selection"]["scores"][0]["k"].clone();
                v["selection"]["k"] = other;
            }),
        ),
    ];
    for (what, edit) in cases {
        let mut v = valid();
        edit(&mut v);
        match load(&v) {
            Err(ClusterError::InvalidArtifact {
                artifact: "segment model",
                ..
            }) => {}
            // A selection that fails its own checks is reported by its loader.
            Err(ClusterError::Json { .. }) if what.starts_with("selection") => {}
            other => panic!("{what}: {other:?}"),
        }
    }
    // A baseline or k-means model of other dimensions than the rest.
    let other = SegmentModel::train(
        groups(2, 60).select(Axis(1), &[0, 1]).view(),
        &["a", "b"],
        &params().auto_k(AutoK::params().k_range(2..=3)),
    )
    .unwrap();
    let other: serde_json::Value = serde_json::from_str(&other.to_json().unwrap()).unwrap();
    for part in ["baseline", "kmeans"] {
        let mut v = valid();
        v[part] = other[part].clone();
        assert!(
            matches!(
                load(&v),
                Err(ClusterError::InvalidArtifact {
                    artifact: "segment model",
                    ..
                })
            ),
            "{part}"
        );
    }
}

#[test]
fn truncated_and_unknown_fields_are_json_errors() {
    let json = trained().to_json().unwrap();
    for cut in [0, 1, json.len() / 3, json.len() - 1] {
        assert!(matches!(
            SegmentModel::from_json(&json[..cut]),
            Err(ClusterError::Json {
                artifact: "segment model",
                ..
            })
        ));
    }
    let mut v = valid();
    v["extra"] = 1.into();
    assert!(matches!(load(&v), Err(ClusterError::Json { .. })));
    let mut v = valid();
    v["kmeans"]["centroids"][0][0] = serde_json::json!(null);
    assert!(matches!(load(&v), Err(ClusterError::Json { .. })));
}

/// Uses a loaded model through everything it offers; no panic, and it
/// saves and loads back to itself.
fn exercise(model: &SegmentModel) {
    let (k, d) = (model.k(), model.n_features());
    assert_eq!(model.feature_names().len(), d);
    assert_eq!(model.selection().k, k);
    let values = [0.0, -1.0, 3.5, 1e300, -7.25, 1e-320];
    let x = Array2::from_shape_fn((values.len(), d), |(i, j)| values[(i + j) % values.len()]);
    if let Ok(labels) = model.assign(x.view()) {
        assert!(labels.iter().all(|&l| l < k));
        for (row, &l) in x.rows().into_iter().zip(&labels) {
            assert_eq!(model.assign_one(row.as_slice().unwrap()).unwrap(), l);
        }
    }
    if let Ok(drift) = model.drift(x.view()) {
        assert_eq!(drift.features().count(), d);
        let _ = RetrainPolicy::default().decide(&drift.report);
    }
    let _ = model.monitor(Window::Tumbling { size: 4 });
    let _ = model.created_at_rfc3339();
    let json = model.to_json().unwrap();
    let again = SegmentModel::from_json(&json).unwrap();
    assert_eq!(&again, model);
}

#[test]
fn the_valid_file_passes_the_exercise() {
    exercise(&trained());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(hostile_cases()))]

    #[test]
    fn hostile_segment_model_files_give_errors_or_working_models(text in hostile_json(valid())) {
        if let Ok(model) = SegmentModel::from_json(&text) {
            exercise(&model);
        }
    }
}

#[test]
fn hand_written_hostile_files_are_errors() {
    for text in [
        "",
        "null",
        "[]",
        "{}",
        r#"{"format":"seg-segment-model"}"#,
        r#"{"format":"seg-segment-model","format_version":1}"#,
        r#"{"format":"seg-segment-model","format_version":1e400}"#,
        "\u{feff}{}",
    ] {
        assert!(SegmentModel::from_json(text).is_err(), "{text}");
    }
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<SegmentModel>();
    check::<TrainParams>();
    check::<QualityVerdict>();
    check::<SegmentDrift>();
    check::<ModelHistory>();
}

/// Four groups in two pairs along a line: the silhouette prefers k = 2,
/// the rule the true k = 4.
fn pairs() -> Array2<f64> {
    let centres = [0.0, 3.0, 20.0, 23.0];
    Array2::from_shape_fn((400, 2), |(i, j)| {
        let base = if j == 0 { centres[i % 4] } else { 0.0 };
        base + (((i * 7919 + j * 104_729) % 1000) as f64 / 1000.0 - 0.5) * 1.6
    })
}

#[test]
fn keeping_the_parents_k_is_a_choice_and_is_recorded() {
    let x = pairs();
    let two = TrainParams::new()
        .auto_k(AutoK::params().k_range(2..=2))
        .created_at(0);
    let parent = SegmentModel::train(x.view(), &["a", "b"], &two).unwrap();
    assert_eq!(parent.k(), 2);
    let wide = TrainParams::new()
        .auto_k(AutoK::params().k_range(2..=6))
        .created_at(0);
    // By default the rule's choice wins.
    let chosen = parent.retrain(x.view(), &wide).unwrap();
    assert_eq!(chosen.k(), 4, "{}", chosen.selection().reason);
    // On request, the parent's k is kept: its silhouette is higher.
    let kept = parent
        .retrain(x.view(), &wide.clone().keep_parent_k(true))
        .unwrap();
    assert_eq!(kept.k(), 2);
    assert_eq!(kept.selection().k, 2);
    assert!(
        kept.selection()
            .reason
            .starts_with("k = 2 kept from model version 1: "),
        "{}",
        kept.selection().reason
    );
    assert_eq!(kept.selection().scores, chosen.selection().scores);
    let restored = SegmentModel::from_json(&kept.to_json().unwrap()).unwrap();
    assert_eq!(restored, kept);
}
