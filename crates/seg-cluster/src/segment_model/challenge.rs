//! Champion and challenger: a retrained model replaces the current one
//! only when it passes its quality gate and separates held-out new
//! traffic at least about as well.

use ndarray::{ArrayView2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};

use super::{SegmentModel, TrainParams};
use crate::error::{ClusterError, Result};
use crate::input::checked;
use crate::params::invalid;

/// The parameters of [`SegmentModel::challenge`] (builder, saved and
/// loaded as JSON through the same checks).
///
/// | setter | default | domain |
/// |---|---|---|
/// | [`holdout`](Self::holdout): share of the new rows kept out of training | 0.2 | (0, 0.5] |
/// | [`tolerance`](Self::tolerance): how much lower the challenger's held-out silhouette may be | 0.01 | [0, 1) |
/// | [`seed`](Self::seed): the shuffle that splits the rows | 0 | any |
/// | [`silhouette_sample`](Self::silhouette_sample): held-out rows scored at most | 20,000 | at least 3 |
///
/// # Example
///
/// ```
/// use seg_cluster::{ChallengeParams, ClusterError};
///
/// let params = ChallengeParams::new().holdout(0.25).tolerance(0.0).seed(7);
/// assert!(params.check().is_ok());
/// let json = serde_json::to_string(&params)?;
/// assert_eq!(serde_json::from_str::<ChallengeParams>(&json)?, params);
///
/// let err = ChallengeParams::new().holdout(0.6).check().unwrap_err();
/// assert_eq!(err.to_string(), "invalid holdout = 0.6: must be in (0, 0.5]");
/// assert!(serde_json::from_str::<ChallengeParams>(&json.replace("0.25", "0.0")).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawChallengeParams")]
pub struct ChallengeParams {
    holdout: f64,
    tolerance: f64,
    seed: u64,
    silhouette_sample: usize,
}

/// The saved form of [`ChallengeParams`], before its checks.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChallengeParams {
    holdout: f64,
    tolerance: f64,
    seed: u64,
    silhouette_sample: usize,
}

impl TryFrom<RawChallengeParams> for ChallengeParams {
    type Error = ClusterError;

    fn try_from(raw: RawChallengeParams) -> Result<Self> {
        let params = ChallengeParams {
            holdout: raw.holdout,
            tolerance: raw.tolerance,
            seed: raw.seed,
            silhouette_sample: raw.silhouette_sample,
        };
        params.check()?;
        Ok(params)
    }
}

impl Serialize for ChallengeParams {
    /// Saves parameters that pass [`check`](ChallengeParams::check); any
    /// others would not load back, so they are an error.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.check().map_err(serde::ser::Error::custom)?;
        RawChallengeParams {
            holdout: self.holdout,
            tolerance: self.tolerance,
            seed: self.seed,
            silhouette_sample: self.silhouette_sample,
        }
        .serialize(serializer)
    }
}

impl Default for ChallengeParams {
    fn default() -> Self {
        ChallengeParams::new()
    }
}

impl ChallengeParams {
    /// The defaults of the table above.
    pub fn new() -> Self {
        ChallengeParams {
            holdout: 0.2,
            tolerance: 0.01,
            seed: 0,
            silhouette_sample: 20_000,
        }
    }

    /// The share of the new rows held out of training and used to score
    /// both models, in (0, 0.5] (default 0.2). The held-out part has
    /// `round(holdout · n)` of the n rows.
    pub fn holdout(mut self, share: f64) -> Self {
        self.holdout = share;
        self
    }

    /// How far the challenger's held-out silhouette may fall below the
    /// current model's and still be promoted, in [0, 1) (default 0.01):
    /// a retrained model that is as good up to noise replaces the old one.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The seed of the shuffle that splits the rows (default 0). The
    /// split, the challenger and both scores are reproducible bit for bit
    /// for a seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The silhouettes are exact on up to this many held-out rows; above,
    /// both are computed on the same seeded uniform sample of this many
    /// held-out rows (default 20,000, as the quality gate; at least 3).
    /// The sample is uniform rather than stratified by segment, as the
    /// quality gate's is, because strata would depend on each model's
    /// segments and the two models would then be scored on different
    /// rows.
    pub fn silhouette_sample(mut self, rows: usize) -> Self {
        self.silhouette_sample = rows;
        self
    }

