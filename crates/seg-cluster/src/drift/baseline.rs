//! The training baseline of drift monitoring: quantile bins and shares
//! per feature, segment shares, the distribution of distances to the
//! nearest centre and a reference sample per feature.

use ndarray::ArrayView2;
use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};

use crate::error::{ClusterError, Result};
use crate::input::{allocate, checked, row_major};
use crate::kernel;
use crate::model::KMeans;

/// The artifact named in the errors of a saved [`Baseline`].
pub(crate) const BASELINE: &str = "drift baseline";

/// The `"format"` field of a saved [`Baseline`].
pub const BASELINE_FORMAT: &str = "seg-cluster/drift-baseline";
/// The `"format_version"` of a [`Baseline`] this crate writes and reads.
pub const BASELINE_FORMAT_VERSION: u64 = 1;

/// The most quantile bins per feature a [`Baseline`] accepts.
pub const MAX_BINS: usize = 1_000;
/// The largest reference sample per feature a [`Baseline`] accepts.
pub const MAX_REFERENCE_SAMPLE: usize = 100_000;

/// Parameters of [`Baseline::fit`].
///
/// Defaults: 10 quantile bins per feature (and for the distances to the
/// nearest centre), a reference sample of 1,000 rows for the
/// Kolmogorov-Smirnov tests, seed 0.
///
/// # Example
///
/// ```
/// use seg_cluster::BaselineParams;
///
/// let p = BaselineParams::default().bins(20).sample_size(500).seed(3);
/// assert_eq!((p.n_bins(), p.n_sample(), p.seed_value()), (20, 500, 3));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineParams {
    bins: usize,
    sample_size: usize,
    seed: u64,
}

impl Default for BaselineParams {
    fn default() -> Self {
        BaselineParams {
            bins: 10,
            sample_size: 1_000,
            seed: 0,
        }
    }
}

impl BaselineParams {
    /// Quantile bins per feature, in `2..=`[`MAX_BINS`] (default 10).
    /// Features with few distinct values get fewer (see [`Baseline`]).
    ///
    /// Checked by [`Baseline::fit`]; see the chain example on [`BaselineParams`].
    pub fn bins(mut self, bins: usize) -> Self {
        self.bins = bins;
        self
    }

    /// Rows kept as the reference sample of every feature, for the
    /// Kolmogorov-Smirnov tests of a batch report, in
    /// `0..=`[`MAX_REFERENCE_SAMPLE`] (default 1,000; 0 keeps none and
    /// reports no test). All rows when the training data has fewer.
    ///
    /// Checked by [`Baseline::fit`]; see the chain example on [`BaselineParams`].
    pub fn sample_size(mut self, n: usize) -> Self {
        self.sample_size = n;
        self
    }

    /// The seed of the reference sample (default 0).
    ///
    /// See the chain example on [`BaselineParams`].
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of quantile bins.
    ///
    /// # Example
    /// ```
    /// assert_eq!(seg_cluster::BaselineParams::default().n_bins(), 10);
    /// ```
    pub fn n_bins(&self) -> usize {
        self.bins
    }

    /// The size of the reference sample.
    ///
    /// # Example
    /// ```
    /// assert_eq!(seg_cluster::BaselineParams::default().n_sample(), 1_000);
    /// ```
    pub fn n_sample(&self) -> usize {
        self.sample_size
    }

    /// The seed of the reference sample.
    ///
    /// # Example
    /// ```
    /// assert_eq!(seg_cluster::BaselineParams::default().seed(9).seed_value(), 9);
    /// ```
    pub fn seed_value(&self) -> u64 {
        self.seed
    }

    fn check(&self) -> Result<()> {
        if !(2..=MAX_BINS).contains(&self.bins) {
            return Err(ClusterError::InvalidParameter {
                parameter: "bins",
                value: self.bins.to_string(),
                reason: "must be in 2..=1000",
            });
        }
        if self.sample_size > MAX_REFERENCE_SAMPLE {
            return Err(ClusterError::InvalidParameter {
                parameter: "sample_size",
                value: self.sample_size.to_string(),
                reason: "must be at most 100000",
            });
        }
        Ok(())
    }
}

