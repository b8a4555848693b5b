//! k-means: parameters, Lloyd's and Hamerly's algorithms, the fitted model.

use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use crate::error::{ClusterError, Result};
use crate::init::{Init, kmeans_plus_plus, random};
use crate::input::{checked, chunked, chunked2, distinct_up_to, find_non_finite, mean_variance};
use crate::kernel::{self, Packed, squared_distance};
use crate::partial::PartialSums;

/// The algorithm of the k-means iterations. All give the same labels and
/// centroids from the same initial centres, bit for bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Algorithm {
    /// Lloyd's algorithm: every pass computes the distance of every row
    /// to every centre. Each pass is a [`PartialSums`] step.
    Lloyd,
    /// Hamerly's exact acceleration of Lloyd (the default): one upper
    /// bound per row on the distance to its centre and one lower bound on
    /// the distance to any other centre skip most distance computations.
    /// The best choice for low dimensions and small k (k ≤ 20, d ≤ 50).
    ///
    /// # References
    ///
    /// Hamerly, G. (2010). Making k-means even faster. *Proceedings of the
    /// 2010 SIAM International Conference on Data Mining*, 130–140.
    #[default]
    Hamerly,
}

/// A fitted k-means model: centroids, the labels and inertia of the
/// training data, and how the iterations ended.
///
/// Fitted by [`KMeans::params`]`(k)…`[`.fit(x)`](KMeansParams::fit);
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
#[derive(Debug, Clone, PartialEq)]
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

/// The parameters of a k-means fit (builder); see [`KMeans::params`].
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams {
    k: usize,
    init: Init,
    n_init: Option<usize>,
    max_iter: usize,
    tol: f64,
    algorithm: Algorithm,
    seed: u64,
}

impl KMeans {
    /// Parameters for k clusters, with scikit-learn's defaults:
    /// `init = Init::KMeansPlusPlus`, `n_init` 1 for k-means++ and explicit
    /// centres and 10 for random ("auto"), `max_iter = 300`, `tol = 1e-4`
    /// (relative to the mean variance of the features), `algorithm =
    /// Algorithm::Hamerly` (same result as Lloyd), `seed = 0`.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Algorithm, Init, KMeans};
    ///
    /// let x = array![[1.0], [2.0], [10.0], [11.0], [12.0]];
    /// let model = KMeans::params(2)
    ///     .init(Init::Explicit(array![[0.0], [15.0]]))
    ///     .algorithm(Algorithm::Lloyd)
    ///     .tol(0.0)
    ///     .fit(x.view())?;
    /// assert_eq!(model.labels(), &[0, 0, 1, 1, 1]);
    /// assert_eq!(model.centroids(), array![[1.5], [11.0]]);
    /// assert_eq!(model.n_iter(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn params(k: usize) -> KMeansParams {
        KMeansParams {
            k,
            init: Init::KMeansPlusPlus,
            n_init: None,
            max_iter: 300,
            tol: 1e-4,
            algorithm: Algorithm::Hamerly,
            seed: 0,
        }
    }

    /// The centroids, k × d.
    pub fn centroids(&self) -> ArrayView2<'_, f64> {
        self.centroids.view()
    }

    /// The cluster of each training row.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The sum of squared distances of the training rows to their
    /// centroids.
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// Passes over the data of the best run (each assigns labels and
    /// moves the centres; a run that stops because the labels did not
    /// change counts that last pass, as scikit-learn's `n_iter_`).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the best run stopped before `max_iter`: the labels stopped
    /// changing or the centres moved less than the tolerance.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// The number of clusters.
    pub fn k(&self) -> usize {
        self.centroids.nrows()
    }

    /// The number of features.
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
    /// [`ClusterError::EmptyInput`], [`ClusterError::DimensionMismatch`]
    /// and [`ClusterError::NonFinite`] naming row and column.
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
        Ok(assign_all(&data, self.n_features(), &self.flat))
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
    /// As [`predict`](Self::predict).
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
        let mut out = Array2::zeros((x.nrows(), k));
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

    /// A model from its parts (checked by the callers).
    pub(crate) fn from_parts(
        centroids: Array2<f64>,
        labels: Vec<usize>,
        inertia: f64,
        n_iter: usize,
        converged: bool,
    ) -> Self {
        let flat: Vec<f64> = centroids.iter().copied().collect();
        let packed = Packed::new(&flat, centroids.ncols());
        KMeans {
            centroids,
            flat,
            packed,
            labels,
            inertia,
            n_iter,
            converged,
        }
    }
}

