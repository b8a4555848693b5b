//! A saved segmentation as a file: concurrent saves of one path (threads
//! and processes) leave one whole segmentation and no temporary file, and
//! loading refuses what is not a regular file at once; counts that size an
//! allocation are checked with the parameters.

#![cfg(feature = "pipeline")]

use std::path::Path;

use seg_testdata::files;
use segmentation::cluster::ClusterError;
use segmentation::features::Value;
use segmentation::pipeline::{PipelineError, Segmentation, Segmenter, numeric_schema};

/// The key of the child processes of [`processes_saving_one_path_leave_one_whole_segmentation`].
const CHILD: &str = "SEGMENTATION";

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

fn assert_one_whole_segmentation_and_nothing_else(path: &Path, writers: usize) {
    let loaded = Segmentation::load(path).unwrap();
    assert!(
        (0..writers).any(|w| loaded == segmentation(w)),
        "the file is none of the saved segmentations"
    );
    files::assert_only_file(path);
}

#[test]
fn threads_saving_one_path_leave_one_whole_segmentation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("segmentation.json");
    let all: Vec<Segmentation> = (0..6).map(segmentation).collect();
    files::save_from_threads(&all, &path, |seg, p| seg.save(p).unwrap());
    assert_one_whole_segmentation_and_nothing_else(&path, 6);
}

/// The body of a child process; does nothing in a normal test run.
#[test]
fn child_process_saves_a_segmentation() {
    let Some((path, id)) = files::child_saver(CHILD) else {
        return;
    };
    let seg = segmentation(id);
    for _ in 0..files::ROUNDS {
        seg.save(&path).unwrap();
    }
}

#[test]
fn processes_saving_one_path_leave_one_whole_segmentation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("segmentation.json");
    files::save_from_processes(CHILD, "child_process_saves_a_segmentation", 4, &path);
    assert_one_whole_segmentation_and_nothing_else(&path, 4);
}

#[cfg(unix)]
#[test]
fn segmentation_load_rejects_a_fifo_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("segmentation.json");
    files::make_fifo(&path);
    let err = files::promptly(|| Segmentation::load(&path).unwrap_err());
    assert!(matches!(err, PipelineError::File { .. }), "{err:?}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[cfg(unix)]
#[test]
fn segmentation_load_rejects_a_symlink_to_dev_zero_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("segmentation.json");
    files::link_to_dev_zero(&path);
    let err = files::promptly(|| Segmentation::load(&path).unwrap_err());
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