    /// Checks the parameters alone (the rows are checked by
    /// [`SegmentModel::challenge`]).
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidParameter`] naming `holdout` (outside
    /// (0, 0.5] or NaN), `tolerance` (outside [0, 1) or NaN) or
    /// `silhouette_sample` (below 3).
    ///
    /// # Example
    ///
    /// ```
    /// use seg_cluster::{ChallengeParams, ClusterError};
    ///
    /// assert!(ChallengeParams::new().check().is_ok());
    /// let err = ChallengeParams::new().tolerance(-1.0).check().unwrap_err();
    /// assert!(matches!(err, ClusterError::InvalidParameter { parameter: "tolerance", .. }));
    /// assert!(ChallengeParams::new().holdout(f64::NAN).check().is_err());
    /// ```
    pub fn check(&self) -> Result<()> {
        let h = self.holdout;
        if !(h > 0.0 && h <= 0.5) {
            return Err(invalid("holdout", h, "must be in (0, 0.5]"));
        }
        let t = self.tolerance;
        if !(0.0..1.0).contains(&t) {
            return Err(invalid("tolerance", t, "must be in [0, 1)"));
        }
        if self.silhouette_sample < 3 {
            return Err(invalid(
                "silhouette_sample",
                self.silhouette_sample,
                "must be at least 3",
            ));
        }
        Ok(())
    }
}

/// What [`SegmentModel::challenge`] decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeVerdict {
    /// The challenger passed its quality gate and is not worse on the
    /// held-out rows: make it the latest version
    /// ([`ModelHistory::promote`](crate::ModelHistory::promote)).
    Promote,
    /// The current model stays.
    Keep {
        /// Every rule the challenger failed, with its numbers, e.g. "the
        /// challenger's held-out silhouette 0.412 is below the current
        /// model's 0.455 minus the tolerance 0.01".
        reason: String,
    },
}

impl ChallengeVerdict {
    /// Whether the verdict is [`ChallengeVerdict::Promote`].
    ///
    /// # Example
    ///
    /// ```
    /// use seg_cluster::ChallengeVerdict;
    /// assert!(ChallengeVerdict::Promote.is_promote());
    /// assert!(!ChallengeVerdict::Keep { reason: "worse".into() }.is_promote());
    /// ```
    pub fn is_promote(&self) -> bool {
        matches!(self, ChallengeVerdict::Promote)
    }
}

/// The outcome of [`SegmentModel::challenge`]: the challenger, the
/// held-out silhouette of both models, the sizes of the parts and the
/// verdict. Serialises to JSON for reports (the challenger as its saved
/// form); it is not loaded back: a verdict comes only from a challenge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Challenge {
    champion_version: u64,
    challenger: SegmentModel,
    champion_silhouette: f64,
    challenger_silhouette: f64,
    tolerance: f64,
    training_rows: usize,
    held_out_rows: usize,
    scored_rows: usize,
    verdict: ChallengeVerdict,
}

impl Challenge {
    /// The version of the current model (the champion), the challenger's
    /// parent.
    pub fn champion_version(&self) -> u64 {
        self.champion_version
    }

    /// The retrained model (version `champion_version() + 1`, parent the
    /// champion), trained on the training rows only.
    pub fn challenger(&self) -> &SegmentModel {
        &self.challenger
    }

    /// The challenger, by value.
    pub fn into_challenger(self) -> SegmentModel {
        self.challenger
    }

    /// The current model's silhouette on the scored held-out rows, with
    /// its own assignment (−1 when it puts them all in one segment).
    pub fn champion_silhouette(&self) -> f64 {
        self.champion_silhouette
    }

    /// The challenger's silhouette on the same rows, with its own
    /// assignment (−1 when it puts them all in one segment).
    pub fn challenger_silhouette(&self) -> f64 {
        self.challenger_silhouette
    }

    /// The tolerance the silhouettes were compared with.
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }

    /// The rows the challenger was trained on.
    pub fn training_rows(&self) -> usize {
        self.training_rows
    }

    /// The rows held out of training.
    pub fn held_out_rows(&self) -> usize {
        self.held_out_rows
    }

    /// The held-out rows the silhouettes were computed on: all of them, or
    /// a sample of [`ChallengeParams::silhouette_sample`] rows.
    pub fn scored_rows(&self) -> usize {
        self.scored_rows
    }

    /// Promote, or keep the current model and why.
    pub fn verdict(&self) -> &ChallengeVerdict {
        &self.verdict
    }
}

