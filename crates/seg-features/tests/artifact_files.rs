//! A saved transform as a file: concurrent saves of one path (threads and
//! processes) leave one whole transform and no temporary file, and loading
//! refuses what is not a regular file at once.

use std::path::Path;

use seg_features::{Categorical, FeatureError, Numeric, Schema, Transformer, Value};
use seg_testdata::files;

/// The key of the child processes of [`processes_saving_one_path_leave_one_whole_transform`].
const CHILD: &str = "SEG_FEATURES";

/// A transform fitted on records that depend on `writer` (about 60 kB of
/// JSON: many categories), so that every writer saves another file.
fn transform(writer: usize) -> Transformer {
    let schema = Schema::builder()
        .numeric("pages", Numeric::default())
        .categorical("page", Categorical::new())
        .build()
        .unwrap();
    let records: Vec<Vec<Value<'static>>> = (0..3000)
        .map(|i| {
            vec![
                Value::from((i * (writer + 1)) as f64),
                Value::from(format!("page-{writer}-{}", i % 1500)),
            ]
        })
        .collect();
    schema.fit(&records).unwrap()
}

fn assert_one_whole_transform_and_nothing_else(path: &Path, writers: usize) {
    let loaded = Transformer::load(path).unwrap();
    assert!(
        (0..writers).any(|w| loaded == transform(w)),
        "the file is none of the saved transforms"
    );
    files::assert_only_file(path);
}

#[test]
fn threads_saving_one_path_leave_one_whole_transform() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("transform.json");
    let transforms: Vec<Transformer> = (0..6).map(transform).collect();
    files::save_from_threads(&transforms, &path, |t, p| t.save(p).unwrap());
    assert_one_whole_transform_and_nothing_else(&path, 6);
}

/// The body of a child process; does nothing in a normal test run.
#[test]
fn child_process_saves_a_transform() {
    let Some((path, id)) = files::child_saver(CHILD) else {
        return;
    };
    let t = transform(id);
    for _ in 0..files::ROUNDS {
        t.save(&path).unwrap();
    }
}

#[test]
fn processes_saving_one_path_leave_one_whole_transform() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("transform.json");
    files::save_from_processes(CHILD, "child_process_saves_a_transform", 4, &path);
    assert_one_whole_transform_and_nothing_else(&path, 4);
}

#[cfg(unix)]
#[test]
fn transformer_load_rejects_a_fifo_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("transform.json");
    files::make_fifo(&path);
    let err = files::promptly(|| Transformer::load(&path).unwrap_err());
    assert!(matches!(err, FeatureError::File { .. }), "{err:?}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[cfg(unix)]
#[test]
fn transformer_load_rejects_a_symlink_to_dev_zero_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("transform.json");
    files::link_to_dev_zero(&path);
    let err = files::promptly(|| Transformer::load(&path).unwrap_err());
    assert!(matches!(err, FeatureError::File { .. }), "{err:?}");
}

#[test]
fn transformer_load_of_a_missing_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.json");
    let err = Transformer::load(&path).unwrap_err();
    assert!(err.to_string().contains("absent.json"), "{err}");
    assert!(std::error::Error::source(&err).is_some());
}
