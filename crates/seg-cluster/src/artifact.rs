//! What the saved artifacts (models, partial sums) share: the format and
//! version check (seg-artifact's), reading JSON with its cause kept, and
//! matrices stored as arrays of rows.

use serde::de::DeserializeOwned;

use crate::error::{ClusterError, Result};

/// [`ClusterError::UnsupportedFormat`] unless the file's `format` and
/// `format_version` are the ones this release writes
/// ([`seg_artifact::compare_format`]).
pub(crate) fn check_format(
    artifact: &'static str,
    found: (&str, u64),
    expected: (&str, u64),
) -> Result<()> {
    seg_artifact::compare_format(artifact, found, expected)?;
    Ok(())
}

/// Parses the file layout `F` of an artifact. The header is read first
/// ([`seg_artifact::check_format`]), so that a file of another format or
/// version is reported as such even when its fields differ; JSON errors
/// keep their cause.
pub(crate) fn read_json<F: DeserializeOwned>(
    json: &str,
    artifact: &'static str,
    expected: (&str, u64),
) -> Result<F> {
    seg_artifact::check_format(json, artifact, expected.0, expected.1)?;
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
