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

use std::path::Path;

use seg_artifact::{
    MAX_ARTIFACT_BYTES, check_format, compare_format, read_to_string_bounded, write_atomically,
};

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

fn check_header(format: &str, version: u64) -> Result<()> {
    compare_format(
        ARTIFACT,
        (format, version),
        (TRANSFORMER_FORMAT, TRANSFORMER_FORMAT_VERSION),
    )?;
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
        check_format(
            json,
            ARTIFACT,
            TRANSFORMER_FORMAT,
            TRANSFORMER_FORMAT_VERSION,
        )?;
        let data: TransformerData = serde_json::from_str(json).map_err(json_error)?;
        Transformer::try_from(data)
    }

    /// Writes [`Transformer::to_json`] to `path` atomically, with
    /// [`seg_artifact::write_atomically`]: a temporary file with a unique
    /// name in the same folder, synced, renamed over `path`, the folder
    /// synced. Concurrent saves of one path leave one whole transform; a
    /// failure leaves the old file whole and no temporary file.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Io`] naming the file (or its folder) that failed.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_features::{Numeric, Schema, Transformer, Value};
    ///
    /// let schema = Schema::builder().numeric("pages", Numeric::default()).build()?;
    /// let transformer = schema.fit(&[vec![Value::from(1.0)], vec![Value::from(3.0)]])?;
    /// let dir = std::env::temp_dir().join(format!("seg-features-save-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("transform.json");
    /// transformer.save(&path)?;
    /// assert_eq!(Transformer::load(&path)?, transformer);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let json = self.to_json()?;
        write_atomically(path, json.as_bytes())?;
        Ok(())
    }

    /// Reads a transform from `path` with [`Transformer::from_json`]. The
    /// path must name a regular file of at most
    /// [`MAX_ARTIFACT_BYTES`](seg_artifact::MAX_ARTIFACT_BYTES) (256 MiB):
    /// a FIFO or a device is refused at once, without reading.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Io`] naming the path when it cannot be read,
    /// [`FeatureError::File`] when it is not a regular file or is too
    /// large, and the errors of [`Transformer::from_json`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let text = read_to_string_bounded(path, MAX_ARTIFACT_BYTES)?;
        Transformer::from_json(&text)
    }
}
