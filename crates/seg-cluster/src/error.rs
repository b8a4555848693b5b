//! The error type of `seg-cluster`.

/// Everything that can be wrong with the input or the parameters of a fit,
/// a prediction or a saved model.
#[derive(Debug, thiserror::Error)]
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
    #[error("{parameter} has {got} values, expected {expected}")]
    LengthMismatch {
        /// The argument: `out`, `labels`, `actual`.
        parameter: &'static str,
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
    /// A copy of the input (or an output) too large to allocate, e.g. for
    /// a broadcast view of many rows.
    #[error("cannot allocate {values} values: the input is too large")]
    OutOfMemory {
        /// The values that were to be allocated.
        values: usize,
    },
    /// Row counts of partial sums that would exceed `u64::MAX` when
    /// merged or accumulated.
    #[error("row counts overflow: more than u64::MAX rows")]
    RowCountOverflow,
    /// A saved artifact (a k-means model, partial sums) that parses but is
    /// inconsistent: sizes that disagree, non-finite numbers, labels out of
    /// range.
    #[error("invalid {artifact}: {reason}")]
    InvalidArtifact {
        /// What was loaded: `"k-means model"` or `"partial sums"`.
        artifact: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A saved artifact of another format or of an unknown version.
    #[error("unsupported {artifact} file: found {found}, this release reads {expected}")]
    UnsupportedFormat {
        /// What was loaded: `"k-means model"` or `"partial sums"`.
        artifact: &'static str,
        /// The format and version of the file, as
        /// `format "seg-cluster/kmeans" version 2`.
        found: String,
        /// The format and version this release reads.
        expected: String,
    },
    /// JSON that is not text of the artifact's shape: a syntax error,
    /// truncation, a missing or unknown field, a value of the wrong type.
    /// Also a serialisation failure.
    #[error("malformed {artifact} JSON")]
    Json {
        /// What was loaded or saved: `"k-means model"` or `"partial sums"`.
        artifact: &'static str,
        /// The cause, with its line and column.
        #[source]
        source: serde_json::Error,
    },
    /// An empty sample or histogram (a Kolmogorov-Smirnov sample, PSI
    /// weights).
    #[error("{parameter} is empty")]
    EmptySample {
        /// The argument.
        parameter: &'static str,
    },
    /// A NaN or infinite value in a sample or histogram.
    #[error("{parameter}[{index}] = {value} is not finite")]
    NonFiniteSample {
        /// The argument.
        parameter: &'static str,
        /// The position of the value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A drift baseline used with a model of another number of features
    /// or clusters than the model it was computed with.
    #[error(
        "the drift baseline was computed for {baseline_features} features and {baseline_k} clusters, the model has {model_features} and {model_k}"
    )]
    BaselineMismatch {
        /// Features of the baseline.
        baseline_features: usize,
        /// Clusters of the baseline.
        baseline_k: usize,
        /// Features of the model.
        model_features: usize,
        /// Clusters of the model.
        model_k: usize,
    },
    /// No k of the range gives every cluster the minimum share of rows
    /// (automatic choice of k): lower `min_share` or change the range.
    #[error(
        "no k in the range is eligible: every k has a cluster below {min_share} of the rows (the largest smallest share was {largest_smallest_share})"
    )]
    NoEligibleK {
        /// The minimum share asked for.
        min_share: f64,
        /// The largest share of a smallest cluster over the k range.
        largest_smallest_share: f64,
    },
    /// A quality metric (silhouette, Davies-Bouldin, Calinski-Harabasz,
    /// adjusted Rand index) could not be computed.
    #[error(transparent)]
    Metric {
        /// The cause.
        source: seg_validate::ValidateError,
    },
    /// A file or directory that could not be read, written or synced.
    #[error("cannot {operation} `{}`", path.display())]
    Io {
        /// What was being done: `read`, `write`, `create a file in the folder`, ….
        operation: &'static str,
        /// The file or directory involved.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A model directory that does not exist (create it with
    /// [`ModelHistory::open_or_create`](crate::ModelHistory::open_or_create)).
    #[error("model directory {} does not exist", path.display())]
    MissingDirectory {
        /// The directory.
        path: std::path::PathBuf,
    },
    /// A model directory (or file) where a file cannot be created or
    /// written: read-only, no permission, not a directory.
    #[error("model directory {} is not writable", path.display())]
    UnwritableDirectory {
        /// The directory.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A model version that the history does not hold.
    #[error("model version {version} does not exist in {}", path.display())]
    UnknownVersion {
        /// The version asked for.
        version: u64,
        /// The history's directory.
        path: std::path::PathBuf,
    },
    /// New rows too few to split for a challenge
    /// ([`SegmentModel::challenge`](crate::SegmentModel::challenge)): the
    /// training part and the held-out part must each have more rows than
    /// the largest number of segments.
    #[error(
        "{rows} rows are too few to hold some out: {training} training and {held_out} held-out rows, each part needs at least {needed}"
    )]
    TooFewRowsToHoldOut {
        /// Rows of the data.
        rows: usize,
        /// Rows of the training part.
        training: usize,
        /// Rows of the held-out part.
        held_out: usize,
        /// Rows each part needs.
        needed: usize,
    },
    /// A challenge promoted into a history whose latest version is not
    /// the challenge's champion
    /// ([`ModelHistory::promote`](crate::ModelHistory::promote)): the
    /// challenger was compared with another model than the current one.
    #[error(
        "the challenge was made against model version {champion}, which is not the latest version of the history"
    )]
    StaleChallenge {
        /// The version of the champion of the challenge.
        champion: u64,
        /// The latest version of the history (`None` when it is empty).
        latest: Option<u64>,
    },
    /// A file of a model history that does not load (truncated, hostile,
    /// inconsistent, or named for another version than it holds).
    #[error("model file {} does not load", path.display())]
    CorruptModelFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why it does not load.
        #[source]
        source: Box<ClusterError>,
    },
    /// Feature names that do not match the columns of the data, or that
    /// are empty or repeated.
    #[error("invalid feature names: {reason}")]
    InvalidFeatureNames {
        /// What is wrong.
        reason: String,
    },
    /// A model file that is not a regular file (a FIFO, a device) or is
    /// larger than [`seg_artifact::MAX_ARTIFACT_BYTES`]: refused before
    /// reading.
    #[error(transparent)]
    File {
        /// The error naming the path.
        source: seg_artifact::ArtifactError,
    },
}

