//! A saved transform as a file: concurrent saves of one path (threads and
//! processes) leave one whole transform and no temporary file, and loading
//! refuses what is not a regular file at once.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use seg_features::{Categorical, FeatureError, Numeric, Schema, Transformer, Value};

/// Set in a child process of [`processes_saving_one_path_leave_one_whole_transform`].
const CHILD_PATH: &str = "SEG_FEATURES_TEST_CHILD_PATH";
const CHILD_ID: &str = "SEG_FEATURES_TEST_CHILD_ID";

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

fn assert_one_whole_transform_and_nothing_else(dir: &Path, path: &Path, writers: usize) {
    let loaded = Transformer::load(path).unwrap();
    assert!(
        (0..writers).any(|w| loaded == transform(w)),
        "the file is none of the saved transforms"
    );
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [path.file_name().unwrap()], "left behind: {names:?}");
}

#[test]
fn threads_saving_one_path_leave_one_whole_transform() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("transform.json");
    let transforms: Vec<Transformer> = (0..6).map(transform).collect();
    std::thread::scope(|s| {
        for t in &transforms {
            let path = &path;
            s.spawn(move || {
                for _ in 0..10 {
                    t.save(path).unwrap();
                }
            });
        }
    });
    assert_one_whole_transform_and_nothing_else(dir.path(), &path, 6);
}

/// The body of a child process; does nothing in a normal test run.
#[test]
fn child_process_saves_a_transform() {
    let (Ok(path), Ok(id)) = (std::env::var(CHILD_PATH), std::env::var(CHILD_ID)) else {
        return;
    };
    let t = transform(id.parse().unwrap());
    for _ in 0..10 {
        t.save(&path).unwrap();
    }
}

#[test]
fn processes_saving_one_path_leave_one_whole_transform() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("transform.json");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..4)
        .map(|id| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "child_process_saves_a_transform",
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
    assert_one_whole_transform_and_nothing_else(dir.path(), &path, 4);
}

#[cfg(unix)]
#[test]
fn transformer_load_rejects_a_fifo_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("transform.json");
    let made = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    let start = Instant::now();
    let err = Transformer::load(&path).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, FeatureError::File { .. }), "{err:?}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[cfg(unix)]
#[test]
fn transformer_load_rejects_a_symlink_to_dev_zero_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("transform.json");
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    let start = Instant::now();
    let err = Transformer::load(&path).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5));
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
