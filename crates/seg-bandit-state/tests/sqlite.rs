//! The SQLite store on real files: concurrent threads and processes, killed
//! writers, hostile names, reopening, schema versions and corrupted files.
#![cfg(feature = "sqlite")]

mod common {
    pub mod store_behaviour;
}

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::store_behaviour::{
    self as behaviour, Backend, EXPERIMENT, all_events, assert_events_replay_to_states, batch,
    experiment, wait_for_line,
};
use seg_bandit_state::{BanditError, Prior, SqliteStore, StateStore};

/// A fresh folder under the system temporary folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "seg-bandit-sqlite-{tag}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn db(&self) -> PathBuf {
        self.0.join("bandit.sqlite")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn create(db: &Path) -> SqliteStore {
    let mut store = SqliteStore::open(db).unwrap();
    store.create_experiment(&experiment()).unwrap();
    store
}

/// The shared behaviour tests on one SQLite file of a temporary folder.
impl Backend for TempDir {
    type Store = SqliteStore;
    fn open(&self) -> SqliteStore {
        SqliteStore::open(self.db()).unwrap()
    }
}

#[test]
fn eight_threads_with_their_own_connections_lose_no_update() {
    let dir = TempDir::new("threads");
    behaviour::threads_with_their_own_connections_lose_no_update(&dir, 8, 1_000);
}

#[test]
fn a_writer_waits_for_a_held_lock_instead_of_failing() {
    let dir = TempDir::new("held-lock");
    let db = dir.db();
    drop(create(&db));
    let mut other = rusqlite::Connection::open(&db).unwrap();
    let tx = other
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let writer = {
        let db = db.clone();
        thread::spawn(move || {
            let mut store = SqliteStore::open(&db).unwrap();
            store.record(EXPERIMENT, &batch(0, 0)).map(|e| e.seq)
        })
    };
    thread::sleep(Duration::from_millis(300));
    tx.commit().unwrap();
    assert!(writer.join().unwrap().is_ok());
    let mut store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.event_count(EXPERIMENT).unwrap(), 1);
}

#[test]
fn the_sqlite_store_answers_as_the_memory_store_does() {
    behaviour::answers_as_the_memory_store_does(&TempDir::new("same-as-memory"));
}

