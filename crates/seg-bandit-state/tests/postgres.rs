//! The PostgreSQL store on a real server: the behaviour tests of the SQLite
//! store (threads, processes, hostile names, reopening, replay), terminated
//! backends, a server restart, idempotency keys, concurrent readers and
//! schema versions.
//!
//! The server is the one named by `SEG_POSTGRES_URL` (`.ci/postgres.sh`
//! starts one on loopback and prints the line to export). Without it every
//! test prints a message and passes, unless `SEG_REQUIRE_POSTGRES=1` (set by
//! `.ci/run`), which makes a missing URL a failure. Each test works in a
//! schema of its own (`seg_test_<test>`, dropped and created again at its
//! start, dropped at its end), so tests run in parallel on one database
//! without seeing each other; the database itself is never dropped.
#![cfg(feature = "postgres")]

mod common {
    pub mod decision_behaviour;
    pub mod store_behaviour;
}

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::store_behaviour::{
    self as behaviour, Backend, EXPERIMENT, all_events, assert_events_replay_to_states, batch,
    create, experiment, wait_for_line,
};
use postgres::{Client, Config, NoTls};
use seg_bandit_state::{BanditError, Batch, BufferedRecorder, PostgresStore, StateStore};

/// The server's URL, or `None` (with a message) when the tests are to skip.
fn server_url() -> Option<String> {
    match std::env::var("SEG_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("SEG_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "SEG_REQUIRE_POSTGRES=1 but SEG_POSTGRES_URL is not set: \
                 run `pg_env=$(bash .ci/postgres.sh) && eval \"$pg_env\"` first"
            );
            eprintln!(
                "skipped: SEG_POSTGRES_URL is not set (run `bash .ci/postgres.sh` and export \
                 the URL it prints, or point it at your own server)"
            );
            None
        }
    }
}

/// One schema of the test database: a fresh, empty store.
struct Schema {
    url: String,
    name: String,
}

impl Schema {
    /// The schema `seg_test_<tag>`, dropped if a previous run left it and
    /// created empty; `None` when the tests skip.
    fn new(tag: &str) -> Option<Self> {
        let url = server_url()?;
        let name = format!("seg_test_{tag}");
        let mut admin = Client::connect(&url, NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "SET client_min_messages = warning;
                 DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name};"
            ))
            .unwrap();
        Some(Self { url, name })
    }

    /// The configuration of a connection whose `search_path` is this schema.
    fn config(&self) -> Config {
        let mut config: Config = self.url.parse().unwrap();
        config.options(&format!("-c search_path={}", self.name));
        config
    }

    /// A plain client on this schema, to look at and tamper with the tables.
    fn client(&self) -> Client {
        self.config().connect(NoTls).unwrap()
    }

    /// A store whose connections carry `application_name`, so that a test
    /// can find (and terminate) its backend.
    fn open_named(&self, application_name: &str) -> PostgresStore {
        let mut config = self.config();
        config.application_name(application_name);
        PostgresStore::connect_with_tls(config, NoTls).unwrap()
    }

    /// Terminates every backend of `application_name`; returns how many.
    fn terminate(&self, application_name: &str) -> usize {
        let mut admin = Client::connect(&self.url, NoTls).unwrap();
        admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE application_name = $1 AND pid <> pg_backend_pid()",
                &[&application_name],
            )
            .unwrap()
            .len()
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if thread::panicking() {
            return; // keep the tables of a failed test to look at
        }
        if let Ok(mut admin) = Client::connect(&self.url, NoTls) {
            let _ = admin.batch_execute(&format!(
                "SET client_min_messages = warning; DROP SCHEMA IF EXISTS {} CASCADE;",
                self.name
            ));
        }
    }
}

impl Backend for Schema {
    type Store = PostgresStore;
    fn open(&self) -> PostgresStore {
        PostgresStore::connect_with_tls(self.config(), NoTls).unwrap()
    }
}

/// `let Some(schema) = schema!("tag") else { return };`
macro_rules! schema {
    ($tag:expr) => {
        Schema::new($tag)
    };
}

