//! The parameters of a k-means fit: the builder, its checks, and the fit
//! that runs Lloyd's or Hamerly's iterations from each initialisation.

use ndarray::ArrayView2;
use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use crate::error::{ClusterError, Result};
use crate::hamerly::hamerly;
use crate::init::{Init, initial_centres};
use crate::input::FitInput;
use crate::lloyd::{Run, lloyd};
use crate::model::KMeans;

/// The algorithm of the k-means iterations. All give the same labels and
/// centroids from the same initial centres, bit for bit; they differ only
/// in speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Algorithm {
    /// The default: Lloyd for k < 32, Hamerly for k ≥ 32
    /// ([`Algorithm::resolve`]).
    ///
    /// Measured on 100,000 rows of overlapping blobs (k-means++ starts,
    /// 5–190 iterations; `benches/src/bin/algorithm_choice.rs`, two
    /// threads), Hamerly's time divided by Lloyd's:
    ///
    /// ```text
    ///          k = 4    8     16    32    64
    /// d = 2     1.31  1.22  1.10  0.92  0.66
    /// d = 8     1.53  2.46  1.77  1.23  0.79
    /// d = 20    1.65  1.11  1.06  0.89  0.79
    /// d = 50    1.57  1.48  1.25  0.81  1.03
    /// ```
    ///
    /// The vectorised Lloyd pass compares a row with eight centres at a
    /// time, so for small k Hamerly's bookkeeping costs more than the
    /// distances it skips; from k = 32 on the skipped distances win.
    #[default]
    Auto,
    /// Lloyd's algorithm: every pass computes the distance of every row
    /// to every centre. Each pass is a [`PartialSums`](crate::PartialSums)
    /// step.
    Lloyd,
    /// Hamerly's exact acceleration of Lloyd: one upper bound per row on
    /// the distance to its centre and one lower bound on the distance to
    /// any other centre skip most distance computations; faster than
    /// Lloyd from about k = 32 (see [`Algorithm::Auto`]).
    ///
    /// # References
    ///
    /// Hamerly, G. (2010). Making k-means even faster. *Proceedings of the
    /// 2010 SIAM International Conference on Data Mining*, 130–140.
    Hamerly,
}

impl Algorithm {
    /// The smallest k for which [`Algorithm::Auto`] runs Hamerly.
    pub const AUTO_HAMERLY_FROM_K: usize = 32;

    /// The algorithm that runs for `k` clusters: `Auto` resolved to
    /// `Lloyd` or `Hamerly`, the others unchanged.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_cluster::Algorithm;
    /// assert_eq!(Algorithm::Auto.resolve(8), Algorithm::Lloyd);
    /// assert_eq!(Algorithm::Auto.resolve(64), Algorithm::Hamerly);
    /// assert_eq!(Algorithm::Hamerly.resolve(8), Algorithm::Hamerly);
    /// ```
    pub fn resolve(self, k: usize) -> Algorithm {
        match self {
            Algorithm::Auto if k >= Self::AUTO_HAMERLY_FROM_K => Algorithm::Hamerly,
            Algorithm::Auto => Algorithm::Lloyd,
            other => other,
        }
    }
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
    /// Algorithm::Auto` (Lloyd for k < 32, Hamerly above; same result),
    /// `seed = 0`.
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
            algorithm: Algorithm::Auto,
            seed: 0,
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

