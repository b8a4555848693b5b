//! Behaviour of each field kind: folding, unknown policies, missing values,
//! names, inverse and persistence.

use seg_features::{
    Categorical, Decoded, FeatureError, FittedField, Numeric, Output, Scaler, Schema, Transformer,
    Unknown, Value,
};

fn text(s: &str) -> Value<'_> {
    Value::from(s)
}

fn browsers<'a>(names: &[&'a str]) -> Vec<[Value<'a>; 1]> {
    names
        .iter()
        .map(|&s| {
            [if s.is_empty() {
                Value::Missing
            } else {
                text(s)
            }]
        })
        .collect()
}

fn encode(t: &Transformer, record: &[Value<'_>]) -> Result<Vec<f64>, FeatureError> {
    let mut out = vec![f64::NAN; t.n_features()];
    t.transform_one(record, &mut out)?;
    Ok(out)
}

#[test]
fn rare_categories_fold_into_other_and_stay_there() {
    let schema = Schema::builder()
        .categorical("browser", Categorical::new().min_count(2))
        .build()
        .unwrap();
    let data = browsers(&["chrome", "chrome", "safari", "safari", "opera", ""]);
    let t = schema.fit(&data).unwrap();
    assert_eq!(
        t.feature_names(),
        [
            "browser=chrome",
            "browser=safari",
            "browser=<other>",
            "browser=<missing>"
        ]
    );
    assert_eq!(encode(&t, &[text("opera")]).unwrap(), [0.0, 0.0, 1.0, 0.0]);
    assert_eq!(encode(&t, &[Value::Missing]).unwrap(), [0.0, 0.0, 0.0, 1.0]);
    // Unknown under the default Ignore policy: all zeros, even with an
    // <other> column present.
    assert_eq!(encode(&t, &[text("lynx")]).unwrap(), [0.0; 4]);
}

#[test]
fn max_categories_keeps_the_most_frequent_ties_by_name() {
    let schema = Schema::builder()
        .categorical("source", Categorical::new().max_categories(2))
        .build()
        .unwrap();
    let data = browsers(&[
        "paid", "paid", "search", "search", "email", "email", "social",
    ]);
    let t = schema.fit(&data).unwrap();
    // Three sources seen twice: the first two by name are kept.
    assert_eq!(
        t.feature_names(),
        ["source=email", "source=paid", "source=<other>"]
    );
    match &t.fitted()[0] {
        FittedField::Categorical { folded, .. } => assert_eq!(folded, &["search", "social"]),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn unknown_category_policies() {
    let data = browsers(&["a", "b"]);
    let build = |policy| {
        Schema::builder()
            .categorical("c", Categorical::new().unknown(policy))
            .build()
            .unwrap()
            .fit(&data)
            .unwrap()
    };
    let ignore = build(Unknown::Ignore);
    assert_eq!(ignore.n_features(), 2);
    assert_eq!(encode(&ignore, &[text("z")]).unwrap(), [0.0, 0.0]);

    let other = build(Unknown::Other);
    assert_eq!(other.feature_names(), ["c=a", "c=b", "c=<other>"]);
    assert_eq!(encode(&other, &[text("z")]).unwrap(), [0.0, 0.0, 1.0]);
    // Missing not seen at fit is treated as unknown.
    assert_eq!(encode(&other, &[Value::Missing]).unwrap(), [0.0, 0.0, 1.0]);

    let error = build(Unknown::Error);
    let err = encode(&error, &[text("z")]).unwrap_err();
    assert!(
        matches!(
            &err,
            FeatureError::UnknownCategory { row: 0, field, category } if field == "c" && category == "z"
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("unknown category `z`"), "{err}");
}

#[test]
fn numeric_missing_is_imputed_with_the_median_and_flagged() {
    let schema = Schema::builder()
        .numeric("x", Numeric::new(Scaler::MinMax).missing_indicator())
        .build()
        .unwrap();
    let data: Vec<[Value; 1]> = [Some(0.0), Some(1.0), Some(10.0), None]
        .into_iter()
        .map(|v| [v.map_or(Value::Missing, Value::from)])
        .collect();
    let t = schema.fit(&data).unwrap();
    assert_eq!(t.feature_names(), ["x", "x.missing"]);
    match t.fitted()[0] {
        FittedField::Numeric { median, .. } => assert_eq!(median, 1.0),
        ref other => panic!("unexpected {other:?}"),
    }
    let x = t.transform(&data).unwrap();
    assert_eq!(x.row(3).to_vec(), [0.1, 1.0]);
    assert_eq!(x.row(2).to_vec(), [1.0, 0.0]);
}

#[test]
fn log_and_quantile_clipping_tame_heavy_tails() {
    let schema = Schema::builder()
        .numeric(
            "seconds",
            Numeric::new(Scaler::MinMax)
                .log1p()
                .clip_quantiles(0.0, 0.9),
        )
        .build()
        .unwrap();
    let mut data: Vec<[Value; 1]> = (0..100).map(|i| [Value::from(f64::from(i))]).collect();
    data.push([Value::from(1e9)]);
    let t = schema.fit(&data).unwrap();
    let x = t.transform(&data).unwrap();
    // The outlier is clipped to the 90th percentile, so it does not squash
    // the rest of the column towards 0.
    assert_eq!(x[[100, 0]], 1.0);
    assert!(x[[50, 0]] > 0.8, "{}", x[[50, 0]]);
    // Above the clip, every value maps to 1.
    assert_eq!(encode(&t, &[Value::from(5e6)]).unwrap(), [1.0]);
}

#[test]
fn unit_output_clamps_values_outside_the_fitted_range() {
    let schema = Schema::builder()
        .numeric("x", Numeric::default())
        .build()
        .unwrap();
    let t = schema
        .fit(&[[Value::from(0.0)], [Value::from(10.0)]])
        .unwrap();
    assert_eq!(encode(&t, &[Value::from(-5.0)]).unwrap(), [0.0]);
    assert_eq!(encode(&t, &[Value::from(25.0)]).unwrap(), [1.0]);
}

#[test]
fn raw_output_keeps_z_scores_and_rejects_overflow() {
    let schema = Schema::builder()
        .numeric("x", Numeric::new(Scaler::Standard))
        .output(Output::Raw)
        .build()
        .unwrap();
    let t = schema
        .fit(&[[Value::from(-1.0)], [Value::from(1.0)]])
        .unwrap();
    assert_eq!(encode(&t, &[Value::from(3.0)]).unwrap(), [3.0]);
    let tiny = schema
        .fit(&[[Value::from(0.0)], [Value::from(1e-150)]])
        .unwrap();
    assert!(matches!(
        encode(&tiny, &[Value::from(1e300)]),
        Err(FeatureError::NonFinite { .. })
    ));
}

#[test]
fn cyclic_fields_wrap_around_and_invert() {
    let schema = Schema::builder().cyclic("hour", 24.0).build().unwrap();
    let t = schema.fit(&[[Value::from(0.0)]]).unwrap();
    let midnight = encode(&t, &[Value::from(0.0)]).unwrap();
    let also_midnight = encode(&t, &[Value::from(24.0)]).unwrap();
    assert!((midnight[0] - also_midnight[0]).abs() < 1e-15);
    assert!((midnight[1] - also_midnight[1]).abs() < 1e-15);
    assert_eq!(encode(&t, &[Value::Missing]).unwrap(), [0.5, 0.5]);
    for hour in [0.0, 3.5, 13.0, 23.0] {
        let row = encode(&t, &[Value::from(hour)]).unwrap();
        match t.inverse(&row).unwrap()[0].1 {
            Decoded::Number(h) => assert!((h - hour).abs() < 1e-9, "{h} vs {hour}"),
            ref other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn booleans_encode_as_zero_one_and_impute_the_share() {
    let schema = Schema::builder().boolean("returning").build().unwrap();
    let data = [
        [Value::from(true)],
        [Value::from(false)],
        [Value::from(true)],
        [Value::from(true)],
    ];
    let t = schema.fit(&data).unwrap();
    assert_eq!(encode(&t, &[Value::from(false)]).unwrap(), [0.0]);
    assert_eq!(encode(&t, &[Value::Missing]).unwrap(), [0.75]);
}

#[test]
fn inverse_recovers_original_units_of_numeric_fields() {
    let schema = Schema::builder()
        .numeric("seconds", Numeric::new(Scaler::MinMax).log1p())
        .numeric("pages", Numeric::new(Scaler::Robust))
        .categorical("device", Categorical::new())
        .boolean("returning")
        .output(Output::Raw)
        .build()
        .unwrap();
    let data = [
        [
            Value::from(30.0),
            Value::from(2.0),
            text("mobile"),
            Value::from(true),
        ],
        [
            Value::from(600.0),
            Value::from(9.0),
            text("desktop"),
            Value::from(false),
        ],
        [
            Value::from(45.0),
            Value::from(4.0),
            text("mobile"),
            Value::from(true),
        ],
    ];
    let t = schema.fit(&data).unwrap();
    let x = t.transform(&data).unwrap();
    let decoded = t.inverse(x.row(1).as_slice().unwrap()).unwrap();
    assert_eq!(decoded[0].0, "seconds");
    match decoded[0].1 {
        Decoded::Number(v) => assert!((v - 600.0).abs() < 1e-9, "{v}"),
        ref other => panic!("{other:?}"),
    }
    match decoded[1].1 {
        Decoded::Number(v) => assert!((v - 9.0).abs() < 1e-12, "{v}"),
        ref other => panic!("{other:?}"),
    }
    assert_eq!(
        decoded[2].1,
        Decoded::Category {
            name: "desktop".into(),
            share: 1.0
        }
    );
    assert_eq!(decoded[3].1, Decoded::Share(0.0));
    // A centroid: the mean of the rows.
    let centroid = x.mean_axis(ndarray::Axis(0)).unwrap();
    let decoded = t.inverse(centroid.as_slice().unwrap()).unwrap();
    match &decoded[2].1 {
        Decoded::Category { name, share } => {
            assert_eq!(name, "mobile");
            assert!((share - 2.0 / 3.0).abs() < 1e-15);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        t.inverse(&[0.0]),
        Err(FeatureError::LengthMismatch {
            parameter: "row",
            expected: 5,
            got: 1
        })
    ));
}

#[test]
fn save_load_round_trip_is_exact() {
    let schema = Schema::builder()
        .numeric(
            "seconds",
            Numeric::new(Scaler::MinMax)
                .log1p()
                .clip_quantiles(0.01, 0.99)
                .missing_indicator(),
        )
        .categorical(
            "device",
            Categorical::new().min_count(2).unknown(Unknown::Other),
        )
        .cyclic("weekday", 7.0)
        .boolean("returning")
        .build()
        .unwrap();
    let data: Vec<[Value; 4]> = (0..50)
        .map(|i| {
            let f = f64::from(i);
            [
                if i % 7 == 0 {
                    Value::Missing
                } else {
                    Value::from(f.powf(1.7) / 3.0)
                },
                text(["mobile", "desktop", "tablet", "tv"][(i as usize * 7 % 13).min(12) % 4]),
                Value::from(f64::from(i % 7)),
                Value::from(i % 3 == 0),
            ]
        })
        .collect();
    let t = schema.fit(&data).unwrap();
    let json = t.to_json().unwrap();
    assert!(
        json.contains("\"format\": \"seg-features/transformer\""),
        "{json}"
    );
    assert!(json.contains("\"format_version\": 1"));
    let loaded = Transformer::from_json(&json).unwrap();
    assert_eq!(loaded, t);
    assert_eq!(
        loaded.transform(&data).unwrap(),
        t.transform(&data).unwrap()
    );
    let dir = std::env::temp_dir().join(format!("seg-features-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("transform.json");
    t.save(&path).unwrap();
    assert_eq!(Transformer::load(&path).unwrap(), t);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn schemas_round_trip_through_json() {
    let schema = seg_features::web_visitor_schema();
    let json = serde_json::to_string(&schema).unwrap();
    let back: Schema = serde_json::from_str(&json).unwrap();
    assert_eq!(back, schema);
    let hand_written = r#"{"fields": [
        {"name": "hour", "kind": {"cyclic": {"period": 24}}},
        {"name": "returning", "kind": "boolean"},
        {"name": "pages", "kind": {"numeric": {"scaler": "min_max", "log1p": true}}},
        {"name": "device", "kind": {"categorical": {"max_categories": 3, "unknown": "other"}}}
    ]}"#;
    let schema: Schema = serde_json::from_str(hand_written).unwrap();
    assert_eq!(schema.fields().len(), 4);
    assert_eq!(schema.output(), Output::Unit);
}

#[test]
fn extreme_finite_values_stay_finite() {
    let schema = Schema::builder()
        .numeric("x", Numeric::default())
        .build()
        .unwrap();
    let t = schema
        .fit(&[[Value::from(-f64::MAX)], [Value::from(f64::MAX)]])
        .unwrap();
    assert_eq!(encode(&t, &[Value::from(0.0)]).unwrap(), [0.5]);
    assert_eq!(encode(&t, &[Value::from(f64::MAX)]).unwrap(), [1.0]);
    match t.inverse(&[0.75]).unwrap()[0].1 {
        Decoded::Number(v) => assert!((v / (f64::MAX / 2.0) - 1.0).abs() < 1e-15, "{v}"),
        ref other => panic!("{other:?}"),
    }
    let standard = Schema::builder()
        .numeric("x", Numeric::new(Scaler::Standard))
        .output(Output::Raw)
        .build()
        .unwrap();
    let err = standard
        .fit(&[[Value::from(-f64::MAX)], [Value::from(f64::MAX)]])
        .unwrap_err();
    assert!(
        matches!(&err, FeatureError::Overflow { field } if field == "x"),
        "{err:?}"
    );
}
