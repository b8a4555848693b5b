//! The error type of `seg-features`.

/// Everything that can go wrong while declaring, fitting, applying, saving or
/// loading a feature transform.
///
/// Every variant names the field, row or value at fault. Rows are 0-based
/// positions in the input slice.
#[derive(Debug, thiserror::Error)]
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
    InvalidFieldParameter {
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
    RecordLength {
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
    #[error("{parameter} has {got} values, expected {expected} (one per output feature)")]
    LengthMismatch {
        /// The argument: `out` (an output buffer) or `row` (a feature row).
        parameter: &'static str,
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
        reason: &'static str,
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
    /// An argument of a free function is out of its domain (a quantile
    /// outside [0, 1], an empty slice).
    #[error("invalid {parameter} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter name.
        parameter: &'static str,
        /// The offending value, formatted.
        value: String,
        /// What the parameter must satisfy.
        reason: &'static str,
    },
    /// The output matrix of [`crate::Transformer::transform`] is too large
    /// to allocate.
    #[error("cannot allocate a {rows} x {cols} feature matrix")]
    TooLarge {
        /// Rows asked for.
        rows: usize,
        /// Columns asked for.
        cols: usize,
    },
    /// A saved artifact could not be parsed: truncated, not JSON, or of
    /// another structure; or it could not be serialised.
    #[error("malformed {artifact} JSON")]
    Json {
        /// What was read or written, e.g. `transform`.
        artifact: &'static str,
        /// The parser's error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// A saved artifact of another kind or of a format version this release
    /// cannot read.
    #[error("unsupported {artifact} file: found {found}, this release reads {expected}")]
    UnsupportedFormat {
        /// What was read, e.g. `transform`.
        artifact: &'static str,
        /// The format and version found, e.g.
        /// `format "seg-features/transformer" version 2`.
        found: String,
        /// The format and version this release reads.
        expected: String,
    },
    /// A saved artifact that parses but is inconsistent.
    #[error("invalid {artifact}: {reason}")]
    InvalidArtifact {
        /// What was read, e.g. `transform`.
        artifact: &'static str,
        /// What is inconsistent.
        reason: String,
    },
    /// The CSV reader failed: text that is not UTF-8, or a read error in
    /// the middle of a file.
    #[error("CSV line {line}: cannot read the record")]
    Csv {
        /// 1-based line where the record starts (the header is line 1).
        line: u64,
        /// The `csv` crate's error, with its position.
        #[source]
        source: csv::Error,
    },
    /// A schema field is not a column of the CSV header.
    #[error("CSV line 1: field `{field}` of the schema is not a column of the header")]
    CsvMissingColumn {
        /// The field.
        field: String,
    },
    /// A CSV row with another number of cells than the header.
    #[error("CSV line {line}: {got} cells, the header has {expected}")]
    CsvRowLength {
        /// 1-based line where the row starts (the header is line 1).
        line: u64,
        /// Cells in the header.
        expected: usize,
        /// Cells in the row.
        got: usize,
    },
    /// A CSV cell that does not read as a value of its field.
    #[error(
        "CSV line {line}, column {column}, field `{field}`: cannot read `{cell}` as {expected}"
    )]
    CsvCell {
        /// 1-based line where the row starts (the header is line 1).
        line: u64,
        /// 1-based column of the cell.
        column: usize,
        /// The field of the column.
        field: String,
        /// The cell's text (trimmed).
        cell: String,
        /// What the field accepts: `a finite number` or `a boolean`.
        expected: &'static str,
    },
    /// A column named on the command line or in the parameters (an
    /// excluded column of [`crate::infer_schema`]) that the header lacks.
    #[error("CSV line 1: no column `{column}` in the header")]
    CsvUnknownColumn {
        /// The column asked for.
        column: String,
    },
    /// [`crate::infer_schema`] left every column out; each guess says why.
    #[error("no column can be a field: {}", crate::infer::describe(.columns))]
    NoUsableColumn {
        /// The guess and the reason for every column of the header.
        columns: Vec<crate::ColumnGuess>,
    },
    /// Reading or writing a file failed.
    #[error("cannot {operation} `{}`", path.display())]
    Io {
        /// What was being done: `read`, `write`, `create a file in the folder`, ….
        operation: &'static str,
        /// The file or folder involved.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A saved transform that is not a regular file (a FIFO, a device) or
    /// is larger than [`seg_artifact::MAX_ARTIFACT_BYTES`]: refused before
    /// reading.
    #[error(transparent)]
    File {
        /// The error naming the path (and the system's error as its source).
        source: seg_artifact::ArtifactError,
    },
}

seg_artifact::impl_from_artifact_error!(FeatureError);

/// Shorthand for results of this crate.
pub type Result<T, E = FeatureError> = std::result::Result<T, E>;
