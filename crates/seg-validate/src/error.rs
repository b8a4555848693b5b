//! The error type of `seg-validate`.

/// Everything that can be wrong with the input of a metric.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidateError {
    /// No rows (or no columns); for the functions of labels alone, no
    /// labels (reported as 0 rows x 0 columns).
    #[error("empty input: {rows} rows x {cols} columns")]
    EmptyInput {
        /// Rows of the data.
        rows: usize,
        /// Columns of the data.
        cols: usize,
    },
    /// A slice of another length than the input it goes with: labels for
    /// the rows of the data, a second labeling for the first, outcomes for
    /// the labels.
    #[error("{parameter} has {got} values, expected {expected} (one per {one_per})")]
    LengthMismatch {
        /// The argument of the wrong length: `labels`, `b` or `outcomes`.
        parameter: &'static str,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        got: usize,
        /// What each of its values goes with: `row of x`, `label of a` or
        /// `label`.
        one_per: &'static str,
    },
    /// The number of distinct clusters is outside what the metric needs.
    #[error("the metric needs {min} <= clusters <= {max}, got {k} clusters")]
    InvalidClusterCount {
        /// Distinct labels found.
        k: usize,
        /// The smallest valid count.
        min: usize,
        /// The largest valid count.
        max: usize,
    },
    /// A NaN or infinite entry.
    #[error("row {row}, column {column}: value {value} is not finite")]
    NonFinite {
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        column: usize,
        /// The value.
        value: f64,
    },
    /// A sample size of 0 or above the number of rows.
    #[error("sample_size must be in 1..={n}, got {sample_size}")]
    InvalidSampleSize {
        /// The requested sample size.
        sample_size: usize,
        /// The number of rows.
        n: usize,
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
}

/// Shorthand for results of this crate.
pub type Result<T, E = ValidateError> = std::result::Result<T, E>;
