//! Fitting a schema and applying the fitted transform.

use std::collections::HashMap;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{FeatureError, Result};
use crate::scaler::{ColumnScale, quantile_sorted};
use crate::schema::{Categorical, FieldKind, MISSING, Numeric, OTHER, Output, Schema, Unknown};
use crate::value::Value;

/// What fitting learned about one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum FittedField {
    /// A numeric field.
    Numeric {
        /// The median of the non-missing values, used to impute.
        median: f64,
        /// The clipping bounds after the log, when the field clips.
        clip: Option<[f64; 2]>,
        /// The scaler of the (logged, clipped) values.
        scale: ColumnScale,
    },
    /// A categorical field.
    Categorical {
        /// Categories with a column of their own, sorted by name.
        categories: Vec<String>,
        /// Categories seen at fit but folded into `<other>`, sorted.
        folded: Vec<String>,
        /// Whether the fitting data had missing values (a `<missing>`
        /// column).
        missing: bool,
    },
    /// A cyclic field (nothing to learn).
    Cyclic,
    /// A boolean field.
    Boolean {
        /// The share of `true` among non-missing values, used to impute.
        share_true: f64,
    },
}

/// One decoded field of a feature row, from [`Transformer::inverse`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Decoded {
    /// A numeric field in original units (clipping cannot be undone), or a
    /// cyclic field as a value in [0, period).
    Number(f64),
    /// The categorical column with the largest value, and that value (the
    /// share of the category when the row is a centroid).
    Category {
        /// The category (`<other>` or `<missing>` for those columns).
        name: String,
        /// Its column's value.
        share: f64,
    },
    /// A boolean field's value: the share of `true` for a centroid.
    Share(f64),
}

/// A fitted feature transform: a [`Schema`] plus what fitting learned.
///
/// Turns records into rows of `n_features()` numbers, in the order of
/// [`Transformer::feature_names`]. Saved as versioned JSON with
/// [`Transformer::to_json`] and validated when loaded with
/// [`Transformer::from_json`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TransformerData", into = "TransformerData")]
pub struct Transformer {
    schema: Schema,
    fitted: Vec<FittedField>,
    /// Start column of each field, plus the total at the end.
    offsets: Vec<usize>,
}

/// The `format` of a saved transform.
pub const TRANSFORMER_FORMAT: &str = "seg-features/transformer";
/// The `format_version` this release writes and reads.
pub const TRANSFORMER_FORMAT_VERSION: u64 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransformerData {
    format: String,
    format_version: u64,
    schema: Schema,
    fitted: Vec<FittedField>,
}

#[derive(Deserialize)]
struct Header {
    format: String,
    format_version: u64,
}

impl From<Transformer> for TransformerData {
    fn from(t: Transformer) -> Self {
        TransformerData {
            format: TRANSFORMER_FORMAT.to_owned(),
            format_version: TRANSFORMER_FORMAT_VERSION,
            schema: t.schema,
            fitted: t.fitted,
        }
    }
}

impl TryFrom<TransformerData> for Transformer {
    type Error = FeatureError;

    fn try_from(data: TransformerData) -> Result<Self> {
        check_header(&data.format, data.format_version)?;
        if data.fitted.len() != data.schema.fields().len() {
            return Err(FeatureError::Invalid(format!(
                "{} fitted fields for {} schema fields",
                data.fitted.len(),
                data.schema.fields().len()
            )));
        }
        for (field, fitted) in data.schema.fields().iter().zip(&data.fitted) {
            validate_fitted(field.kind(), fitted)
                .and_then(|()| match width(field.kind(), fitted) {
                    0 => Err("the field encodes to no column".to_owned()),
                    _ => Ok(()),
                })
                .map_err(|reason| {
                    FeatureError::Invalid(format!("field `{}`: {reason}", field.name()))
                })?;
        }
        Ok(Transformer::new(data.schema, data.fitted))
    }
}

fn check_header(format: &str, version: u64) -> Result<()> {
    if format != TRANSFORMER_FORMAT {
        return Err(FeatureError::Format {
            found: format.to_owned(),
            expected: TRANSFORMER_FORMAT,
        });
    }
    if version != TRANSFORMER_FORMAT_VERSION {
        return Err(FeatureError::FormatVersion {
            found: version,
            supported: TRANSFORMER_FORMAT_VERSION,
        });
    }
    Ok(())
}

