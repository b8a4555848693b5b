//! The error type of the `seg` tool.

use std::path::PathBuf;

/// Everything that can make a `seg` command fail.
///
/// The tool prints one line on stderr ([`CliError::one_line`]) and exits
/// with [`CliError::exit_code`]: [`INPUT_EXIT_CODE`](crate::INPUT_EXIT_CODE) (2) for a problem with
/// the input (arguments, files, database contents), [`IO_EXIT_CODE`](crate::IO_EXIT_CODE) (74)
/// for a disk or database that fails.
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
    InvalidParameter {
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
        /// What was being done: `read`, `create`, `write`, `rename to`, ….
        operation: &'static str,
        /// The file or folder involved.
        path: PathBuf,
        /// The operating system's error.
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
    /// A cell that is text or empty in a file read without a schema,
    /// which a schema would read (text as a category, an empty cell as a
    /// missing value): [`CliError::BadValue`] with the command that drafts
    /// one.
    #[error(
        "`{}` line {line}, column {column:?}: {value:?} {reason}; write a schema, e.g. `{command}`, and pass it with --schema schema.json",
        path.display()
    )]
    NeedsSchema {
        /// The file.
        path: PathBuf,
        /// The 1-based line (the header is line 1).
        line: u64,
        /// The column.
        column: String,
        /// The cell as read.
        value: String,
        /// What the value must be without a schema.
        reason: &'static str,
        /// The command that drafts a schema of the file.
        command: String,
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
    /// A file whose contents `seg-bandit-state` rejects (the target policy
    /// or the decision log of `seg evaluate`).
    #[error("`{}`", path.display())]
    BanditInput {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: Box<segmentation::bandit::BanditError>,
    },
}

impl CliError {
    /// The process exit code: [`IO_EXIT_CODE`](crate::IO_EXIT_CODE) (74) when a disk or a
    /// database failed, [`INPUT_EXIT_CODE`](crate::INPUT_EXIT_CODE) (2) for every other error.
    ///
    /// The first system or database error in the chain of causes decides:
    ///
    /// * a file error is bad input (2) when the path does not exist, is
    ///   not accessible (permission), is or is inside something that is
    ///   not a folder, or names a directory, or when the content is
    ///   invalid; every other file error (a full disk, a read-only file
    ///   system, an input/output error, a failed sync or rename, an
    ///   interrupted write to standard output) is 74. An output path in a
    ///   folder that does not exist is therefore 2: the path is wrong,
    ///   not the disk;
    /// * an SQLite error is 74 when the database is busy or locked, the
    ///   disk is full or fails, or the file is read-only, and 2 otherwise
    ///   (a file that is not a database, a corrupt database, one that
    ///   cannot be opened);
    /// * a PostgreSQL error is 2 when the server refuses the credentials
    ///   or the database does not exist, and 74 otherwise (no connection,
    ///   a lost connection, an error of the server).
    ///
    /// # Example
    ///
    /// ```
    /// let err = seg_cli::run(["seg", "srm", "--counts", "5000"], &mut Vec::new()).unwrap_err();
    /// assert_eq!(err.exit_code(), seg_cli::INPUT_EXIT_CODE);
    /// ```
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(error) = cause {
            if let Some(code) = cause_exit_code(error) {
                return code;
            }
            cause = error.source();
        }
        crate::INPUT_EXIT_CODE
    }

    /// The message and its chain of causes on one line, `a: b: c`, with any
    /// line break replaced by a space.
    #[must_use]
    pub fn one_line(&self) -> String {
        chain(self)
    }

    /// An [`CliError::InvalidParameter`].
    pub(crate) fn arg(
        parameter: &'static str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        CliError::InvalidParameter {
            parameter,
            value: value.into(),
            reason: reason.into(),
        }
    }
}

