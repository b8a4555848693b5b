//! Segment models as files: concurrent saves of one path (threads and
//! processes) leave one whole model and no temporary file, and loading (a
//! model file, a history's version files) refuses what is not a regular
//! file at once.

use std::path::Path;

use ndarray::Array2;
use seg_cluster::{AutoK, ClusterError, ModelHistory, SegmentModel, TrainParams};
use seg_testdata::files;

/// The key of the child processes of [`processes_saving_one_path_leave_one_whole_model`].
const CHILD: &str = "SEG_CLUSTER";

/// A model whose creation time depends on `writer`, so that every writer
/// saves another file.
fn model(writer: usize) -> SegmentModel {
    let x = Array2::from_shape_fn((90, 2), |(i, j)| {
        (i % 3) as f64 * 10.0 + ((i * 7 + j * 3) % 5) as f64 * 0.3
    });
    let params = TrainParams::new()
        .auto_k(AutoK::params().k_range(2..=4).n_init(1))
        .created_at(1_700_000_000 + writer as u64);
    SegmentModel::train(x.view(), &["a", "b"], &params).unwrap()
}

fn assert_one_whole_model_and_nothing_else(path: &Path, writers: usize) {
    let loaded = SegmentModel::load(path).unwrap().to_json().unwrap();
    assert!(
        (0..writers).any(|w| loaded == model(w).to_json().unwrap()),
        "the file is none of the saved models"
    );
    files::assert_only_file(path);
}

#[test]
fn threads_saving_one_path_leave_one_whole_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    let models: Vec<SegmentModel> = (0..6).map(model).collect();
    files::save_from_threads(&models, &path, |m, p| m.save(p).unwrap());
    assert_one_whole_model_and_nothing_else(&path, 6);
}

/// The body of a child process; does nothing in a normal test run.
#[test]
fn child_process_saves_a_model() {
    let Some((path, id)) = files::child_saver(CHILD) else {
        return;
    };
    let m = model(id);
    for _ in 0..files::ROUNDS {
        m.save(&path).unwrap();
    }
}

#[test]
fn processes_saving_one_path_leave_one_whole_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    files::save_from_processes(CHILD, "child_process_saves_a_model", 4, &path);
    assert_one_whole_model_and_nothing_else(&path, 4);
}

#[cfg(unix)]
#[test]
fn segment_model_load_rejects_a_fifo_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    files::make_fifo(&path);
    let err = files::promptly(|| SegmentModel::load(&path).unwrap_err());
    assert!(matches!(err, ClusterError::File { .. }), "{err:?}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[cfg(unix)]
#[test]
fn segment_model_load_rejects_a_symlink_to_dev_zero_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    files::link_to_dev_zero(&path);
    let err = files::promptly(|| SegmentModel::load(&path).unwrap_err());
    assert!(matches!(err, ClusterError::File { .. }), "{err:?}");
}

/// The version 2 of a history of two versions replaced by `make`; `open`
/// returns promptly, loads version 1 and reports version 2 as corrupt,
/// with the refusal of the file as the cause.
#[cfg(unix)]
fn history_reports_a_special_version_file(make: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    let mut history = ModelHistory::open(dir.path()).unwrap();
    history.save(&model(0)).unwrap();
    history.save(&model(0)).unwrap();
    let v2 = dir.path().join("segment-model-v000002.json");
    std::fs::remove_file(&v2).unwrap();
    make(&v2);
    let history = files::promptly(|| ModelHistory::open(dir.path()).unwrap());
    assert_eq!(history.versions(), [1]);
    match history.corrupt() {
        [ClusterError::CorruptModelFile { path, source }] => {
            assert_eq!(*path, v2);
            assert!(matches!(**source, ClusterError::File { .. }), "{source:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn history_open_rejects_a_fifo_version_file() {
    history_reports_a_special_version_file(files::make_fifo);
}

#[cfg(unix)]
#[test]
fn history_open_rejects_a_version_file_linked_to_dev_zero() {
    history_reports_a_special_version_file(files::link_to_dev_zero);
}
