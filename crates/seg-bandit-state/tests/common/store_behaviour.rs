//! Behaviour tests shared by the SQL stores (`tests/sqlite.rs`,
//! `tests/postgres.rs`): each takes a [`Backend`] that opens new connections
//! to one fresh database, so the same assertions run on every store.
#![allow(dead_code)] // each test binary uses a part of this module

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::Child;
use std::thread;

use seg_bandit_state::{
    BanditError, Batch, Event, Experiment, MemoryStore, Prior, SegmentState, StateStore,
};

/// One fresh, empty database of a store: every call of `open` is a new
/// connection to it (a new `SqliteStore` on the same file, a new
/// `PostgresStore` on the same schema).
pub trait Backend: Sync {
    /// The store.
    type Store: StateStore + Send;
    /// A new connection.
    fn open(&self) -> Self::Store;
}

pub const EXPERIMENT: &str = "checkout";
pub const VARIANTS: [&str; 3] = ["control", "green", "blue"];
pub const SEGMENTS: [&str; 3] = ["mobile", "desktop", "tablet"];

pub fn experiment() -> Experiment {
    Experiment::new(EXPERIMENT, VARIANTS, Prior::new(1.0, 1.0).unwrap()).unwrap()
}

/// A new connection on which the experiment exists.
pub fn create<B: Backend>(backend: &B) -> B::Store {
    let mut store = backend.open();
    store.create_experiment(&experiment()).unwrap();
    store
}

/// The `i`-th batch of writer `w`: spread over segments and variants, with
/// counts that differ per writer so that a lost or doubled batch shows.
pub fn batch(w: usize, i: usize) -> Batch {
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
pub fn expected_totals(
    writers: usize,
    per_writer: usize,
) -> BTreeMap<(String, String), (u64, u64)> {
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

pub fn state_totals(states: &[SegmentState]) -> BTreeMap<(String, String), (u64, u64)> {
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
pub fn all_events(store: &mut impl StateStore) -> Vec<Event> {
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
pub fn assert_events_replay_to_states(store: &mut impl StateStore) {
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

/// Reads the child's stdout until a line ending with `marker` (the test
/// harness prints `test child_process_entry ... ` without a newline first).
pub fn wait_for_line(child: &mut Child, marker: &str) {
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

// --- the shared behaviour tests ---------------------------------------------

/// 8 threads × `per_thread` batches, each thread with its own connection:
/// totals exact, events replay to the states.
pub fn threads_with_their_own_connections_lose_no_update<B: Backend>(
    backend: &B,
    threads: usize,
    per_thread: usize,
) {
    drop(create(backend));
    thread::scope(|scope| {
        for w in 0..threads {
            scope.spawn(move || {
                let mut store = backend.open();
                for i in 0..per_thread {
                    store.record(EXPERIMENT, &batch(w, i)).unwrap();
                }
            });
        }
    });
    let mut store = backend.open();
    assert_eq!(
        store.event_count(EXPERIMENT).unwrap(),
        u64::try_from(threads * per_thread).unwrap()
    );
    let states = store.all_states(EXPERIMENT).unwrap();
    assert_eq!(state_totals(&states), expected_totals(threads, per_thread));
    assert_events_replay_to_states(&mut store);
}

/// After `processes` writer processes of `per_process` batches each ended.
pub fn assert_processes_lost_no_update<B: Backend>(
    backend: &B,
    processes: usize,
    per_process: usize,
) {
    let mut store = backend.open();
    assert_eq!(
        store.event_count(EXPERIMENT).unwrap(),
        u64::try_from(processes * per_process).unwrap()
    );
    let states = store.all_states(EXPERIMENT).unwrap();
    assert_eq!(
        state_totals(&states),
        expected_totals(processes, per_process)
    );
    assert_events_replay_to_states(&mut store);
}

/// The store answers every call as `MemoryStore` does (sequence numbers
/// aside) over 400 seeded random batches.
pub fn answers_as_the_memory_store_does<B: Backend>(backend: &B) {
    use rand::{RngExt, SeedableRng};
    let mut sql = backend.open();
    let mut memory = MemoryStore::new();
    for store in [&mut sql as &mut dyn StateStore, &mut memory] {
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
        let from_sql = sql.record(EXPERIMENT, &b).unwrap();
        let from_memory = memory.record(EXPERIMENT, &b).unwrap();
        assert_eq!(
            Event { seq: 0, ..from_sql },
            Event {
                seq: 0,
                ..from_memory
            }
        );
    }
    assert_eq!(
        sql.all_states(EXPERIMENT).unwrap(),
        memory.all_states(EXPERIMENT).unwrap()
    );
    for segment in segments {
        assert_eq!(
            sql.segment_states(EXPERIMENT, segment).unwrap(),
            memory.segment_states(EXPERIMENT, segment).unwrap()
        );
    }
    assert_eq!(
        sql.event_count(EXPERIMENT).unwrap(),
        memory.event_count(EXPERIMENT).unwrap()
    );
    let strip = |events: Vec<Event>| -> Vec<Event> {
        events.into_iter().map(|e| Event { seq: 0, ..e }).collect()
    };
    assert_eq!(
        strip(sql.events_since(EXPERIMENT, 0, usize::MAX).unwrap()),
        strip(memory.events_since(EXPERIMENT, 0, usize::MAX).unwrap())
    );
    assert_eq!(
        sql.experiment(EXPERIMENT).unwrap(),
        memory.experiment(EXPERIMENT).unwrap()
    );
}

/// SQL injection strings, quotes, placeholders, Unicode, control characters
/// and NUL as experiment, variant and segment names.
pub fn hostile_names_are_stored_and_read_back_verbatim<B: Backend>(backend: &B) {
    let names = [
        "'; DROP TABLE variants; --",
        "Robert'); DROP TABLE experiments;--",
        "\" OR 1=1 --",
        "?1 ?2 :name @x $y",
        "$1 $$ E'\\x00' \\' --",
        "ünïcødé ✓ 🎲",
        "tab\tnew\nline",
        "nul\0inside",
        " leading and trailing ",
    ];
    let experiment_name = "'; DROP TABLE experiments; --";
    let experiment = Experiment::new(experiment_name, names, Prior::uniform()).unwrap();
    {
        let mut store = backend.open();
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
    let mut store = backend.open();
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

/// Everything written through one connection is read back through a new one.
pub fn a_reopened_store_keeps_everything<B: Backend>(backend: &B) {
    let (states, events, definition) = {
        let mut store = create(backend);
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
    let mut store = backend.open();
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

pub fn creating_an_experiment_again_with_other_variants_or_prior_is_a_conflict<B: Backend>(
    backend: &B,
) {
    let mut store = create(backend);
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

pub fn unknown_experiment_variant_and_segment_are_errors_naming_them<B: Backend>(backend: &B) {
    let mut store = create(backend);
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

pub fn a_total_beyond_i64_max_is_an_error_and_records_nothing<B: Backend>(backend: &B) {
    let mut store = create(backend);
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

pub fn create_segment_is_idempotent_and_the_first_priors_win<B: Backend>(backend: &B) {
    let mut store = create(backend);
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

pub fn events_since_pages_in_sequence_order<B: Backend>(backend: &B) {
    let mut store = create(backend);
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
