//! Output files of the tool written by several processes at once, and
//! model and schema files that are not regular files.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{seg_fails, seg_json, seg_path, write};

/// Two clear groups of `n` rows.
fn two_groups(n: usize) -> String {
    let mut text = String::from("x,y\n");
    for i in 0..n {
        let (cx, cy) = if i % 2 == 0 { (0.0, 0.0) } else { (10.0, 10.0) };
        let j = (i % 7) as f64 * 0.1;
        text.push_str(&format!("{},{}\n", cx + j, cy - j));
    }
    text
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn processes_writing_the_same_outputs_leave_whole_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = tempfile::tempdir().expect("temp dir");
    let model = out.path().join("model.json");
    let labels = out.path().join("labels.csv");
    // Writers of different data: the labels files differ in length.
    let sizes = [60, 90, 120, 150];
    let children: Vec<_> = sizes
        .iter()
        .map(|&n| {
            let data = write(dir.path(), &format!("d{n}.csv"), &two_groups(n));
            Command::new(seg_path())
                .args(["segment", "--data", &data, "--k", "2", "--json"])
                .arg("--model-out")
                .arg(&model)
                .arg("--labels-out")
                .arg(&labels)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("the seg binary starts")
        })
        .collect();
    for child in children {
        let child = child.wait_with_output().expect("the seg binary runs");
        assert!(
            child.status.success(),
            "{}",
            String::from_utf8_lossy(&child.stderr)
        );
    }
    let text = std::fs::read_to_string(&labels).expect("labels");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("label"));
    let rows: Vec<&str> = lines.collect();
    assert!(sizes.contains(&rows.len()), "{} label rows", rows.len());
    assert!(rows.iter().all(|l| *l == "0" || *l == "1"));
    // The model file is one whole model: it loads and assigns.
    let data = write(dir.path(), "check.csv", &two_groups(10));
    let assigned = seg_json(&[
        "assign",
        "--model",
        &model.to_string_lossy(),
        "--data",
        &data,
    ]);
    assert_eq!(assigned["n"], 10);
    assert_eq!(files_in(out.path()), ["labels.csv", "model.json"]);
}

#[cfg(unix)]
#[test]
fn a_fifo_model_is_refused_promptly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = write(dir.path(), "d.csv", &two_groups(10));
    let fifo = dir.path().join("model.json");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let start = Instant::now();
    let line = seg_fails(&[
        "assign",
        "--model",
        &fifo.to_string_lossy(),
        "--data",
        &data,
    ]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(line.contains("not a regular file"), "{line}");
    let schema = dir.path().join("schema.json");
    let made = Command::new("mkfifo")
        .arg(&schema)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let line = seg_fails(&[
        "segment",
        "--data",
        &data,
        "--schema",
        &schema.to_string_lossy(),
        "--model-out",
        &dir.path().join("m.json").to_string_lossy(),
    ]);
    assert!(line.contains("not a regular file"), "{line}");
}

#[cfg(unix)]
#[test]
fn a_model_linked_to_dev_zero_is_refused_promptly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = write(dir.path(), "d.csv", &two_groups(10));
    let link = dir.path().join("model.json");
    std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
    let start = Instant::now();
    let line = seg_fails(&["drift", "--model", &link.to_string_lossy(), "--data", &data]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(line.contains("not a regular file"), "{line}");
}
