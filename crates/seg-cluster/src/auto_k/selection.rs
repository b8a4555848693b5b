//! The result of an automatic choice of k, saved with a segment model and
//! loaded through the same checks as it is built with.

use serde::{Deserialize, Serialize};

use crate::error::{ClusterError, Result};

/// The artifact named in the errors of a loaded selection.
const SELECTION: &str = "k selection";

/// The quality of one k: the row of the per-k table of a [`KSelection`].
///
/// Every value is measured on the rows the choice was made on (the
/// selection sample when the data was sampled). Loads through the checks of
/// [`KSelection`]: finite values, silhouette and stability in [−1, 1],
/// non-negative indices and inertia, share in [0, 1], k ≥ 2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawKScore")]
pub struct KScore {
    /// The number of clusters.
    pub k: usize,
    /// Mean silhouette (exact, or on a stratified sample), in [−1, 1];
    /// higher is better.
    pub silhouette: f64,
    /// Davies-Bouldin index, ≥ 0; lower is better.
    pub davies_bouldin: f64,
    /// Calinski-Harabasz index, ≥ 0; higher is better.
    pub calinski_harabasz: f64,
    /// Within-cluster sum of squares of the kept fit.
    pub inertia: f64,
    /// The share of rows in the smallest cluster, in [0, 1].
    pub min_cluster_share: f64,
    /// Mean adjusted Rand index between the fits from different seeds, in
    /// [−1, 1]; 1 when every seed finds the same partition.
    pub stability: f64,
    /// Whether the smallest cluster holds at least the minimum share, so
    /// that this k may be chosen.
    pub eligible: bool,
}

/// The saved form of a [`KScore`], before its checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKScore {
    k: usize,
    silhouette: f64,
    davies_bouldin: f64,
    calinski_harabasz: f64,
    inertia: f64,
    min_cluster_share: f64,
    stability: f64,
    eligible: bool,
}

impl TryFrom<RawKScore> for KScore {
    type Error = ClusterError;

    fn try_from(raw: RawKScore) -> Result<Self> {
        let score = KScore {
            k: raw.k,
            silhouette: raw.silhouette,
            davies_bouldin: raw.davies_bouldin,
            calinski_harabasz: raw.calinski_harabasz,
            inertia: raw.inertia,
            min_cluster_share: raw.min_cluster_share,
            stability: raw.stability,
            eligible: raw.eligible,
        };
        score.check()?;
        Ok(score)
    }
}

impl KScore {
    /// The checks of one row, shared by loading and by
    /// [`KSelection::check`].
    fn check(&self) -> Result<()> {
        let k = self.k;
        if k < 2 {
            return Err(bad(format!("k = {k} in the table: k must be at least 2")));
        }
        let ranges = [
            ("silhouette", self.silhouette, -1.0, 1.0),
            ("davies_bouldin", self.davies_bouldin, 0.0, f64::MAX),
            ("calinski_harabasz", self.calinski_harabasz, 0.0, f64::MAX),
            ("inertia", self.inertia, 0.0, f64::MAX),
            ("min_cluster_share", self.min_cluster_share, 0.0, 1.0),
            ("stability", self.stability, -1.0, 1.0),
        ];
        for (name, value, lo, hi) in ranges {
            // Also rejects NaN and infinities.
            if !(lo..=hi).contains(&value) {
                return Err(bad(format!(
                    "{name} of k = {k} is {value}, outside [{lo}, {hi}]"
                )));
            }
        }
        Ok(())
    }
}

