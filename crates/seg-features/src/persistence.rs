//! Saving and loading a transform as versioned JSON.
//!
//! The file mirrors the schema and, per field, what fitting learned without
//! the field's spec (which the schema holds):
//!
//! ```text
//! {"format": "seg-features/transformer", "format_version": 1,
//!  "schema": {"output": "unit", "fields": [{"name": ..., "kind": ...}, ...]},
//!  "fitted": [{"kind": "numeric", "median": ..., "clip": ..., "scale": ...}, ...]}
//! ```
//!
//! Loading pairs each fitted entry with its schema field and runs the same
//! checks as fitting ([`Transformer::new`]).

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{FeatureError, Result};
use crate::scaler::ColumnScale;
use crate::schema::{FieldKind, Schema, SchemaData};
use crate::transformer::{FittedField, Transformer};

/// The `format` of a saved transform.
pub const TRANSFORMER_FORMAT: &str = "seg-features/transformer";
/// The `format_version` this release writes and reads.
pub const TRANSFORMER_FORMAT_VERSION: u64 = 1;

const ARTIFACT: &str = "transform";

/// The saved form of a [`Transformer`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransformerData {
    format: String,
    format_version: u64,
    schema: SchemaData,
    fitted: Vec<FittedData>,
}

/// The saved form of a [`FittedField`], without its spec.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum FittedData {
    Numeric {
        median: f64,
        clip: Option<[f64; 2]>,
        scale: ColumnScale,
    },
    Categorical {
        categories: Vec<String>,
        folded: Vec<String>,
        missing: bool,
    },
    Cyclic,
    Boolean {
        share_true: f64,
    },
}

#[derive(Deserialize)]
struct Header {
    format: String,
    format_version: u64,
}

impl From<FittedField> for FittedData {
    fn from(fitted: FittedField) -> Self {
        match fitted {
            FittedField::Numeric {
                median,
                clip,
                scale,
                ..
            } => FittedData::Numeric {
                median,
                clip,
                scale,
            },
            FittedField::Categorical {
                categories,
                folded,
                missing,
                ..
            } => FittedData::Categorical {
                categories,
                folded,
                missing,
            },
            FittedField::Cyclic { .. } => FittedData::Cyclic,
            FittedField::Boolean { share_true } => FittedData::Boolean { share_true },
        }
    }
}

impl FittedData {
    /// Joins the saved parameters with the spec of their schema field.
    fn with_spec(self, kind: &FieldKind) -> std::result::Result<FittedField, String> {
        Ok(match (self, kind.clone()) {
            (
                FittedData::Numeric {
                    median,
                    clip,
                    scale,
                },
                FieldKind::Numeric(spec),
            ) => FittedField::Numeric {
                spec,
                median,
                clip,
                scale,
            },
            (
                FittedData::Categorical {
                    categories,
                    folded,
                    missing,
                },
                FieldKind::Categorical(spec),
            ) => FittedField::Categorical {
                spec,
                categories,
                folded,
                missing,
            },
            (FittedData::Cyclic, FieldKind::Cyclic { period }) => FittedField::Cyclic { period },
            (FittedData::Boolean { share_true }, FieldKind::Boolean) => {
                FittedField::Boolean { share_true }
            }
            // A hostile or hand-edited file: parameters of another kind.
            (_, kind) => {
                return Err(format!(
                    "fitted parameters do not belong to a {} field",
                    kind.name()
                ));
            }
        })
    }
}

impl From<Transformer> for TransformerData {
    fn from(t: Transformer) -> Self {
        TransformerData {
            format: TRANSFORMER_FORMAT.to_owned(),
            format_version: TRANSFORMER_FORMAT_VERSION,
            schema: t.schema.into(),
            fitted: t.fitted.into_iter().map(FittedData::from).collect(),
        }
    }
}

impl TryFrom<TransformerData> for Transformer {
    type Error = FeatureError;

