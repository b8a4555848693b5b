//! Input checks, the row-major view of the data and the chunked
//! (optionally parallel) traversal shared by every pass.

use std::borrow::Cow;

use ndarray::ArrayView2;

use crate::error::{ClusterError, Result};

/// Rows per unit of work. Fixed, so that sums are accumulated in the same
/// order whatever the number of threads.
pub(crate) const CHUNK: usize = 2048;

/// The data as one row-major slice, borrowed when it already is one.
pub(crate) fn row_major<'a>(x: &ArrayView2<'a, f64>) -> Cow<'a, [f64]> {
    match x.to_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(x.iter().copied().collect()),
    }
}

/// Checks that the data is non-empty and finite; returns it row-major.
pub(crate) fn checked<'a>(x: &ArrayView2<'a, f64>) -> Result<Cow<'a, [f64]>> {
    let (rows, cols) = x.dim();
    if rows == 0 || cols == 0 {
        return Err(ClusterError::EmptyInput { rows, cols });
    }
    let data = row_major(x);
    find_non_finite(&data, cols)?;
    Ok(data)
}

/// The first NaN or infinite entry of row-major `data`, as an error.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub(crate) fn find_non_finite(data: &[f64], cols: usize) -> Result<()> {
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
            Err(ClusterError::NonFinite {
                row: i / cols.max(1),
                column: i % cols.max(1),
                value: data[i],
            })
        }
        None => Ok(()),
    }
}

/// The number of distinct rows, counted up to `limit` (the scan stops
/// there). O(n·limit·d) at worst, usually O(limit²·d).
pub(crate) fn distinct_up_to(data: &[f64], d: usize, limit: usize) -> usize {
    let mut seen: Vec<&[f64]> = Vec::with_capacity(limit);
    for row in data.chunks_exact(d) {
        if seen.len() >= limit {
            break;
        }
        if !seen.contains(&row) {
            seen.push(row);
        }
    }
    seen.len()
}

/// The mean over columns of the population variance of each column
/// (scikit-learn's `np.mean(np.var(X, axis=0))`).
pub(crate) fn mean_variance(data: &[f64], d: usize) -> f64 {
    let n = (data.len() / d) as f64;
    let mut mean = vec![0.0; d];
    for row in data.chunks_exact(d) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0; d];
    for row in data.chunks_exact(d) {
        for ((s, v), m) in var.iter_mut().zip(row).zip(&mean) {
            *s += (v - m) * (v - m);
        }
    }
    var.iter().sum::<f64>() / n / d as f64
}

/// Calls `f(first_row, rows, a)` on each chunk of [`CHUNK`] rows and the
/// matching chunk of the per-row state `a` (`per_row` values per row);
/// results in chunk order. Runs on the rayon pool with the `parallel`
/// feature.
pub(crate) fn chunked<A, R, F>(data: &[f64], d: usize, a: &mut [A], per_row: usize, f: F) -> Vec<R>
where
    A: Send,
    R: Send,
    F: Fn(usize, &[f64], &mut [A]) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        data.par_chunks(CHUNK * d)
            .zip(a.par_chunks_mut(CHUNK * per_row))
            .enumerate()
            .map(|(i, (rows, a))| f(i * CHUNK, rows, a))
            .collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        data.chunks(CHUNK * d)
            .zip(a.chunks_mut(CHUNK * per_row))
            .enumerate()
            .map(|(i, (rows, a))| f(i * CHUNK, rows, a))
            .collect()
    }
}

/// [`chunked`] with two per-row states.
pub(crate) fn chunked2<A, B, R, F>(data: &[f64], d: usize, a: &mut [A], b: &mut [B], f: F) -> Vec<R>
where
    A: Send,
    B: Send,
    R: Send,
    F: Fn(usize, &[f64], &mut [A], &mut [B]) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        data.par_chunks(CHUNK * d)
            .zip(a.par_chunks_mut(CHUNK))
            .zip(b.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(i, ((rows, a), b))| f(i * CHUNK, rows, a, b))
            .collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        data.chunks(CHUNK * d)
            .zip(a.chunks_mut(CHUNK))
            .zip(b.chunks_mut(CHUNK))
            .enumerate()
            .map(|(i, ((rows, a), b))| f(i * CHUNK, rows, a, b))
            .collect()
    }
}
