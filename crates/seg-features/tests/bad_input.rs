//! Bad input gives an error that names the field, row or value; nothing
//! panics.

use ndarray::array;
use seg_features::{
    Categorical, FeatureError, Numeric, Output, Scaler, Schema, Transformer, Value, parse_csv,
    web_visitor_schema,
};

fn small_schema() -> Schema {
    Schema::builder()
        .numeric("pages", Numeric::default())
        .categorical("device", Categorical::new())
        .boolean("returning")
        .build()
        .unwrap()
}

fn good_records() -> Vec<[Value<'static>; 3]> {
    vec![
        [Value::from(1.0), Value::from("mobile"), Value::from(true)],
        [Value::from(4.0), Value::from("desktop"), Value::from(false)],
    ]
}

fn fitted_json() -> String {
    small_schema()
        .fit(&good_records())
        .unwrap()
        .to_json()
        .unwrap()
}

#[test]
fn schema_errors_name_the_field_and_parameter() {
    let dup = Schema::builder()
        .boolean("a")
        .cyclic("a", 24.0)
        .build()
        .unwrap_err();
    assert!(matches!(&dup, FeatureError::DuplicateField { name } if name == "a"));
    assert_eq!(dup.to_string(), "field name `a` is declared twice");
    assert!(matches!(
        Schema::builder().build().unwrap_err(),
        FeatureError::EmptySchema
    ));
    assert!(matches!(
        Schema::builder().boolean("a=b").build(),
        Err(FeatureError::InvalidFieldName { .. })
    ));
    let period = Schema::builder().cyclic("hour", 0.0).build().unwrap_err();
    assert!(
        period
            .to_string()
            .contains("field `hour`: invalid period = 0"),
        "{period}"
    );
    let nan_period = Schema::builder()
        .cyclic("hour", f64::NAN)
        .build()
        .unwrap_err();
    assert!(
        nan_period.to_string().contains("period = NaN"),
        "{nan_period}"
    );
    let quantiles = Schema::builder()
        .numeric("x", Numeric::default().clip_quantiles(0.9, 0.1))
        .build()
        .unwrap_err();
    assert!(
        quantiles
            .to_string()
            .contains("clip_quantiles = [0.9, 0.1]"),
        "{quantiles}"
    );
    let scaler = Schema::builder()
        .numeric("x", Numeric::new(Scaler::Standard))
        .build()
        .unwrap_err();
    assert!(
        scaler.to_string().contains("field `x`: invalid scaler"),
        "{scaler}"
    );
    assert!(
        Schema::builder()
            .numeric("x", Numeric::new(Scaler::Standard))
            .output(Output::Raw)
            .build()
            .is_ok()
    );
    let min_count = Schema::builder()
        .categorical("c", Categorical::new().min_count(0))
        .build()
        .unwrap_err();
    assert!(min_count.to_string().contains("min_count"), "{min_count}");
    let max = Schema::builder()
        .categorical("c", Categorical::new().max_categories(0))
        .build()
        .unwrap_err();
    assert!(max.to_string().contains("max_categories"), "{max}");
}

#[test]
fn unknown_field_names_are_rejected() {
    let schema = small_schema();
    let err = schema
        .record([("brwoser", Value::from("chrome"))])
        .unwrap_err();
    assert_eq!(err.to_string(), "unknown field `brwoser`");
    let twice = schema
        .record([("pages", Value::from(1.0)), ("pages", Value::from(2.0))])
        .unwrap_err();
    assert!(matches!(&twice, FeatureError::DuplicateField { name } if name == "pages"));
    let t = schema.fit(&good_records()).unwrap();
    assert!(matches!(
        t.columns_of("nope"),
        Err(FeatureError::UnknownField { .. })
    ));
}

#[test]
fn empty_and_ragged_input() {
    let schema = small_schema();
    let none: Vec<[Value; 3]> = Vec::new();
    assert!(matches!(
        schema.fit(&none).unwrap_err(),
        FeatureError::EmptyInput
    ));
    let t = schema.fit(&good_records()).unwrap();
    assert!(matches!(
        t.transform(&none).unwrap_err(),
        FeatureError::EmptyInput
    ));
    let ragged = vec![
        vec![Value::from(1.0), Value::from("a"), Value::from(true)],
        vec![Value::from(1.0)],
    ];
    assert!(matches!(
        schema.fit(&ragged).unwrap_err(),
        FeatureError::RecordLength {
            row: 1,
            expected: 3,
            got: 1
        }
    ));
    let mut short = [0.0; 2];
    assert!(matches!(
        t.transform_one(&good_records()[0], &mut short).unwrap_err(),
        FeatureError::LengthMismatch {
            parameter: "out",
            expected: 4,
            got: 2
        }
    ));
    assert!(matches!(
        Scaler::MinMax.fit(ndarray::Array2::<f64>::zeros((0, 3)).view()),
        Err(FeatureError::Shape { .. })
    ));
    let fitted = Scaler::MinMax.fit(array![[1.0, 2.0]].view()).unwrap();
    assert!(matches!(
        fitted.transform(array![[1.0, 2.0, 3.0]].view()),
        Err(FeatureError::Shape { .. })
    ));
}

