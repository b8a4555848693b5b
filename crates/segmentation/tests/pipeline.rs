//! The facade pipeline end to end: fit, assign (one record, a batch, the
//! model on transformed rows), drift, the streaming monitor, retraining
//! and its lineage, saving and loading.

#![cfg(all(feature = "pipeline", feature = "datasets"))]

use segmentation::cluster::{SegmentModel, TrainParams, Window};
use segmentation::datasets::TrafficSimulator;
use segmentation::features::{FeatureError, Value, web_visitor_schema};
use segmentation::pipeline::{
    PIPELINE_FORMAT, PIPELINE_FORMAT_VERSION, PipelineError, Segmentation, Segmenter,
    numeric_schema,
};

const CREATED: u64 = 1_700_000_000;

fn visitors(seed: u64, n: usize, drifted: bool) -> Vec<[Value<'static>; 11]> {
    let sim = TrafficSimulator::default_segments().seed(seed);
    let sim = if drifted { sim.drifted() } else { sim };
    sim.simulate(n)
        .expect("simulate")
        .iter()
        .map(|v| v.record())
        .collect()
}

fn segmenter() -> Segmenter {
    Segmenter::new(web_visitor_schema())
        .k_range(2..=5)
        .seed(3)
        .created_at(CREATED)
}

fn fitted() -> (Segmentation, Vec<[Value<'static>; 11]>) {
    let records = visitors(1, 3_000, false);
    (segmenter().fit(&records).expect("fit"), records)
}

/// A fresh folder under the system's temporary folder.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "segmentation-pipeline-test-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn fit_makes_version_1_with_the_transforms_features() {
    let (s, _) = fitted();
    assert_eq!(s.model_version(), 1);
    assert_eq!(s.parent_version(), None);
    assert_eq!(s.model().created_at(), CREATED);
    assert_eq!(
        s.feature_names(),
        s.transformer().feature_names().as_slice()
    );
    assert_eq!(s.n_features(), 20);
    assert!((2..=5).contains(&s.k()));
    assert_eq!(s.model().selection().scores.len(), 4);
}

#[test]
fn assign_one_equals_assign_equals_the_model_on_transformed_rows() {
    let (s, records) = fitted();
    let batch = s.assign(&records).expect("assign");
    let x = s.transform(&records).expect("transform");
    let model = s.model().assign(x.view()).expect("model assign");
    assert_eq!(batch, model);
    let mut scratch = vec![0.0; s.n_features()];
    for (record, &label) in records.iter().zip(&batch) {
        assert_eq!(
            s.assign_one(record, &mut scratch).expect("assign_one"),
            label
        );
    }
    // More records than one chunk of the batch path.
    let many = visitors(2, 20_000, false);
    let labels = s.assign(&many).expect("assign many");
    let x = s.transform(&many).expect("transform many");
    assert_eq!(labels, s.model().assign(x.view()).expect("model"));
}

#[test]
fn batch_errors_name_the_row_in_the_whole_batch() {
    let (s, _) = fitted();
    let mut records = visitors(4, 20_000, false);
    records[17_123][0] = Value::from("many");
    let err = s.assign(&records).unwrap_err();
    assert!(
        matches!(
            err,
            PipelineError::Features {
                source: FeatureError::WrongKind { row: 17_123, .. }
            }
        ),
        "{err:?}"
    );
}

#[test]
fn assign_one_rejects_a_scratch_buffer_of_another_length() {
    let (s, records) = fitted();
    let mut short = vec![0.0; s.n_features() - 1];
    assert!(matches!(
        s.assign_one(&records[0], &mut short),
        Err(PipelineError::Features {
            source: FeatureError::LengthMismatch { .. }
        })
    ));
}

