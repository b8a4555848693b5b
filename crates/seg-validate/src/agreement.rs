//! Agreement between two labelings: adjusted Rand index and normalised
//! mutual information.

use crate::error::{Result, ValidateError};
use crate::labels::densify;

/// The contingency table of two labelings: its non-zero cells in row-major
/// order, with row and column totals.
struct Contingency {
    /// `(row, column, count)` of every non-zero cell, by row then column.
    cells: Vec<(usize, usize, u64)>,
    rows: Vec<u64>,
    cols: Vec<u64>,
    n: u64,
}

/// Above this many cells (and above n) the table is built from sorted
/// pairs instead of a dense `k_a × k_b` array: two labelings of many
/// distinct ids must not allocate k_a · k_b counters.
const DENSE_CELLS: usize = 1 << 16;

fn contingency(a: &[usize], b: &[usize]) -> Result<Contingency> {
    contingency_with(a, b, DENSE_CELLS)
}

/// [`contingency`] with a dense table up to `max(dense_cells, n)` cells.
fn contingency_with(a: &[usize], b: &[usize], dense_cells: usize) -> Result<Contingency> {
    if a.len() != b.len() {
        return Err(ValidateError::LengthMismatch {
            parameter: "b",
            expected: a.len(),
            got: b.len(),
            one_per: "label of a",
        });
    }
    if a.is_empty() {
        return Err(ValidateError::EmptyInput { rows: 0, cols: 0 });
    }
    let (da, db) = (densify(a), densify(b));
    let (ka, kb) = (da.k(), db.k());
    let cells = match ka.checked_mul(kb) {
        Some(size) if size <= dense_cells.max(a.len()) => {
            let mut dense = vec![0u64; size];
            for (&i, &j) in da.labels.iter().zip(&db.labels) {
                dense[i * kb + j] += 1;
            }
            dense
                .iter()
                .enumerate()
                .filter(|&(_, &count)| count > 0)
                .map(|(idx, &count)| (idx / kb, idx % kb, count))
                .collect()
        }
        _ => {
            let mut pairs: Vec<(usize, usize)> = da
                .labels
                .iter()
                .copied()
                .zip(db.labels.iter().copied())
                .collect();
            pairs.sort_unstable();
            let mut cells: Vec<(usize, usize, u64)> = Vec::new();
            for (i, j) in pairs {
                match cells.last_mut() {
                    Some((li, lj, count)) if (*li, *lj) == (i, j) => *count += 1,
                    _ => cells.push((i, j, 1)),
                }
            }
            cells
        }
    };
    Ok(Contingency {
        cells,
        rows: da.sizes.iter().map(|&s| s as u64).collect(),
        cols: db.sizes.iter().map(|&s| s as u64).collect(),
        n: a.len() as u64,
    })
}

/// The adjusted Rand index of two labelings (Hubert & Arabie), with
/// scikit-learn's semantics: 1 for identical partitions (up to label ids),
/// about 0 for independent ones, symmetric.
///
/// Pair counts are exact (128-bit integers) for any n. Only the non-zero
/// cells of the contingency table are kept, so memory is O(n) however many
/// distinct ids the labelings have.
///
/// # Formula
///
/// ```text
/// ARI = 2·(TP·TN − FN·FP) / ((TP + FN)(FN + TN) + (TP + FP)(FP + TN))
/// ```
///
/// over pairs of samples; 1 when FN = FP = 0.
///
/// # Errors
///
/// [`ValidateError::LengthMismatch`] when `b` is not as long as `a`,
/// [`ValidateError::EmptyInput`] for no labels.
///
/// # Example
///
/// ```
/// use seg_validate::adjusted_rand_index;
///
/// assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[5, 5, 2, 2])?, 1.0);
/// assert!(adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1])? < 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// Hubert, L., Arabie, P. (1985). Comparing partitions. *Journal of
/// Classification* 2, 193–218.
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> Result<f64> {
    let t = contingency(a, b)?;
    let square = |v: &[u64]| {
        v.iter()
            .map(|&x| i128::from(x) * i128::from(x))
            .sum::<i128>()
    };
    let sum_squares = t
        .cells
        .iter()
        .map(|&(_, _, x)| i128::from(x) * i128::from(x))
        .sum::<i128>();
    let n = i128::from(t.n);
    let tp = sum_squares - n;
    let fp = square(&t.cols) - sum_squares;
    let fn_ = square(&t.rows) - sum_squares;
    let tn = n * n - fp - fn_ - sum_squares;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    let (tp, tn, fp, fn_) = (tp as f64, tn as f64, fp as f64, fn_ as f64);
    Ok(2.0 * (tp * tn - fn_ * fp) / ((tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn)))
}

