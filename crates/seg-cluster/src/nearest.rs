//! The nearest of given centres for each row: the assignment step of
//! k-means as a function of rows and centres alone.

use ndarray::ArrayView2;

use crate::error::{ClusterError, Result};
use crate::input::checked;
use crate::lloyd::nearest_all;

/// The nearest centre of each row of `x` (n × d) among `centres` (k × d)
/// and its squared Euclidean distance, with the kernel of
/// [`KMeans`](crate::KMeans)'s assignment (the same labels and distances,
/// bit for bit; ties go to the lower index). What a distributed engine
/// needs to assign rows, or to seed by k-means|| (the cost of each row
/// against the candidates so far).
///
/// # Errors
///
/// [`ClusterError::EmptyInput`] for no rows, no centres or no columns,
/// [`ClusterError::DimensionMismatch`] when `x` and `centres` have other
/// numbers of columns, [`ClusterError::NonFinite`] naming row and column
/// (of `x`, or of `centres` as rows), [`ClusterError::OutOfMemory`] for
/// non-contiguous input too large to copy.
///
/// # Example
///
/// ```
/// use ndarray::array;
/// let x = array![[0.0, 1.0], [9.0, 9.0]];
/// let centres = array![[0.0, 0.0], [10.0, 10.0]];
/// let (labels, distances) = seg_cluster::nearest_centres(x.view(), centres.view())?;
/// assert_eq!(labels, [0, 1]);
/// assert_eq!(distances, [1.0, 2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn nearest_centres(
    x: ArrayView2<'_, f64>,
    centres: ArrayView2<'_, f64>,
) -> Result<(Vec<usize>, Vec<f64>)> {
    let c = checked(&centres)?;
    if x.ncols() != centres.ncols() {
        return Err(ClusterError::DimensionMismatch {
            expected: centres.ncols(),
            got: x.ncols(),
        });
    }
    let data = checked(&x)?;
    Ok(nearest_all(&data, x.ncols(), &c))
}