impl SegmentModel {
    /// Retrains this model (the champion) on new traffic `x` into a
    /// challenger, and decides whether the challenger should replace it.
    ///
    /// 1. **Split.** The row indices are shuffled with
    ///    [`ChallengeParams::seed`] (PCG64-MCG, Fisher-Yates); the first
    ///    `round(holdout · n)` are held out, the others are the training
    ///    rows.
    /// 2. **Challenger** = [`retrain`](Self::retrain)`(training rows,
    ///    train)`: version `model_version() + 1`, parent this model, its
    ///    quality gate measured on the training rows.
    /// 3. **Scores.** Both models assign the same held-out rows (all of
    ///    them, or the first [`ChallengeParams::silhouette_sample`] of the
    ///    shuffle, a seeded uniform sample), and each scores seg-validate's
    ///    exact [`silhouette_score`](seg_validate::silhouette_score) of its
    ///    own assignment, in the models' shared feature space. A model
    ///    that puts every scored row into one segment has no silhouette
    ///    and scores −1, the lowest silhouette there is.
    ///
    /// # Criterion
    ///
    /// ```text
    /// promote  ⇔  challenger.quality().passed()
    ///             ∧ challenger_silhouette ≥ champion_silhouette − tolerance
    /// ```
    ///
    /// Otherwise the verdict is [`ChallengeVerdict::Keep`], whose reason
    /// names every failed rule with its numbers: the failed checks of the
    /// challenger's quality gate by name, value and threshold, and the two
    /// silhouettes with the tolerance.
    ///
    /// Time: the retrain, plus one exact silhouette per model on at most
    /// `silhouette_sample` rows (O(m²·d)).
    ///
    /// # Errors
    ///
    /// Those of [`ChallengeParams::check`];
    /// [`ClusterError::DimensionMismatch`], [`ClusterError::EmptyInput`]
    /// and [`ClusterError::NonFinite`] for bad data;
    /// [`ClusterError::TooFewRowsToHoldOut`] when the training part or the
    /// scored held-out part has no more rows than the largest k of the
    /// auto-k range or this model's k (the fit and the silhouette need
    /// k ≤ rows − 1); [`ClusterError::InvalidParameter`] naming
    /// `silhouette_sample` when it is not above that k; and the errors of
    /// [`retrain`](Self::retrain).
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::Array2;
    /// use seg_cluster::{AutoK, ChallengeParams, ChallengeVerdict, SegmentModel, TrainParams};
    ///
    /// // Two groups of visitors, then a third appears.
    /// let group = |i: usize, j: usize, groups: usize| (i % groups) as f64 * 10.0 + ((i * 7 + j) % 5) as f64 * 0.3;
    /// let before = Array2::from_shape_fn((200, 2), |(i, j)| group(i, j, 2));
    /// let after = Array2::from_shape_fn((300, 2), |(i, j)| group(i, j, 3));
    /// let train = TrainParams::new().auto_k(AutoK::params().k_range(2..=4)).created_at(1_700_000_000);
    /// let champion = SegmentModel::train(before.view(), &["pages", "minutes"], &train)?;
    /// assert_eq!(champion.k(), 2);
    ///
    /// let challenge = champion.challenge(after.view(), &train, &ChallengeParams::new())?;
    /// assert_eq!((challenge.training_rows(), challenge.held_out_rows()), (240, 60));
    /// assert_eq!(challenge.challenger().k(), 3);
    /// assert_eq!(challenge.challenger().parent_version(), Some(1));
    /// assert!(challenge.challenger_silhouette() > challenge.champion_silhouette());
    /// assert_eq!(challenge.verdict(), &ChallengeVerdict::Promote);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn challenge(
        &self,
        x: ArrayView2<'_, f64>,
        train: &TrainParams,
        params: &ChallengeParams,
    ) -> Result<Challenge> {
        params.check()?;
        train.auto_k.check()?;
        self.check_columns(x.ncols())?;
        checked(&x)?;
        let n = x.nrows();
        // The fit needs k ≤ rows − 1 (auto-k), the silhouette clusters ≤
        // rows − 1; the challenger's k is at most the larger of the two.
        let needed = train.auto_k.largest_k().max(self.k()).saturating_add(1);
        if params.silhouette_sample < needed {
            return Err(ClusterError::InvalidParameter {
                parameter: "silhouette_sample",
                value: format!("{} for k up to {}", params.silhouette_sample, needed - 1),
                reason: "must exceed the largest number of segments",
            });
        }
        // In [0, n] for a share in (0, 0.5].
        let held_out = ((params.holdout * n as f64).round() as usize).min(n);
        let training = n - held_out;
        if held_out < needed || training < needed {
            return Err(ClusterError::TooFewRowsToHoldOut {
                rows: n,
                training,
                held_out,
                needed,
            });
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut Pcg64Mcg::seed_from_u64(params.seed));
        let scored = held_out.min(params.silhouette_sample);
        let mut scored_idx = order[..scored].to_vec();
        scored_idx.sort_unstable();
        let mut training_idx = order[held_out..].to_vec();
        training_idx.sort_unstable();
        drop(order);

        let challenger = self.retrain(x.select(Axis(0), &training_idx).view(), train)?;
        drop(training_idx);
        let rows = x.select(Axis(0), &scored_idx);
        let champion_silhouette = held_out_silhouette(self, rows.view())?;
        let challenger_silhouette = held_out_silhouette(&challenger, rows.view())?;

        let tolerance = params.tolerance;
        let mut failed = Vec::new();
        if !challenger.quality().passed() {
            let checks: Vec<String> = challenger
                .quality()
                .failed()
                .map(|c| {
                    format!(
                        "{} {:.3} (must be {} {})",
                        c.name(),
                        c.value(),
                        c.comparison(),
                        c.threshold()
                    )
                })
                .collect();
            failed.push(format!(
                "the challenger fails its quality gate: {}",
                checks.join(", ")
            ));
        }
        if challenger_silhouette < champion_silhouette - tolerance {
            failed.push(format!(
                "the challenger's held-out silhouette {challenger_silhouette:.3} is below the current model's {champion_silhouette:.3} minus the tolerance {tolerance}"
            ));
        }
        let verdict = if failed.is_empty() {
            ChallengeVerdict::Promote
        } else {
            ChallengeVerdict::Keep {
                reason: failed.join("; "),
            }
        };
        Ok(Challenge {
            champion_version: self.model_version,
            challenger,
            champion_silhouette,
            challenger_silhouette,
            tolerance,
            training_rows: training,
            held_out_rows: held_out,
            scored_rows: scored,
            verdict,
        })
    }
}

