//! Every bad input of the tool's contract: exit 2, one line on stderr
//! naming what was wrong, no panic, no backtrace, nothing on stdout, and no
//! output file left behind.

mod common;

use std::path::Path;

use common::{seg_fails, seg_json, write};

/// A small numeric data set with two clear groups.
fn two_groups() -> String {
    let mut text = String::from("x,y\n");
    for i in 0..60 {
        let (cx, cy) = if i % 2 == 0 { (0.0, 0.0) } else { (10.0, 10.0) };
        let j = f64::from(i % 7) * 0.1;
        text.push_str(&format!("{},{}\n", cx + j, cy - j));
    }
    text
}

/// Trains a model on `two_groups` in `dir`; returns (data, model) paths.
fn model(dir: &Path) -> (String, String) {
    let data = write(dir, "train.csv", &two_groups());
    let model = dir.join("model.json").to_string_lossy().into_owned();
    seg_json(&[
        "segment",
        "--data",
        &data,
        "--k",
        "2",
        "--model-out",
        &model,
    ]);
    (data, model)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

#[test]
fn missing_file_is_named() {
    let line = seg_fails(&[
        "metrics",
        "--data",
        "/nonexistent/x.csv",
        "--labels",
        "/nonexistent/l.csv",
    ]);
    assert!(line.contains("/nonexistent/x.csv"), "{line}");
    let line = seg_fails(&[
        "assign",
        "--model",
        "/nonexistent/m.json",
        "--data",
        "/nonexistent/x.csv",
    ]);
    assert!(line.contains("/nonexistent/m.json"), "{line}");
}

#[test]
fn ragged_row_names_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = write(dir.path(), "x.csv", "a,b\n1,2\n3,4\n5\n");
    let labels = write(dir.path(), "l.csv", "label\n0\n1\n1\n");
    let line = seg_fails(&["metrics", "--data", &data, "--labels", &labels]);
    assert!(
        line.contains("line 4") && line.contains("1 cells, the header has 2"),
        "{line}"
    );
    let (_, m) = model(dir.path());
    let data = write(dir.path(), "y.csv", "x,y\n1,2\n3,4,5\n");
    let line = seg_fails(&["assign", "--model", &m, "--data", &data]);
    assert!(line.contains("line 3"), "{line}");
}

#[test]
fn unreadable_csv_bytes_name_their_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("x.csv");
    std::fs::write(&path, b"a,b\n1,2\n\xff\xfe,3\n").expect("write");
    let labels = write(dir.path(), "l.csv", "label\n0\n1\n");
    let line = seg_fails(&[
        "metrics",
        "--data",
        &path.to_string_lossy(),
        "--labels",
        &labels,
    ]);
    assert!(line.contains("line 3") && line.contains("UTF-8"), "{line}");
    // A directory is not a readable CSV file.
    let line = seg_fails(&[
        "metrics",
        "--data",
        &dir.path().to_string_lossy(),
        "--labels",
        &labels,
    ]);
    assert!(line.contains("cannot"), "{line}");
}

#[test]
fn unknown_column_is_named_with_the_header() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = write(dir.path(), "x.csv", "a,b\n1,2\n3,4\n5,6\n");
    let labels = write(dir.path(), "l.csv", "label\n0\n1\n1\n");
    let line = seg_fails(&[
        "metrics",
        "--data",
        &data,
        "--labels",
        &labels,
        "--columns",
        "a,zzz",
    ]);
    assert!(line.contains("\"zzz\"") && line.contains("a,b"), "{line}");
    let (_, m) = model(dir.path());
    let line = seg_fails(&["assign", "--model", &m, "--data", &data]);
    assert!(line.contains("no column \"x\""), "{line}");
}

