//! Isotropic Gaussian blobs, as scikit-learn's `make_blobs`.

use ndarray::Array2;
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;

use crate::error::{DatasetError, Result};

/// Gaussian blobs for clustering: points, their true labels and the centres
/// they were drawn around.
///
/// Made by [`BlobsParams::generate`], starting from [`Blobs::params`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Blobs {
    /// The points, `n_samples × n_features`, one observation per row.
    pub x: Array2<f64>,
    /// The centre each point was drawn around, in `0..k`.
    pub labels: Vec<usize>,
    /// The centres, `k × n_features`.
    pub centers: Array2<f64>,
}

impl Blobs {
    /// Parameters of `n_samples` points in `n_features` dimensions drawn
    /// around random centres, with the defaults of scikit-learn's
    /// [`make_blobs`][sk]:
    ///
    /// | setter                         | default        |
    /// |--------------------------------|----------------|
    /// | [`centers`](BlobsParams::centers) or [`centers_at`](BlobsParams::centers_at) | 3 centres |
    /// | [`cluster_std`](BlobsParams::cluster_std) or [`cluster_stds`](BlobsParams::cluster_stds) | 1.0 |
    /// | [`center_box`](BlobsParams::center_box) | (−10, 10) |
    /// | [`shuffle`](BlobsParams::shuffle) | `true` |
    /// | [`seed`](BlobsParams::seed)    | 0              |
    ///
    /// Random centres are uniform in the box, in every dimension. The
    /// samples are split as evenly as possible: each of the k centres gets
    /// `n_samples / k` points and the first `n_samples % k` centres one
    /// more. Each point is its centre plus Gaussian noise of the centre's
    /// standard deviation in every dimension. Without shuffling, the points
    /// come grouped by centre, in centre order.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_datasets::Blobs;
    ///
    /// let blobs = Blobs::params(1_000, 2).centers(4).cluster_std(0.5).seed(7).generate()?;
    /// assert_eq!(blobs.x.dim(), (1_000, 2));
    /// assert_eq!(blobs.centers.dim(), (4, 2));
    /// assert!(blobs.labels.iter().all(|&l| l < 4));
    /// assert_eq!(blobs.labels.iter().filter(|&&l| l == 0).count(), 250);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// [sk]: https://scikit-learn.org/stable/modules/generated/sklearn.datasets.make_blobs.html
    pub fn params(n_samples: usize, n_features: usize) -> BlobsParams {
        BlobsParams {
            n_samples,
            n_features,
            centers: Centers::Random(3),
            std: Std::Same(1.0),
            center_box: (-10.0, 10.0),
            shuffle: true,
            seed: 0,
        }
    }
}

/// Where the centres of [`Blobs`] come from.
#[derive(Debug, Clone, PartialEq)]
enum Centers {
    /// `k` centres uniform in the centre box.
    Random(usize),
    /// Given centres, one per row.
    At(Array2<f64>),
}

/// The noise of [`Blobs`].
#[derive(Debug, Clone, PartialEq)]
enum Std {
    /// One standard deviation for every centre.
    Same(f64),
    /// One standard deviation per centre.
    PerCenter(Vec<f64>),
}

/// Parameters of [`Blobs`], checked by [`generate`](BlobsParams::generate).
///
/// Made by [`Blobs::params`], which lists the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct BlobsParams {
    n_samples: usize,
    n_features: usize,
    centers: Centers,
    std: Std,
    center_box: (f64, f64),
    shuffle: bool,
    seed: u64,
}

impl BlobsParams {
    /// Draw `k` centres uniformly in the centre box (default 3).
    pub fn centers(mut self, k: usize) -> Self {
        self.centers = Centers::Random(k);
        self
    }

    /// Use the given centres, one per row; they need `n_features` columns
    /// and finite values. The centre box is then not used.
    pub fn centers_at(mut self, centers: Array2<f64>) -> Self {
        self.centers = Centers::At(centers);
        self
    }

    /// The standard deviation of the noise around every centre (default
    /// 1.0; 0 puts every point on its centre).
    pub fn cluster_std(mut self, std: f64) -> Self {
        self.std = Std::Same(std);
        self
    }

