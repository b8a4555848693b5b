//! `seg schema infer`: the schema as JSON that `seg segment --schema`
//! reads, a table of guesses, one-line errors, and the hint of `seg segment`
//! without a schema.

mod common;

use std::process::Command;

use common::{seg_fails, seg_json, seg_path, write};

/// Visits with an id, a skewed duration, a device, a flag, an hour and an
/// outcome.
fn visits() -> String {
    let mut text = String::from("visit_id,seconds,device,returning,hour,bought\n");
    for i in 0..60 {
        let seconds = if i % 12 == 0 { 4000 } else { 10 + i % 7 };
        let device = ["mobile", "desktop", "tablet"][i % 3];
        let returning = if i % 2 == 0 { "TRUE" } else { "FALSE" };
        text += &format!(
            "{i},{seconds},{device},{returning},{},{}\n",
            i % 24,
            i % 5 == 0
        );
    }
    text
}

#[test]
fn json_is_the_schema_that_segment_reads_without_edits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = write(dir.path(), "visits.csv", &visits());
    let schema = seg_json(&["schema", "infer", "--data", &data, "--exclude", "bought"]);
    let spaced = seg_json(&["schema", "infer", "--data", &data, "--exclude", " bought,"]);
    assert_eq!(spaced, schema);
    let names: Vec<&str> = schema["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["seconds", "device", "returning", "hour"]);
    assert_eq!(schema["fields"][0]["kind"]["numeric"]["log1p"], true);
    assert_eq!(schema["fields"][2]["kind"], "boolean");
    assert_eq!(schema["fields"][3]["kind"]["cyclic"]["period"], 24.0);

    let schema_path = write(dir.path(), "schema.json", &schema.to_string());
    let model = dir.path().join("model.json");
    let fitted = seg_json(&[
        "segment",
        "--data",
        &data,
        "--schema",
        &schema_path,
        "--k",
        "2",
        "--model-out",
        &model.to_string_lossy(),
    ]);
    assert_eq!(fitted["k"], 2);
    assert!(model.is_file());
}

#[test]
fn the_table_gives_every_column_its_kind_and_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = write(dir.path(), "visits.csv", &visits());
    let out = Command::new(seg_path())
        .args(["schema", "infer", "--data", &data])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    for expected in [
        "visit_id",
        "an identifier",
        "log1p",
        "categorical",
        "boolean",
        "period 24",
        "60 read, 60 sampled",
        "--json > schema.json",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    // Without --exclude the outcome is a field like any other.
    assert!(
        text.lines()
            .any(|l| l.starts_with("bought") && l.contains("boolean")),
        "{text}"
    );
}

#[test]
fn sample_and_seed_give_the_same_schema_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = write(dir.path(), "visits.csv", &visits());
    let args = [
        "schema", "infer", "--data", &data, "--sample", "20", "--seed", "4",
    ];
    assert_eq!(seg_json(&args), seg_json(&args));
}

#[test]
fn help_shows_an_example_and_the_outcome_advice() {
    let out = Command::new(seg_path())
        .args(["schema", "infer", "--help"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        text.contains("Example") && text.contains("seg schema infer --data"),
        "{text}"
    );
    assert!(
        text.contains("--json") && text.contains("--exclude"),
        "{text}"
    );
    let out = Command::new(seg_path())
        .arg("--help")
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("schema"));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = write(dir.path(), "visits.csv", &visits());
    let line = seg_fails(&["schema", "infer", "--data", &data, "--exclude", "revenue"]);
    assert!(
        line.contains("no column \"revenue\"") && line.contains("bought"),
        "{line}"
    );
    let line = seg_fails(&["schema", "infer", "--data", "/nonexistent/x.csv"]);
    assert!(line.contains("/nonexistent/x.csv"), "{line}");
    for (option, value) in [
        ("--sample", "0"),
        ("--max-categories", "0"),
        ("--sample", "abc"),
    ] {
        let line = seg_fails(&["schema", "infer", "--data", &data, option, value]);
        assert!(line.contains(option.trim_start_matches('-')), "{line}");
    }
    let empty = write(dir.path(), "empty.csv", "");
    assert!(seg_fails(&["schema", "infer", "--data", &empty]).contains("is empty"));
    let header = write(dir.path(), "header.csv", "a,b\n");
    assert!(seg_fails(&["schema", "infer", "--data", &header]).contains("no data rows"));
    let ragged = write(dir.path(), "ragged.csv", "a,b\n1,2\n3\n");
    assert!(seg_fails(&["schema", "infer", "--data", &ragged]).contains("line 3"));
    let constant = write(dir.path(), "constant.csv", "id,site\n1,a\n2,a\n");
    let line = seg_fails(&["schema", "infer", "--data", &constant, "--exclude", "id"]);
    assert!(
        line.contains("no column can be a field") && line.contains("constant"),
        "{line}"
    );
}

