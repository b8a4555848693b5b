//! Input checks, the row-major view of the data and the chunked
//! (optionally parallel) traversal shared by every pass.

use std::borrow::Cow;

use ndarray::ArrayView2;

use crate::error::{ClusterError, Result};
use crate::init::Init;

/// Rows per unit of work. Fixed, so that sums are accumulated in the same
/// order whatever the number of threads.
pub(crate) const CHUNK: usize = 4096;

/// The data as one row-major slice, borrowed when it already is one.
///
/// # Errors
///
/// [`ClusterError::OutOfMemory`] when a copy is needed (non-contiguous
/// input, such as a broadcast view) and cannot be allocated.
pub(crate) fn row_major<'a>(x: &ArrayView2<'a, f64>) -> Result<Cow<'a, [f64]>> {
    match x.to_slice() {
        Some(s) => Ok(Cow::Borrowed(s)),
        None => {
            let mut copy = allocate(x.len())?;
            copy.extend(x.iter().copied());
            Ok(Cow::Owned(copy))
        }
    }
}

/// An empty vector with room for `len` values, or
/// [`ClusterError::OutOfMemory`] (never an abort) when they cannot be
/// allocated.
pub(crate) fn allocate<T>(len: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| ClusterError::OutOfMemory { values: len })?;
    Ok(v)
}

/// Checks that the data is non-empty and finite; returns it row-major.
pub(crate) fn checked<'a>(x: &ArrayView2<'a, f64>) -> Result<Cow<'a, [f64]>> {
    let data = non_empty(x)?;
    find_non_finite(&data, x.ncols())?;
    Ok(data)
}

/// Checks that the data has rows and columns; returns it row-major.
fn non_empty<'a>(x: &ArrayView2<'a, f64>) -> Result<Cow<'a, [f64]>> {
    let (rows, cols) = x.dim();
    if rows == 0 || cols == 0 {
        return Err(ClusterError::EmptyInput { rows, cols });
    }
    row_major(x)
}

/// The data of a fit, checked the same way for [`KMeans`](crate::KMeans)
/// and [`MiniBatchKMeans`](crate::MiniBatchKMeans): the prologue of both
/// fits.
pub(crate) struct FitInput<'a> {
    /// The rows, row-major.
    pub(crate) data: Cow<'a, [f64]>,
    /// Features (columns), at least 1.
    pub(crate) d: usize,
    /// Clusters, in `1..=n` and at most the distinct rows.
    pub(crate) k: usize,
    /// The scale of `tol` ([`moments`]).
    mean_variance: f64,
}

impl<'a> FitInput<'a> {
    /// Checks, in this order: k ≥ 1 ([`ClusterError::InvalidK`]), the
    /// parameters (`check_params`), non-empty finite data, k ≤ n, explicit
    /// centres with d columns, at least k distinct rows.
    pub(crate) fn check(
        x: &ArrayView2<'a, f64>,
        k: usize,
        init: &Init,
        check_params: impl FnOnce() -> Result<()>,
    ) -> Result<Self> {
        if k == 0 {
            return Err(ClusterError::InvalidK {
                k: 0,
                n_samples: x.nrows(),
            });
        }
        check_params()?;
        let data = non_empty(x)?;
        let (n, d) = x.dim();
        // The finiteness check and the scale of `tol` in one pass.
        let mean_variance = moments(&data, d).mean_variance(&data)?;
        if k > n {
            return Err(ClusterError::InvalidK { k, n_samples: n });
        }
        if let Init::Explicit(c) = init
            && c.ncols() != d
        {
            return Err(ClusterError::CentresShape {
                k,
                d,
                rows: c.nrows(),
                cols: c.ncols(),
            });
        }
        let distinct = distinct_up_to(&data, d, k);
        if distinct < k {
            return Err(ClusterError::TooFewDistinctPoints { k, distinct });
        }
        Ok(FitInput {
            data,
            d,
            k,
            mean_variance,
        })
    }

    /// Rows of the data.
    pub(crate) fn n(&self) -> usize {
        self.data.len() / self.d
    }

