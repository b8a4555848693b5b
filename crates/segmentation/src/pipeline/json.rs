//! Versioned JSON of a segmentation, and its atomic save.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use seg_cluster::SegmentModel;
use seg_features::Transformer;
use serde::{Deserialize, Serialize};

use super::error::{PipelineError, Result};
use super::segmentation::Segmentation;

/// The `"format"` field of a saved [`Segmentation`].
pub const PIPELINE_FORMAT: &str = "segmentation-pipeline";
/// The `"format_version"` this release writes and reads.
pub const PIPELINE_FORMAT_VERSION: u64 = 1;

/// The artifact named in the errors of a saved segmentation.
pub(crate) const PIPELINE: &str = "segmentation pipeline";

/// The JSON layout of a segmentation; each part loads through its own
/// checks, the whole through [`Segmentation::new`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSegmentation {
    format: String,
    format_version: u64,
    transform: Transformer,
    model: SegmentModel,
}

/// The same layout, borrowed, for saving.
#[derive(Serialize)]
struct SegmentationRef<'a> {
    format: &'static str,
    format_version: u64,
    transform: &'a Transformer,
    model: &'a SegmentModel,
}

/// The header of a saved segmentation (other fields ignored).
#[derive(Deserialize)]
struct Header {
    format: String,
    format_version: u64,
}

fn check_format(format: &str, version: u64) -> Result<()> {
    if format == PIPELINE_FORMAT && version == PIPELINE_FORMAT_VERSION {
        return Ok(());
    }
    let header = |f: &str, v: u64| format!("format {f:?} version {v}");
    Err(PipelineError::UnsupportedFormat {
        artifact: PIPELINE,
        found: header(format, version),
        expected: header(PIPELINE_FORMAT, PIPELINE_FORMAT_VERSION),
    })
}

impl TryFrom<RawSegmentation> for Segmentation {
    type Error = PipelineError;

    /// The format and version, then the check of [`Segmentation::new`].
    fn try_from(raw: RawSegmentation) -> Result<Self> {
        check_format(&raw.format, raw.format_version)?;
        Segmentation::new(raw.transform, raw.model)
    }
}

impl Serialize for Segmentation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        SegmentationRef {
            format: PIPELINE_FORMAT,
            format_version: PIPELINE_FORMAT_VERSION,
            transform: &self.transformer,
            model: &self.model,
        }
        .serialize(s)
    }
}

impl Segmentation {
    /// The segmentation as JSON: `"format": "segmentation-pipeline"`,
    /// `"format_version": 1`, `"transform"` (seg-features' transform
    /// JSON) and `"model"` (seg-cluster's segment model JSON). Floats
    /// round-trip exactly.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Json`] if serialisation fails (every number of a
    /// checked segmentation is finite, so it does not).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|source| PipelineError::Json {
            artifact: PIPELINE,
            source,
        })
    }

    /// A segmentation from [`to_json`](Self::to_json)'s output, with the
    /// checks of the transform, of the segment model and of
    /// [`Segmentation::new`]. Truncated, hostile or inconsistent text
    /// gives an error, never a panic.
    ///
    /// # Errors
    ///
    /// [`PipelineError::UnsupportedFormat`] for another format or version
    /// of the pipeline file, [`PipelineError::Json`] for text that is not
    /// JSON of a pipeline's shape or whose parts fail their own checks
    /// (the part's message is kept), [`PipelineError::InvalidArtifact`]
    /// when the transform's features are not the model's.
    ///
    /// # Example
    ///
    /// ```
    /// use segmentation::pipeline::{PipelineError, Segmentation};
    ///
    /// let newer = r#"{"format":"segmentation-pipeline","format_version":2}"#;
    /// assert!(matches!(Segmentation::from_json(newer), Err(PipelineError::UnsupportedFormat { .. })));
    /// assert!(matches!(Segmentation::from_json("{\"format\":"), Err(PipelineError::Json { .. })));
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        if let Ok(h) = serde_json::from_str::<Header>(json) {
            check_format(&h.format, h.format_version)?;
        }
        let raw: RawSegmentation =
            serde_json::from_str(json).map_err(|source| PipelineError::Json {
                artifact: PIPELINE,
                source,
            })?;
        Segmentation::try_from(raw)
    }

    /// Saves the segmentation to `path` atomically: the JSON is written to
    /// a new temporary file in the same folder, synced to disk, renamed
    /// over `path`, and the folder is synced. A failure leaves the old
    /// file (if any) as it was and no temporary file behind.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Io`] naming the folder or file that failed (a
    /// folder that does not exist or cannot be written, a full disk).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let json = self.to_json()?;
        write_atomically(path.as_ref(), json.as_bytes())
    }

    /// Loads a segmentation saved by [`save`](Self::save), with the
    /// checks of [`from_json`](Self::from_json).
    ///
    /// # Errors
    ///
    /// [`PipelineError::Io`] naming the path when it cannot be read, and
    /// the errors of [`from_json`](Self::from_json).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = fs::read_to_string(path).map_err(|source| PipelineError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Segmentation::from_json(&text)
    }
}

/// A temporary file name in `dir` that no other save of this process or
/// another uses at the same time.
fn temporary_path(dir: &Path, target: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = target
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` through a synced temporary file in the same
/// folder, renamed over `path`; the folder is synced after the rename.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temporary = temporary_path(&dir, path);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PipelineError::Io { path, source }
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .map_err(io(&dir))?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if let Err(source) = written {
        let _ = fs::remove_file(&temporary);
        return Err(PipelineError::Io {
            path: temporary,
            source,
        });
    }
    if let Err(source) = fs::rename(&temporary, path) {
        let _ = fs::remove_file(&temporary);
        return Err(PipelineError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    #[cfg(unix)]
    fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io(&dir))?;
    Ok(())
}