#[test]
fn eight_threads_with_their_own_connections_lose_no_update() {
    let Some(schema) = schema!("threads") else {
        return;
    };
    behaviour::threads_with_their_own_connections_lose_no_update(&schema, 8, 1_000);
}

#[test]
fn the_postgres_store_answers_as_the_memory_store_does() {
    let Some(schema) = schema!("same_as_memory") else {
        return;
    };
    behaviour::answers_as_the_memory_store_does(&schema);
}

#[test]
fn hostile_names_are_stored_and_read_back_verbatim() {
    let Some(schema) = schema!("names") else {
        return;
    };
    behaviour::hostile_names_are_stored_and_read_back_verbatim(&schema);
    // The tables are all still there.
    let mut client = schema.client();
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1",
            &[&schema.name],
        )
        .unwrap()
        .get(0);
    // schema_version, experiments, variants, segments, states, events,
    // decisions, period batches
    assert_eq!(tables, 8);
}

#[test]
fn the_postgres_store_logs_decisions_rewards_and_periods() {
    let Some(schema) = schema!("decisions") else {
        return;
    };
    common::decision_behaviour::check_decision_log(&mut schema.open());
}

#[test]
fn four_connections_lose_no_decision() {
    let Some(schema) = schema!("decision_threads") else {
        return;
    };
    common::decision_behaviour::concurrent_decisions_lose_none(|| schema.open(), 4, 100);
}

#[test]
fn a_reopened_database_keeps_everything() {
    let Some(schema) = schema!("reopen") else {
        return;
    };
    behaviour::a_reopened_store_keeps_everything(&schema);
}

#[test]
fn creating_an_experiment_again_with_other_variants_or_prior_is_a_conflict() {
    let Some(schema) = schema!("conflict") else {
        return;
    };
    behaviour::creating_an_experiment_again_with_other_variants_or_prior_is_a_conflict(&schema);
}

#[test]
fn unknown_experiment_variant_and_segment_are_errors_naming_them() {
    let Some(schema) = schema!("unknown") else {
        return;
    };
    behaviour::unknown_experiment_variant_and_segment_are_errors_naming_them(&schema);
}

#[test]
fn a_total_beyond_i64_max_is_an_error_and_records_nothing() {
    let Some(schema) = schema!("overflow") else {
        return;
    };
    behaviour::a_total_beyond_i64_max_is_an_error_and_records_nothing(&schema);
}

#[test]
fn create_segment_is_idempotent_and_the_first_priors_win() {
    let Some(schema) = schema!("segment") else {
        return;
    };
    behaviour::create_segment_is_idempotent_and_the_first_priors_win(&schema);
}

#[test]
fn events_since_pages_in_sequence_order() {
    let Some(schema) = schema!("paging") else {
        return;
    };
    behaviour::events_since_pages_in_sequence_order(&schema);
}

// --- child processes -------------------------------------------------------

/// Environment variables that turn a run of this test binary into a child
/// process of a multi-process test (read by `child_process_entry`).
const CHILD_ROLE: &str = "SEG_BANDIT_POSTGRES_CHILD_ROLE";
const CHILD_SCHEMA: &str = "SEG_BANDIT_POSTGRES_CHILD_SCHEMA";
const CHILD_INDEX: &str = "SEG_BANDIT_POSTGRES_CHILD_INDEX";

const PER_PROCESS: usize = 500;