/// Bin edges and the training share of each bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Histogram {
    /// Strictly increasing finite edges; `edges.len() + 1` bins.
    pub(crate) edges: Vec<f64>,
    /// The training share of each bin, summing to 1.
    pub(crate) shares: Vec<f64>,
}

impl Histogram {
    /// The bin of `v`: the number of edges strictly below it. Bins are
    /// (−∞, e₁], (e₁, e₂], …, (e_last, ∞). O(log bins), no allocation.
    #[inline]
    pub(crate) fn bin(&self, v: f64) -> usize {
        self.edges.partition_point(|&e| e < v)
    }

    /// Quantile bins of `values` (reordered in place; non-empty, finite).
    fn fit(values: &mut [f64], bins: usize) -> Histogram {
        let n = values.len();
        let edges = match distinct_up_to(values, bins - 1) {
            // Few distinct values (discrete, one-hot, constant): one bin
            // per value, plus the bin above the maximum.
            Some(distinct) => distinct,
            None => {
                let mut edges: Vec<f64> = Vec::with_capacity(bins - 1);
                // Inverted-CDF quantiles: edge b is the smallest value whose
                // empirical CDF reaches b / bins, always an observed value.
                // The positions increase, so each selection runs on what
                // lies right of the previous one.
                let mut lo = 0;
                for b in 1..bins {
                    let pos = ((b as u128 * n as u128).div_ceil(bins as u128) as usize)
                        .saturating_sub(1)
                        .max(lo);
                    let (_, v, _) = values[lo..].select_nth_unstable_by(pos - lo, f64::total_cmp);
                    let v = *v;
                    lo = pos;
                    // Repeated edges (atoms of the distribution) collapse.
                    if edges.last().is_none_or(|&last| v > last) {
                        edges.push(v);
                    }
                }
                edges
            }
        };
        let mut h = Histogram {
            shares: vec![0.0; edges.len() + 1],
            edges,
        };
        let mut counts = vec![0u64; h.shares.len()];
        for &v in values.iter() {
            counts[h.bin(v)] += 1;
        }
        for (s, c) in h.shares.iter_mut().zip(counts) {
            *s = c as f64 / n as f64;
        }
        h
    }
}

/// The baseline's bins of one column of values (see [`Baseline`],
/// "Binning"): the bin edges and the share of `values` in each bin, for
/// `bins` bins (fewer for few distinct values or atoms). `values` is
/// reordered in place. A pipeline bins its raw numeric fields with it, so
/// that raw fields and features share one binning.
///
/// # Errors
///
/// [`ClusterError::InvalidParameter`] naming `bins` outside 2..=[`MAX_BINS`],
/// [`ClusterError::EmptySample`] for no values,
/// [`ClusterError::NonFiniteSample`] for a NaN or infinite value.
///
/// # Example
///
/// ```
/// let mut v: Vec<f64> = (0..100).map(f64::from).collect();
/// let (edges, shares) = seg_cluster::quantile_bins(&mut v, 4)?;
/// assert_eq!(edges, [24.0, 49.0, 74.0]);
/// assert_eq!(shares, [0.25; 4]);
/// // Few distinct values: a bin per value and one above the maximum.
/// let (edges, shares) = seg_cluster::quantile_bins(&mut [1.0, 1.0, 2.0, 3.0], 10)?;
/// assert_eq!((edges, shares), (vec![1.0, 2.0, 3.0], vec![0.5, 0.25, 0.25, 0.0]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn quantile_bins(values: &mut [f64], bins: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    BaselineParams::default().bins(bins).check()?;
    if values.is_empty() {
        return Err(ClusterError::EmptySample {
            parameter: "values",
        });
    }
    if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(ClusterError::NonFiniteSample {
            parameter: "values",
            index,
            value,
        });
    }
    let h = Histogram::fit(values, bins);
    Ok((h.edges, h.shares))
}