fn is_sorted_unique(v: &[String]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

fn validate_fitted(kind: &FieldKind, fitted: &FittedField) -> std::result::Result<(), String> {
    match (kind, fitted) {
        (
            FieldKind::Numeric(spec),
            FittedField::Numeric {
                median,
                clip,
                scale,
            },
        ) => {
            if !median.is_finite() {
                return Err(format!("median {median} is not finite"));
            }
            match (spec.quantiles(), clip) {
                (Some(_), Some([lo, hi])) if lo.is_finite() && hi.is_finite() && lo <= hi => {}
                (None, None) => {}
                _ => return Err(format!("clip bounds {clip:?} do not fit the spec")),
            }
            if scale.scaler() != spec.scaler() {
                return Err(format!(
                    "fitted {:?} scaler, spec says {:?}",
                    scale.scaler(),
                    spec.scaler()
                ));
            }
            scale.validate()
        }
        (
            FieldKind::Categorical(_),
            FittedField::Categorical {
                categories, folded, ..
            },
        ) => {
            if !is_sorted_unique(categories) || !is_sorted_unique(folded) {
                return Err("categories must be sorted and unique".into());
            }
            if let Some(c) = categories
                .iter()
                .chain(folded)
                .find(|c| c.as_str() == OTHER || c.as_str() == MISSING)
            {
                return Err(format!("category `{c}` is reserved"));
            }
            if folded.iter().any(|c| categories.binary_search(c).is_ok()) {
                return Err("a category is both kept and folded".into());
            }
            Ok(())
        }
        (FieldKind::Cyclic { .. }, FittedField::Cyclic) => Ok(()),
        (FieldKind::Boolean, FittedField::Boolean { share_true }) => {
            if (0.0..=1.0).contains(share_true) {
                Ok(())
            } else {
                Err(format!("share_true {share_true} is outside [0, 1]"))
            }
        }
        (kind, _) => Err(format!(
            "fitted parameters do not belong to a {} field",
            kind.name()
        )),
    }
}

/// Number of output columns of a field.
fn width(kind: &FieldKind, fitted: &FittedField) -> usize {
    match (kind, fitted) {
        (FieldKind::Numeric(spec), _) => 1 + usize::from(spec.has_missing_indicator()),
        (
            FieldKind::Categorical(spec),
            FittedField::Categorical {
                categories,
                folded,
                missing,
            },
        ) => categories.len() + usize::from(has_other(spec, folded)) + usize::from(*missing),
        (FieldKind::Cyclic { .. }, _) => 2,
        _ => 1,
    }
}

fn has_other(spec: &Categorical, folded: &[String]) -> bool {
    !folded.is_empty() || spec.unknown_policy() == Unknown::Other
}

/// Signed `log1p`: `sign(x)·ln(1 + |x|)`.
fn signed_log1p(x: f64) -> f64 {
    x.signum() * x.abs().ln_1p()
}

/// Undoes [`signed_log1p`].
fn signed_expm1(y: f64) -> f64 {
    y.signum() * y.abs().exp_m1()
}

fn number_of(value: &Value<'_>, row: usize, field: &str) -> Result<Option<f64>> {
    match value {
        Value::Number(x) if x.is_finite() => Ok(Some(*x)),
        Value::Number(x) => Err(FeatureError::NonFinite {
            row,
            field: field.to_owned(),
            value: *x,
        }),
        Value::Missing => Ok(None),
        other => Err(wrong_kind(row, field, "number", other)),
    }
}

fn wrong_kind(row: usize, field: &str, expected: &'static str, got: &Value<'_>) -> FeatureError {
    FeatureError::WrongKind {
        row,
        field: field.to_owned(),
        expected,
        got: got.kind(),
    }
}

fn check_lengths<'v, R: AsRef<[Value<'v>]>>(records: &[R], n_fields: usize) -> Result<()> {
    if records.is_empty() {
        return Err(FeatureError::EmptyInput);
    }
    match records.iter().position(|r| r.as_ref().len() != n_fields) {
        Some(row) => Err(FeatureError::WrongLength {
            row,
            expected: n_fields,
            got: records[row].as_ref().len(),
        }),
        None => Ok(()),
    }
}