    /// `tol` relative to the mean variance of the features (0 stays 0).
    pub(crate) fn scaled_tol(&self, tol: f64) -> f64 {
        if tol > 0.0 {
            tol * self.mean_variance
        } else {
            0.0
        }
    }
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
    const L: usize = 8;
    // x · 0 is 0 for a finite x and NaN otherwise: a block is finite when
    // its lane sums of x · 0 are all zero.
    let finite = |block: &[f64]| {
        let mut acc = [0.0f64; L];
        let mut values = block.chunks_exact(L);
        for v in &mut values {
            let x: [f64; L] = v.try_into().unwrap_or([f64::NAN; L]);
            for l in 0..L {
                acc[l] += x[l] * 0.0;
            }
        }
        acc.iter().all(|&a| a == 0.0) && values.remainder().iter().all(|v| v.is_finite())
    };
    #[cfg(feature = "parallel")]
    let bad = {
        use rayon::prelude::*;
        data.par_chunks(BLOCK)
            .position_first(|block| !finite(block))
    };
    #[cfg(not(feature = "parallel"))]
    let bad = data.chunks(BLOCK).position(|block| !finite(block));
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

/// Per-column sums and sums of squares of the data shifted by its first
/// row (which keeps the cancellation small), 8 columns per block; padded
/// lanes stay zero.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Moments {
    d: usize,
    n: usize,
    sums: Vec<[f64; 8]>,
    squares: Vec<[f64; 8]>,
}

impl Moments {
    /// The mean over columns of the population variance of each column
    /// (scikit-learn's `np.mean(np.var(X, axis=0))`, the scale of `tol`);
    /// or the first NaN or infinite entry of `data` as an error. A
    /// non-finite entry leaves its column's sum non-finite (an infinity
    /// stays, or meets its opposite in a NaN), so finite sums prove
    /// finite data and only a non-finite sum costs a search. Squares of
    /// huge finite values may overflow: that variance is infinite, as
    /// computed.
    fn mean_variance(&self, data: &[f64]) -> Result<f64> {
        let finite = |blocks: &[[f64; 8]]| blocks.iter().flatten().all(|v| v.is_finite());
        if !finite(&self.sums) {
            find_non_finite(data, self.d)?;
        }
        let nf = self.n as f64;
        let total: f64 = (0..self.d)
            .map(|j| {
                let (s, q) = (self.sums[j / 8][j % 8], self.squares[j / 8][j % 8]);
                ((q - s * s / nf) / nf).max(0.0)
            })
            .sum();
        Ok(total / self.d as f64)
    }
}

/// [`Moments`] of non-empty row-major `data`, summed per chunk of
/// [`CHUNK`] rows (in parallel with the `parallel` feature) and the chunks
/// added in order: the same bits for any number of threads.
pub(crate) fn moments(data: &[f64], d: usize) -> Moments {
    let shift = &data[..d];
    let parts = map_chunks(data, d, |rows| chunk_moments(rows, shift));
    let blocks = d.div_ceil(8);
    let mut total = Moments {
        d,
        n: data.len() / d,
        sums: vec![[0.0; 8]; blocks],
        squares: vec![[0.0; 8]; blocks],
    };
    for (sums, squares) in parts {
        for (t, s) in total.sums.iter_mut().zip(&sums) {
            for l in 0..8 {
                t[l] += s[l];
            }
        }
        for (t, q) in total.squares.iter_mut().zip(&squares) {
            for l in 0..8 {
                t[l] += q[l];
            }
        }
    }
    total
}

/// Shifted sums and sums of squares of one chunk's rows, per block of 8
/// columns.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn chunk_moments(rows: &[f64], shift: &[f64]) -> (Vec<[f64; 8]>, Vec<[f64; 8]>) {
    const L: usize = 8;
    let d = shift.len();
    let blocks = d.div_ceil(L);
    let mut shifts = vec![[0.0f64; L]; blocks];
    for (b, chunk) in shift.chunks(L).enumerate() {
        shifts[b][..chunk.len()].copy_from_slice(chunk);
    }
    let mut sums = vec![[0.0f64; L]; blocks];
    let mut squares = vec![[0.0f64; L]; blocks];
    for row in rows.chunks_exact(d) {
        let mut values = row.chunks_exact(L);
        for (b, v) in (&mut values).enumerate() {
            // Whole arrays (no copy call, no bounds checks): vectorised.
            let x: [f64; L] = v.try_into().unwrap_or([0.0; L]);
            let (m, s, q) = (shifts[b], sums[b], squares[b]);
            let mut t = [0.0; L];
            let mut s2 = [0.0; L];
            let mut q2 = [0.0; L];
            for l in 0..L {
                t[l] = x[l] - m[l];
                s2[l] = s[l] + t[l];
                q2[l] = q[l] + t[l] * t[l];
            }
            sums[b] = s2;
            squares[b] = q2;
        }
        let b = d / L;
        for (l, &x) in values.remainder().iter().enumerate() {
            let t = x - shifts[b][l];
            sums[b][l] += t;
            squares[b][l] += t * t;
        }
    }
    (sums, squares)
}

/// `f(rows)` on each chunk of [`CHUNK`] rows, results in chunk order (on
/// the rayon pool with the `parallel` feature).
pub(crate) fn map_chunks<R, F>(data: &[f64], d: usize, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(&[f64]) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        data.par_chunks(CHUNK * d).map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        data.chunks(CHUNK * d).map(f).collect()
    }
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
