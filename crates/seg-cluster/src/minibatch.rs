//! Mini-batch k-means (Sculley 2010) for data too large to iterate over.

use ndarray::ArrayView2;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::error::{ClusterError, Result};
use crate::init::{Init, initial_centres};
use crate::input::{FitInput, distinct_up_to};
use crate::kernel::{self, Packed};
use crate::lloyd::assign_all;
use crate::model::KMeans;

/// A k-means model fitted by mini-batches: a [`KMeans`] model (for
/// prediction and saving) and the number of steps taken.
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use seg_cluster::MiniBatchKMeans;
///
/// // Two groups of 500 points around 0 and 50.
/// let x = Array2::from_shape_fn((1000, 2), |(i, j)| (i % 2) as f64 * 50.0 + ((i * 13 + j * 7) % 10) as f64 * 0.1);
/// let fit = MiniBatchKMeans::params(2).batch_size(100).max_steps(50).seed(1).fit(x.view())?;
/// assert_ne!(fit.labels()[0], fit.labels()[1]);
/// assert!(fit.n_steps() <= 50);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MiniBatchKMeans {
    model: KMeans,
    n_steps: usize,
}

/// The parameters of a mini-batch k-means fit (builder); see
/// [`MiniBatchKMeans::params`].
#[derive(Debug, Clone, PartialEq)]
pub struct MiniBatchParams {
    k: usize,
    init: Init,
    n_init: Option<usize>,
    batch_size: usize,
    max_steps: Option<usize>,
    init_size: Option<usize>,
    reassignment_ratio: f64,
    max_no_improvement: Option<usize>,
    tol: f64,
    seed: u64,
}

impl MiniBatchKMeans {
    /// Parameters for k clusters, with scikit-learn's defaults:
    /// `batch_size = 1024` (at most n), `max_steps` = 100 passes' worth (`100·n /
    /// batch_size`), `init = Init::KMeansPlusPlus` on `init_size = 3 ·
    /// batch_size` random rows (at least 3k), `n_init` 1 for k-means++
    /// and 3 for random (the initialisation of lowest inertia on another
    /// `init_size` rows is kept), `reassignment_ratio = 0.01`,
    /// `max_no_improvement = Some(10)`, `tol = 0`, `seed = 0`.
    ///
    /// Each step draws `batch_size` rows uniformly with replacement in
    /// O(batch_size) (not O(n)), assigns them to the nearest centres and
    /// moves each centre towards its batch rows with the per-centre
    /// learning rate 1/count, where count is the rows the centre has seen.
    /// Every 10 steps (and whenever a centre has seen no row), centres
    /// that have seen fewer than `reassignment_ratio` times the rows of
    /// the most-seen centre are moved to random rows of the batch. The
    /// final labels and inertia come from one full assignment pass.
    ///
    /// # References
    ///
    /// Sculley, D. (2010). Web-scale k-means clustering. *Proceedings of
    /// the 19th International Conference on World Wide Web*, 1177–1178.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::MiniBatchKMeans;
    ///
    /// let x = array![[0.0], [0.5], [10.0], [10.5]];
    /// let fit = MiniBatchKMeans::params(2).batch_size(4).max_steps(20).fit(x.view())?;
    /// // The centres are running means of sampled rows: near 0.25 and 10.25.
    /// assert!(fit.inertia() < 1.0);
    /// assert_eq!(fit.labels()[0], fit.labels()[1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn params(k: usize) -> MiniBatchParams {
        MiniBatchParams {
            k,
            init: Init::KMeansPlusPlus,
            n_init: None,
            batch_size: 1024,
            max_steps: None,
            init_size: None,
            reassignment_ratio: 0.01,
            max_no_improvement: Some(10),
            tol: 0.0,
            seed: 0,
        }
    }

    /// The fitted model (centroids, labels, inertia; `n_iter` is the
    /// number of steps), e.g. to save it.
    pub fn model(&self) -> &KMeans {
        &self.model
    }

    /// The fitted model, by value.
    pub fn into_model(self) -> KMeans {
        self.model
    }

    /// The centroids, k × d.
    pub fn centroids(&self) -> ArrayView2<'_, f64> {
        self.model.centroids()
    }

    /// The nearest centroid of each training row.
    pub fn labels(&self) -> &[usize] {
        self.model.labels()
    }

    /// The sum of squared distances of the training rows to their nearest
    /// centroids.
    pub fn inertia(&self) -> f64 {
        self.model.inertia()
    }

    /// Mini-batch steps taken.
    pub fn n_steps(&self) -> usize {
        self.n_steps
    }

    /// Whether the fit stopped early (no improvement of the smoothed batch
    /// inertia, or centres moving less than `tol`).
    pub fn converged(&self) -> bool {
        self.model.converged()
    }

    /// The nearest centroid of one point; see [`KMeans::predict_one`].
    ///
    /// # Errors
    ///
    /// As [`KMeans::predict_one`].
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::MiniBatchKMeans;
    ///
    /// let x = array![[0.0], [0.5], [10.0], [10.5]];
    /// let fit = MiniBatchKMeans::params(2).batch_size(4).fit(x.view())?;
    /// assert_eq!(fit.predict_one(&[9.0])?, fit.labels()[2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn predict_one(&self, x: &[f64]) -> Result<usize> {
        self.model.predict_one(x)
    }

    /// The nearest centroid of each row; see [`KMeans::predict`].
    ///
    /// # Errors
    ///
    /// As [`KMeans::predict`].
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::MiniBatchKMeans;
    ///
    /// let x = array![[0.0], [0.5], [10.0], [10.5]];
    /// let fit = MiniBatchKMeans::params(2).batch_size(4).fit(x.view())?;
    /// assert_eq!(fit.predict(x.view())?, fit.labels());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        self.model.predict(x)
    }
}