/// The sorted distinct values of `values` when there are at most
/// `limit`, else `None` (the scan stops there). O(n·log limit).
fn distinct_up_to(values: &[f64], limit: usize) -> Option<Vec<f64>> {
    let mut distinct: Vec<f64> = Vec::with_capacity(limit.min(64));
    for &v in values {
        if let Err(at) = distinct.binary_search_by(|d| d.total_cmp(&v)) {
            if distinct.len() == limit {
                return None;
            }
            distinct.insert(at, v);
        }
    }
    // -0.0 and 0.0 are one value for the bins.
    distinct.dedup_by(|a, b| a == b);
    Some(distinct)
}

/// Why the bins `edges`, `shares` are invalid, if they are.
fn check_histogram(
    edges: &[f64],
    shares: &[f64],
    what: &str,
    max_bins: usize,
) -> std::result::Result<(), String> {
    if edges.len() >= max_bins {
        return Err(format!(
            "{what}: {} edges, more than bins - 1 = {}",
            edges.len(),
            max_bins - 1
        ));
    }
    if let Some(e) = edges.iter().find(|e| !e.is_finite()) {
        return Err(format!("{what}: edge {e} is not finite"));
    }
    if let Some(w) = edges.windows(2).find(|w| w[0] >= w[1]) {
        return Err(format!(
            "{what}: edges {} and {} are not strictly increasing",
            w[0], w[1]
        ));
    }
    if shares.len() != edges.len() + 1 {
        return Err(format!(
            "{what}: {} shares for {} edges (expected one more share than edges)",
            shares.len(),
            edges.len()
        ));
    }
    check_shares(shares, what)
}

/// Why `shares` is not a distribution (finite, in [0, 1], summing to 1
/// within 1e-9), if it is not.
fn check_shares(shares: &[f64], what: &str) -> std::result::Result<(), String> {
    if let Some(s) = shares
        .iter()
        .find(|s| !(s.is_finite() && (0.0..=1.0).contains(*s)))
    {
        return Err(format!("{what}: share {s} is not in [0, 1]"));
    }
    let total: f64 = shares.iter().sum();
    if (total - 1.0).abs() > 1e-9 {
        return Err(format!("{what}: shares sum to {total}, not 1"));
    }
    Ok(())
}

/// The baseline of one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeatureBaseline {
    /// Quantile bin edges.
    pub(crate) edges: Vec<f64>,
    /// Training share of each bin.
    pub(crate) shares: Vec<f64>,
    /// The reference sample, sorted.
    pub(crate) sample: Vec<f64>,
}

impl FeatureBaseline {
    fn histogram(&self) -> HistogramRef<'_> {
        HistogramRef {
            edges: &self.edges,
            shares: &self.shares,
        }
    }
}

/// Borrowed edges and shares (the bins of a feature or of the distances).
#[derive(Clone, Copy)]
pub(crate) struct HistogramRef<'a> {
    pub(crate) edges: &'a [f64],
    pub(crate) shares: &'a [f64],
}

impl HistogramRef<'_> {
    /// As [`Histogram::bin`].
    #[inline]
    pub(crate) fn bin(&self, v: f64) -> usize {
        self.edges.partition_point(|&e| e < v)
    }
}

