//! Versioned JSON of a fitted model, loaded through the checks of every
//! model ([`KMeans::from_parts`]).

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::{KMeans, MODEL, invalid};
use crate::artifact::{check_format, matrix, read_json};
use crate::error::{ClusterError, Result};

/// The `"format"` field of a saved [`KMeans`] model.
pub const MODEL_FORMAT: &str = "seg-cluster/kmeans";
/// The `"format_version"` this crate writes and reads.
pub const MODEL_FORMAT_VERSION: u64 = 1;

/// The JSON layout of a model (the raw mirror of [`KMeans`], unchecked).
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

impl From<&KMeans> for ModelFile {
    fn from(m: &KMeans) -> Self {
        ModelFile {
            format: MODEL_FORMAT.into(),
            format_version: MODEL_FORMAT_VERSION,
            k: m.k(),
            n_features: m.n_features(),
            centroids: m.centroids.rows().into_iter().map(|r| r.to_vec()).collect(),
            labels: m.labels.clone(),
            inertia: m.inertia,
            n_iter: m.n_iter,
            converged: m.converged,
        }
    }
}

impl TryFrom<ModelFile> for KMeans {
    type Error = ClusterError;

    /// The format and version, the centroids' shape against `k` and
    /// `n_features`, then [`KMeans::from_parts`].
    fn try_from(f: ModelFile) -> Result<Self> {
        check_format(
            MODEL,
            (&f.format, f.format_version),
            (MODEL_FORMAT, MODEL_FORMAT_VERSION),
        )?;
        let flat = matrix(f.centroids, f.k, f.n_features, "centroid").map_err(invalid)?;
        let centroids = Array2::from_shape_vec((f.k, f.n_features), flat)
            .map_err(|e| invalid(e.to_string()))?;
        KMeans::from_parts(centroids, f.labels, f.inertia, f.n_iter, f.converged)
    }
}

impl Serialize for KMeans {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        ModelFile::from(self).serialize(s)
    }
}

impl KMeans {
    /// The model as JSON: `"format": "seg-cluster/kmeans"`,
    /// `"format_version": 1`, `k`, `n_features`, `centroids` (k arrays of
    /// d numbers), the training `labels`, `inertia`, `n_iter` and
    /// `converged`. Floats round-trip exactly (every number of a model is
    /// finite).
    ///
    /// # Errors
    ///
    /// [`ClusterError::Json`] if serialisation fails (it does not for a
    /// model, whose numbers are all finite).
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
        serde_json::to_string(self).map_err(|source| ClusterError::Json {
            artifact: MODEL,
            source,
        })
    }

    /// A model from [`to_json`](Self::to_json)'s output, validated as a
    /// fitted model is: known format and version, k and d positive,
    /// centroids k × d and finite, labels below k, inertia finite and
    /// non-negative. Truncated or hostile input gives an error, never a
    /// panic.
    ///
    /// # Errors
    ///
    /// [`ClusterError::UnsupportedFormat`] for another format or version,
    /// [`ClusterError::Json`] for text that is not JSON of a model's
    /// shape (truncated, a missing or unknown field, a wrong type),
    /// [`ClusterError::InvalidArtifact`] for inconsistent content.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_cluster::{ClusterError, KMeans};
    ///
    /// assert!(matches!(KMeans::from_json("{\"format\":"), Err(ClusterError::Json { .. })));
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        let file: ModelFile = read_json(json, MODEL, (MODEL_FORMAT, MODEL_FORMAT_VERSION))?;
        KMeans::try_from(file)
    }
}