/// The exit code decided by `error` alone, when it is a system or
/// database error (see [`CliError::exit_code`]).
fn cause_exit_code(error: &(dyn std::error::Error + 'static)) -> Option<u8> {
    if let Some(e) = error.downcast_ref::<std::io::Error>() {
        return Some(io_exit_code(e.kind()));
    }
    if let Some(e) = error.downcast_ref::<rusqlite::Error>() {
        return Some(sqlite_exit_code(e));
    }
    #[cfg(feature = "postgres")]
    if let Some(e) = error.downcast_ref::<postgres::Error>() {
        return Some(postgres_exit_code(e));
    }
    None
}

/// 2 for a path that is wrong or content that is invalid, 74 for a
/// failure of the disk or the system.
fn io_exit_code(kind: std::io::ErrorKind) -> u8 {
    use std::io::ErrorKind as K;
    match kind {
        K::NotFound
        | K::PermissionDenied
        | K::NotADirectory
        | K::IsADirectory
        | K::InvalidInput
        | K::InvalidData
        | K::InvalidFilename
        | K::UnexpectedEof => crate::INPUT_EXIT_CODE,
        _ => crate::IO_EXIT_CODE,
    }
}

/// 74 for a locked, busy, full, failing or read-only database, 2 for
/// every other SQLite error (not a database, corrupt, cannot be opened,
/// contents of another shape).
fn sqlite_exit_code(error: &rusqlite::Error) -> u8 {
    use rusqlite::ErrorCode as C;
    match error.sqlite_error_code() {
        Some(
            C::DatabaseBusy
            | C::DatabaseLocked
            | C::SystemIoFailure
            | C::DiskFull
            | C::ReadOnly
            | C::OutOfMemory
            | C::FileLockingProtocolFailed
            | C::OperationInterrupted,
        ) => crate::IO_EXIT_CODE,
        _ => crate::INPUT_EXIT_CODE,
    }
}

/// 2 when the server refuses the credentials or has no such database
/// (the URL the user named is wrong), 74 for every other PostgreSQL error.
#[cfg(feature = "postgres")]
fn postgres_exit_code(error: &postgres::Error) -> u8 {
    match error.code().map(postgres::error::SqlState::code) {
        Some(code) if code.starts_with("28") || code == "3D000" => crate::INPUT_EXIT_CODE,
        _ => crate::IO_EXIT_CODE,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> CliError {
        CliError::Bandit(segmentation::bandit::BanditError::Sqlite {
            path: PathBuf::from("state.sqlite"),
            operation: "record a batch",
            source: rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None),
        })
    }

    fn io(operation: &'static str, kind: std::io::ErrorKind) -> CliError {
        CliError::Io {
            operation,
            path: PathBuf::from("out.csv"),
            source: std::io::Error::from(kind),
        }
    }

    #[test]
    fn a_locked_busy_or_failing_sqlite_database_exits_74() {
        for code in [
            rusqlite::ffi::SQLITE_BUSY,
            rusqlite::ffi::SQLITE_LOCKED,
            rusqlite::ffi::SQLITE_IOERR,
            rusqlite::ffi::SQLITE_FULL,
            rusqlite::ffi::SQLITE_READONLY,
        ] {
            assert_eq!(sqlite(code).exit_code(), crate::IO_EXIT_CODE, "{code}");
        }
    }

    #[test]
    fn an_sqlite_file_that_is_not_a_database_or_corrupt_exits_2() {
        for code in [
            rusqlite::ffi::SQLITE_NOTADB,
            rusqlite::ffi::SQLITE_CORRUPT,
            rusqlite::ffi::SQLITE_CANTOPEN,
        ] {
            assert_eq!(sqlite(code).exit_code(), crate::INPUT_EXIT_CODE, "{code}");
        }
    }

    #[test]
    fn a_wrong_path_is_bad_input_and_a_failing_disk_is_74() {
        use std::io::ErrorKind as K;
        for kind in [
            K::NotFound,
            K::PermissionDenied,
            K::NotADirectory,
            K::InvalidData,
        ] {
            assert_eq!(io("read", kind).exit_code(), 2, "{kind:?}");
        }
        for kind in [
            K::StorageFull,
            K::ReadOnlyFilesystem,
            K::Other,
            K::Interrupted,
        ] {
            assert_eq!(io("write", kind).exit_code(), 74, "{kind:?}");
        }
    }

    #[test]
    fn a_folder_error_while_writing_is_decided_by_its_cause() {
        let folder = |kind| {
            CliError::from(seg_artifact::ArtifactError::Folder {
                path: PathBuf::from("out"),
                source: std::io::Error::from(kind),
            })
        };
        assert_eq!(folder(std::io::ErrorKind::NotFound).exit_code(), 2);
        assert_eq!(folder(std::io::ErrorKind::StorageFull).exit_code(), 74);
    }

    #[test]
    fn bad_arguments_exit_2() {
        assert_eq!(CliError::arg("k", "0", "must be positive").exit_code(), 2);
        assert_eq!(
            CliError::NoDatabase {
                path: PathBuf::from("absent.sqlite")
            }
            .exit_code(),
            2
        );
    }
}
