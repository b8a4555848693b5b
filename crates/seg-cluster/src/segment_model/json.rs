//! Versioned JSON of a segment model, loaded through the checks of every
//! segment model ([`SegmentModel::from_parts`]).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{QualityVerdict, SEGMENT_MODEL, SegmentModel};
use crate::artifact::{check_format, read_json};
use crate::auto_k::KSelection;
use crate::drift::Baseline;
use crate::error::{ClusterError, Result};
use crate::model::KMeans;

/// The `"format"` field of a saved [`SegmentModel`].
pub const SEGMENT_MODEL_FORMAT: &str = "seg-segment-model";
/// The `"format_version"` this crate writes and reads.
pub const SEGMENT_MODEL_FORMAT_VERSION: u64 = 1;

/// The JSON layout of a segment model (the raw mirror, unchecked across
/// its parts; each part loads through its own checks).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SegmentModelFile {
    format: String,
    format_version: u64,
    model_version: u64,
    parent_version: Option<u64>,
    created_at: u64,
    feature_names: Vec<String>,
    kmeans: KMeans,
    selection: KSelection,
    quality: QualityVerdict,
    baseline: Baseline,
}

/// The same layout, borrowed, for saving.
#[derive(Serialize)]
struct SegmentModelRef<'a> {
    format: &'static str,
    format_version: u64,
    model_version: u64,
    parent_version: Option<u64>,
    created_at: u64,
    feature_names: &'a [String],
    kmeans: &'a KMeans,
    selection: &'a KSelection,
    quality: &'a QualityVerdict,
    baseline: &'a Baseline,
}

impl TryFrom<SegmentModelFile> for SegmentModel {
    type Error = ClusterError;

    /// The format and version, then [`SegmentModel::from_parts`].
    fn try_from(f: SegmentModelFile) -> Result<Self> {
        check_format(
            SEGMENT_MODEL,
            (&f.format, f.format_version),
            (SEGMENT_MODEL_FORMAT, SEGMENT_MODEL_FORMAT_VERSION),
        )?;
        SegmentModel::from_parts(
            f.model_version,
            f.parent_version,
            f.created_at,
            f.feature_names,
            f.kmeans,
            f.selection,
            f.quality,
            f.baseline,
        )
    }
}

impl Serialize for SegmentModel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        SegmentModelRef {
            format: SEGMENT_MODEL_FORMAT,
            format_version: SEGMENT_MODEL_FORMAT_VERSION,
            model_version: self.model_version,
            parent_version: self.parent_version,
            created_at: self.created_at,
            feature_names: &self.feature_names,
            kmeans: &self.kmeans,
            selection: &self.selection,
            quality: &self.quality,
            baseline: &self.baseline,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for SegmentModel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let file = SegmentModelFile::deserialize(d)?;
        SegmentModel::try_from(file).map_err(serde::de::Error::custom)
    }
}

impl SegmentModel {
    /// The model as JSON: `"format": "seg-segment-model"`,
    /// `"format_version": 1`, `model_version`, `parent_version` (or
    /// `null`), `created_at` (seconds since 1970 UTC), `feature_names`,
    /// `kmeans` (a [`KMeans`] model without training labels),
    /// `selection` (the per-k table and reason), `quality` (the verdict)
    /// and `baseline`. Floats round-trip exactly.
    ///
    /// # Errors
    ///
    /// [`ClusterError::Json`] if serialisation fails (every number of a
    /// checked model is finite, so it does not).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|source| ClusterError::Json {
            artifact: SEGMENT_MODEL,
            source,
        })
    }

    /// A model from [`to_json`](Self::to_json)'s output, with every check
    /// of a trained model (see [`SegmentModel`]). Truncated, hostile or
    /// inconsistent text gives an error, never a panic.
    ///
    /// # Errors
    ///
    /// [`ClusterError::UnsupportedFormat`] for another format or version
    /// (of the segment model itself; a part of another version, such as
    /// the embedded k-means model, is reported as [`ClusterError::Json`]
    /// with the part's message), [`ClusterError::Json`] for text that is
    /// not JSON of a segment model's shape or whose parts fail their own
    /// checks, [`ClusterError::InvalidArtifact`] for parts that disagree
    /// with each other.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_cluster::{ClusterError, SegmentModel};
    ///
    /// let old = r#"{"format":"seg-segment-model","format_version":0}"#;
    /// assert!(matches!(SegmentModel::from_json(old), Err(ClusterError::UnsupportedFormat { .. })));
    /// assert!(matches!(SegmentModel::from_json("{\"format\":"), Err(ClusterError::Json { .. })));
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        let file: SegmentModelFile = read_json(
            json,
            SEGMENT_MODEL,
            (SEGMENT_MODEL_FORMAT, SEGMENT_MODEL_FORMAT_VERSION),
        )?;
        SegmentModel::try_from(file)
    }

    /// Saves the model to `path` atomically, with
    /// [`seg_artifact::write_atomically`]: the JSON is written to a
    /// temporary file with a unique name in the same directory, synced,
    /// and renamed over `path`; the directory is then synced. Concurrent
    /// saves of one path (threads or processes) leave one whole model. A
    /// failure leaves the old file (if any) untouched and no temporary
    /// file behind.
    ///
    /// # Errors
    ///
    /// [`ClusterError::MissingDirectory`] when the directory of `path`
    /// does not exist, [`ClusterError::UnwritableDirectory`] when a file
    /// cannot be created in it, [`ClusterError::Io`] for other failures.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let json = self.to_json()?;
        seg_artifact::write_atomically(path, json.as_bytes())?;
        Ok(())
    }

    /// Loads a model saved by [`save`](Self::save), with the checks of
    /// [`from_json`](Self::from_json). The path must name a regular file
    /// of at most [`MAX_ARTIFACT_BYTES`](seg_artifact::MAX_ARTIFACT_BYTES)
    /// (256 MiB): a FIFO or a device is refused at once, without reading.
    ///
    /// # Errors
    ///
    /// [`ClusterError::Io`] naming the path when it cannot be read,
    /// [`ClusterError::File`] when it is not a regular file or is too
    /// large, and the errors of [`from_json`](Self::from_json).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let text = seg_artifact::read_to_string_bounded(path, seg_artifact::MAX_ARTIFACT_BYTES)?;
        Self::from_json(&text)
    }
}