impl MiniBatchParams {
    /// How the initial centres are chosen (on `init_size` random rows).
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Initialisations tried (default 1 for k-means++, 3 for random).
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = Some(n_init);
        self
    }

    /// Rows per step (default 1024).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// The largest number of steps (default `100·n / batch_size`).
    pub fn max_steps(mut self, max_steps: usize) -> Self {
        self.max_steps = Some(max_steps);
        self
    }

    /// Rows on which the initialisation runs (default `3·batch_size`, at
    /// least `3·k`, at most n).
    pub fn init_size(mut self, init_size: usize) -> Self {
        self.init_size = Some(init_size);
        self
    }

    /// Centres seen by fewer than this fraction of the rows of the most
    /// seen centre are moved to random batch rows (default 0.01; 0
    /// disables).
    pub fn reassignment_ratio(mut self, ratio: f64) -> Self {
        self.reassignment_ratio = ratio;
        self
    }

    /// Stop after this many steps without improvement of the smoothed
    /// batch inertia (default `Some(10)`; `None` runs all the steps).
    pub fn max_no_improvement(mut self, steps: Option<usize>) -> Self {
        self.max_no_improvement = steps;
        self
    }

    /// Stop when the squared centre shifts of one step sum to at most
    /// `tol · mean(var)` (default 0: off).
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// The seed of the initialisation and of the batches (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the parameters alone.
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidParameter`] naming `k`, `batch_size`, `n_init`,
    /// `max_steps` or `init_size` (0), `n_init` above
    /// [`MAX_N_INIT`](crate::MAX_N_INIT), `reassignment_ratio` or `tol`
    /// (negative or not finite), `init` (non-finite explicit centres), and
    /// [`ClusterError::CentresShape`].
    ///
    /// # Example
    ///
    /// ```
    /// use seg_cluster::MiniBatchKMeans;
    ///
    /// let err = MiniBatchKMeans::params(2).batch_size(0).check().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid batch_size = 0: must be at least 1");
    /// ```
    pub fn check(&self) -> Result<()> {
        let invalid = |parameter, value: String, reason| {
            Err(ClusterError::InvalidParameter {
                parameter,
                value,
                reason,
            })
        };
        if self.k == 0 {
            return invalid("k", "0".into(), "must be at least 1");
        }
        if let Some(n_init) = self.n_init {
            crate::params::check_n_init(n_init)?;
        }
        for (name, v) in [
            ("batch_size", Some(self.batch_size)),
            ("max_steps", self.max_steps),
            ("init_size", self.init_size),
        ] {
            if v == Some(0) {
                return invalid(name, "0".into(), "must be at least 1");
            }
        }
        for (name, v) in [
            ("reassignment_ratio", self.reassignment_ratio),
            ("tol", self.tol),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return invalid(name, v.to_string(), "must be finite and >= 0");
            }
        }
        // The explicit centres are checked like KMeans's.
        KMeans::params(self.k).init(self.init.clone()).check()
    }

    /// Fits mini-batch k-means to the rows of `x`.
    ///
    /// # Errors
    ///
    /// Those of [`check`](Self::check), and as [`crate::KMeansParams::fit`]:
    /// [`ClusterError::InvalidK`] for k = 0 or above the rows, empty or
    /// non-finite data, k above the distinct rows,
    /// explicit centres of another width, overflow, input too large to
    /// copy.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::Array2;
    /// use seg_cluster::MiniBatchKMeans;
    ///
    /// let x = Array2::from_shape_fn((300, 1), |(i, _)| (i % 3) as f64 * 10.0 + (i % 7) as f64 * 0.01);
    /// let fit = MiniBatchKMeans::params(3).batch_size(64).seed(2).fit(x.view())?;
    /// assert!(fit.inertia() < 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(&self, x: ArrayView2<'_, f64>) -> Result<MiniBatchKMeans> {
        let input = FitInput::check(&x, self.k, &self.init, || self.check())?;
        let (n, d, k) = (input.n(), input.d, input.k);
        let data = &input.data[..];
        let mut rng = Pcg64Mcg::seed_from_u64(self.seed);
        let batch_size = self.batch_size.min(n);
        let init_size = self
            .init_size
            .unwrap_or(batch_size.saturating_mul(3))
            .max(k.saturating_mul(3))
            .min(n);
        let mut centres = self.initial_centres(data, d, init_size, &mut rng)?;
        let tol = input.scaled_tol(self.tol);
        let max_steps = self
            .max_steps
            .unwrap_or_else(|| (n.saturating_mul(100) / self.batch_size).max(1));

        let mut counts = vec![0.0f64; k];
        let mut batch = vec![0.0; batch_size * d];
        let mut labels = vec![0usize; batch_size];
        let mut best = vec![0.0; batch_size];
        let mut sums = vec![0.0; k * d];
        let mut batch_counts = vec![0u64; k];
        let mut since_reassign = 0usize;
        let (mut ewa, mut ewa_min, mut no_improvement) = (None::<f64>, None::<f64>, 0usize);
        let alpha = (batch_size as f64 * 2.0 / (n as f64 + 1.0)).min(1.0);
        let (mut steps, mut converged) = (max_steps, false);
        for step in 0..max_steps {
            for row in batch.chunks_exact_mut(d) {
                let i = rng.random_range(0..n);
                row.copy_from_slice(&data[i * d..(i + 1) * d]);
            }
            let packed = Packed::new(&centres, d);
            kernel::assign(&batch, &packed, &mut labels, &mut best);
            let batch_inertia: f64 = best.iter().sum::<f64>() / batch_size as f64;
            sums.iter_mut().for_each(|s| *s = 0.0);
            batch_counts.iter_mut().for_each(|c| *c = 0);
            kernel::add_rows(&mut sums, &mut batch_counts, &batch, &labels);
            let old = centres.clone();
            for c in 0..k {
                if batch_counts[c] > 0 {
                    // The centre is the running mean of the rows it has
                    // seen: learning rate 1/count per row.
                    let total = counts[c] + batch_counts[c] as f64;
                    let scale = 1.0 / total;
                    for (v, s) in centres[c * d..(c + 1) * d].iter_mut().zip(&sums[c * d..]) {
                        *v = (*v * counts[c] + s) * scale;
                    }
                    counts[c] = total;
                }
            }
            since_reassign = since_reassign.saturating_add(batch_size);
            if self.reassignment_ratio > 0.0
                && (counts.contains(&0.0) || since_reassign >= batch_size.saturating_mul(10))
            {
                since_reassign = 0;
                self.reassign(&mut centres, &mut counts, &batch, d, &mut rng);
            }
            // scikit-learn's stopping rules (the first step is ignored).
            if step == 0 {
                continue;
            }
            let e = match ewa {
                None => batch_inertia,
                Some(e) => e * (1.0 - alpha) + batch_inertia * alpha,
            };
            ewa = Some(e);
            if tol > 0.0 {
                let shift: f64 = old
                    .iter()
                    .zip(&centres)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                if shift <= tol {
                    (steps, converged) = (step + 1, true);
                    break;
                }
            }
            if ewa_min.is_none_or(|m| e < m) {
                no_improvement = 0;
                ewa_min = Some(e);
            } else {
                no_improvement += 1;
            }
            if self.max_no_improvement.is_some_and(|m| no_improvement >= m) {
                (steps, converged) = (step + 1, true);
                break;
            }
        }
        let (labels, inertia) = assign_all(data, d, &centres);
        Ok(MiniBatchKMeans {
            model: KMeans::fitted(centres, d, labels, inertia, steps, converged)?,
            n_steps: steps,
        })
    }

    /// The initial centres: the best of `n_init` initialisations on
    /// `init_size` random rows, judged on another `init_size` rows.
    fn initial_centres(
        &self,
        data: &[f64],
        d: usize,
        init_size: usize,
        rng: &mut Pcg64Mcg,
    ) -> Result<Vec<f64>> {
        let n = data.len() / d;
        let k = self.k;
        if let Init::Explicit(_) = &self.init {
            return initial_centres(&self.init, data, d, k, rng);
        }
        let runs = self.n_init.unwrap_or(match self.init {
            Init::Random => 3,
            _ => 1,
        });
        let sample = |rng: &mut Pcg64Mcg| -> Vec<f64> {
            rand::seq::index::sample(rng, n, init_size)
                .into_iter()
                .flat_map(|i| data[i * d..(i + 1) * d].iter().copied())
                .collect()
        };
        let validation = if runs > 1 { sample(rng) } else { Vec::new() };
        let mut best: Option<(f64, Vec<f64>)> = None;
        for _ in 0..runs {
            let rows = sample(rng);
            // A sample with fewer than k distinct rows falls back to all
            // the data.
            let rows: &[f64] = if distinct_up_to(&rows, d, k) < k {
                data
            } else {
                &rows
            };
            let centres = initial_centres(&self.init, rows, d, k, rng)?;
            if runs == 1 {
                return Ok(centres);
            }
            let (_, inertia) = assign_all(&validation, d, &centres);
            if best.as_ref().is_none_or(|b| inertia < b.0) {
                best = Some((inertia, centres));
            }
        }
        best.map(|b| b.1).ok_or(ClusterError::InvalidParameter {
            parameter: "n_init",
            value: "0".into(),
            reason: "must be at least 1",
        })
    }

    /// Moves rarely-seen centres to random rows of the batch
    /// (scikit-learn's `random_reassign`).
    fn reassign(
        &self,
        centres: &mut [f64],
        counts: &mut [f64],
        batch: &[f64],
        d: usize,
        rng: &mut Pcg64Mcg,
    ) {
        let max = counts.iter().copied().fold(0.0, f64::max);
        let mut to_reassign: Vec<bool> = counts
            .iter()
            .map(|&c| c < self.reassignment_ratio * max)
            .collect();
        let batch_rows = batch.len() / d;
        let limit = batch_rows / 2;
        if to_reassign.iter().filter(|&&r| r).count() > limit {
            // Keep the most-seen centres beyond the first half batch.
            let mut order: Vec<usize> = (0..counts.len()).collect();
            order.sort_by(|&a, &b| counts[a].total_cmp(&counts[b]));
            for &c in &order[limit..] {
                to_reassign[c] = false;
            }
        }
        let n_reassign = to_reassign.iter().filter(|&&r| r).count();
        if n_reassign == 0 || n_reassign == counts.len() {
            return;
        }
        let rows = rand::seq::index::sample(rng, batch_rows, n_reassign);
        let floor = counts
            .iter()
            .zip(&to_reassign)
            .filter(|(_, r)| !**r)
            .map(|(&c, _)| c)
            .fold(f64::INFINITY, f64::min);
        for (c, i) in (0..counts.len()).filter(|&c| to_reassign[c]).zip(rows) {
            centres[c * d..(c + 1) * d].copy_from_slice(&batch[i * d..(i + 1) * d]);
            counts[c] = floor;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minibatch_batch_and_init_sizes_usize_max_are_bounded_by_the_rows() {
        let x = ndarray::Array2::from_shape_fn((20, 1), |(i, _)| (i % 2) as f64 * 10.0);
        let fit = MiniBatchKMeans::params(2)
            .batch_size(usize::MAX)
            .init_size(usize::MAX)
            .max_steps(5)
            .fit(x.view())
            .unwrap();
        assert_eq!(fit.labels().len(), 20);
    }

    #[test]
    fn minibatch_rejects_n_init_usize_max() {
        let x = ndarray::Array2::from_shape_fn((20, 1), |(i, _)| i as f64);
        for n_init in [usize::MAX, 1 << 40] {
            let err = MiniBatchKMeans::params(2)
                .n_init(n_init)
                .fit(x.view())
                .unwrap_err();
            assert!(
                matches!(&err, ClusterError::InvalidParameter { parameter: "n_init", value, .. } if *value == n_init.to_string()),
                "{err:?}"
            );
        }
    }
}
