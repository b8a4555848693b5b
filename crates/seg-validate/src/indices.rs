//! Centroid-based indices: Davies-Bouldin, Calinski-Harabasz, inertia and
//! cluster sizes.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::check::{Centred, centred};
use crate::distance::{distances_to_centres, squared_distance};
use crate::error::Result;
use crate::labels::{Dense, densify};

/// The Davies-Bouldin index (lower is better), with scikit-learn's
/// semantics.
///
/// `S_i` is the mean distance of cluster i's members to its centroid and
/// `M_ij` the distance between centroids i and j. Two passes over the data,
/// O(n·d + k²·d).
///
/// # Formula
///
/// ```text
/// DB = (1/k) Σ_i max_{j≠i} (S_i + S_j) / M_ij
/// ```
///
/// As in scikit-learn, the index is 0 when every `S_i` or every `M_ij` is
/// 0, and a pair of coinciding centroids contributes 0.
///
/// # Errors
///
/// [`crate::ValidateError::EmptyInput`], `LengthMismatch`, `NonFinite`,
/// `InvalidClusterCount` unless 2 ≤ clusters ≤ n − 1, and
/// `InvalidParameter` naming `x` for a (broadcast) view whose copy would
/// not fit in the address space.
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use seg_validate::davies_bouldin_score;
///
/// let x = array![[0.0], [2.0], [10.0], [12.0]];
/// // S = 1 for both clusters, centroids 10 apart.
/// assert_eq!(davies_bouldin_score(x.view(), &[0, 0, 1, 1])?, 0.2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// Davies, D. L., Bouldin, D. W. (1979). A cluster separation measure.
/// *IEEE TPAMI* 1(2), 224–227.
pub fn davies_bouldin_score(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    let input = centred(x, labels, 2, x.nrows().saturating_sub(1))?;
    Ok(davies_bouldin(&input))
}

/// The Davies-Bouldin index of checked input.
pub(crate) fn davies_bouldin(input: &Centred<'_>) -> f64 {
    let Centred {
        data,
        d,
        dense,
        centres,
        ..
    } = input;
    let d = *d;
    let mut scatter = distances_to_centres(data, d, &dense.labels, centres, true);
    for (s, &n) in scatter.iter_mut().zip(&dense.sizes) {
        *s /= n as f64;
    }
    let k = dense.k();
    let centre = |i: usize| &centres[i * d..(i + 1) * d];
    let separation = |i: usize, j: usize| squared_distance(centre(i), centre(j)).sqrt();
    let all_zero_scatter = scatter.iter().all(|&s| s == 0.0);
    let all_zero_separation = (0..k).all(|i| (0..k).all(|j| separation(i, j) == 0.0));
    if all_zero_scatter || all_zero_separation {
        return 0.0;
    }
    let total: f64 = (0..k)
        .map(|i| {
            (0..k)
                .filter(|&j| j != i)
                .map(|j| {
                    let m = separation(i, j);
                    if m == 0.0 {
                        0.0
                    } else {
                        (scatter[i] + scatter[j]) / m
                    }
                })
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .sum();
    total / k as f64
}

/// The Calinski-Harabasz index, or variance ratio criterion (higher is
/// better), with scikit-learn's semantics.
///
/// # Formula
///
/// ```text
/// CH = [B / (k − 1)] / [W / (n − k)]
/// B  = Σ_c n_c ‖centroid_c − mean‖²     (between-cluster dispersion)
/// W  = Σ_i ‖x_i − centroid_{c(i)}‖²      (within-cluster dispersion)
/// ```
///
/// 1 when `W` is 0, as in scikit-learn.
///
/// # Errors
///
/// As [`davies_bouldin_score`].
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use seg_validate::calinski_harabasz_score;
///
/// let x = array![[0.0], [2.0], [10.0], [12.0]];
/// // B = 4·25 = 100 over 1, W = 4 over 2.
/// assert_eq!(calinski_harabasz_score(x.view(), &[0, 0, 1, 1])?, 50.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// Caliński, T., Harabasz, J. (1974). A dendrite method for cluster
/// analysis. *Communications in Statistics* 3(1), 1–27.
pub fn calinski_harabasz_score(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    let Centred {
        data,
        d,
        dense,
        centres,
        mean,
    } = centred(x, labels, 2, x.nrows().saturating_sub(1))?;
    let between: f64 = centres
        .chunks_exact(d)
        .zip(&dense.sizes)
        .map(|(c, &n)| n as f64 * squared_distance(c, &mean))
        .sum();
    let within: f64 = distances_to_centres(&data, d, &dense.labels, &centres, false)
        .iter()
        .sum();
    let (n, k) = (x.nrows() as f64, dense.k() as f64);
    Ok(if within == 0.0 {
        1.0
    } else {
        between * (n - k) / (within * (k - 1.0))
    })
}

/// The within-cluster sum of squares: squared distances of the points to
/// the mean of the points that share their label (k-means' inertia at
/// convergence).
///
/// # Errors
///
/// [`crate::ValidateError::EmptyInput`], `LengthMismatch`, `NonFinite`,
/// and `InvalidParameter` for a view too large to copy, as
/// [`davies_bouldin_score`].
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use seg_validate::inertia;
///
/// let x = array![[0.0], [2.0], [10.0], [12.0]];
/// assert_eq!(inertia(x.view(), &[0, 0, 1, 1])?, 4.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn inertia(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    let Centred {
        data,
        d,
        dense,
        centres,
        ..
    } = centred(x, labels, 1, usize::MAX)?;
    Ok(
        distances_to_centres(&data, d, &dense.labels, &centres, false)
            .iter()
            .sum(),
    )
}

