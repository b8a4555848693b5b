//! The `"format"` / `"format_version"` header of saved artifacts.

use serde::Deserialize;

use crate::error::ArtifactError;

/// The header of any saved artifact; other fields are skipped unread.
#[derive(Deserialize)]
struct Header {
    format: String,
    format_version: u64,
}

/// `format "…" version …`, as errors show a header.
fn describe(format: &str, version: u64) -> String {
    format!("format {format:?} version {version}")
}

/// Checks the `"format"` and `"format_version"` fields of the JSON object
/// `json` against the ones this release reads.
///
/// Call it before parsing the whole artifact, so that a file of another
/// format or version is reported as such even when its other fields differ.
/// Text that has no such header (not JSON, truncated, not an object, the
/// fields missing or of another type) passes: the artifact's own parser
/// then reports it with its cause.
///
/// # Errors
///
/// [`ArtifactError::UnsupportedFormat`] naming `artifact`, the header found
/// and the one expected (both as `format "…" version …`).
///
/// # Example
///
/// ```
/// use seg_artifact::{check_format, ArtifactError};
///
/// check_format(r#"{"format":"seg-segment-model","format_version":1,"k":3}"#, "segment model", "seg-segment-model", 1)?;
/// let err = check_format(r#"{"format":"seg-segment-model","format_version":2}"#, "segment model", "seg-segment-model", 1)
///     .unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "unsupported segment model file: found format \"seg-segment-model\" version 2, \
///      this release reads format \"seg-segment-model\" version 1"
/// );
/// // No header: left to the artifact's parser.
/// check_format("{}", "segment model", "seg-segment-model", 1)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_format(
    json: &str,
    artifact: &'static str,
    format: &str,
    format_version: u64,
) -> Result<(), ArtifactError> {
    let Ok(found) = serde_json::from_str::<Header>(json) else {
        return Ok(());
    };
    compare_format(
        artifact,
        (&found.format, found.format_version),
        (format, format_version),
    )
}

/// Checks a `format` and `format_version` already read (by the artifact's
/// own deserialiser) against the ones this release reads: the comparison
/// of [`check_format`], for artifacts nested in others.
///
/// # Errors
///
/// [`ArtifactError::UnsupportedFormat`] naming `artifact`, the header found
/// and the one expected.
///
/// # Example
///
/// ```
/// use seg_artifact::{compare_format, ArtifactError};
///
/// compare_format("transform", ("seg-features/transformer", 1), ("seg-features/transformer", 1))?;
/// assert!(matches!(
///     compare_format("transform", ("seg-features/transformer", 2), ("seg-features/transformer", 1)),
///     Err(ArtifactError::UnsupportedFormat { artifact: "transform", .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn compare_format(
    artifact: &'static str,
    found: (&str, u64),
    expected: (&str, u64),
) -> Result<(), ArtifactError> {
    if found == expected {
        return Ok(());
    }
    Err(ArtifactError::UnsupportedFormat {
        artifact,
        found: describe(found.0, found.1),
        expected: describe(expected.0, expected.1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_format_with_the_same_version_is_unsupported() {
        let err = check_format(r#"{"format":"b","format_version":1}"#, "a file", "a", 1);
        assert!(matches!(
            err,
            Err(ArtifactError::UnsupportedFormat { ref found, .. }) if found == "format \"b\" version 1"
        ));
    }

    #[test]
    fn text_without_a_header_is_left_to_the_parser() {
        for text in [
            "",
            "null",
            "[]",
            "{}",
            "{\"format\":\"a\"}",
            "{\"format\":\"a\",\"format_version\":-1}",
        ] {
            assert!(check_format(text, "a file", "a", 1).is_ok(), "{text}");
        }
    }

    #[test]
    fn the_largest_version_is_compared_not_rejected_as_malformed() {
        let text = format!("{{\"format\":\"a\",\"format_version\":{}}}", u64::MAX);
        assert!(matches!(
            check_format(&text, "a file", "a", 1),
            Err(ArtifactError::UnsupportedFormat { .. })
        ));
    }
}
