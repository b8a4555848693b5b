//! Benchmarks of `seg-cluster` on 100,000 and 1,000,000 rows × 16 features
//! (k = 8 Gaussian blobs, the data of `validate.rs`, reproduced in Python
//! by `compare/blobs.py` so that `compare/kmeans_sklearn.py` times
//! scikit-learn on the same data from the same initial centres, the first
//! k rows):
//!
//! - `lloyd_iteration`: one Lloyd pass (assignment and new centres) as a
//!   `PartialSums` step, labels written to a buffer kept across passes
//!   (scikit-learn's `lloyd_iter_chunked_dense` likewise);
//! - `lloyd` / `hamerly`: whole fits from the first k rows (`tol = 1e-4`);
//! - `kmeanspp_hamerly`: whole fits with greedy k-means++ (seed 0);
//! - `minibatch_epoch`: `n / 1024` steps of 1024 rows (one pass's worth,
//!   scikit-learn's `max_iter=1`), k-means++ on 3072 rows, and the final
//!   full assignment;
//! - `predict_one`: one visitor.
//!
//! The `kmeans_realistic` group times what users wait for on data whose fits
//! take many iterations (`compare/kmeans_realistic_sklearn.py` times
//! scikit-learn on the same data): 100,000 × 20 and 1,000,000 × 16
//! overlapping blobs (k = 8, spread 8: 15–40 iterations) and 1,000,000 × 16
//! blobs of spread 1.5 (separated: 2 iterations, the k-means++ seeding is
//! most of the fit):
//!
//! - `kmeanspp_lloyd`, `kmeanspp_hamerly`, `kmeanspp_default`: whole fits
//!   with greedy k-means++ (seed 0), one start;
//! - `lloyd_from_centres`, `hamerly_from_centres`: fits from the first k rows.
//!
//! The `auto_k` group times `AutoK` (k in 2..=8, defaults) on 1,000,000 ×
//! 20 blobs of spread 1.5 with 6 true clusters (`compare/auto_k_sklearn.py`
//! runs the scikit-learn loop that does the same job).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use segmentation::cluster::{Algorithm, AutoK, Init, KMeans, MiniBatchKMeans, PartialSums};
use segmentation::ndarray::{Array2, ArrayView2, Axis, Slice};
use segmentation_benches::{blobs, blobs_with_spread};
use std::hint::black_box;

/// A whole fit from the given centres (`tol = 1e-4`).
fn fit_from(centres: &Array2<f64>, algorithm: Algorithm, x: ArrayView2<f64>) -> KMeans {
    KMeans::params(centres.nrows())
        .init(Init::Explicit(centres.clone()))
        .algorithm(algorithm)
        .fit(x)
        .expect("fit")
}

fn bench_kmeans(c: &mut Criterion) {
    let mut group = c.benchmark_group("kmeans");
    group.sample_size(10);
    let (d, k) = (16, 8);
    for n in [100_000, 1_000_000] {
        let (x, _) = blobs(n, d, k);
        let first = x.slice_axis(Axis(0), Slice::from(..k)).to_owned();
        let id = format!("n{n}_d{d}_k{k}");
        // Labels written to a buffer kept across iterations, as in a fit.
        let mut labels = vec![0; n];
        group.bench_function(BenchmarkId::new("lloyd_iteration", &id), |b| {
            b.iter(|| {
                let mut step = PartialSums::new(first.view()).expect("centres");
                step.accumulate_with_labels(black_box(x.view()), &mut labels)
                    .expect("data");
                step.next_centres()
            })
        });
        for (name, algorithm) in [("lloyd", Algorithm::Lloyd), ("hamerly", Algorithm::Hamerly)] {
            group.bench_function(BenchmarkId::new(name, &id), |b| {
                b.iter(|| fit_from(&first, algorithm, black_box(x.view())))
            });
        }
        group.bench_function(BenchmarkId::new("kmeanspp_hamerly", &id), |b| {
            b.iter(|| {
                KMeans::params(k)
                    .seed(0)
                    .fit(black_box(x.view()))
                    .expect("fit")
            })
        });
        group.bench_function(BenchmarkId::new("minibatch_epoch", &id), |b| {
            b.iter(|| {
                MiniBatchKMeans::params(k)
                    .batch_size(1024)
                    .max_steps(n / 1024)
                    .max_no_improvement(None)
                    .seed(0)
                    .fit(black_box(x.view()))
                    .expect("fit")
            })
        });
        if n == 100_000 {
            let model = KMeans::params(k).fit(x.view()).expect("fit");
            let visitor: Vec<f64> = x.row(12_345).to_vec();
            group.bench_function(BenchmarkId::new("predict_one", &id), |b| {
                b.iter(|| model.predict_one(black_box(&visitor)).expect("point"))
            });
        }
    }
    group.finish();
}

