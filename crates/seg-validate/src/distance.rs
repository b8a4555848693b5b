//! Distance kernels of the centroid-based metrics: per-cluster sums and
//! centroids, per-cluster sums of the distances of the rows to their
//! centre, and the squared Euclidean distance. Each is a linear pass over
//! the data, chunk by chunk.

use crate::labels::Dense;

/// Cluster means, `k × d` row-major, and the overall mean, of row-major
/// `data` with `d` columns.
pub(crate) fn centroids(data: &[f64], d: usize, dense: &Dense) -> (Vec<f64>, Vec<f64>) {
    let k = dense.k();
    let mut sums = chunked(data, d, &dense.labels, k * d, |rows, labels| {
        cluster_sums(rows, d, labels, k)
    });
    let mut total = vec![0.0; d];
    for centre in sums.chunks_exact(d) {
        for (t, v) in total.iter_mut().zip(centre) {
            *t += v;
        }
    }
    for (centre, &n) in sums.chunks_exact_mut(d).zip(&dense.sizes) {
        centre.iter_mut().for_each(|v| *v /= n as f64);
    }
    let n = dense.labels.len() as f64;
    total.iter_mut().for_each(|v| *v /= n);
    (sums, total)
}

/// Rows per chunk of the linear passes: the partial results of chunks are
/// added in chunk order, so the numbers do not depend on the number of
/// threads.
const CHUNK_ROWS: usize = 1 << 14;

/// Applies `pass` to consecutive chunks of rows (on all cores with the
/// `parallel` feature) and adds the `len` partial results in chunk order.
fn chunked<F>(data: &[f64], d: usize, labels: &[usize], len: usize, pass: F) -> Vec<f64>
where
    F: Fn(&[f64], &[usize]) -> Vec<f64> + Sync,
{
    let chunks = data
        .chunks(CHUNK_ROWS.saturating_mul(d))
        .zip(labels.chunks(CHUNK_ROWS));
    let mut total = vec![0.0; len];
    let mut add = |part: Vec<f64>| {
        for (t, v) in total.iter_mut().zip(part) {
            *t += v;
        }
    };
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        let partials: Vec<Vec<f64>> = chunks
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(rows, labels)| pass(rows, labels))
            .collect();
        partials.into_iter().for_each(&mut add);
    }
    // One chunk at a time: the same additions in the same order, without
    // holding every chunk's partial result.
    #[cfg(not(feature = "parallel"))]
    chunks.for_each(|(rows, labels)| add(pass(rows, labels)));
    total
}

/// Per-cluster sums of the rows, `k × d` row-major.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn cluster_sums(data: &[f64], d: usize, labels: &[usize], k: usize) -> Vec<f64> {
    let mut sums = vec![0.0; k * d];
    for (row, &c) in data.chunks_exact(d).zip(labels) {
        for (s, v) in sums[c * d..(c + 1) * d].iter_mut().zip(row) {
            *s += v;
        }
    }
    sums
}

/// Per-cluster sums of the distances (`root`) or squared distances of the
/// rows to their cluster's centre, chunk by chunk (see [`chunked`]).
pub(crate) fn distances_to_centres(
    data: &[f64],
    d: usize,
    labels: &[usize],
    centres: &[f64],
    root: bool,
) -> Vec<f64> {
    chunked(data, d, labels, centres.len() / d, |rows, labels| {
        distance_kernel(rows, d, labels, centres, root)
    })
}

/// Per-cluster sums of the distances (`root`) or squared distances of the
/// rows to their cluster's centre.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn distance_kernel(
    data: &[f64],
    d: usize,
    labels: &[usize],
    centres: &[f64],
    root: bool,
) -> Vec<f64> {
    let mut sums = vec![0.0; centres.len() / d];
    for (row, &c) in data.chunks_exact(d).zip(labels) {
        let sq = squared_distance(row, &centres[c * d..(c + 1) * d]);
        sums[c] += if root { sq.sqrt() } else { sq };
    }
    sums
}

/// The squared Euclidean distance `Σ (a_i − b_i)²` of two points.
///
/// The terms are summed in 8 independent lanes, which the compiler
/// vectorises (a single running sum cannot be reordered), then the lanes
/// are added in order and the remaining `len % 8` terms last; the result
/// is the same bit for bit on every target. seg-cluster's k-means uses
/// this function for its bounds and inertia, so both crates agree exactly.
///
/// When the slices differ in length, the coordinates beyond the shorter
/// one are ignored.
///
/// # Formula
///
/// ```text
/// lane_l = Σ_{j < ⌊n/8⌋} (a[8j + l] − b[8j + l])²        for l = 0..8
/// d²     = (lane_0 + … + lane_7) + Σ_{i ≥ 8⌊n/8⌋} (a_i − b_i)²
/// ```
///
/// # Example
///
/// ```
/// use seg_validate::squared_distance;
///
/// assert_eq!(squared_distance(&[0.0, 3.0], &[4.0, 0.0]), 25.0);
/// let a: Vec<f64> = (0..20).map(f64::from).collect();
/// let b = vec![0.0; 20];
/// assert_eq!(squared_distance(&a, &b), (0..20).map(|i| f64::from(i * i)).sum::<f64>());
/// ```
#[inline(always)]
pub fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    const LANES: usize = 8;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    let mut acc = [0.0; LANES];
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            let t = x[l] - y[l];
            acc[l] += t * t;
        }
    }
    acc.iter().sum::<f64>() + tail
}
