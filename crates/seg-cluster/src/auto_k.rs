//! The automatic choice of k: every k of a range is fitted and measured,
//! and a documented rule over several quality metrics chooses one.

mod rule;
mod selection;

pub use rule::AUTO_K_RULE;
pub use selection::{KScore, KSelection};

use std::ops::RangeInclusive;

use ndarray::{Array2, ArrayView2, Axis};
use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use crate::error::{ClusterError, Result};
use crate::init::Init;
use crate::input::{checked, distinct_up_to};
use crate::model::KMeans;
use crate::params::invalid;

/// k-means with an automatically chosen number of clusters, and the
/// per-k table that explains the choice.
///
/// Made by [`AutoK::params`]`()…`[`.fit(x)`](AutoKParams::fit). For every k
/// of the range, k-means (k-means++, the crate's default algorithm) is
/// fitted `max(n_init, 2)` times from different seeds on the selection
/// rows, the fit of lowest inertia is kept and measured:
///
/// | column of [`KScore`] | what | better |
/// |---|---|---|
/// | `silhouette` | exact up to `silhouette_sample` rows, else seg-validate's stratified sample (seeded) | higher |
/// | `davies_bouldin` | Davies-Bouldin index | lower |
/// | `calinski_harabasz` | Calinski-Harabasz index (variance ratio) | higher |
/// | `inertia` | within-cluster sum of squares of the kept fit | lower (always falls with k) |
/// | `min_cluster_share` | rows of the smallest cluster over all selection rows | a k below `min_share` is not eligible |
/// | `stability` | mean adjusted Rand index between the labels of the `max(n_init, 2)` fits, every pair | higher; 1 = every seed finds the same partition |
///
/// Stability costs nothing beyond the restarts: the restarts that
/// `n_init` asks for anyway are the fits it compares (only `n_init = 1`
/// runs one extra fit per k), plus O(n) per pair for the adjusted Rand
/// index. Then [`AUTO_K_RULE`] (documented in [`KSelection`]) chooses k among the
/// eligible ones and writes why in [`KSelection::reason`].
///
/// **Selection on a sample.** When the data has more rows than
/// `sample_size` (default 50,000), k is chosen on a seeded uniform sample
/// of that many rows, and the chosen k is then fitted on all rows starting
/// from the sample's centres ([`Init::Explicit`]). The per-k table then
/// describes the sample. On blobs of 100,000 rows the k chosen on the
/// sample was the k chosen on all rows, and the warm-started fit had the
/// inertia of a k-means++ fit (`n_init = 3`) on all rows to 6 significant
/// digits (the crate README has the table); set `sample_size(None)` to
/// select on all rows.
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use seg_cluster::AutoK;
///
/// // Four groups of 50 points around the corners of a square.
/// let x = Array2::from_shape_fn((200, 2), |(i, j)| {
///     let corner = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0), (10.0, 10.0)][i % 4];
///     let jitter = ((i * 7 + j * 13) % 11) as f64 * 0.1;
///     if j == 0 { corner.0 + jitter } else { corner.1 + jitter }
/// });
/// let auto = AutoK::params().k_range(2..=6).seed(7).fit(x.view())?;
/// let selection = auto.selection();
/// assert_eq!(selection.k, 4);
/// assert_eq!(auto.model().k(), 4);
/// assert_eq!(selection.scores.len(), 5); // one row per k in 2..=6
/// assert!(selection.reason.starts_with("k = 4: "));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AutoK {
    model: KMeans,
    selection: KSelection,
}

/// The parameters of an automatic choice of k (builder); see
/// [`AutoK::params`].
#[derive(Debug, Clone, PartialEq)]
pub struct AutoKParams {
    k_range: RangeInclusive<usize>,
    n_init: usize,
    seed: u64,
    min_share: f64,
    sample_size: Option<usize>,
    silhouette_sample: usize,
}

impl AutoK {
    /// Parameters with their defaults: `k_range = 2..=8`, `n_init = 3`,
    /// `seed = 0`, `min_share = 0.01`, `sample_size = Some(50_000)`,
    /// `silhouette_sample = 20_000`.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_cluster::AutoK;
    ///
    /// let params = AutoK::params().k_range(2..=5).n_init(5).seed(42).min_share(0.05);
    /// assert!(params.check().is_ok());
    /// assert!(AutoK::params().k_range(1..=5).check().is_err());
    /// ```
    pub fn params() -> AutoKParams {
        AutoKParams {
            k_range: 2..=8,
            n_init: 3,
            seed: 0,
            min_share: 0.01,
            sample_size: Some(50_000),
            silhouette_sample: 20_000,
        }
    }

