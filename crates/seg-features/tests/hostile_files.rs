//! Hostile saved files: every loadable type goes through its checks, and
//! whatever loads works without panicking (fuzz-style, with
//! `seg_testdata::hostile_json`).
//!
//! Each property runs 2,000 cases; set `PROPTEST_CASES` to run more.

use ndarray::Array2;
use proptest::prelude::*;
use seg_features::{
    Categorical, Decoded, FeatureError, FieldKind, FittedScaler, Numeric, Output, Scaler, Schema,
    Transformer, Unknown, Value, web_visitor_schema,
};

/// seconds, score, device, browser, hour, returning.
type Row = (
    Option<f64>,
    Option<f64>,
    Option<&'static str>,
    Option<&'static str>,
    Option<f64>,
    Option<bool>,
);

/// The records of `tests/data/transformer_v1.json`.
fn records() -> Vec<Vec<Value<'static>>> {
    let rows: [Row; 8] = [
        (
            Some(3.0),
            Some(0.5),
            Some("mobile"),
            Some("chrome"),
            Some(21.0),
            Some(true),
        ),
        (
            Some(120.0),
            None,
            Some("desktop"),
            Some("firefox"),
            Some(9.5),
            Some(false),
        ),
        (None, Some(-2.0), Some("mobile"), Some("chrome"), None, None),
        (
            Some(7.0),
            Some(4.25),
            Some("tablet"),
            Some("safari"),
            Some(0.0),
            Some(true),
        ),
        (
            Some(0.0),
            Some(1.0),
            None,
            Some("chrome"),
            Some(23.0),
            Some(true),
        ),
        (
            Some(55.0),
            Some(10.0),
            Some("mobile"),
            Some("edge"),
            Some(12.0),
            Some(false),
        ),
        (
            Some(2.5),
            Some(3.0),
            Some("desktop"),
            None,
            Some(6.0),
            Some(true),
        ),
        (
            Some(1e4),
            Some(0.0),
            Some("mobile"),
            Some("chrome"),
            Some(18.0),
            None,
        ),
    ];
    rows.iter()
        .map(|r| {
            vec![
                Value::from(r.0),
                Value::from(r.1),
                r.2.map_or(Value::Missing, |s| Value::from(s.to_owned())),
                r.3.map_or(Value::Missing, |s| Value::from(s.to_owned())),
                Value::from(r.4),
                Value::from(r.5),
            ]
        })
        .collect()
}

/// A schema with every kind of field and option.
fn rich_schema() -> Schema {
    Schema::builder()
        .numeric(
            "seconds",
            Numeric::new(Scaler::Robust)
                .log1p()
                .clip_quantiles(0.1, 0.9)
                .missing_indicator(),
        )
        .numeric("score", Numeric::new(Scaler::Standard))
        .categorical(
            "device",
            Categorical::new().min_count(2).unknown(Unknown::Other),
        )
        .categorical(
            "browser",
            Categorical::new().max_categories(2).unknown(Unknown::Error),
        )
        .cyclic("hour", 24.0)
        .boolean("returning")
        .output(Output::Raw)
        .build()
        .expect("valid schema")
}

/// Values of every kind for each field of `schema`, including hostile ones.
fn probe_records(schema: &Schema) -> Vec<Vec<Value<'static>>> {
    let numbers = [0.0, -1.0, 3.5, 1e308, -1e308, 5e-324];
    let texts = ["mobile", "chrome", "<other>", ""];
    (0..6)
        .map(|row| {
            schema
                .fields()
                .iter()
                .map(|field| match (field.kind(), row) {
                    (_, 5) => Value::Missing,
                    (FieldKind::Categorical(_), _) => Value::from(texts[row % texts.len()]),
                    (FieldKind::Boolean, _) => Value::from(row % 2 == 0),
                    _ => Value::from(numbers[row]),
                })
                .collect()
        })
        .collect()
}

/// Uses a loaded transform through its main methods; panics only on a
/// broken promise.
fn exercise(t: &Transformer) {
    let d = t.n_features();
    let names = t.feature_names();
    assert_eq!(names.len(), d);
    for field in t.schema().fields() {
        let cols = t.columns_of(field.name()).expect("a field of the schema");
        assert!(cols.end <= d && cols.start < cols.end);
    }
    let records = probe_records(t.schema());
    if let Ok(x) = t.transform(&records) {
        assert_eq!(x.dim(), (records.len(), d));
        if t.schema().output() == Output::Unit {
            assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
        }
        for row in x.rows() {
            let decoded = t.inverse(row.as_slice().expect("standard layout")).unwrap();
            assert_eq!(decoded.len(), t.schema().fields().len());
        }
    }
    let mut out = vec![0.0; d];
    for record in &records {
        let _ = t.transform_one(record, &mut out);
    }
    assert!(t.inverse(&vec![0.0; d]).is_ok());
    assert!(t.inverse(&vec![f64::NAN; d]).is_ok());
    assert!(t.inverse(&vec![0.0; d + 1]).is_err());
    let json = t.to_json().expect("a valid transform serialises");
    let again = Transformer::from_json(&json).expect("a saved transform loads back");
    assert_eq!(&again, t);
}

