//! Benchmarks of `seg-bandit-state`:
//!
//! - `bandit_beta`, `bandit_analytics`: Beta CDF and quantile (target: each
//!   call under 10 µs at any shape), the posterior summary and the exact
//!   two-variant comparison (target: under 10 µs at counts from 1 to 1e9);
//! - `bandit_state`: Thompson sampling among 5 variants (target under
//!   1 µs), recording one batch in memory (target under 100 ns for
//!   `record_seq`; `record` also builds the returned event), and one batch
//!   recorded in an SQLite file (WAL, `synchronous = NORMAL`; one writer;
//!   the inverse of the median is the batches per second); logging one
//!   served decision (target under 200 ns in memory) and in SQLite;
//! - `off_policy`: off-policy evaluation of 10,000,000 logged decisions
//!   (4 segments × 3 variants, pushed one by one from pre-generated
//!   arrays) by name and by the policy's indices, then the report
//!   (target: under 1 s).

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use segmentation::bandit::analytics::{compare_pair, summary};
use segmentation::bandit::{
    Batch, Beta, BetaState, Decision, DecisionLog, Experiment, MemoryStore, OffPolicyEvaluator,
    Policy, Prior, SqliteStore, StateStore, TargetPolicy, ThompsonSampler,
};
use std::hint::black_box;

const SHAPES: [(&str, f64, f64); 6] = [
    ("0.5x0.5", 0.5, 0.5),
    ("121x881", 121.0, 881.0),
    ("1e5x9e5", 1e5 + 1.0, 9e5 + 1.0),
    ("3x1e9", 3.0, 1e9),
    ("1e7x1e9", 1e7, 1e9),
    ("1e9x1e9", 1e9, 1e9),
];

fn bench_beta(c: &mut Criterion) {
    let mut group = c.benchmark_group("bandit_beta");
    for (name, a, b) in SHAPES {
        let d = Beta::new(a, b).expect("valid shape");
        let x = d.quantile(0.975).expect("valid probability");
        group.bench_function(BenchmarkId::new("cdf", name), |bench| {
            bench.iter(|| black_box(d).tails(black_box(x)))
        });
        for p in [1e-6, 0.025, 0.5, 0.975] {
            group.bench_function(BenchmarkId::new(format!("quantile_p{p}"), name), |bench| {
                bench.iter(|| black_box(d).quantile(black_box(p)))
            });
        }
    }
    group.finish();
}

fn bench_analytics(c: &mut Criterion) {
    let mut group = c.benchmark_group("bandit_analytics");
    let s = BetaState::new(121.0, 881.0).expect("valid shape");
    group.bench_function(BenchmarkId::new("summary95", "121x881"), |bench| {
        bench.iter(|| summary(black_box(&s), 0.95))
    });
    for (name, a, b) in [
        // α_B an integer up to 1,000: the exact finite sum
        ("121x881", (121.0, 881.0), (141.0, 861.0)),
        // quadrature
        ("121.3x881.7", (121.3, 881.7), (141.2, 861.1)),
        ("1.7x3.2", (1.7, 3.2), (2.9, 4.1)),
        ("1e5x9e5", (1e5 + 1.0, 9e5 + 1.0), (100_601.0, 899_401.0)),
        ("1e7x0.3", (1e7, 0.3), (1.010_000_037e7, 0.4085)),
        ("3x1e9", (3.0, 1e9), (3.5, 1e9)),
        ("1e9x1e9", (1e9, 1e9), (1.0001e9, 0.9999e9)),
    ] {
        let sa = BetaState::new(a.0, a.1).expect("valid shape");
        let sb = BetaState::new(b.0, b.1).expect("valid shape");
        group.bench_function(BenchmarkId::new("compare_pair", name), |bench| {
            bench.iter(|| compare_pair(black_box(&sa), black_box(&sb)))
        });
    }
    group.finish();
}

