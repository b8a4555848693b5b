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
    pub centres: Array2<f64>,
}

impl Blobs {
    /// Parameters of `n_samples` points in `n_features` dimensions drawn
    /// around random centres, with the defaults of scikit-learn's
    /// [`make_blobs`][sk]:
    ///
    /// | setter                         | default        |
    /// |--------------------------------|----------------|
    /// | [`centres`](BlobsParams::centres) or [`centres_at`](BlobsParams::centres_at) | 3 centres |
    /// | [`cluster_std`](BlobsParams::cluster_std) or [`cluster_stds`](BlobsParams::cluster_stds) | 1.0 |
    /// | [`centre_box`](BlobsParams::centre_box) | (−10, 10) |
    /// | [`shuffle`](BlobsParams::shuffle) | `true` |
    /// | [`seed`](BlobsParams::seed)    | 0              |
    ///
    /// scikit-learn's `centers` and `center_box` are spelled [`centres`]
    /// and [`centre_box`] here, as everywhere in this workspace.
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
    /// let blobs = Blobs::params(1_000, 2).centres(4).cluster_std(0.5).seed(7).generate()?;
    /// assert_eq!(blobs.x.dim(), (1_000, 2));
    /// assert_eq!(blobs.centres.dim(), (4, 2));
    /// assert!(blobs.labels.iter().all(|&l| l < 4));
    /// assert_eq!(blobs.labels.iter().filter(|&&l| l == 0).count(), 250);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// [sk]: https://scikit-learn.org/stable/modules/generated/sklearn.datasets.make_blobs.html
    /// [`centres`]: BlobsParams::centres
    /// [`centre_box`]: BlobsParams::centre_box
    pub fn params(n_samples: usize, n_features: usize) -> BlobsParams {
        BlobsParams {
            n_samples,
            n_features,
            centres: Centres::Random(3),
            std: Std::Same(1.0),
            centre_box: (-10.0, 10.0),
            shuffle: true,
            seed: 0,
        }
    }
}

/// Where the centres of [`Blobs`] come from.
#[derive(Debug, Clone, PartialEq)]
enum Centres {
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
    PerCentre(Vec<f64>),
}

/// Parameters of [`Blobs`], checked by [`generate`](BlobsParams::generate).
///
/// Made by [`Blobs::params`], which lists the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct BlobsParams {
    n_samples: usize,
    n_features: usize,
    centres: Centres,
    std: Std,
    centre_box: (f64, f64),
    shuffle: bool,
    seed: u64,
}

