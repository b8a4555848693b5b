//! Versioned JSON of a fitted model, validated on load.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{ClusterError, Result};
use crate::kmeans::KMeans;

/// The `"format"` field of a saved [`KMeans`] model.
pub const MODEL_FORMAT: &str = "seg-cluster/kmeans";
/// The `"format_version"` this crate writes and reads.
pub const MODEL_FORMAT_VERSION: u64 = 1;

/// The JSON layout of a model.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModelFile {
    format: String,
    format_version: u64,
    k: usize,
    n_features: usize,
    centroids: Vec<Vec<f64>>,
    labels: Vec<usize>,
    inertia: f64,
    n_iter: usize,
    converged: bool,
}

impl From<KMeans> for ModelFile {
    fn from(m: KMeans) -> Self {
        ModelFile {
            format: MODEL_FORMAT.into(),
            format_version: MODEL_FORMAT_VERSION,
            k: m.k(),
            n_features: m.n_features(),
            centroids: m.centroids.rows().into_iter().map(|r| r.to_vec()).collect(),
            labels: m.labels,
            inertia: m.inertia,
            n_iter: m.n_iter,
            converged: m.converged,
        }
    }
}

fn bad(reason: String) -> ClusterError {
    ClusterError::InvalidModel { reason }
}

/// `rows` (k arrays of d finite values) flattened, or why not (as the
/// error `bad` makes of a reason).
pub(crate) fn matrix(
    rows: Vec<Vec<f64>>,
    k: usize,
    d: usize,
    what: &str,
    bad: fn(String) -> ClusterError,
) -> Result<Vec<f64>> {
    if rows.len() != k {
        return Err(bad(format!("{} {what} rows for k = {k}", rows.len())));
    }
    if let Some(r) = rows.iter().position(|r| r.len() != d) {
        return Err(bad(format!(
            "{what} row {r} has {} values, expected {d}",
            rows[r].len()
        )));
    }
    let flat = rows.concat();
    if let Some(i) = flat.iter().position(|v| !v.is_finite()) {
        return Err(bad(format!(
            "{what} row {}, feature {} is not finite",
            i / d,
            i % d
        )));
    }
    Ok(flat)
}

impl TryFrom<ModelFile> for KMeans {
    type Error = ClusterError;

    fn try_from(f: ModelFile) -> Result<Self> {
        if f.format != MODEL_FORMAT || f.format_version != MODEL_FORMAT_VERSION {
            return Err(ClusterError::UnsupportedFormat {
                format: f.format,
                version: f.format_version,
            });
        }
        if f.k == 0 || f.n_features == 0 {
            return Err(bad(format!(
                "k = {} and n_features = {} must be positive",
                f.k, f.n_features
            )));
        }
        let flat = matrix(f.centroids, f.k, f.n_features, "centroid", bad)?;
        if let Some(i) = f.labels.iter().position(|&l| l >= f.k) {
            return Err(bad(format!(
                "label {} of row {i} is not below k = {}",
                f.labels[i], f.k
            )));
        }
        if !(f.inertia.is_finite() && f.inertia >= 0.0) {
            return Err(bad(format!("inertia {} is not finite and >= 0", f.inertia)));
        }
        let centroids =
            Array2::from_shape_vec((f.k, f.n_features), flat).map_err(|e| bad(e.to_string()))?;
        Ok(KMeans::from_parts(
            centroids,
            f.labels,
            f.inertia,
            f.n_iter,
            f.converged,
        ))
    }
}

impl Serialize for KMeans {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        ModelFile::from(self.clone()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for KMeans {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let file = ModelFile::deserialize(d)?;
        KMeans::try_from(file).map_err(serde::de::Error::custom)
    }
}

impl KMeans {
    /// The model as JSON: `"format": "seg-cluster/kmeans"`,
    /// `"format_version": 1`, `k`, `n_features`, `centroids` (k arrays of
    /// d numbers), the training `labels`, `inertia`, `n_iter` and
    /// `converged`. Floats round-trip exactly.
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidModel`] if serialisation fails (it does not
    /// for a fitted model).
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Init, KMeans};
    ///
    /// let x = array![[0.0], [1.0], [10.0]];
    /// let model = KMeans::params(2).init(Init::Explicit(array![[0.0], [10.0]])).fit(x.view())?;
    /// let json = model.to_json()?;
    /// assert!(json.starts_with(r#"{"format":"seg-cluster/kmeans","format_version":1"#));
    /// assert_eq!(KMeans::from_json(&json)?, model);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| bad(e.to_string()))
    }

    /// A model from [`to_json`](Self::to_json)'s output, validated: known
    /// format and version, k and d positive, centroids k × d and finite,
    /// labels below k, inertia finite. Truncated or hostile input gives an
    /// error, never a panic.
    ///
    /// # Errors
    ///
    /// [`ClusterError::UnsupportedFormat`] for another format or version,
    /// [`ClusterError::InvalidModel`] for malformed or inconsistent JSON.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_cluster::{ClusterError, KMeans};
    ///
    /// assert!(matches!(KMeans::from_json("{\"format\":"), Err(ClusterError::InvalidModel { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        let file: ModelFile = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        KMeans::try_from(file)
    }
}
