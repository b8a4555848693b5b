//! The error type of the crate.

use std::path::PathBuf;

/// What can go wrong while writing or reading an artifact file, or checking
/// its header.
///
/// The path involved is in every file variant; the operating system's
/// error is kept as the [`source`](std::error::Error::source) only.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// An operation on a file or folder failed.
    #[error("cannot {operation} `{}`", path.display())]
    Io {
        /// What was being done: `read`, `write`, `create a temporary file for`, ….
        operation: &'static str,
        /// The file or folder involved.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// No file can be created in the folder of a file being written: the
    /// folder does not exist, is not a folder, or is not writable.
    #[error("cannot create a file in the folder `{}`", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The path names something other than a regular file (a FIFO, a
    /// device, a directory, a socket), which is not read.
    #[error("`{}` is not a regular file but {kind}", path.display())]
    NotAFile {
        /// The path as given.
        path: PathBuf,
        /// What it names: `a directory`, `a FIFO`, `a device`, ….
        kind: &'static str,
    },
    /// The file is larger than the limit of the reader.
    #[error("`{}` is larger than the limit of {limit} bytes", path.display())]
    TooLarge {
        /// The path as given.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// A saved artifact of another format or version.
    #[error("unsupported {artifact} file: found {found}, this release reads {expected}")]
    UnsupportedFormat {
        /// The artifact, e.g. `segment model`.
        artifact: &'static str,
        /// The header found, e.g. `format "x" version 2`.
        found: String,
        /// The header this release reads.
        expected: String,
    },
}

impl ArtifactError {
    /// The path involved, for the variants that have one.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_artifact::{read_to_string_bounded, ArtifactError};
    ///
    /// let err = read_to_string_bounded("/nonexistent/model.json", 1024).unwrap_err();
    /// assert_eq!(err.path(), Some(std::path::Path::new("/nonexistent/model.json")));
    /// assert!(matches!(err, ArtifactError::Io { operation: "read", .. }));
    /// ```
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            ArtifactError::Io { path, .. }
            | ArtifactError::Folder { path, .. }
            | ArtifactError::NotAFile { path, .. }
            | ArtifactError::TooLarge { path, .. } => Some(path),
            ArtifactError::UnsupportedFormat { .. } => None,
        }
    }
}

/// Implements `From<ArtifactError>` for a crate's error enum that has the
/// workspace's variants `Io { operation, path, source }`,
/// `UnsupportedFormat { artifact, found, expected }` and
/// `File { source: ArtifactError }`: an I/O failure keeps its operation and
/// path, a folder where no file can be created is
/// `Io { operation: "create a file in the folder", .. }`, an unsupported
/// header keeps its three fields, and anything else (not a regular file,
/// too large) is `File`.
///
/// # Example
///
/// ```
/// use std::path::PathBuf;
///
/// #[derive(Debug, thiserror::Error)]
/// enum MyError {
///     #[error("cannot {operation} `{}`", path.display())]
///     Io { operation: &'static str, path: PathBuf, #[source] source: std::io::Error },
///     #[error("unsupported {artifact} file: found {found}, this release reads {expected}")]
///     UnsupportedFormat { artifact: &'static str, found: String, expected: String },
///     #[error(transparent)]
///     File { source: seg_artifact::ArtifactError },
/// }
/// seg_artifact::impl_from_artifact_error!(MyError);
///
/// let err = seg_artifact::read_to_string_bounded("/nonexistent/m.json", 1024).unwrap_err();
/// assert!(matches!(MyError::from(err), MyError::Io { operation: "read", .. }));
/// ```
#[macro_export]
macro_rules! impl_from_artifact_error {
    ($error:ident) => {
        impl ::core::convert::From<$crate::ArtifactError> for $error {
            fn from(error: $crate::ArtifactError) -> Self {
                match error {
                    $crate::ArtifactError::Io {
                        operation,
                        path,
                        source,
                    } => $error::Io {
                        operation,
                        path,
                        source,
                    },
                    $crate::ArtifactError::Folder { path, source } => $error::Io {
                        operation: "create a file in the folder",
                        path,
                        source,
                    },
                    $crate::ArtifactError::UnsupportedFormat {
                        artifact,
                        found,
                        expected,
                    } => $error::UnsupportedFormat {
                        artifact,
                        found,
                        expected,
                    },
                    source => $error::File { source },
                }
            }
        }
    };
}