    /// One standard deviation per centre, in centre order.
    pub fn cluster_stds(mut self, stds: Vec<f64>) -> Self {
        self.std = Std::PerCenter(stds);
        self
    }

    /// The bounds `(low, high)` of random centres in every dimension
    /// (default (−10, 10)).
    pub fn center_box(mut self, bounds: (f64, f64)) -> Self {
        self.center_box = bounds;
        self
    }

    /// Whether to shuffle the points (default `true`); otherwise they come
    /// grouped by centre.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// The seed of the random centres, noise and shuffle (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of centres: `k` or the rows of the given centres.
    fn k(&self) -> usize {
        match &self.centers {
            Centers::Random(k) => *k,
            Centers::At(c) => c.nrows(),
        }
    }

    /// Check every parameter, naming the first bad one.
    fn check(&self) -> Result<()> {
        let n = self.n_samples;
        if n == 0 {
            return Err(DatasetError::InvalidParameter {
                parameter: "n_samples",
                value: "0".to_owned(),
                reason: "at least one sample is needed",
            });
        }
        if self.n_features == 0 {
            return Err(DatasetError::InvalidParameter {
                parameter: "n_features",
                value: "0".to_owned(),
                reason: "at least one feature is needed",
            });
        }
        let k = self.k();
        if k == 0 || k > n {
            return Err(DatasetError::InvalidCenters { k, n_samples: n });
        }
        match &self.centers {
            Centers::Random(_) => {
                let (low, high) = self.center_box;
                if !(low.is_finite() && high.is_finite() && low <= high && (high - low).is_finite())
                {
                    return Err(DatasetError::InvalidParameter {
                        parameter: "center_box",
                        value: format!("({low}, {high})"),
                        reason: "bounds must be finite with low <= high",
                    });
                }
            }
            Centers::At(c) => {
                if c.ncols() != self.n_features {
                    return Err(DatasetError::CentersDimension {
                        expected: self.n_features,
                        got: c.ncols(),
                    });
                }
                if let Some(((row, column), &value)) =
                    c.indexed_iter().find(|(_, v)| !v.is_finite())
                {
                    return Err(DatasetError::NonFiniteCenter { row, column, value });
                }
            }
        }
        let check_std = |std: f64| {
            if std.is_finite() && std >= 0.0 {
                Ok(())
            } else {
                Err(DatasetError::InvalidParameter {
                    parameter: "cluster_std",
                    value: std.to_string(),
                    reason: "a standard deviation must be finite and >= 0",
                })
            }
        };
        match &self.std {
            Std::Same(std) => check_std(*std)?,
            Std::PerCenter(stds) => {
                if stds.len() != k {
                    return Err(DatasetError::WrongLength {
                        parameter: "cluster_stds",
                        expected: k,
                        got: stds.len(),
                    });
                }
                stds.iter().try_for_each(|&s| check_std(s))?;
            }
        }
        Ok(())
    }

