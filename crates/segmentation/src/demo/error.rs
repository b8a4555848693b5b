//! The error type of the walk-through.

use std::path::PathBuf;

use crate::pipeline::PipelineError;

/// What can stop the walk-through: an error of one of the libraries it
/// runs (kept as the source), a file or folder that cannot be written, or
/// output that cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// Fitting, assigning, drift or retraining failed.
    #[error(transparent)]
    Pipeline {
        /// The pipeline's error.
        #[from]
        source: PipelineError,
    },
    /// The traffic simulator rejected its configuration.
    #[error(transparent)]
    Datasets {
        /// The simulator's error.
        #[from]
        source: seg_datasets::DatasetError,
    },
    /// A quality metric failed.
    #[error(transparent)]
    Validate {
        /// The metric's error.
        #[from]
        source: seg_validate::ValidateError,
    },
    /// Planning or monitoring the experiment failed.
    #[error(transparent)]
    Power {
        /// The power calculator's error.
        #[from]
        source: seg_power::PowerError,
    },
    /// The bandit state or its SQLite store failed.
    #[error(transparent)]
    Bandit {
        /// The bandit state's error.
        #[from]
        source: seg_bandit_state::BanditError,
    },
    /// An option is out of its domain.
    #[error("invalid {parameter} = {value}: {reason}")]
    InvalidParameter {
        /// The option.
        parameter: &'static str,
        /// The offending value, formatted.
        value: String,
        /// What the option must satisfy.
        reason: &'static str,
    },
    /// A folder or file could not be created or written.
    #[error("cannot create `{}`", path.display())]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The text output could not be written.
    #[error("cannot write the walk-through's output")]
    Output {
        /// The writer's error.
        #[source]
        source: std::io::Error,
    },
    /// A chart could not be drawn.
    #[error("chart {}: {reason}", path.display())]
    Chart {
        /// The SVG file.
        path: PathBuf,
        /// What went wrong (the drawing backend's message).
        reason: String,
    },
}

impl From<std::io::Error> for DemoError {
    /// An error of the text output.
    fn from(source: std::io::Error) -> Self {
        DemoError::Output { source }
    }
}

impl From<seg_features::FeatureError> for DemoError {
    fn from(source: seg_features::FeatureError) -> Self {
        DemoError::Pipeline {
            source: PipelineError::from(source),
        }
    }
}

impl From<seg_cluster::ClusterError> for DemoError {
    fn from(source: seg_cluster::ClusterError) -> Self {
        DemoError::Pipeline {
            source: PipelineError::from(source),
        }
    }
}
