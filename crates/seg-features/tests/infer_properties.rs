//! Schema inference on random CSV files: either an error, or a schema that
//! the checks of `Schema` accept and that reads and fits the same file.

use proptest::prelude::*;
use seg_features::{FeatureError, InferParams, Schema, infer_schema, read_csv};

/// One random column: a name and a generator of its cells.
fn column(rows: usize) -> impl Strategy<Value = (String, Vec<String>)> {
    let name = prop_oneof![
        Just("hour".to_owned()),
        Just("month".to_owned()),
        Just("TrafficType".to_owned()),
        Just("a=b".to_owned()),
        Just(String::new()),
        "[A-Za-z_]{1,8}",
    ];
    let missing = prop_oneof![
        Just(String::new()),
        Just("NA".to_owned()),
        Just("null".to_owned())
    ];
    let cell = prop_oneof![
        4 => (0_i64..30).prop_map(|v| v.to_string()),
        2 => (-1e6..1e6_f64).prop_map(|v| v.to_string()),
        1 => prop_oneof![Just(f64::MAX), Just(-f64::MAX), Just(1e-310)].prop_map(|v| v.to_string()),
        2 => prop_oneof![Just("true"), Just("FALSE"), Just("yes"), Just("no"), Just("0"), Just("1")]
            .prop_map(str::to_owned),
        3 => "[a-c ,\"<>=]{0,4}",
        1 => prop_oneof![Just("<other>"), Just("Feb"), Just("June"), Just("inf")]
            .prop_map(str::to_owned),
        1 => missing,
    ];
    // Columns of one flavour as often as mixed ones.
    let cells = prop_oneof![
        prop::collection::vec(cell.clone(), rows),
        cell.prop_map(move |c| vec![c; rows]),
        prop::collection::vec((0_i64..24).prop_map(|v| v.to_string()), rows),
        prop::collection::vec("[xyz]{1,2}", rows),
    ];
    (name, cells)
}

fn csv_file() -> impl Strategy<Value = Vec<(String, Vec<String>)>> {
    (1_usize..40).prop_flat_map(|rows| prop::collection::vec(column(rows), 1..6))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn an_inferred_schema_is_valid_and_fits_its_file(columns in csv_file(), sample in 1_usize..60) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let mut w = csv::Writer::from_path(&path).unwrap();
        w.write_record(columns.iter().map(|(name, _)| name.as_str())).unwrap();
        for r in 0..columns[0].1.len() {
            w.write_record(columns.iter().map(|(_, cells)| cells[r].as_str())).unwrap();
        }
        w.flush().unwrap();
        drop(w);
        let rows = columns[0].1.len();
        match infer_schema(&path, &InferParams::new().sample(sample)) {
            Ok(inferred) => {
                prop_assert_eq!(inferred.columns.len(), columns.len());
                prop_assert!(inferred.rows_sampled <= sample);
                // The JSON form passes the checks of `Schema` again.
                let json = serde_json::to_string(&inferred.schema).unwrap();
                let back: Schema = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(&back, &inferred.schema);
                if sample >= rows {
                    // Guessed from every row: the schema reads and fits the file.
                    let records = read_csv(&path, &inferred.schema).unwrap();
                    let fitted = inferred.schema.fit(&records);
                    prop_assert!(fitted.is_ok(), "{:?}", fitted.err());
                    let x = fitted.unwrap().transform(&records).unwrap();
                    prop_assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
                }
            }
            Err(FeatureError::NoUsableColumn { columns: guesses }) => {
                prop_assert_eq!(guesses.len(), columns.len());
                prop_assert!(guesses.iter().all(|g| g.guess.kind().is_none()));
            }
            // Rows that the reader skips as blank lines can leave none.
            Err(FeatureError::EmptyInput) => {}
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }
}
