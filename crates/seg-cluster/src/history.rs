//! The history of a segment model: every version kept in memory and in a
//! directory of JSON files written atomically, with rollback and lineage.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use seg_artifact::{AtomicFile, MAX_ARTIFACT_BYTES, read_to_string_bounded};

use crate::error::{ClusterError, Result, dir_error};
use crate::segment_model::{Challenge, ChallengeVerdict, SegmentModel};

/// The file name prefix of a saved version.
const PREFIX: &str = "segment-model-v";
/// The file name suffix of a saved version.
const SUFFIX: &str = ".json";
/// How many taken version numbers a save skips before it gives up (other
/// writers that keep taking the next number).
const MAX_ATTEMPTS: u64 = 100_000;

/// The versions of a [`SegmentModel`], in memory and in a directory with
/// one JSON file per version (`segment-model-v000042.json`).
///
/// - **Atomic files.** A version is written to a temporary file in the
///   same directory (a unique name that starts with `.`, never read as a
///   version), synced to disk, then published under its final name only
///   if no file has that name (seg-artifact's
///   [`AtomicFile::commit_new`](seg_artifact::AtomicFile::commit_new)); the
///   directory is synced after. A reader therefore sees a version's file
///   complete or not at all, and a crash leaves at most a hidden temporary
///   file.
/// - **Bounded reads.** A version file is read only when it is a regular
///   file of at most [`MAX_ARTIFACT_BYTES`] (256 MiB); a FIFO, a device or a
///   symbolic link to one is reported in [`corrupt`](Self::corrupt) at
///   once, without blocking.
/// - **Versions without races.** [`save`](Self::save) takes the first free
///   number above every version in the directory; when another process or
///   thread publishes that number first, publishing finds the name taken
///   and the save retries with the next number. Writers in
///   several processes may therefore save into the same directory at once:
///   every save gets its own version and nothing is lost or overwritten. The
///   directory must be on a file system that can rename without replacing
///   or make hard links (every local POSIX file system, NTFS).
/// - **Rollback** is a new version: [`rollback`](Self::rollback)`(v)`
///   saves a copy of version v's model (centroids, selection, verdict,
///   baseline, feature names) whose parent is v and whose creation time is
///   the time of the rollback. The history stays append-only, `latest()`
///   is the model rolled back to, and the lineage shows the rollback.
/// - **Promotion** of a retrained model is a save that a comparison
///   decides: [`promote`](Self::promote) saves the challenger of a
///   [`SegmentModel::challenge`] only when its verdict is
///   [`ChallengeVerdict::Promote`], and otherwise writes nothing.
/// - **Damaged files are reported, never fatal.** [`open`](Self::open)
///   loads every version that loads and lists the others in
///   [`corrupt`](Self::corrupt); asking for such a version with
///   [`get`](Self::get) gives [`ClusterError::UnknownVersion`].
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use seg_cluster::{AutoK, ModelHistory, SegmentModel, TrainParams};
///
/// let dir = std::env::temp_dir().join(format!("seg-history-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let x = Array2::from_shape_fn((120, 2), |(i, j)| (i % 3) as f64 * 10.0 + ((i * 7 + j) % 5) as f64 * 0.3);
/// let params = TrainParams::new().auto_k(AutoK::params().k_range(2..=4)).created_at(1_700_000_000);
/// let first = SegmentModel::train(x.view(), &["a", "b"], &params)?;
///
/// let mut history = ModelHistory::open_or_create(&dir)?;
/// let v1 = history.save(&first)?;
/// let v2 = history.save(&first.retrain(x.view(), &params)?)?;
/// assert_eq!((v1, v2), (1, 2));
/// assert_eq!(history.lineage(v2)?, [2, 1]);
///
/// let v3 = history.rollback(v1)?;
/// assert_eq!(history.latest().map(|m| m.model_version()), Some(v3));
/// assert_eq!(history.lineage(v3)?, [3, 1]);
///
/// // Another handle on the same directory sees the same versions.
/// assert_eq!(ModelHistory::open(&dir)?.versions(), [1, 2, 3]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ModelHistory {
    dir: PathBuf,
    models: BTreeMap<u64, SegmentModel>,
    corrupt: Vec<ClusterError>,
}

