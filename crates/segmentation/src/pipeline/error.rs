//! The error type of the pipeline.

use std::path::PathBuf;

use seg_cluster::ClusterError;
use seg_features::FeatureError;

/// Everything that can go wrong while fitting, applying, saving or loading
/// a [`Segmentation`](super::Segmentation).
///
/// Errors of the feature transform and of the segment model keep their
/// own type and message; errors of a batch name the row of the batch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The feature transform failed: a record of the wrong length or kind,
    /// a non-finite number, an unknown category, a schema that cannot fit.
    #[error(transparent)]
    Features {
        /// The error of `seg-features`.
        #[from]
        source: FeatureError,
    },
    /// Choosing k, fitting, the quality gate, the baseline or the drift
    /// report failed.
    #[error(transparent)]
    Cluster {
        /// The error of `seg-cluster`.
        #[from]
        source: ClusterError,
    },
    /// Profiling segments against an outcome failed: an outcome of
    /// another length than the records, fewer than two segments, an
    /// outcome that never varies.
    #[error(transparent)]
    Validate {
        /// The error of `seg-validate`.
        #[from]
        source: seg_validate::ValidateError,
    },
    /// A cell of an outcome column that is not an outcome.
    #[error("outcome at row {row}: `{value}` {reason}")]
    InvalidOutcome {
        /// The 0-based row of the cell.
        row: usize,
        /// The cell, trimmed.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A parameter of the pipeline is out of its domain.
    #[error("invalid {parameter} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter.
        parameter: &'static str,
        /// The offending value, formatted.
        value: String,
        /// What the parameter must satisfy.
        reason: &'static str,
    },
    /// A saved pipeline of another format or version.
    #[error("unsupported {artifact} file: found {found}, this release reads {expected}")]
    UnsupportedFormat {
        /// The artifact (`"segmentation pipeline"`).
        artifact: &'static str,
        /// The format and version found, e.g. `format "x" version 2`.
        found: String,
        /// The format and version this release reads.
        expected: String,
    },
    /// A saved pipeline whose parts disagree with each other.
    #[error("invalid {artifact}: {reason}")]
    InvalidArtifact {
        /// The artifact (`"segmentation pipeline"`).
        artifact: &'static str,
        /// What is inconsistent.
        reason: String,
    },
    /// Text that is not JSON of a saved pipeline, or whose parts fail their
    /// own checks (the message of the part is kept).
    #[error("malformed {artifact} JSON")]
    Json {
        /// The artifact (`"segmentation pipeline"`).
        artifact: &'static str,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// Reading or writing a file failed.
    #[error("cannot {operation} `{}`", path.display())]
    Io {
        /// What was being done: `read`, `write`, `create a file in the folder`, ….
        operation: &'static str,
        /// The file or folder involved.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A saved pipeline that is not a regular file (a FIFO, a device) or is
    /// larger than [`seg_artifact::MAX_ARTIFACT_BYTES`]: refused before
    /// reading.
    #[error(transparent)]
    File {
        /// The error naming the path.
        source: seg_artifact::ArtifactError,
    },
}

seg_artifact::impl_from_artifact_error!(PipelineError);

/// The result type of the pipeline.
pub type Result<T> = std::result::Result<T, PipelineError>;

/// `error` with its row moved by `offset` (for a chunk of a batch that
/// starts at row `offset`); errors without a row are returned unchanged.
pub(crate) fn shift_row(mut error: FeatureError, offset: usize) -> FeatureError {
    match &mut error {
        FeatureError::RecordLength { row, .. }
        | FeatureError::WrongKind { row, .. }
        | FeatureError::NonFinite { row, .. }
        | FeatureError::UnknownCategory { row, .. }
        | FeatureError::NonFiniteCell { row, .. } => *row = row.saturating_add(offset),
        _ => {}
    }
    error
}
