//! Fits a schema on the real Online Shoppers Purchasing Intention data
//! (UCI; Sakar et al. 2018, CC BY 4.0): 12,330 sessions, 18 columns.
//!
//! The file lives beside the workspace in `../shared/data/`, or in the
//! folder named by `SEG_DATA_DIR`; the test prints why and returns when it is
//! absent, except under `SEG_REQUIRE_DATA=1` (CI), where its absence fails.

use seg_features::{Categorical, Decoded, Numeric, Scaler, Schema, Unknown, read_csv};

fn shoppers_schema() -> Schema {
    let heavy = Numeric::new(Scaler::MinMax)
        .log1p()
        .clip_quantiles(0.0, 0.99);
    let top = |n| Categorical::new().max_categories(n).unknown(Unknown::Other);
    Schema::builder()
        .numeric("Administrative", heavy)
        .numeric("ProductRelated", heavy)
        .numeric("ProductRelated_Duration", heavy)
        .numeric("BounceRates", Numeric::default())
        .numeric("ExitRates", Numeric::default())
        .numeric("PageValues", heavy)
        .categorical("Month", Categorical::new().unknown(Unknown::Other))
        .categorical("OperatingSystems", top(3))
        .categorical("Region", top(3))
        .categorical("TrafficType", top(4))
        .categorical("VisitorType", Categorical::new().min_count(100))
        .boolean("Weekend")
        .build()
        .expect("valid schema")
}

#[test]
fn online_shoppers_schema_fits_and_transforms() {
    let Some(path) = seg_testdata::data_file("online_shoppers_intention.csv") else {
        return;
    };
    let schema = shoppers_schema();
    let records = read_csv(&path, &schema).expect("readable CSV");
    assert_eq!(records.len(), 12_330);

    let t = schema.fit(&records).expect("fit");
    let names = t.feature_names();
    // 6 numeric + 10 months + <other> + 3 + <other> (OS) + 3 + <other>
    // (region) + 4 + <other> (traffic type) + 2 visitor types + <other>
    // ("Other" has 85 sessions, below min_count) + weekend.
    assert_eq!(names.len(), 6 + 11 + 4 + 4 + 5 + 3 + 1, "{names:?}");
    for expected in [
        "Administrative",
        "Month=June",
        "Month=Nov",
        "Month=<other>",
        "OperatingSystems=2",
        "TrafficType=<other>",
        "VisitorType=Returning_Visitor",
        "VisitorType=New_Visitor",
        "VisitorType=<other>",
        "Weekend",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "missing {expected} in {names:?}"
        );
    }
    assert!(!names.iter().any(|n| n == "VisitorType=Other"));

    let x = t.transform(&records).expect("transform");
    assert_eq!(x.dim(), (12_330, names.len()));
    assert!(x.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
    // Every numeric column spans [0, 1] on the data it was fitted on.
    for (j, name) in names.iter().enumerate().take(6) {
        let col = x.column(j);
        let (lo, hi) = col
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        assert_eq!((lo, hi), (0.0, 1.0), "{name}");
    }
    // One-hot blocks: exactly one hot column per row (no missing values in
    // this file, every category is seen at fit).
    for field in [
        "Month",
        "OperatingSystems",
        "Region",
        "TrafficType",
        "VisitorType",
    ] {
        let cols = t.columns_of(field).expect("field");
        for row in x.rows() {
            let sum: f64 = row.as_slice().expect("contiguous")[cols.clone()]
                .iter()
                .sum();
            assert_eq!(sum, 1.0, "{field}");
        }
    }
    // 23.3% of sessions are on a weekend.
    let weekend = x.column(names.len() - 1).mean().expect("non-empty");
    assert!((weekend - 0.2326).abs() < 1e-3, "{weekend}");

    // The mean row decodes to readable original units.
    let mean = x.mean_axis(ndarray::Axis(0)).expect("non-empty");
    let decoded = t
        .inverse(mean.as_slice().expect("contiguous"))
        .expect("inverse");
    match &decoded[10] {
        ("VisitorType", Decoded::Category { name, share }) => {
            assert_eq!(name, "Returning_Visitor");
            assert!((share - 0.8557).abs() < 1e-3, "{share}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn month_as_a_cyclic_field() {
    let Some(path) = seg_testdata::data_file("online_shoppers_intention.csv") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("readable");
    // Replace month names by their number (Jan = 0) to encode them on the
    // circle: December sits next to February.
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let header = text.lines().next().expect("header");
    let month_col = header
        .split(',')
        .position(|h| h == "Month")
        .expect("Month column");
    let numbered: String = std::iter::once(header.to_owned())
        .chain(text.lines().skip(1).map(|line| {
            let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
            let m = months
                .iter()
                .position(|m| *m == cells[month_col])
                .expect("known month");
            cells[month_col] = m.to_string();
            cells.join(",")
        }))
        .collect::<Vec<_>>()
        .join("\n");
    let schema = Schema::builder()
        .cyclic("Month", 12.0)
        .boolean("Revenue")
        .build()
        .expect("schema");
    let records = seg_features::parse_csv(&numbered, &schema).expect("parse");
    let t = schema.fit(&records).expect("fit");
    assert_eq!(t.feature_names(), ["Month.sin", "Month.cos", "Revenue"]);
    let x = t.transform(&records).expect("transform");
    // November (10) is the busiest month: sin(2π·10/12) = −0.866 → 0.067.
    let november = records
        .iter()
        .position(|r| r[0] == seg_features::Value::from(10.0))
        .expect("a November row");
    assert!((x[[november, 0]] - (1.0 - 3f64.sqrt() / 2.0) / 2.0).abs() < 1e-12);
    // 15.5% of sessions end in a purchase.
    let revenue = x.column(2).mean().expect("non-empty");
    assert!((revenue - 0.1547).abs() < 1e-3, "{revenue}");
}
