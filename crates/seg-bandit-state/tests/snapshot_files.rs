//! A snapshot as a file: concurrent saves of one path (threads and
//! processes) leave one whole snapshot and no temporary file, and loading
//! refuses what is not a regular file at once.

use std::path::Path;

use seg_bandit_state::{BanditError, Batch, Experiment, MemoryStore, Prior, StateStore};
use seg_testdata::files;

/// The key of the child processes of [`processes_saving_one_path_leave_one_whole_snapshot`].
const CHILD: &str = "SEG_BANDIT";

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

fn assert_one_whole_snapshot_and_nothing_else(path: &Path, writers: usize) {
    let loaded = MemoryStore::load(path).unwrap();
    assert!(
        (0..writers).any(|w| loaded == store(w)),
        "the file is none of the saved snapshots"
    );
    files::assert_only_file(path);
}

#[test]
fn threads_saving_one_path_leave_one_whole_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let stores: Vec<MemoryStore> = (0..6).map(store).collect();
    files::save_from_threads(&stores, &path, |st, p| st.save(p).unwrap());
    assert_one_whole_snapshot_and_nothing_else(&path, 6);
}

/// The body of a child process; does nothing in a normal test run.
#[test]
fn child_process_saves_a_snapshot() {
    let Some((path, id)) = files::child_saver(CHILD) else {
        return;
    };
    let st = store(id);
    for _ in 0..files::ROUNDS {
        st.save(&path).unwrap();
    }
}

#[test]
fn processes_saving_one_path_leave_one_whole_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    files::save_from_processes(CHILD, "child_process_saves_a_snapshot", 4, &path);
    assert_one_whole_snapshot_and_nothing_else(&path, 4);
}

#[cfg(unix)]
#[test]
fn snapshot_load_rejects_a_fifo_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    files::make_fifo(&path);
    let err = files::promptly(|| MemoryStore::load(&path).unwrap_err());
    assert!(matches!(err, BanditError::File { .. }), "{err:?}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[cfg(unix)]
#[test]
fn snapshot_load_rejects_a_symlink_to_dev_zero_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    files::link_to_dev_zero(&path);
    let err = files::promptly(|| MemoryStore::load(&path).unwrap_err());
    assert!(matches!(err, BanditError::File { .. }), "{err:?}");
}
