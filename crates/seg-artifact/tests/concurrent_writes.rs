//! Many writers of one path at once, in threads and in processes: the file
//! is always one whole version and no temporary file is left.

use std::path::Path;
use std::process::Command;

use seg_artifact::{read_to_string_bounded, write_atomically};

/// Set in a child process: the path it writes to, and its writer id.
const CHILD_PATH: &str = "SEG_ARTIFACT_TEST_CHILD_PATH";
const CHILD_ID: &str = "SEG_ARTIFACT_TEST_CHILD_ID";

/// A payload of about 1 MB that names its writer on every line, so that a
/// mix of two payloads is seen.
fn payload(writer: usize, round: usize) -> String {
    let line = format!("writer {writer:04} round {round:04} ");
    let mut text = String::with_capacity(1 << 20);
    while text.len() < (1 << 20) {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

fn is_whole(text: &str) -> bool {
    let Some(first) = text.lines().next() else {
        return false;
    };
    text.len() >= 1 << 20 && text.lines().all(|l| l == first)
}

fn assert_one_whole_version_and_nothing_else(dir: &Path, path: &Path) {
    let text = read_to_string_bounded(path, 1 << 24).unwrap();
    assert!(is_whole(&text), "a mix of versions");
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [path.file_name().unwrap()], "left behind: {names:?}");
}

#[test]
fn threads_writing_one_path_leave_one_whole_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("artifact.json");
    std::thread::scope(|s| {
        for writer in 0..8 {
            let path = &path;
            s.spawn(move || {
                for round in 0..5 {
                    write_atomically(path, payload(writer, round).as_bytes()).unwrap();
                }
            });
        }
        // A reader meanwhile never sees a partial file.
        s.spawn(|| {
            for _ in 0..50 {
                if let Ok(text) = read_to_string_bounded(&path, 1 << 24) {
                    assert!(is_whole(&text), "a reader saw a partial file");
                }
            }
        });
    });
    assert_one_whole_version_and_nothing_else(dir.path(), &path);
}

/// The body of a child process of the test below; does nothing in a
/// normal test run.
#[test]
fn child_process_writer() {
    let (Ok(path), Ok(id)) = (std::env::var(CHILD_PATH), std::env::var(CHILD_ID)) else {
        return;
    };
    let id: usize = id.parse().unwrap();
    for round in 0..5 {
        write_atomically(&path, payload(id, round).as_bytes()).unwrap();
    }
}

#[test]
fn processes_writing_one_path_leave_one_whole_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("artifact.json");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..4)
        .map(|id| {
            Command::new(&exe)
                .args(["--exact", "child_process_writer", "--test-threads=1"])
                .env(CHILD_PATH, &path)
                .env(CHILD_ID, id.to_string())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    assert_one_whole_version_and_nothing_else(dir.path(), &path);
}