/// Sizes of the clusters of a labeling and how balanced they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSizes {
    /// The distinct label ids, ascending.
    pub labels: Vec<usize>,
    /// The number of rows of each label.
    pub sizes: Vec<usize>,
    /// The smallest cluster's share of all rows.
    pub min_share: f64,
    /// The largest cluster's share of all rows.
    pub max_share: f64,
    /// Normalised entropy of the shares, in [0, 1]: 1 when all clusters
    /// have the same size, towards 0 as one cluster dominates (1 for a
    /// single cluster).
    pub balance: f64,
}

/// Counts the rows of each label.
///
/// # Errors
///
/// [`crate::ValidateError::EmptyInput`] for no labels.
///
/// # Example
///
/// ```
/// use seg_validate::cluster_sizes;
///
/// let sizes = cluster_sizes(&[3, 3, 7, 3])?;
/// assert_eq!(sizes.labels, [3, 7]);
/// assert_eq!(sizes.sizes, [3, 1]);
/// assert_eq!(sizes.min_share, 0.25);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cluster_sizes(labels: &[usize]) -> Result<ClusterSizes> {
    if labels.is_empty() {
        return Err(crate::ValidateError::EmptyInput { rows: 0, cols: 0 });
    }
    Ok(sizes(densify(labels)))
}

/// The sizes and balance of the clusters of checked, non-empty labels.
pub(crate) fn sizes(dense: Dense) -> ClusterSizes {
    let Dense {
        ids, sizes, labels, ..
    } = dense;
    let n = labels.len() as f64;
    let shares: Vec<f64> = sizes.iter().map(|&s| s as f64 / n).collect();
    let entropy: f64 = -shares.iter().map(|p| p * p.ln()).sum::<f64>();
    let balance = if sizes.len() > 1 {
        entropy / (sizes.len() as f64).ln()
    } else {
        1.0
    };
    ClusterSizes {
        labels: ids,
        min_share: shares.iter().copied().fold(f64::INFINITY, f64::min),
        max_share: shares.iter().copied().fold(0.0, f64::max),
        sizes,
        balance,
    }
}