/// Starts this test binary again, running only `child_process_entry` in
/// `role` on `schema`, with stdout piped to the parent.
fn spawn_child(role: &str, schema: &Schema, index: usize) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "child_process_entry",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ROLE, role)
        .env(CHILD_SCHEMA, &schema.name)
        .env(CHILD_INDEX, index.to_string())
        .env("SEG_POSTGRES_URL", &schema.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Not a test of its own: the body of the child processes. Does nothing
/// unless started by `spawn_child`.
#[test]
fn child_process_entry() {
    let (Ok(role), Ok(name), Ok(index), Ok(url)) = (
        std::env::var(CHILD_ROLE),
        std::env::var(CHILD_SCHEMA),
        std::env::var(CHILD_INDEX),
        std::env::var("SEG_POSTGRES_URL"),
    ) else {
        return;
    };
    // The parent's schema; not dropped by this process.
    let schema = std::mem::ManuallyDrop::new(Schema { url, name });
    let w: usize = index.parse().unwrap();
    match role.as_str() {
        "writer" => {
            let mut store = schema.open();
            for i in 0..PER_PROCESS {
                store.record(EXPERIMENT, &batch(w, i)).unwrap();
            }
        }
        "open-transaction" => {
            // The parent holds our stdin: when it closes it, stop.
            thread::spawn(|| {
                let _ = std::io::stdin().read_to_end(&mut Vec::new());
                std::process::exit(3);
            });
            // Half a batch, as the store writes it, then wait to be killed
            // before the commit.
            let mut config = schema.config();
            config.application_name("seg-open-transaction");
            let mut client = config.connect(NoTls).unwrap();
            let mut tx = client.transaction().unwrap();
            tx.execute(
                "UPDATE variant_segment_state SET successes = successes + 1000, failures = failures + 1000",
                &[],
            )
            .unwrap();
            tx.execute(
                "INSERT INTO events (timestamp, experiment_id, segment_id, variant_id, successes, failures, batch_key)
                 SELECT 0, v.experiment_id, st.segment_id, st.variant_id, 1000, 1000, 'half-' || st.variant_id || '-' || st.segment_id
                 FROM variant_segment_state st JOIN variants v ON v.id = st.variant_id",
                &[],
            )
            .unwrap();
            println!("seg-bandit-postgres: ready");
            thread::sleep(Duration::from_secs(120));
            let _ = tx.commit();
        }
        other => panic!("unknown child role {other:?}"),
    }
}

#[test]
fn four_processes_lose_no_update() {
    const PROCESSES: usize = 4;
    let Some(schema) = schema!("processes") else {
        return;
    };
    drop(create(&schema));
    let children: Vec<Child> = (0..PROCESSES)
        .map(|w| spawn_child("writer", &schema, w))
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    behaviour::assert_processes_lost_no_update(&schema, PROCESSES, PER_PROCESS);
}

#[test]
fn a_backend_terminated_before_commit_leaves_none_of_its_batch() {
    let Some(schema) = schema!("terminate_open") else {
        return;
    };
    let mut store = create(&schema);
    for i in 0..30 {
        store.record(EXPERIMENT, &batch(0, i)).unwrap();
    }
    let before_states = store.all_states(EXPERIMENT).unwrap();
    let before_events = all_events(&mut store);

    let mut child = spawn_child("open-transaction", &schema, 0);
    wait_for_line(&mut child, "seg-bandit-postgres: ready");
    // The half-written batch holds the state rows: terminate its backend.
    assert_eq!(schema.terminate("seg-open-transaction"), 1);
    drop(child.stdin.take());
    let _ = child.wait();

    assert_eq!(store.all_states(EXPERIMENT).unwrap(), before_states);
    assert_eq!(all_events(&mut store), before_events);
    // The row locks died with the backend: writing goes on.
    store.record(EXPERIMENT, &batch(0, 30)).unwrap();
    assert_eq!(store.event_count(EXPERIMENT).unwrap(), 31);
    assert_events_replay_to_states(&mut store);
}

#[test]
fn a_writer_whose_backend_is_terminated_gets_an_error_then_recovers() {
    let Some(schema) = schema!("terminate_error") else {
        return;
    };
    drop(create(&schema));
    let mut store = schema
        .open_named("seg-terminated-writer")
        .retry_window(Duration::ZERO);
    store.record(EXPERIMENT, &batch(0, 0)).unwrap();
    assert_eq!(schema.terminate("seg-terminated-writer"), 1);
    // Give the client a moment to read the server's goodbye.
    thread::sleep(Duration::from_millis(100));
    let err = store.record(EXPERIMENT, &batch(0, 1)).unwrap_err();
    assert!(
        matches!(err, BanditError::Postgres { operation, .. } if operation.contains("nothing was recorded")),
        "{err}"
    );
    assert_eq!(store.event_count(EXPERIMENT).unwrap(), 1);
    // The store reconnected: the next batch is recorded.
    store.record(EXPERIMENT, &batch(0, 1)).unwrap();
    assert_eq!(store.event_count(EXPERIMENT).unwrap(), 2);
    assert_events_replay_to_states(&mut store);
}

#[test]
fn backends_terminated_while_recording_leave_whole_batches_and_the_writer_retries_once() {
    /// The writer goes on until its backend was terminated this often and
    /// it recorded at least `MIN_BATCHES` (or a minute passed).
    const TERMINATIONS: usize = 20;
    const MIN_BATCHES: usize = 400;
    let Some(schema) = schema!("terminate_loop") else {
        return;
    };
    drop(create(&schema));
    let done = AtomicBool::new(false);
    let terminated = AtomicUsize::new(0);
    let start = Instant::now();
    let in_time = || start.elapsed() < Duration::from_secs(60);
    let recorded = thread::scope(|scope| {
        scope.spawn(|| {
            // Terminate the writer's backend every 15 ms until it is done.
            while !done.load(Ordering::Relaxed) && in_time() {
                thread::sleep(Duration::from_millis(15));
                terminated.fetch_add(schema.terminate("seg-loop-writer"), Ordering::Relaxed);
            }
        });
        let mut store = schema.open_named("seg-loop-writer");
        let mut i = 0;
        while (i < MIN_BATCHES || terminated.load(Ordering::Relaxed) < TERMINATIONS) && in_time() {
            // Retried with the same key after each termination: never an
            // error within the retry window, never counted twice.
            store.record(EXPERIMENT, &batch(3, i)).unwrap();
            i += 1;
        }
        done.store(true, Ordering::Relaxed);
        i
    });
    let terminated = terminated.into_inner();
    assert!(terminated >= TERMINATIONS, "only {terminated} terminations");
    assert_each_batch_recorded_once(&schema, 3, recorded);
    println!("terminated the writer's backend {terminated} times during {recorded} batches");
}

/// Batches `0..batches` of writer `w` are all in, each once: the event
/// count, the totals of every touched row, and the replay.
fn assert_each_batch_recorded_once(schema: &Schema, w: usize, batches: usize) {
    let mut store = schema.open();
    assert_eq!(
        store.event_count(EXPERIMENT).unwrap(),
        u64::try_from(batches).unwrap()
    );
    let mut expected = std::collections::BTreeMap::new();
    for i in 0..batches {
        let b = batch(w, i);
        let t = expected
            .entry((b.segment().to_owned(), b.variant().to_owned()))
            .or_insert((0, 0));
        t.0 += b.successes();
        t.1 += b.failures();
    }
    let mut totals = behaviour::state_totals(&store.all_states(EXPERIMENT).unwrap());
    totals.retain(|_, t| *t != (0, 0));
    assert_eq!(totals, expected);
    assert_events_replay_to_states(&mut store);
}

#[test]
fn a_batch_recorded_again_with_its_key_is_counted_once() {
    let Some(schema) = schema!("idempotent") else {
        return;
    };
    let mut store = create(&schema);
    let b = Batch::new("mobile", "green", 3, 7, 42).unwrap();
    let first = store
        .record_idempotent(EXPERIMENT, "request-1", &b)
        .unwrap();
    let again = store
        .record_idempotent(EXPERIMENT, "request-1", &b)
        .unwrap();
    assert_eq!(first, again);
    // From another connection (another replica) too.
    let mut other = schema.open();
    assert_eq!(
        other
            .record_idempotent(EXPERIMENT, "request-1", &b)
            .unwrap(),
        first
    );
    assert_eq!(store.event_count(EXPERIMENT).unwrap(), 1);
    let green = &store.segment_states(EXPERIMENT, "mobile").unwrap()[1];
    assert_eq!((green.successes, green.failures), (3, 7));
    // The same key for another batch is refused, and records nothing.
    let other_batch = Batch::new("mobile", "green", 4, 7, 42).unwrap();
    assert!(matches!(
        store.record_idempotent(EXPERIMENT, "request-1", &other_batch),
        Err(BanditError::InvalidParameter { parameter: "key", ref value, .. }) if value == "request-1"
    ));
    assert!(matches!(
        store.record_idempotent(EXPERIMENT, "", &b),
        Err(BanditError::InvalidParameter {
            parameter: "key",
            ..
        })
    ));
    // A key is per experiment.
    let second = seg_bandit_state::Experiment::new(
        "second",
        ["control", "green", "blue"],
        seg_bandit_state::Prior::uniform(),
    )
    .unwrap();
    store.create_experiment(&second).unwrap();
    store.record_idempotent("second", "request-1", &b).unwrap();
    assert_eq!(store.event_count("second").unwrap(), 1);
    assert_eq!(store.event_count(EXPERIMENT).unwrap(), 1);
}

#[test]
fn concurrent_writers_with_one_key_record_it_once() {
    let Some(schema) = schema!("idempotent_race") else {
        return;
    };
    drop(create(&schema));
    let b = Batch::new("mobile", "blue", 5, 5, 1).unwrap();
    let events: Vec<_> = thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                scope.spawn(|| {
                    let mut store = schema.open();
                    (0..20)
                        .map(|k| {
                            store
                                .record_idempotent(EXPERIMENT, &format!("key-{k}"), &b)
                                .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // Every writer got the same event for each key.
    assert!(events.windows(2).all(|w| w[0] == w[1]));
    let mut store = schema.open();
    assert_eq!(store.event_count(EXPERIMENT).unwrap(), 20);
    let blue = &store.segment_states(EXPERIMENT, "mobile").unwrap()[2];
    assert_eq!((blue.successes, blue.failures), (100, 100));
    assert_events_replay_to_states(&mut store);
}

#[test]
fn buffered_writers_of_one_hot_row_record_every_outcome() {
    const WRITERS: usize = 8;
    const PER_WRITER: u64 = 2_000;
    let Some(schema) = schema!("buffered") else {
        return;
    };
    drop(create(&schema));
    thread::scope(|scope| {
        for _ in 0..WRITERS {
            scope.spawn(|| {
                let mut recorder =
                    BufferedRecorder::new(schema.open(), EXPERIMENT, Duration::from_millis(10));
                for t in 0..PER_WRITER {
                    let b = Batch::new("hot", "green", t % 2, 1, i64::try_from(t).unwrap());
                    recorder.record(&b.unwrap()).unwrap();
                }
                recorder.into_store().map_err(|e| e.1).unwrap();
            });
        }
    });
    let mut store = schema.open();
    let green = &store.segment_states(EXPERIMENT, "hot").unwrap()[1];
    let writers = u64::try_from(WRITERS).unwrap();
    assert_eq!(
        (green.successes, green.failures),
        (writers * PER_WRITER / 2, writers * PER_WRITER)
    );
    // Fewer events than batches: one per flush and row.
    assert!(store.event_count(EXPERIMENT).unwrap() < writers * PER_WRITER);
    assert_events_replay_to_states(&mut store);
}

#[test]
fn a_reader_paging_during_writes_misses_no_event() {
    let Some(schema) = schema!("live_paging") else {
        return;
    };
    drop(create(&schema));
    let done = AtomicBool::new(false);
    let seen = thread::scope(|scope| {
        for w in 0..4 {
            let (schema, done) = (&schema, &done);
            scope.spawn(move || {
                let mut store = schema.open();
                for i in 0..300 {
                    store.record(EXPERIMENT, &batch(w, i)).unwrap();
                }
                let _ = done;
            });
        }
        let reader = scope.spawn(|| {
            let mut store = schema.open();
            let (mut seen, mut after) = (Vec::new(), 0);
            let start = Instant::now();
            // Page until all 1,200 batches were seen (or a minute passed).
            while seen.len() < 1_200 && start.elapsed() < Duration::from_secs(60) {
                let page = store.events_since(EXPERIMENT, after, 50).unwrap();
                if let Some(last) = page.last() {
                    after = last.seq;
                }
                seen.extend(page);
            }
            seen
        });
        let seen = reader.join().unwrap();
        done.store(true, Ordering::Relaxed);
        seen
    });
    let mut store = schema.open();
    // Read live, page by page, the log is the whole log: nothing skipped.
    assert_eq!(seen, all_events(&mut store));
    assert_eq!(seen.len(), 1_200);
}

#[test]
fn concurrent_openers_of_a_new_schema_do_not_race() {
    let Some(schema) = schema!("concurrent_open") else {
        return;
    };
    thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                let mut store = schema.open();
                // Creating the same experiment at once: one creates it.
                store.create_experiment(&experiment()).unwrap()
            });
        }
    });
    let mut client = schema.client();
    let version: i64 = client
        .query_one("SELECT version FROM schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, PostgresStore::schema_version());
    let experiments: i64 = client
        .query_one("SELECT count(*) FROM experiments", &[])
        .unwrap()
        .get(0);
    assert_eq!(experiments, 1);
}

#[test]
fn a_newer_schema_version_is_an_unsupported_format_and_left_unchanged() {
    let Some(schema) = schema!("newer") else {
        return;
    };
    let mut store = create(&schema);
    store.record(EXPERIMENT, &batch(0, 0)).unwrap();
    drop(store);
    let mut client = schema.client();
    client
        .execute("UPDATE schema_version SET version = 99", &[])
        .unwrap();
    let err = PostgresStore::connect_with_tls(schema.config(), NoTls).unwrap_err();
    assert!(
        matches!(err, BanditError::UnsupportedFormat { ref found, .. } if found.contains("99")),
        "{err}"
    );
    let version: i64 = client
        .query_one("SELECT version FROM schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, 99);
    let events: i64 = client
        .query_one("SELECT count(*) FROM events", &[])
        .unwrap()
        .get(0);
    assert_eq!(events, 1);
}

#[test]
fn a_schema_without_the_store_tables_is_migrated_on_open() {
    // A schema created by someone else, with an unrelated table and a
    // version table at 0: the migration adds the store's tables and keeps
    // the rest.
    let Some(schema) = schema!("older") else {
        return;
    };
    let mut client = schema.client();
    client
        .batch_execute(
            "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep');
             CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 0), version BIGINT NOT NULL);
             INSERT INTO schema_version VALUES (0, 0);",
        )
        .unwrap();
    let mut store = create(&schema);
    store.record(EXPERIMENT, &batch(0, 0)).unwrap();
    let version: i64 = client
        .query_one("SELECT version FROM schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, PostgresStore::schema_version());
    let note: String = client
        .query_one("SELECT text FROM notes", &[])
        .unwrap()
        .get(0);
    assert_eq!(note, "keep");
}

#[test]
fn a_corrupted_state_row_is_an_error_naming_it() {
    let Some(schema) = schema!("corrupt") else {
        return;
    };
    let mut store = create(&schema);
    store.record(EXPERIMENT, &batch(0, 0)).unwrap();
    schema
        .client()
        .execute(
            "UPDATE variant_segment_state SET prior_alpha = 'Infinity'",
            &[],
        )
        .unwrap();
    let err = store.all_states(EXPERIMENT).unwrap_err();
    assert!(
        matches!(err, BanditError::InvalidArtifact { ref reason, .. } if reason.contains("prior")),
        "{err}"
    );
    // A name that is not UTF-8.
    schema
        .client()
        .execute("UPDATE segments SET name = '\\xff'::bytea", &[])
        .unwrap();
    let err = store.events_since(EXPERIMENT, 0, usize::MAX).unwrap_err();
    assert!(
        matches!(err, BanditError::InvalidArtifact { ref reason, .. } if reason.contains("UTF-8")),
        "{err}"
    );
}

#[test]
fn events_cannot_be_rewritten_through_sql() {
    let Some(schema) = schema!("append_only") else {
        return;
    };
    let mut store = create(&schema);
    store.record(EXPERIMENT, &batch(0, 0)).unwrap();
    let mut client = schema.client();
    assert!(client.execute("DELETE FROM events", &[]).is_err());
    assert!(
        client
            .execute("UPDATE events SET successes = 0", &[])
            .is_err()
    );
    assert!(client.batch_execute("TRUNCATE events").is_err());
    assert_eq!(store.event_count(EXPERIMENT).unwrap(), 1);
}

#[test]
fn a_wrong_password_is_an_error_naming_the_database_not_the_password() {
    let Some(url) = server_url() else {
        return;
    };
    let mut config: Config = url.parse().unwrap();
    config.password("certainly-not-the-password");
    let err = PostgresStore::connect_with_tls(config, NoTls).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, BanditError::Postgres { .. }), "{text}");
    assert!(!text.contains("certainly-not-the-password"), "{text}");
}