/// What a fitted model's training data looked like, for drift reports:
/// per-feature quantile bins and the training share of each bin, the
/// share of each segment, the distribution of the distances to the
/// nearest centre, and a bounded reference sample per feature.
///
/// Size: O(d × bins + d × sample + k), whatever the number of training
/// rows.
///
/// # Binning
///
/// For B bins (default 10): a feature with at most B − 1 distinct
/// training values (discrete, one-hot, constant) gets one edge per value,
/// so one bin per value plus the bin above the maximum (a 0/1 feature gets
/// {0}, {1} and (1, ∞)); other features get as edges their inverted-CDF
/// quantiles at 1/B, 2/B, …, (B−1)/B, each the smallest training value
/// whose empirical CDF reaches b/B (always an observed value), with
/// repeated edges (atoms) collapsed, so there may be fewer bins.
/// A value v falls in bin i = the number of edges strictly below v, that
/// is the bins are (−∞, e₁], (e₁, e₂], …, (e_last, ∞) (numpy's
/// `digitize(v, edges, right=True)`). Values below the training range fall
/// in the first bin. When the last edge is the training maximum, the last
/// bin is empty in training and values above the maximum (a one-hot
/// category unseen in training, a count beyond every training count) are
/// drift: their expected share is floored at [`PSI_EPSILON`](crate::PSI_EPSILON).
///
/// The distances to the nearest centre are binned the same way.
///
/// # Saved form
///
/// Serialises (serde, or [`to_json`](Self::to_json)) with
/// `"format": "seg-cluster/drift-baseline"`, `"format_version": 1`; loads
/// through the checks of [`fit`](Self::fit)'s output (sizes consistent,
/// edges finite and strictly increasing, shares finite in [0, 1] summing
/// to 1, reference samples finite, sorted and of equal length).
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use seg_cluster::{Baseline, BaselineParams, DriftLevel, KMeans};
///
/// let x = Array2::from_shape_fn((400, 2), |(i, j)| (i % 4) as f64 * 10.0 + ((i * 7 + j * 3) % 13) as f64 * 0.1);
/// let model = KMeans::params(4).seed(1).fit(x.view())?;
/// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
/// assert_eq!((baseline.n_features(), baseline.k()), (2, 4));
///
/// // The training data against itself: no drift.
/// let report = baseline.report(&model, x.view())?;
/// assert_eq!(report.score, 0.0);
/// assert_eq!(report.level, DriftLevel::Stable);
///
/// let restored = Baseline::from_json(&baseline.to_json()?)?;
/// assert_eq!(restored, baseline);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "BaselineFile")]
pub struct Baseline {
    pub(crate) n_rows: usize,
    pub(crate) bins: usize,
    pub(crate) sample_size: usize,
    pub(crate) seed: u64,
    pub(crate) features: Vec<FeatureBaseline>,
    pub(crate) cluster_shares: Vec<f64>,
    pub(crate) distance: Histogram,
    pub(crate) mean_distance: f64,
}

/// The JSON layout of a [`Baseline`] (its raw mirror, unchecked).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BaselineFile {
    format: String,
    format_version: u64,
    n_rows: usize,
    n_features: usize,
    k: usize,
    bins: usize,
    sample_size: usize,
    seed: u64,
    features: Vec<FeatureBaseline>,
    cluster_shares: Vec<f64>,
    distance: Histogram,
    mean_distance: f64,
}

