//! The SQLite store on real files: concurrent threads and processes, killed
//! writers, hostile names, reopening, schema versions and corrupted files.
#![cfg(feature = "sqlite")]

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use seg_bandit_state::{
    BanditError, Batch, Event, Experiment, Prior, SegmentState, SqliteStore, StateStore,
};

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

const EXPERIMENT: &str = "checkout";
const VARIANTS: [&str; 3] = ["control", "green", "blue"];
const SEGMENTS: [&str; 3] = ["mobile", "desktop", "tablet"];

fn experiment() -> Experiment {
    Experiment::new(EXPERIMENT, VARIANTS, Prior::new(1.0, 1.0).unwrap()).unwrap()
}

fn create(db: &Path) -> SqliteStore {
    let mut store = SqliteStore::open(db).unwrap();
    store.create_experiment(&experiment()).unwrap();
    store
}

/// The `i`-th batch of writer `w`: spread over segments and variants, with
/// counts that differ per writer so that a lost or doubled batch shows.
fn batch(w: usize, i: usize) -> Batch {
    let segment = SEGMENTS[(w + i) % SEGMENTS.len()];
    let variant = VARIANTS[i % VARIANTS.len()];
    let successes = u64::try_from(w % 3 + 1).unwrap();
    let failures = u64::try_from(i % 5 + 2).unwrap();
    Batch::new(
        segment,
        variant,
        successes,
        failures,
        i64::try_from(i).unwrap(),
    )
    .unwrap()
}

/// Expected totals per (segment, variant) after writers `0..writers` each
/// recorded batches `0..per_writer`.
fn expected_totals(writers: usize, per_writer: usize) -> BTreeMap<(String, String), (u64, u64)> {
    let mut totals = BTreeMap::new();
    for w in 0..writers {
        for i in 0..per_writer {
            let b = batch(w, i);
            let t = totals
                .entry((b.segment().to_owned(), b.variant().to_owned()))
                .or_insert((0, 0));
            t.0 += b.successes();
            t.1 += b.failures();
        }
    }
    totals
}

fn state_totals(states: &[SegmentState]) -> BTreeMap<(String, String), (u64, u64)> {
    states
        .iter()
        .map(|s| {
            (
                (s.segment.clone(), s.variant.clone()),
                (s.successes, s.failures),
            )
        })
        .collect()
}

/// Every event of the experiment, paging through `events_since`.
fn all_events(store: &mut SqliteStore) -> Vec<Event> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page = store.events_since(EXPERIMENT, after, 700).unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        events.extend(page);
    }
    events
}

/// Checks that the event log folds to the state table: for every variant ×
/// segment, the totals equal the sums over its events and α, β equal the prior
/// plus those sums; sequence numbers strictly increase.
fn assert_events_replay_to_states(store: &mut SqliteStore) {
    let events = all_events(store);
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(
        store.event_count(EXPERIMENT).unwrap(),
        u64::try_from(events.len()).unwrap()
    );
    let mut replay: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for e in &events {
        let t = replay
            .entry((e.segment.clone(), e.variant.clone()))
            .or_insert((0, 0));
        t.0 += e.successes;
        t.1 += e.failures;
    }
    let states = store.all_states(EXPERIMENT).unwrap();
    for s in &states {
        let (successes, failures) = replay
            .get(&(s.segment.clone(), s.variant.clone()))
            .copied()
            .unwrap_or((0, 0));
        assert_eq!((s.successes, s.failures), (successes, failures), "{s:?}");
        let mut posterior = s.prior.state();
        posterior.observe(successes, failures);
        assert_eq!(s.state, posterior);
    }
    // No event of a variant × segment without a state row.
    let cells = state_totals(&states);
    assert!(replay.keys().all(|k| cells.contains_key(k)));
}

