//! `seg segment`, `seg assign`, `seg drift` and `seg demo` through the
//! built binary, on the traffic simulator's visitors: the contract's keys,
//! agreement with the library (streamed assign and drift equal the batch
//! results), reproducibility for a seed, and the SVG plot.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{seg_json, seg_path};
use segmentation::datasets::TrafficSimulator;
use segmentation::features::{Value, WEB_VISITOR_FIELDS, web_visitor_schema};
use segmentation::pipeline::Segmentation;
use serde_json::Value as Json;

/// Writes simulated visitors as CSV (header = the web-visitor fields).
fn visitors_csv(path: &Path, sim: &TrafficSimulator, n: usize) -> Vec<[Value<'static>; 11]> {
    let records: Vec<_> = sim
        .simulate(n)
        .expect("simulate")
        .iter()
        .map(|v| v.record())
        .collect();
    let mut w = csv::Writer::from_path(path).expect("create csv");
    w.write_record(WEB_VISITOR_FIELDS).expect("header");
    for r in &records {
        let cells: Vec<String> = r
            .iter()
            .map(|v| match v {
                Value::Missing => String::new(),
                Value::Number(x) => format!("{x:?}"),
                Value::Text(t) => t.to_string(),
                Value::Bool(b) => b.to_string(),
            })
            .collect();
        w.write_record(&cells).expect("row");
    }
    w.flush().expect("flush");
    records
}

fn keys(v: &Json) -> BTreeSet<&str> {
    v.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn read_labels(path: &Path) -> Vec<usize> {
    let text = std::fs::read_to_string(path).expect("labels");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("label"));
    lines.map(|l| l.parse().expect("a label")).collect()
}

