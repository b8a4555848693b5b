//! The error type of the walk-through.

use std::path::PathBuf;

use segmentation::pipeline::PipelineError;

/// What can stop the walk-through: an error of one of the libraries it
/// runs (kept as the source), an option out of its domain, a file or
/// folder that cannot be written, output that cannot be written, or a
/// chart that cannot be drawn.
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
        source: segmentation::datasets::DatasetError,
    },
    /// A quality metric failed.
    #[error(transparent)]
    Validate {
        /// The metric's error.
        #[from]
        source: segmentation::validate::ValidateError,
    },
    /// Planning or monitoring the experiment failed.
    #[error(transparent)]
    Power {
        /// The power calculator's error.
        #[from]
        source: segmentation::power::PowerError,
    },
    /// The bandit state or its SQLite store failed.
    #[error(transparent)]
    Bandit {
        /// The bandit state's error.
        #[from]
        source: segmentation::bandit::BanditError,
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
    #[error("cannot write `{}`", path.display())]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The text of the walk-through could not be written.
    #[error("cannot write the walk-through's text")]
    Output {
        /// The writer's error.
        #[source]
        source: std::io::Error,
    },
    /// A chart could not be drawn.
    #[error("cannot draw the chart `{chart}`")]
    Chart {
        /// The chart (`scores-by-k`, `segments`, `allocation`, `drift-psi`).
        chart: &'static str,
        /// The drawing backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl From<segmentation::features::FeatureError> for DemoError {
    fn from(source: segmentation::features::FeatureError) -> Self {
        DemoError::Pipeline {
            source: PipelineError::from(source),
        }
    }
}

impl From<segmentation::cluster::ClusterError> for DemoError {
    fn from(source: segmentation::cluster::ClusterError) -> Self {
        DemoError::Pipeline {
            source: PipelineError::from(source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_name_the_path_and_keep_the_cause_only_as_source() {
        let err = DemoError::Io {
            path: PathBuf::from("charts/segments.svg"),
            source: std::io::Error::other("disk full"),
        };
        assert_eq!(err.to_string(), "cannot write `charts/segments.svg`");
        let cause = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(cause.as_deref(), Some("disk full"));
    }

    #[test]
    fn the_error_is_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<DemoError>();
    }
}