/// Normalised mutual information of two labelings with the arithmetic-mean
/// normaliser (scikit-learn's default): in [0, 1], 1 for identical
/// partitions, symmetric.
///
/// # Formula
///
/// ```text
/// NMI = MI(a, b) / ((H(a) + H(b)) / 2)
/// ```
///
/// As in scikit-learn, two single-cluster labelings score 1 and a mutual
/// information of 0 scores 0. Memory is O(n), as for
/// [`adjusted_rand_index`].
///
/// # Errors
///
/// [`ValidateError::LengthMismatch`] when `b` is not as long as `a`,
/// [`ValidateError::EmptyInput`] for no labels.
///
/// # Example
///
/// ```
/// use seg_validate::normalized_mutual_info;
///
/// assert_eq!(normalized_mutual_info(&[0, 0, 1, 1], &[1, 1, 0, 0])?, 1.0);
/// assert_eq!(normalized_mutual_info(&[0, 0, 1, 1], &[0, 1, 0, 1])?, 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// Vinh, N. X., Epps, J., Bailey, J. (2010). Information theoretic
/// measures for clusterings comparison. *JMLR* 11, 2837–2854.
pub fn normalized_mutual_info(a: &[usize], b: &[usize]) -> Result<f64> {
    let t = contingency(a, b)?;
    if t.rows.len() == 1 && t.cols.len() == 1 {
        return Ok(1.0);
    }
    let mi = mutual_info(&t);
    if mi == 0.0 {
        return Ok(0.0);
    }
    Ok(mi / ((entropy(&t.rows) + entropy(&t.cols)) / 2.0))
}

/// scikit-learn's `mutual_info_score` on a contingency table.
fn mutual_info(t: &Contingency) -> f64 {
    if t.rows.len() == 1 || t.cols.len() == 1 {
        return 0.0;
    }
    let n = t.n as f64;
    let log_n = n.ln();
    let mut total = 0.0;
    for &(i, j, cell) in &t.cells {
        let p = cell as f64 / n;
        let outer = (t.rows[i] as f64) * (t.cols[j] as f64);
        let term = p * ((cell as f64).ln() - log_n) + p * (-outer.ln() + log_n + log_n);
        if term.abs() >= f64::EPSILON {
            total += term;
        }
    }
    total.max(0.0)
}

/// scikit-learn's label entropy (natural log; 1 for a single cluster).
fn entropy(sizes: &[u64]) -> f64 {
    if sizes.len() == 1 {
        return 1.0;
    }
    let n: f64 = sizes.iter().map(|&s| s as f64).sum();
    let log_n = n.ln();
    -sizes
        .iter()
        .map(|&s| {
            let s = s as f64;
            (s / n) * (s.ln() - log_n)
        })
        .sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_and_dense_tables_agree_bit_for_bit() {
        let n = 5_000;
        let a: Vec<usize> = (0..n).map(|i| (i * 7919) % 613).collect();
        let b: Vec<usize> = (0..n)
            .map(|i| (i * 104_729) % 127 + usize::MAX / 2)
            .collect();
        let dense = contingency_with(&a, &b, usize::MAX).unwrap();
        let sparse = contingency_with(&a, &b, 0).unwrap();
        assert_eq!(dense.cells, sparse.cells);
        assert_eq!(
            mutual_info(&dense).to_bits(),
            mutual_info(&sparse).to_bits()
        );
    }

    #[test]
    fn many_distinct_labels_keep_only_the_non_zero_cells() {
        let a: Vec<usize> = (0..100_000).collect();
        let t = contingency(&a, &a).unwrap();
        assert_eq!(t.cells.len(), 100_000);
        assert_eq!(adjusted_rand_index(&a, &a), Ok(1.0));
    }
}