    /// The chosen k fitted on all rows.
    pub fn model(&self) -> &KMeans {
        &self.model
    }

    /// The chosen k, why, and the per-k table.
    pub fn selection(&self) -> &KSelection {
        &self.selection
    }

    /// The model and the selection, by value.
    pub fn into_parts(self) -> (KMeans, KSelection) {
        (self.model, self.selection)
    }
}

impl AutoKParams {
    /// The candidate numbers of clusters (default `2..=8`); the range must
    /// start at 2 or more and not be empty.
    pub fn k_range(mut self, range: RangeInclusive<usize>) -> Self {
        self.k_range = range;
        self
    }

    /// k-means++ restarts per k (default 3); the fit of lowest inertia is
    /// kept and all of them are compared for the stability score.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }

    /// The seed of the sample, of every fit and of the silhouette sample
    /// (default 0). The result is reproducible bit for bit for a seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The smallest share of rows a cluster may hold for its k to be
    /// eligible, in [0, 1) (default 0.01).
    pub fn min_share(mut self, share: f64) -> Self {
        self.min_share = share;
        self
    }

    /// The rows on which k is chosen (default `Some(50_000)`): above this,
    /// a seeded uniform sample; `None` selects on all rows.
    pub fn sample_size(mut self, rows: Option<usize>) -> Self {
        self.sample_size = rows;
        self
    }

    /// The silhouette is exact up to this many selection rows and computed
    /// on a stratified sample of this many rows above (default 20,000).
    pub fn silhouette_sample(mut self, rows: usize) -> Self {
        self.silhouette_sample = rows;
        self
    }

    /// The largest k of the range.
    pub(crate) fn largest_k(&self) -> usize {
        *self.k_range.end()
    }

    /// Checks the parameters alone (the data is checked by
    /// [`fit`](Self::fit)).
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidParameter`] naming `k_range` (empty or
    /// starting below 2), `n_init` (0 or above
    /// [`MAX_N_INIT`](crate::MAX_N_INIT)), `min_share` (outside [0, 1)),
    /// `sample_size` (not above the largest k) or `silhouette_sample` (not
    /// above the largest k).
    ///
    /// # Example
    ///
    /// ```
    /// use seg_cluster::{AutoK, ClusterError};
    ///
    /// let err = AutoK::params().k_range(5..=3).check().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid k_range = 5..=3: must not be empty and must start at 2 or more");
    /// assert!(matches!(
    ///     AutoK::params().min_share(1.0).check(),
    ///     Err(ClusterError::InvalidParameter { parameter: "min_share", .. })
    /// ));
    /// ```
    pub fn check(&self) -> Result<()> {
        let (lo, hi) = (*self.k_range.start(), *self.k_range.end());
        if lo < 2 || lo > hi {
            return Err(invalid(
                "k_range",
                format!("{lo}..={hi}"),
                "must not be empty and must start at 2 or more",
            ));
        }
        crate::params::check_n_init(self.n_init)?;
        let share = self.min_share;
        if !(0.0..1.0).contains(&share) {
            return Err(invalid("min_share", share, "must be in [0, 1)"));
        }
        if let Some(s) = self.sample_size
            && s <= hi
        {
            return Err(invalid(
                "sample_size",
                s,
                "must exceed the largest k of k_range",
            ));
        }
        if self.silhouette_sample <= hi {
            return Err(invalid(
                "silhouette_sample",
                self.silhouette_sample,
                "must exceed the largest k of k_range",
            ));
        }
        Ok(())
    }