    /// Check the parameters and draw the blobs.
    ///
    /// The result is the same, bit for bit, for the same parameters and
    /// seed.
    ///
    /// # Errors
    ///
    /// - [`DatasetError::InvalidParameter`] when `n_samples` or
    ///   `n_features` is 0, a standard deviation is negative or not finite,
    ///   or the centre box is not finite or has `low > high`;
    /// - [`DatasetError::InvalidCenters`] for 0 centres or more centres than
    ///   samples;
    /// - [`DatasetError::CentersDimension`] and
    ///   [`DatasetError::NonFiniteCenter`] for given centres with another
    ///   number of columns than `n_features` or a non-finite value;
    /// - [`DatasetError::WrongLength`] when the per-centre standard
    ///   deviations are not one per centre.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_datasets::{Blobs, DatasetError};
    /// use ndarray::array;
    ///
    /// let centres = array![[0.0, 0.0], [5.0, 5.0]];
    /// let blobs = Blobs::params(10, 2).centers_at(centres.clone()).cluster_std(0.0).generate()?;
    /// for (row, &label) in blobs.x.rows().into_iter().zip(&blobs.labels) {
    ///     assert_eq!(row, centres.row(label));
    /// }
    ///
    /// let err = Blobs::params(10, 3).centers_at(centres).generate().unwrap_err();
    /// assert_eq!(err, DatasetError::CentersDimension { expected: 3, got: 2 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn generate(&self) -> Result<Blobs> {
        self.check()?;
        let (n, d, k) = (self.n_samples, self.n_features, self.k());
        let mut rng = Pcg64Mcg::seed_from_u64(self.seed);
        let centers = match &self.centers {
            Centers::At(c) => c.to_owned(),
            Centers::Random(_) => {
                let (low, high) = self.center_box;
                let width = high - low;
                Array2::from_shape_simple_fn((k, d), || low + width * rng.random::<f64>())
            }
        };
        let mut labels = balanced_labels(n, k);
        if self.shuffle {
            shuffle(&mut labels, &mut rng);
        }
        let stds: Vec<f64> = match &self.std {
            Std::Same(s) => vec![*s; k],
            Std::PerCenter(s) => s.clone(),
        };
        let mut x = Array2::zeros((n, d));
        for (mut row, &label) in x.rows_mut().into_iter().zip(&labels) {
            let centre = centers.row(label);
            let std = stds[label];
            for (v, &c) in row.iter_mut().zip(centre) {
                let z: f64 = StandardNormal.sample(&mut rng);
                *v = c + std * z;
            }
        }
        Ok(Blobs { x, labels, centers })
    }
}

/// `n` labels in centre order: `n / k` of each, one more for the first
/// `n % k` centres.
fn balanced_labels(n: usize, k: usize) -> Vec<usize> {
    let (each, extra) = (n / k, n % k);
    (0..k)
        .flat_map(|c| std::iter::repeat_n(c, each + usize::from(c < extra)))
        .collect()
}

/// Fisher-Yates shuffle drawing indices as `u64`, so that the result is the
/// same on 32-bit and 64-bit targets.
fn shuffle<T, R: Rng + ?Sized>(items: &mut [T], rng: &mut R) {
    for i in (1..items.len()).rev() {
        // `i` fits in a u64 and the draw is at most `i`, so both casts are
        // lossless.
        let j = rng.random_range(0..=i as u64) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_split_as_evenly_as_possible_first_centres_get_the_rest() {
        let labels = balanced_labels(11, 3);
        let counts: Vec<usize> = (0..3)
            .map(|c| labels.iter().filter(|&&l| l == c).count())
            .collect();
        assert_eq!(counts, vec![4, 4, 3]);
    }

    #[test]
    fn unshuffled_points_come_grouped_by_centre() -> Result<()> {
        let blobs = Blobs::params(7, 2).centers(3).shuffle(false).generate()?;
        assert_eq!(blobs.labels, vec![0, 0, 0, 1, 1, 2, 2]);
        Ok(())
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut rng = Pcg64Mcg::seed_from_u64(3);
        let mut items: Vec<usize> = (0..100).collect();
        shuffle(&mut items, &mut rng);
        assert_ne!(items, (0..100).collect::<Vec<_>>());
        items.sort_unstable();
        assert_eq!(items, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn k_cannot_exceed_n_samples() {
        let err = Blobs::params(2, 2).centers(3).generate();
        assert_eq!(
            err,
            Err(DatasetError::InvalidCenters { k: 3, n_samples: 2 })
        );
    }

    #[test]
    fn degenerate_center_box_puts_every_centre_on_the_bound() -> Result<()> {
        let blobs = Blobs::params(4, 3)
            .centers(2)
            .center_box((1.5, 1.5))
            .generate()?;
        assert!(blobs.centers.iter().all(|&c| c == 1.5));
        Ok(())
    }

    #[test]
    fn random_centres_lie_in_the_box() -> Result<()> {
        let blobs = Blobs::params(50, 4)
            .centers(50)
            .center_box((-2.0, 3.0))
            .generate()?;
        assert!(blobs.centers.iter().all(|c| (-2.0..3.0).contains(c)));
        Ok(())
    }
}