impl ModelHistory {
    /// Opens the history in an existing directory and loads every version
    /// in it. Files whose names are not versions are ignored; version
    /// files that do not load are listed in [`corrupt`](Self::corrupt).
    ///
    /// # Errors
    ///
    /// [`ClusterError::MissingDirectory`] when `dir` does not exist (use
    /// [`open_or_create`](Self::open_or_create) to create it),
    /// [`ClusterError::Io`] when it is not a directory or cannot be
    /// listed.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        match fs::metadata(&dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(ClusterError::MissingDirectory { path: dir });
            }
            Err(source) => {
                return Err(ClusterError::Io {
                    operation: "open",
                    path: dir,
                    source,
                });
            }
            Ok(m) if !m.is_dir() => {
                return Err(ClusterError::Io {
                    operation: "open the directory",
                    path: dir,
                    source: io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
                });
            }
            Ok(_) => {}
        }
        let mut history = ModelHistory {
            dir,
            models: BTreeMap::new(),
            corrupt: Vec::new(),
        };
        history.refresh()?;
        Ok(history)
    }

    /// Creates the directory (and its parents) if it does not exist, then
    /// [`open`](Self::open)s it.
    ///
    /// # Errors
    ///
    /// [`ClusterError::UnwritableDirectory`] when the directory cannot be
    /// created, and the errors of [`open`](Self::open).
    pub fn open_or_create(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        if let Err(source) = fs::create_dir_all(dir) {
            return Err(ClusterError::UnwritableDirectory {
                path: dir.to_path_buf(),
                source,
            });
        }
        Self::open(dir)
    }

    /// Reloads the directory: versions saved by other processes since
    /// [`open`](Self::open) appear, and [`corrupt`](Self::corrupt) is
    /// listed anew.
    ///
    /// # Errors
    ///
    /// [`ClusterError::MissingDirectory`] when the directory was removed,
    /// [`ClusterError::Io`] when it cannot be listed.
    pub fn refresh(&mut self) -> Result<()> {
        let mut models = BTreeMap::new();
        let mut corrupt = Vec::new();
        for (version, path) in self.version_files()? {
            match load_version(&path, version) {
                Ok(model) => {
                    models.insert(version, model);
                }
                Err(e) => corrupt.push(e),
            }
        }
        self.models = models;
        self.corrupt = corrupt;
        Ok(())
    }

    /// The directory of the history.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The versions that loaded, in increasing order.
    pub fn versions(&self) -> Vec<u64> {
        self.models.keys().copied().collect()
    }

    /// The version files that did not load at the last
    /// [`open`](Self::open) or [`refresh`](Self::refresh), each a
    /// [`ClusterError::CorruptModelFile`] naming the file and the cause.
    pub fn corrupt(&self) -> &[ClusterError] {
        &self.corrupt
    }

    /// The highest version, or `None` for an empty history.
    pub fn latest(&self) -> Option<&SegmentModel> {
        self.models.values().next_back()
    }

    /// Version `version`.
    ///
    /// # Errors
    ///
    /// [`ClusterError::UnknownVersion`] when the history does not hold it
    /// (or its file did not load: see [`corrupt`](Self::corrupt)).
    pub fn get(&self, version: u64) -> Result<&SegmentModel> {
        self.models
            .get(&version)
            .ok_or_else(|| ClusterError::UnknownVersion {
                version,
                path: self.dir.clone(),
            })
    }

    /// Saves `model` as a new version and returns its number: the first
    /// number above every version in the directory (re-read now, so
    /// versions of other writers count) and at least the model's own
    /// [`model_version`](SegmentModel::model_version). The model is stored
    /// with that number and its own parent; every other field is saved as
    /// it is.
    ///
    /// # Errors
    ///
    /// [`ClusterError::MissingDirectory`] when the directory was removed,
    /// [`ClusterError::UnwritableDirectory`] when a file cannot be created
    /// in it, [`ClusterError::Io`] for other failures to write, sync or
    /// link (nothing half-written stays: the temporary file is removed),
    /// [`ClusterError::InvalidArtifact`] (artifact `"model history"`) when
    /// version numbers run out (above `u64::MAX`) or more than 100,000
    /// numbers in a row are taken by other writers meanwhile.
    pub fn save(&mut self, model: &SegmentModel) -> Result<u64> {
        let on_disk = self.version_files()?.last().map_or(0, |(v, _)| *v);
        let in_memory = self.models.keys().next_back().copied().unwrap_or(0);
        let mut version = on_disk
            .max(in_memory)
            .checked_add(1)
            .ok_or_else(|| too_many("version numbers are exhausted"))?
            .max(model.model_version());
        for _ in 0..MAX_ATTEMPTS {
            if model.parent_version().is_some_and(|p| p >= version) {
                return Err(too_many("no version number above the parent is left"));
            }
            let candidate = model.renumbered(version);
            let json = candidate.to_json()?;
            let target = self.dir.join(file_name(version));
            let mut file = AtomicFile::create(&target)?;
            file.write_all(json.as_bytes())
                .map_err(|source| ClusterError::Io {
                    operation: "write",
                    path: target.clone(),
                    source,
                })?;
            if file.commit_new()? {
                self.models.insert(version, candidate);
                return Ok(version);
            }
            // Another writer published this number first.
            version = version
                .checked_add(1)
                .ok_or_else(|| too_many("version numbers are exhausted"))?;
        }
        Err(too_many("every version number tried was taken"))
    }

    /// Makes version `version` current again: saves a copy of its model
    /// as a new version whose parent is `version` and whose creation time
    /// is now (the system clock). Returns the new version number.
    ///
    /// # Errors
    ///
    /// [`ClusterError::UnknownVersion`], and the errors of
    /// [`save`](Self::save).
    pub fn rollback(&mut self, version: u64) -> Result<u64> {
        let copy = self.get(version)?.rolled_back_copy(now_unix_seconds());
        self.save(&copy)
    }

    /// Saves the challenger of `challenge` as the new latest version when
    /// its verdict is [`ChallengeVerdict::Promote`] and returns the new
    /// version number; for [`ChallengeVerdict::Keep`] writes nothing and
    /// returns `None` (the directory is left as it was). The saved model
    /// keeps the challenger's parent, the champion's version, so
    /// [`lineage`](Self::lineage) shows the promotion and
    /// [`rollback`](Self::rollback)`(champion_version)` undoes it.
    ///
    /// The challenge must have been made against the latest version of
    /// this history (as loaded by [`open`](Self::open) or the last
    /// [`refresh`](Self::refresh), compared by version number): a
    /// challenger compared with an older model would replace a version it
    /// was never measured against.
    ///
    /// # Errors
    ///
    /// [`ClusterError::StaleChallenge`] when the latest version is not the
    /// challenge's champion (or the history is empty), whatever the
    /// verdict; the errors of [`save`](Self::save).
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::Array2;
    /// use seg_cluster::{AutoK, ChallengeParams, ModelHistory, SegmentModel, TrainParams};
    ///
    /// let dir = std::env::temp_dir().join(format!("seg-promote-doc-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// let group = |i: usize, j: usize, groups: usize| (i % groups) as f64 * 10.0 + ((i * 7 + j) % 5) as f64 * 0.3;
    /// let before = Array2::from_shape_fn((200, 2), |(i, j)| group(i, j, 2));
    /// let after = Array2::from_shape_fn((300, 2), |(i, j)| group(i, j, 3));
    /// let train = TrainParams::new().auto_k(AutoK::params().k_range(2..=4)).created_at(1_700_000_000);
    ///
    /// let mut history = ModelHistory::open_or_create(&dir)?;
    /// let v1 = history.save(&SegmentModel::train(before.view(), &["a", "b"], &train)?)?;
    /// let challenge = history.get(v1)?.challenge(after.view(), &train, &ChallengeParams::new())?;
    /// let v2 = history.promote(&challenge)?;
    /// assert_eq!(v2, Some(2));
    /// assert_eq!(history.latest().map(|m| (m.model_version(), m.k())), Some((2, 3)));
    /// assert_eq!(history.lineage(2)?, [2, 1]);
    ///
    /// // The same challenge again is stale: version 2 is now the latest.
    /// assert!(history.promote(&challenge).is_err());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn promote(&mut self, challenge: &Challenge) -> Result<Option<u64>> {
        let champion = challenge.champion_version();
        let latest = self.latest().map(SegmentModel::model_version);
        if latest != Some(champion) {
            return Err(ClusterError::StaleChallenge { champion, latest });
        }
        match challenge.verdict() {
            ChallengeVerdict::Promote => self.save(challenge.challenger()).map(Some),
            ChallengeVerdict::Keep { .. } => Ok(None),
        }
    }

    /// The parent chain of `version`: `version`, its parent, the parent's
    /// parent, … up to a model without parent, or to a parent that this
    /// history does not hold (which is then the last element).
    ///
    /// # Errors
    ///
    /// [`ClusterError::UnknownVersion`] when `version` itself is not in
    /// the history.
    pub fn lineage(&self, version: u64) -> Result<Vec<u64>> {
        let mut chain = vec![version];
        let mut model = self.get(version)?;
        // Every parent is below its child (checked on load), so the chain
        // ends.
        while let Some(parent) = model.parent_version() {
            chain.push(parent);
            match self.models.get(&parent) {
                Some(m) => model = m,
                None => break,
            }
        }
        Ok(chain)
    }

    /// Every `segment-model-v….json` of the directory with its version, in
    /// increasing order of version. Names that are not the canonical name
    /// of their version (`v42`, `v+0042`) are ignored.
    fn version_files(&self) -> Result<Vec<(u64, PathBuf)>> {
        let entries =
            fs::read_dir(&self.dir).map_err(|source| dir_error("list", &self.dir, source))?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| ClusterError::Io {
                operation: "list",
                path: self.dir.clone(),
                source,
            })?;
            let name = entry.file_name();
            if let Some(version) = name.to_str().and_then(parse_file_name) {
                files.push((version, entry.path()));
            }
        }
        files.sort_unstable();
        Ok(files)
    }
}