    /// Fits every k of the range, chooses one by [`AUTO_K_RULE`], and fits the
    /// chosen k on all rows.
    ///
    /// Time: `|k range| × max(n_init, 2)` k-means++ fits on the selection
    /// rows, one silhouette per k (O(m²·d) exact on m ≤
    /// `silhouette_sample` rows, otherwise on that many sampled rows), and
    /// with sampling one warm-started fit on all rows. Memory: the data
    /// once if it is not contiguous, the sample, and the labels of one fit
    /// per k on the selection rows.
    ///
    /// # Errors
    ///
    /// Those of [`check`](Self::check); [`ClusterError::EmptyInput`];
    /// [`ClusterError::NonFinite`] naming row and column;
    /// [`ClusterError::InvalidParameter`] naming `k_range` when its largest
    /// k is not below the number of rows (the silhouette needs
    /// k ≤ n − 1); [`ClusterError::TooFewDistinctPoints`] when the data (or
    /// the sample) has fewer distinct rows than the largest k;
    /// [`ClusterError::NoEligibleK`] when every k has a cluster below
    /// `min_share`; the errors of [`KMeansParams::fit`](crate::KMeansParams::fit)
    /// ([`ClusterError::Overflow`], [`ClusterError::OutOfMemory`]); and
    /// [`ClusterError::Metric`] if a quality metric fails.
    pub fn fit(&self, x: ArrayView2<'_, f64>) -> Result<AutoK> {
        self.check()?;
        let data = checked(&x)?;
        let (n, d) = x.dim();
        let (lo, hi) = (*self.k_range.start(), *self.k_range.end());
        if hi >= n {
            return Err(invalid(
                "k_range",
                format!("{lo}..={hi} for {n} rows"),
                "the largest k must be below the number of rows",
            ));
        }
        let distinct = distinct_up_to(&data, d, hi);
        if distinct < hi {
            return Err(ClusterError::TooFewDistinctPoints { k: hi, distinct });
        }
        drop(data);
        let sample = match self.sample_size {
            Some(s) if s < n => Some(uniform_sample(x, s, mix(self.seed, 0, SAMPLE_STREAM))),
            _ => None,
        };
        let xs = sample.as_ref().map_or(x, |s| s.view());
        let m = xs.nrows();
        let mut scores = Vec::with_capacity(hi - lo + 1);
        let mut models = Vec::with_capacity(hi - lo + 1);
        for k in lo..=hi {
            let (score, model) = self.measure(xs, k)?;
            scores.push(score);
            models.push(model);
        }
        let share = self.min_share;
        for s in &mut scores {
            s.eligible = s.min_cluster_share >= share;
        }
        let choice = rule::choose(&scores, share, m)?;
        let chosen = models.swap_remove(choice.k - lo);
        drop(models);
        let selection = KSelection::new(choice.k, choice.reason, scores, AUTO_K_RULE.to_owned())?;
        let model = if sample.is_some() {
            KMeans::params(choice.k)
                .init(Init::Explicit(chosen.centroids().to_owned()))
                .fit(x)?
        } else {
            chosen
        };
        Ok(AutoK { model, selection })
    }

    /// Fits k `max(n_init, 2)` times and measures the best fit.
    fn measure(&self, xs: ArrayView2<'_, f64>, k: usize) -> Result<(KScore, KMeans)> {
        let runs = self.n_init.max(2);
        let mut fits = Vec::with_capacity(runs);
        for i in 0..runs {
            let seed = mix(self.seed, k as u64, i as u64);
            fits.push(KMeans::params(k).n_init(1).seed(seed).fit(xs)?);
        }
        let mut pairs = 0usize;
        let mut ari = 0.0;
        for i in 0..fits.len() {
            for j in i + 1..fits.len() {
                ari += seg_validate::adjusted_rand_index(fits[i].labels(), fits[j].labels())
                    .map_err(metric)?;
                pairs += 1;
            }
        }
        let stability = ari / pairs.max(1) as f64;
        // The first fit of lowest inertia.
        let best = (1..fits.len()).fold(0, |b, i| {
            if fits[i].inertia() < fits[b].inertia() {
                i
            } else {
                b
            }
        });
        let model = fits.swap_remove(best);
        drop(fits);
        let labels = model.labels();
        let m = xs.nrows();
        let silhouette = if m <= self.silhouette_sample {
            seg_validate::silhouette_score(xs, labels)
        } else {
            seg_validate::silhouette_score_stratified(
                xs,
                labels,
                self.silhouette_sample,
                mix(self.seed, k as u64, SILHOUETTE_STREAM),
            )
        }
        .map_err(metric)?;
        let davies_bouldin = seg_validate::davies_bouldin_score(xs, labels).map_err(metric)?;
        let calinski_harabasz =
            seg_validate::calinski_harabasz_score(xs, labels).map_err(metric)?;
        let mut counts = vec![0usize; k];
        for &l in labels {
            if let Some(c) = counts.get_mut(l) {
                *c += 1;
            }
        }
        let smallest = counts.iter().copied().min().unwrap_or(0);
        let score = KScore {
            k,
            silhouette,
            davies_bouldin,
            calinski_harabasz,
            inertia: model.inertia(),
            min_cluster_share: smallest as f64 / m as f64,
            stability: stability.clamp(-1.0, 1.0),
            eligible: true,
        };
        Ok((score, model))
    }
}

