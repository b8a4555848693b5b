//! The exit codes of the tool: 2 for bad input (a path that is wrong, a
//! file that is not what it should be), 74 when a disk or database fails.

mod common;

use std::process::{Command, Output};

use common::{seg_fails, seg_path, write};

/// A small numeric data set with two clear groups.
fn two_groups() -> String {
    let mut text = String::from("x,y\n");
    for i in 0..40 {
        let c = if i % 2 == 0 { 0.0 } else { 10.0 };
        text.push_str(&format!("{},{}\n", c + f64::from(i % 5) * 0.1, c));
    }
    text
}

/// The output of `seg ARGS`, after asserting one line on stderr and no panic.
fn one_line_failure(command: &mut Command) -> Output {
    let out = command
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the seg binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr:?}");
    assert!(stderr.starts_with("seg: error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

#[test]
fn an_output_path_under_a_regular_file_is_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = write(dir.path(), "x.csv", &two_groups());
    let blocker = write(dir.path(), "file", "a regular file, not a folder");
    let model = format!("{blocker}/model.json");
    let line = seg_fails(&[
        "segment",
        "--data",
        &data,
        "--k",
        "2",
        "--model-out",
        &model,
    ]);
    assert!(line.contains(&blocker), "{line}");
}

#[test]
fn an_output_path_in_a_folder_that_does_not_exist_is_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = write(dir.path(), "x.csv", &two_groups());
    let model = dir.path().join("absent").join("model.json");
    let model = model.to_string_lossy();
    let line = seg_fails(&[
        "segment",
        "--data",
        &data,
        "--k",
        "2",
        "--model-out",
        &model,
    ]);
    assert!(line.contains("absent"), "{line}");
}

#[test]
fn a_text_file_given_as_an_sqlite_database_is_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junk = write(
        dir.path(),
        "junk.sqlite",
        "this is not a database, just text that is long enough to be read",
    );
    let line = seg_fails(&["state", "show", "--db", &junk, "--experiment", "e"]);
    assert!(line.contains("junk.sqlite"), "{line}");
}

#[cfg(target_os = "linux")]
#[test]
fn an_output_file_in_proc_is_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = write(dir.path(), "x.csv", &two_groups());
    // No file can be created in /proc: the folder named is not writable.
    let line = seg_fails(&[
        "segment",
        "--data",
        &data,
        "--k",
        "2",
        "--model-out",
        "/proc/version",
    ]);
    assert!(line.contains("/proc"), "{line}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_to_standard_output_exits_74() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full opens for writing");
    let out = one_line_failure(
        Command::new(seg_path())
            .args(["srm", "--counts", "5000,5100", "--json"])
            .stdout(full),
    );
    assert_eq!(out.status.code(), Some(i32::from(seg_cli::IO_EXIT_CODE)));
    assert_eq!(seg_cli::IO_EXIT_CODE, 74);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write `<stdout>`"), "{stderr}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_read_that_fails_with_an_input_output_error_exits_74() {
    // A regular file whose first byte cannot be read: the memory of the
    // reading process at address 0 (EIO).
    let dir = tempfile::tempdir().expect("temp dir");
    let model = dir.path().join("model.json");
    let out = one_line_failure(
        Command::new(seg_path())
            .args([
                "segment",
                "--data",
                "/proc/self/mem",
                "--k",
                "2",
                "--model-out",
            ])
            .arg(&model),
    );
    assert_eq!(out.status.code(), Some(74));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot read `/proc/self/mem`"), "{stderr}");
    assert!(!model.exists(), "no model is written");
}
