//! Benchmarks of `seg-validate`: the exact silhouette on 10,000 and 20,000
//! rows; on 1,000,000 rows the stratified sampled silhouette (20,000 rows)
//! against the simplified silhouette (distances to centroids, all rows);
//! Davies-Bouldin and Calinski-Harabasz on 100,000 and 1,000,000 rows (16
//! features, k = 8 Gaussian blobs).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use segmentation::validate::{
    calinski_harabasz_score, davies_bouldin_score, silhouette_score, silhouette_score_stratified,
    simplified_silhouette_score,
};
use segmentation_benches::blobs;
use std::hint::black_box;

fn bench_validate(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate");
    group.sample_size(10);
    for n in [10_000, 20_000] {
        let (x, labels) = blobs(n, 16, 8);
        group.bench_function(
            BenchmarkId::new("silhouette_exact", format!("n{n}_d16_k8")),
            |b| {
                b.iter(|| silhouette_score(black_box(x.view()), black_box(&labels)).expect("valid"))
            },
        );
    }
    let (x, labels) = blobs(1_000_000, 16, 8);
    group.bench_function(
        BenchmarkId::new("silhouette_stratified_20000", "n1000000_d16_k8"),
        |b| {
            b.iter(|| {
                silhouette_score_stratified(black_box(x.view()), black_box(&labels), 20_000, 0)
                    .expect("valid")
            })
        },
    );
    group.bench_function(
        BenchmarkId::new("silhouette_simplified", "n1000000_d16_k8"),
        |b| {
            b.iter(|| {
                simplified_silhouette_score(black_box(x.view()), black_box(&labels)).expect("valid")
            })
        },
    );
    for n in [100_000, 1_000_000] {
        let (x, labels) = blobs(n, 16, 8);
        group.bench_function(
            BenchmarkId::new("davies_bouldin", format!("n{n}_d16_k8")),
            |b| {
                b.iter(|| {
                    davies_bouldin_score(black_box(x.view()), black_box(&labels)).expect("valid")
                })
            },
        );
        group.bench_function(
            BenchmarkId::new("calinski_harabasz", format!("n{n}_d16_k8")),
            |b| {
                b.iter(|| {
                    calinski_harabasz_score(black_box(x.view()), black_box(&labels)).expect("valid")
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_validate);
criterion_main!(benches);
