//! `seg profile` on the real Online Shoppers data (UCI; Sakar et al. 2018,
//! CC BY 4.0) reports the Cramér's V of segment × purchase that the
//! `online_shoppers` example reports for the same model: the example's
//! schema and month numbering, `Segmenter` with k in 2..=8 and seed 0,
//! saved and profiled by the tool against `Revenue`.
//!
//! The file lives in `../shared/data/` beside the workspace or in
//! `SEG_DATA_DIR`; without it the test prints why and returns, except under
//! `SEG_REQUIRE_DATA=1` (CI), where its absence fails.

mod common;

use common::seg_json;

/// The `online_shoppers` example's model and V: its schema and its month
/// numbering, written here because the example is a program.
mod online_shoppers {
    use segmentation::features::{Categorical, Numeric, Scaler, Schema, Unknown};

    pub fn scaled_schema() -> Schema {
        let heavy = Numeric::new(Scaler::MinMax)
            .log1p()
            .clip_quantiles(0.0, 0.99);
        let share = Numeric::default();
        Schema::builder()
            .numeric("Administrative", heavy)
            .numeric("Administrative_Duration", heavy)
            .numeric("Informational", heavy)
            .numeric("Informational_Duration", heavy)
            .numeric("ProductRelated", heavy)
            .numeric("ProductRelated_Duration", heavy)
            .numeric("BounceRates", share)
            .numeric("ExitRates", share)
            .numeric("PageValues", heavy)
            .numeric("SpecialDay", share)
            .categorical(
                "VisitorType",
                Categorical::new().min_count(100).unknown(Unknown::Other),
            )
            .boolean("Weekend")
            .cyclic("Month", 12.0)
            .build()
            .expect("valid schema")
    }

    pub fn numbered_months(text: &str) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let header = text.lines().next().unwrap_or_default();
        let column = header
            .split(',')
            .position(|h| h == "Month")
            .expect("a Month column");
        let mut lines = vec![header.to_owned()];
        for line in text.lines().skip(1) {
            let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
            if let Some(m) = MONTHS.iter().position(|m| cells[column] == *m) {
                cells[column] = m.to_string();
            }
            lines.push(cells.join(","));
        }
        lines.join("\n")
    }
}

#[test]
fn online_shoppers_profile_reports_the_examples_cramers_v() {
    use segmentation::features::{Schema, Value, parse_csv};
    use segmentation::pipeline::{Outcome, OutcomeProfile, Segmenter};

    let Some(path) = seg_testdata::data_file("online_shoppers_intention.csv") else {
        return;
    };
    let text = online_shoppers::numbered_months(&std::fs::read_to_string(path).expect("data"));
    // What the example does: fit, save, profile the purchases.
    let records = parse_csv(&text, &online_shoppers::scaled_schema()).expect("records");
    let segmentation = Segmenter::new(online_shoppers::scaled_schema())
        .k_range(2..=8)
        .seed(0)
        .fit(&records)
        .expect("fit");
    let revenue: Vec<bool> = parse_csv(
        &text,
        &Schema::builder()
            .boolean("Revenue")
            .build()
            .expect("schema"),
    )
    .expect("Revenue")
    .iter()
    .map(|r| r[0] == Value::Bool(true))
    .collect();
    let OutcomeProfile::Binary(example) = segmentation
        .profile(&records, &Outcome::Binary(revenue), 0.95)
        .expect("profile")
    else {
        panic!("a binary outcome");
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let data = common::write(dir.path(), "online_shoppers.csv", &text);
    let model = dir.path().join("model.json");
    segmentation.save(&model).expect("save");
    let r = seg_json(&[
        "profile",
        "--model",
        &model.to_string_lossy(),
        "--data",
        &data,
        "--outcome",
        "Revenue",
    ]);
    assert_eq!(r["kind"], "binary");
    assert_eq!(r["n"], 12_330);
    let v = r["cramers_v"].as_f64().expect("V");
    eprintln!(
        "Online Shoppers: seg profile V = {v}, the example's V = {} (k = {})",
        example.cramers_v,
        segmentation.k()
    );
    assert_eq!(
        v, example.cramers_v,
        "the same V as the example, bit for bit"
    );
    assert_eq!(r["p_value"].as_f64(), Some(example.p_value));
    let sizes: Vec<u64> = r["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|s| s["n"].as_u64().expect("n"))
        .collect();
    let want: Vec<u64> = example.segments.iter().map(|s| s.n as u64).collect();
    assert_eq!(sizes, want);
}
