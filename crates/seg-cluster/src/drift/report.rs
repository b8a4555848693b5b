//! The drift report of a batch (or of a monitor's window) against a
//! baseline, and the weighted tallies both are computed from.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use super::baseline::Baseline;
use super::counts::WindowCounts;
use super::ks::ks_sorted;
use super::psi::psi_of_weights;
use super::significance::{DEFAULT_ALPHA, NullMethod, PsiTest, test_shares, verdict};
use crate::error::{ClusterError, Result};
use crate::input::{allocate, checked};
use crate::kernel::{self, Packed};
use crate::model::KMeans;

/// How far a batch is from the baseline.
///
/// The level of a report ([`verdict`](crate::verdict)) needs two things:
/// a PSI that is significant once the family-wise error rate over all of
/// the report's PSIs is kept at α (Holm), and a size above the usual
/// cut-offs of the population stability index (from credit scoring; 0.2
/// is also the retraining threshold): Stable below 0.1, Moderate from 0.1
/// to 0.2, Significant above 0.2 ([`from_score`](Self::from_score)). A
/// PSI alone is not an error rate: without drift it is about
/// (B − 1)(1/n + 1/N) for B bins, n batch rows and N training rows, so a
/// 30-row batch over 10 bins scores about 0.3. Hence:
///
/// - a batch drawn from the training distribution reads Stable with
///   probability at least 1 − α at every size;
/// - a real shift too small to matter (PSI below 0.1) reads Stable however
///   large the batch;
/// - a significant shift in a batch too small to size it (PSI's no-drift
///   expectation above [`MAX_NOISE_PSI`](crate::MAX_NOISE_PSI), and the
///   PSI below [`SIZE_RATIO`](crate::SIZE_RATIO) times it) reads
///   Insufficient: collect more rows.
///
/// # Example
///
/// ```
/// use seg_cluster::DriftLevel;
///
/// assert_eq!(DriftLevel::from_score(0.05), DriftLevel::Stable);
/// assert_eq!(DriftLevel::from_score(0.1), DriftLevel::Moderate);
/// assert_eq!(DriftLevel::from_score(0.2), DriftLevel::Moderate);
/// assert_eq!(DriftLevel::from_score(0.25), DriftLevel::Significant);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftLevel {
    /// No significant PSI, or none of 0.1 or more.
    Stable,
    /// A significant PSI from 0.1 to 0.2 (both included).
    Moderate,
    /// A significant PSI above 0.2 (or NaN).
    Significant,
    /// A significant PSI in a batch too small to tell its size.
    Insufficient,
}

impl DriftLevel {
    /// The level of a PSI by the conventional cut-offs alone (no test).
    ///
    /// # Example
    /// ```
    /// use seg_cluster::DriftLevel;
    /// assert_eq!(DriftLevel::from_score(0.0), DriftLevel::Stable);
    /// assert_eq!(DriftLevel::from_score(0.15), DriftLevel::Moderate);
    /// assert_eq!(DriftLevel::from_score(f64::NAN), DriftLevel::Significant);
    /// ```
    pub fn from_score(score: f64) -> DriftLevel {
        if score < 0.1 {
            DriftLevel::Stable
        } else if score <= 0.2 {
            DriftLevel::Moderate
        } else {
            DriftLevel::Significant
        }
    }
}

/// The drift of one feature in a [`DriftReport`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureDrift {
    /// The position of the feature (column) in the data; names live in
    /// the segment model.
    pub index: usize,
    /// The population stability index of the batch on the baseline's
    /// quantile bins of this feature.
    pub psi: f64,
    /// PSI's expectation without drift at this batch size
    /// ([`PsiTest::expected_psi`](crate::PsiTest::expected_psi)).
    pub expected_psi: f64,
    /// The probability of a PSI at least this large without drift
    /// ([`psi_test`](crate::psi_test)), before the correction for the
    /// report's many tests.
    pub p_value: f64,
    /// How that p-value's no-drift distribution was obtained.
    pub method: NullMethod,
    /// Whether this PSI is significant after Holm's correction over all the
    /// report's PSIs at the report's `alpha`.
    pub significant: bool,
    /// The Kolmogorov-Smirnov statistic of the batch's values against
    /// the baseline's reference sample; `None` in a streaming report
    /// (which keeps no raw values) or when the baseline has no sample.
    pub ks_statistic: Option<f64>,
    /// The p-value of that test ([`ks_two_sample`](crate::ks_two_sample):
    /// exact up to 10^7 = batch rows × sample rows, Kolmogorov's limit
    /// above); `None` as `ks_statistic`.
    pub ks_p_value: Option<f64>,
}