/// The file name of a version: `segment-model-v000042.json`.
pub(crate) fn file_name(version: u64) -> String {
    format!("{PREFIX}{version:06}{SUFFIX}")
}

/// The version of a canonical version file name.
fn parse_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let version: u64 = digits.parse().ok()?;
    (file_name(version) == name).then_some(version)
}

/// A version file, loaded and checked to hold that version.
fn load_version(path: &Path, version: u64) -> Result<SegmentModel> {
    let corrupt = |source: ClusterError| ClusterError::CorruptModelFile {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    let text = read_to_string_bounded(path, MAX_ARTIFACT_BYTES)
        .map_err(|e| corrupt(ClusterError::from(e)))?;
    let model = SegmentModel::from_json(&text).map_err(corrupt)?;
    if model.model_version() != version {
        return Err(corrupt(ClusterError::InvalidArtifact {
            artifact: crate::segment_model::SEGMENT_MODEL,
            reason: format!(
                "the file of version {version} holds version {}",
                model.model_version()
            ),
        }));
    }
    Ok(model)
}

fn too_many(reason: &str) -> ClusterError {
    ClusterError::InvalidArtifact {
        artifact: "model history",
        reason: reason.to_owned(),
    }
}

/// Seconds since 1970-01-01T00:00:00Z by the system clock (0 before it).
pub(crate) fn now_unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_canonical_and_parse_back() {
        assert_eq!(file_name(42), "segment-model-v000042.json");
        assert_eq!(file_name(1_234_567), "segment-model-v1234567.json");
        for v in [0, 1, 42, 999_999, 1_000_000, u64::MAX] {
            assert_eq!(parse_file_name(&file_name(v)), Some(v));
        }
        for bad in [
            "segment-model-v42.json",
            "segment-model-v+00042.json",
            "segment-model-v000042.json.tmp",
            ".segment-model-1-2-3.tmp",
            ".segment-model-v000042.json.a1B2c3.tmp",
            "segment-model-v.json",
            "segment-model-v99999999999999999999999.json",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }
}
