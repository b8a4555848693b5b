//! Benchmarks of `seg-bandit-state` analytics: Beta CDF and quantile (target:
//! each call under 10 µs at any shape), the posterior summary and the exact
//! two-variant comparison (reported).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use segmentation::bandit::BetaState;
use segmentation::bandit::analytics::{compare_pair, summary};
use segmentation::bandit::beta;
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
        let x = beta::quantile(a, b, 0.975);
        group.bench_function(BenchmarkId::new("cdf", name), |bench| {
            bench.iter(|| beta::cdf_both(black_box(a), black_box(b), black_box(x)))
        });
        for p in [1e-6, 0.025, 0.5, 0.975] {
            group.bench_function(BenchmarkId::new(format!("quantile_p{p}"), name), |bench| {
                bench.iter(|| beta::quantile(black_box(a), black_box(b), black_box(p)))
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
        ("121x881", (121.0, 881.0), (141.0, 861.0)),
        ("1e5x9e5", (1e5 + 1.0, 9e5 + 1.0), (100_601.0, 899_401.0)),
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

criterion_group!(benches, bench_beta, bench_analytics);
criterion_main!(benches);