/// How a batch of visitors differs from a model's training data
/// ([`Baseline::report`], [`DriftMonitor::report`](crate::DriftMonitor::report)).
///
/// `score` is the largest of the feature PSIs and the assignment PSI:
/// a change in any single feature, or in the mix of segments, is enough.
/// The distance diagnostics (`distance_psi`, `distance_ratio`) are
/// reported but not part of the score: traffic far from every centre
/// also moves the features.
///
/// Each PSI is biased upward on small batches (Yurdakul 2018; about
/// (B − 1)(1/n + 1/N) without drift, see
/// [`expected_psi_without_drift`](crate::expected_psi_without_drift)), so
/// each comes with its no-drift expectation and p-value at this size, and
/// `level` is [`verdict`](crate::verdict)'s over the feature PSIs and the
/// assignment PSI together (see [`DriftLevel`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// One entry per feature, in column order.
    pub features: Vec<FeatureDrift>,
    /// The population stability index of the batch's segment shares
    /// (nearest centre) against the training shares.
    pub assignment_psi: f64,
    /// Its no-drift expectation, p-value and significance, as a feature's.
    pub assignment_expected_psi: f64,
    /// See `assignment_expected_psi`.
    pub assignment_p_value: f64,
    /// See `assignment_expected_psi`.
    pub assignment_method: NullMethod,
    /// See `assignment_expected_psi`.
    pub assignment_significant: bool,
    /// The population stability index of the distances to the nearest
    /// centre, on the baseline's quantile bins of the training distances.
    pub distance_psi: f64,
    /// The batch's mean distance to the nearest centre divided by the
    /// training mean: above 1 when visitors sit farther from every
    /// segment. 1 when both means are 0, infinite when only the training
    /// mean is.
    pub distance_ratio: f64,
    /// The share of the batch nearest to each centre.
    pub segment_shares: Vec<f64>,
    /// max(feature PSIs, assignment PSI).
    pub score: f64,
    /// The verdict over the feature PSIs and the assignment PSI (see
    /// [`DriftLevel`]).
    pub level: DriftLevel,
    /// The family-wise error rate of `level` (default
    /// [`DEFAULT_ALPHA`](crate::DEFAULT_ALPHA)).
    pub alpha: f64,
    /// Rows of the batch; for a decaying window, the effective number of
    /// visitors (Σw)²/Σw² rounded down.
    pub n: usize,
}

/// Weighted counts of rows per bin of every feature, per segment and per
/// distance bin: the state of a report, filled row by row without
/// allocation, by a batch report and by a monitor alike (same
/// arithmetic, same bits).
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    /// Start of each feature's bins in `features` (d + 1 offsets).
    offsets: Vec<usize>,
    features: Vec<f64>,
    clusters: Vec<f64>,
    distances: Vec<f64>,
    /// Σ w · distance.
    distance_sum: f64,
    /// Σ w.
    total: f64,
    /// Σ w².
    total_sq: f64,
    /// Rows added.
    rows: usize,
}

impl Tally {
    /// An empty tally of the baseline's bins.
    pub(crate) fn new(baseline: &Baseline) -> Tally {
        let mut offsets = Vec::with_capacity(baseline.n_features() + 1);
        offsets.push(0);
        let mut end = 0;
        for h in baseline.feature_bins() {
            end += h.shares.len();
            offsets.push(end);
        }
        Tally {
            offsets,
            features: vec![0.0; end],
            clusters: vec![0.0; baseline.k()],
            distances: vec![0.0; baseline.distance.shares.len()],
            distance_sum: 0.0,
            total: 0.0,
            total_sq: 0.0,
            rows: 0,
        }
    }

    /// Adds one checked row (finite, d values) with weight `w`: its
    /// nearest centre, its distance and the bin of every feature.
    /// O(k·d + d·log bins), no allocation.
    #[inline]
    pub(crate) fn add(&mut self, baseline: &Baseline, centres: &Packed, row: &[f64], w: f64) {
        let (c, d2) = kernel::nearest_one(row, centres, &mut []);
        let dist = d2.max(0.0).sqrt();
        if let Some(v) = self.clusters.get_mut(c) {
            *v += w;
        }
        if let Some(v) = self.distances.get_mut(baseline.distance.bin(dist)) {
            *v += w;
        }
        self.distance_sum += w * dist;
        for ((h, &v), &start) in baseline.feature_bins().zip(row).zip(&self.offsets) {
            if let Some(slot) = self.features.get_mut(start + h.bin(v)) {
                *slot += w;
            }
        }
        self.total += w;
        self.total_sq += w * w;
        self.rows += 1;
    }