    /// Lloyd, Hamerly or the choice by k (default [`Algorithm::Auto`]; same
    /// result).
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
    /// [`ClusterError::InvalidParameter`] naming `k` (0), `n_init` (0 or
    /// above [`MAX_N_INIT`]), `max_iter`
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
        if let Some(n_init) = self.n_init {
            check_n_init(n_init)?;
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
    /// O(n) labels (and two bounds per row for Hamerly), and with
    /// k-means++ the distances of every row to its `2 + ⌊ln k⌋` candidates
    /// while the initial centres are drawn.
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidK`] when k is 0 or exceeds the rows; those
    /// of [`check`](Self::check); [`ClusterError::EmptyInput`],
    /// [`ClusterError::NonFinite`] naming row and column,
    /// [`ClusterError::CentresShape`] for explicit centres of another
    /// width, [`ClusterError::TooFewDistinctPoints`] when k exceeds the
    /// distinct rows, [`ClusterError::Overflow`] for values too large to
    /// square, [`ClusterError::OutOfMemory`] for non-contiguous input (such
    /// as a broadcast view) too large to copy.
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
        let input = FitInput::check(&x, self.k, &self.init, || self.check())?;
        let (d, k) = (input.d, input.k);
        let data = &input.data[..];
        let tol = input.scaled_tol(self.tol);
        let runs = match (&self.init, self.n_init) {
            (Init::Explicit(_), _) => 1,
            (_, Some(r)) => r,
            (Init::Random, None) => 10,
            _ => 1,
        };
        let mut rng = Pcg64Mcg::seed_from_u64(self.seed);
        let mut best: Option<Run> = None;
        for _ in 0..runs {
            let centres = initial_centres(&self.init, data, d, k, &mut rng)?;
            let run = match self.algorithm.resolve(k) {
                Algorithm::Hamerly => hamerly(data, d, centres, self.max_iter, tol),
                _ => lloyd(data, d, centres, self.max_iter, tol),
            };
            if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                best = Some(run);
            }
        }
        let best = best.ok_or_else(|| invalid("n_init", 0, "must be at least 1"))?;
        KMeans::fitted(
            best.centres,
            d,
            best.labels,
            best.inertia,
            best.n_iter,
            best.converged,
        )
    }
}

/// The largest `n_init` (restarts of k-means, mini-batch k-means and of
/// each k of [`AutoK`](crate::AutoK)): 1,000. More restarts of one fit
/// change nothing measurable; a larger count is refused when the
/// parameters are checked rather than run for ever (or, in automatic k,
/// sized into an allocation).
pub const MAX_N_INIT: usize = 1_000;

/// [`ClusterError::InvalidParameter`] for an `n_init` of 0 or above
/// [`MAX_N_INIT`].
pub(crate) fn check_n_init(n_init: usize) -> Result<()> {
    if n_init == 0 {
        return Err(invalid("n_init", 0, "must be at least 1"));
    }
    if n_init > MAX_N_INIT {
        return Err(invalid(
            "n_init",
            n_init,
            "must be at most 1000 (MAX_N_INIT)",
        ));
    }
    Ok(())
}

pub(crate) fn invalid(
    parameter: &'static str,
    value: impl ToString,
    reason: &'static str,
) -> ClusterError {
    ClusterError::InvalidParameter {
        parameter,
        value: value.to_string(),
        reason,
    }
}
#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;

    #[test]
    fn kmeans_rejects_n_init_usize_max() {
        let x = Array2::from_shape_fn((10, 1), |(i, _)| i as f64);
        for n_init in [usize::MAX, 1 << 40, MAX_N_INIT + 1] {
            let err = KMeans::params(2).n_init(n_init).fit(x.view()).unwrap_err();
            assert!(
                matches!(&err, ClusterError::InvalidParameter { parameter: "n_init", value, .. } if *value == n_init.to_string()),
                "{err:?}"
            );
        }
        assert!(KMeans::params(2).n_init(MAX_N_INIT).check().is_ok());
    }

    #[test]
    fn k_cannot_exceed_distinct_points() {
        let x = Array2::from_shape_fn((10, 2), |(i, _)| (i % 3) as f64);
        let err = KMeans::params(4).fit(x.view()).unwrap_err();
        assert!(
            matches!(
                err,
                ClusterError::TooFewDistinctPoints { k: 4, distinct: 3 }
            ),
            "{err:?}"
        );
        assert!(KMeans::params(3).fit(x.view()).is_ok());
    }
}
