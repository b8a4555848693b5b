//! The blocked silhouette equals a direct all-pairs computation (on random
//! data and labels, and on data built to break the norm form
//! `‖x‖² + ‖y‖² − 2·x·y` of distances), and with the `parallel` feature it
//! gives the same bits on any number of threads.

use ndarray::Array2;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_pcg::Pcg64Mcg;
use seg_validate::silhouette_samples;

use proptest::prelude::*;

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

/// Rousseeuw's definition, pair by pair, with exact differences.
fn direct(x: &Array2<f64>, labels: &[usize], k: usize) -> Vec<f64> {
    direct_with(x, labels, k, |a, b| {
        a.iter()
            .zip(b)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt()
    })
}

/// Rousseeuw's definition, pair by pair, with the given distance.
fn direct_with(
    x: &Array2<f64>,
    labels: &[usize],
    k: usize,
    distance: impl Fn(&[f64], &[f64]) -> f64,
) -> Vec<f64> {
    let n = x.nrows();
    let rows: Vec<Vec<f64>> = x.rows().into_iter().map(|r| r.to_vec()).collect();
    let sizes: Vec<usize> = (0..k)
        .map(|c| labels.iter().filter(|&&l| l == c).count())
        .collect();
    (0..n)
        .map(|i| {
            let mut sums = vec![0.0; k];
            for j in 0..n {
                sums[labels[j]] += distance(&rows[i], &rows[j]);
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

/// `f` on a pool of its own with `threads` threads.
#[cfg(feature = "parallel")]
fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
        .install(f)
}

#[cfg(feature = "parallel")]
#[test]
fn parallel_silhouette_is_bit_identical_across_thread_counts() {
    let (x, labels) = blobs(3_001, 16, 8, 11);
    let on = |threads: usize| {
        on_threads(threads, || {
            silhouette_samples(x.view(), &labels).expect("valid")
        })
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
        on_threads(threads, || {
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

/// The worst relative error of `got` against `want` over the samples with
/// a nonzero expected value, and the worst absolute error over all.
fn worst_errors(got: &[f64], want: &[f64]) -> (f64, f64) {
    got.iter()
        .zip(want)
        .fold((0.0f64, 0.0f64), |(rel, abs), (g, w)| {
            let e = (g - w).abs();
            let r = if *w == 0.0 { 0.0 } else { e / w.abs() };
            (rel.max(r), abs.max(e))
        })
}

/// Three clusters 1e-2 apart at an offset of 1e8 in every dimension, with
/// a spread of 1e-3, exact duplicates and near duplicates (one unit in the
/// last place of 1e8 apart): squared norms near 4·10¹⁶ against squared
/// distances down to 10⁻¹⁴, where `‖x‖² + ‖y‖² − 2·x·y` keeps no digit.
fn adversarial(n: usize) -> (Array2<f64>, Vec<usize>) {
    let mut rng = Pcg64Mcg::seed_from_u64(25);
    let normal = Normal::new(0.0, 1e-3).expect("valid");
    let labels: Vec<usize> = (0..n).map(|i| (i * 5 + i / 7) % 3).collect();
    let mut x = Array2::from_shape_fn((n, 4), |(i, j)| {
        let centre = if j == 0 { 1e-2 * labels[i] as f64 } else { 0.0 };
        1e8 + centre + normal.sample(&mut rng)
    });
    for i in 1..n {
        if labels[i] != labels[i - 1] {
            continue;
        }
        let previous = x.row(i - 1).to_owned();
        match i % 5 {
            0 => x.row_mut(i).assign(&previous),
            1 => {
                x.row_mut(i).assign(&previous);
                x[[i, 1]] = f64::from_bits(previous[1].to_bits() + 1);
            }
            _ => {}
        }
    }
    (x, labels)
}

#[test]
fn silhouette_keeps_its_digits_where_the_norm_form_cancels() {
    let (x, labels) = adversarial(700);
    let got = silhouette_samples(x.view(), &labels).expect("valid");
    let want = direct(&x, &labels, 3);
    let (rel, abs) = worst_errors(&got, &want);
    // The same silhouette from distances in the norm form, to show what
    // this data does to it.
    let norm_form = direct_with(&x, &labels, 3, |a, b| {
        let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(p, q)| p * q).sum::<f64>();
        (dot(a, a) + dot(b, b) - 2.0 * dot(a, b)).max(0.0).sqrt()
    });
    let (norm_rel, _) = worst_errors(&norm_form, &want);
    println!(
        "adversarial data: worst relative error {rel:.3e} (absolute {abs:.3e}); \
         the norm form's {norm_rel:.3e}"
    );
    assert!(rel <= 1e-12, "worst relative error {rel:e}");
    assert!(norm_rel > 1e-3, "the data does not defeat the norm form");
}

#[test]
fn blocked_silhouette_equals_the_direct_definition_across_bands() {
    // More blocks (256 rows) than are measured together in parallel (16
    // or more), and a cluster smaller than a lane group.
    let (x, mut labels) = blobs(4_700, 2, 5, 3);
    for l in labels.iter_mut().step_by(1_000) {
        *l = 5;
    }
    let got = silhouette_samples(x.view(), &labels).expect("valid");
    let want = direct(&x, &labels, 6);
    let (_, abs) = worst_errors(&got, &want);
    assert!(abs <= 1e-12, "worst absolute error {abs:e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn blocked_silhouette_equals_the_direct_definition_on_random_data(
        n in 3usize..600,
        d in 1usize..5,
        k in 2usize..6,
        seed in any::<u64>(),
        spread in prop::sample::select(vec![1e-3, 1.0, 1e3]),
        offset in prop::sample::select(vec![0.0, 1e6]),
    ) {
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let normal = Normal::new(0.0, spread).expect("valid");
        let labels: Vec<usize> = (0..n).map(|i| (i + (seed as usize % 7) * i / 5) % k).collect();
        let x = Array2::from_shape_fn((n, d), |(i, j)| {
            offset + spread * ((labels[i] * (j + 1)) % k) as f64 + normal.sample(&mut rng)
        });
        let k = labels.iter().max().map_or(0, |m| m + 1);
        let distinct = (0..k).filter(|c| labels.contains(c)).count();
        prop_assume!(distinct >= 2 && distinct < n);
        let got = silhouette_samples(x.view(), &labels).expect("valid");
        let want = direct(&x, &labels, k);
        let (rel, abs) = worst_errors(&got, &want);
        prop_assert!(abs <= 1e-12 && rel <= 1e-9, "relative {:e}, absolute {:e}", rel, abs);
    }
}

#[cfg(feature = "parallel")]
#[test]
fn parallel_silhouette_is_bit_identical_for_any_number_of_blocks_measured_together() {
    // 24 blocks: one band of 24 on 12 threads, two bands on 1 thread.
    let (x, labels) = blobs(6_000, 4, 3, 13);
    let on = |threads: usize| {
        on_threads(threads, || {
            silhouette_samples(x.view(), &labels).expect("valid")
        })
    };
    let (one, many) = (on(1), on(12));
    assert!(
        one.iter()
            .zip(&many)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
}
