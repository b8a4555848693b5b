//! A saved segmentation as a file: concurrent saves of one path (threads
//! and processes) leave one whole segmentation and no temporary file, and
//! loading refuses what is not a regular file at once; counts that size an
//! allocation are checked with the parameters.

#![cfg(feature = "pipeline")]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use segmentation::cluster::ClusterError;
use segmentation::features::Value;
use segmentation::pipeline::{PipelineError, Segmentation, Segmenter, numeric_schema};

/// Set in a child process of [`processes_saving_one_path_leave_one_whole_segmentation`].
const CHILD_PATH: &str = "SEGMENTATION_TEST_CHILD_PATH";
const CHILD_ID: &str = "SEGMENTATION_TEST_CHILD_ID";

fn records() -> Vec<Vec<Value<'static>>> {
    (0..120)
        .map(|i| {
            vec![
                Value::from((i % 3) as f64 * 10.0 + (i % 7) as f64 * 0.1),
                Value::from((i % 5) as f64 * 0.2),
            ]
        })
        .collect()
}

fn segmenter(writer: usize) -> Segmenter {
    Segmenter::new(numeric_schema(&["a", "b"]).unwrap())
        .k_range(2..=3)
        .seed(1)
        .created_at(1_700_000_000 + writer as u64)
}

/// A segmentation whose creation time depends on `writer`, so that every
/// writer saves another file.
fn segmentation(writer: usize) -> Segmentation {
    segmenter(writer).fit(&records()).unwrap()
}

fn assert_one_whole_segmentation_and_nothing_else(dir: &Path, path: &Path, writers: usize) {
    let loaded = Segmentation::load(path).unwrap();
    assert!(
        (0..writers).any(|w| loaded == segmentation(w)),
        "the file is none of the saved segmentations"
    );
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [path.file_name().unwrap()], "left behind: {names:?}");
}

#[test]
fn threads_saving_one_path_leave_one_whole_segmentation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("segmentation.json");
    let all: Vec<Segmentation> = (0..6).map(segmentation).collect();
    std::thread::scope(|s| {
        for seg in &all {
            let path = &path;
            s.spawn(move || {
                for _ in 0..20 {
                    seg.save(path).unwrap();
                }
            });
        }
    });
    assert_one_whole_segmentation_and_nothing_else(dir.path(), &path, 6);
}

/// The body of a child process; does nothing in a normal test run.
#[test]
fn child_process_saves_a_segmentation() {
    let (Ok(path), Ok(id)) = (std::env::var(CHILD_PATH), std::env::var(CHILD_ID)) else {
        return;
    };
    let seg = segmentation(id.parse().unwrap());
    for _ in 0..20 {
        seg.save(&path).unwrap();
    }
}

#[test]
fn processes_saving_one_path_leave_one_whole_segmentation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("segmentation.json");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..4)
        .map(|id| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "child_process_saves_a_segmentation",
                    "--test-threads=1",
                ])
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
    assert_one_whole_segmentation_and_nothing_else(dir.path(), &path, 4);
}

#[cfg(unix)]
#[test]
fn segmentation_load_rejects_a_fifo_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("segmentation.json");
    let made = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    let start = Instant::now();
    let err = Segmentation::load(&path).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, PipelineError::File { .. }), "{err:?}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[cfg(unix)]
#[test]
fn segmentation_load_rejects_a_symlink_to_dev_zero_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("segmentation.json");
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    let start = Instant::now();
    let err = Segmentation::load(&path).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, PipelineError::File { .. }), "{err:?}");
}

#[test]
fn segmenter_rejects_n_init_usize_max() {
    for n_init in [usize::MAX, 1 << 40] {
        let err = segmenter(0).n_init(n_init).fit(&records()).unwrap_err();
        assert!(
            matches!(
                &err,
                PipelineError::Cluster {
                    source: ClusterError::InvalidParameter { parameter: "n_init", value, .. }
                } if *value == n_init.to_string()
            ),
            "{err:?}"
        );
    }
}