#[test]
fn non_numeric_value_names_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = write(dir.path(), "x.csv", "a,b\n1,2\n3,abc\n5,6\n");
    let labels = write(dir.path(), "l.csv", "label\n0\n1\n1\n");
    let line = seg_fails(&["metrics", "--data", &data, "--labels", &labels]);
    assert!(
        line.contains("line 3") && line.contains("\"b\"") && line.contains("not a number"),
        "{line}"
    );
    let out = dir.path().join("m.json");
    let line = seg_fails(&[
        "segment",
        "--data",
        &data,
        "--model-out",
        &out.to_string_lossy(),
    ]);
    assert!(line.contains("line 3"), "{line}");
    assert!(!out.exists());
    let bad_labels = write(dir.path(), "bl.csv", "label\n0\n-1\n1\n");
    let line = seg_fails(&[
        "metrics",
        "--data",
        &write(dir.path(), "ok.csv", "a\n1\n2\n3\n"),
        "--labels",
        &bad_labels,
    ]);
    assert!(line.contains("line 3") && line.contains("label"), "{line}");
}

#[test]
fn non_finite_value_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let labels = write(dir.path(), "l.csv", "label\n0\n1\n1\n");
    for bad in ["inf", "NaN", "-infinity", "1e999"] {
        let data = write(dir.path(), "x.csv", &format!("a,b\n1,2\n3,{bad}\n5,6\n"));
        let line = seg_fails(&["metrics", "--data", &data, "--labels", &labels]);
        assert!(
            line.contains("line 3") && line.contains("not a finite number"),
            "{bad}: {line}"
        );
    }
    let (_, m) = model(dir.path());
    let data = write(dir.path(), "y.csv", "x,y\n1,2\n3,inf\n");
    let line = seg_fails(&["drift", "--model", &m, "--data", &data]);
    assert!(line.contains("line 3") && line.contains("finite"), "{line}");
    let line = seg_fails(&["power", "proportions", "--baseline", "NaN", "--mde", "0.1"]);
    assert!(line.contains("baseline"), "{line}");
}

#[test]
fn empty_file_and_header_only_file_are_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = write(dir.path(), "empty.csv", "");
    let header = write(dir.path(), "header.csv", "a,b\n");
    let labels = write(dir.path(), "l.csv", "label\n0\n");
    let line = seg_fails(&["metrics", "--data", &empty, "--labels", &labels]);
    assert!(line.contains("empty"), "{line}");
    let line = seg_fails(&["metrics", "--data", &header, "--labels", &labels]);
    assert!(line.contains("no data rows"), "{line}");
    let out = dir.path().join("m.json").to_string_lossy().into_owned();
    seg_fails(&["segment", "--data", &empty, "--model-out", &out]);
    let (_, m) = model(dir.path());
    let line = seg_fails(&["assign", "--model", &m, "--data", &empty]);
    assert!(line.contains("empty"), "{line}");
    let line = seg_fails(&[
        "drift",
        "--model",
        &m,
        "--data",
        &write(dir.path(), "h.csv", "x,y\n"),
    ]);
    assert!(line.contains("no data rows"), "{line}");
    let empty_model = write(dir.path(), "empty.json", "");
    seg_fails(&["assign", "--model", &empty_model, "--data", &header]);
}

#[test]
fn model_of_unknown_format_or_version_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (data, m) = model(dir.path());
    let text = std::fs::read_to_string(&m).expect("model");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut other_version = v.clone();
    other_version["format_version"] = serde_json::json!(99);
    let path = write(dir.path(), "v99.json", &other_version.to_string());
    let line = seg_fails(&["assign", "--model", &path, "--data", &data]);
    assert!(
        line.contains("unsupported") && line.contains("99"),
        "{line}"
    );
    let mut other_format = v;
    other_format["format"] = serde_json::json!("pickle");
    let path = write(dir.path(), "pickle.json", &other_format.to_string());
    let line = seg_fails(&["drift", "--model", &path, "--data", &data]);
    assert!(line.contains("pickle"), "{line}");
}

#[test]
fn truncated_or_random_model_file_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (data, m) = model(dir.path());
    let text = std::fs::read(&m).expect("model");
    for cut in [1, text.len() / 3, text.len() / 2, text.len() - 2] {
        let path = dir.path().join("cut.json");
        std::fs::write(&path, &text[..cut]).expect("write");
        let line = seg_fails(&[
            "assign",
            "--model",
            &path.to_string_lossy(),
            "--data",
            &data,
        ]);
        assert!(line.contains("cut.json"), "{line}");
    }
    // Random bytes from a fixed linear congruential sequence.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect();
    let path = dir.path().join("random.json");
    std::fs::write(&path, bytes).expect("write");
    seg_fails(&[
        "assign",
        "--model",
        &path.to_string_lossy(),
        "--data",
        &data,
    ]);
    seg_fails(&["drift", "--model", &path.to_string_lossy(), "--data", &data]);
}

