//! The blocked silhouette equals a direct all-pairs computation, and with
//! the `parallel` feature it gives the same bits on 1 and 2 threads.

use ndarray::Array2;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_pcg::Pcg64Mcg;
use seg_validate::silhouette_samples;

/// Gaussian blobs: `k` centres 3 apart, unit noise, with a few duplicates.
fn blobs(n: usize, d: usize, k: usize, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let normal = Normal::new(0.0, 1.0).expect("valid");
    let labels: Vec<usize> = (0..n).map(|i| (i * 7 + i / 3) % k).collect();
    let mut x = Array2::from_shape_fn((n, d), |(i, j)| {
        3.0 * ((labels[i] + j) % k) as f64 + normal.sample(&mut rng)
    });
    for i in (0..n).step_by(97).skip(1) {
        let row = x.row(i - 1).to_owned();
        x.row_mut(i).assign(&row);
    }
    (x, labels)
}

/// Rousseeuw's definition, pair by pair.
fn direct(x: &Array2<f64>, labels: &[usize], k: usize) -> Vec<f64> {
    let n = x.nrows();
    let sizes: Vec<usize> = (0..k)
        .map(|c| labels.iter().filter(|&&l| l == c).count())
        .collect();
    (0..n)
        .map(|i| {
            let mut sums = vec![0.0; k];
            for j in 0..n {
                let d: f64 = x
                    .row(i)
                    .iter()
                    .zip(x.row(j))
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt();
                sums[labels[j]] += d;
            }
            let own = labels[i];
            if sizes[own] == 1 {
                return 0.0;
            }
            let a = sums[own] / (sizes[own] - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own && sizes[c] > 0)
                .map(|c| sums[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            if a.max(b) == 0.0 {
                0.0
            } else {
                (b - a) / a.max(b)
            }
        })
        .collect()
}

#[test]
fn blocked_silhouette_equals_the_direct_definition() {
    // Sizes around the block edges (4 rows, 256 columns).
    for (n, d, k) in [(7, 1, 2), (257, 3, 3), (600, 16, 8), (1031, 5, 4)] {
        let (x, labels) = blobs(n, d, k, n as u64);
        let got = silhouette_samples(x.view(), &labels).expect("valid");
        let want = direct(&x, &labels, k);
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((g - w).abs() <= 1e-12, "n = {n}, row {i}: {g} vs {w}");
        }
    }
}

#[cfg(feature = "parallel")]
#[test]
fn parallel_silhouette_is_bit_identical_across_thread_counts() {
    let (x, labels) = blobs(3_001, 16, 8, 11);
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(|| silhouette_samples(x.view(), &labels).expect("valid"))
    };
    let one = on(1);
    for threads in [2, 3] {
        let many = on(threads);
        assert!(
            one.iter()
                .zip(&many)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{threads} threads"
        );
    }
}

#[cfg(feature = "parallel")]
#[test]
fn parallel_centroid_metrics_are_bit_identical_across_thread_counts() {
    use seg_validate::{calinski_harabasz_score, davies_bouldin_score};
    // More rows than one chunk of the linear passes (16,384), so that the
    // chunks really run on several threads.
    let (x, labels) = blobs(40_000, 8, 5, 12);
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(|| {
                (
                    davies_bouldin_score(x.view(), &labels).expect("valid"),
                    calinski_harabasz_score(x.view(), &labels).expect("valid"),
                )
            })
    };
    let (db1, ch1) = on(1);
    for threads in [2, 3] {
        let (db, ch) = on(threads);
        assert_eq!(
            (db.to_bits(), ch.to_bits()),
            (db1.to_bits(), ch1.to_bits()),
            "{threads} threads"
        );
    }
}
