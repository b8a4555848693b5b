//! The error type of `seg-cluster`.

/// Everything that can be wrong with the input or the parameters of a fit,
/// a prediction or a saved model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// No rows or no columns.
    #[error("empty input: {rows} rows x {cols} columns")]
    EmptyInput {
        /// Rows of the data.
        rows: usize,
        /// Columns of the data.
        cols: usize,
    },
    /// A NaN or infinite entry in the data.
    #[error("row {row}, column {column}: value {value} is not finite")]
    NonFinite {
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        column: usize,
        /// The value.
        value: f64,
    },
    /// k is 0 or above the number of rows.
    #[error("k must be in 1..={n_samples}, got {k}")]
    InvalidK {
        /// The requested number of clusters.
        k: usize,
        /// Rows of the data.
        n_samples: usize,
    },
    /// k is above the number of distinct rows.
    #[error("k = {k} exceeds the {distinct} distinct points of the data")]
    TooFewDistinctPoints {
        /// The requested number of clusters.
        k: usize,
        /// Distinct rows of the data.
        distinct: usize,
    },
    /// A parameter outside its domain.
    #[error("invalid {parameter} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter name.
        parameter: &'static str,
        /// The value, formatted.
        value: String,
        /// What it must satisfy.
        reason: &'static str,
    },
    /// Data (or one point) with another number of features than the model.
    #[error("expected {expected} features, got {got}")]
    DimensionMismatch {
        /// Features of the model (or of the centres).
        expected: usize,
        /// Features of the input.
        got: usize,
    },
    /// Explicit initial centres of the wrong shape.
    #[error("initial centres must be {k} x {d}, got {rows} x {cols}")]
    CentresShape {
        /// Expected rows (k).
        k: usize,
        /// Expected columns (features of the data).
        d: usize,
        /// Rows given.
        rows: usize,
        /// Columns given.
        cols: usize,
    },
    /// An output buffer or label slice of the wrong length.
    #[error("buffer of length {got}, expected {expected}")]
    LengthMismatch {
        /// The length required.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// Partial sums accumulated against different centres.
    #[error("partial sums were accumulated against different centres")]
    CentresMismatch,
    /// Squared distances overflowed: the data values are too large (above
    /// about 1e150 in magnitude).
    #[error("squared distances overflow: rescale the data")]
    Overflow,
    /// A saved model that is malformed, truncated or inconsistent.
    #[error("invalid model: {reason}")]
    InvalidModel {
        /// What is wrong.
        reason: String,
    },
    /// Saved partial sums that are malformed, truncated or inconsistent.
    #[error("invalid partial sums: {reason}")]
    InvalidPartialSums {
        /// What is wrong.
        reason: String,
    },
    /// A saved model or saved partial sums of another format or of an
    /// unknown version.
    #[error("unsupported model format {format:?} version {version}")]
    UnsupportedFormat {
        /// The `"format"` field.
        format: String,
        /// The `"format_version"` field.
        version: u64,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = ClusterError> = std::result::Result<T, E>;