#[test]
fn eight_threads_with_their_own_connections_lose_no_update() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 1_000;
    let dir = TempDir::new("threads");
    let db = dir.db();
    drop(create(&db));
    thread::scope(|scope| {
        for w in 0..THREADS {
            let db = &db;
            scope.spawn(move || {
                let mut store = SqliteStore::open(db).unwrap();
                for i in 0..PER_THREAD {
                    store.record(EXPERIMENT, &batch(w, i)).unwrap();
                }
            });
        }
    });
    let mut store = SqliteStore::open(&db).unwrap();
    assert_eq!(
        store.event_count(EXPERIMENT).unwrap(),
        u64::try_from(THREADS * PER_THREAD).unwrap()
    );
    let states = store.all_states(EXPERIMENT).unwrap();
    assert_eq!(state_totals(&states), expected_totals(THREADS, PER_THREAD));
    assert_events_replay_to_states(&mut store);
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
    use rand::{RngExt, SeedableRng};
    let dir = TempDir::new("same-as-memory");
    let mut sqlite = SqliteStore::open(dir.db()).unwrap();
    let mut memory = seg_bandit_state::MemoryStore::new();
    for store in [&mut sqlite as &mut dyn StateStore, &mut memory] {
        assert!(store.create_experiment(&experiment()).unwrap());
        assert!(!store.create_experiment(&experiment()).unwrap());
        let priors = [Prior::new(3.0, 9.0).unwrap(); 3];
        assert!(store.create_segment(EXPERIMENT, "warm", &priors).unwrap());
    }
    let mut rng = rand_pcg::Pcg64::seed_from_u64(13);
    let segments = ["warm", "a", "b", "c", "d"];
    for t in 0..400 {
        let segment = segments[rng.random_range(0..segments.len())];
        let variant = VARIANTS[rng.random_range(0..VARIANTS.len())];
        let b = Batch::new(
            segment,
            variant,
            rng.random_range(0..50),
            rng.random_range(0..50),
            t,
        )
        .unwrap();
        let from_sqlite = sqlite.record(EXPERIMENT, &b).unwrap();
        let from_memory = memory.record(EXPERIMENT, &b).unwrap();
        assert_eq!(
            Event {
                seq: 0,
                ..from_sqlite
            },
            Event {
                seq: 0,
                ..from_memory
            }
        );
    }
    assert_eq!(
        sqlite.all_states(EXPERIMENT).unwrap(),
        memory.all_states(EXPERIMENT).unwrap()
    );
    for segment in segments {
        assert_eq!(
            sqlite.segment_states(EXPERIMENT, segment).unwrap(),
            memory.segment_states(EXPERIMENT, segment).unwrap()
        );
    }
    assert_eq!(
        sqlite.event_count(EXPERIMENT).unwrap(),
        memory.event_count(EXPERIMENT).unwrap()
    );
    let strip = |events: Vec<Event>| -> Vec<Event> {
        events.into_iter().map(|e| Event { seq: 0, ..e }).collect()
    };
    assert_eq!(
        strip(sqlite.events_since(EXPERIMENT, 0, usize::MAX).unwrap()),
        strip(memory.events_since(EXPERIMENT, 0, usize::MAX).unwrap())
    );
    assert_eq!(
        sqlite.experiment(EXPERIMENT).unwrap(),
        memory.experiment(EXPERIMENT).unwrap()
    );
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

