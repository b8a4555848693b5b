//! The fitted k-means model: centroids, training labels and inertia, and
//! the assignment of new points.

mod json;

pub use json::{MODEL_FORMAT, MODEL_FORMAT_VERSION};

use ndarray::{Array2, ArrayView2};

use crate::error::{ClusterError, Result};
use crate::input::{allocate, checked, find_non_finite};
use crate::kernel::{self, Packed, squared_distance};
use crate::lloyd::nearest_all;

/// The artifact named in the errors of a saved model.
pub(crate) const MODEL: &str = "k-means model";

/// A fitted k-means model: centroids, the labels and inertia of the
/// training data, and how the iterations ended.
///
/// Fitted by [`KMeans::params`]`(k)…`[`.fit(x)`](crate::KMeansParams::fit);
/// serialises to versioned JSON ([`KMeans::to_json`]).
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use seg_cluster::KMeans;
///
/// let x = array![[0.0, 0.0], [0.0, 1.0], [10.0, 10.0], [10.0, 11.0]];
/// let model = KMeans::params(2).seed(3).fit(x.view())?;
/// assert_eq!(model.inertia(), 1.0);
/// assert!(model.converged());
/// assert_eq!(model.predict_one(&[9.0, 9.0])?, model.labels()[2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(try_from = "json::ModelFile")]
pub struct KMeans {
    pub(crate) centroids: Array2<f64>,
    /// Row-major copy of the centroids.
    pub(crate) flat: Vec<f64>,
    /// The centroids packed for the kernels.
    pub(crate) packed: Packed,
    pub(crate) labels: Vec<usize>,
    pub(crate) inertia: f64,
    pub(crate) n_iter: usize,
    pub(crate) converged: bool,
}