impl Baseline {
    /// The baseline of a model's training data `x` (rows as given to the
    /// fit): assigns every row to its nearest centre of `model`, then
    /// bins every feature and the distances to the nearest centre at
    /// their quantiles, counts the segment shares and draws the reference
    /// sample (rows chosen without replacement with the seed; all rows
    /// when fewer than the sample size).
    ///
    /// O(n·k·d) for the assignment plus O(n·d·log bins) for the bins;
    /// memory O(n) beyond the result.
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidParameter`] naming `bins` or `sample_size`,
    /// [`ClusterError::DimensionMismatch`] when `x` has another number of
    /// features than the model, [`ClusterError::EmptyInput`],
    /// [`ClusterError::NonFinite`] naming row and column,
    /// [`ClusterError::Overflow`] when distances overflow, and
    /// [`ClusterError::OutOfMemory`].
    ///
    /// # Example
    ///
    /// See [`Baseline`] for a drift report; in short:
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// assert_eq!(baseline.n_rows(), 4);
    /// assert!(Baseline::fit(x.view(), &model, &BaselineParams::default().bins(1)).is_err());
    /// assert!(Baseline::fit(array![[0.0, 1.0]].view(), &model, &BaselineParams::default()).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(
        x: ArrayView2<'_, f64>,
        model: &KMeans,
        params: &BaselineParams,
    ) -> Result<Baseline> {
        Self::fit_data(x, model, params, false)
    }

    /// [`fit`](Self::fit) on data the caller has already checked
    /// non-empty and finite (the training data of a segment model), so
    /// that it is not scanned again.
    pub(crate) fn fit_checked(
        x: ArrayView2<'_, f64>,
        model: &KMeans,
        params: &BaselineParams,
    ) -> Result<Baseline> {
        Self::fit_data(x, model, params, true)
    }

    /// [`fit`](Self::fit), the data's check skipped when `data_checked`.
    fn fit_data(
        x: ArrayView2<'_, f64>,
        model: &KMeans,
        params: &BaselineParams,
        data_checked: bool,
    ) -> Result<Baseline> {
        params.check()?;
        let d = model.n_features();
        if x.ncols() != d && x.nrows() > 0 {
            return Err(ClusterError::DimensionMismatch {
                expected: d,
                got: x.ncols(),
            });
        }
        let data = if data_checked {
            row_major(&x)?
        } else {
            checked(&x)?
        };
        let n = x.nrows();
        let k = model.k();
        let mut distances: Vec<f64> = allocate(n)?;
        let mut clusters = vec![0u64; k];
        let mut sum = 0.0;
        for row in data.chunks_exact(d) {
            let (c, d2) = kernel::nearest_one(row, &model.packed, &mut []);
            let dist = d2.max(0.0).sqrt();
            if let Some(count) = clusters.get_mut(c) {
                *count += 1;
            }
            sum += dist;
            distances.push(dist);
        }
        let mean_distance = sum / n as f64;
        if !mean_distance.is_finite() {
            return Err(ClusterError::Overflow);
        }
        let cluster_shares = clusters.iter().map(|&c| c as f64 / n as f64).collect();
        let distance = Histogram::fit(&mut distances, params.bins);

        let rows: Vec<usize> = if n <= params.sample_size {
            (0..n).collect()
        } else {
            let mut rng = Pcg64Mcg::seed_from_u64(params.seed);
            let mut rows = rand::seq::index::sample(&mut rng, n, params.sample_size).into_vec();
            rows.sort_unstable();
            rows
        };
        let mut column = distances;
        let mut features = Vec::with_capacity(d);
        for j in 0..d {
            column.clear();
            column.extend(data.iter().skip(j).step_by(d));
            let h = Histogram::fit(&mut column, params.bins);
            let mut sample: Vec<f64> = rows.iter().map(|&i| data[i * d + j]).collect();
            sample.sort_unstable_by(f64::total_cmp);
            features.push(FeatureBaseline {
                edges: h.edges,
                shares: h.shares,
                sample,
            });
        }
        let baseline = Baseline {
            n_rows: n,
            bins: params.bins,
            sample_size: params.sample_size,
            seed: params.seed,
            features,
            cluster_shares,
            distance,
            mean_distance,
        };
        baseline.check().map_err(invalid)?;
        Ok(baseline)
    }

    /// The one check of every baseline, fitted or loaded.
    fn check(&self) -> std::result::Result<(), String> {
        if self.n_rows == 0 {
            return Err("n_rows must be positive".into());
        }
        if !(2..=MAX_BINS).contains(&self.bins) {
            return Err(format!("bins = {} is not in 2..={MAX_BINS}", self.bins));
        }
        if self.sample_size > MAX_REFERENCE_SAMPLE {
            return Err(format!(
                "sample_size = {} is above {MAX_REFERENCE_SAMPLE}",
                self.sample_size
            ));
        }
        if self.features.is_empty() {
            return Err("no features".into());
        }
        if self.cluster_shares.is_empty() {
            return Err("no cluster shares".into());
        }
        check_shares(&self.cluster_shares, "cluster shares")?;
        let sample = self.sample_size.min(self.n_rows);
        for (j, f) in self.features.iter().enumerate() {
            let what = format!("feature {j}");
            check_histogram(&f.edges, &f.shares, &what, self.bins)?;
            if f.sample.len() != sample {
                return Err(format!(
                    "{what}: reference sample of {} values, expected min(sample_size, n_rows) = {sample}",
                    f.sample.len()
                ));
            }
            if let Some(v) = f.sample.iter().find(|v| !v.is_finite()) {
                return Err(format!("{what}: reference value {v} is not finite"));
            }
            if f.sample.windows(2).any(|w| w[0] > w[1]) {
                return Err(format!("{what}: reference sample is not sorted"));
            }
        }
        check_histogram(
            &self.distance.edges,
            &self.distance.shares,
            "distances",
            self.bins,
        )?;
        if self.distance.edges.first().is_some_and(|&e| e < 0.0) {
            return Err("distances: negative edge".into());
        }
        if !(self.mean_distance.is_finite() && self.mean_distance >= 0.0) {
            return Err(format!(
                "mean distance {} is not finite and >= 0",
                self.mean_distance
            ));
        }
        Ok(())
    }

    /// Training rows the baseline was computed from.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// assert_eq!(Baseline::fit(x.view(), &model, &BaselineParams::default())?.n_rows(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Features (columns) of the training data.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans};
    /// let x = array![[0.0, 5.0], [1.0, 5.0], [10.0, 6.0], [11.0, 6.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// assert_eq!(Baseline::fit(x.view(), &model, &BaselineParams::default())?.n_features(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.features.len()
    }

    /// Clusters of the model the baseline was computed with.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// assert_eq!(Baseline::fit(x.view(), &model, &BaselineParams::default())?.k(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn k(&self) -> usize {
        self.cluster_shares.len()
    }

    /// The number of quantile bins requested per feature (features with
    /// repeated quantiles have fewer; see [`Baseline`]).
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default().bins(4))?;
    /// assert_eq!(baseline.bins(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// The bin edges of feature `j` (one fewer than its bins), or `None`
    /// for `j ≥ n_features`.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// // Four distinct values, fewer than the 10 bins: one edge per value.
    /// assert_eq!(baseline.edges(0), Some(&[0.0, 1.0, 10.0, 11.0][..]));
    /// assert_eq!(baseline.edges(1), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn edges(&self, j: usize) -> Option<&[f64]> {
        self.features.get(j).map(|f| f.edges.as_slice())
    }

    /// The training share of each bin of feature `j`, or `None` for
    /// `j ≥ n_features`.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// // One bin per value, and the empty bin above the training maximum.
    /// assert_eq!(baseline.shares(0), Some(&[0.25, 0.25, 0.25, 0.25, 0.0][..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shares(&self, j: usize) -> Option<&[f64]> {
        self.features.get(j).map(|f| f.shares.as_slice())
    }

    /// The sorted reference sample of feature `j` (empty when the
    /// sample size is 0), or `None` for `j ≥ n_features`.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans};
    /// let x = array![[11.0], [0.0], [10.0], [1.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// // Fewer rows than the sample size: all of them, sorted.
    /// assert_eq!(baseline.reference_sample(0), Some(&[0.0, 1.0, 10.0, 11.0][..]));
    /// let none = Baseline::fit(x.view(), &model, &BaselineParams::default().sample_size(0))?;
    /// assert_eq!(none.reference_sample(0), Some(&[][..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reference_sample(&self, j: usize) -> Option<&[f64]> {
        self.features.get(j).map(|f| f.sample.as_slice())
    }

    /// The share of the training rows nearest to each centre.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans};
    /// let x = array![[0.0], [1.0], [2.0], [10.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let mut shares = baseline.cluster_shares().to_vec();
    /// shares.sort_by(f64::total_cmp);
    /// assert_eq!(shares, [0.25, 0.75]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cluster_shares(&self) -> &[f64] {
        &self.cluster_shares
    }

    /// The bin edges of the distances to the nearest centre.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// // Every row is 0.5 from its centre: a single distinct distance.
    /// assert_eq!(baseline.distance_edges(), [0.5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn distance_edges(&self) -> &[f64] {
        &self.distance.edges
    }

    /// The training share of each bin of the distances to the nearest
    /// centre.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// assert_eq!(baseline.distance_shares(), [1.0, 0.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn distance_shares(&self) -> &[f64] {
        &self.distance.shares
    }

    /// The mean Euclidean distance of the training rows to their nearest
    /// centre.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// assert_eq!(baseline.mean_distance(), 0.5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mean_distance(&self) -> f64 {
        self.mean_distance
    }

    /// A copy without the per-feature parts (`features` empty).
    pub(crate) fn clone_without_features(&self) -> Baseline {
        Baseline {
            n_rows: self.n_rows,
            bins: self.bins,
            sample_size: self.sample_size,
            seed: self.seed,
            features: Vec::new(),
            cluster_shares: self.cluster_shares.clone(),
            distance: self.distance.clone(),
            mean_distance: self.mean_distance,
        }
    }

    /// The bins of every feature, in order.
    pub(crate) fn feature_bins(&self) -> impl Iterator<Item = HistogramRef<'_>> {
        self.features.iter().map(FeatureBaseline::histogram)
    }

    /// [`ClusterError::BaselineMismatch`] unless `model` has the
    /// baseline's features and clusters.
    pub(crate) fn check_model(&self, model: &KMeans) -> Result<()> {
        if model.n_features() != self.n_features() || model.k() != self.k() {
            return Err(ClusterError::BaselineMismatch {
                baseline_features: self.n_features(),
                baseline_k: self.k(),
                model_features: model.n_features(),
                model_k: model.k(),
            });
        }
        Ok(())
    }

    /// The baseline as JSON (see [`Baseline`]'s saved form). Floats
    /// round-trip exactly.
    ///
    /// # Errors
    ///
    /// [`ClusterError::Json`] if serialisation fails (it does not: every
    /// number of a baseline is finite).
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{BASELINE_FORMAT, Baseline, BaselineParams, KMeans};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let json = baseline.to_json()?;
    /// assert!(json.contains(BASELINE_FORMAT));
    /// assert_eq!(Baseline::from_json(&json)?, baseline);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|source| ClusterError::Json {
            artifact: BASELINE,
            source,
        })
    }

    /// A baseline from [`to_json`](Self::to_json)'s output, validated as
    /// [`fit`](Self::fit)'s output is.
    ///
    /// # Errors
    ///
    /// [`ClusterError::UnsupportedFormat`] for another format or version,
    /// [`ClusterError::Json`] for text that is not JSON of a baseline's
    /// shape, [`ClusterError::InvalidArtifact`] for inconsistent content.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_cluster::{Baseline, ClusterError};
    ///
    /// assert!(matches!(Baseline::from_json("{\"format\":"), Err(ClusterError::Json { .. })));
    /// ```
    pub fn from_json(json: &str) -> Result<Baseline> {
        let file: BaselineFile =
            crate::artifact::read_json(json, BASELINE, (BASELINE_FORMAT, BASELINE_FORMAT_VERSION))?;
        Baseline::try_from(file)
    }
}