/// Reads the child's stdout until a line ending with `marker` (the test
/// harness prints `test child_process_entry ... ` without a newline first).
fn wait_for_line(child: &mut Child, marker: &str) {
    let stdout = child.stdout.as_mut().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).unwrap();
        assert!(n > 0, "child ended before printing {marker:?}");
        if line.trim_end().ends_with(marker) {
            return;
        }
    }
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
    let mut store = SqliteStore::open(&db).unwrap();
    assert_eq!(
        store.event_count(EXPERIMENT).unwrap(),
        u64::try_from(PROCESSES * PER_PROCESS).unwrap()
    );
    let states = store.all_states(EXPERIMENT).unwrap();
    assert_eq!(
        state_totals(&states),
        expected_totals(PROCESSES, PER_PROCESS)
    );
    assert_events_replay_to_states(&mut store);
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
    let dir = TempDir::new("names");
    let db = dir.db();
    let names = [
        "'; DROP TABLE variants; --",
        "Robert'); DROP TABLE experiments;--",
        "\" OR 1=1 --",
        "?1 ?2 :name @x $y",
        "ünïcødé ✓ 🎲",
        "tab\tnew\nline",
        "nul\0inside",
        " leading and trailing ",
    ];
    let experiment_name = "'; DROP TABLE experiments; --";
    let experiment = Experiment::new(experiment_name, names, Prior::uniform()).unwrap();
    {
        let mut store = SqliteStore::open(&db).unwrap();
        assert!(store.create_experiment(&experiment).unwrap());
        for (i, segment) in names.iter().enumerate() {
            let variant = names[(i + 1) % names.len()];
            let b = Batch::new(*segment, variant, 1, 2, 3).unwrap();
            let e = store.record(experiment_name, &b).unwrap();
            assert_eq!(
                (e.segment.as_str(), e.variant.as_str()),
                (*segment, variant)
            );
        }
    }
    let mut store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.experiment(experiment_name).unwrap(), experiment);
    let states = store.all_states(experiment_name).unwrap();
    // Segments in creation order, variants in the experiment's order.
    let segments: Vec<&str> = states
        .chunks(names.len())
        .map(|c| c[0].segment.as_str())
        .collect();
    assert_eq!(segments, names);
    for chunk in states.chunks(names.len()) {
        let variants: Vec<&str> = chunk.iter().map(|s| s.variant.as_str()).collect();
        assert_eq!(variants, names);
    }
    let events = store.events_since(experiment_name, 0, usize::MAX).unwrap();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.experiment, experiment_name);
        assert_eq!(e.segment, names[i]);
        assert_eq!(e.variant, names[(i + 1) % names.len()]);
    }
    for segment in names {
        assert_eq!(
            store
                .segment_states(experiment_name, segment)
                .unwrap()
                .len(),
            names.len()
        );
    }
}

#[test]
fn a_reopened_database_keeps_everything() {
    let dir = TempDir::new("reopen");
    let db = dir.db();
    let (states, events, definition) = {
        let mut store = create(&db);
        store
            .create_segment(
                EXPERIMENT,
                "warm",
                &[
                    Prior::new(2.5, 7.5).unwrap(),
                    Prior::new(0.5, 0.5).unwrap(),
                    Prior::new(3.0, 1.0).unwrap(),
                ],
            )
            .unwrap();
        for i in 0..50 {
            store.record(EXPERIMENT, &batch(1, i)).unwrap();
        }
        store
            .record(EXPERIMENT, &Batch::new("warm", "green", 4, 6, -17).unwrap())
            .unwrap();
        (
            store.all_states(EXPERIMENT).unwrap(),
            all_events(&mut store),
            store.experiment(EXPERIMENT).unwrap(),
        )
    };
    let mut store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.experiment(EXPERIMENT).unwrap(), definition);
    assert_eq!(store.all_states(EXPERIMENT).unwrap(), states);
    assert_eq!(all_events(&mut store), events);
    let warm = store.segment_states(EXPERIMENT, "warm").unwrap();
    assert_eq!(warm[1].prior, Prior::new(0.5, 0.5).unwrap());
    assert_eq!((warm[1].successes, warm[1].failures), (4, 6));
    assert_eq!(warm[1].state.alpha, 4.5);
    assert_eq!(events.last().unwrap().timestamp, -17);
    // Creating the same experiment again changes nothing.
    assert!(!store.create_experiment(&experiment()).unwrap());
    assert_eq!(store.all_states(EXPERIMENT).unwrap(), states);
}

#[test]
fn creating_an_experiment_again_with_other_variants_or_prior_is_a_conflict() {
    let dir = TempDir::new("conflict");
    let mut store = create(&dir.db());
    let other_variants =
        Experiment::new(EXPERIMENT, ["control", "green"], Prior::uniform()).unwrap();
    assert!(matches!(
        store.create_experiment(&other_variants),
        Err(BanditError::ExperimentConflict { ref experiment, .. }) if experiment == EXPERIMENT
    ));
    let other_prior = Experiment::new(EXPERIMENT, VARIANTS, Prior::new(2.0, 1.0).unwrap()).unwrap();
    assert!(matches!(
        store.create_experiment(&other_prior),
        Err(BanditError::ExperimentConflict { .. })
    ));
    assert_eq!(store.experiment(EXPERIMENT).unwrap(), experiment());
}