/// The chosen number of clusters, why it was chosen, and the per-k table
/// it was chosen from. Made by [`AutoKParams::fit`](crate::AutoKParams::fit).
///
/// # The rule
///
/// [`AUTO_K_RULE`](crate::AUTO_K_RULE) (`"silhouette-band-ch/1"`) chooses among the
/// *eligible* k (smallest cluster at least `min_share` of the rows):
///
/// 1. The silhouette screens: a k whose silhouette is more than 0.25 below
///    the best eligible silhouette is not a candidate. 0.25 is the width of
///    one of Kaufman & Rousseeuw's interpretation bands (0.26–0.50 weak,
///    0.51–0.70 reasonable, above 0.70 strong structure): a candidate is at
///    most one band worse than the best.
/// 2. The Calinski-Harabasz index chooses: the candidate with the highest
///    index wins (ties to the smaller k).
/// 3. Davies-Bouldin and stability do not vote; the reason says whether
///    Davies-Bouldin agrees and gives the stability of the chosen k, so
///    that a reader sees when the metrics disagree.
///
/// Why this order: on Gaussian blobs the Calinski-Harabasz maximum is the
/// most accurate single metric (as in Milligan & Cooper's 1985 comparison
/// of 30 rules), while the silhouette and Davies-Bouldin under-count when
/// two clusters lie closer to each other than to the rest (they merge
/// them); the silhouette screen keeps Calinski-Harabasz from choosing a k
/// whose partition is clearly worse by the silhouette. Measured by
/// `auto_k_accuracy_on_280_blob_data_sets` and
/// `auto_k_accuracy_on_other_blob_data_sets` (crate README): the rule
/// recovers the true k on 280 of 280 blob data sets (silhouette alone
/// 96.4%, Davies-Bouldin alone 94.6%), and on all 896 data sets of the
/// robustness check (n 500 and 10,000, d 3 and 30, spread 0.5 and 1.5,
/// separation 4σ and 6σ).
///
/// The `reason` names the metrics that decided, with their values, e.g.
/// `k = 3: best Calinski-Harabasz (19414.2) and silhouette (0.733);
/// Davies-Bouldin agrees (0.377); stability 1.00`, and lists the k that
/// were not eligible.
///
/// # References
///
/// Caliński, T., Harabasz, J. (1974). A dendrite method for cluster
/// analysis. *Communications in Statistics* 3, 1–27.
/// Kaufman, L., Rousseeuw, P. J. (1990). *Finding Groups in Data*, Wiley,
/// ch. 2.
/// Milligan, G. W., Cooper, M. C. (1985). An examination of procedures for
/// determining the number of clusters in a data set. *Psychometrika* 50,
/// 159–179.
///
/// # Saving
///
/// A selection serialises with serde (fields `k`, `reason`, `scores`,
/// `rule`) and loads through [`KSelection::check`]: rows sorted by k
/// without repeats, each row finite and within its range, the chosen k
/// among the rows and eligible, a non-empty reason and rule. A selection
/// that fails these checks is not saved (serialising it is an error).
///
/// ```
/// use ndarray::Array2;
/// use seg_cluster::{AutoK, KSelection};
///
/// let x = Array2::from_shape_fn((60, 1), |(i, _)| (i % 3) as f64 * 10.0 + (i % 7) as f64 * 0.1);
/// let selection = AutoK::params().k_range(2..=4).fit(x.view())?.selection().clone();
/// let json = serde_json::to_string(&selection)?;
/// assert_eq!(serde_json::from_str::<KSelection>(&json)?, selection);
/// let hostile = json.replacen("\"k\":3", "\"k\":9", 1);
/// assert!(serde_json::from_str::<KSelection>(&hostile).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawKSelection")]
pub struct KSelection {
    /// The chosen number of clusters.
    pub k: usize,
    /// Why: the metrics that decided, with their values.
    pub reason: String,
    /// One row per candidate k, sorted by k.
    pub scores: Vec<KScore>,
    /// The id of the rule that chose ([`AUTO_K_RULE`](crate::AUTO_K_RULE) for this
    /// release).
    pub rule: String,
}

/// The saved form of a [`KSelection`], before its checks.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKSelection {
    k: usize,
    reason: String,
    scores: Vec<KScore>,
    rule: String,
}

impl TryFrom<RawKSelection> for KSelection {
    type Error = ClusterError;

    fn try_from(raw: RawKSelection) -> Result<Self> {
        KSelection::new(raw.k, raw.reason, raw.scores, raw.rule)
    }
}

impl Serialize for KSelection {
    /// Saves a selection that passes its checks; any other would not load
    /// back, so it is an error.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.check().map_err(serde::ser::Error::custom)?;
        RawKSelection {
            k: self.k,
            reason: self.reason.clone(),
            scores: self.scores.clone(),
            rule: self.rule.clone(),
        }
        .serialize(serializer)
    }
}

impl KSelection {
    /// A checked selection.
    pub(crate) fn new(k: usize, reason: String, scores: Vec<KScore>, rule: String) -> Result<Self> {
        let selection = KSelection {
            k,
            reason,
            scores,
            rule,
        };
        selection.check()?;
        Ok(selection)
    }

    /// The score row of the chosen k.
    pub fn chosen(&self) -> Option<&KScore> {
        self.scores.iter().find(|s| s.k == self.k)
    }

    /// The checks of loading and saving: at least one row, rows sorted by
    /// k without repeats, each row finite and within its range, the chosen
    /// k among the rows and eligible, a non-empty reason and rule.
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidArtifact`] (artifact `"k selection"`) naming
    /// what is wrong.
    pub fn check(&self) -> Result<()> {
        if self.scores.is_empty() {
            return Err(bad("no per-k scores".to_owned()));
        }
        for s in &self.scores {
            s.check()?;
        }
        for w in self.scores.windows(2) {
            if w[0].k >= w[1].k {
                return Err(bad(format!(
                    "scores not sorted by k without repeats: k = {} then k = {}",
                    w[0].k, w[1].k
                )));
            }
        }
        match self.chosen() {
            None => {
                return Err(bad(format!(
                    "the chosen k = {} has no row in the table",
                    self.k
                )));
            }
            Some(s) if !s.eligible => {
                return Err(bad(format!("the chosen k = {} is not eligible", self.k)));
            }
            Some(_) => {}
        }
        if self.reason.trim().is_empty() {
            return Err(bad("empty reason".to_owned()));
        }
        if self.rule.trim().is_empty() {
            return Err(bad("empty rule".to_owned()));
        }
        Ok(())
    }
}

fn bad(reason: String) -> ClusterError {
    ClusterError::InvalidArtifact {
        artifact: SELECTION,
        reason,
    }
}
