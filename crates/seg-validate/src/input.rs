//! Input checks shared by the metrics.

use ndarray::ArrayView2;

use crate::error::{Result, ValidateError};

/// Labels mapped to dense ids `0..k` in order of first appearance sorted by
/// original id, with the size of each cluster.
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

/// Maps arbitrary label ids to `0..k`, ordered by id (so permuting ids
/// permutes clusters, nothing else).
pub(crate) fn densify(labels: &[usize]) -> Dense {
    let mut ids: Vec<usize> = labels.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut sizes = vec![0; ids.len()];
    let labels = labels
        .iter()
        .map(|l| {
            // `ids` holds every label, so the search always succeeds.
            let c = ids.binary_search(l).unwrap_or_default();
            sizes[c] += 1;
            c
        })
        .collect();
    Dense { ids, labels, sizes }
}

/// Checks a data matrix against its labels: non-empty, same length, finite.
pub(crate) fn check_data(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<()> {
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
    if let Some(((row, column), &value)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(ValidateError::NonFinite { row, column, value });
    }
    Ok(())
}

/// Checks data and labels and that the clusters number `min..=max`.
pub(crate) fn check_clusters(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    min: usize,
    max: usize,
) -> Result<Dense> {
    check_data(x, labels)?;
    let dense = densify(labels);
    if dense.k() < min || dense.k() > max {
        return Err(ValidateError::InvalidClusterCount {
            k: dense.k(),
            min,
            max,
        });
    }
    Ok(dense)
}

/// Cluster means (k × d) and the overall mean.
pub(crate) fn centroids(x: ArrayView2<'_, f64>, dense: &Dense) -> (Vec<Vec<f64>>, Vec<f64>) {
    let d = x.ncols();
    let mut sums = vec![vec![0.0; d]; dense.k()];
    let mut total = vec![0.0; d];
    for (row, &c) in x.rows().into_iter().zip(&dense.labels) {
        for ((s, t), &v) in sums[c].iter_mut().zip(&mut total).zip(row) {
            *s += v;
            *t += v;
        }
    }
    for (s, &n) in sums.iter_mut().zip(&dense.sizes) {
        s.iter_mut().for_each(|v| *v /= n as f64);
    }
    let n = x.nrows() as f64;
    total.iter_mut().for_each(|v| *v /= n);
    (sums, total)
}

pub(crate) fn squared_distance(a: impl IntoIterator<Item = f64>, b: &[f64]) -> f64 {
    a.into_iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}