impl Schema {
    /// Fits the transform on `records` (each a slice of values in field
    /// order).
    ///
    /// # Errors
    ///
    /// [`FeatureError::EmptyInput`], [`FeatureError::WrongLength`],
    /// [`FeatureError::WrongKind`], [`FeatureError::NonFinite`],
    /// [`FeatureError::ReservedCategory`], and [`FeatureError::AllMissing`]
    /// for a numeric or boolean field without a single value.
    pub fn fit<'v, R: AsRef<[Value<'v>]>>(&self, records: &[R]) -> Result<Transformer> {
        check_lengths(records, self.fields().len())?;
        let fitted = self
            .fields()
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let column = records.iter().map(|r| &r.as_ref()[i]);
                match field.kind() {
                    FieldKind::Numeric(spec) => fit_numeric(spec, field.name(), column),
                    FieldKind::Categorical(spec) => fit_categorical(spec, field.name(), column),
                    FieldKind::Cyclic { .. } => {
                        for (row, v) in column.enumerate() {
                            number_of(v, row, field.name())?;
                        }
                        Ok(FittedField::Cyclic)
                    }
                    FieldKind::Boolean => fit_boolean(field.name(), column),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Transformer::new(self.clone(), fitted))
    }
}

fn fit_numeric<'a, 'v: 'a>(
    spec: &Numeric,
    name: &str,
    column: impl Iterator<Item = &'a Value<'v>>,
) -> Result<FittedField> {
    let raw = column
        .enumerate()
        .map(|(row, v)| number_of(v, row, name))
        .collect::<Result<Vec<_>>>()?;
    let mut present: Vec<f64> = raw.iter().flatten().copied().collect();
    if present.is_empty() {
        return Err(FeatureError::AllMissing {
            field: name.to_owned(),
        });
    }
    present.sort_unstable_by(f64::total_cmp);
    let median = quantile_sorted(&present, 0.5);
    // The log is monotone, so the imputed, logged column is sorted once
    // the imputed medians are inserted where the median sits.
    let n_missing = raw.len() - present.len();
    let at = present.partition_point(|&x| x < median);
    present.splice(at..at, std::iter::repeat_n(median, n_missing));
    let mut values = present;
    if spec.uses_log1p() {
        for v in &mut values {
            *v = signed_log1p(*v);
        }
    }
    let clip = spec.quantiles().map(|[lo, hi]| {
        let bounds = [quantile_sorted(&values, lo), quantile_sorted(&values, hi)];
        for v in &mut values {
            *v = v.clamp(bounds[0], bounds[1]);
        }
        bounds
    });
    let scale =
        ColumnScale::fit_sorted(spec.scaler(), &values).ok_or_else(|| FeatureError::Overflow {
            field: name.to_owned(),
        })?;
    Ok(FittedField::Numeric {
        median,
        clip,
        scale,
    })
}

fn fit_categorical<'a, 'v: 'a>(
    spec: &Categorical,
    name: &str,
    column: impl Iterator<Item = &'a Value<'v>>,
) -> Result<FittedField> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut missing = false;
    for (row, v) in column.enumerate() {
        match v {
            Value::Text(s) => {
                if s == OTHER || s == MISSING {
                    return Err(FeatureError::ReservedCategory {
                        field: name.to_owned(),
                        category: s.to_string(),
                    });
                }
                *counts.entry(s.as_ref()).or_default() += 1;
            }
            Value::Missing => missing = true,
            other => return Err(wrong_kind(row, name, "text", other)),
        }
    }
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let keep = ranked
        .iter()
        .take_while(|(_, n)| *n >= spec.min_count_value())
        .count()
        .min(spec.max_categories_value().unwrap_or(usize::MAX));
    let sorted_names = |part: &[(&str, usize)]| {
        let mut names: Vec<String> = part.iter().map(|(s, _)| (*s).to_owned()).collect();
        names.sort_unstable();
        names
    };
    Ok(FittedField::Categorical {
        categories: sorted_names(&ranked[..keep]),
        folded: sorted_names(&ranked[keep..]),
        missing,
    })
}

fn fit_boolean<'a, 'v: 'a>(
    name: &str,
    column: impl Iterator<Item = &'a Value<'v>>,
) -> Result<FittedField> {
    let (mut n, mut n_true) = (0usize, 0usize);
    for (row, v) in column.enumerate() {
        match v {
            Value::Bool(b) => {
                n += 1;
                n_true += usize::from(*b);
            }
            Value::Missing => {}
            other => return Err(wrong_kind(row, name, "bool", other)),
        }
    }
    if n == 0 {
        return Err(FeatureError::AllMissing {
            field: name.to_owned(),
        });
    }
    Ok(FittedField::Boolean {
        share_true: n_true as f64 / n as f64,
    })
}