/// Cases of `corrupted_database_files_are_errors_never_panics`; set
/// `SEG_BANDIT_SQLITE_FUZZ_CASES` to run more outside the suite.
fn fuzz_cases() -> usize {
    std::env::var("SEG_BANDIT_SQLITE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

#[test]
fn corrupted_database_files_are_errors_never_panics() {
    use rand::{RngExt, SeedableRng};
    let dir = TempDir::new("fuzz");
    let valid = dir.0.join("valid.sqlite");
    {
        let mut store = create(&valid);
        store
            .create_segment(EXPERIMENT, "warm", &[Prior::new(2.0, 5.0).unwrap(); 3])
            .unwrap();
        for i in 0..40 {
            store.record(EXPERIMENT, &batch(1, i)).unwrap();
        }
    }
    // Closing the last connection checkpoints the WAL into the main file.
    let bytes = fs::read(&valid).unwrap();
    assert!(!dir.0.join("valid.sqlite-wal").exists());
    let mut rng = rand_pcg::Pcg64::seed_from_u64(2026);
    let (mut opened, mut read) = (0, 0);
    for case in 0..fuzz_cases() {
        let mut mutated = bytes.clone();
        match case % 4 {
            // A few random bytes anywhere.
            0 | 1 => {
                for _ in 0..rng.random_range(1..8) {
                    let at = rng.random_range(0..mutated.len());
                    mutated[at] = rng.random();
                }
            }
            // A run of garbage inside one page.
            2 => {
                let at = rng.random_range(0..mutated.len());
                let end = (at + rng.random_range(1..256)).min(mutated.len());
                for b in &mut mutated[at..end] {
                    *b = rng.random();
                }
            }
            // Truncated.
            _ => mutated.truncate(rng.random_range(0..mutated.len())),
        }
        let path = dir.0.join(format!("case-{case}.sqlite"));
        fs::write(&path, &mutated).unwrap();
        if let Ok(mut store) = SqliteStore::open(&path) {
            opened += 1;
            let states = store.all_states(EXPERIMENT);
            if states.is_ok() {
                read += 1;
            }
            let _ = store.events_since(EXPERIMENT, 0, usize::MAX);
            let _ = store.event_count(EXPERIMENT);
            let _ = store.segment_states(EXPERIMENT, "warm");
            let _ = store.experiment(EXPERIMENT);
            let _ = store.record(EXPERIMENT, &batch(2, case));
            let _ = store.create_experiment(&experiment());
        }
        drop(fs::remove_file(&path));
        drop(fs::remove_file(
            dir.0.join(format!("case-{case}.sqlite-wal")),
        ));
        drop(fs::remove_file(
            dir.0.join(format!("case-{case}.sqlite-shm")),
        ));
    }
    println!(
        "corrupted SQLite files: {} cases, {opened} opened, {read} read all states, no panic",
        fuzz_cases()
    );
}

// --- child processes -------------------------------------------------------

/// Environment variables that turn a run of this test binary into a child
/// process of a multi-process test (read by `child_process_entry`).
const CHILD_ROLE: &str = "SEG_BANDIT_SQLITE_CHILD_ROLE";
const CHILD_DB: &str = "SEG_BANDIT_SQLITE_CHILD_DB";
const CHILD_INDEX: &str = "SEG_BANDIT_SQLITE_CHILD_INDEX";

/// Starts this test binary again, running only `child_process_entry` in
/// `role`, with stdout piped to the parent.
fn spawn_child(role: &str, db: &Path, index: usize) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "child_process_entry",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ROLE, role)
        .env(CHILD_DB, db)
        .env(CHILD_INDEX, index.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

const PER_PROCESS: usize = 500;

/// Not a test of its own: the body of the child processes. Does nothing
/// unless started by `spawn_child`.
#[test]
fn child_process_entry() {
    let (Ok(role), Ok(db), Ok(index)) = (
        std::env::var(CHILD_ROLE),
        std::env::var(CHILD_DB),
        std::env::var(CHILD_INDEX),
    ) else {
        return;
    };
    let w: usize = index.parse().unwrap();
    // The parent holds our stdin: when it closes it (or dies), a child that
    // waits to be killed stops at once, so that none outlives a failed test.
    // (Writers run to their end: `wait` closes their stdin.)
    if role != "writer" {
        thread::spawn(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            std::process::exit(3);
        });
    }
    match role.as_str() {
        "writer" => {
            let mut store = SqliteStore::open(&db).unwrap();
            for i in 0..PER_PROCESS {
                store.record(EXPERIMENT, &batch(w, i)).unwrap();
            }
        }
        "endless-writer" => {
            let mut store = SqliteStore::open(&db).unwrap();
            // Bounded, in case the parent never kills it.
            for i in 0..1_000_000 {
                store.record(EXPERIMENT, &batch(w, i)).unwrap();
                if i == 20 {
                    println!("seg-bandit-sqlite: writing");
                }
            }
        }
        "open-transaction" => {
            // Half a batch, as the store writes it, then wait to be killed
            // before the commit.
            let mut conn = rusqlite::Connection::open(&db).unwrap();
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .unwrap();
            tx.execute(
                "UPDATE variant_segment_state SET successes = successes + 1000, failures = failures + 1000",
                [],
            )
            .unwrap();
            tx.execute(
                "INSERT INTO events (timestamp, experiment_id, segment_id, variant_id, successes, failures)
                 SELECT 0, s.experiment_id, s.segment_id, s.variant_id, 1000, 1000
                 FROM (SELECT v.experiment_id, st.segment_id, st.variant_id
                       FROM variant_segment_state st JOIN variants v ON v.id = st.variant_id) s",
                [],
            )
            .unwrap();
            println!("seg-bandit-sqlite: ready");
            thread::sleep(Duration::from_secs(120));
            tx.commit().unwrap();
        }
        other => panic!("unknown child role {other:?}"),
    }
}

#[test]
fn four_processes_lose_no_update() {
    const PROCESSES: usize = 4;
    let dir = TempDir::new("processes");
    let db = dir.db();
    drop(create(&db));
    let children: Vec<Child> = (0..PROCESSES)
        .map(|w| spawn_child("writer", &db, w))
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    behaviour::assert_processes_lost_no_update(&dir, PROCESSES, PER_PROCESS);
}

#[test]
fn a_process_killed_before_commit_leaves_none_of_its_batch() {
    let dir = TempDir::new("kill-open");
    let db = dir.db();
    let mut store = create(&db);
    for i in 0..30 {
        store.record(EXPERIMENT, &batch(0, i)).unwrap();
    }
    let before_states = store.all_states(EXPERIMENT).unwrap();
    let before_events = all_events(&mut store);
    drop(store);

    let mut child = spawn_child("open-transaction", &db, 0);
    wait_for_line(&mut child, "seg-bandit-sqlite: ready");
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no rollback
    assert!(!child.wait().unwrap().success());

    let mut store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.all_states(EXPERIMENT).unwrap(), before_states);
    assert_eq!(all_events(&mut store), before_events);
    // The lock died with the process: writing goes on.
    store.record(EXPERIMENT, &batch(0, 30)).unwrap();
    assert_eq!(store.event_count(EXPERIMENT).unwrap(), 31);
    assert_events_replay_to_states(&mut store);
}