fn bench_kmeans_realistic(c: &mut Criterion) {
    let mut group = c.benchmark_group("kmeans_realistic");
    group.sample_size(10);
    let k = 8;
    for (n, d, spread) in [
        (100_000, 20, 8.0),
        (1_000_000, 16, 8.0),
        (1_000_000, 16, 1.5),
    ] {
        let (x, _) = blobs_with_spread(n, d, k, spread);
        let first = x.slice_axis(Axis(0), Slice::from(..k)).to_owned();
        let id = format!("n{n}_d{d}_k{k}_s{spread}");
        for (name, algorithm) in [
            ("kmeanspp_lloyd", Algorithm::Lloyd),
            ("kmeanspp_hamerly", Algorithm::Hamerly),
            ("kmeanspp_default", Algorithm::Auto),
        ] {
            group.bench_function(BenchmarkId::new(name, &id), |b| {
                b.iter(|| {
                    KMeans::params(k)
                        .seed(0)
                        .algorithm(algorithm)
                        .fit(black_box(x.view()))
                        .expect("fit")
                })
            });
        }
        for (name, algorithm) in [
            ("lloyd_from_centres", Algorithm::Lloyd),
            ("hamerly_from_centres", Algorithm::Hamerly),
        ] {
            group.bench_function(BenchmarkId::new(name, &id), |b| {
                b.iter(|| fit_from(&first, algorithm, black_box(x.view())))
            });
        }
    }
    group.finish();
}

/// The side-by-side grid: n in {10,000, 100,000, 1,000,000}, d in {16, 20},
/// k = 8, overlapping blobs (spread 1.8 √d: 10–40 iterations), whole fits
/// from greedy k-means++ (seed 0, one start) with Lloyd, Hamerly and
/// mini-batch k-means (batches of 1,024, scikit-learn's defaults: at most
/// 100 epochs, stopping after 10 steps without improvement).
/// `compare/kmeans_compare_sklearn.py` runs scikit-learn on the same data.
fn bench_kmeans_compare(c: &mut Criterion) {
    let mut group = c.benchmark_group("kmeans_compare");
    group.sample_size(10);
    let k = 8;
    for n in [10_000, 100_000, 1_000_000] {
        for d in [16, 20] {
            let spread = 1.8 * (d as f64).sqrt();
            let (x, _) = blobs_with_spread(n, d, k, spread);
            let id = format!("n{n}_d{d}_k{k}");
            for (name, algorithm) in [("lloyd", Algorithm::Lloyd), ("hamerly", Algorithm::Hamerly)]
            {
                group.bench_function(BenchmarkId::new(name, &id), |b| {
                    b.iter(|| {
                        KMeans::params(k)
                            .seed(0)
                            .algorithm(algorithm)
                            .fit(black_box(x.view()))
                            .expect("fit")
                    })
                });
            }
            group.bench_function(BenchmarkId::new("minibatch", &id), |b| {
                b.iter(|| {
                    MiniBatchKMeans::params(k)
                        .batch_size(1024)
                        .max_steps(100 * n.div_ceil(1024))
                        .seed(0)
                        .fit(black_box(x.view()))
                        .expect("fit")
                })
            });
        }
    }
    group.finish();
}

fn bench_auto_k(c: &mut Criterion) {
    let mut group = c.benchmark_group("auto_k");
    group.sample_size(10);
    let (n, d) = (1_000_000, 20);
    let (x, _) = blobs_with_spread(n, d, 6, 1.5);
    group.bench_function(BenchmarkId::new("auto_k", format!("n{n}_d{d}")), |b| {
        b.iter(|| AutoK::params().fit(black_box(x.view())).expect("fit"))
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_kmeans,
    bench_kmeans_realistic,
    bench_kmeans_compare,
    bench_auto_k
);
criterion_main!(benches);