#[test]
fn wrong_kinds_name_row_and_field() {
    let schema = small_schema();
    let mut records = good_records();
    records[1][1] = Value::from(3.0);
    let err = schema.fit(&records).unwrap_err();
    assert_eq!(
        err.to_string(),
        "row 1, field `device`: expected a text value, got number"
    );
    records[1][1] = Value::from("desktop");
    records[1][2] = Value::from("yes");
    assert!(
        schema
            .fit(&records)
            .unwrap_err()
            .to_string()
            .contains("field `returning`: expected a bool value")
    );
    let t = schema.fit(&good_records()).unwrap();
    let bad = [
        vec![Value::from(1.0), Value::from("a"), Value::from(true)],
        vec![Value::from(true), Value::from("a"), Value::from(true)],
    ];
    assert!(matches!(
        t.transform(&bad).unwrap_err(),
        FeatureError::WrongKind {
            row: 1,
            ref field,
            expected: "number",
            got: "bool"
        } if field == "pages"
    ));
}

#[test]
fn non_finite_numbers_are_rejected_with_their_value() {
    let schema = small_schema();
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut records = good_records();
        records[0][0] = Value::from(bad);
        match schema.fit(&records).unwrap_err() {
            FeatureError::NonFinite {
                row: 0,
                field,
                value,
            } => {
                assert_eq!(field, "pages");
                assert!(value.is_nan() || value == bad);
            }
            other => panic!("{other:?}"),
        }
        let t = schema.fit(&good_records()).unwrap();
        let mut out = [0.0; 4];
        assert!(matches!(
            t.transform_one(&records[0], &mut out),
            Err(FeatureError::NonFinite { .. })
        ));
    }
    let err = Scaler::Robust
        .fit(array![[1.0, 2.0], [3.0, f64::NAN]].view())
        .unwrap_err();
    assert_eq!(err.to_string(), "row 1, column 1: value NaN is not finite");
}

#[test]
fn all_missing_and_reserved_categories() {
    let schema = small_schema();
    let records = [[Value::Missing, Value::from("a"), Value::from(true)]];
    assert!(matches!(
        schema.fit(&records).unwrap_err(),
        FeatureError::AllMissing { ref field } if field == "pages"
    ));
    let reserved = [[Value::from(1.0), Value::from("<other>"), Value::from(true)]];
    assert!(matches!(
        schema.fit(&reserved),
        Err(FeatureError::ReservedCategory { .. })
    ));
}

#[test]
fn truncated_and_hostile_json_gives_errors() {
    let json = fitted_json();
    for cut in [0, 1, json.len() / 3, json.len() / 2, json.len() - 1] {
        let err = Transformer::from_json(&json[..cut]).unwrap_err();
        assert!(
            matches!(
                err,
                FeatureError::Json {
                    artifact: "transform",
                    ..
                }
            ),
            "cut at {cut}: {err:?}"
        );
    }
    let hostile = [
        "null".to_owned(),
        "[]".to_owned(),
        "\"seg-features/transformer\"".to_owned(),
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!("{{\"format\": {}}}", "[".repeat(10_000)),
        r#"{"format": "seg-features/transformer", "format_version": -1}"#.to_owned(),
        r#"{"format": "seg-features/transformer", "format_version": 1e999}"#.to_owned(),
        json.replace("\"fitted\"", "\"fitted\": [], \"extra\""),
    ];
    for text in &hostile {
        assert!(
            Transformer::from_json(text).is_err(),
            "accepted {}",
            &text[..text.len().min(80)]
        );
    }
}

#[test]
fn unknown_format_or_version_is_named() {
    let json = fitted_json();
    let v2 = json.replace("\"format_version\": 1", "\"format_version\": 2");
    let err = Transformer::from_json(&v2).unwrap_err();
    assert!(
        matches!(
            &err,
            FeatureError::UnsupportedFormat { artifact: "transform", found, expected }
                if found == "format \"seg-features/transformer\" version 2"
                    && expected == "format \"seg-features/transformer\" version 1"
        ),
        "{err:?}"
    );
    let other = json.replace("seg-features/transformer", "seg-cluster/model");
    assert_eq!(
        Transformer::from_json(&other).unwrap_err().to_string(),
        "unsupported transform file: found format \"seg-cluster/model\" version 1, \
         this release reads format \"seg-features/transformer\" version 1"
    );
}