/// Streams of the seed mixer beyond the fits' indices.
const SAMPLE_STREAM: u64 = u64::MAX;
const SILHOUETTE_STREAM: u64 = u64::MAX - 1;

/// A seed for (`seed`, `k`, `stream`): SplitMix64 finalisers over the
/// three values, so that nearby inputs give unrelated seeds.
fn mix(seed: u64, k: u64, stream: u64) -> u64 {
    fn splitmix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    splitmix(splitmix(splitmix(seed) ^ k) ^ stream)
}

/// `rows` rows of `x` drawn uniformly without replacement, in their
/// original order.
fn uniform_sample(x: ArrayView2<'_, f64>, rows: usize, seed: u64) -> Array2<f64> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut idx = rand::seq::index::sample(&mut rng, x.nrows(), rows).into_vec();
    idx.sort_unstable();
    x.select(Axis(0), &idx)
}

fn metric(source: seg_validate::ValidateError) -> ClusterError {
    ClusterError::Metric { source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_of_nearby_inputs_differ() {
        let mut seen: Vec<u64> = Vec::new();
        for k in 2..=8 {
            for i in 0..3 {
                seen.push(mix(0, k, i));
            }
        }
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 21);
    }

    #[test]
    fn auto_k_rejects_n_init_usize_max() {
        let x = ndarray::Array2::from_shape_fn((30, 1), |(i, _)| {
            (i % 3) as f64 * 10.0 + i as f64 * 0.01
        });
        for n_init in [usize::MAX, 1 << 40] {
            let err = AutoK::params()
                .k_range(2..=3)
                .n_init(n_init)
                .fit(x.view())
                .unwrap_err();
            assert!(
                matches!(&err, ClusterError::InvalidParameter { parameter: "n_init", value, .. } if *value == n_init.to_string()),
                "{err:?}"
            );
        }
    }

    #[test]
    fn auto_k_rejects_a_k_range_up_to_usize_max() {
        let x = ndarray::Array2::from_shape_fn((30, 1), |(i, _)| i as f64);
        // No sample can exceed the largest k: named when checked.
        let err = AutoK::params()
            .k_range(2..=usize::MAX)
            .sample_size(None)
            .fit(x.view())
            .unwrap_err();
        assert!(
            matches!(
                err,
                ClusterError::InvalidParameter {
                    parameter: "silhouette_sample",
                    ..
                }
            ),
            "{err:?}"
        );
        // A largest k that is not below the rows.
        let err = AutoK::params()
            .k_range(2..=30)
            .sample_size(None)
            .fit(x.view())
            .unwrap_err();
        assert!(
            matches!(
                err,
                ClusterError::InvalidParameter {
                    parameter: "k_range",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn auto_k_with_sample_sizes_usize_max_uses_every_row() {
        let x = ndarray::Array2::from_shape_fn((30, 1), |(i, _)| {
            (i % 3) as f64 * 10.0 + i as f64 * 0.01
        });
        let fit = AutoK::params()
            .k_range(2..=3)
            .sample_size(Some(usize::MAX))
            .silhouette_sample(usize::MAX)
            .fit(x.view())
            .unwrap();
        assert_eq!(fit.model().labels().len(), 30);
    }

    #[test]
    fn min_share_nan_is_rejected() {
        let err = AutoK::params().min_share(f64::NAN).check().unwrap_err();
        assert!(matches!(
            err,
            ClusterError::InvalidParameter {
                parameter: "min_share",
                ..
            }
        ));
    }
}