impl BlobsParams {
    /// Draw `k` centres uniformly in the centre box (default 3).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Blobs;
    /// let blobs = Blobs::params(100, 3).centres(5).generate()?;
    /// assert_eq!(blobs.centres.dim(), (5, 3));
    /// assert!(blobs.labels.iter().all(|&l| l < 5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn centres(mut self, k: usize) -> Self {
        self.centres = Centres::Random(k);
        self
    }

    /// Use the given centres, one per row; they need `n_features` columns
    /// and finite values. The centre box is then not used.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_datasets::Blobs;
    /// let centres = array![[0.0, 0.0], [5.0, 5.0]];
    /// let blobs = Blobs::params(6, 2).centres_at(centres.clone()).generate()?;
    /// assert_eq!(blobs.centres, centres);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn centres_at(mut self, centres: Array2<f64>) -> Self {
        self.centres = Centres::At(centres);
        self
    }

    /// The standard deviation of the noise around every centre (default
    /// 1.0; 0 puts every point on its centre).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Blobs;
    /// // With no noise every point is its centre.
    /// let blobs = Blobs::params(20, 2).cluster_std(0.0).generate()?;
    /// for (row, &label) in blobs.x.rows().into_iter().zip(&blobs.labels) {
    ///     assert_eq!(row, blobs.centres.row(label));
    /// }
    /// assert!(Blobs::params(20, 2).cluster_std(-1.0).generate().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cluster_std(mut self, std: f64) -> Self {
        self.std = Std::Same(std);
        self
    }

    /// One standard deviation per centre, in centre order.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Blobs;
    /// // The first centre is noiseless, the second is not.
    /// let blobs = Blobs::params(40, 1).centres(2).cluster_stds(vec![0.0, 1.0]).generate()?;
    /// for (x, &label) in blobs.x.iter().zip(&blobs.labels) {
    ///     assert_eq!(label == 0, *x == blobs.centres[[0, 0]]);
    /// }
    /// // One standard deviation per centre is required.
    /// assert!(Blobs::params(40, 1).centres(2).cluster_stds(vec![1.0]).generate().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cluster_stds(mut self, stds: Vec<f64>) -> Self {
        self.std = Std::PerCentre(stds);
        self
    }

    /// The bounds `(low, high)` of random centres in every dimension
    /// (default (−10, 10)).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Blobs;
    /// let blobs = Blobs::params(50, 4).centres(5).centre_box((2.0, 3.0)).generate()?;
    /// assert!(blobs.centres.iter().all(|&c| (2.0..=3.0).contains(&c)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn centre_box(mut self, bounds: (f64, f64)) -> Self {
        self.centre_box = bounds;
        self
    }

    /// Whether to shuffle the points (default `true`); otherwise they come
    /// grouped by centre.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Blobs;
    /// let blobs = Blobs::params(10, 2).centres(3).shuffle(false).generate()?;
    /// // Grouped by centre: 4 + 3 + 3 points.
    /// assert_eq!(blobs.labels, [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// The seed of the random centres, noise and shuffle (default 0).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Blobs;
    /// let a = Blobs::params(30, 2).seed(1).generate()?;
    /// assert_eq!(a, Blobs::params(30, 2).seed(1).generate()?);
    /// assert_ne!(a, Blobs::params(30, 2).seed(2).generate()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of centres: `k` or the rows of the given centres.
    fn k(&self) -> usize {
        match &self.centres {
            Centres::Random(k) => *k,
            Centres::At(c) => c.nrows(),
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
            return Err(DatasetError::InvalidCentres { k, n_samples: n });
        }
        match &self.centres {
            Centres::Random(_) => {
                let (low, high) = self.centre_box;
                if !(low.is_finite() && high.is_finite() && low <= high && (high - low).is_finite())
                {
                    return Err(DatasetError::InvalidParameter {
                        parameter: "centre_box",
                        value: format!("({low}, {high})"),
                        reason: "bounds must be finite with low <= high",
                    });
                }
            }
            Centres::At(c) => {
                if c.ncols() != self.n_features {
                    return Err(DatasetError::CentresDimension {
                        expected: self.n_features,
                        got: c.ncols(),
                    });
                }
                if let Some(((row, column), &value)) =
                    c.indexed_iter().find(|(_, v)| !v.is_finite())
                {
                    return Err(DatasetError::NonFiniteCentre { row, column, value });
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
            Std::PerCentre(stds) => {
                if stds.len() != k {
                    return Err(DatasetError::LengthMismatch {
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
    ///   the centre box is not finite or has `low > high`, or the
    ///   `n_samples × n_features` values cannot be allocated (named
    ///   `n_samples`);
    /// - [`DatasetError::InvalidCentres`] for 0 centres or more centres than
    ///   samples;
    /// - [`DatasetError::CentresDimension`] and
    ///   [`DatasetError::NonFiniteCentre`] for given centres with another
    ///   number of columns than `n_features` or a non-finite value;
    /// - [`DatasetError::LengthMismatch`] when the per-centre standard
    ///   deviations are not one per centre.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_datasets::{Blobs, DatasetError};
    /// use ndarray::array;
    ///
    /// let centres = array![[0.0, 0.0], [5.0, 5.0]];
    /// let blobs = Blobs::params(10, 2).centres_at(centres.clone()).cluster_std(0.0).generate()?;
    /// for (row, &label) in blobs.x.rows().into_iter().zip(&blobs.labels) {
    ///     assert_eq!(row, centres.row(label));
    /// }
    ///
    /// let err = Blobs::params(10, 3).centres_at(centres).generate().unwrap_err();
    /// assert_eq!(err, DatasetError::CentresDimension { expected: 3, got: 2 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(
        clippy::expect_used,
        reason = "the buffers hold k × d and n × d values by construction"
    )]
    pub fn generate(&self) -> Result<Blobs> {
        self.check()?;
        let (n, d, k) = (self.n_samples, self.n_features, self.k());
        // Every buffer is reserved before the first draw: a size that does
        // not fit in memory is an error, and the draws are those of an
        // unchecked run.
        let mut values = reserve(n.checked_mul(d), n, d)?;
        let mut labels = reserve(Some(n), n, d)?;
        let mut rng = Pcg64Mcg::seed_from_u64(self.seed);
        let centres = match &self.centres {
            Centres::At(c) => c.to_owned(),
            Centres::Random(_) => {
                let (low, high) = self.centre_box;
                let width = high - low;
                let mut centres = reserve(k.checked_mul(d), n, d)?;
                centres.extend((0..k * d).map(|_| low + width * rng.random::<f64>()));
                Array2::from_shape_vec((k, d), centres).expect("k × d values were drawn")
            }
        };
        labels.extend(balanced_labels(n, k));
        if self.shuffle {
            shuffle(&mut labels, &mut rng);
        }
        let stds: Vec<f64> = match &self.std {
            Std::Same(s) => vec![*s; k],
            Std::PerCentre(s) => s.clone(),
        };
        for &label in &labels {
            let centre = centres.row(label);
            let std = stds[label];
            values.extend(centre.iter().map(|&c| {
                let z: f64 = StandardNormal.sample(&mut rng);
                c + std * z
            }));
        }
        let x = Array2::from_shape_vec((n, d), values).expect("n × d values were drawn");
        Ok(Blobs { x, labels, centres })
    }
}

/// An empty vector with room for `len` values (`None`: more than `usize`
/// counts), or an error naming the size of the blobs when that much memory
/// cannot be had.
fn reserve<T>(len: Option<usize>, n: usize, d: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    match len.map(|len| v.try_reserve_exact(len)) {
        Some(Ok(())) => Ok(v),
        _ => Err(DatasetError::InvalidParameter {
            parameter: "n_samples",
            value: format!("{n} (x {d} features)"),
            reason: "the points do not fit in memory",
        }),
    }
}

/// `n` labels in centre order: `n / k` of each, one more for the first
/// `n % k` centres.
fn balanced_labels(n: usize, k: usize) -> impl Iterator<Item = usize> {
    let (each, extra) = (n / k, n % k);
    (0..k).flat_map(move |c| std::iter::repeat_n(c, each + usize::from(c < extra)))
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
        let labels: Vec<usize> = balanced_labels(11, 3).collect();
        let counts: Vec<usize> = (0..3)
            .map(|c| labels.iter().filter(|&&l| l == c).count())
            .collect();
        assert_eq!(counts, vec![4, 4, 3]);
    }

    #[test]
    fn unshuffled_points_come_grouped_by_centre() -> Result<()> {
        let blobs = Blobs::params(7, 2).centres(3).shuffle(false).generate()?;
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
        let err = Blobs::params(2, 2).centres(3).generate();
        assert_eq!(
            err,
            Err(DatasetError::InvalidCentres { k: 3, n_samples: 2 })
        );
    }

    #[test]
    fn degenerate_centre_box_puts_every_centre_on_the_bound() -> Result<()> {
        let blobs = Blobs::params(4, 3)
            .centres(2)
            .centre_box((1.5, 1.5))
            .generate()?;
        assert!(blobs.centres.iter().all(|&c| c == 1.5));
        Ok(())
    }

    #[test]
    fn random_centres_lie_in_the_box() -> Result<()> {
        let blobs = Blobs::params(50, 4)
            .centres(50)
            .centre_box((-2.0, 3.0))
            .generate()?;
        assert!(blobs.centres.iter().all(|c| (-2.0..3.0).contains(c)));
        Ok(())
    }
}
