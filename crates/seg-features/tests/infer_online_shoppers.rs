//! Schema inference on the real Online Shoppers Purchasing Intention data
//! (UCI; Sakar et al. 2018, CC BY 4.0): 12,330 sessions, 18 columns.
//!
//! The file lives beside the workspace in `../shared/data/`, or in the
//! folder named by `SEG_DATA_DIR`; the test prints why and returns when it is
//! absent, except under `SEG_REQUIRE_DATA=1` (CI), where its absence fails.

use seg_features::{Exclusion, FieldKind, Guess, InferParams, infer_schema, read_csv};

#[test]
fn online_shoppers_guesses_match_the_documented_columns() {
    let Some(path) = seg_testdata::data_file("online_shoppers_intention.csv") else {
        return;
    };
    let inferred = infer_schema(&path, &InferParams::new().exclude(["Revenue"])).expect("inferred");
    assert_eq!(inferred.rows_read, 12_330);
    assert_eq!(inferred.rows_sampled, 10_000);
    let guess = |column: &str| {
        inferred
            .columns
            .iter()
            .find(|c| c.column == column)
            .unwrap_or_else(|| panic!("no guess for {column}"))
    };
    let numeric = |column: &str| match &guess(column).guess {
        Guess::Field(FieldKind::Numeric(spec)) => *spec,
        other => panic!("{column}: {other:?}"),
    };
    // Durations and counts with a heavy right tail: logged.
    for column in [
        "Administrative",
        "Administrative_Duration",
        "Informational_Duration",
        "ProductRelated",
        "ProductRelated_Duration",
        "PageValues",
    ] {
        assert!(
            numeric(column).uses_log1p(),
            "{column}: {}",
            guess(column).reason
        );
    }
    // Rates in [0, 1]: not logged, the tail clipped.
    for column in ["BounceRates", "ExitRates"] {
        let spec = numeric(column);
        assert!(
            !spec.uses_log1p() && spec.quantiles() == Some([0.0, 0.99]),
            "{column}"
        );
    }
    // Month names, integer codes named like categories and visitor types.
    for column in [
        "Month",
        "OperatingSystems",
        "Browser",
        "Region",
        "TrafficType",
        "VisitorType",
    ] {
        assert_eq!(guess(column).guess.name(), "categorical", "{column}");
    }
    assert!(guess("Month").reason.starts_with("month names"));
    assert_eq!(guess("Weekend").guess, Guess::Field(FieldKind::Boolean));
    assert_eq!(
        guess("Revenue").guess,
        Guess::Excluded(Exclusion::Requested)
    );

    // Without the exclusion the outcome is a flag like any other.
    let all = infer_schema(&path, &InferParams::new().sample(2_000)).expect("inferred");
    let revenue = all
        .columns
        .iter()
        .find(|c| c.column == "Revenue")
        .expect("Revenue");
    assert_eq!(revenue.guess, Guess::Field(FieldKind::Boolean));

    // The schema reads and fits the whole file, and round-trips as JSON.
    let records = read_csv(&path, &inferred.schema).expect("readable with the schema");
    assert_eq!(records.len(), 12_330);
    let t = inferred.schema.fit(&records).expect("fit");
    let x = t.transform(&records).expect("transform");
    assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
    let json = serde_json::to_string(&inferred.schema).expect("json");
    let back: seg_features::Schema = serde_json::from_str(&json).expect("reloaded");
    assert_eq!(back, inferred.schema);
}
