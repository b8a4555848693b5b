//! The error type of `seg-datasets`.

/// Everything that can go wrong while generating a dataset or simulating
/// traffic.
///
/// Every variant names the parameter at fault and carries the offending
/// value. Segments are named by their position in the simulator and their
/// name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// A scalar parameter is out of its domain.
    #[error("invalid {parameter} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter name, e.g. `n_samples` or `cluster_std`.
        parameter: &'static str,
        /// The offending value, formatted.
        value: String,
        /// What the parameter must satisfy.
        reason: &'static str,
    },
    /// [`crate::BlobsParams::centres`] asked for no centres or for more
    /// centres than samples.
    #[error("centres must be in 1..={n_samples}, got {k}")]
    InvalidCentres {
        /// The number of centres asked for.
        k: usize,
        /// The number of samples.
        n_samples: usize,
    },
    /// Given centres have another number of columns than `n_features`.
    #[error("centres_at has {got} columns, expected n_features = {expected}")]
    CentresDimension {
        /// `n_features`.
        expected: usize,
        /// The number of columns of the given centres.
        got: usize,
    },
    /// A given centre has a NaN or infinite coordinate.
    #[error("centre {row}, feature {column}: value {value} is not finite")]
    NonFiniteCentre {
        /// The centre (row of `centres_at`).
        row: usize,
        /// The feature (column of `centres_at`).
        column: usize,
        /// The offending value.
        value: f64,
    },
    /// A list parameter has the wrong number of values.
    #[error("{parameter} has {got} values, expected {expected}")]
    LengthMismatch {
        /// The parameter name, e.g. `cluster_stds` or `shares`.
        parameter: &'static str,
        /// The number of values it must have.
        expected: usize,
        /// The number of values it has.
        got: usize,
    },
    /// The traffic simulator has no segments.
    #[error("the simulator has no segments")]
    NoSegments,
    /// The traffic simulator has no variants.
    #[error("the simulator has no variants")]
    NoVariants,
    /// A parameter of one segment is out of its domain.
    #[error(
        "segment {index} (`{segment}`): invalid {parameter}{} = {value}: {reason}",
        element.as_ref().map(|e| format!("[{e}]")).unwrap_or_default()
    )]
    InvalidSegment {
        /// The position of the segment in the simulator.
        index: usize,
        /// The name of the segment.
        segment: String,
        /// The parameter, e.g. `returning`, `devices` or `sessions.mean`.
        parameter: &'static str,
        /// The element of a list parameter at fault: a category name
        /// (`mobile`), a position (`3`), or `sum` for the sum of the
        /// weights; `None` for a scalar parameter or a whole list.
        element: Option<String>,
        /// The offending value, formatted.
        value: String,
        /// What the parameter must satisfy.
        reason: &'static str,
    },
    /// A drift scenario refers to a segment the simulator does not have, or
    /// has a parameter out of its domain.
    #[error(
        "drift: invalid {parameter}{} = {value}: {reason}",
        segment.map(|i| format!(" of segment {i}")).unwrap_or_default()
    )]
    InvalidDrift {
        /// The parameter: `scale_share.segment`, `scale_share.factor`,
        /// `new_traffic_source.name` or `new_traffic_source.share`.
        parameter: &'static str,
        /// The segment whose share factor is at fault, for
        /// `scale_share.factor`.
        segment: Option<usize>,
        /// The offending value, formatted.
        value: String,
        /// What the parameter must satisfy.
        reason: &'static str,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = DatasetError> = std::result::Result<T, E>;
