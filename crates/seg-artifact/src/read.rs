//! Reading a regular file of bounded size.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use crate::error::ArtifactError;

/// The size limit of the workspace's artifact loaders: 256 MiB.
///
/// A segment model, a feature transform or a pipeline file takes a few
/// kilobytes; a bandit snapshot with its event log of a few million events
/// stays below this limit. A larger file is refused rather than read into
/// memory.
pub const MAX_ARTIFACT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads `path` as UTF-8 text when it is a regular file of at most
/// `max_bytes` bytes.
///
/// The type is checked before the file is opened (following symbolic
/// links, so a link to `/dev/zero` is refused like `/dev/zero` itself),
/// and again on the opened handle. A FIFO, a device, a socket or a
/// directory is refused at once, without blocking. The size is checked on
/// the opened handle, and at most `max_bytes + 1` bytes are read, so a file
/// that grows while it is read is still refused rather than read without
/// bound.
///
/// # Errors
///
/// [`ArtifactError::Io`] (operation `read`) when the path cannot be
/// examined, opened or read, or is not UTF-8;
/// [`ArtifactError::NotAFile`] for anything but a regular file;
/// [`ArtifactError::TooLarge`] naming the limit for a file longer than
/// `max_bytes`.
///
/// # Example
///
/// ```
/// use seg_artifact::{read_to_string_bounded, ArtifactError};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model.json");
/// std::fs::write(&path, "{\"k\":3}")?;
/// assert_eq!(read_to_string_bounded(&path, 1024)?, "{\"k\":3}");
/// assert!(matches!(read_to_string_bounded(&path, 4), Err(ArtifactError::TooLarge { limit: 4, .. })));
/// assert!(matches!(read_to_string_bounded(dir.path(), 1024), Err(ArtifactError::NotAFile { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_to_string_bounded(
    path: impl AsRef<Path>,
    max_bytes: u64,
) -> Result<String, ArtifactError> {
    let path = path.as_ref();
    let io = |source| ArtifactError::Io {
        operation: "read",
        path: path.to_path_buf(),
        source,
    };
    // Opening a FIFO blocks until a writer appears: look first.
    regular_file(path, &std::fs::metadata(path).map_err(io)?)?;
    let file = File::open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    regular_file(path, &metadata)?;
    let too_large = || ArtifactError::TooLarge {
        path: path.to_path_buf(),
        limit: max_bytes,
    };
    if metadata.len() > max_bytes {
        return Err(too_large());
    }
    let capacity = usize::try_from(metadata.len()).unwrap_or(0);
    let mut text = String::new();
    text.try_reserve_exact(capacity)
        .map_err(|_| io(std::io::Error::from(std::io::ErrorKind::OutOfMemory)))?;
    file.take(max_bytes.saturating_add(1))
        .read_to_string(&mut text)
        .map_err(io)?;
    if u64::try_from(text.len()).map_or(true, |n| n > max_bytes) {
        return Err(too_large());
    }
    Ok(text)
}

/// [`ArtifactError::NotAFile`] unless `metadata` is of a regular file.
fn regular_file(path: &Path, metadata: &Metadata) -> Result<(), ArtifactError> {
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return Ok(());
    }
    let kind = if file_type.is_dir() {
        "a directory"
    } else {
        special_kind(&file_type)
    };
    Err(ArtifactError::NotAFile {
        path: path.to_path_buf(),
        kind,
    })
}

#[cfg(unix)]
fn special_kind(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "a device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_file_at_the_limit_is_read_and_one_byte_more_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, "12345").unwrap();
        assert_eq!(read_to_string_bounded(&path, 5).unwrap(), "12345");
        let err = read_to_string_bounded(&path, 4).unwrap_err();
        assert!(err.to_string().contains("limit of 4 bytes"), "{err}");
    }

    #[test]
    fn text_that_is_not_utf8_is_a_read_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, b"\xff\xfe").unwrap();
        let err = read_to_string_bounded(&path, 100).unwrap_err();
        assert!(matches!(
            err,
            ArtifactError::Io {
                operation: "read",
                ..
            }
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo.json");
        let status = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        let start = Instant::now();
        let err = read_to_string_bounded(&path, MAX_ARTIFACT_BYTES).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(
            matches!(err, ArtifactError::NotAFile { kind: "a FIFO", .. }),
            "{err:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_to_dev_zero_is_refused_as_a_device() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let start = Instant::now();
        let err = read_to_string_bounded(&path, MAX_ARTIFACT_BYTES).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(
            matches!(
                err,
                ArtifactError::NotAFile {
                    kind: "a device",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_symlink_to_a_regular_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.json");
        std::fs::write(&target, "{}").unwrap();
        #[cfg(unix)]
        {
            let link = dir.path().join("b.json");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            assert_eq!(read_to_string_bounded(&link, 10).unwrap(), "{}");
        }
        assert_eq!(read_to_string_bounded(&target, 10).unwrap(), "{}");
    }
}
