//! What the saved artifacts (models, partial sums) share: the format and
//! version check, reading JSON with its cause kept, and matrices stored as
//! arrays of rows.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{ClusterError, Result};

/// `format "…" version …`, as the errors show a file's header.
fn header(format: &str, version: u64) -> String {
    format!("format {format:?} version {version}")
}

/// [`ClusterError::UnsupportedFormat`] unless the file's `format` and
/// `format_version` are the ones this release writes.
pub(crate) fn check_format(
    artifact: &'static str,
    found: (&str, u64),
    expected: (&str, u64),
) -> Result<()> {
    if found == expected {
        return Ok(());
    }
    Err(ClusterError::UnsupportedFormat {
        artifact,
        found: header(found.0, found.1),
        expected: header(expected.0, expected.1),
    })
}

/// The header of any saved artifact (other fields ignored).
#[derive(Deserialize)]
struct Header {
    format: String,
    format_version: u64,
}

/// Parses the file layout `F` of an artifact. The header is read first,
/// so that a file of another format or version is reported as such even
/// when its fields differ; JSON errors keep their cause.
pub(crate) fn read_json<F: DeserializeOwned>(
    json: &str,
    artifact: &'static str,
    expected: (&str, u64),
) -> Result<F> {
    if let Ok(h) = serde_json::from_str::<Header>(json) {
        check_format(artifact, (&h.format, h.format_version), expected)?;
    }
    serde_json::from_str(json).map_err(|source| ClusterError::Json { artifact, source })
}

/// `rows` (k arrays of d values) flattened row-major, or why not.
pub(crate) fn matrix(
    rows: Vec<Vec<f64>>,
    k: usize,
    d: usize,
    what: &str,
) -> std::result::Result<Vec<f64>, String> {
    if rows.len() != k {
        return Err(format!("{} {what} rows for k = {k}", rows.len()));
    }
    if let Some((r, row)) = rows.iter().enumerate().find(|(_, r)| r.len() != d) {
        return Err(format!(
            "{what} row {r} has {} values, expected {d}",
            row.len()
        ));
    }
    Ok(rows.concat())
}
