//! The rule that chooses k from the per-k table, and the sentence that
//! says why.

use crate::auto_k::selection::KScore;
use crate::error::{ClusterError, Result};

/// The id of the rule of this release, stored in
/// [`KSelection::rule`](crate::KSelection::rule); the rule itself is
/// documented on [`KSelection`](crate::KSelection).
pub const AUTO_K_RULE: &str = "silhouette-band-ch/1";

/// How far below the best silhouette a k may be and still be chosen: one
/// interpretation band of Kaufman & Rousseeuw (0.26–0.50 weak, 0.51–0.70
/// reasonable, above 0.70 strong structure).
pub(crate) const SILHOUETTE_BAND: f64 = 0.25;

/// The chosen k and the sentence that explains it.
pub(crate) struct Choice {
    pub(crate) k: usize,
    pub(crate) reason: String,
}

/// The index in `scores` of the best eligible row by `key` (higher is
/// better; ties to the first, the smaller k).
fn best_by(scores: &[KScore], key: impl Fn(&KScore) -> f64) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, s) in scores.iter().enumerate() {
        if !s.eligible {
            continue;
        }
        if best.is_none_or(|b| key(s) > key(&scores[b])) {
            best = Some(i);
        }
    }
    best
}

/// Chooses k among the eligible rows of `scores` (sorted by k) and says
/// why. `min_share` and `rows` only appear in the reason.
///
/// # Errors
///
/// [`ClusterError::NoEligibleK`] when no row is eligible.
pub(crate) fn choose(scores: &[KScore], min_share: f64, rows: usize) -> Result<Choice> {
    let no_eligible = || ClusterError::NoEligibleK {
        min_share,
        largest_smallest_share: scores
            .iter()
            .map(|s| s.min_cluster_share)
            .fold(0.0, f64::max),
    };
    let sil = best_by(scores, |s| s.silhouette).ok_or_else(no_eligible)?;
    let best_sil = scores[sil].silhouette;
    let floor = best_sil - SILHOUETTE_BAND;
    // The candidates: eligible, with a silhouette within the band.
    let ch = best_by(scores, |s| {
        if s.silhouette >= floor {
            s.calinski_harabasz
        } else {
            f64::NEG_INFINITY
        }
    })
    .ok_or_else(no_eligible)?;
    let db = best_by(scores, |s| -s.davies_bouldin).ok_or_else(no_eligible)?;
    let overall_ch = best_by(scores, |s| s.calinski_harabasz).ok_or_else(no_eligible)?;
    let c = &scores[ch];
    let mut why = if ch == sil {
        format!(
            "best Calinski-Harabasz ({:.1}) and silhouette ({:.3})",
            c.calinski_harabasz, c.silhouette
        )
    } else {
        format!(
            "best Calinski-Harabasz ({:.1}) among the k with a silhouette within {SILHOUETTE_BAND} of the best; \
             silhouette {:.3} (best {:.3} at k = {})",
            c.calinski_harabasz, c.silhouette, best_sil, scores[sil].k
        )
    };
    if overall_ch != ch {
        why.push_str(&format!(
            "; k = {} has a higher Calinski-Harabasz ({:.1}) but its silhouette ({:.3}) is more than {SILHOUETTE_BAND} below the best",
            scores[overall_ch].k, scores[overall_ch].calinski_harabasz, scores[overall_ch].silhouette
        ));
    }
    if db == ch {
        why.push_str(&format!(
            "; Davies-Bouldin agrees ({:.3})",
            c.davies_bouldin
        ));
    } else {
        why.push_str(&format!(
            "; Davies-Bouldin prefers k = {} ({:.3} against {:.3})",
            scores[db].k, scores[db].davies_bouldin, c.davies_bouldin
        ));
    }
    let mut reason = format!("k = {}: {why}; stability {:.2}", c.k, c.stability);
    let excluded: Vec<String> = scores
        .iter()
        .filter(|s| !s.eligible)
        .map(|s| s.k.to_string())
        .collect();
    if !excluded.is_empty() {
        reason.push_str(&format!(
            "; not eligible (a segment below {:.1}% of {rows} rows): k = {}",
            min_share * 100.0,
            excluded.join(", ")
        ));
    }
    Ok(Choice { k: c.k, reason })
}
