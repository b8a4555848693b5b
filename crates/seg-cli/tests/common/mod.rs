//! Helpers shared by the integration tests: run the built `seg` binary.

#![allow(dead_code)]

use std::path::Path;

use serde_json::Value;

/// The `seg` binary built by cargo for these tests.
pub fn seg_path() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("seg")
}

/// Runs `seg ARGS --json`, asserts exit 0 and an empty stderr, and parses stdout.
pub fn seg_json(args: &[&str]) -> Value {
    let out = std::process::Command::new(seg_path())
        .args(args)
        .arg("--json")
        .output()
        .expect("the seg binary runs");
    assert!(
        out.status.success(),
        "seg {args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert_eq!(
        text.lines().count(),
        1,
        "one JSON object on one line: {text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("seg {args:?}: {e}: {text}"))
}

/// Runs `seg ARGS`, asserts exit 2 with exactly one line on stderr, no
/// panic text, and nothing on stdout; returns the line.
pub fn seg_fails(args: &[&str]) -> String {
    let out = std::process::Command::new(seg_path())
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the seg binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "seg {args:?} should exit 2; stderr: {stderr}"
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "one line on stderr for {args:?}: {stderr:?}"
    );
    assert!(stderr.starts_with("seg: error: "), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing on stdout for {args:?}");
    stderr.trim_end().to_owned()
}

/// `got` within `rel` relative (with an absolute floor `abs`) of `want`.
pub fn assert_close(got: &Value, want: &Value, rel: f64, abs: f64, what: &str) {
    let (g, w) = (
        got.as_f64()
            .unwrap_or_else(|| panic!("{what}: {got} is not a number")),
        want.as_f64()
            .unwrap_or_else(|| panic!("{what}: reference {want} is not a number")),
    );
    let tol = (rel * w.abs()).max(abs);
    assert!(
        (g - w).abs() <= tol,
        "{what}: got {g:e}, want {w:e} (|diff| {:e} > {tol:e})",
        (g - w).abs()
    );
}

/// A number as the shortest text that reads back to the same double.
pub fn arg(v: &Value) -> String {
    match v {
        Value::Number(n) => n
            .as_f64()
            .map_or_else(|| n.to_string(), |f| format!("{f:?}")),
        other => panic!("not a number: {other}"),
    }
}

/// Writes `text` to `dir/name` and returns the path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a test file");
    path.to_string_lossy().into_owned()
}