    fn try_from(data: TransformerData) -> Result<Self> {
        check_header(&data.format, data.format_version)?;
        let invalid = |reason| FeatureError::InvalidArtifact {
            artifact: ARTIFACT,
            reason,
        };
        let schema = Schema::try_from(data.schema).map_err(|e| invalid(format!("schema: {e}")))?;
        if data.fitted.len() != schema.fields().len() {
            return Err(invalid(format!(
                "{} fitted fields for {} schema fields",
                data.fitted.len(),
                schema.fields().len()
            )));
        }
        let fitted = data
            .fitted
            .into_iter()
            .zip(schema.fields())
            .map(|(saved, field)| {
                saved
                    .with_spec(field.kind())
                    .map_err(|reason| invalid(format!("field `{}`: {reason}", field.name())))
            })
            .collect::<Result<Vec<_>>>()?;
        Transformer::new(schema, fitted)
    }
}

fn describe(format: &str, version: u64) -> String {
    format!("format {format:?} version {version}")
}

fn check_header(format: &str, version: u64) -> Result<()> {
    if format != TRANSFORMER_FORMAT || version != TRANSFORMER_FORMAT_VERSION {
        return Err(FeatureError::UnsupportedFormat {
            artifact: ARTIFACT,
            found: describe(format, version),
            expected: describe(TRANSFORMER_FORMAT, TRANSFORMER_FORMAT_VERSION),
        });
    }
    Ok(())
}

impl Serialize for Transformer {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        TransformerData::from(self.clone()).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Transformer {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let data = TransformerData::deserialize(deserializer)?;
        Transformer::try_from(data).map_err(serde::de::Error::custom)
    }
}

impl Transformer {
    /// The transform as pretty-printed JSON with `format` and
    /// `format_version`.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Json`] if serialisation fails (it does not for
    /// validated transforms).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|source| FeatureError::Json {
            artifact: ARTIFACT,
            source,
        })
    }

    /// Reads a transform saved by [`Transformer::to_json`], validating it.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Json`] for text that is not a transform (truncated,
    /// hostile, wrong structure), [`FeatureError::UnsupportedFormat`] for
    /// another `format` or `format_version`, and
    /// [`FeatureError::InvalidArtifact`] for inconsistent contents (an
    /// invalid schema, non-finite numbers, unsorted categories, parameters
    /// that do not match the schema).
    pub fn from_json(json: &str) -> Result<Self> {
        let json_error = |source| FeatureError::Json {
            artifact: ARTIFACT,
            source,
        };
        let header: Header = serde_json::from_str(json).map_err(json_error)?;
        check_header(&header.format, header.format_version)?;
        let data: TransformerData = serde_json::from_str(json).map_err(json_error)?;
        Transformer::try_from(data)
    }

    /// Writes [`Transformer::to_json`] to `path`, atomically: to a
    /// temporary file in the same folder (`path` with `.tmp` appended),
    /// flushed to disk, then renamed over `path`. On failure the temporary
    /// file is removed.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Io`] naming the path that failed.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let json = self.to_json()?;
        let mut tmp_name = path.as_os_str().to_owned();
        tmp_name.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp_name);
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(json.as_bytes())?;
            file.sync_all()
        };
        let failed = write()
            .map_err(|source| (tmp.clone(), source))
            .and_then(|()| std::fs::rename(&tmp, path).map_err(|source| (path.to_owned(), source)));
        failed.map_err(|(path, source)| {
            // Nothing but the old file is left behind.
            let _ = std::fs::remove_file(&tmp);
            FeatureError::Io { path, source }
        })
    }

    /// Reads a transform from `path` with [`Transformer::from_json`].
    ///
    /// # Errors
    ///
    /// [`FeatureError::Io`] and the errors of [`Transformer::from_json`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| FeatureError::Io {
            path: path.to_owned(),
            source,
        })?;
        Transformer::from_json(&text)
    }
}