#[test]
fn a_process_killed_while_recording_leaves_whole_batches_only() {
    let dir = TempDir::new("kill-loop");
    let db = dir.db();
    drop(create(&db));
    for round in 0..3 {
        let mut child = spawn_child("endless-writer", &db, round);
        wait_for_line(&mut child, "seg-bandit-sqlite: writing");
        thread::sleep(Duration::from_millis(
            20 + 15 * u64::try_from(round).unwrap(),
        ));
        child.kill().unwrap();
        assert!(!child.wait().unwrap().success());
        let mut store = SqliteStore::open(&db).unwrap();
        assert!(store.event_count(EXPERIMENT).unwrap() > 20);
        assert_events_replay_to_states(&mut store);
        // Every logged event is a whole batch as the writer built it.
        let events = all_events(&mut store);
        assert!(events.iter().all(|e| e.successes >= 1 && e.failures >= 2));
    }
}

#[test]
fn hostile_names_are_stored_and_read_back_verbatim() {
    behaviour::hostile_names_are_stored_and_read_back_verbatim(&TempDir::new("names"));
}

#[test]
fn a_reopened_database_keeps_everything() {
    behaviour::a_reopened_store_keeps_everything(&TempDir::new("reopen"));
}

#[test]
fn creating_an_experiment_again_with_other_variants_or_prior_is_a_conflict() {
    behaviour::creating_an_experiment_again_with_other_variants_or_prior_is_a_conflict(
        &TempDir::new("conflict"),
    );
}

#[test]
fn unknown_experiment_variant_and_segment_are_errors_naming_them() {
    behaviour::unknown_experiment_variant_and_segment_are_errors_naming_them(&TempDir::new(
        "unknown",
    ));
}

#[test]
fn a_total_beyond_i64_max_is_an_error_and_records_nothing() {
    behaviour::a_total_beyond_i64_max_is_an_error_and_records_nothing(&TempDir::new("overflow"));
}

#[test]
fn create_segment_is_idempotent_and_the_first_priors_win() {
    behaviour::create_segment_is_idempotent_and_the_first_priors_win(&TempDir::new("segment"));
}

