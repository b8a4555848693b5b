//! Input checks shared by the metrics: shape, one label per row, finite
//! values, the number of clusters.

use std::borrow::Cow;

use ndarray::ArrayView2;

use crate::distance::centroids;
use crate::error::{Result, ValidateError};
use crate::labels::{Dense, densify};

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

/// Checks that the data is non-empty, has one label per row, and that a
/// copy of it is addressable (a broadcast view may be far larger than
/// memory).
fn check_shape(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<()> {
    let (rows, cols) = x.dim();
    if rows == 0 || cols == 0 {
        return Err(ValidateError::EmptyInput { rows, cols });
    }
    if labels.len() != rows {
        return Err(ValidateError::LengthMismatch {
            parameter: "labels",
            expected: rows,
            got: labels.len(),
            one_per: "row of x",
        });
    }
    let bytes = rows
        .checked_mul(cols)
        .and_then(|values| values.checked_mul(size_of::<f64>()));
    if bytes.is_none_or(|b| b > isize::MAX as usize) {
        return Err(ValidateError::InvalidParameter {
            parameter: "x",
            value: format!("{rows} x {cols}"),
            reason: "a copy of the data must fit in the address space",
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

/// Checks that the clusters number `min..=max`.
pub(crate) fn cluster_count(dense: Dense, min: usize, max: usize) -> Result<Dense> {
    if dense.k() < min || dense.k() > max {
        return Err(ValidateError::InvalidClusterCount {
            k: dense.k(),
            min,
            max,
        });
    }
    Ok(dense)
}

/// Checks that a sample of `sample_size` rows of `n` can be drawn.
pub(crate) fn check_sample_size(sample_size: usize, n: usize) -> Result<()> {
    if sample_size == 0 || sample_size > n {
        return Err(ValidateError::InvalidSampleSize { sample_size, n });
    }
    Ok(())
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
/// finiteness of the data is checked through the cluster sums (a sum with a
/// NaN or infinite term is not finite), so the data is read once; only data
/// with a non-finite sum is scanned for the entry to report (finite data
/// whose sum overflows passes, as it does [`check_data`]).
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