impl Transformer {
    fn new(schema: Schema, fitted: Vec<FittedField>) -> Self {
        let mut offsets = Vec::with_capacity(fitted.len() + 1);
        let mut total = 0;
        for (field, f) in schema.fields().iter().zip(&fitted) {
            offsets.push(total);
            total += width(field.kind(), f);
        }
        offsets.push(total);
        Transformer {
            schema,
            fitted,
            offsets,
        }
    }

    /// The schema this transform was fitted from.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// What fitting learned, one entry per field.
    pub fn fitted(&self) -> &[FittedField] {
        &self.fitted
    }

    /// The number of output features.
    pub fn n_features(&self) -> usize {
        self.offsets[self.fitted.len()]
    }

    /// The output columns of the field called `name`, as a range of
    /// feature indices.
    ///
    /// # Errors
    ///
    /// [`FeatureError::UnknownField`].
    pub fn columns_of(&self, name: &str) -> Result<std::ops::Range<usize>> {
        let i = self.schema.index_of(name)?;
        Ok(self.offsets[i]..self.offsets[i + 1])
    }

    /// The name of every output feature: `sessions`, `sessions.missing`,
    /// `browser=chrome`, `browser=<other>`, `browser=<missing>`,
    /// `hour.sin`, `hour.cos`, `returning`.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.n_features());
        for (field, fitted) in self.schema.fields().iter().zip(&self.fitted) {
            let name = field.name();
            match (field.kind(), fitted) {
                (FieldKind::Numeric(spec), _) => {
                    names.push(name.to_owned());
                    if spec.has_missing_indicator() {
                        names.push(format!("{name}.missing"));
                    }
                }
                (
                    FieldKind::Categorical(spec),
                    FittedField::Categorical {
                        categories,
                        folded,
                        missing,
                    },
                ) => {
                    names.extend(categories.iter().map(|c| format!("{name}={c}")));
                    if has_other(spec, folded) {
                        names.push(format!("{name}={OTHER}"));
                    }
                    if *missing {
                        names.push(format!("{name}={MISSING}"));
                    }
                }
                (FieldKind::Cyclic { .. }, _) => {
                    names.push(format!("{name}.sin"));
                    names.push(format!("{name}.cos"));
                }
                _ => names.push(name.to_owned()),
            }
        }
        names
    }

    /// Transforms many records into an `n × n_features()` matrix.
    ///
    /// # Errors
    ///
    /// [`FeatureError::EmptyInput`], and the errors of
    /// [`Transformer::transform_one`], naming the row.
    pub fn transform<'v, R: AsRef<[Value<'v>]>>(&self, records: &[R]) -> Result<Array2<f64>> {
        check_lengths(records, self.fitted.len())?;
        let d = self.n_features();
        let mut out = vec![0.0; records.len() * d];
        for (row, (record, buf)) in records.iter().zip(out.chunks_exact_mut(d)).enumerate() {
            self.encode(record.as_ref(), buf, row)?;
        }
        Array2::from_shape_vec((records.len(), d), out)
            .map_err(|e| FeatureError::Invalid(e.to_string()))
    }

    /// Transforms one record into `out` (length `n_features()`), without
    /// allocating. Errors name row 0.
    ///
    /// # Errors
    ///
    /// [`FeatureError::OutputLength`], [`FeatureError::WrongLength`],
    /// [`FeatureError::WrongKind`], [`FeatureError::NonFinite`] (also when
    /// a raw-output scaler overflows), [`FeatureError::UnknownCategory`]
    /// under [`Unknown::Error`].
    ///
    /// # Example
    ///
    /// ```
    /// use seg_features::{Categorical, Numeric, Schema, Value};
    ///
    /// let schema = Schema::builder()
    ///     .numeric("sessions", Numeric::default())
    ///     .categorical("device", Categorical::new())
    ///     .build()?;
    /// let records = [
    ///     [Value::from(1.0), Value::from("mobile")],
    ///     [Value::from(9.0), Value::from("desktop")],
    /// ];
    /// let transformer = schema.fit(&records)?;
    /// let mut out = [0.0; 3];
    /// transformer.transform_one(&[Value::from(5.0), Value::from("mobile")], &mut out)?;
    /// assert_eq!(out, [0.5, 0.0, 1.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn transform_one(&self, record: &[Value<'_>], out: &mut [f64]) -> Result<()> {
        if out.len() != self.n_features() {
            return Err(FeatureError::OutputLength {
                expected: self.n_features(),
                got: out.len(),
            });
        }
        if record.len() != self.fitted.len() {
            return Err(FeatureError::WrongLength {
                row: 0,
                expected: self.fitted.len(),
                got: record.len(),
            });
        }
        self.encode(record, out, 0)
    }

    fn encode(&self, record: &[Value<'_>], out: &mut [f64], row: usize) -> Result<()> {
        let unit = self.schema.output() == Output::Unit;
        for (i, (field, fitted)) in self.schema.fields().iter().zip(&self.fitted).enumerate() {
            let cols = &mut out[self.offsets[i]..self.offsets[i + 1]];
            let value = &record[i];
            match (field.kind(), fitted) {
                (
                    FieldKind::Numeric(spec),
                    FittedField::Numeric {
                        median,
                        clip,
                        scale,
                    },
                ) => {
                    let raw = number_of(value, row, field.name())?;
                    let mut x = raw.unwrap_or(*median);
                    if spec.uses_log1p() {
                        x = signed_log1p(x);
                    }
                    if let Some([lo, hi]) = clip {
                        x = x.clamp(*lo, *hi);
                    }
                    let y = scale.apply(x);
                    cols[0] = if unit {
                        y.clamp(0.0, 1.0)
                    } else if y.is_finite() {
                        y
                    } else {
                        return Err(FeatureError::NonFinite {
                            row,
                            field: field.name().to_owned(),
                            value: y,
                        });
                    };
                    if spec.has_missing_indicator() {
                        cols[1] = f64::from(u8::from(raw.is_none()));
                    }
                }
                (
                    FieldKind::Categorical(spec),
                    FittedField::Categorical {
                        categories,
                        folded,
                        missing,
                    },
                ) => {
                    cols.fill(0.0);
                    let other = has_other(spec, folded).then_some(categories.len());
                    let hot = match value {
                        Value::Text(s) => {
                            match categories.binary_search_by(|c| c.as_str().cmp(s)) {
                                Ok(j) => Some(j),
                                Err(_)
                                    if folded.binary_search_by(|c| c.as_str().cmp(s)).is_ok() =>
                                {
                                    other
                                }
                                Err(_) => unknown(spec, other, row, field.name(), s)?,
                            }
                        }
                        Value::Missing if *missing => Some(cols.len() - 1),
                        Value::Missing => unknown(spec, other, row, field.name(), MISSING)?,
                        v => return Err(wrong_kind(row, field.name(), "text", v)),
                    };
                    if let Some(j) = hot {
                        cols[j] = 1.0;
                    }
                }
                (FieldKind::Cyclic { period }, _) => {
                    let (sin, cos) = match number_of(value, row, field.name())? {
                        // Reducing modulo the period first is exact, keeps huge
                        // values finite and leaves values in [0, period) unchanged.
                        Some(x) => ((2.0 * std::f64::consts::PI) * x.rem_euclid(*period) / period)
                            .sin_cos(),
                        None => (0.0, 0.0),
                    };
                    if unit {
                        cols[0] = (sin + 1.0) * 0.5;
                        cols[1] = (cos + 1.0) * 0.5;
                    } else {
                        cols[0] = sin;
                        cols[1] = cos;
                    }
                }
                (FieldKind::Boolean, FittedField::Boolean { share_true }) => {
                    cols[0] = match value {
                        Value::Bool(b) => f64::from(u8::from(*b)),
                        Value::Missing => *share_true,
                        v => return Err(wrong_kind(row, field.name(), "bool", v)),
                    };
                }
                _ => unreachable!("fitted parameters are validated against the schema"),
            }
        }
        Ok(())
    }

    /// Decodes a feature row (e.g. a cluster centroid) field by field into
    /// original units: numeric fields are unscaled and un-logged (clipping
    /// is not undone), cyclic fields become a value in [0, period),
    /// categorical fields their strongest column, boolean fields the share
    /// of `true`.
    ///
    /// # Errors
    ///
    /// [`FeatureError::OutputLength`] when `row` has another length than
    /// `n_features()`.
    pub fn inverse(&self, row: &[f64]) -> Result<Vec<(&str, Decoded)>> {
        if row.len() != self.n_features() {
            return Err(FeatureError::OutputLength {
                expected: self.n_features(),
                got: row.len(),
            });
        }
        let unit = self.schema.output() == Output::Unit;
        let mut decoded = Vec::with_capacity(self.fitted.len());
        for (i, (field, fitted)) in self.schema.fields().iter().zip(&self.fitted).enumerate() {
            let cols = &row[self.offsets[i]..self.offsets[i + 1]];
            let value = match (field.kind(), fitted) {
                (FieldKind::Numeric(spec), FittedField::Numeric { scale, .. }) => {
                    let x = scale.invert(cols[0]);
                    Decoded::Number(if spec.uses_log1p() {
                        signed_expm1(x)
                    } else {
                        x
                    })
                }
                (
                    FieldKind::Categorical(spec),
                    FittedField::Categorical {
                        categories,
                        folded,
                        missing,
                    },
                ) => {
                    let (j, share) = cols.iter().copied().enumerate().fold(
                        (0, f64::NEG_INFINITY),
                        |best, (j, v)| {
                            if v > best.1 { (j, v) } else { best }
                        },
                    );
                    let name = match categories.get(j) {
                        Some(c) => c.clone(),
                        None if has_other(spec, folded) && j == categories.len() => {
                            OTHER.to_owned()
                        }
                        None if *missing => MISSING.to_owned(),
                        None => String::new(),
                    };
                    Decoded::Category { name, share }
                }
                (FieldKind::Cyclic { period }, _) => {
                    let (s, c) = if unit {
                        (2.0 * cols[0] - 1.0, 2.0 * cols[1] - 1.0)
                    } else {
                        (cols[0], cols[1])
                    };
                    let turn = s.atan2(c) / (2.0 * std::f64::consts::PI);
                    Decoded::Number(turn.rem_euclid(1.0) * period)
                }
                _ => Decoded::Share(cols[0]),
            };
            decoded.push((field.name(), value));
        }
        Ok(decoded)
    }

    /// The transform as pretty-printed JSON with `format` and
    /// `format_version`.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Json`] if serialisation fails (it does not for
    /// validated transforms).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| FeatureError::Json(e.to_string()))
    }

    /// Reads a transform saved by [`Transformer::to_json`], validating it.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Json`] for text that is not a transform (truncated,
    /// hostile, wrong structure), [`FeatureError::Format`],
    /// [`FeatureError::FormatVersion`], and [`FeatureError::Invalid`] /
    /// schema errors for inconsistent contents (non-finite numbers,
    /// unsorted categories, parameters that do not match the schema).
    pub fn from_json(json: &str) -> Result<Self> {
        let header: Header =
            serde_json::from_str(json).map_err(|e| FeatureError::Json(e.to_string()))?;
        check_header(&header.format, header.format_version)?;
        let data: TransformerData =
            serde_json::from_str(json).map_err(|e| FeatureError::Json(e.to_string()))?;
        Transformer::try_from(data)
    }

    /// Writes [`Transformer::to_json`] to `path`.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Io`].
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_json()?).map_err(|e| FeatureError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }

    /// Reads a transform from `path` with [`Transformer::from_json`].
    ///
    /// # Errors
    ///
    /// [`FeatureError::Io`] and the errors of [`Transformer::from_json`].
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| FeatureError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Transformer::from_json(&text)
    }
}