/// The exact silhouette of `model`'s own assignment of `rows`, or −1 when
/// it puts every row into one segment. The caller leaves more rows than
/// the model has segments, so the silhouette's k ≤ rows − 1 holds.
fn held_out_silhouette(model: &SegmentModel, rows: ArrayView2<'_, f64>) -> Result<f64> {
    let labels = model.assign(rows)?;
    if labels.iter().all(|&l| Some(&l) == labels.first()) {
        return Ok(-1.0);
    }
    seg_validate::silhouette_score(rows, &labels).map_err(|source| ClusterError::Metric { source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_outside_their_domain_are_named() {
        for (params, name) in [
            (ChallengeParams::new().holdout(0.0), "holdout"),
            (ChallengeParams::new().holdout(0.500_001), "holdout"),
            (ChallengeParams::new().holdout(f64::INFINITY), "holdout"),
            (ChallengeParams::new().tolerance(1.0), "tolerance"),
            (ChallengeParams::new().tolerance(f64::NAN), "tolerance"),
            (
                ChallengeParams::new().silhouette_sample(2),
                "silhouette_sample",
            ),
        ] {
            let err = params.check().unwrap_err();
            assert!(
                matches!(err, ClusterError::InvalidParameter { parameter, .. } if parameter == name),
                "{err:?}"
            );
            assert!(serde_json::to_string(&params).is_err());
        }
        assert!(
            ChallengeParams::new()
                .holdout(0.5)
                .tolerance(0.0)
                .check()
                .is_ok()
        );
    }

    #[test]
    fn saved_params_with_unknown_fields_do_not_load() {
        let json = serde_json::to_string(&ChallengeParams::new()).unwrap();
        assert_eq!(
            json,
            r#"{"holdout":0.2,"tolerance":0.01,"seed":0,"silhouette_sample":20000}"#
        );
        let extra = json.replace('}', r#","k":3}"#);
        assert!(serde_json::from_str::<ChallengeParams>(&extra).is_err());
    }
}
