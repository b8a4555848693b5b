//! The functions over raw records equal the library: `seg_segment` is
//! `Segmentation::assign`, `seg_drift` is the library's drift report,
//! `seg_outcome` the moments of each cell, in one partition or several.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::{context, register_partitioned, relative};
use datafusion::arrow::array::{
    ArrayRef, AsArray, BooleanArray, Float64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema, UInt32Type};
use datafusion::prelude::SessionContext;
use rand::{RngExt, SeedableRng};
use seg_datasets::{Drift, TrafficSimulator};
use seg_features::{Value, web_visitor_schema};
use segmentation::pipeline::{RecordDrift, Segmentation, Segmenter, Window};

type Record = [Value<'static>; 11];

fn visitors(sim: TrafficSimulator, seed: u64, n: usize) -> Vec<Record> {
    sim.seed(seed)
        .simulate(n)
        .expect("simulate")
        .iter()
        .map(|v| v.record())
        .collect()
}

fn fitted(dir: &std::path::Path) -> (Segmentation, String) {
    let records = visitors(TrafficSimulator::default_segments(), 1, 5_000);
    let s = Segmenter::new(web_visitor_schema())
        .k_range(2..=6)
        .seed(3)
        .created_at(1_700_000_000)
        .fit(&records)
        .expect("fit");
    let path = dir.join("segmentation.json");
    s.save(&path).expect("save");
    (s, path.display().to_string())
}

/// The records with a variant (alternating), a seeded conversion and a
/// revenue, as one batch.
fn visits(records: &[Record], seed: u64) -> RecordBatch {
    let base = seg_datafusion::record_batch(&web_visitor_schema(), records).expect("batch");
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let n = records.len();
    let variant: StringArray = (0..n)
        .map(|i| Some(if i % 2 == 0 { "control" } else { "treatment" }))
        .collect();
    let converted: BooleanArray = (0..n).map(|_| Some(rng.random::<f64>() < 0.1)).collect();
    let revenue: Float64Array = (0..n).map(|_| Some(rng.random::<f64>() * 100.0)).collect();
    let mut fields: Vec<Field> = base
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.extend([
        Field::new("variant", DataType::Utf8, false),
        Field::new("converted", DataType::Boolean, false),
        Field::new("revenue", DataType::Float64, false),
    ]);
    let mut columns: Vec<ArrayRef> = base.columns().to_vec();
    columns.extend([
        Arc::new(variant) as ArrayRef,
        Arc::new(converted),
        Arc::new(revenue),
    ]);
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("visits")
}

fn field_list() -> String {
    web_visitor_schema()
        .fields()
        .iter()
        .map(|f| format!("\"{}\"", f.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn rows(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    ctx.sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn seg_segment_is_the_library_assignment() {
    let dir = tempfile::tempdir().unwrap();
    let (s, path) = fitted(dir.path());
    let records = visitors(TrafficSimulator::default_segments(), 2, 20_000);
    let expected = s.assign(&records).unwrap();
    let all = visits(&records, 1);
    for partitions in [1, 4] {
        let ctx = context(partitions);
        register_partitioned(&ctx, "visits", &all, partitions);
        // The row order is kept by a plain projection of a memory table.
        let batches = rows(
            &ctx,
            &format!(
                "SELECT seg_segment('{path}', {}) AS segment FROM visits",
                field_list()
            ),
        )
        .await;
        let got: Vec<usize> = batches
            .iter()
            .flat_map(|b| b.column(0).as_primitive::<UInt32Type>().values().to_vec())
            .map(|c| c as usize)
            .collect();
        assert_eq!(got, expected, "{partitions} partitions");
    }
}

fn report(batches: &[RecordBatch]) -> serde_json::Value {
    serde_json::from_str(batches[0].column(0).as_string::<i32>().value(0)).unwrap()
}

#[tokio::test]
async fn seg_drift_is_the_library_report() {
    let dir = tempfile::tempdir().unwrap();
    let (s, path) = fitted(dir.path());
    let sim =
        TrafficSimulator::default_segments().drift(Drift::new().new_traffic_source("tiktok", 0.1));
    let records = visitors(sim, 4, 12_000);
    let batch: RecordDrift = s.drift(&records).unwrap();
    let mut monitor = s
        .monitor(Window::Tumbling {
            size: records.len(),
        })
        .unwrap();
    records.iter().for_each(|r| monitor.push(r).unwrap());
    let streamed = serde_json::to_value(monitor.report().unwrap()).unwrap();
    let batch_json = serde_json::to_value(&batch).unwrap();
    let all = visits(&records, 2);
    for partitions in [1, 3] {
        let ctx = context(partitions);
        register_partitioned(&ctx, "visits", &all, partitions);
        let got = report(
            &rows(
                &ctx,
                &format!("SELECT seg_drift('{path}', {}) FROM visits", field_list()),
            )
            .await,
        );
        if partitions == 1 {
            assert_eq!(
                got, streamed,
                "one partition: the monitor's report, bit for bit"
            );
        }
        // The library's batch report: the same fields, PSIs, p-values and
        // verdict (without its Kolmogorov-Smirnov tests).
        assert_eq!(
            got["fields"], batch_json["fields"],
            "{partitions} partitions"
        );
        for key in ["score", "level"] {
            assert_eq!(got[key], batch_json[key], "{key}, {partitions} partitions");
        }
        let (g, b) = (
            &got["segments"]["report"],
            &batch_json["segments"]["report"],
        );
        for key in [
            "assignment_psi",
            "assignment_p_value",
            "distance_psi",
            "segment_shares",
            "level",
            "n",
        ] {
            assert_eq!(g[key], b[key], "{key}, {partitions} partitions");
        }
        assert!(
            relative(
                g["distance_ratio"].as_f64().unwrap(),
                b["distance_ratio"].as_f64().unwrap()
            ) < 1e-12
        );
        for (gf, bf) in g["features"]
            .as_array()
            .unwrap()
            .iter()
            .zip(b["features"].as_array().unwrap())
        {
            for key in ["psi", "expected_psi", "p_value", "significant"] {
                assert_eq!(gf[key], bf[key], "{key}");
            }
            assert!(gf["ks_p_value"].is_null() && !bf["ks_p_value"].is_null());
        }
        assert!(
            got["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["new_categories"][0]["value"] == "tiktok")
        );
    }
    // No rows: NULL, not an error.
    let ctx = context(1);
    register_partitioned(&ctx, "visits", &all, 1);
    let empty = rows(
        &ctx,
        &format!(
            "SELECT seg_drift('{path}', {}) FROM visits WHERE false",
            field_list()
        ),
    )
    .await;
    assert!(empty[0].column(0).is_null(0));
}

#[tokio::test]
async fn seg_outcome_gives_each_cell_its_moments() {
    let dir = tempfile::tempdir().unwrap();
    let (s, path) = fitted(dir.path());
    let records = visitors(TrafficSimulator::default_segments(), 5, 10_000);
    let segments = s.assign(&records).unwrap();
    let all = visits(&records, 3);
    let converted = all
        .column_by_name("converted")
        .unwrap()
        .as_boolean()
        .clone();
    let revenue = all
        .column_by_name("revenue")
        .unwrap()
        .as_primitive::<Float64Type>()
        .clone();
    for partitions in [1, 4] {
        let ctx = context(partitions);
        register_partitioned(&ctx, "visits", &all, partitions);
        for (column, binary) in [("converted", true), ("revenue", false)] {
            let sql = format!(
                "SELECT seg_segment('{path}', {}) AS segment, variant, seg_outcome({column}) AS outcome FROM visits GROUP BY 1, 2",
                field_list()
            );
            let cells = seg_datafusion::OutcomeCell::from_batches(&rows(&ctx, &sql).await).unwrap();
            assert_eq!(cells.len(), s.k() * 2);
            for cell in &cells {
                let ys: Vec<f64> = (0..records.len())
                    .filter(|&i| {
                        segments[i].to_string() == cell.segment
                            && (if i % 2 == 0 { "control" } else { "treatment" }) == cell.variant
                    })
                    .map(|i| {
                        if binary {
                            f64::from(u8::from(converted.value(i)))
                        } else {
                            revenue.value(i)
                        }
                    })
                    .collect();
                let n = ys.len() as f64;
                let mean = ys.iter().sum::<f64>() / n;
                let variance = ys.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0);
                assert_eq!(cell.n, ys.len() as u64);
                assert_eq!(cell.binary, binary);
                assert!(relative(cell.sum, ys.iter().sum()) < 1e-12);
                assert!(
                    relative(cell.mean.unwrap(), mean) < 1e-12,
                    "{cell:?} vs {mean}"
                );
                assert!(
                    relative(cell.variance.unwrap(), variance) < 1e-12,
                    "{cell:?} vs {variance}"
                );
                if binary {
                    let b = cell.to_bandit_batch(1_700_000_000).unwrap();
                    assert_eq!(b.successes() + b.failures(), cell.n);
                    assert_eq!(b.successes() as f64, cell.sum);
                } else {
                    assert!(cell.to_bandit_batch(0).is_err());
                }
            }
            let counts =
                seg_datafusion::OutcomeCell::counts(&cells, "0", &["control", "treatment"]);
            assert_eq!(
                counts.iter().sum::<u64>(),
                segments.iter().filter(|&&c| c == 0).count() as u64
            );
        }
    }
}

#[tokio::test]
async fn seg_uniform_does_not_depend_on_partitioning() {
    let x = common::blobs(50_000, 2, 3, 21);
    let mut means = Vec::new();
    let mut first: Option<Vec<f64>> = None;
    for partitions in [1, 5] {
        let ctx = context(partitions);
        common::register_rows(&ctx, "t", &x, partitions);
        let batches = rows(&ctx, "SELECT seg_uniform(9, x0, x1) AS u FROM t").await;
        let u: Vec<f64> = batches
            .iter()
            .flat_map(|b| b.column(0).as_primitive::<Float64Type>().values().to_vec())
            .collect();
        assert!(u.iter().all(|v| (0.0..1.0).contains(v)));
        means.push(u.iter().sum::<f64>() / u.len() as f64);
        match &first {
            None => first = Some(u),
            Some(f) => assert_eq!(f, &u),
        }
    }
    // 50,000 uniforms: the mean's standard error is 0.0013.
    assert!((means[0] - 0.5).abs() < 0.005, "{means:?}");
}

#[tokio::test]
async fn record_functions_explain_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = fitted(dir.path());
    let records = visitors(TrafficSimulator::default_segments(), 6, 100);
    let ctx = context(1);
    register_partitioned(&ctx, "visits", &visits(&records, 4), 1);
    let fields = field_list();
    let without_first = fields.split_once(", ").unwrap().1.to_string();
    for (sql, needle) in [
        (
            format!("SELECT seg_segment('{path}', {without_first}) FROM visits"),
            "with no column of that name",
        ),
        (
            format!("SELECT seg_segment('{path}', {fields}, variant) FROM visits"),
            "are not fields of the model's schema",
        ),
        (
            format!("SELECT seg_segment('/no/such/model.json', {fields}) FROM visits"),
            "cannot read the model",
        ),
        (
            format!(
                "SELECT seg_drift('{}', {fields}) FROM visits",
                dir.path().join("missing.json").display()
            ),
            "cannot read the model",
        ),
    ] {
        let result = match ctx.sql(&sql).await {
            Ok(df) => df.collect().await.map(|_| ()),
            Err(e) => Err(e),
        };
        let message = result.expect_err(&sql).to_string();
        assert!(message.contains(needle), "{sql}: {message}");
    }
    // A file that is not a model.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"format\": 1}").unwrap();
    let sql = format!(
        "SELECT seg_segment('{}', {fields}) FROM visits",
        junk.display()
    );
    let message = ctx
        .sql(&sql)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err()
        .to_string();
    assert!(message.contains("cannot load the model"), "{message}");
}
