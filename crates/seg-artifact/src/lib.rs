//! Files of the segmentation workspace, written and read one way.
//!
//! Every saved artifact of the workspace (feature transforms, segment
//! models, model histories, pipelines, bandit snapshots, the command-line
//! tool's output files) goes through this crate:
//!
//! - [`write_atomically`] and [`AtomicFile`] write a file so that a reader
//!   sees the old content or the new one, never a mix: the bytes go to a
//!   temporary file with a unique name in the target's folder, which is
//!   synced to disk, renamed over the target, and the folder is synced
//!   after the rename. Concurrent writers of the same path (threads or
//!   processes) never share a temporary file; the last rename wins and the
//!   file is always one whole version. A failure leaves the old file as it
//!   was and no temporary file behind.
//! - [`read_to_string_bounded`] reads a path only when it is a regular file
//!   of at most a given size, checked before reading: a FIFO, a device such
//!   as `/dev/zero` (also behind a symbolic link) or a directory is
//!   refused at once, and a file larger than the limit (or one that grows
//!   past it while being read) is refused naming the limit.
//!   [`MAX_ARTIFACT_BYTES`] is the limit the workspace's loaders use.
//! - [`check_format`] reads the `"format"` and `"format_version"` header
//!   that every artifact carries and reports another format or version as
//!   [`ArtifactError::UnsupportedFormat`], naming the artifact, what was
//!   found and what this release reads.
//!
//! # Quick start
//!
//! ```
//! use seg_artifact::{check_format, read_to_string_bounded, write_atomically, MAX_ARTIFACT_BYTES};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("model.json");
//! write_atomically(&path, br#"{"format":"my-model","format_version":1,"k":3}"#)?;
//!
//! let text = read_to_string_bounded(&path, MAX_ARTIFACT_BYTES)?;
//! check_format(&text, "model", "my-model", 1)?;
//! assert!(check_format(&text, "model", "my-model", 2).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod atomic;
mod error;
mod header;
mod read;

pub use crate::atomic::{AtomicFile, write_atomically};
pub use crate::error::ArtifactError;
pub use crate::header::{check_format, compare_format};
pub use crate::read::{MAX_ARTIFACT_BYTES, read_to_string_bounded};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<ArtifactError>();
        check::<AtomicFile>();
    }
}