/// An [`ClusterError::InvalidArtifact`] naming the baseline.
fn invalid(reason: String) -> ClusterError {
    ClusterError::InvalidArtifact {
        artifact: BASELINE,
        reason,
    }
}

impl From<&Baseline> for BaselineFile {
    fn from(b: &Baseline) -> Self {
        BaselineFile {
            format: BASELINE_FORMAT.into(),
            format_version: BASELINE_FORMAT_VERSION,
            n_rows: b.n_rows,
            n_features: b.n_features(),
            k: b.k(),
            bins: b.bins,
            sample_size: b.sample_size,
            seed: b.seed,
            features: b.features.clone(),
            cluster_shares: b.cluster_shares.clone(),
            distance: b.distance.clone(),
            mean_distance: b.mean_distance,
        }
    }
}

impl TryFrom<BaselineFile> for Baseline {
    type Error = ClusterError;

    /// The format and version, `n_features` and `k` against the arrays,
    /// then the checks of every baseline.
    fn try_from(f: BaselineFile) -> Result<Self> {
        crate::artifact::check_format(
            BASELINE,
            (&f.format, f.format_version),
            (BASELINE_FORMAT, BASELINE_FORMAT_VERSION),
        )?;
        if f.features.len() != f.n_features {
            return Err(invalid(format!(
                "{} features for n_features = {}",
                f.features.len(),
                f.n_features
            )));
        }
        if f.cluster_shares.len() != f.k {
            return Err(invalid(format!(
                "{} cluster shares for k = {}",
                f.cluster_shares.len(),
                f.k
            )));
        }
        let b = Baseline {
            n_rows: f.n_rows,
            bins: f.bins,
            sample_size: f.sample_size,
            seed: f.seed,
            features: f.features,
            cluster_shares: f.cluster_shares,
            distance: f.distance,
            mean_distance: f.mean_distance,
        };
        b.check().map_err(invalid)?;
        Ok(b)
    }
}