#[test]
fn inconsistent_saved_parameters_are_rejected() {
    let json = fitted_json();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    type Mutation = fn(&mut serde_json::Value);
    let mutations: [(&str, Mutation); 7] = [
        ("min above max", |v| {
            v["fitted"][0]["scale"]["min"] = 100.0.into()
        }),
        ("unsorted categories", |v| {
            v["fitted"][1]["categories"] = serde_json::json!(["mobile", "desktop"])
        }),
        ("reserved category", |v| {
            v["fitted"][1]["categories"] = serde_json::json!(["<missing>"])
        }),
        ("share above one", |v| {
            v["fitted"][2]["share_true"] = 2.0.into()
        }),
        ("too few fitted fields", |v| {
            v["fitted"].as_array_mut().unwrap().pop();
        }),
        ("kind mismatch", |v| {
            v["fitted"][2] = serde_json::json!({"kind": "cyclic"})
        }),
        (
            "scaler mismatch",
            |v| {
                v["fitted"][0]["scale"] =
                    serde_json::json!({"scaler": "standard", "mean": 0.0, "std": 1.0})
            },
        ),
    ];
    for (what, mutate) in mutations {
        let mut v = value.clone();
        mutate(&mut v);
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
    }
    // A duplicated field name in the saved schema.
    let mut v = value.clone();
    v["schema"]["fields"][1]["name"] = "pages".into();
    assert!(
        Transformer::from_json(&v.to_string())
            .unwrap_err()
            .to_string()
            .contains("declared twice")
    );
}

#[test]
fn csv_errors_name_the_line_and_field() {
    let schema = small_schema();
    let missing_column = parse_csv("pages,returning\n1,true\n", &schema).unwrap_err();
    assert_eq!(
        missing_column.to_string(),
        "CSV line 1: field `device` of the schema is not a column of the header"
    );
    let bad_number =
        parse_csv("pages,device,returning\n1,a,true\nmany,b,false\n", &schema).unwrap_err();
    assert_eq!(
        bad_number.to_string(),
        "CSV line 3, column 1, field `pages`: cannot read `many` as a finite number"
    );
    let nan = parse_csv("pages,device,returning\nNaN,a,true\n", &schema).unwrap_err();
    assert!(
        matches!(&nan, FeatureError::CsvCell { line: 2, column: 1, cell, .. } if cell == "NaN"),
        "{nan}"
    );
    let boolean = parse_csv("pages,device,returning\n1,a,maybe\n", &schema).unwrap_err();
    assert_eq!(
        boolean.to_string(),
        "CSV line 2, column 3, field `returning`: cannot read `maybe` as a boolean"
    );
    let ragged = parse_csv("pages,device,returning\n1,a\n", &schema).unwrap_err();
    assert_eq!(ragged.to_string(), "CSV line 2: 2 cells, the header has 3");
    // An unterminated quote runs to the end of the text: a short row.
    let quote = parse_csv("pages,device,returning\n1,\"a,true\n", &schema).unwrap_err();
    assert!(
        matches!(
            quote,
            FeatureError::CsvRowLength {
                line: 2,
                expected: 3,
                got: 2
            }
        ),
        "{quote}"
    );
    assert!(matches!(
        parse_csv("", &schema),
        Err(FeatureError::CsvMissingColumn { .. })
    ));
    let quoted = parse_csv(
        "pages,device,returning\n2,\"tv, \"\"smart\"\"\",no\n",
        &schema,
    )
    .unwrap();
    assert_eq!(quoted[0][1], Value::from("tv, \"smart\""));
}

#[test]
fn web_schema_rejects_a_record_in_the_wrong_order() {
    let visitor = seg_features::WebVisitor {
        sessions: 2.0,
        pages_per_session: 3.0,
        avg_session_seconds: 50.0,
        bounce_rate: 0.5,
        device: "mobile",
        browser: "chrome",
        country: "us",
        hour: 20.0,
        weekday: 4.0,
        traffic_source: "search",
        returning: true,
    };
    let mut record = visitor.record();
    record.swap(3, 4);
    let err = web_visitor_schema().fit(&[record]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "row 0, field `bounce_rate`: expected a number value, got text"
    );
}
