//! Versioned JSON of a segmentation, and its atomic save.

use std::path::Path;

use seg_artifact::{
    MAX_ARTIFACT_BYTES, check_format, compare_format, read_to_string_bounded, write_atomically,
};
use seg_cluster::SegmentModel;
use seg_features::Transformer;
use serde::{Deserialize, Serialize};

use super::error::{PipelineError, Result};
use super::fields::FieldBaseline;
use super::segmentation::Segmentation;

/// The `"format"` field of a saved [`Segmentation`].
pub const PIPELINE_FORMAT: &str = "segmentation-pipeline";
/// The `"format_version"` this release writes and reads.
pub const PIPELINE_FORMAT_VERSION: u64 = 2;

/// The artifact named in the errors of a saved segmentation.
pub(crate) const PIPELINE: &str = "segmentation pipeline";

/// The JSON layout of a segmentation; each part loads through its own
/// checks, the whole through [`Segmentation::new`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSegmentation {
    format: String,
    format_version: u64,
    transform: Transformer,
    model: SegmentModel,
    /// Version 2 on.
    #[serde(default)]
    fields: Option<FieldBaseline>,
}

/// The same layout, borrowed, for saving.
#[derive(Serialize)]
struct SegmentationRef<'a> {
    format: &'static str,
    format_version: u64,
    transform: &'a Transformer,
    model: &'a SegmentModel,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a FieldBaseline>,
}

fn check_header(format: &str, version: u64) -> Result<()> {
    // Version 1 (without the field baseline) still loads.
    let version = if version == 1 {
        PIPELINE_FORMAT_VERSION
    } else {
        version
    };
    compare_format(
        PIPELINE,
        (format, version),
        (PIPELINE_FORMAT, PIPELINE_FORMAT_VERSION),
    )?;
    Ok(())
}

impl TryFrom<RawSegmentation> for Segmentation {
    type Error = PipelineError;

    /// The format and version, then the check of [`Segmentation::new`].
    fn try_from(raw: RawSegmentation) -> Result<Self> {
        check_header(&raw.format, raw.format_version)?;
        let mut s = Segmentation::new(raw.transform, raw.model)?;
        if let Some(fields) = raw.fields {
            fields.check(s.transformer.schema()).map_err(|reason| {
                PipelineError::InvalidArtifact {
                    artifact: PIPELINE,
                    reason,
                }
            })?;
            s.fields = Some(fields);
        }
        Ok(s)
    }
}

impl Serialize for Segmentation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        SegmentationRef {
            format: PIPELINE_FORMAT,
            format_version: PIPELINE_FORMAT_VERSION,
            transform: &self.transformer,
            model: &self.model,
            fields: self.fields.as_ref(),
        }
        .serialize(s)
    }
}

impl Segmentation {
    /// The segmentation as JSON: `"format": "segmentation-pipeline"`,
    /// `"format_version": 2`, `"transform"` (seg-features' transform
    /// JSON), `"model"` (seg-cluster's segment model JSON) and, when the
    /// segmentation has one, `"fields"` (the raw fields' baseline of
    /// [`drift`](Self::drift)). Version 1 files (no `"fields"`) load.
    /// Floats round-trip exactly.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Json`] if serialisation fails (every number of a
    /// checked segmentation is finite, so it does not).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|source| PipelineError::Json {
            artifact: PIPELINE,
            source,
        })
    }

    /// A segmentation from [`to_json`](Self::to_json)'s output, with the
    /// checks of the transform, of the segment model and of
    /// [`Segmentation::new`]. Truncated, hostile or inconsistent text
    /// gives an error, never a panic.
    ///
    /// # Errors
    ///
    /// [`PipelineError::UnsupportedFormat`] for another format or version
    /// of the pipeline file, [`PipelineError::Json`] for text that is not
    /// JSON of a pipeline's shape or whose parts fail their own checks
    /// (the part's message is kept), [`PipelineError::InvalidArtifact`]
    /// when the transform's features are not the model's.
    ///
    /// # Example
    ///
    /// ```
    /// use segmentation::pipeline::{PipelineError, Segmentation};
    ///
    /// let newer = r#"{"format":"segmentation-pipeline","format_version":3}"#;
    /// assert!(matches!(Segmentation::from_json(newer), Err(PipelineError::UnsupportedFormat { .. })));
    /// assert!(matches!(Segmentation::from_json("{\"format\":"), Err(PipelineError::Json { .. })));
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        // Version 1 (without the field baseline) still loads.
        check_format(json, PIPELINE, PIPELINE_FORMAT, PIPELINE_FORMAT_VERSION)
            .or_else(|e| check_format(json, PIPELINE, PIPELINE_FORMAT, 1).map_err(|_| e))?;
        let raw: RawSegmentation =
            serde_json::from_str(json).map_err(|source| PipelineError::Json {
                artifact: PIPELINE,
                source,
            })?;
        Segmentation::try_from(raw)
    }

    /// Saves the segmentation to `path` atomically, with
    /// [`seg_artifact::write_atomically`]: the JSON is written to a
    /// temporary file with a unique name in the same folder, synced to
    /// disk, renamed over `path`, and the folder is synced. Concurrent
    /// saves of one path (threads or processes) leave one whole
    /// segmentation. A failure leaves the old file (if any) as it was and
    /// no temporary file behind.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Io`] naming the folder or file that failed (a
    /// folder that does not exist or cannot be written, a full disk).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let json = self.to_json()?;
        write_atomically(path, json.as_bytes())?;
        Ok(())
    }

    /// Loads a segmentation saved by [`save`](Self::save), with the
    /// checks of [`from_json`](Self::from_json). The path must name a
    /// regular file of at most
    /// [`MAX_ARTIFACT_BYTES`](seg_artifact::MAX_ARTIFACT_BYTES) (256 MiB):
    /// a FIFO or a device is refused at once, without reading.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Io`] naming the path when it cannot be read,
    /// [`PipelineError::File`] when it is not a regular file or is too
    /// large, and the errors of [`from_json`](Self::from_json).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let text = read_to_string_bounded(path, MAX_ARTIFACT_BYTES)?;
        Segmentation::from_json(&text)
    }
}