#[test]
fn events_since_pages_in_sequence_order() {
    behaviour::events_since_pages_in_sequence_order(&TempDir::new("paging"));
}

#[test]
fn a_newer_schema_version_is_an_unsupported_format_and_left_unchanged() {
    let dir = TempDir::new("newer");
    let db = dir.db();
    let mut store = create(&db);
    store.record(EXPERIMENT, &batch(0, 0)).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE schema_version SET version = 99", [])
        .unwrap();
    drop(conn);
    let err = SqliteStore::open(&db).unwrap_err();
    assert!(
        matches!(err, BanditError::UnsupportedFormat { ref found, .. } if found.contains("99")),
        "{err}"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 99);
    let events: i64 = conn
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(events, 1);
}

#[test]
fn a_database_without_schema_is_migrated_on_open() {
    // An SQLite file created by someone else, with an unrelated table: the
    // migration adds the store's tables and keeps the rest.
    let dir = TempDir::new("older");
    let db = dir.db();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep');")
        .unwrap();
    drop(conn);
    let mut store = create(&db);
    store.record(EXPERIMENT, &batch(0, 0)).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SqliteStore::schema_version());
    let note: String = conn
        .query_row("SELECT text FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(note, "keep");
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_naming_the_path() {
    let dir = TempDir::new("garbage");
    let db = dir.db();
    fs::write(&db, b"this is not an SQLite database, just text padded out to a page: 0123456789abcdef0123456789abcdef0123456789abcdef").unwrap();
    let err = SqliteStore::open(&db).unwrap_err();
    assert!(
        matches!(err, BanditError::Sqlite { ref path, .. } if path == &db),
        "{err}"
    );
}

#[test]
fn a_corrupted_state_row_is_an_error_naming_it() {
    let dir = TempDir::new("corrupt");
    let db = dir.db();
    let mut store = create(&db);
    store.record(EXPERIMENT, &batch(0, 0)).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE variant_segment_state SET prior_alpha = 1e308 * 10",
        [],
    )
    .unwrap();
    drop(conn);
    let err = store.all_states(EXPERIMENT).unwrap_err();
    assert!(
        matches!(err, BanditError::InvalidArtifact { ref reason, .. } if reason.contains("prior")),
        "{err}"
    );
}

#[test]
fn events_cannot_be_rewritten_through_sql() {
    let dir = TempDir::new("append-only");
    let db = dir.db();
    let mut store = create(&db);
    store.record(EXPERIMENT, &batch(0, 0)).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    assert!(conn.execute("DELETE FROM events", []).is_err());
    assert!(conn.execute("UPDATE events SET successes = 0", []).is_err());
    assert_eq!(store.event_count(EXPERIMENT).unwrap(), 1);
}

/// Report only (no assertion on speed): recorded batches per second with one
/// writer and with eight writer threads, in WAL mode with
/// `synchronous = NORMAL`. Run with `--nocapture` to see the numbers.
#[test]
fn throughput_with_one_and_eight_writers_is_reported() {
    const BATCHES: usize = 2_000;
    let dir = TempDir::new("throughput");
    let db = dir.db();
    let mut store = create(&db);
    let start = Instant::now();
    for i in 0..BATCHES {
        store.record(EXPERIMENT, &batch(0, i)).unwrap();
    }
    let one = BATCHES as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    thread::scope(|scope| {
        for w in 0..8 {
            let db = &db;
            scope.spawn(move || {
                let mut store = SqliteStore::open(db).unwrap();
                for i in 0..BATCHES / 8 {
                    store.record(EXPERIMENT, &batch(w, i)).unwrap();
                }
            });
        }
    });
    let eight = BATCHES as f64 / start.elapsed().as_secs_f64();
    println!(
        "sqlite store: {one:.0} batches/s with 1 writer, {eight:.0} batches/s with 8 writer threads"
    );
    assert_eq!(
        store.event_count(EXPERIMENT).unwrap(),
        u64::try_from(2 * BATCHES).unwrap()
    );
}