impl From<seg_artifact::ArtifactError> for ClusterError {
    /// A failure to read or write a file keeps its path: the folder of a
    /// file that cannot be created is a [`ClusterError::MissingDirectory`]
    /// or [`ClusterError::UnwritableDirectory`], other system errors are
    /// [`ClusterError::Io`], another format or version is
    /// [`ClusterError::UnsupportedFormat`].
    fn from(error: seg_artifact::ArtifactError) -> Self {
        use seg_artifact::ArtifactError as A;
        match error {
            A::Folder { path, source } => dir_error("create a file in the folder", &path, source),
            A::Io {
                operation,
                path,
                source,
            } => ClusterError::Io {
                operation,
                path,
                source,
            },
            A::UnsupportedFormat {
                artifact,
                found,
                expected,
            } => ClusterError::UnsupportedFormat {
                artifact,
                found,
                expected,
            },
            source => ClusterError::File { source },
        }
    }
}

/// The error of an operation on a directory itself.
///
/// `operation` is what was being done, for [`ClusterError::Io`].
pub(crate) fn dir_error(
    operation: &'static str,
    dir: &std::path::Path,
    source: std::io::Error,
) -> ClusterError {
    use std::io::ErrorKind;
    match source.kind() {
        ErrorKind::NotFound => ClusterError::MissingDirectory {
            path: dir.to_path_buf(),
        },
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem | ErrorKind::NotADirectory => {
            ClusterError::UnwritableDirectory {
                path: dir.to_path_buf(),
                source,
            }
        }
        _ => ClusterError::Io {
            operation,
            path: dir.to_path_buf(),
            source,
        },
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = ClusterError> = std::result::Result<T, E>;