impl KMeansParams {
    /// How the initial centres are chosen (default
    /// [`Init::KMeansPlusPlus`]).
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Runs from different initial centres; the one of lowest inertia is
    /// kept (default 1 for k-means++, 10 for random; explicit centres run
    /// once).
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = Some(n_init);
        self
    }

    /// The largest number of passes per run (default 300).
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Tolerance, relative to the mean variance of the features: a run
    /// stops when the squared centre shifts of one pass sum to at most
    /// `tol · mean(var)` (default 1e-4; 0 stops only when the labels stop
    /// changing).
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Lloyd or Hamerly (default [`Algorithm::Hamerly`]; same result).
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The seed of the initialisation (default 0). Fits are reproducible
    /// bit for bit for a seed on one machine, with or without `parallel`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the parameters alone (the data is checked by
    /// [`fit`](Self::fit)).
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidParameter`] naming `k` (0), `n_init` (0), `max_iter`
    /// (0), `tol` (negative or NaN) or `init` (non-finite explicit
    /// centres), and [`ClusterError::CentresShape`] for explicit centres
    /// without k rows.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_cluster::{ClusterError, KMeans};
    ///
    /// let err = KMeans::params(3).max_iter(0).check().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid max_iter = 0: must be at least 1");
    /// assert!(matches!(KMeans::params(3).tol(-1.0).check(), Err(ClusterError::InvalidParameter { parameter: "tol", .. })));
    /// ```
    pub fn check(&self) -> Result<()> {
        if self.k == 0 {
            return Err(invalid("k", 0, "must be at least 1"));
        }
        if self.n_init == Some(0) {
            return Err(invalid("n_init", 0, "must be at least 1"));
        }
        if self.max_iter == 0 {
            return Err(invalid("max_iter", 0, "must be at least 1"));
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return Err(invalid("tol", self.tol, "must be finite and >= 0"));
        }
        if let Init::Explicit(c) = &self.init {
            if c.nrows() != self.k || c.ncols() == 0 {
                return Err(ClusterError::CentresShape {
                    k: self.k,
                    d: c.ncols(),
                    rows: c.nrows(),
                    cols: c.ncols(),
                });
            }
            if let Some(((row, column), &v)) = c.indexed_iter().find(|(_, v)| !v.is_finite()) {
                return Err(invalid(
                    "init",
                    format!("centre {row}, column {column}: {v}"),
                    "explicit centres must be finite",
                ));
            }
        }
        Ok(())
    }

    /// Fits k-means to the rows of `x`.
    ///
    /// Each run starts from its initial centres and repeats passes: assign
    /// every row to its nearest centre (ties to the lowest index), then
    /// move each centre to the mean of its rows (an empty cluster takes
    /// the row farthest from its centre, as in scikit-learn). A run stops
    /// when a pass leaves every label unchanged, when the centres move
    /// less than the tolerance (then one more assignment makes the labels
    /// match the centres), or after `max_iter` passes. From explicit
    /// centres the result equals scikit-learn's `KMeans(init=centres,
    /// n_init=1, algorithm="lloyd")`: labels, `n_iter`, and centroids and
    /// inertia to rounding.
    ///
    /// Memory is O(n·d) for a copy of non-contiguous input only, plus
    /// O(n) labels (and two bounds per row for Hamerly).
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidK`] when k is 0 or exceeds the rows; those
    /// of [`check`](Self::check); [`ClusterError::EmptyInput`],
    /// [`ClusterError::NonFinite`] naming row and column,
    /// [`ClusterError::CentresShape`] for explicit centres of another
    /// width, [`ClusterError::TooFewDistinctPoints`] when k exceeds the
    /// distinct rows, [`ClusterError::Overflow`] for values too large to
    /// square.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::Array2;
    /// use seg_cluster::KMeans;
    ///
    /// // Two groups on a line, at 0..1 and 100..101.
    /// let x = Array2::from_shape_fn((20, 1), |(i, _)| (i / 10) as f64 * 100.0 + (i % 10) as f64 * 0.1);
    /// let model = KMeans::params(2).n_init(3).seed(7).fit(x.view())?;
    /// assert_eq!(model.labels()[0..10].iter().filter(|&&l| l == model.labels()[0]).count(), 10);
    /// assert_ne!(model.labels()[0], model.labels()[10]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(&self, x: ArrayView2<'_, f64>) -> Result<KMeans> {
        if self.k == 0 {
            return Err(ClusterError::InvalidK {
                k: 0,
                n_samples: x.nrows(),
            });
        }
        self.check()?;
        let data = checked(&x)?;
        let (n, d, k) = (x.nrows(), x.ncols(), self.k);
        if k > n {
            return Err(ClusterError::InvalidK { k, n_samples: n });
        }
        if let Init::Explicit(c) = &self.init
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
        let tol = if self.tol > 0.0 {
            self.tol * mean_variance(&data, d)
        } else {
            0.0
        };
        let runs = match (&self.init, self.n_init) {
            (Init::Explicit(_), _) => 1,
            (_, Some(r)) => r,
            (Init::Random, None) => 10,
            _ => 1,
        };
        let mut rng = Pcg64Mcg::seed_from_u64(self.seed);
        let mut best: Option<Run> = None;
        for _ in 0..runs {
            let centres = match &self.init {
                Init::KMeansPlusPlus => kmeans_plus_plus(&data, d, k, &mut rng)?,
                Init::Random => random(&data, d, k, &mut rng),
                Init::Explicit(c) => c.iter().copied().collect(),
            };
            let run = match self.algorithm {
                Algorithm::Lloyd => lloyd(&data, d, centres, self.max_iter, tol),
                Algorithm::Hamerly => hamerly(&data, d, centres, self.max_iter, tol),
            };
            if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                best = Some(run);
            }
        }
        let best = best.ok_or(ClusterError::InvalidParameter {
            parameter: "n_init",
            value: "0".into(),
            reason: "must be at least 1",
        })?;
        if !best.inertia.is_finite() {
            return Err(ClusterError::Overflow);
        }
        let centroids = Array2::from_shape_vec((k, d), best.centres).map_err(|_| {
            ClusterError::InvalidModel {
                reason: "centroid shape".into(),
            }
        })?;
        Ok(KMeans::from_parts(
            centroids,
            best.labels,
            best.inertia,
            best.n_iter,
            best.converged,
        ))
    }
}

fn invalid(parameter: &'static str, value: impl ToString, reason: &'static str) -> ClusterError {
    ClusterError::InvalidParameter {
        parameter,
        value: value.to_string(),
        reason,
    }
}

/// The outcome of one run from one set of initial centres.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) centres: Vec<f64>,
    pub(crate) labels: Vec<usize>,
    pub(crate) inertia: f64,
    pub(crate) n_iter: usize,
    pub(crate) converged: bool,
    /// Rows whose distances to all centres were computed, over all passes
    /// (checked by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) full_assignments: usize,
}

/// One Lloyd step over all the data: labels written, partial sums merged
/// in chunk order; zero with them exactly when no label changed.
pub(crate) fn lloyd_step(
    data: &[f64],
    d: usize,
    centres: &[f64],
    labels: &mut [usize],
) -> (PartialSums, usize) {
    let mut step = PartialSums::empty(centres.to_vec(), d);
    let changed = step.add_step(data, labels);
    (step, changed)
}

/// The sum of squared shifts between two sets of centres.
fn squared_shift(old: &[f64], new: &[f64], d: usize) -> f64 {
    old.chunks_exact(d)
        .zip(new.chunks_exact(d))
        .map(|(a, b)| squared_distance(a, b))
        .sum()
}

/// Labels of all rows (nearest centre).
pub(crate) fn assign_all(data: &[f64], d: usize, centres: &[f64]) -> Vec<usize> {
    let mut labels = vec![0; data.len() / d];
    relabel(data, d, centres, &mut labels);
    labels
}

fn relabel(data: &[f64], d: usize, centres: &[f64], labels: &mut [usize]) {
    let packed = Packed::new(centres, d);
    chunked(data, d, labels, 1, |_, rows, labels| {
        let mut best = vec![0.0; labels.len()];
        kernel::assign(rows, &packed, labels, &mut best);
    });
}

/// The inertia of labelled rows against centres, summed in chunk order.
pub(crate) fn inertia_of(data: &[f64], d: usize, centres: &[f64], labels: &mut [usize]) -> f64 {
    let parts = chunked(data, d, labels, 1, |_, rows, labels| {
        kernel::assigned_distances(rows, centres, labels)
    });
    parts.iter().sum()
}

/// Lloyd's algorithm with scikit-learn's stopping rules.
pub(crate) fn lloyd(
    data: &[f64],
    d: usize,
    mut centres: Vec<f64>,
    max_iter: usize,
    tol: f64,
) -> Run {
    let n = data.len() / d;
    let mut labels = vec![usize::MAX; n];
    let (mut n_iter, mut converged, mut strict) = (max_iter, false, false);
    for i in 0..max_iter {
        let (partial, changed) = lloyd_step(data, d, &centres, &mut labels);
        let new = partial.new_centres();
        let shift = squared_shift(&centres, &new, d);
        centres = new;
        if changed == 0 {
            (n_iter, converged, strict) = (i + 1, true, true);
            break;
        }
        if shift <= tol {
            (n_iter, converged) = (i + 1, true);
            break;
        }
    }
    finish(
        data,
        d,
        centres,
        labels,
        n_iter,
        converged,
        strict,
        n * n_iter,
    )
}

/// The final assignment (unless the labels already match the centres) and
/// the inertia.
#[allow(clippy::too_many_arguments)]
fn finish(
    data: &[f64],
    d: usize,
    centres: Vec<f64>,
    mut labels: Vec<usize>,
    n_iter: usize,
    converged: bool,
    strict: bool,
    full_assignments: usize,
) -> Run {
    let inertia = if strict {
        inertia_of(data, d, &centres, &mut labels)
    } else {
        // The final labels and their distances, in one pass.
        let packed = Packed::new(&centres, d);
        let parts = chunked(data, d, &mut labels, 1, |_, rows, labels| {
            let mut best = vec![0.0; labels.len()];
            kernel::assign(rows, &packed, labels, &mut best);
            kernel::assigned_distances(rows, &centres, labels)
        });
        parts.iter().sum()
    };
    Run {
        centres,
        labels,
        inertia,
        n_iter,
        converged,
        full_assignments,
    }
}

/// Relative safety margin of Hamerly's skip test against rounding: a row
/// is skipped only when its upper bound is below its lower bound by more
/// than this (relative); the distances and bounds are accurate to ~1e-14.
const MARGIN: f64 = 1.0 + 1e-10;
/// Relative slack subtracted when a lower bound is lowered (the
/// subtraction of two nearly equal bounds loses relative accuracy).
const SLACK: f64 = 1e-12;

/// Half the distance from each centre to the nearest other centre.
fn half_separations(centres: &[f64], d: usize) -> Vec<f64> {
    let k = centres.len() / d;
    (0..k)
        .map(|a| {
            let ca = &centres[a * d..(a + 1) * d];
            (0..k)
                .filter(|&b| b != a)
                .map(|b| squared_distance(ca, &centres[b * d..(b + 1) * d]))
                .fold(f64::INFINITY, f64::min)
                .sqrt()
                * 0.5
        })
        .collect()
}

/// Hamerly's algorithm: Lloyd's passes, but a row is reassigned (all k
/// distances) only when its bounds cannot prove its centre is still the
/// nearest. Centre sums are recomputed in full in Lloyd's order, so the
/// result is Lloyd's bit for bit.
pub(crate) fn hamerly(
    data: &[f64],
    d: usize,
    mut centres: Vec<f64>,
    max_iter: usize,
    tol: f64,
) -> Run {
    let n = data.len() / d;
    let mut labels = vec![usize::MAX; n];
    // [upper bound on the distance to the own centre, lower bound on the
    // distance to any other centre].
    let mut bounds = vec![[0.0f64; 2]; n];
    let (mut n_iter, mut converged, mut strict) = (max_iter, false, false);
    let mut full = 0;
    // How far each centre moved in the last step, and the largest move
    // of any other centre than `c` (none before the first step).
    let mut moved: Vec<f64> = Vec::new();
    let mut top = (0.0f64, usize::MAX, 0.0f64);
    for i in 0..max_iter {
        let packed = Packed::new(&centres, d);
        let half = half_separations(&centres, d);
        let proto = PartialSums::empty(centres.clone(), d);
        // One pass per step: bounds moved with the centres, rows whose
        // bounds cannot prove their centre reassigned, then the sums in
        // Lloyd's order while the chunk is in cache.
        let parts = chunked2(
            data,
            d,
            &mut labels,
            &mut bounds,
            |_, rows, labels, bounds| {
                let mut part = proto.clone();
                let (changed, recomputed) = if i == 0 {
                    let c = kernel::assign_bounded(rows, None, &packed, labels, bounds);
                    (c, labels.len())
                } else {
                    let mut which = Vec::new();
                    for (j, (b, &a)) in bounds.iter_mut().zip(labels.iter()).enumerate() {
                        b[0] += moved[a];
                        let other = if a == top.1 { top.2 } else { top.0 };
                        if b[1].is_finite() {
                            b[1] = b[1] - other - (b[1] + other) * SLACK;
                        }
                        let z = b[1].max(half[a]);
                        if b[0] * MARGIN < z {
                            continue;
                        }
                        b[0] = squared_distance(
                            &rows[j * d..(j + 1) * d],
                            &centres[a * d..(a + 1) * d],
                        )
                        .sqrt();
                        if b[0] * MARGIN < z {
                            continue;
                        }
                        which.push(j);
                    }
                    let c = kernel::assign_bounded(rows, Some(&which), &packed, labels, bounds);
                    (c, which.len())
                };
                part.add_labelled(rows, labels);
                (part, changed, recomputed)
            },
        );
        let mut merged = proto.clone();
        let mut changed = 0;
        for (p, c, r) in &parts {
            merged.merge_unchecked(p);
            changed += c;
            full += r;
        }
        if merged.has_empty() {
            // Relocation needs every row's distance: one Lloyd step (the
            // labels are already Lloyd's and do not change).
            merged = lloyd_step(data, d, &centres, &mut labels).0;
            full += n;
        }
        let new = merged.new_centres();
        let shift = squared_shift(&centres, &new, d);
        moved = centres
            .chunks_exact(d)
            .zip(new.chunks_exact(d))
            .map(|(a, b)| squared_distance(a, b).sqrt())
            .collect();
        centres = new;
        if changed == 0 {
            (n_iter, converged, strict) = (i + 1, true, true);
            break;
        }
        if shift <= tol {
            (n_iter, converged) = (i + 1, true);
            break;
        }
        // The largest move, its centre, and the largest move of another.
        top = (0.0f64, usize::MAX, 0.0f64);
        for (c, &m) in moved.iter().enumerate() {
            if m > top.0 {
                top = (m, c, top.0);
            } else if m > top.2 {
                top.2 = m;
            }
        }
    }
    finish(data, d, centres, labels, n_iter, converged, strict, full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::kmeans_plus_plus;
    use ndarray::Array2;
    use rand::SeedableRng;

    /// Gaussian-ish blobs from a small LCG: `k` groups 20 apart in `d`
    /// dimensions.
    fn blobs(n: usize, d: usize, k: usize, seed: u64) -> Array2<f64> {
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut u = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        Array2::from_shape_fn((n, d), |(i, j)| {
            ((i % k) * 20 + j % 3) as f64 + u() + u() - 1.0
        })
    }

    #[test]
    fn k_cannot_exceed_distinct_points() {
        let x = Array2::from_shape_fn((10, 2), |(i, _)| (i % 3) as f64);
        let err = KMeans::params(4).fit(x.view()).unwrap_err();
        assert_eq!(
            err,
            ClusterError::TooFewDistinctPoints { k: 4, distinct: 3 }
        );
        assert!(KMeans::params(3).fit(x.view()).is_ok());
    }

    #[test]
    fn hamerly_computes_far_fewer_distances_than_lloyd() {
        let x = blobs(4000, 16, 8, 3);
        let data: Vec<f64> = x.iter().copied().collect();
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        // Random centres converge slowly: many passes to compare.
        let init = crate::init::random(&data, 16, 8, &mut rng);
        let lloyd = lloyd(&data, 16, init.clone(), 300, 0.0);
        let hamerly = hamerly(&data, 16, init, 300, 0.0);
        assert_eq!(lloyd.labels, hamerly.labels);
        assert_eq!(lloyd.centres, hamerly.centres);
        assert_eq!(lloyd.n_iter, hamerly.n_iter);
        assert!(lloyd.n_iter >= 3, "{}", lloyd.n_iter);
        assert!(
            hamerly.full_assignments * 3 < lloyd.full_assignments,
            "{} vs {}",
            hamerly.full_assignments,
            lloyd.full_assignments
        );
    }

    #[test]
    fn kmeans_plus_plus_picks_distinct_rows_of_the_data() {
        let x = blobs(500, 3, 5, 9);
        let data: Vec<f64> = x.iter().copied().collect();
        let mut rng = Pcg64Mcg::seed_from_u64(4);
        let c = kmeans_plus_plus(&data, 3, 5, &mut rng).unwrap();
        for centre in c.chunks_exact(3) {
            assert!(data.chunks_exact(3).any(|r| r == centre));
        }
        assert_eq!(crate::input::distinct_up_to(&c, 3, 5), 5);
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<KMeans>();
        check::<KMeansParams>();
        check::<crate::MiniBatchKMeans>();
        check::<crate::MiniBatchParams>();
        check::<PartialSums>();
        check::<Init>();
        check::<Algorithm>();
        check::<ClusterError>();
    }
}
