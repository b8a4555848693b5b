//! The error type of `seg-features`.

/// Everything that can go wrong while declaring, fitting, applying, saving or
/// loading a feature transform.
///
/// Every variant names the field, row or value at fault. Rows are 0-based
/// positions in the input slice.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FeatureError {
    /// A schema must declare at least one field.
    #[error("schema declares no fields")]
    EmptySchema,
    /// Two fields share a name.
    #[error("field name `{name}` is declared twice")]
    DuplicateField {
        /// The repeated name.
        name: String,
    },
    /// A field name is empty or contains a character reserved for feature
    /// names (`=`).
    #[error("invalid field name `{name}`: names must be non-empty and must not contain `=`")]
    InvalidFieldName {
        /// The offending name.
        name: String,
    },
    /// A field was referred to by a name the schema does not declare.
    #[error("unknown field `{name}`")]
    UnknownField {
        /// The unknown name.
        name: String,
    },
    /// A parameter of a field specification is out of its domain.
    #[error("field `{field}`: invalid {parameter} = {value}: {reason}")]
    InvalidParameter {
        /// The field whose specification is invalid.
        field: String,
        /// The parameter name.
        parameter: &'static str,
        /// The offending value, formatted.
        value: String,
        /// What the parameter must satisfy.
        reason: &'static str,
    },
    /// `fit` was given no records.
    #[error("no records to fit")]
    EmptyInput,
    /// A record has another number of values than the schema has fields.
    #[error("row {row}: expected {expected} values (one per field), got {got}")]
    WrongLength {
        /// The row of the record.
        row: usize,
        /// The number of fields of the schema.
        expected: usize,
        /// The number of values in the record.
        got: usize,
    },
    /// A value is of another kind than its field.
    #[error("row {row}, field `{field}`: expected a {expected} value, got {got}")]
    WrongKind {
        /// The row of the record.
        row: usize,
        /// The field.
        field: String,
        /// The kind the field accepts.
        expected: &'static str,
        /// The kind that was given.
        got: &'static str,
    },
    /// A number is NaN or infinite.
    #[error("row {row}, field `{field}`: value {value} is not finite")]
    NonFinite {
        /// The row of the record.
        row: usize,
        /// The field.
        field: String,
        /// The offending value.
        value: f64,
    },
    /// A category not seen during fitting, under [`crate::Unknown::Error`].
    #[error("row {row}, field `{field}`: unknown category `{category}`")]
    UnknownCategory {
        /// The row of the record.
        row: usize,
        /// The field.
        field: String,
        /// The category text.
        category: String,
    },
    /// A category whose text collides with a reserved column label.
    #[error("field `{field}`: category `{category}` is reserved for the encoder's own columns")]
    ReservedCategory {
        /// The field.
        field: String,
        /// The reserved text.
        category: String,
    },
    /// A numeric or boolean field has no non-missing value in the fitting data.
    #[error("field `{field}`: every value is missing, nothing to fit")]
    AllMissing {
        /// The field.
        field: String,
    },
    /// Fitting a scaler overflowed: the values are too large to compute a
    /// finite mean, standard deviation or interquartile range.
    #[error("field `{field}`: values too large to scale without overflow")]
    Overflow {
        /// The field (or `column j` for a matrix scaler).
        field: String,
    },
    /// An output buffer or a feature row has the wrong length.
    #[error("expected a buffer of {expected} features, got {got}")]
    OutputLength {
        /// The number of output features of the transform.
        expected: usize,
        /// The length that was given.
        got: usize,
    },
    /// A data matrix for a scaler has no rows or no columns, or another number
    /// of columns than the fitted scaler.
    #[error("invalid matrix shape {rows} x {cols}: {reason}")]
    Shape {
        /// Rows of the matrix.
        rows: usize,
        /// Columns of the matrix.
        cols: usize,
        /// What was expected.
        reason: String,
    },
    /// A matrix entry is NaN or infinite.
    #[error("row {row}, column {column}: value {value} is not finite")]
    NonFiniteCell {
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        column: usize,
        /// The offending value.
        value: f64,
    },
    /// A saved transform could not be parsed: truncated, not JSON, or of
    /// another structure.
    #[error("invalid transform JSON: {0}")]
    Json(String),
    /// A saved artifact of another kind.
    #[error("unexpected format `{found}`, expected `{expected}`")]
    Format {
        /// The `format` field that was found.
        found: String,
        /// The format this loader reads.
        expected: &'static str,
    },
    /// A saved artifact of a format version this release cannot read.
    #[error("unsupported format_version {found}, this release reads version {supported}")]
    FormatVersion {
        /// The version that was found.
        found: u64,
        /// The version this release reads.
        supported: u64,
    },
    /// A saved transform that parses but is inconsistent.
    #[error("invalid saved transform: {0}")]
    Invalid(String),
    /// A CSV line could not be read.
    #[error("CSV line {line}: {reason}")]
    Csv {
        /// 1-based line number (the header is line 1).
        line: usize,
        /// What was wrong.
        reason: String,
    },
    /// Reading a file failed.
    #[error("cannot read `{path}`: {reason}")]
    Io {
        /// The path.
        path: String,
        /// The operating-system message.
        reason: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = FeatureError> = std::result::Result<T, E>;
