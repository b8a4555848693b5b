//! The whole flow on real traffic: the Online Shoppers Purchasing Intention
//! data (UCI; Sakar et al. 2018, CC BY 4.0) → features → k-means → quality
//! metrics and the purchase rate per segment.
//!
//! It shows why geometric scores are not the yardstick across feature
//! spaces: four raw, unscaled duration and value columns give a much higher
//! silhouette (about 0.70) than a properly scaled 16-feature space (about
//! 0.23), yet the scaled
//! segments separate purchase rates better (Cramér's V about 0.23 against
//! 0.14).
//!
//! The file lives in `../shared/data/` beside the workspace or in
//! `SEG_DATA_DIR`; without it the test prints why and returns, except under
//! `SEG_REQUIRE_DATA=1` (CI), where its absence fails.

#![cfg(all(feature = "features", feature = "cluster", feature = "validate"))]

use segmentation::cluster::{AutoK, KMeans};
use segmentation::features::{
    Categorical, Numeric, Output, Scaler, Schema, Unknown, Value, parse_csv,
};
use segmentation::ndarray::Array2;
use segmentation::validate::{segment_outcomes, silhouette_score};

fn data_file() -> Option<std::path::PathBuf> {
    seg_testdata::data_file("online_shoppers_intention.csv")
}

/// 16 features in [0, 1]: ten behaviour columns (counts and durations
/// log-scaled and clipped at the 99th percentile), visitor type, weekend and
/// the month on the circle.
fn scaled_schema() -> Schema {
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

/// The CSV with month names replaced by their number (Jan = 0), so that
/// `Month` can be a cyclic field.
fn numbered_months(text: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let header = text.lines().next().unwrap_or_default();
    let Some(column) = header.split(',').position(|h| h == "Month") else {
        return text.to_owned();
    };
    let mut lines = vec![header.to_owned()];
    for line in text.lines().skip(1) {
        let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
        if let Some(m) = MONTHS
            .iter()
            .position(|m| cells.get(column).is_some_and(|c| c == m))
        {
            cells[column] = m.to_string();
        }
        lines.push(cells.join(","));
    }
    lines.join("\n")
}

/// Four raw columns, no scaling: the durations dominate every distance.
fn raw_schema() -> Schema {
    let raw = Numeric::new(Scaler::None);
    Schema::builder()
        .numeric("Administrative_Duration", raw)
        .numeric("Informational_Duration", raw)
        .numeric("ProductRelated_Duration", raw)
        .numeric("PageValues", raw)
        .output(Output::Raw)
        .build()
        .expect("valid schema")
}

fn cluster(x: &Array2<f64>, k: usize) -> Vec<usize> {
    let model = KMeans::params(k)
        .n_init(4)
        .seed(0)
        .fit(x.view())
        .expect("k-means");
    model.labels().to_vec()
}

#[test]
fn scaled_segments_separate_purchases_better_than_raw_ones() {
    let Some(path) = data_file() else { return };
    let text = numbered_months(&std::fs::read_to_string(&path).expect("readable file"));
    let outcome_schema = Schema::builder()
        .boolean("Revenue")
        .build()
        .expect("schema");
    let revenue: Vec<bool> = parse_csv(&text, &outcome_schema)
        .expect("Revenue column")
        .iter()
        .map(|r| r[0] == Value::Bool(true))
        .collect();
    assert_eq!(revenue.len(), 12_330);

    let mut report = Vec::new();
    for (name, schema) in [("raw", raw_schema()), ("scaled", scaled_schema())] {
        let records = parse_csv(&text, &schema).expect("readable CSV");
        let x = schema
            .fit(&records)
            .expect("fit")
            .transform(&records)
            .expect("transform");
        let labels = cluster(&x, 3);
        let silhouette = silhouette_score(x.view(), &labels).expect("silhouette");
        let outcomes = segment_outcomes(&labels, &revenue, 0.95).expect("outcomes");
        eprintln!(
            "{name}: {} features, silhouette {silhouette:.3}, Cramér's V {:.3}, purchase rates {:?}",
            x.ncols(),
            outcomes.cramers_v,
            outcomes
                .segments
                .iter()
                .map(|s| (s.rate * 1000.0).round() / 1000.0)
                .collect::<Vec<_>>()
        );
        report.push((x.ncols(), silhouette, outcomes.cramers_v, outcomes.p_value));
    }
    let (raw, scaled) = (report[0], report[1]);
    assert_eq!((raw.0, scaled.0), (4, 16));
    assert!(
        raw.1 > 0.6 && scaled.1 < 0.45,
        "silhouettes {} and {}",
        raw.1,
        scaled.1
    );
    assert!(
        scaled.2 > raw.2,
        "Cramér's V {} (scaled) vs {} (raw)",
        scaled.2,
        raw.2
    );
    // Both segmentations are related to purchases far beyond chance.
    assert!(raw.3 < 1e-10 && scaled.3 < 1e-10);
}

/// The automatic choice of k on the scaled schema gives segments whose
/// purchase rates differ more (Cramér's V above 0.19) than the naive
/// approach (4 raw columns, k = 3), without using `Revenue` to fit. The
/// example `online_shoppers` prints the whole story.
#[test]
fn automatic_k_separates_purchases_better_than_the_naive_segments() {
    let Some(path) = data_file() else { return };
    let text = numbered_months(&std::fs::read_to_string(&path).expect("readable file"));
    let outcome = Schema::builder()
        .boolean("Revenue")
        .build()
        .expect("schema");
    let revenue: Vec<bool> = parse_csv(&text, &outcome)
        .expect("Revenue column")
        .iter()
        .map(|r| r[0] == Value::Bool(true))
        .collect();

    // Revenue is not among the features.
    let schema = scaled_schema();
    let records = parse_csv(&text, &schema).expect("readable CSV");
    let transformer = schema.fit(&records).expect("fit");
    assert!(
        transformer
            .feature_names()
            .iter()
            .all(|f| !f.contains("Revenue"))
    );
    let x = transformer.transform(&records).expect("transform");
    assert_eq!(x.dim(), (12_330, 16));
    let auto = AutoK::params().seed(0).fit(x.view()).expect("auto k");
    let selection = auto.selection();
    eprintln!("{}", selection.reason);
    assert!(
        selection
            .reason
            .starts_with(&format!("k = {}: ", selection.k))
    );
    assert_eq!(selection.scores.len(), 7);
    let ours = segment_outcomes(auto.model().labels(), &revenue, 0.95).expect("outcomes");

    let raw = raw_schema();
    let raw_records = parse_csv(&text, &raw).expect("readable CSV");
    let xr = raw
        .fit(&raw_records)
        .expect("fit")
        .transform(&raw_records)
        .expect("transform");
    let naive = KMeans::params(3)
        .n_init(4)
        .seed(0)
        .fit(xr.view())
        .expect("k-means");
    let theirs = segment_outcomes(naive.labels(), &revenue, 0.95).expect("outcomes");
    eprintln!(
        "ours: k = {}, V = {:.3}; naive: k = 3, V = {:.3}",
        selection.k, ours.cramers_v, theirs.cramers_v
    );
    assert!(ours.cramers_v > 0.19, "Cramér's V {}", ours.cramers_v);
    assert!(ours.cramers_v > theirs.cramers_v);
    assert!(ours.p_value < 1e-10);
}