#[test]
fn drift_of_shifted_traffic_names_the_new_source_and_the_monitor_agrees() {
    let (s, _) = fitted();
    let before = s.drift(&visitors(5, 3_000, false)).expect("drift before");
    let after_records = visitors(6, 3_000, true);
    let after = s.drift(&after_records).expect("drift after");
    assert!(after.score > before.score);
    let other = after
        .segments
        .features()
        .find(|(name, _)| *name == "traffic_source=<other>")
        .expect("feature")
        .1
        .psi;
    assert!(other > 0.1, "{other}");
    // The raw field names the new source and its share.
    let source = after
        .fields
        .iter()
        .find(|f| f.name == "traffic_source")
        .expect("field");
    assert_eq!(source.kind, "categorical");
    assert!(!source.new_categories.is_empty(), "{source:?}");
    assert!(source.test.psi > other, "{source:?}");
    assert!(before.fields.iter().all(|f| f.new_categories.is_empty()));

    let mut monitor = s
        .monitor(Window::Tumbling {
            size: after_records.len(),
        })
        .expect("monitor");
    for r in &after_records {
        monitor.push(r).expect("push");
    }
    assert!(monitor.is_window_complete());
    assert_eq!(monitor.seen(), after_records.len() as u64);
    let streamed = monitor.report().expect("report");
    assert!((streamed.score - after.score).abs() < 1e-12);
    assert_eq!(
        streamed.segments.feature_names,
        after.segments.feature_names
    );
    assert_eq!(streamed.fields, after.fields);
    assert_eq!(streamed.level, after.level);
    monitor.reset();
    assert_eq!(monitor.seen(), 0);
}

#[test]
fn retrain_makes_the_next_version_whose_parent_is_the_old_one() {
    let (v1, _) = fitted();
    let shifted = visitors(7, 3_000, true);
    let v2 = segmenter().retrain(&v1, &shifted).expect("retrain");
    assert_eq!((v2.model_version(), v2.parent_version()), (2, Some(1)));
    assert_eq!(v2.transformer(), v1.transformer());
    let params = TrainParams::new().created_at(CREATED + 1);
    let v3 = v2.retrain(&visitors(8, 3_000, true), &params).expect("v3");
    assert_eq!((v3.model_version(), v3.parent_version()), (3, Some(2)));
    assert_eq!(v3.model().created_at(), CREATED + 1);
    // The lineage survives a save and a load.
    let back = Segmentation::from_json(&v3.to_json().expect("json")).expect("load");
    assert_eq!(back.parent_version(), Some(2));
}

#[test]
fn json_round_trip_is_exact_and_carries_format_and_version() {
    let (s, records) = fitted();
    let json = s.to_json().expect("json");
    let value: serde_json::Value = serde_json::from_str(&json).expect("value");
    assert_eq!(value["format"], PIPELINE_FORMAT);
    assert_eq!(value["format_version"], PIPELINE_FORMAT_VERSION);
    assert_eq!(value["model"]["format"], "seg-segment-model");
    let back = Segmentation::from_json(&json).expect("load");
    assert_eq!(back, s);
    assert_eq!(back.to_json().expect("json"), json);
    assert_eq!(
        back.assign(&records).expect("assign"),
        s.assign(&records).expect("assign")
    );
    // Through serde directly, too.
    let via_serde: Segmentation = serde_json::from_str(&json).expect("serde");
    assert_eq!(via_serde, s);
}

