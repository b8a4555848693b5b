//! Benchmarks of `seg-validate`: the exact silhouette on 10,000 and 20,000
//! rows, Davies-Bouldin and Calinski-Harabasz on 100,000 and 1,000,000 rows
//! (16 features, k = 8 Gaussian blobs).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use segmentation::ndarray::Array2;
use segmentation::validate::{calinski_harabasz_score, davies_bouldin_score, silhouette_score};
use std::hint::black_box;

/// Deterministic Gaussian blobs (SplitMix64 + Box-Muller): `k` centres in
/// [−10, 10]^d, unit noise, labels round-robin.
fn blobs(n: usize, d: usize, k: usize) -> (Array2<f64>, Vec<usize>) {
    let mut state = 0x5EED_u64;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let centres: Vec<f64> = (0..k * d).map(|_| uniform() * 20.0 - 10.0).collect();
    let labels: Vec<usize> = (0..n).map(|i| i % k).collect();
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        let (u1, u2) = (uniform().max(f64::MIN_POSITIVE), uniform());
        centres[labels[i] * d + j]
            + (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    });
    (x, labels)
}

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
