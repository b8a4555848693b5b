//! Feature engineering for visitor segmentation.
//!
//! Turns raw visitor records into the scaled feature matrix that clustering
//! needs, and saves the same transform as JSON so that a service can apply
//! it to every request without allocating.
//!
//! - A [`Schema`] declares named fields: [`Numeric`] (MinMax, Standard,
//!   Robust or no scaling; optional `log1p`; optional clipping at fitted
//!   quantiles; median imputation with an optional missing indicator),
//!   [`Categorical`] (one-hot, rare categories folded into `<other>`, a
//!   policy for [`Unknown`] ones, missing values as their own category),
//!   cyclic (sin/cos of hour, weekday, month) and boolean.
//! - [`Schema::fit`] learns from records (slices of [`Value`]) and returns a
//!   [`Transformer`]: [`Transformer::transform`] into an `Array2<f64>`,
//!   [`Transformer::transform_one`] into a caller's buffer,
//!   [`Transformer::feature_names`], [`Transformer::inverse`] back to
//!   original units, [`Transformer::to_json`] / [`Transformer::from_json`].
//! - [`Scaler`] fits scikit-learn's MinMax, Standard and Robust scalers on a
//!   matrix directly.
//! - [`web_visitor_schema`] is a ready-made schema of 20 features.
//! - [`parse_csv`] and [`read_csv`] read CSV records of a schema;
//!   [`CsvReader`] / [`CsvRecords`] read them one at a time (the one CSV
//!   record reader of the workspace, which the `seg` tool uses too).
//! - [`infer_schema`] guesses a draft schema from a CSV file, with a
//!   one-line reason per column (what `seg schema infer` prints).
//! - [`Transformer::save`] and [`Transformer::load`] write a transform
//!   atomically and read it back, refusing anything but a regular file of
//!   bounded size (with `seg-artifact`).
//!
//! # Quick start
//!
//! ```
//! use seg_features::{Categorical, Numeric, Scaler, Schema, Transformer, Value};
//!
//! let schema = Schema::builder()
//!     .numeric("seconds", Numeric::new(Scaler::MinMax).log1p())
//!     .categorical("device", Categorical::new())
//!     .cyclic("hour", 24.0)
//!     .build()?;
//! let records = vec![
//!     vec![Value::from(30.0), Value::from("mobile"), Value::from(22.0)],
//!     vec![Value::from(600.0), Value::from("desktop"), Value::from(9.0)],
//!     vec![Value::Missing, Value::from("mobile"), Value::from(13.0)],
//! ];
//! let transformer = schema.fit(&records)?;
//! let x = transformer.transform(&records)?;
//! assert_eq!(x.dim(), (3, 5));
//! assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
//!
//! // Saved and loaded, the transform gives the same numbers.
//! let loaded = Transformer::from_json(&transformer.to_json()?)?;
//! assert_eq!(loaded.transform(&records)?, x);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod apply;
mod csv;
mod error;
mod fit;
mod infer;
mod persistence;
mod scaler;
mod schema;
mod transformer;
mod value;
mod web;

pub use crate::apply::Decoded;
pub use crate::csv::{CsvReader, CsvRecords, parse_csv, read_csv};
pub use crate::error::{FeatureError, Result};
pub use crate::infer::{
    ColumnGuess, Exclusion, Guess, InferParams, InferredSchema, infer_schema, infer_schema_from_csv,
};
pub use crate::persistence::{TRANSFORMER_FORMAT, TRANSFORMER_FORMAT_VERSION};
pub use crate::scaler::{ColumnScale, FittedScaler, Scaler, quantile_sorted};
pub use crate::schema::{
    Categorical, Field, FieldKind, Numeric, Output, Schema, SchemaBuilder, Unknown,
};
pub use crate::transformer::{FittedField, Transformer};
pub use crate::value::Value;
pub use crate::web::{WEB_VISITOR_FIELDS, WebVisitor, web_visitor_schema};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