/// A server restart in the middle of writing. Not on the shared server
/// (restarting it would break the tests running beside it): on the one of
/// `SEG_POSTGRES_RESTART_URL`, restarted by the shell command
/// `SEG_POSTGRES_RESTART_COMMAND` (`.ci/postgres.sh` sets up a second
/// cluster, `seg_restart`, and prints both). Skips without them, unless
/// `SEG_REQUIRE_POSTGRES=1`.
#[test]
fn a_server_restart_while_recording_loses_no_batch_and_counts_none_twice() {
    const MAX_BATCHES: usize = 100_000;
    let (Ok(url), Ok(command)) = (
        std::env::var("SEG_POSTGRES_RESTART_URL"),
        std::env::var("SEG_POSTGRES_RESTART_COMMAND"),
    ) else {
        assert!(
            std::env::var("SEG_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "SEG_REQUIRE_POSTGRES=1 but SEG_POSTGRES_RESTART_URL or SEG_POSTGRES_RESTART_COMMAND \
             is not set: run `pg_env=$(bash .ci/postgres.sh) && eval \"$pg_env\"` first"
        );
        eprintln!("skipped: SEG_POSTGRES_RESTART_URL and SEG_POSTGRES_RESTART_COMMAND are not set");
        return;
    };
    let schema = {
        let mut admin = Client::connect(&url, NoTls).unwrap();
        admin
            .batch_execute(
                "SET client_min_messages = warning;
                 DROP SCHEMA IF EXISTS seg_test_restart CASCADE; CREATE SCHEMA seg_test_restart;",
            )
            .unwrap();
        Schema {
            url,
            name: "seg_test_restart".to_owned(),
        }
    };
    drop(create(&schema));
    let progress = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let recorded = thread::scope(|scope| {
        // Writes until told to stop, after the restart and 200 more batches.
        let writer = scope.spawn(|| {
            let mut store = schema.open();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) && i < MAX_BATCHES {
                store.record(EXPERIMENT, &batch(0, i)).unwrap();
                i += 1;
                progress.store(i, Ordering::Relaxed);
            }
            i
        });
        let wait_for = |n: usize| {
            let start = Instant::now();
            while progress.load(Ordering::Relaxed) < n && start.elapsed() < Duration::from_secs(60)
            {
                thread::sleep(Duration::from_millis(5));
            }
        };
        wait_for(200);
        let before = progress.load(Ordering::Relaxed);
        let status = Command::new("sh").args(["-c", &command]).status().unwrap();
        assert!(status.success(), "{command}");
        let after = progress.load(Ordering::Relaxed);
        wait_for(after + 200);
        stop.store(true, Ordering::Relaxed);
        let recorded = writer.join().unwrap();
        println!(
            "restarted the server after batch {before} (the command returned at batch {after}); \
             {recorded} batches in all"
        );
        assert!(recorded >= after + 200 && recorded < MAX_BATCHES);
        recorded
    });
    assert_each_batch_recorded_once(&schema, 0, recorded);
}