    /// The counts of a unit-weight tally.
    pub(crate) fn counts(&self) -> WindowCounts {
        WindowCounts {
            features: self.features.clone(),
            clusters: self.clusters.clone(),
            distances: self.distances.clone(),
            distance_sum: self.distance_sum,
            rows: self.rows,
        }
    }

    /// Adds the counts of another unit-weight tally of the same baseline.
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidParameter`] when the counts have other
    /// numbers of bins or segments, [`ClusterError::RowCountOverflow`] when
    /// the rows would overflow.
    pub(crate) fn add_counts(&mut self, other: &WindowCounts) -> Result<()> {
        if other.features.len() != self.features.len()
            || other.clusters.len() != self.clusters.len()
            || other.distances.len() != self.distances.len()
        {
            return Err(crate::params::invalid(
                "window counts",
                format!(
                    "{} feature bins, {} segments, {} distance bins",
                    other.features.len(),
                    other.clusters.len(),
                    other.distances.len()
                ),
                "must have this baseline's numbers of feature bins, segments and distance bins",
            ));
        }
        let rows = self
            .rows
            .checked_add(other.rows)
            .ok_or(ClusterError::RowCountOverflow)?;
        for (mine, theirs) in [
            (&mut self.features, &other.features),
            (&mut self.clusters, &other.clusters),
            (&mut self.distances, &other.distances),
        ] {
            mine.iter_mut().zip(theirs).for_each(|(a, b)| *a += b);
        }
        self.distance_sum += other.distance_sum;
        let n = other.rows as f64;
        self.total += n;
        self.total_sq += n;
        self.rows = rows;
        Ok(())
    }

    /// Rows added since the last reset.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Empties the tally.
    pub(crate) fn reset(&mut self) {
        self.features.fill(0.0);
        self.clusters.fill(0.0);
        self.distances.fill(0.0);
        self.distance_sum = 0.0;
        self.total = 0.0;
        self.total_sq = 0.0;
        self.rows = 0;
    }

    /// Multiplies every weight by `f` (the renormalisation of a decaying
    /// window; `total_sq` by f²).
    pub(crate) fn scale(&mut self, f: f64) {
        for v in self
            .features
            .iter_mut()
            .chain(&mut self.clusters)
            .chain(&mut self.distances)
        {
            *v *= f;
        }
        self.distance_sum *= f;
        self.total *= f;
        self.total_sq *= f * f;
    }

    /// The report of the tally; `ks` gives each feature's
    /// Kolmogorov-Smirnov (statistic, p-value) when known. `n` is the
    /// number of rows for unit weights, the Kish effective size
    /// otherwise.
    pub(crate) fn report(
        &self,
        baseline: &Baseline,
        ks: impl Fn(usize) -> Option<(f64, f64)>,
        unit_weights: bool,
        alpha: f64,
    ) -> Result<DriftReport> {
        if self.rows == 0 || self.total.is_nan() || self.total <= 0.0 {
            return Err(ClusterError::EmptyInput {
                rows: 0,
                cols: baseline.n_features(),
            });
        }
        let total = self.total;
        let n = if unit_weights {
            self.rows
        } else {
            // Kish's effective sample size, at most the rows added.
            ((total * total / self.total_sq).floor() as usize).clamp(1, self.rows)
        };
        let m = baseline.n_rows;
        let mut actual: Vec<f64> = Vec::new();
        let mut test = |shares: &[f64], weights: &[f64]| {
            actual.clear();
            actual.extend(weights.iter().map(|w| w / total));
            test_shares(shares, &actual, n, m)
        };
        let mut tests: Vec<PsiTest> = Vec::with_capacity(baseline.n_features() + 1);
        for (h, w) in baseline.feature_bins().zip(self.offsets.windows(2)) {
            tests.push(test(
                h.shares,
                self.features.get(w[0]..w[1]).unwrap_or_default(),
            ));
        }
        let assignment = test(&baseline.cluster_shares, &self.clusters);
        tests.push(assignment);
        let judged = verdict(&tests, alpha)?;
        let features: Vec<FeatureDrift> = tests
            .iter()
            .zip(&judged.significant)
            .enumerate()
            .take(baseline.n_features())
            .map(|(index, (t, &significant))| {
                let ks = ks(index);
                FeatureDrift {
                    index,
                    psi: t.psi,
                    expected_psi: t.expected_psi,
                    p_value: t.p_value,
                    method: t.method,
                    significant,
                    ks_statistic: ks.map(|t| t.0),
                    ks_p_value: ks.map(|t| t.1),
                }
            })
            .collect();
        let distance_psi = psi_of_weights(&baseline.distance.shares, &self.distances, total);
        let mean = self.distance_sum / total;
        let distance_ratio = if baseline.mean_distance > 0.0 {
            mean / baseline.mean_distance
        } else if mean > 0.0 {
            f64::INFINITY
        } else {
            1.0
        };
        let score = features
            .iter()
            .map(|f| f.psi)
            .fold(assignment.psi, f64::max);
        Ok(DriftReport {
            features,
            assignment_psi: assignment.psi,
            assignment_expected_psi: assignment.expected_psi,
            assignment_p_value: assignment.p_value,
            assignment_method: assignment.method,
            assignment_significant: judged.significant.last().copied().unwrap_or(false),
            distance_psi,
            distance_ratio,
            segment_shares: self.clusters.iter().map(|&c| c / total).collect(),
            score,
            level: judged.level,
            alpha,
            n,
        })
    }
}

impl Baseline {
    /// The drift report of a batch of visitors against this baseline,
    /// with `model` the k-means model the baseline was computed with:
    /// PSI per feature on the baseline's quantile bins, PSI of the
    /// segment shares, PSI and mean ratio of the distances to the nearest
    /// centre, and the Kolmogorov-Smirnov test of every feature against
    /// the reference sample (see [`DriftReport`]).
    ///
    /// O(n·k·d) for the assignment, O(n·d·log bins) for the bins,
    /// O(d·n·log n) for sorting the columns of the tests plus the tests
    /// (exact when n × sample ≤ 10^7).
    ///
    /// # Errors
    ///
    /// [`ClusterError::BaselineMismatch`] when `model` has another number
    /// of features or clusters than the baseline,
    /// [`ClusterError::DimensionMismatch`] for a batch with another
    /// number of features, [`ClusterError::EmptyInput`] for an empty
    /// batch, [`ClusterError::NonFinite`] naming the row and column of a
    /// NaN or infinite value, [`ClusterError::OutOfMemory`].
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::Array2;
    /// use seg_cluster::{Baseline, BaselineParams, DriftLevel, KMeans};
    ///
    /// let x = Array2::from_shape_fn((2_000, 2), |(i, j)| ((i * 37 + j * 11) % 101) as f64 + (i % 2) as f64 * 200.0);
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// // The same traffic shifted by 30 in the first feature.
    /// let shifted = Array2::from_shape_fn((2_000, 2), |(i, j)| x[[i, j]] + if j == 0 { 30.0 } else { 0.0 });
    /// let report = baseline.report(&model, shifted.view())?;
    /// assert_eq!(report.level, DriftLevel::Significant);
    /// assert!(report.features[0].psi > 0.2 && report.features[1].psi == 0.0);
    /// assert!(report.features[0].ks_p_value.unwrap() < 1e-6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn report(&self, model: &KMeans, batch: ArrayView2<'_, f64>) -> Result<DriftReport> {
        self.check_model(model)?;
        let d = self.n_features();
        if batch.ncols() != d && batch.nrows() > 0 {
            return Err(ClusterError::DimensionMismatch {
                expected: d,
                got: batch.ncols(),
            });
        }
        let data = checked(&batch)?;
        let mut tally = Tally::new(self);
        for row in data.chunks_exact(d) {
            tally.add(self, &model.packed, row, 1.0);
        }
        // Kolmogorov-Smirnov tests against the reference samples.
        let n = batch.nrows();
        let mut tests = Vec::with_capacity(d);
        let mut column: Vec<f64> = allocate(n)?;
        for (j, f) in self.features.iter().enumerate() {
            if f.sample.is_empty() {
                tests.push(None);
                continue;
            }
            column.clear();
            column.extend(data.iter().skip(j).step_by(d));
            column.sort_unstable_by(f64::total_cmp);
            let t = ks_sorted(&column, &f.sample, None);
            tests.push(Some((t.statistic, t.p_value)));
        }
        tally.report(
            self,
            |j| tests.get(j).copied().flatten(),
            true,
            DEFAULT_ALPHA,
        )
    }
}
