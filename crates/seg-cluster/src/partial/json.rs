//! Versioned JSON of [`PartialSums`], validated on load: partials of
//! shards computed on other machines travel as text and are merged here.

use serde::{Deserialize, Serialize};

use super::{Far, PartialSums};
use crate::error::{ClusterError, Result};
use crate::model::matrix;

/// The `"format"` field of saved [`PartialSums`].
pub const PARTIAL_SUMS_FORMAT: &str = "seg-cluster/partial-sums";
/// The `"format_version"` of saved [`PartialSums`] this crate writes and
/// reads.
pub const PARTIAL_SUMS_FORMAT_VERSION: u64 = 1;

/// The JSON layout of partial sums.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialFile {
    format: String,
    format_version: u64,
    n_features: usize,
    centres: Vec<Vec<f64>>,
    sums: Vec<Vec<f64>>,
    counts: Vec<u64>,
    inertia: f64,
    far: Vec<FarFile>,
}

/// One of the farthest rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FarFile {
    squared_distance: f64,
    label: usize,
    row: Vec<f64>,
}

fn bad(reason: String) -> ClusterError {
    ClusterError::InvalidPartialSums { reason }
}

impl From<&PartialSums> for PartialFile {
    fn from(p: &PartialSums) -> Self {
        let rows = |v: &[f64]| v.chunks_exact(p.d).map(<[f64]>::to_vec).collect();
        PartialFile {
            format: PARTIAL_SUMS_FORMAT.into(),
            format_version: PARTIAL_SUMS_FORMAT_VERSION,
            n_features: p.d,
            centres: rows(&p.centres),
            sums: rows(&p.sums),
            counts: p.counts.clone(),
            inertia: p.inertia,
            far: p
                .far
                .iter()
                .map(|f| FarFile {
                    squared_distance: f.dist,
                    label: f.label,
                    row: f.row.clone(),
                })
                .collect(),
        }
    }
}

impl TryFrom<PartialFile> for PartialSums {
    type Error = ClusterError;

    fn try_from(f: PartialFile) -> Result<Self> {
        if f.format != PARTIAL_SUMS_FORMAT || f.format_version != PARTIAL_SUMS_FORMAT_VERSION {
            return Err(ClusterError::UnsupportedFormat {
                format: f.format,
                version: f.format_version,
            });
        }
        let (k, d) = (f.counts.len(), f.n_features);
        if k == 0 || d == 0 {
            return Err(bad(format!(
                "k = {k} (counts) and n_features = {d} must be positive"
            )));
        }
        let centres = matrix(f.centres, k, d, "centre", bad)?;
        let sums = matrix(f.sums, k, d, "sum", bad)?;
        // Only rows are added to a sum: an empty cluster's sum is zero.
        if let Some(c) =
            (0..k).find(|&c| f.counts[c] == 0 && sums[c * d..(c + 1) * d].iter().any(|&v| v != 0.0))
        {
            return Err(bad(format!("cluster {c} has no rows but a non-zero sum")));
        }
        if !(f.inertia.is_finite() && f.inertia >= 0.0) {
            return Err(bad(format!("inertia {} is not finite and >= 0", f.inertia)));
        }
        let rows: u64 = f.counts.iter().fold(0u64, |a, &c| a.saturating_add(c));
        let expected = usize::try_from(rows).map_or(k, |n| n.min(k));
        if f.far.len() != expected {
            return Err(bad(format!(
                "{} farthest rows, expected min(k, rows) = {expected}",
                f.far.len()
            )));
        }
        let mut far = Vec::with_capacity(f.far.len());
        for (i, r) in f.far.into_iter().enumerate() {
            let dist = r.squared_distance;
            if !(dist.is_finite() && dist >= 0.0) {
                return Err(bad(format!(
                    "farthest row {i}: distance {dist} is not finite and >= 0"
                )));
            }
            if far.last().is_some_and(|p: &Far| p.dist < dist) {
                return Err(bad(format!(
                    "farthest row {i} is farther than the one before"
                )));
            }
            if r.label >= k || f.counts[r.label] == 0 {
                return Err(bad(format!(
                    "farthest row {i}: label {} is not a cluster with rows",
                    r.label
                )));
            }
            let row = matrix(vec![r.row], 1, d, "farthest", bad)?;
            far.push(Far {
                dist,
                label: r.label,
                row,
            });
        }
        Ok(PartialSums {
            d,
            centres,
            sums,
            counts: f.counts,
            inertia: f.inertia,
            far,
        })
    }
}

impl Serialize for PartialSums {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        PartialFile::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for PartialSums {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let file = PartialFile::deserialize(d)?;
        PartialSums::try_from(file).map_err(serde::de::Error::custom)
    }
}

impl PartialSums {
    /// Versioned JSON: `"format": "seg-cluster/partial-sums"`,
    /// `"format_version": 1`, `n_features`, `centres` and `sums` (k arrays
    /// of `n_features` values), `counts`, `inertia` and `far` (the
    /// farthest rows: `squared_distance`, `label`, `row`), so that a shard's
    /// partial can be merged on another machine. Numbers round-trip
    /// exactly.
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidPartialSums`] if serialisation fails.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::PartialSums;
    ///
    /// let centres = array![[0.0], [10.0]];
    /// let mut shard = PartialSums::new(centres.view())?;
    /// shard.accumulate(array![[1.0], [9.0]].view())?;
    /// let received = PartialSums::from_json(&shard.to_json()?)?;
    /// let mut total = PartialSums::new(centres.view())?;
    /// total.merge(&received)?;
    /// assert_eq!(total, shard);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| bad(e.to_string()))
    }

    /// Reads partial sums written by [`to_json`](Self::to_json),
    /// validating every field.
    ///
    /// # Errors
    ///
    /// [`ClusterError::UnsupportedFormat`] for another format or version;
    /// [`ClusterError::InvalidPartialSums`] for malformed or truncated JSON,
    /// unknown fields, inconsistent sizes, non-finite numbers, a non-zero
    /// sum of an empty cluster, or farthest rows out of order, of clusters
    /// without rows or not `min(k, rows)` of them.
    pub fn from_json(json: &str) -> Result<Self> {
        let file: PartialFile = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        PartialSums::try_from(file)
    }
}