fn bench_state(c: &mut Criterion) {
    let mut group = c.benchmark_group("bandit_state");
    let states: Vec<BetaState> = (0..5)
        .map(|i| BetaState::new(100.0 + 5.0 * f64::from(i), 900.0).expect("valid shape"))
        .collect();
    let sampler = ThompsonSampler::new();
    let mut rng = Pcg64Mcg::seed_from_u64(7);
    group.bench_function(BenchmarkId::new("choose", "5_variants"), |bench| {
        bench.iter(|| {
            sampler
                .choose(black_box(&states), &mut rng)
                .expect("states")
        })
    });

    let variants = ["a", "b", "c", "d", "e"];
    let experiment = Experiment::new("checkout", variants, Prior::uniform()).expect("experiment");
    let batch = Batch::new("mobile", "c", 3, 97, 1_700_000_000).expect("batch");
    let mut memory = MemoryStore::new();
    memory.create_experiment(&experiment).expect("create");
    group.bench_function(BenchmarkId::new("record_seq", "memory"), |bench| {
        bench.iter(|| {
            memory
                .record_seq("checkout", black_box(&batch))
                .expect("record")
        })
    });
    group.bench_function(BenchmarkId::new("record", "memory"), |bench| {
        bench.iter(|| {
            memory
                .record("checkout", black_box(&batch))
                .expect("record")
        })
    });

    // a decision of a recomputed allocation every 1,000 visitors, each with
    // its own unit id
    let policy = Policy::new("thompson", "floor=0.05;segments=v3").expect("policy");
    let decisions: Vec<Decision> = (0..10_000)
        .map(|i| {
            let p = 0.05 + 0.8 * f64::from(i / 1000) / 10.0;
            let q = (1.0 - p) / 4.0;
            Decision::new(
                "mobile",
                "c",
                p,
                vec![q, q, p, q, q],
                policy.clone(),
                i64::from(i),
            )
            .and_then(|d| d.with_unit(format!("visitor-{i}")))
            .expect("decision")
        })
        .collect();
    // each sample logs into a fresh store, so that the log of all samples
    // does not accumulate in memory
    group.bench_function(BenchmarkId::new("record_decision", "memory"), |bench| {
        bench.iter_custom(|iters| {
            let mut store = MemoryStore::new();
            store.create_experiment(&experiment).expect("create");
            let start = std::time::Instant::now();
            for d in decisions
                .iter()
                .cycle()
                .take(usize::try_from(iters).unwrap_or(usize::MAX))
            {
                store
                    .record_decision("checkout", black_box(d))
                    .expect("record");
            }
            start.elapsed()
        })
    });
    let mut next = 0;

    let dir = std::env::temp_dir().join(format!("seg-bandit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let mut sqlite = SqliteStore::open(dir.join("state.sqlite")).expect("open");
    sqlite.create_experiment(&experiment).expect("create");
    group.bench_function(BenchmarkId::new("record", "sqlite_1_writer"), |bench| {
        bench.iter(|| {
            sqlite
                .record("checkout", black_box(&batch))
                .expect("record")
        })
    });
    group.bench_function(
        BenchmarkId::new("record_decision", "sqlite_1_writer"),
        |bench| {
            bench.iter(|| {
                next = (next + 1) % decisions.len();
                sqlite
                    .record_decision("checkout", black_box(&decisions[next]))
                    .expect("record")
            })
        },
    );
    drop(sqlite);
    let _ = std::fs::remove_dir_all(&dir);
    group.finish();
}

/// Logged rows of the off-policy bench.
const LOGGED_ROWS: usize = 10_000_000;

fn bench_off_policy(c: &mut Criterion) {
    let segments = ["mobile", "desktop", "tablet", "smart-tv"];
    let variants = ["control", "green", "blue"];
    // The logging policy's allocation per segment.
    let logging = [
        [0.5, 0.3, 0.2],
        [0.2, 0.6, 0.2],
        [0.34, 0.33, 0.33],
        [0.1, 0.1, 0.8],
    ];
    let mut rng = Pcg64Mcg::seed_from_u64(11);
    let mut segment = Vec::with_capacity(LOGGED_ROWS);
    let mut variant = Vec::with_capacity(LOGGED_ROWS);
    let mut reward = Vec::with_capacity(LOGGED_ROWS);
    for _ in 0..LOGGED_ROWS {
        let s = rng.random_range(0..segments.len());
        let u: f64 = rng.random();
        let v = if u < logging[s][0] {
            0
        } else if u < logging[s][0] + logging[s][1] {
            1
        } else {
            2
        };
        segment.push(s as u8);
        variant.push(v as u8);
        reward.push(if rng.random::<f64>() < 0.1 {
            20.0 + 10.0 * rng.random::<f64>()
        } else {
            0.0
        });
    }
    let policy = TargetPolicy::from_rows(segments.iter().flat_map(|s| {
        variants
            .iter()
            .zip([0.2, 0.5, 0.3])
            .map(move |(v, p)| (*s, *v, p))
    }))
    .expect("policy");
    let segment_index: Vec<usize> = segments
        .iter()
        .map(|s| policy.segment_index(s).expect("segment"))
        .collect();
    let variant_index: Vec<usize> = variants
        .iter()
        .map(|v| policy.variant_index(v).expect("variant"))
        .collect();

    let mut group = c.benchmark_group("off_policy");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(LOGGED_ROWS as u64));
    let id = "n10000000_s4_v3";
    group.bench_function(BenchmarkId::new("push_by_name", id), |bench| {
        bench.iter(|| {
            let mut evaluator = OffPolicyEvaluator::new(&policy);
            for i in 0..LOGGED_ROWS {
                let (s, v) = (usize::from(segment[i]), usize::from(variant[i]));
                evaluator
                    .push(segments[s], variants[v], logging[s][v], reward[i])
                    .expect("valid row");
            }
            evaluator.finish(0.05).expect("report")
        })
    });
    group.bench_function(BenchmarkId::new("push_indexed", id), |bench| {
        bench.iter(|| {
            let mut evaluator = OffPolicyEvaluator::new(&policy);
            for i in 0..LOGGED_ROWS {
                let (s, v) = (usize::from(segment[i]), usize::from(variant[i]));
                evaluator
                    .push_indexed(segment_index[s], variant_index[v], logging[s][v], reward[i])
                    .expect("valid row");
            }
            evaluator.finish(0.05).expect("report")
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_beta,
    bench_analytics,
    bench_state,
    bench_off_policy
);
criterion_main!(benches);
