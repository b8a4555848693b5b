//! A snapshot as a file: concurrent saves of one path (threads and
//! processes) leave one whole snapshot and no temporary file, and loading
//! refuses what is not a regular file at once.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use seg_bandit_state::{BanditError, Batch, Experiment, MemoryStore, Prior, StateStore};

/// Set in a child process of [`processes_saving_one_path_leave_one_whole_snapshot`].
const CHILD_PATH: &str = "SEG_BANDIT_TEST_CHILD_PATH";
const CHILD_ID: &str = "SEG_BANDIT_TEST_CHILD_ID";

/// A store whose events depend on `writer` (a few thousand events, some
/// hundred kilobytes of JSON), so that every writer saves another file.
fn store(writer: usize) -> MemoryStore {
    let mut s = MemoryStore::new();
    let e = Experiment::new("e", ["a", "b"], Prior::uniform()).unwrap();
    s.create_experiment(&e).unwrap();
    for i in 0..3000_u64 {
        let batch = Batch::new(
            format!("s{}", i % 50),
            if i % 2 == 0 { "a" } else { "b" },
            i % 7 + writer as u64,
            i % 5,
            i as i64,
        )
        .unwrap();
        s.record("e", &batch).unwrap();
    }
    s
}

fn assert_one_whole_snapshot_and_nothing_else(dir: &Path, path: &Path, writers: usize) {
    let loaded = MemoryStore::load(path).unwrap();
    assert!(
        (0..writers).any(|w| loaded == store(w)),
        "the file is none of the saved snapshots"
    );
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [path.file_name().unwrap()], "left behind: {names:?}");
}

#[test]
fn threads_saving_one_path_leave_one_whole_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let stores: Vec<MemoryStore> = (0..6).map(store).collect();
    std::thread::scope(|s| {
        for st in &stores {
            let path = &path;
            s.spawn(move || {
                for _ in 0..10 {
                    st.save(path).unwrap();
                }
            });
        }
    });
    assert_one_whole_snapshot_and_nothing_else(dir.path(), &path, 6);
}

/// The body of a child process; does nothing in a normal test run.
#[test]
fn child_process_saves_a_snapshot() {
    let (Ok(path), Ok(id)) = (std::env::var(CHILD_PATH), std::env::var(CHILD_ID)) else {
        return;
    };
    let st = store(id.parse().unwrap());
    for _ in 0..10 {
        st.save(&path).unwrap();
    }
}

#[test]
fn processes_saving_one_path_leave_one_whole_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..4)
        .map(|id| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "child_process_saves_a_snapshot",
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
    assert_one_whole_snapshot_and_nothing_else(dir.path(), &path, 4);
}

#[cfg(unix)]
#[test]
fn snapshot_load_rejects_a_fifo_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let made = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    let start = Instant::now();
    let err = MemoryStore::load(&path).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, BanditError::File { .. }), "{err:?}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[cfg(unix)]
#[test]
fn snapshot_load_rejects_a_symlink_to_dev_zero_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    let start = Instant::now();
    let err = MemoryStore::load(&path).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, BanditError::File { .. }), "{err:?}");
}