fn unknown(
    spec: &Categorical,
    other: Option<usize>,
    row: usize,
    field: &str,
    category: &str,
) -> Result<Option<usize>> {
    match spec.unknown_policy() {
        Unknown::Ignore => Ok(None),
        Unknown::Other => Ok(other),
        Unknown::Error => Err(FeatureError::UnknownCategory {
            row,
            field: field.to_owned(),
            category: category.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_log1p_is_odd_monotone_and_invertible() {
        for x in [-1e6, -3.5, -1.0, 0.0, 0.25, 7.0, 1e12] {
            assert_eq!(signed_log1p(-x), -signed_log1p(x));
            assert!((signed_expm1(signed_log1p(x)) - x).abs() <= 1e-12 * x.abs().max(1.0));
        }
        assert!(signed_log1p(2.0) > signed_log1p(1.0));
        assert_eq!(signed_log1p(3.0), 3f64.ln_1p());
    }

    #[test]
    fn offsets_end_at_the_number_of_features() {
        let schema = Schema::builder()
            .numeric("x", Numeric::default().missing_indicator())
            .cyclic("h", 24.0)
            .build()
            .unwrap();
        let t = schema.fit(&[[Value::from(1.0), Value::from(2.0)]]).unwrap();
        assert_eq!(t.offsets, [0, 2, 4]);
        assert_eq!(t.n_features(), 4);
        assert_eq!(t.columns_of("h").unwrap(), 2..4);
    }
}
