//! Benchmarks of `seg-datasets`: `make_blobs` of 100,000 points in 16
//! dimensions around 8 centres, and simulating 100,000 and 1,000,000
//! visitors of the default segments.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use segmentation::datasets::{Blobs, TrafficSimulator};
use std::hint::black_box;

fn bench_datasets(c: &mut Criterion) {
    let mut group = c.benchmark_group("datasets");

    let blobs = Blobs::params(100_000, 16).centres(8).seed(7);
    group.bench_function(BenchmarkId::new("make_blobs", "n100000_d16_k8"), |b| {
        b.iter(|| black_box(&blobs).generate().expect("valid parameters"))
    });

    let sim = TrafficSimulator::default_segments().seed(7);
    group.bench_function(BenchmarkId::new("simulate", "n100000"), |b| {
        b.iter(|| black_box(&sim).simulate(100_000).expect("valid simulator"))
    });
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("simulate", "n1000000"), |b| {
        b.iter(|| {
            black_box(&sim)
                .simulate(1_000_000)
                .expect("valid simulator")
        })
    });
    group.finish();
}

criterion_group!(benches, bench_datasets);
criterion_main!(benches);