fn valid_transform_json() -> serde_json::Value {
    let t = rich_schema().fit(&records()).expect("fits");
    serde_json::from_str(&t.to_json().unwrap()).unwrap()
}

fn valid_web_transform_json() -> serde_json::Value {
    let visitors = [
        seg_features::WebVisitor {
            sessions: 1.0,
            pages_per_session: 2.0,
            avg_session_seconds: 40.0,
            bounce_rate: 1.0,
            device: "mobile",
            browser: "safari",
            country: "us",
            hour: 21.0,
            weekday: 5.0,
            traffic_source: "social",
            returning: false,
        },
        seg_features::WebVisitor {
            sessions: 7.0,
            pages_per_session: 9.0,
            avg_session_seconds: 420.0,
            bounce_rate: 0.1,
            device: "desktop",
            browser: "chrome",
            country: "de",
            hour: 10.0,
            weekday: 1.0,
            traffic_source: "search",
            returning: true,
        },
    ];
    let records: Vec<_> = visitors.iter().map(|v| v.record()).collect();
    let t = web_visitor_schema().fit(&records).expect("fits");
    serde_json::from_str(&t.to_json().unwrap()).unwrap()
}

fn valid_scaler_json() -> serde_json::Value {
    let x = ndarray::array![[1.0, 5.0, -2.0], [2.0, 5.0, 8.0], [4.0, 5.0, 0.5]];
    let scalers: Vec<FittedScaler> = [Scaler::MinMax, Scaler::Standard, Scaler::Robust]
        .into_iter()
        .map(|s| s.fit(x.view()).unwrap())
        .collect();
    // One column of each kind, plus an unscaled one.
    let mut columns: Vec<serde_json::Value> = scalers
        .iter()
        .map(|s| serde_json::to_value(s).unwrap()["columns"][0].clone())
        .collect();
    columns.push(serde_json::json!({"scaler": "none"}));
    serde_json::json!({ "columns": columns })
}

fn exercise_scaler(s: &FittedScaler) {
    let d = s.columns().len();
    let x = Array2::from_shape_fn((3, d), |(i, j)| (i as f64 - 1.0) * (j as f64 + 0.5) * 1e3);
    let y = s.transform(x.view()).expect("a matrix of the fitted width");
    assert_eq!(y.dim(), (3, d));
    let _ = s.inverse_transform(y.view());
    assert!(s.transform(Array2::zeros((2, d + 1)).view()).is_err());
    let json = serde_json::to_string(s).unwrap();
    let again: FittedScaler = serde_json::from_str(&json).expect("a saved scaler loads back");
    assert_eq!(&again, s);
}

fn valid_schema_json() -> serde_json::Value {
    serde_json::to_value(rich_schema()).unwrap()
}

fn exercise_schema(schema: &Schema) {
    let records = probe_records(schema);
    if let Ok(t) = schema.fit(&records) {
        exercise(&t);
    }
    let _ = schema.record([]);
    let json = serde_json::to_string(schema).unwrap();
    let again: Schema = serde_json::from_str(&json).expect("a saved schema loads back");
    assert_eq!(&again, schema);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(seg_testdata::hostile_cases()))]

    #[test]
    fn hostile_transform_files_error_or_work(text in seg_testdata::hostile_json(valid_transform_json())) {
        if let Ok(t) = Transformer::from_json(&text) {
            exercise(&t);
        }
        // The serde path runs the same checks.
        if let Ok(t) = serde_json::from_str::<Transformer>(&text) {
            exercise(&t);
        }
    }

    #[test]
    fn hostile_web_transform_files_error_or_work(text in seg_testdata::hostile_json(valid_web_transform_json())) {
        if let Ok(t) = Transformer::from_json(&text) {
            exercise(&t);
        }
    }

    #[test]
    fn hostile_schema_files_error_or_work(text in seg_testdata::hostile_json(valid_schema_json())) {
        if let Ok(schema) = serde_json::from_str::<Schema>(&text) {
            exercise_schema(&schema);
        }
    }

    #[test]
    fn hostile_fitted_scaler_files_error_or_work(text in seg_testdata::hostile_json(valid_scaler_json())) {
        if let Ok(s) = serde_json::from_str::<FittedScaler>(&text) {
            exercise_scaler(&s);
        }
    }
}

