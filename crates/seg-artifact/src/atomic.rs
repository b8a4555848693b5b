//! Atomic writes: a unique temporary file in the target's folder, synced,
//! renamed over the target, the folder synced.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::ArtifactError;

/// A file being written under a temporary name in the folder of its
/// destination, put in place by [`commit`](Self::commit).
///
/// The temporary file has a unique name (random, created exclusively, and
/// starting with `.`), so any number of threads and processes may write
/// the same destination at once: each writes its own temporary file, and
/// each commit replaces the destination with one whole version. Dropped
/// without a commit (an error while producing the output, a panic), the
/// temporary file is removed and the destination is untouched.
///
/// Writes are buffered; [`commit`](Self::commit) flushes them, syncs the
/// file to disk, renames it over the destination and syncs the folder (on
/// unix), so that after a crash the destination is the old file or the
/// new one.
///
/// # Example
///
/// ```
/// use std::io::Write;
/// use seg_artifact::AtomicFile;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("labels.csv");
/// let mut file = AtomicFile::create(&path)?;
/// writeln!(file, "label")?;
/// for label in [0, 2, 1] {
///     writeln!(file, "{label}")?;
/// }
/// assert!(!path.exists()); // nothing is visible before the commit
/// file.commit()?;
/// assert_eq!(std::fs::read_to_string(&path)?, "label\n0\n2\n1\n");
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 1); // no temporary file left
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    destination: PathBuf,
    dir: PathBuf,
    file: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Creates a temporary file beside `path` for its new content.
    ///
    /// # Errors
    ///
    /// [`ArtifactError::Io`] naming `path` when it has no file name (`/`,
    /// `..`); [`ArtifactError::Folder`] naming the folder when the
    /// temporary file cannot be created in it (a folder that does not
    /// exist or is not writable).
    pub fn create(path: impl AsRef<Path>) -> Result<Self, ArtifactError> {
        let destination = path.as_ref().to_path_buf();
        let io = |source| ArtifactError::Io {
            operation: "create a temporary file for",
            path: destination.clone(),
            source,
        };
        let Some(name) = destination.file_name() else {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the path has no file name",
            )));
        };
        let dir = match destination.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut prefix = std::ffi::OsString::from(".");
        prefix.push(name);
        prefix.push(".");
        let file = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|source| ArtifactError::Folder {
                path: dir.clone(),
                source,
            })?;
        Ok(AtomicFile {
            destination,
            dir,
            file: BufWriter::with_capacity(1 << 16, file),
        })
    }

    /// The path the file is put at by [`commit`](Self::commit).
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// Flushes and syncs the file, renames it over the destination and
    /// syncs the folder. On failure the temporary file is removed and the
    /// destination is as it was.
    ///
    /// # Errors
    ///
    /// [`ArtifactError::Io`] naming the destination, with the operation
    /// that failed (`write`, `sync`, `rename onto`, `sync the folder of`).
    pub fn commit(self) -> Result<(), ArtifactError> {
        let (temporary, destination, dir) = self.finish()?;
        temporary
            .persist(&destination)
            .map_err(|e| ArtifactError::Io {
                operation: "rename onto",
                path: destination.clone(),
                // `e.file` is dropped here, removing the temporary file.
                source: e.error,
            })?;
        sync_dir(&dir, &destination)
    }

    /// Like [`commit`](Self::commit), but puts the file in place only if no
    /// file has the destination's name (atomically: two writers of the same
    /// new name cannot both succeed). Returns `false`, removing the
    /// temporary file, when the name is taken.
    ///
    /// # Errors
    ///
    /// [`ArtifactError::Io`] as for [`commit`](Self::commit).
    pub fn commit_new(self) -> Result<bool, ArtifactError> {
        let (temporary, destination, dir) = self.finish()?;
        match temporary.persist_noclobber(&destination) {
            Ok(_) => {}
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
            Err(e) => {
                return Err(ArtifactError::Io {
                    operation: "create",
                    path: destination,
                    source: e.error,
                });
            }
        }
        sync_dir(&dir, &destination)?;
        Ok(true)
    }

    /// The flushed and synced temporary file.
    fn finish(self) -> Result<(NamedTempFile, PathBuf, PathBuf), ArtifactError> {
        let AtomicFile {
            destination,
            dir,
            file,
        } = self;
        let io = |operation, source| ArtifactError::Io {
            operation,
            path: destination.clone(),
            source,
        };
        // A failed flush drops the writer and with it the temporary file.
        let temporary = file.into_inner().map_err(|e| io("write", e.into_error()))?;
        temporary
            .as_file()
            .sync_all()
            .map_err(|source| io("sync", source))?;
        Ok((temporary, destination, dir))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.file.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Syncs `dir`, so that a rename in it is on disk (directories cannot be
/// opened for that outside unix; there the rename is left to the system).
fn sync_dir(dir: &Path, destination: &Path) -> Result<(), ArtifactError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| ArtifactError::Io {
            operation: "sync the folder of",
            path: destination.to_path_buf(),
            source,
        })?;
    #[cfg(not(unix))]
    let _ = (dir, destination, File::open::<&Path>);
    Ok(())
}

