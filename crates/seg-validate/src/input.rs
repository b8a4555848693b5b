//! Input checks and the linear-time passes shared by the metrics.

use std::borrow::Cow;

use ndarray::ArrayView2;

use crate::error::{Result, ValidateError};

/// Labels mapped to dense ids `0..k`, ordered by original id (so permuting
/// ids permutes clusters, nothing else), with the size of each cluster.
#[derive(Debug, Clone)]
pub(crate) struct Dense {
    /// The original label ids, ascending.
    pub(crate) ids: Vec<usize>,
    pub(crate) labels: Vec<usize>,
    pub(crate) sizes: Vec<usize>,
}

impl Dense {
    pub(crate) fn k(&self) -> usize {
        self.sizes.len()
    }
}

/// Maps arbitrary label ids to `0..k` in O(n + max id) through a table, or
/// by sorting when the ids are huge and sparse.
pub(crate) fn densify(labels: &[usize]) -> Dense {
    let max = labels.iter().copied().max().unwrap_or(0);
    let small = max <= 2 * labels.len() + 1024;
    let ids: Vec<usize> = if small {
        let mut seen = vec![false; max + 1];
        for &l in labels {
            seen[l] = true;
        }
        (0..=max).filter(|&l| seen[l]).collect()
    } else {
        let mut ids = labels.to_vec();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let mut table = vec![0; if small { max + 1 } else { 0 }];
    for (c, &id) in ids.iter().enumerate().filter(|_| small) {
        table[id] = c;
    }
    // `ids` holds every label, so the search always succeeds.
    let index = |l: usize| {
        if small {
            table[l]
        } else {
            ids.binary_search(&l).unwrap_or_default()
        }
    };
    let mut sizes = vec![0; ids.len()];
    let labels = labels
        .iter()
        .map(|&l| {
            let c = index(l);
            sizes[c] += 1;
            c
        })
        .collect();
    Dense { ids, labels, sizes }
}

/// The data as one row-major slice, borrowed when it already is one.
pub(crate) fn row_major<'a>(x: &ArrayView2<'a, f64>) -> Cow<'a, [f64]> {
    match x.to_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(x.iter().copied().collect()),
    }
}

/// Checks a data matrix against its labels: non-empty, same length, finite.
pub(crate) fn check_data(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<()> {
    check_shape(x, labels)?;
    find_non_finite(&row_major(&x), x.ncols())
}

/// Checks that the data is non-empty and has one label per row.
fn check_shape(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<()> {
    let (rows, cols) = x.dim();
    if rows == 0 || cols == 0 {
        return Err(ValidateError::EmptyInput { rows, cols });
    }
    if labels.len() != rows {
        return Err(ValidateError::LengthMismatch {
            rows,
            labels: labels.len(),
        });
    }
    Ok(())
}

/// The first NaN or infinite entry of row-major `data`, as an error.
fn find_non_finite(data: &[f64], cols: usize) -> Result<()> {
    // Blocks are checked without branches (vectorised); only a block with
    // a non-finite value is searched.
    const BLOCK: usize = 4096;
    let bad = data
        .chunks(BLOCK)
        .position(|block| !block.iter().fold(true, |ok, v| ok & v.is_finite()));
    match bad {
        Some(b) => {
            let i = b * BLOCK
                + data[b * BLOCK..]
                    .iter()
                    .position(|v| !v.is_finite())
                    .unwrap_or_default();
            Err(ValidateError::NonFinite {
                row: i / cols,
                column: i % cols,
                value: data[i],
            })
        }
        None => Ok(()),
    }
}

/// Checks data and labels and that the clusters number `min..=max`.
pub(crate) fn check_clusters(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    min: usize,
    max: usize,
) -> Result<Dense> {
    check_data(x, labels)?;
    cluster_count(densify(labels), min, max)
}

fn cluster_count(dense: Dense, min: usize, max: usize) -> Result<Dense> {
    if dense.k() < min || dense.k() > max {
        return Err(ValidateError::InvalidClusterCount {
            k: dense.k(),
            min,
            max,
        });
    }
    Ok(dense)
}

/// The inputs of the centroid-based metrics, checked in one pass over the
/// data.
pub(crate) struct Centred<'a> {
    pub(crate) data: Cow<'a, [f64]>,
    pub(crate) d: usize,
    pub(crate) dense: Dense,
    /// Cluster means, `k × d` row-major.
    pub(crate) centres: Vec<f64>,
    /// The overall mean.
    pub(crate) mean: Vec<f64>,
}

/// Checks the input like [`check_clusters`] and computes the centroids. The
/// finiteness of the data is checked through the cluster sums (a sum of
/// finite numbers is finite unless it overflows), so the data is read once;
/// only data with a non-finite sum is scanned for the entry to report.
pub(crate) fn centred<'a>(
    x: ArrayView2<'a, f64>,
    labels: &[usize],
    min: usize,
    max: usize,
) -> Result<Centred<'a>> {
    check_shape(x, labels)?;
    let (data, d) = (row_major(&x), x.ncols());
    let dense = densify(labels);
    let (centres, mean) = centroids(&data, d, &dense);
    if !centres.iter().all(|v| v.is_finite()) {
        find_non_finite(&data, d)?;
    }
    let dense = cluster_count(dense, min, max)?;
    Ok(Centred {
        data,
        d,
        dense,
        centres,
        mean,
    })
}

/// Cluster means, `k × d` row-major, and the overall mean.
fn centroids(data: &[f64], d: usize, dense: &Dense) -> (Vec<f64>, Vec<f64>) {
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
    let chunks = data.chunks(CHUNK_ROWS * d).zip(labels.chunks(CHUNK_ROWS));
    #[cfg(feature = "parallel")]
    let partials: Vec<Vec<f64>> = {
        use rayon::prelude::*;
        chunks
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(rows, labels)| pass(rows, labels))
            .collect()
    };
    #[cfg(not(feature = "parallel"))]
    let partials: Vec<Vec<f64>> = chunks.map(|(rows, labels)| pass(rows, labels)).collect();
    let mut total = vec![0.0; len];
    for part in partials {
        for (t, v) in total.iter_mut().zip(part) {
            *t += v;
        }
    }
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

/// Squared Euclidean distance, summed in 8 independent lanes so that the
/// compiler can vectorise it (a single running sum cannot be reordered).
#[inline(always)]
pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    const LANES: usize = 8;
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