impl Serialize for Baseline {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        BaselineFile::from(self).serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hot_feature_gets_a_bin_per_value() {
        let mut v: Vec<f64> = (0..100).map(|i| if i < 80 { 0.0 } else { 1.0 }).collect();
        let h = Histogram::fit(&mut v, 10);
        assert_eq!(h.edges, vec![0.0, 1.0]);
        assert_eq!(h.shares, vec![0.8, 0.2, 0.0]);
        assert_eq!(
            (h.bin(0.0), h.bin(1.0), h.bin(-3.0), h.bin(0.5), h.bin(2.0)),
            (0, 1, 0, 1, 2)
        );
    }

    #[test]
    fn constant_feature_gets_a_bin_for_larger_values() {
        let mut v = vec![2.5; 50];
        let h = Histogram::fit(&mut v, 10);
        assert_eq!(h.edges, vec![2.5]);
        assert_eq!(h.shares, vec![1.0, 0.0]);
    }

    #[test]
    fn continuous_feature_gets_equal_bins() {
        let mut v: Vec<f64> = (0..1000).rev().map(f64::from).collect();
        let h = Histogram::fit(&mut v, 10);
        assert_eq!(
            h.edges,
            (1..10).map(|b| f64::from(b * 100 - 1)).collect::<Vec<_>>()
        );
        assert!(h.shares.iter().all(|&s| s == 0.1));
    }

    #[test]
    fn atoms_of_a_many_valued_feature_collapse() {
        // 50% zeros then 50 distinct values: the first five quantiles are 0.
        let mut v: Vec<f64> = (0..100)
            .map(|i| if i < 50 { 0.0 } else { f64::from(i) })
            .collect();
        let h = Histogram::fit(&mut v, 10);
        assert_eq!(h.edges, vec![0.0, 59.0, 69.0, 79.0, 89.0]);
        assert_eq!(h.shares, vec![0.5, 0.1, 0.1, 0.1, 0.1, 0.1]);
    }

    #[test]
    fn more_bins_than_rows_collapse() {
        let mut v = vec![3.0, 1.0, 2.0];
        let h = Histogram::fit(&mut v, 10);
        assert_eq!(h.edges, vec![1.0, 2.0, 3.0]);
        assert_eq!(h.shares.len(), 4);
    }
}