struct Trained {
    dir: tempfile::TempDir,
    data: String,
    model: String,
    labels: String,
    report: Json,
    records: Vec<[Value<'static>; 11]>,
}

fn train(seed: u64) -> Trained {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_path = dir.path().join("visitors.csv");
    let records = visitors_csv(
        &data_path,
        &TrafficSimulator::default_segments().seed(3),
        3_000,
    );
    let schema = dir.path().join("schema.json");
    std::fs::write(
        &schema,
        serde_json::to_string(&web_visitor_schema()).expect("schema json"),
    )
    .expect("write");
    let model = dir.path().join("model.json").to_string_lossy().into_owned();
    let labels = dir.path().join("labels.csv").to_string_lossy().into_owned();
    let data = data_path.to_string_lossy().into_owned();
    let report = seg_json(&[
        "segment",
        "--data",
        &data,
        "--schema",
        &schema.to_string_lossy(),
        "--k-min",
        "2",
        "--k-max",
        "6",
        "--seed",
        &seed.to_string(),
        "--model-out",
        &model,
        "--labels-out",
        &labels,
    ]);
    Trained {
        dir,
        data,
        model,
        labels,
        report,
        records,
    }
}

#[test]
fn segment_reports_the_contract_keys_and_saves_a_loadable_model() {
    let t = train(0);
    let r = &t.report;
    assert_eq!(
        keys(r),
        BTreeSet::from([
            "k",
            "scores",
            "reason",
            "sizes",
            "quality",
            "model_version",
            "segments"
        ])
    );
    let k = r["k"].as_u64().expect("k") as usize;
    assert!((2..=6).contains(&k));
    let scores = r["scores"].as_array().expect("scores");
    assert_eq!(
        scores
            .iter()
            .filter_map(|s| s["k"].as_u64())
            .collect::<Vec<_>>(),
        [2, 3, 4, 5, 6]
    );
    for s in scores {
        assert_eq!(
            keys(s),
            BTreeSet::from([
                "k",
                "silhouette",
                "davies_bouldin",
                "calinski_harabasz",
                "inertia",
                "min_cluster_share"
            ])
        );
    }
    let sizes: Vec<u64> = r["sizes"]
        .as_array()
        .expect("sizes")
        .iter()
        .filter_map(Json::as_u64)
        .collect();
    assert_eq!(sizes.len(), k);
    assert_eq!(sizes.iter().sum::<u64>(), 3_000);
    assert_eq!(keys(&r["quality"]), BTreeSet::from(["passed", "failed"]));
    assert_eq!(
        r["quality"]["passed"].as_bool(),
        Some(r["quality"]["failed"].as_array().is_some_and(Vec::is_empty))
    );
    assert_eq!(r["model_version"], 1);
    assert!(
        r["reason"]
            .as_str()
            .is_some_and(|s| s.contains(&format!("k = {k}")))
    );

    let loaded = Segmentation::load(&t.model).expect("the model loads");
    assert_eq!(loaded.k(), k);
    let labels = read_labels(Path::new(&t.labels));
    assert_eq!(labels, loaded.assign(&t.records).expect("assign"));
    let mut counted = vec![0_u64; k];
    for &l in &labels {
        counted[l] += 1;
    }
    assert_eq!(counted, sizes);
    drop(t.dir);
}

#[test]
fn segment_is_reproducible_for_a_seed() {
    let a = train(11);
    let b = train(11);
    assert_eq!(a.report["scores"], b.report["scores"]);
    assert_eq!(
        read_labels(Path::new(&a.labels)),
        read_labels(Path::new(&b.labels))
    );
}

#[test]
fn assign_streams_the_same_labels_as_the_library() {
    let t = train(0);
    let out = t.dir.path().join("assigned.csv");
    let r = seg_json(&[
        "assign",
        "--model",
        &t.model,
        "--data",
        &t.data,
        "--labels-out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(keys(&r), BTreeSet::from(["n", "sizes"]));
    assert_eq!(r["n"], 3_000);
    assert_eq!(r["sizes"], t.report["sizes"]);
    assert_eq!(read_labels(&out), read_labels(Path::new(&t.labels)));
}

#[test]
fn drift_streams_the_batch_report() {
    let t = train(0);
    let segmentation = Segmentation::load(&t.model).expect("load");
    let same = seg_json(&["drift", "--model", &t.model, "--data", &t.data]);
    assert_eq!(
        keys(&same),
        BTreeSet::from([
            "features",
            "fields",
            "assignment_psi",
            "distance_ratio",
            "score",
            "level",
            "retrain",
            "retrain_reason"
        ])
    );
    assert_eq!(same["level"], "stable");
    assert_eq!(same["retrain"], false);
    assert_eq!(same["retrain_reason"], Json::Null);

    let shifted = t.dir.path().join("shifted.csv");
    let records = visitors_csv(
        &shifted,
        &TrafficSimulator::default_segments().seed(9).drifted(),
        3_000,
    );
    let got = seg_json(&[
        "drift",
        "--model",
        &t.model,
        "--data",
        &shifted.to_string_lossy(),
    ]);
    let batch = segmentation.drift(&records).expect("batch drift");
    let close = |g: &Json, w: f64, what: &str| {
        let g = g.as_f64().unwrap_or(f64::NAN);
        assert!(
            (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            "{what}: streamed {g}, batch {w}"
        );
    };
    close(
        &got["assignment_psi"],
        batch.segments.report.assignment_psi,
        "assignment_psi",
    );
    close(
        &got["distance_ratio"],
        batch.segments.report.distance_ratio,
        "distance_ratio",
    );
    close(&got["score"], batch.score, "score");
    let features = got["features"].as_array().expect("features");
    assert_eq!(features.len(), batch.segments.feature_names.len());
    for (f, (name, want)) in features.iter().zip(batch.segments.features()) {
        assert_eq!(f["name"], name);
        close(&f["psi"], want.psi, name);
        close(&f["expected_psi"], want.expected_psi, name);
        close(&f["p_value"], want.p_value, name);
    }
    // The raw fields, as the library reports them, per the contract.
    let fields = got["fields"].as_array().expect("fields");
    assert_eq!(fields.len(), batch.fields.len());
    for (f, want) in fields.iter().zip(&batch.fields) {
        assert_eq!(f["name"], want.name.as_str());
        assert_eq!(f["kind"], want.kind);
        close(&f["psi"], want.test.psi, &want.name);
        close(&f["expected_psi"], want.test.expected_psi, &want.name);
        close(&f["p_value"], want.test.p_value, &want.name);
        close(&f["missing_share"], want.missing_share, &want.name);
        close(
            &f["baseline_missing_share"],
            want.baseline_missing_share,
            &want.name,
        );
        match want.kind {
            "numeric" => close(
                &f["out_of_range_share"],
                want.out_of_range_share.unwrap_or(f64::NAN),
                &want.name,
            ),
            "categorical" => {
                let news = f["new_categories"].as_array().expect("new categories");
                assert_eq!(news.len(), want.new_categories.len());
                for (g, w) in news.iter().zip(&want.new_categories) {
                    assert_eq!(g["value"], w.value.as_str());
                    close(&g["share"], w.share, &w.value);
                }
            }
            _ => {
                assert!(f.get("new_categories").is_none() && f.get("out_of_range_share").is_none())
            }
        }
    }
    let source = fields
        .iter()
        .find(|f| f["name"] == "traffic_source")
        .expect("traffic_source");
    assert_eq!(source["new_categories"][0]["value"], "tiktok");
    assert_eq!(got["retrain"], true);
    let reason = got["retrain_reason"].as_str().expect("reason");
    assert!(reason.contains("tiktok"), "{reason}");
    assert!(
        got["score"].as_f64() > same["score"].as_f64(),
        "the shifted traffic drifts more"
    );
    assert_eq!(got["level"], "significant");
}

#[test]
fn numeric_data_without_schema_with_fixed_k_and_a_plot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::from("a,b,c\n");
    for i in 0..300 {
        let c = f64::from(i % 3) * 10.0;
        let j = f64::from(i % 11) * 0.3;
        text.push_str(&format!("{},{},{}\n", c + j, c - j, 5.0 - c + j * 0.5));
    }
    let data = common::write(dir.path(), "x.csv", &text);
    let model = dir.path().join("m.json").to_string_lossy().into_owned();
    let plot = dir.path().join("scores.svg");
    let r = seg_json(&[
        "segment",
        "--data",
        &data,
        "--k",
        "3",
        "--model-out",
        &model,
        "--plot",
        &plot.to_string_lossy(),
    ]);
    assert_eq!(r["k"], 3);
    assert_eq!(r["sizes"], serde_json::json!([100, 100, 100]));
    let svg = std::fs::read_to_string(&plot).expect("plot");
    assert!(svg.starts_with("<svg") && svg.contains("Scores per k") && svg.contains("silhouette"));
    let assigned = seg_json(&["assign", "--model", &model, "--data", &data]);
    assert_eq!(assigned["sizes"], r["sizes"]);
    // The table form names the columns.
    let out = std::process::Command::new(seg_path())
        .args(["assign", "--model", &model, "--data", &data])
        .output()
        .expect("run");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && table.contains("segment") && table.contains("total"),
        "{table}"
    );
}

#[test]
fn demo_runs_the_walk_through() {
    let dir = tempfile::tempdir().expect("temp dir");
    let charts = dir.path().join("charts");
    let r = seg_json(&[
        "demo",
        "--seed",
        "1",
        "--visitors-per-month",
        "3000",
        "--charts",
        &charts.to_string_lossy(),
        "--state-dir",
        &dir.path().join("state").to_string_lossy(),
    ]);
    assert_eq!(r["visitors"], 3000);
    assert!(r["k"].as_u64().is_some_and(|k| k >= 2));
    assert!(r["events"].as_u64().is_some_and(|e| e > 0));
    assert_eq!(r["charts"].as_array().map(Vec::len), Some(4));
    for chart in r["charts"].as_array().expect("charts") {
        assert!(Path::new(chart.as_str().unwrap_or_default()).exists());
    }
    // Every step's results are in the JSON too, and agree with the summary.
    let walk = &r["walk"];
    for step in [
        "features",
        "choice",
        "segments",
        "gate",
        "plan",
        "experiment",
        "shift",
    ] {
        assert!(walk[step].is_object(), "walk has no step {step}: {walk}");
    }
    assert_eq!(walk["choice"]["k"], r["k"]);
}