/// Writes `bytes` to `path` atomically, replacing any file there: a
/// temporary file with a unique name in the same folder, synced to disk,
/// renamed over `path`, then the folder synced (see [`AtomicFile`]).
///
/// Concurrent writers of the same path never truncate each other's
/// temporary file: afterwards `path` holds exactly one writer's bytes. On
/// failure the old file stays whole and no temporary file is left.
///
/// # Errors
///
/// [`ArtifactError::Folder`] when no file can be created in the folder of
/// `path`, [`ArtifactError::Io`] naming `path` and the operation that
/// failed otherwise.
///
/// # Example
///
/// ```
/// use seg_artifact::write_atomically;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model.json");
/// write_atomically(&path, b"{\"v\":1}")?;
/// write_atomically(&path, b"{\"v\":2}")?;
/// assert_eq!(std::fs::read(&path)?, b"{\"v\":2}");
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_atomically(path: impl AsRef<Path>, bytes: &[u8]) -> Result<(), ArtifactError> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(|source| ArtifactError::Io {
        operation: "write",
        path: file.destination.clone(),
        source,
    })?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_file_dropped_without_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, b"old").unwrap();
        {
            let mut f = AtomicFile::create(&path).unwrap();
            f.write_all(b"partial").unwrap();
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(dir.path()), ["out.csv"]);
    }

    #[test]
    fn a_failed_rename_keeps_the_old_content_and_removes_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty folder cannot be replaced by a file.
        let path = dir.path().join("taken");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("x"), b"x").unwrap();
        let err = write_atomically(&path, b"new").unwrap_err();
        assert!(matches!(
            err,
            ArtifactError::Io {
                operation: "rename onto",
                ..
            }
        ));
        assert_eq!(entries(dir.path()), ["taken"]);
        assert_eq!(std::fs::read(path.join("x")).unwrap(), b"x");
    }

    #[test]
    fn a_missing_folder_is_a_folder_error_naming_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no").join("model.json");
        match write_atomically(&path, b"x").unwrap_err() {
            ArtifactError::Folder { path: p, source } => {
                assert_eq!(p, dir.path().join("no"));
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_message_names_the_path_but_not_the_cause() {
        let err = write_atomically("/nonexistent-folder/model.json", b"x").unwrap_err();
        let message = err.to_string();
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(message.contains("/nonexistent-folder"), "{message}");
        assert!(!message.contains(&cause), "{message}");
    }

    #[test]
    fn commit_new_refuses_a_taken_name_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.json");
        let mut first = AtomicFile::create(&path).unwrap();
        first.write_all(b"first").unwrap();
        assert!(first.commit_new().unwrap());
        let mut second = AtomicFile::create(&path).unwrap();
        second.write_all(b"second").unwrap();
        assert!(!second.commit_new().unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert_eq!(entries(dir.path()), ["v1.json"]);
    }

    #[test]
    fn a_relative_path_without_folder_is_written_in_the_current_folder() {
        let file = AtomicFile::create("seg-artifact-relative-test.json").unwrap();
        assert_eq!(file.dir, Path::new("."));
        drop(file);
        assert!(!Path::new("seg-artifact-relative-test.json").exists());
    }
}