#[test]
fn segment_without_a_schema_points_to_schema_infer_on_text_or_empty_cells() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = dir.path().join("m.json");
    let model = model.to_string_lossy();
    for (name, text, cell) in [
        (
            "months.csv",
            "pages,Month\n3,Feb\n4,Mar\n",
            "\"Feb\" is not a number",
        ),
        ("gaps.csv", "pages,seconds\n3,10\n4,\n", "is empty"),
        (
            "na.csv",
            "pages,seconds\n3,NA\n4,5\n",
            "\"NA\" is not a number",
        ),
    ] {
        let data = write(dir.path(), name, text);
        let line = seg_fails(&["segment", "--data", &data, "--model-out", &model]);
        assert!(line.contains(cell), "{line}");
        assert!(
            line.contains(&format!(
                "write a schema, e.g. `seg schema infer --data {data} --json > schema.json`"
            )),
            "{line}"
        );
    }
    // A number that no schema reads gets no hint.
    let data = write(dir.path(), "inf.csv", "pages\n3\ninf\n");
    let line = seg_fails(&["segment", "--data", &data, "--model-out", &model]);
    assert!(!line.contains("schema infer"), "{line}");
}

/// The real Online Shoppers file: `seg schema infer --exclude Revenue
/// --json`, then `seg segment` with that schema and no edit, on the first
/// `rows` data rows (every row when `None`).
fn online_shoppers_end_to_end(rows: Option<usize>) {
    let Some(path) = seg_testdata::data_file("online_shoppers_intention.csv") else {
        return;
    };
    let data = path.to_string_lossy();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(seg_path())
        .args([
            "schema",
            "infer",
            "--data",
            &data,
            "--exclude",
            "Revenue",
            "--json",
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let schema_path = dir.path().join("schema.json");
    std::fs::write(&schema_path, &out.stdout).expect("write the schema");
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let kind = |name: &str| {
        schema["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["name"] == name)
            .map(|f| f["kind"].clone())
            .unwrap_or_else(|| panic!("no field {name}"))
    };
    assert_eq!(kind("Administrative_Duration")["numeric"]["log1p"], true);
    assert!(kind("Month")["categorical"].is_object());
    assert!(kind("VisitorType")["categorical"].is_object());
    assert_eq!(kind("Weekend"), "boolean");
    let fields = schema["fields"].as_array().expect("fields");
    assert!(fields.iter().all(|f| f["name"] != "Revenue"));

    let (segmented, n) = match rows {
        None => (data.into_owned(), 12_330),
        Some(rows) => {
            let text = std::fs::read_to_string(&path).expect("read the data");
            let head: Vec<&str> = text.lines().take(rows + 1).collect();
            (
                write(dir.path(), "head.csv", &(head.join("\n") + "\n")),
                rows,
            )
        }
    };
    let model = dir.path().join("model.json");
    let fitted = seg_json(&[
        "segment",
        "--data",
        &segmented,
        "--schema",
        &schema_path.to_string_lossy(),
        "--k",
        "4",
        "--model-out",
        &model.to_string_lossy(),
    ]);
    assert_eq!(fitted["k"], 4);
    let sizes: u64 = fitted["sizes"]
        .as_array()
        .expect("sizes")
        .iter()
        .map(|s| s.as_u64().expect("size"))
        .sum();
    assert_eq!(sizes, n as u64);
    assert!(model.is_file());
    // The segments in original units, and against the outcome left out.
    let segments = fitted["segments"].as_array().expect("segments");
    assert_eq!(segments.len(), 4);
    assert!(
        segments
            .iter()
            .all(|s| !s["traits"].as_array().expect("traits").is_empty())
    );
    let profile = seg_json(&[
        "profile",
        "--model",
        &model.to_string_lossy(),
        "--data",
        &segmented,
        "--outcome",
        "Revenue",
    ]);
    assert_eq!(profile["kind"], "binary");
    assert_eq!(profile["segments"].as_array().expect("segments").len(), 4);
    let n_profiled: u64 = profile["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|s| s["n"].as_u64().expect("n"))
        .sum();
    assert_eq!(n_profiled, n as u64);
    let v = profile["cramers_v"].as_f64().expect("V");
    assert!(v > 0.0 && v < 1.0, "{v}");
    assert!(profile["p_value"].as_f64().expect("p") < 1e-6, "{profile}");
}

/// Your own data end to end: the schema inferred from the whole file
/// segments its first 3,000 rows (a few seconds in the test profile), and
/// `seg profile` measures the segments against `Revenue`, which the schema
/// left out.
#[test]
fn online_shoppers_schema_from_infer_segments_the_file() {
    online_shoppers_end_to_end(Some(3_000));
}

/// The same on all 12,330 rows (about 10 s in the test profile):
/// `cargo test -p seg-cli --test schema_infer -- --ignored`.
#[test]
#[ignore = "about 10 s in the test profile; run with --ignored"]
fn online_shoppers_schema_from_infer_segments_every_row() {
    online_shoppers_end_to_end(None);
}