#[test]
fn unknown_experiment_variant_and_segment_are_errors_naming_them() {
    let dir = TempDir::new("unknown");
    let mut store = create(&dir.db());
    let b = Batch::new("mobile", "purple", 1, 1, 0).unwrap();
    assert!(matches!(store.record(EXPERIMENT, &b),
        Err(BanditError::UnknownVariant { ref variant, .. }) if variant == "purple"));
    assert!(matches!(store.record("nope", &batch(0, 0)),
        Err(BanditError::UnknownExperiment { ref experiment }) if experiment == "nope"));
    assert!(matches!(store.segment_states(EXPERIMENT, "nowhere"),
        Err(BanditError::UnknownSegment { ref segment, .. }) if segment == "nowhere"));
    assert!(matches!(
        store.all_states("nope"),
        Err(BanditError::UnknownExperiment { .. })
    ));
    assert!(matches!(
        store.events_since("nope", 0, 10),
        Err(BanditError::UnknownExperiment { .. })
    ));
    assert!(matches!(
        store.event_count("nope"),
        Err(BanditError::UnknownExperiment { .. })
    ));
    assert!(matches!(
        store.experiment("nope"),
        Err(BanditError::UnknownExperiment { .. })
    ));
    assert!(matches!(
        store.create_segment(EXPERIMENT, "s", &[Prior::uniform()]),
        Err(BanditError::InvalidParameter {
            parameter: "priors",
            ..
        })
    ));
    // A refused batch created nothing, not even its segment.
    assert_eq!(store.event_count(EXPERIMENT).unwrap(), 0);
    assert!(store.all_states(EXPERIMENT).unwrap().is_empty());
}

#[test]
fn a_total_beyond_i64_max_is_an_error_and_records_nothing() {
    let dir = TempDir::new("overflow");
    let mut store = create(&dir.db());
    let max = seg_bandit_state::MAX_BATCH_COUNT;
    store
        .record(EXPERIMENT, &Batch::new("s", "green", max, 0, 0).unwrap())
        .unwrap();
    assert!(matches!(
        store.record(EXPERIMENT, &Batch::new("s", "green", 1, 0, 1).unwrap()),
        Err(BanditError::InvalidParameter {
            parameter: "successes",
            ..
        })
    ));
    assert_eq!(store.event_count(EXPERIMENT).unwrap(), 1);
    let green = &store.segment_states(EXPERIMENT, "s").unwrap()[1];
    assert_eq!(green.successes, max);
    // Other counters still take increments.
    store
        .record(EXPERIMENT, &Batch::new("s", "green", 0, max, 2).unwrap())
        .unwrap();
    assert_events_replay_to_states(&mut store);
}

#[test]
fn create_segment_is_idempotent_and_the_first_priors_win() {
    let dir = TempDir::new("segment");
    let mut store = create(&dir.db());
    let first = [Prior::new(2.0, 3.0).unwrap(); 3];
    let second = [Prior::new(9.0, 9.0).unwrap(); 3];
    assert!(store.create_segment(EXPERIMENT, "new", &first).unwrap());
    assert!(!store.create_segment(EXPERIMENT, "new", &second).unwrap());
    let states = store.segment_states(EXPERIMENT, "new").unwrap();
    assert!(
        states
            .iter()
            .all(|s| s.prior == first[0] && s.successes == 0)
    );
    assert!(matches!(
        store.create_segment(EXPERIMENT, "", &first),
        Err(BanditError::InvalidParameter {
            parameter: "segment",
            ..
        })
    ));
}

#[test]
fn events_since_pages_in_sequence_order() {
    let dir = TempDir::new("paging");
    let mut store = create(&dir.db());
    let recorded: Vec<Event> = (0..25)
        .map(|i| store.record(EXPERIMENT, &batch(2, i)).unwrap())
        .collect();
    assert_eq!(all_events(&mut store), recorded);
    let mid = recorded[9].seq;
    assert_eq!(
        store.events_since(EXPERIMENT, mid, 3).unwrap(),
        recorded[10..13]
    );
    assert!(store.events_since(EXPERIMENT, 0, 0).unwrap().is_empty());
    assert!(
        store
            .events_since(EXPERIMENT, u64::MAX, 10)
            .unwrap()
            .is_empty()
    );
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