#[test]
fn save_is_atomic_and_load_reads_it_back() {
    let (s, _) = fitted();
    let dir = temp_dir("save");
    let path = dir.join("segmentation.json");
    s.save(&path).expect("save");
    s.save(&path).expect("save over");
    assert_eq!(Segmentation::load(&path).expect("load"), s);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["segmentation.json"], "no temporary file is left");
    let missing = dir.join("no-such-folder").join("s.json");
    assert!(matches!(s.save(&missing), Err(PipelineError::Io { .. })));
    assert!(matches!(
        Segmentation::load(dir.join("absent.json")),
        Err(PipelineError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn a_transform_and_a_model_of_other_features_do_not_make_a_segmentation() {
    let (s, _) = fitted();
    let records: Vec<[Value; 2]> = (0..60)
        .map(|i| {
            [
                Value::from((i % 3) as f64),
                Value::from((i % 2) as f64 * 9.0),
            ]
        })
        .collect();
    let other = Segmenter::new(numeric_schema(&["a", "b"]).expect("schema"))
        .k(2)
        .created_at(CREATED)
        .fit(&records)
        .expect("fit");
    let (transformer, _) = s.clone().into_parts();
    let (_, model): (_, SegmentModel) = other.into_parts();
    let err = Segmentation::new(transformer, model).unwrap_err();
    assert!(
        matches!(err, PipelineError::InvalidArtifact { .. }),
        "{err:?}"
    );
    // The same inconsistency in a file.
    let mut value: serde_json::Value = serde_json::from_str(&s.to_json().unwrap()).unwrap();
    let other_model: serde_json::Value =
        serde_json::from_str(&other_json(&records)).expect("model json");
    value["model"] = other_model;
    let err = Segmentation::from_json(&value.to_string()).unwrap_err();
    assert!(
        matches!(
            err,
            PipelineError::Json { .. } | PipelineError::InvalidArtifact { .. }
        ),
        "{err:?}"
    );
}

fn other_json(records: &[[Value<'_>; 2]]) -> String {
    let s = Segmenter::new(numeric_schema(&["a", "b"]).expect("schema"))
        .k(2)
        .created_at(CREATED)
        .fit(records)
        .expect("fit");
    s.model().to_json().expect("json")
}

#[test]
fn another_format_or_version_is_unsupported() {
    let (s, _) = fitted();
    let mut value: serde_json::Value = serde_json::from_str(&s.to_json().unwrap()).unwrap();
    // Version 2 (with the field baseline) is this release's; 1 still loads.
    value["format_version"] = serde_json::json!(3);
    let err = Segmentation::from_json(&value.to_string()).unwrap_err();
    assert!(
        matches!(err, PipelineError::UnsupportedFormat { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "unsupported segmentation pipeline file: found format \"segmentation-pipeline\" version 3, \
         this release reads format \"segmentation-pipeline\" version 2"
    );
    value["format_version"] = serde_json::json!(1);
    value["format"] = serde_json::json!("seg-segment-model");
    assert!(matches!(
        Segmentation::from_json(&value.to_string()),
        Err(PipelineError::UnsupportedFormat { .. })
    ));
}

#[test]
fn fixed_k_and_bad_parameters() {
    let records = visitors(9, 2_000, false);
    let s = Segmenter::new(web_visitor_schema())
        .k(4)
        .created_at(CREATED)
        .fit(&records)
        .expect("fit");
    assert_eq!(s.k(), 4);
    assert_eq!(s.model().selection().scores.len(), 1);
    let err = Segmenter::new(web_visitor_schema())
        .k(1)
        .fit(&records)
        .unwrap_err();
    assert!(matches!(err, PipelineError::Cluster { .. }), "{err:?}");
    let err = Segmenter::new(web_visitor_schema())
        .min_share(1.5)
        .fit(&records)
        .unwrap_err();
    assert!(matches!(err, PipelineError::Cluster { .. }), "{err:?}");
    let none: Vec<[Value; 11]> = Vec::new();
    assert!(matches!(
        segmenter().fit(&none),
        Err(PipelineError::Features { .. })
    ));
}

#[test]
fn a_segmentation_that_fails_the_gate_is_returned_with_its_verdict() {
    let records = visitors(10, 2_000, false);
    let gate = segmentation::validate::QualityGate::new().min_silhouette(0.99);
    let s = segmenter().quality_gate(gate).fit(&records).expect("fit");
    assert!(!s.model().quality().passed());
    assert_eq!(
        s.model().quality().failed().next().map(|c| c.name()),
        Some("silhouette")
    );
}

#[test]
fn numeric_schema_scales_every_column_to_the_unit_interval() {
    let schema = numeric_schema(&["pages", "minutes"]).expect("schema");
    let records: Vec<[Value; 2]> = (0..50)
        .map(|i| [Value::from(i as f64), Value::from((i * i) as f64)])
        .collect();
    let t = schema.fit(&records).expect("fit");
    let x = t.transform(&records).expect("transform");
    assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
    assert!(numeric_schema::<&str>(&[]).is_err());
    assert!(numeric_schema(&["a=b"]).is_err());
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Segmenter>();
    check::<Segmentation>();
    check::<PipelineError>();
    check::<segmentation::pipeline::RecordMonitor>();
}
