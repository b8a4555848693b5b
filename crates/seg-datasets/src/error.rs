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
    /// [`crate::BlobsParams::centers`] asked for no centres or for more
    /// centres than samples.
    #[error("centers must be in 1..={n_samples}, got {k}")]
    InvalidCenters {
        /// The number of centres asked for.
        k: usize,
        /// The number of samples.
        n_samples: usize,
    },
    /// Given centres have another number of columns than `n_features`.
    #[error("centers_at has {got} columns, expected n_features = {expected}")]
    CentersDimension {
        /// `n_features`.
        expected: usize,
        /// The number of columns of the given centres.
        got: usize,
    },
    /// A given centre has a NaN or infinite coordinate.
    #[error("centre {row}, feature {column}: value {value} is not finite")]
    NonFiniteCenter {
        /// The centre (row of `centers_at`).
        row: usize,
        /// The feature (column of `centers_at`).
        column: usize,
        /// The offending value.
        value: f64,
    },
    /// A list parameter has the wrong number of values.
    #[error("{parameter} has {got} values, expected {expected}")]
    WrongLength {
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
    #[error("segment {index} (`{segment}`): invalid {parameter} = {value}: {reason}")]
    InvalidSegment {
        /// The position of the segment in the simulator.
        index: usize,
        /// The name of the segment.
        segment: String,
        /// The parameter, e.g. `returning` or `devices[mobile]`.
        parameter: String,
        /// The offending value, formatted.
        value: String,
        /// What the parameter must satisfy.
        reason: &'static str,
    },
    /// A drift scenario refers to a segment the simulator does not have, or
    /// has a parameter out of its domain.
    #[error("drift: invalid {parameter} = {value}: {reason}")]
    InvalidDrift {
        /// The parameter, e.g. `new_traffic_source share` or
        /// `scale_share[7]`.
        parameter: String,
        /// The offending value, formatted.
        value: String,
        /// What the parameter must satisfy.
        reason: &'static str,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = DatasetError> = std::result::Result<T, E>;
