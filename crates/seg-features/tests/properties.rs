//! Invariants on arbitrary input (proptest).

use ndarray::Array2;
use proptest::prelude::*;
use seg_features::{Categorical, Numeric, Scaler, Schema, Transformer, Unknown, Value};

fn unit_schema() -> Schema {
    Schema::builder()
        .numeric(
            "heavy",
            Numeric::new(Scaler::MinMax)
                .log1p()
                .clip_quantiles(0.05, 0.95),
        )
        .numeric("plain", Numeric::new(Scaler::MinMax).missing_indicator())
        .categorical(
            "device",
            Categorical::new().min_count(2).unknown(Unknown::Other),
        )
        .categorical("browser", Categorical::new().max_categories(2))
        .cyclic("hour", 24.0)
        .boolean("returning")
        .build()
        .expect("valid schema")
}

/// Any finite double, from subnormals to ±1.8e308.
fn finite() -> impl Strategy<Value = f64> {
    prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO
}

fn number() -> impl Strategy<Value = Value<'static>> {
    prop_oneof![4 => finite().prop_map(Value::from), 2 => (-1e3..1e3f64).prop_map(Value::from), 1 => Just(Value::Missing)]
}

fn category() -> impl Strategy<Value = Value<'static>> {
    prop_oneof![
        4 => prop::sample::select(vec!["mobile", "desktop", "tablet", "tv", "watch"]).prop_map(Value::from),
        1 => Just(Value::Missing),
    ]
}

fn flag() -> impl Strategy<Value = Value<'static>> {
    prop_oneof![4 => any::<bool>().prop_map(Value::from), 1 => Just(Value::Missing)]
}

fn record() -> impl Strategy<Value = Vec<Value<'static>>> {
    (number(), number(), category(), category(), finite(), flag())
        .prop_map(|(a, b, c, d, h, r)| vec![a, b, c, d, Value::from(h), r])
}

fn records() -> impl Strategy<Value = Vec<Vec<Value<'static>>>> {
    // The first record has every numeric and boolean field present, so that
    // nothing is missing entirely.
    let anchor = (finite(), finite(), any::<bool>()).prop_map(|(a, b, r)| {
        vec![
            Value::from(a),
            Value::from(b),
            Value::from("mobile"),
            Value::from("desktop"),
            Value::from(0.0),
            Value::from(r),
        ]
    });
    (anchor, prop::collection::vec(record(), 0..40)).prop_map(|(first, mut rest)| {
        rest.insert(0, first);
        rest
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn unit_output_is_finite_and_in_unit_interval(fit_on in records(), apply_to in prop::collection::vec(record(), 1..40)) {
        let t = unit_schema().fit(&fit_on).unwrap();
        for x in [t.transform(&fit_on).unwrap(), t.transform(&apply_to).unwrap()] {
            prop_assert_eq!(x.ncols(), t.n_features());
            prop_assert!(x.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)), "{:?}", x);
        }
    }

    #[test]
    fn save_load_transform_is_identical(fit_on in records(), apply_to in prop::collection::vec(record(), 1..20)) {
        let t = unit_schema().fit(&fit_on).unwrap();
        let loaded = Transformer::from_json(&t.to_json().unwrap()).unwrap();
        prop_assert_eq!(&loaded, &t);
        let a = t.transform(&apply_to).unwrap();
        let b = loaded.transform(&apply_to).unwrap();
        prop_assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    }

    #[test]
    fn transform_one_equals_the_batch_row(fit_on in records(), apply_to in prop::collection::vec(record(), 1..20)) {
        let t = unit_schema().fit(&fit_on).unwrap();
        let batch = t.transform(&apply_to).unwrap();
        let mut out = vec![0.0; t.n_features()];
        for (record, row) in apply_to.iter().zip(batch.rows()) {
            t.transform_one(record, &mut out).unwrap();
            prop_assert_eq!(row.to_vec(), out.clone());
        }
    }

    #[test]
    fn one_hot_blocks_have_at_most_one_hot_column(fit_on in records(), apply_to in prop::collection::vec(record(), 1..20)) {
        let t = unit_schema().fit(&fit_on).unwrap();
        let x = t.transform(&apply_to).unwrap();
        for field in ["device", "browser"] {
            let cols = t.columns_of(field).unwrap();
            for row in x.rows() {
                let block = &row.as_slice().unwrap()[cols.clone()];
                prop_assert!(block.iter().all(|v| *v == 0.0 || *v == 1.0));
                prop_assert!(block.iter().sum::<f64>() <= 1.0);
            }
        }
    }

    #[test]
    fn minmax_maps_fitted_data_into_unit_interval_and_inverts(
        rows in 1usize..30, cols in 1usize..5, seed in prop::collection::vec(-1e6..1e6f64, 150)
    ) {
        let x = Array2::from_shape_fn((rows, cols), |(i, j)| seed[(i * cols + j) % seed.len()]);
        for scaler in [Scaler::MinMax, Scaler::Standard, Scaler::Robust] {
            let fitted = scaler.fit(x.view()).unwrap();
            let y = fitted.transform(x.view()).unwrap();
            prop_assert!(y.iter().all(|v| v.is_finite()));
            if scaler == Scaler::MinMax {
                prop_assert!(y.iter().all(|v| (0.0..=1.0).contains(v)));
            }
            let back = fitted.inverse_transform(y.view()).unwrap();
            for (a, b) in back.iter().zip(&x) {
                prop_assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{:?}: {} vs {}", scaler, a, b);
            }
        }
    }

    #[test]
    fn fitted_feature_names_match_the_width(fit_on in records()) {
        let t = unit_schema().fit(&fit_on).unwrap();
        let names = t.feature_names();
        prop_assert_eq!(names.len(), t.n_features());
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        prop_assert_eq!(unique.len(), names.len());
    }
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Schema>();
    check::<Transformer>();
    check::<Value<'static>>();
    check::<seg_features::FeatureError>();
    check::<seg_features::FittedScaler>();
    check::<seg_features::CsvReader<std::fs::File>>();
    check::<seg_features::CsvRecords<std::fs::File>>();
}