impl KMeans {
    /// The centroids, k × d.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::KMeans;
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let mut c = model.centroids().column(0).to_vec();
    /// c.sort_by(f64::total_cmp);
    /// assert_eq!(c, [0.5, 10.5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn centroids(&self) -> ArrayView2<'_, f64> {
        self.centroids.view()
    }

    /// The cluster of each training row.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::KMeans;
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let l = KMeans::params(2).seed(0).fit(x.view())?.labels().to_vec();
    /// assert!(l[0] == l[1] && l[2] == l[3] && l[0] != l[2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The sum of squared distances of the training rows to their
    /// centroids.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::KMeans;
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// // Four rows each 0.5 from their centroid: 4 × 0.25.
    /// assert_eq!(KMeans::params(2).seed(0).fit(x.view())?.inertia(), 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// Passes over the data of the best run (each assigns labels and
    /// moves the centres; a run that stops because the labels did not
    /// change counts that last pass, as scikit-learn's `n_iter_`).
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::KMeans;
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).max_iter(50).seed(0).fit(x.view())?;
    /// assert!((1..=50).contains(&model.n_iter()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the best run stopped before `max_iter`: the labels stopped
    /// changing or the centres moved less than the tolerance.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::KMeans;
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// assert!(KMeans::params(2).seed(0).fit(x.view())?.converged());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// The number of clusters.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::KMeans;
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// assert_eq!(KMeans::params(3).seed(0).fit(x.view())?.k(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn k(&self) -> usize {
        self.centroids.nrows()
    }

    /// The number of features.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::KMeans;
    /// let x = array![[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]];
    /// assert_eq!(KMeans::params(1).fit(x.view())?.n_features(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.centroids.ncols()
    }

    /// The nearest centroid of each row of `x` (ties to the lowest index).
    /// On the training data of a converged fit it returns
    /// [`labels`](Self::labels). Runs on all cores with the `parallel`
    /// feature.
    ///
    /// # Errors
    ///
    /// [`ClusterError::EmptyInput`], [`ClusterError::DimensionMismatch`],
    /// [`ClusterError::NonFinite`] naming row and column, and
    /// [`ClusterError::OutOfMemory`] for non-contiguous input (such as a
    /// broadcast view) too large to copy.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Init, KMeans};
    ///
    /// let x = array![[0.0], [1.0], [9.0], [10.0]];
    /// let model = KMeans::params(2).init(Init::Explicit(array![[0.0], [10.0]])).fit(x.view())?;
    /// assert_eq!(model.predict(array![[2.0], [8.0]].view())?, vec![0, 1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        let data = self.check_input(x)?;
        Ok(nearest_all(&data, self.n_features(), &self.flat).0)
    }

    /// The nearest centroid of one point, without allocating.
    ///
    /// # Errors
    ///
    /// [`ClusterError::DimensionMismatch`] for a point of another length,
    /// [`ClusterError::NonFinite`] (row 0) for a NaN or infinite entry.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Init, KMeans};
    ///
    /// let x = array![[0.0, 0.0], [10.0, 10.0]];
    /// let model = KMeans::params(2).init(Init::Explicit(x.clone())).fit(x.view())?;
    /// assert_eq!(model.predict_one(&[7.0, 8.0])?, 1);
    /// assert!(model.predict_one(&[7.0]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn predict_one(&self, x: &[f64]) -> Result<usize> {
        self.check_point(x)?;
        Ok(kernel::nearest_one(x, &self.packed, &mut []).0)
    }

    /// The Euclidean distance of one point to every centroid, written to
    /// `out` (length k), without allocating.
    ///
    /// # Errors
    ///
    /// As [`predict_one`](Self::predict_one), and
    /// [`ClusterError::LengthMismatch`] unless `out` has length k.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Init, KMeans};
    ///
    /// let x = array![[0.0, 0.0], [6.0, 8.0]];
    /// let model = KMeans::params(2).init(Init::Explicit(x.clone())).fit(x.view())?;
    /// let mut out = [0.0; 2];
    /// model.distances_one(&[0.0, 0.0], &mut out)?;
    /// assert_eq!(out, [0.0, 10.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn distances_one(&self, x: &[f64], out: &mut [f64]) -> Result<()> {
        self.check_point(x)?;
        if out.len() != self.k() {
            return Err(ClusterError::LengthMismatch {
                parameter: "out",
                expected: self.k(),
                got: out.len(),
            });
        }
        kernel::nearest_one(x, &self.packed, out);
        out.iter_mut().for_each(|v| *v = v.sqrt());
        Ok(())
    }

    /// The Euclidean distance of each row of `x` to every centroid, n × k
    /// (scikit-learn's `transform`).
    ///
    /// # Errors
    ///
    /// As [`predict`](Self::predict), and [`ClusterError::OutOfMemory`]
    /// when the n × k output cannot be allocated.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Init, KMeans};
    ///
    /// let x = array![[0.0], [4.0]];
    /// let model = KMeans::params(2).init(Init::Explicit(x.clone())).fit(x.view())?;
    /// assert_eq!(model.distances(array![[1.0]].view())?, array![[1.0, 3.0]]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn distances(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let data = self.check_input(x)?;
        let (d, k) = (self.n_features(), self.k());
        let len = x
            .nrows()
            .checked_mul(k)
            .ok_or(ClusterError::OutOfMemory { values: usize::MAX })?;
        let mut values = allocate(len)?;
        values.resize(len, 0.0);
        let mut out = Array2::from_shape_vec((x.nrows(), k), values)
            .map_err(|_| ClusterError::OutOfMemory { values: len })?;
        for (row, mut o) in data.chunks_exact(d).zip(out.rows_mut()) {
            for (c, v) in o.iter_mut().enumerate() {
                *v = squared_distance(row, &self.flat[c * d..(c + 1) * d]).sqrt();
            }
        }
        Ok(out)
    }

    fn check_input<'a>(&self, x: ArrayView2<'a, f64>) -> Result<std::borrow::Cow<'a, [f64]>> {
        if x.ncols() != self.n_features() && x.nrows() > 0 {
            return Err(ClusterError::DimensionMismatch {
                expected: self.n_features(),
                got: x.ncols(),
            });
        }
        checked(&x)
    }

    fn check_point(&self, x: &[f64]) -> Result<()> {
        if x.len() != self.n_features() {
            return Err(ClusterError::DimensionMismatch {
                expected: self.n_features(),
                got: x.len(),
            });
        }
        find_non_finite(x, x.len())
    }

    /// A fitted model from the centres of the best run (row-major, d
    /// columns): [`ClusterError::Overflow`] unless the inertia is finite,
    /// then the checks of [`from_parts`](Self::from_parts).
    pub(crate) fn fitted(
        centres: Vec<f64>,
        d: usize,
        labels: Vec<usize>,
        inertia: f64,
        n_iter: usize,
        converged: bool,
    ) -> Result<Self> {
        if !inertia.is_finite() {
            return Err(ClusterError::Overflow);
        }
        let k = centres.len() / d.max(1);
        let centroids =
            Array2::from_shape_vec((k, d), centres).map_err(|e| invalid(e.to_string()))?;
        Self::from_parts(centroids, labels, inertia, n_iter, converged)
    }

    /// A model from its parts, checked: at least one centroid and one
    /// feature, finite centroids, labels below k, a finite non-negative
    /// inertia. The one check of every model, fitted or loaded.
    pub(crate) fn from_parts(
        centroids: Array2<f64>,
        labels: Vec<usize>,
        inertia: f64,
        n_iter: usize,
        converged: bool,
    ) -> Result<Self> {
        let (k, d) = centroids.dim();
        if k == 0 || d == 0 {
            return Err(invalid(format!(
                "k = {k} and n_features = {d} must be positive"
            )));
        }
        if let Some(((row, column), v)) = centroids.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(invalid(format!(
                "centroid {row}, feature {column} is {v}, not finite"
            )));
        }
        if let Some((i, l)) = labels.iter().enumerate().find(|&(_, &l)| l >= k) {
            return Err(invalid(format!(
                "label {l} of row {i} is not below k = {k}"
            )));
        }
        if !(inertia.is_finite() && inertia >= 0.0) {
            return Err(invalid(format!("inertia {inertia} is not finite and >= 0")));
        }
        let flat: Vec<f64> = centroids.iter().copied().collect();
        let packed = Packed::new(&flat, d);
        Ok(KMeans {
            centroids,
            flat,
            packed,
            labels,
            inertia,
            n_iter,
            converged,
        })
    }
}

/// An [`ClusterError::InvalidArtifact`] naming the k-means model.
pub(crate) fn invalid(reason: String) -> ClusterError {
    ClusterError::InvalidArtifact {
        artifact: MODEL,
        reason,
    }
}
