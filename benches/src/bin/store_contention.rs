//! Batches per second recorded by concurrent writers, SQLite and PostgreSQL
//! side by side in one run: 1, 8 and 32 writer threads (each with its own
//! connection, as service replicas have), all on one hot variant × segment
//! row or each on a row of its own.
//!
//! ```sh
//! eval "$(bash .ci/postgres.sh)"   # or export SEG_POSTGRES_URL of your server
//! cargo run --release -p segmentation-benches --bin store_contention -- --seconds 3 --repeats 5
//! ```
//!
//! Each configuration runs `--repeats` times for `--seconds` each on a fresh
//! experiment; the table gives the median batches per second (and the
//! spread of the repeats). Without `SEG_POSTGRES_URL` only SQLite runs.
//! The PostgreSQL experiments (`bench-<pid>-…`) are left in the database's
//! default schema.
//!
//! `--buffered` adds the hot row through `BufferedRecorder` (each writer
//! merges its batches per variant × segment and flushes every
//! `--flush-ms`), the remedy for a hot row; its column counts the caller's
//! batches per second, not the flushed ones.
//!
//! The layout `decisions` logs served decisions (`DecisionLog::
//! record_decision`, each with its allocation, policy and unit id) instead
//! of batches, each writer in a segment of its own; its column counts
//! decisions per second.

use std::path::PathBuf;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use segmentation::bandit::{
    Batch, BufferedRecorder, Decision, DecisionLog, Experiment, Policy, PostgresStore, Prior,
    SqliteStore, StateStore,
};

const VARIANTS: [&str; 2] = ["control", "green"];

#[derive(Clone, Copy, PartialEq)]
enum Layout {
    /// Every writer records to the same row.
    Hot,
    /// Writer `w` records to a row of its own.
    Spread,
    /// The hot row through a per-writer `BufferedRecorder`.
    HotBuffered,
    /// Logged decisions, writer `w` in a segment of its own.
    Decisions,
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::Hot => "hot",
            Layout::Spread => "spread",
            Layout::HotBuffered => "hot-buffered",
            Layout::Decisions => "decisions",
        }
    }

    fn segment(self, writer: usize) -> String {
        match self {
            Layout::Hot | Layout::HotBuffered => "hot".to_owned(),
            Layout::Spread | Layout::Decisions => format!("writer-{writer}"),
        }
    }
}

#[derive(Clone)]
enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Sqlite(_) => "SQLite",
            Target::Postgres(_) => "PostgreSQL",
        }
    }
}

struct Options {
    seconds: f64,
    repeats: usize,
    writers: Vec<usize>,
    buffered: bool,
    flush: Duration,
}

fn options() -> Options {
    let mut o = Options {
        seconds: 2.0,
        repeats: 3,
        writers: vec![1, 8, 32],
        buffered: false,
        flush: Duration::from_millis(50),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--seconds" => o.seconds = value.parse().expect("--seconds S"),
            "--repeats" => o.repeats = value.parse().expect("--repeats N"),
            "--writers" => {
                o.writers = value
                    .split(',')
                    .map(|w| w.parse().expect("--writers 1,8,32"))
                    .collect();
            }
            "--flush-ms" => o.flush = Duration::from_millis(value.parse().expect("--flush-ms N")),
            "--buffered" => {
                o.buffered = true;
                i += 1;
                continue;
            }
            other => panic!("unknown argument {other:?}"),
        }
        i += 2;
    }
    o
}

/// Batches per second of `writers` threads recording for `seconds`.
fn run(target: &Target, layout: Layout, writers: usize, o: &Options, tag: &str) -> f64 {
    match target {
        Target::Sqlite(path) => run_on(
            || SqliteStore::open(path).expect("open SQLite"),
            target.name(),
            layout,
            writers,
            o,
            tag,
        ),
        Target::Postgres(url) => run_on(
            || PostgresStore::connect(url).expect("connect to PostgreSQL"),
            target.name(),
            layout,
            writers,
            o,
            tag,
        ),
    }
}

