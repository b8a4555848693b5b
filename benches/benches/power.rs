//! Benchmarks of `seg-power`: sample-size solvers, a multiple-testing
//! correction and a group-sequential design with its power solve
//! (`compare/power_statsmodels.py` times statsmodels on the first three).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use segmentation::power::{
    Correction, GroupSequential, Mde, MeanTest, ProportionMethod, ProportionTest, SpendingFunction,
};
use std::hint::black_box;

fn bench_power(c: &mut Criterion) {
    let mut group = c.benchmark_group("power");
    group.bench_function(BenchmarkId::new("proportions_n", "pooled"), |b| {
        b.iter(|| ProportionTest::new(black_box(0.05)).sample_size(Mde::Relative(0.1), 0.8))
    });
    group.bench_function(BenchmarkId::new("proportions_n", "cohen_h"), |b| {
        b.iter(|| {
            ProportionTest::new(black_box(0.05))
                .method(ProportionMethod::CohensH)
                .sample_size(Mde::Relative(0.1), 0.8)
        })
    });
    group.bench_function(BenchmarkId::new("ttest_n", "d0.2"), |b| {
        b.iter(|| MeanTest::new().sample_size(Mde::Absolute(black_box(0.2)), 0.8))
    });
    let p: Vec<f64> = (1..=100).map(|i| i as f64 / 101.0).collect();
    group.bench_function(BenchmarkId::new("adjust", "hommel_m100"), |b| {
        b.iter(|| Correction::Hommel.adjust(black_box(&p), 0.05))
    });
    group.bench_function(BenchmarkId::new("gsd_design_power", "obf_k5_r32"), |b| {
        b.iter(|| {
            GroupSequential::spending(SpendingFunction::ObrienFleming, black_box(5))
                .design()
                .and_then(|d| d.solve_power(0.9))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_power);
criterion_main!(benches);
