//! The error type of the `seg` tool.

use std::path::PathBuf;

/// Everything that can make a `seg` command fail.
///
/// Every variant is a problem with the input (arguments, files, database
/// contents) and makes the tool exit with [`CliError::exit_code`] = 2 after
/// one line on stderr ([`CliError::one_line`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The command line does not parse (unknown option, missing value, …).
    #[error("{message}")]
    Usage {
        /// The first line of the parser's message.
        message: String,
    },
    /// An option value outside its domain.
    #[error("invalid --{parameter} {value:?}: {reason}")]
    InvalidArgument {
        /// The option, without its dashes.
        parameter: &'static str,
        /// The value given.
        value: String,
        /// What the value must be.
        reason: String,
    },
    /// A file that cannot be opened, read or written.
    #[error("cannot {operation} `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done: "read", "create", "write", "rename to".
        operation: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A CSV file without even a header row.
    #[error("`{}` is empty: a header row is needed", path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// A CSV file with a header but no data row.
    #[error("`{}` has a header but no data rows", path.display())]
    NoRows {
        /// The file.
        path: PathBuf,
    },
    /// A CSV row that the reader rejects or that has the wrong number of cells.
    #[error("`{}` line {line}: {reason}", path.display())]
    CsvRow {
        /// The file.
        path: PathBuf,
        /// The 1-based line (the header is line 1).
        line: u64,
        /// What is wrong with the row.
        reason: String,
    },
    /// A column named on the command line that the header does not have.
    #[error("`{}` has no column {column:?} (columns: {available})", path.display())]
    UnknownColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The header, comma-separated.
        available: String,
    },
    /// A cell that is not a finite number (or not a label).
    #[error("`{}` line {line}, column {column:?}: {value:?} {reason}", path.display())]
    BadValue {
        /// The file.
        path: PathBuf,
        /// The 1-based line (the header is line 1).
        line: u64,
        /// The column.
        column: String,
        /// The cell as read.
        value: String,
        /// What the value must be.
        reason: &'static str,
    },
    /// Two inputs that must agree do not (e.g. rows of data and labels).
    #[error("{reason}")]
    Mismatch {
        /// What disagrees.
        reason: String,
    },
    /// A bandit database given as a path that does not exist (only `state init` creates one).
    #[error("no database at `{}` (create it with `seg state init`)", path.display())]
    NoDatabase {
        /// The path given to `--db`.
        path: PathBuf,
    },
    /// A result that is not a finite number (inputs too extreme for the
    /// computation); reported instead of printing a wrong answer.
    #[error("the {quantity} is not a finite number for these inputs")]
    NotFinite {
        /// What was computed.
        quantity: &'static str,
    },
    /// A JSON output that cannot be written.
    #[error("cannot serialise the result")]
    Json {
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// A chart that cannot be drawn.
    #[error("cannot draw `{}`", path.display())]
    Chart {
        /// The SVG file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: Box<seg_demo::DemoError>,
    },
    /// A CSV file or schema that seg-features rejects.
    #[error("`{}`", path.display())]
    Features {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: segmentation::features::FeatureError,
    },
    /// A schema file that is not a valid schema.
    #[error("invalid schema `{}`", path.display())]
    Schema {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// A model file that cannot be loaded (missing, truncated, random bytes,
    /// unknown format or version, inconsistent contents).
    #[error("cannot load the model `{}`", path.display())]
    Model {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: segmentation::pipeline::PipelineError,
    },
    /// A file that is not a regular file (a FIFO, a device) or is larger
    /// than the limit of its reader, refused before reading.
    #[error(transparent)]
    File {
        /// The error naming the path.
        source: seg_artifact::ArtifactError,
    },
    /// An error of the segmentation pipeline (fitting, assigning, drift).
    #[error(transparent)]
    Pipeline(#[from] segmentation::pipeline::PipelineError),
    /// An error of the e-commerce walk-through.
    #[error(transparent)]
    Demo(#[from] seg_demo::DemoError),
    /// An error of `seg-power`.
    #[error(transparent)]
    Power(#[from] segmentation::power::PowerError),
    /// An error of `seg-validate`.
    #[error(transparent)]
    Validate(#[from] segmentation::validate::ValidateError),
    /// An error of `seg-bandit-state`.
    #[error(transparent)]
    Bandit(#[from] segmentation::bandit::BanditError),
}

impl CliError {
    /// The process exit code: 2 for every error (bad input), as the
    /// contract of the tool says.
    #[must_use]
    pub const fn exit_code(&self) -> u8 {
        2
    }

    /// The message and its chain of causes on one line, `a: b: c`, with any
    /// line break replaced by a space.
    #[must_use]
    pub fn one_line(&self) -> String {
        chain(self)
    }

    /// An [`CliError::InvalidArgument`].
    pub(crate) fn arg(
        parameter: &'static str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        CliError::InvalidArgument {
            parameter,
            value: value.into(),
            reason: reason.into(),
        }
    }
}

/// `value` when finite, else [`CliError::NotFinite`] naming `quantity`.
pub(crate) fn finite(quantity: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(CliError::NotFinite { quantity })
    }
}

/// `Result` with [`CliError`].
pub type Result<T, E = CliError> = std::result::Result<T, E>;

/// An error and its chain of causes on one line, `a: b: c` (a cause whose
/// text the message already ends with is not repeated), with every run of
/// whitespace, line breaks included, replaced by one space.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl From<seg_artifact::ArtifactError> for CliError {
    fn from(error: seg_artifact::ArtifactError) -> Self {
        match error {
            seg_artifact::ArtifactError::Io {
                operation,
                path,
                source,
            } => CliError::Io {
                path,
                operation,
                source,
            },
            source => CliError::File { source },
        }
    }
}