/// [`run`] on the store that `open` connects to.
fn run_on<S: StateStore + DecisionLog + Send>(
    open: impl Fn() -> S + Sync,
    store_name: &str,
    layout: Layout,
    writers: usize,
    o: &Options,
    tag: &str,
) -> f64 {
    let name = format!("bench-{}-{tag}", std::process::id());
    {
        let mut store = open();
        let experiment = Experiment::new(&name, VARIANTS, Prior::uniform()).expect("experiment");
        store.create_experiment(&experiment).expect("create");
        for w in 0..writers {
            let priors = [Prior::uniform(); VARIANTS.len()];
            store
                .create_segment(&name, &layout.segment(w), &priors)
                .expect("segment");
        }
    }
    let stop = AtomicBool::new(false);
    let ready = Barrier::new(writers + 1);
    let (total, elapsed) = thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let (name, stop, ready, open) = (&name, &stop, &ready, &open);
                scope.spawn(move || {
                    let store = open();
                    let segment = layout.segment(w);
                    let mut count = 0_u64;
                    let batch = |i: u64| {
                        Batch::new(
                            segment.as_str(),
                            "green",
                            1,
                            3,
                            i64::try_from(i).unwrap_or(0),
                        )
                        .expect("batch")
                    };
                    if layout == Layout::HotBuffered {
                        let mut buffered = BufferedRecorder::new(store, name, o.flush);
                        ready.wait();
                        while !stop.load(Ordering::Relaxed) {
                            buffered.record(&batch(count)).expect("record");
                            count += 1;
                        }
                        buffered.flush().expect("flush");
                    } else if layout == Layout::Decisions {
                        let mut store = store;
                        let policy = Policy::new("thompson", "floor=0.05").expect("policy");
                        ready.wait();
                        while !stop.load(Ordering::Relaxed) {
                            let decision = Decision::new(
                                segment.as_str(),
                                "green",
                                0.8,
                                vec![0.2, 0.8],
                                policy.clone(),
                                i64::try_from(count).unwrap_or(0),
                            )
                            .and_then(|d| d.with_unit(format!("visitor-{w}-{count}")))
                            .expect("decision");
                            store.record_decision(name, &decision).expect("record");
                            count += 1;
                        }
                    } else {
                        let mut store = store;
                        ready.wait();
                        while !stop.load(Ordering::Relaxed) {
                            store.record(name, &batch(count)).expect("record");
                            count += 1;
                        }
                    }
                    count
                })
            })
            .collect();
        ready.wait();
        let start = Instant::now();
        thread::sleep(Duration::from_secs_f64(o.seconds));
        stop.store(true, Ordering::Relaxed);
        let total: u64 = handles.into_iter().map(|h| h.join().expect("writer")).sum();
        (total, start.elapsed())
    });
    // Everything recorded is in the store, exactly.
    let mut store = open();
    let recorded: u64 = if layout == Layout::Decisions {
        store.decision_count(&name).expect("decision count")
    } else {
        store
            .all_states(&name)
            .expect("states")
            .iter()
            .map(|s| s.successes)
            .sum()
    };
    assert_eq!(recorded, total, "{store_name} {} {writers}", layout.name());
    total as f64 / elapsed.as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let o = options();
    let dir = std::env::temp_dir().join(format!("seg-store-contention-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let mut targets = vec![Target::Sqlite(dir.join("bench.sqlite"))];
    match std::env::var("SEG_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => targets.push(Target::Postgres(url)),
        _ => eprintln!("SEG_POSTGRES_URL is not set: SQLite only"),
    }
    let mut layouts = vec![Layout::Hot, Layout::Spread, Layout::Decisions];
    if o.buffered {
        layouts.push(Layout::HotBuffered);
    }
    println!(
        "batches (decisions) per second, median of {} runs of {} s (min–max); each writer a thread with its own connection",
        o.repeats, o.seconds
    );
    println!("| store | layout | writers | batches/s (median) | min–max |");
    println!("|---|---|---:|---:|---|");
    for target in &targets {
        for &layout in &layouts {
            for &writers in &o.writers {
                let runs: Vec<f64> = (0..o.repeats)
                    .map(|r| {
                        let tag = format!(
                            "{}-{}-{writers}-{r}",
                            target.name().to_lowercase(),
                            layout.name()
                        );
                        run(target, layout, writers, &o, &tag)
                    })
                    .collect();
                let (lo, hi) = runs.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), &x| {
                    (lo.min(x), hi.max(x))
                });
                println!(
                    "| {} | {} | {writers} | {:.0} | {lo:.0}–{hi:.0} |",
                    target.name(),
                    layout.name(),
                    median(runs)
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
