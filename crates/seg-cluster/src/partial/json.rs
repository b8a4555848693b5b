//! Versioned JSON of [`PartialSums`], validated on load: partials of
//! shards computed on other machines travel as text and are merged here.

use serde::{Deserialize, Serialize};

use ndarray::ArrayView2;

use super::{Far, PARTIAL, PartialSums};
use crate::artifact::{check_format, matrix, read_json};
use crate::error::{ClusterError, Result};

/// The `"format"` field of saved [`PartialSums`].
pub const PARTIAL_SUMS_FORMAT: &str = "seg-cluster/partial-sums";
/// The `"format_version"` of saved [`PartialSums`] this crate writes and
/// reads.
pub const PARTIAL_SUMS_FORMAT_VERSION: u64 = 1;

/// The JSON layout of partial sums.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PartialFile {
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

/// An [`ClusterError::InvalidArtifact`] naming partial sums.
fn bad(reason: String) -> ClusterError {
    ClusterError::InvalidArtifact {
        artifact: PARTIAL,
        reason,
    }
}

/// The first non-finite value of row-major `values` (d per row), as a
/// reason.
fn finite(values: &[f64], d: usize, what: &str) -> std::result::Result<(), String> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(format!(
            "{what} row {}, feature {} is {}, not finite",
            i / d,
            i % d,
            values[i]
        )),
        None => Ok(()),
    }
}

impl From<&PartialSums> for PartialFile {
    fn from(p: &PartialSums) -> Self {
        let rows = |v: &[f64]| v.chunks_exact(p.d).map(<[f64]>::to_vec).collect();
        PartialFile {
            format: PARTIAL_SUMS_FORMAT.into(),
            format_version: PARTIAL_SUMS_FORMAT_VERSION,
            n_features: p.d,
            centres: rows(&p.current),
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

    /// The format and version; the centres through
    /// [`PartialSums::new`] (the constructor's checks); then the
    /// accumulated state: finite sums of the centres' shape, zero for a
    /// cluster without rows, a total row count within `u64`, a finite
    /// non-negative inertia, and `min(k, rows)` farthest rows, farthest
    /// first, of clusters with rows, each finite and of width d.
    fn try_from(f: PartialFile) -> Result<Self> {
        check_format(
            PARTIAL,
            (&f.format, f.format_version),
            (PARTIAL_SUMS_FORMAT, PARTIAL_SUMS_FORMAT_VERSION),
        )?;
        let (k, d) = (f.counts.len(), f.n_features);
        if k == 0 || d == 0 {
            return Err(bad(format!(
                "k = {k} (counts) and n_features = {d} must be positive"
            )));
        }
        let current = matrix(f.centres, k, d, "centre").map_err(bad)?;
        let current = ArrayView2::from_shape((k, d), &current).map_err(|e| bad(e.to_string()))?;
        let mut p = PartialSums::new(current).map_err(|e| bad(format!("centres: {e}")))?;
        let sums = matrix(f.sums, k, d, "sum").map_err(bad)?;
        finite(&sums, d, "sum").map_err(bad)?;
        let rows = f
            .counts
            .iter()
            .try_fold(0u64, |a, &c| a.checked_add(c))
            .ok_or_else(|| bad("the counts add up to more than u64::MAX rows".into()))?;
        // Only rows are added to a sum: an empty cluster's sum is zero.
        if let Some(c) =
            (0..k).find(|&c| f.counts[c] == 0 && sums[c * d..(c + 1) * d].iter().any(|&v| v != 0.0))
        {
            return Err(bad(format!("cluster {c} has no rows but a non-zero sum")));
        }
        if !(f.inertia.is_finite() && f.inertia >= 0.0) {
            return Err(bad(format!("inertia {} is not finite and >= 0", f.inertia)));
        }
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
            if f.counts.get(r.label).is_none_or(|&c| c == 0) {
                return Err(bad(format!(
                    "farthest row {i}: label {} is not a cluster with rows",
                    r.label
                )));
            }
            let row = matrix(vec![r.row], 1, d, "farthest").map_err(bad)?;
            finite(&row, d, "farthest").map_err(bad)?;
            far.push(Far {
                dist,
                label: r.label,
                row,
            });
        }
        p.sums = sums;
        p.counts = f.counts;
        p.inertia = f.inertia;
        p.far = far;
        Ok(p)
    }
}

impl Serialize for PartialSums {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        PartialFile::from(self).serialize(s)
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
    /// [`ClusterError::Json`] if serialisation fails (it does not: every
    /// number of partial sums is finite).
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
        serde_json::to_string(self).map_err(|source| ClusterError::Json {
            artifact: PARTIAL,
            source,
        })
    }

    /// Reads partial sums written by [`to_json`](Self::to_json),
    /// validating every field.
    ///
    /// # Errors
    ///
    /// [`ClusterError::UnsupportedFormat`] for another format or version;
    /// [`ClusterError::Json`] for malformed or truncated JSON, missing or
    /// unknown fields, values of the wrong type;
    /// [`ClusterError::InvalidArtifact`] for inconsistent sizes,
    /// non-finite numbers, row counts beyond `u64`, a non-zero sum of an
    /// empty cluster, or farthest rows out of order, of clusters without
    /// rows or not `min(k, rows)` of them.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_cluster::{ClusterError, PartialSums};
    ///
    /// let text = r#"{"format":"seg-cluster/partial-sums","format_version":9}"#;
    /// assert_eq!(
    ///     PartialSums::from_json(text).unwrap_err().to_string(),
    ///     "unsupported partial sums file: found format \"seg-cluster/partial-sums\" version 9, \
    ///      this release reads format \"seg-cluster/partial-sums\" version 1"
    /// );
    /// assert!(matches!(PartialSums::from_json("{"), Err(ClusterError::Json { .. })));
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        let file: PartialFile = read_json(
            json,
            PARTIAL,
            (PARTIAL_SUMS_FORMAT, PARTIAL_SUMS_FORMAT_VERSION),
        )?;
        PartialSums::try_from(file)
    }
}