#[test]
fn a_version_1_file_loads_and_transforms_identically() {
    let path = |name: &str| format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let saved = std::fs::read_to_string(path("transformer_v1.json")).unwrap();
    let t = Transformer::load(path("transformer_v1.json")).unwrap();
    let expected: Vec<Vec<f64>> =
        serde_json::from_str(&std::fs::read_to_string(path("transformer_v1_output.json")).unwrap())
            .unwrap();
    let x = t.transform(&records()).unwrap();
    let got: Vec<Vec<f64>> = x.rows().into_iter().map(|r| r.to_vec()).collect();
    assert_eq!(got, expected);
    // Fitting today gives the same file, byte for byte.
    assert_eq!(
        rich_schema().fit(&records()).unwrap().to_json().unwrap(),
        saved
    );
    assert_eq!(t.to_json().unwrap(), saved);
    exercise(&t);
}

#[test]
fn hand_written_hostile_transforms_are_rejected() {
    let valid = valid_transform_json();
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit); 9] = [
        ("clip bounds reversed", |v| {
            v["fitted"][0]["clip"] = serde_json::json!([2.0, 1.0])
        }),
        ("clip bounds missing for a clipping spec", |v| {
            v["fitted"][0]["clip"] = serde_json::Value::Null
        }),
        ("negative standard deviation", |v| {
            v["fitted"][1]["scale"]["std"] = (-1.0).into()
        }),
        ("a category both kept and folded", |v| {
            v["fitted"][3]["folded"] = serde_json::json!(["chrome"])
        }),
        ("no column at all", |v| {
            v["fitted"][3] = serde_json::json!({"kind": "categorical", "categories": [], "folded": [], "missing": false});
            v["schema"]["fields"][3]["kind"]["categorical"]["unknown"] = "ignore".into();
        }),
        ("negative share", |v| {
            v["fitted"][5]["share_true"] = (-0.5).into()
        }),
        ("zero period", |v| {
            v["schema"]["fields"][4]["kind"]["cyclic"]["period"] = 0.0.into()
        }),
        ("negative subnormal period", |v| {
            v["schema"]["fields"][4]["kind"]["cyclic"]["period"] = (-5e-324).into()
        }),
        ("boolean parameters for a cyclic field", |v| {
            v["fitted"][4] = serde_json::json!({"kind": "boolean", "share_true": 0.5})
        }),
    ];
    for (what, edit) in edits {
        let mut v = valid.clone();
        edit(&mut v);
        let err = Transformer::from_json(&v.to_string()).unwrap_err();
        assert!(
            matches!(
                err,
                FeatureError::InvalidArtifact {
                    artifact: "transform",
                    ..
                }
            ),
            "{what}: {err:?}"
        );
        assert!(
            serde_json::from_str::<Transformer>(&v.to_string()).is_err(),
            "{what}"
        );
    }
}

#[test]
fn an_invalid_saved_schema_is_named_in_the_error() {
    let mut v = valid_transform_json();
    v["schema"]["fields"][1]["name"] = "seconds".into();
    let err = Transformer::from_json(&v.to_string()).unwrap_err();
    assert!(
        err.to_string()
            .contains("invalid transform: schema: field name `seconds` is declared twice"),
        "{err}"
    );
}

#[test]
fn json_errors_keep_their_cause() {
    let err = Transformer::from_json("{\"format\": ").unwrap_err();
    let source = std::error::Error::source(&err).expect("the parser's error");
    assert!(source.to_string().contains("EOF"), "{source}");
}

#[test]
fn a_tiny_period_and_huge_values_encode_without_panicking() {
    let mut v = valid_transform_json();
    v["schema"]["fields"][4]["kind"]["cyclic"]["period"] = 5e-324.into();
    let t = Transformer::from_json(&v.to_string()).unwrap();
    exercise(&t);
    let decoded = t.inverse(&vec![0.5; t.n_features()]).unwrap();
    assert!(matches!(decoded[4].1, Decoded::Number(_)));
}

#[test]
fn save_and_load_go_through_a_file() {
    let dir = std::env::temp_dir().join(format!("seg-features-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("transform.json");
    let t = rich_schema().fit(&records()).unwrap();
    t.save(&path).unwrap();
    assert_eq!(Transformer::load(&path).unwrap(), t);
    assert!(!dir.join("transform.json.tmp").exists());
    std::fs::write(&path, "{").unwrap();
    assert!(matches!(
        Transformer::load(&path),
        Err(FeatureError::Json { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
    match Transformer::load(&path).unwrap_err() {
        FeatureError::Io {
            operation: "read",
            path: p,
            source,
        } => {
            assert_eq!(p, path);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_failed_save_leaves_no_temporary_file() {
    let dir = std::env::temp_dir().join(format!("seg-features-failed-save-{}", std::process::id()));
    // `path` is a non-empty folder: the rename over it fails.
    let path = dir.join("transform.json");
    std::fs::create_dir_all(path.join("occupied")).unwrap();
    let t = rich_schema().fit(&records()).unwrap();
    match t.save(&path).unwrap_err() {
        FeatureError::Io { path: p, .. } => assert_eq!(p, path),
        other => panic!("{other:?}"),
    }
    assert!(!dir.join("transform.json.tmp").exists());
    assert!(path.join("occupied").is_dir());
    std::fs::remove_dir_all(&dir).unwrap();
}