#[test]
fn probabilities_outside_zero_one_are_errors() {
    for (args, what) in [
        (
            vec!["power", "proportions", "--baseline", "1.2", "--mde", "0.1"],
            "baseline",
        ),
        (
            vec!["power", "proportions", "--baseline", "0", "--mde", "0.1"],
            "baseline",
        ),
        (
            vec![
                "power",
                "proportions",
                "--baseline",
                "0.05",
                "--mde",
                "0.1",
                "--alpha",
                "1",
            ],
            "alpha",
        ),
        (
            vec![
                "power",
                "proportions",
                "--baseline",
                "0.05",
                "--mde",
                "0.1",
                "--power",
                "-0.5",
            ],
            "power",
        ),
        (
            vec!["power", "means", "--effect-size", "0.2", "--alpha", "0"],
            "alpha",
        ),
        (
            vec!["adjust", "--method", "holm", "--pvalues", "0.1,1.5"],
            "pvalues",
        ),
        (
            vec!["adjust", "--method", "holm", "--pvalues", "0.1,-0.01"],
            "pvalues",
        ),
        (
            vec!["srm", "--counts", "10,10", "--threshold", "2"],
            "threshold",
        ),
    ] {
        let line = seg_fails(&args);
        assert!(line.contains(what), "{args:?}: {line}");
    }
}

#[test]
fn negative_counts_are_errors() {
    let line = seg_fails(&["srm", "--counts", "-5,100"]);
    assert!(line.contains("counts") && line.contains("-5"), "{line}");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.sqlite").to_string_lossy().into_owned();
    seg_json(&[
        "state",
        "init",
        "--db",
        &db,
        "--experiment",
        "e",
        "--variants",
        "a,b",
    ]);
    let line = seg_fails(&[
        "state",
        "record",
        "--db",
        &db,
        "--experiment",
        "e",
        "--segment",
        "s",
        "--variant",
        "a",
        "--successes",
        "-1",
        "--failures",
        "3",
    ]);
    assert!(
        line.contains("successes") && line.contains("negative"),
        "{line}"
    );
    let line = seg_fails(&[
        "state",
        "record",
        "--db",
        &db,
        "--experiment",
        "e",
        "--segment",
        "s",
        "--variant",
        "a",
        "--successes",
        "1",
        "--failures",
        "-3",
    ]);
    assert!(line.contains("failures"), "{line}");
    let shown = seg_json(&["state", "show", "--db", &db, "--experiment", "e"]);
    assert_eq!(shown["events"], 0, "nothing was recorded");
}

#[test]
fn ratios_that_are_not_positive_weights_are_errors() {
    // Ratios are weights (0.5,0.6 is 5/11 and 6/11): only a weight that is
    // not positive and finite, or a count of weights that is not the count
    // of groups, is an error.
    let line = seg_fails(&["srm", "--counts", "100,100", "--ratios", "1.5,-0.5"]);
    assert!(line.contains("ratios"), "{line}");
    let line = seg_fails(&["srm", "--counts", "100,100,100", "--ratios", "0.5,0.5"]);
    assert!(line.contains("ratios"), "{line}");
    // Shares that sum to 1, or nearly, are accepted as they were.
    seg_json(&["srm", "--counts", "100,100", "--ratios", "0.5,0.5000001"]);
}

#[test]
fn unknown_correction_method_is_an_error() {
    let line = seg_fails(&["adjust", "--method", "bonferoni", "--pvalues", "0.01,0.02"]);
    assert!(
        line.contains("bonferoni") && line.contains("unknown correction"),
        "{line}"
    );
    let line = seg_fails(&[
        "power",
        "proportions",
        "--baseline",
        "0.05",
        "--mde",
        "0.1",
        "--comparisons",
        "3",
        "--correction",
        "tukey",
    ]);
    assert!(line.contains("tukey"), "{line}");
}

