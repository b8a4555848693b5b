//! Reference values from scikit-learn 1.9.1 (`MinMaxScaler`,
//! `StandardScaler`, `RobustScaler`) and NumPy (cyclic encoding), stored in
//! the repository in `testdata/reference/` (see its README); never skipped.

use ndarray::Array2;
use seg_features::{ColumnScale, Output, Scaler, Schema, Value};
use serde_json::Value as Json;

fn matrix(rows: &Json) -> Array2<f64> {
    seg_testdata::matrix(rows)
}

fn vector(v: &Json) -> Vec<f64> {
    seg_testdata::f64s(v)
}

fn read_iris_features() -> Array2<f64> {
    seg_testdata::iris().x
}

/// Relative difference with an absolute floor of 1 for values near zero,
/// where a relative error is meaningless (scikit-learn's `x·s + m` form of
/// MinMax leaves rounding noise of 1e-17 where the exact value is 0).
fn close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs().max(1.0)
}

fn assert_all_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(close(*g, *w, tol), "{what}[{i}]: got {g:e}, want {w:e}");
    }
}

fn params(scale: &ColumnScale) -> [f64; 2] {
    match *scale {
        ColumnScale::MinMax { min, max } => [min, max],
        ColumnScale::Standard { mean, std } => [mean, std],
        ColumnScale::Robust { median, iqr } => [median, iqr],
        ColumnScale::None => [0.0, 1.0],
    }
}

fn check_scaler(x: &Array2<f64>, expected: &Json, scaler: Scaler, rows_key: &str, what: &str) {
    let fitted = scaler.fit(x.view()).expect("fit");
    let (a, b): (Vec<f64>, Vec<f64>) = fitted
        .columns()
        .iter()
        .map(|c| {
            let [a, b] = params(c);
            (a, b)
        })
        .unzip();
    match scaler {
        Scaler::MinMax => {
            assert_all_close(&a, &vector(&expected["data_min"]), 1e-12, what);
            assert_all_close(&b, &vector(&expected["data_max"]), 1e-12, what);
        }
        Scaler::Standard => {
            assert_all_close(&a, &vector(&expected["mean"]), 1e-12, what);
            // scikit-learn's `scale_` replaces a zero std by 1; ours keeps the
            // fitted std and applies that rule when scaling.
            let var: Vec<f64> = b.iter().map(|s| s * s).collect();
            assert_all_close(&var, &vector(&expected["var"]), 1e-12, what);
        }
        Scaler::Robust => {
            assert_all_close(&a, &vector(&expected["center"]), 1e-12, what);
            let scale: Vec<f64> = b.iter().map(|&s| if s == 0.0 { 1.0 } else { s }).collect();
            assert_all_close(&scale, &vector(&expected["scale"]), 1e-12, what);
        }
        Scaler::None => unreachable!(),
    }
    let want = matrix(&expected[rows_key]);
    let got = fitted.transform(x.view()).expect("transform");
    let got: Vec<f64> = got
        .rows()
        .into_iter()
        .take(want.nrows())
        .flatten()
        .copied()
        .collect();
    assert_all_close(&got, &want.iter().copied().collect::<Vec<_>>(), 1e-12, what);
    let back = fitted
        .inverse_transform(fitted.transform(x.view()).expect("transform").view())
        .expect("inverse");
    assert_all_close(
        &back.iter().copied().collect::<Vec<_>>(),
        &x.iter().copied().collect::<Vec<_>>(),
        1e-12,
        what,
    );
}

#[test]
fn scalers_match_scikit_learn_on_iris() {
    let reference = seg_testdata::reference("scaling.json");
    let iris = &reference["datasets"]["iris"];
    let x = read_iris_features();
    assert_eq!(x.nrows(), iris["n_samples"].as_u64().expect("n") as usize);
    check_scaler(
        &x,
        &iris["minmax"],
        Scaler::MinMax,
        "first_rows",
        "iris minmax",
    );
    check_scaler(
        &x,
        &iris["standard"],
        Scaler::Standard,
        "first_rows",
        "iris standard",
    );
    check_scaler(
        &x,
        &iris["robust"],
        Scaler::Robust,
        "first_rows",
        "iris robust",
    );
}

#[test]
fn constant_columns_scale_to_zero_as_in_scikit_learn() {
    let reference = seg_testdata::reference("scaling.json");
    let cases = reference["edge_cases"].as_array().expect("edge cases");
    assert!(!cases.is_empty());
    for case in cases {
        let x = matrix(&case["X"]);
        let name = case["name"].as_str().expect("name");
        check_scaler(&x, &case["minmax"], Scaler::MinMax, "all_rows", name);
        check_scaler(&x, &case["standard"], Scaler::Standard, "all_rows", name);
        check_scaler(&x, &case["robust"], Scaler::Robust, "all_rows", name);
    }
}

#[test]
fn schema_numeric_fields_match_the_matrix_scalers() {
    // The same iris columns through a schema (one numeric field per column)
    // give the matrix scaler's numbers, bit for bit.
    let x = read_iris_features();
    for scaler in [Scaler::MinMax, Scaler::Standard, Scaler::Robust] {
        let mut builder = Schema::builder().output(Output::Raw);
        for j in 0..4 {
            builder = builder.numeric(format!("c{j}"), seg_features::Numeric::new(scaler));
        }
        let schema = builder.build().expect("schema");
        let records: Vec<Vec<Value>> = x
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|&v| Value::from(v)).collect())
            .collect();
        let via_schema = schema
            .fit(&records)
            .expect("fit")
            .transform(&records)
            .expect("transform");
        let direct = scaler
            .fit(x.view())
            .expect("fit")
            .transform(x.view())
            .expect("transform");
        assert_eq!(via_schema, direct, "{scaler:?}");
    }
}

#[test]
fn cyclic_encoding_matches_reference_angles() {
    let reference = seg_testdata::reference("cyclic_encoding.json");
    let mut checked = 0;
    for key in ["hour_of_day", "day_of_week"] {
        let section = &reference[key];
        let period = section["period"].as_f64().expect("period");
        let schema = Schema::builder()
            .cyclic("t", period)
            .output(Output::Raw)
            .build()
            .expect("schema");
        let rows = section["rows"].as_array().expect("rows");
        let records: Vec<[Value; 1]> = rows
            .iter()
            .map(|r| [Value::from(r["value"].as_f64().expect("value"))])
            .collect();
        let out = schema
            .fit(&records)
            .expect("fit")
            .transform(&records)
            .expect("transform");
        for (row, got) in rows.iter().zip(out.rows()) {
            let (sin, cos) = (
                row["sin"].as_f64().expect("sin"),
                row["cos"].as_f64().expect("cos"),
            );
            assert!(
                (got[0] - sin).abs() <= 1e-15,
                "{}: sin {} vs {sin}",
                row["id"],
                got[0]
            );
            assert!(
                (got[1] - cos).abs() <= 1e-15,
                "{}: cos {} vs {cos}",
                row["id"],
                got[1]
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} reference rows");
}