#[test]
fn usage_errors_are_one_line_and_exit_2() {
    let line = seg_fails(&["srm", "--counts", "1,2", "--frobnicate"]);
    assert!(line.contains("--frobnicate"), "{line}");
    seg_fails(&["power", "proportions", "--baseline", "abc", "--mde", "0.1"]);
    seg_fails(&["power", "proportions", "--mde", "0.1"]);
    seg_fails(&["nonsense"]);
    seg_fails(&[]);
    seg_fails(&[
        "segment",
        "--data",
        "x.csv",
        "--model-out",
        "m.json",
        "--k",
        "1",
    ]);
}

#[test]
fn failed_commands_leave_no_output_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, m) = model(dir.path());
    let before = files_in(dir.path());
    // The 40th row is bad: the labels written before it must not remain.
    let mut text = String::from("x,y\n");
    for i in 0..100 {
        text.push_str(&if i == 40 {
            "1,oops\n".to_owned()
        } else {
            format!("{i},{i}\n")
        });
    }
    let data = write(dir.path(), "bad.csv", &text);
    let labels = dir.path().join("labels.csv");
    let line = seg_fails(&[
        "assign",
        "--model",
        &m,
        "--data",
        &data,
        "--labels-out",
        &labels.to_string_lossy(),
    ]);
    assert!(line.contains("line 42"), "{line}");
    let mut expected = before.clone();
    expected.push("bad.csv".to_owned());
    expected.sort();
    assert_eq!(
        files_in(dir.path()),
        expected,
        "no labels file, no temporary file"
    );

    // A plot that cannot be written: neither the model nor the labels appear.
    let train = write(dir.path(), "t.csv", &two_groups());
    let out = dir.path().join("new-model.json");
    let line = seg_fails(&[
        "segment",
        "--data",
        &train,
        "--k",
        "2",
        "--model-out",
        &out.to_string_lossy(),
        "--labels-out",
        &labels.to_string_lossy(),
        "--plot",
        &dir.path().join("no/such/dir/p.svg").to_string_lossy(),
    ]);
    assert!(line.contains("p.svg"), "{line}");
    assert!(!out.exists() && !labels.exists());
    let mut expected = before;
    expected.extend(["bad.csv".to_owned(), "t.csv".to_owned()]);
    expected.sort();
    assert_eq!(files_in(dir.path()), expected);
}

#[test]
fn database_problems_are_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir
        .path()
        .join("none.sqlite")
        .to_string_lossy()
        .into_owned();
    let line = seg_fails(&["state", "show", "--db", &db, "--experiment", "e"]);
    assert!(line.contains("no database"), "{line}");
    assert!(!Path::new(&db).exists(), "show does not create a database");
    let junk = write(
        dir.path(),
        "junk.sqlite",
        "this is not a database, just text that is long enough to be read",
    );
    seg_fails(&[
        "state",
        "init",
        "--db",
        &junk,
        "--experiment",
        "e",
        "--variants",
        "a,b",
    ]);
    let db = dir.path().join("s.sqlite").to_string_lossy().into_owned();
    seg_json(&[
        "state",
        "init",
        "--db",
        &db,
        "--experiment",
        "e",
        "--variants",
        "a,b",
    ]);
    let line = seg_fails(&["state", "show", "--db", &db, "--experiment", "nope"]);
    assert!(line.contains("nope"), "{line}");
    let line = seg_fails(&[
        "state",
        "record",
        "--db",
        &db,
        "--experiment",
        "e",
        "--segment",
        "s",
        "--variant",
        "zzz",
        "--successes",
        "1",
        "--failures",
        "1",
    ]);
    assert!(line.contains("zzz"), "{line}");
    seg_fails(&[
        "state",
        "init",
        "--db",
        &db,
        "--experiment",
        "e",
        "--variants",
        "a,,b",
    ]);
    seg_fails(&[
        "state",
        "init",
        "--db",
        &db,
        "--experiment",
        "f",
        "--variants",
        "a,a",
    ]);
    seg_fails(&[
        "state",
        "init",
        "--db",
        &db,
        "--experiment",
        "f",
        "--variants",
        "a,b",
        "--prior",
        "0,1",
    ]);
}
