//! The fitted transform: what fitting learned per field, the one check of
//! its invariants, and the layout of its output columns.
//!
//! Fitting is in `fit.rs`, applying in `apply.rs`, saving and loading in
//! `persistence.rs`.

use crate::error::{FeatureError, Result};
use crate::scaler::ColumnScale;
use crate::schema::{Categorical, MISSING, Numeric, OTHER, Schema, Unknown};

/// What fitting learned about one field, together with the field's
/// specification.
///
/// Each variant carries everything needed to encode and decode its field,
/// so no operation has to pair it with the schema's [`crate::FieldKind`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FittedField {
    /// A numeric field.
    #[non_exhaustive]
    Numeric {
        /// The field's specification.
        spec: Numeric,
        /// The median of the non-missing values, used to impute.
        median: f64,
        /// The clipping bounds after the log, when the field clips.
        clip: Option<[f64; 2]>,
        /// The scaler of the (logged, clipped) values.
        scale: ColumnScale,
    },
    /// A categorical field.
    #[non_exhaustive]
    Categorical {
        /// The field's specification.
        spec: Categorical,
        /// Categories with a column of their own, sorted by name.
        categories: Vec<String>,
        /// Categories seen at fit but folded into `<other>`, sorted.
        folded: Vec<String>,
        /// Whether the fitting data had missing values (a `<missing>`
        /// column).
        missing: bool,
    },
    /// A cyclic field (nothing to learn).
    #[non_exhaustive]
    Cyclic {
        /// The period, > 0.
        period: f64,
    },
    /// A boolean field.
    #[non_exhaustive]
    Boolean {
        /// The share of `true` among non-missing values, used to impute.
        share_true: f64,
    },
}

impl FittedField {
    /// Number of output columns.
    pub(crate) fn width(&self) -> usize {
        match self {
            FittedField::Numeric { spec, .. } => 1 + usize::from(spec.has_missing_indicator()),
            FittedField::Categorical {
                categories,
                missing,
                ..
            } => {
                categories.len()
                    + usize::from(self.other_column().is_some())
                    + usize::from(*missing)
            }
            FittedField::Cyclic { .. } => 2,
            FittedField::Boolean { .. } => 1,
        }
    }

    /// The column of `<other>` within a categorical field, if it has one.
    pub(crate) fn other_column(&self) -> Option<usize> {
        match self {
            FittedField::Categorical {
                spec,
                categories,
                folded,
                ..
            } => (!folded.is_empty() || spec.unknown_policy() == Unknown::Other)
                .then_some(categories.len()),
            _ => None,
        }
    }

    /// The invariants of a fitted field, for fitted and loaded transforms
    /// alike: finite parameters that agree with the spec, sorted, unique,
    /// unreserved categories, at least one output column.
    fn check(&self) -> std::result::Result<(), String> {
        match self {
            FittedField::Numeric {
                spec,
                median,
                clip,
                scale,
            } => {
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
            FittedField::Categorical {
                categories, folded, ..
            } => {
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
                if self.width() == 0 {
                    return Err("the field encodes to no column".into());
                }
                Ok(())
            }
            FittedField::Cyclic { period } => {
                if period.is_finite() && *period > 0.0 {
                    Ok(())
                } else {
                    Err(format!("period {period} is not finite and > 0"))
                }
            }
            FittedField::Boolean { share_true } => {
                if (0.0..=1.0).contains(share_true) {
                    Ok(())
                } else {
                    Err(format!("share_true {share_true} is outside [0, 1]"))
                }
            }
        }
    }

    /// Appends the names of this field's output columns.
    fn push_names(&self, name: &str, names: &mut Vec<String>) {
        match self {
            FittedField::Numeric { spec, .. } => {
                names.push(name.to_owned());
                if spec.has_missing_indicator() {
                    names.push(format!("{name}.missing"));
                }
            }
            FittedField::Categorical {
                categories,
                missing,
                ..
            } => {
                names.extend(categories.iter().map(|c| format!("{name}={c}")));
                if self.other_column().is_some() {
                    names.push(format!("{name}={OTHER}"));
                }
                if *missing {
                    names.push(format!("{name}={MISSING}"));
                }
            }
            FittedField::Cyclic { .. } => {
                names.push(format!("{name}.sin"));
                names.push(format!("{name}.cos"));
            }
            FittedField::Boolean { .. } => names.push(name.to_owned()),
        }
    }
}

fn is_sorted_unique(v: &[String]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

/// Signed `log1p`: `sign(x)·ln(1 + |x|)`.
pub(crate) fn signed_log1p(x: f64) -> f64 {
    x.signum() * x.abs().ln_1p()
}

/// Undoes [`signed_log1p`].
pub(crate) fn signed_expm1(y: f64) -> f64 {
    y.signum() * y.abs().exp_m1()
}

/// A fitted feature transform: a [`Schema`] plus what fitting learned.
///
/// Turns records into rows of `n_features()` numbers, in the order of
/// [`Transformer::feature_names`]. Saved as versioned JSON with
/// [`Transformer::to_json`] and validated when loaded with
/// [`Transformer::from_json`] (also when deserialised with serde).
#[derive(Debug, Clone, PartialEq)]
pub struct Transformer {
    pub(crate) schema: Schema,
    pub(crate) fitted: Vec<FittedField>,
    /// Start column of each field, plus the total at the end.
    pub(crate) offsets: Vec<usize>,
}

impl Transformer {
    /// The one constructor, for fitted and loaded transforms: checks every
    /// fitted field and lays out the output columns.
    ///
    /// Each fitted field carries the spec of the schema's field at its
    /// position (both callers build it from that field).
    ///
    /// # Errors
    ///
    /// [`FeatureError::InvalidArtifact`] naming the field whose fitted
    /// parameters are inconsistent.
    pub(crate) fn new(schema: Schema, fitted: Vec<FittedField>) -> Result<Self> {
        let invalid = |reason| FeatureError::InvalidArtifact {
            artifact: "transform",
            reason,
        };
        if fitted.len() != schema.fields().len() {
            return Err(invalid(format!(
                "{} fitted fields for {} schema fields",
                fitted.len(),
                schema.fields().len()
            )));
        }
        let mut offsets = Vec::with_capacity(fitted.len() + 1);
        let mut total = 0usize;
        for (field, f) in schema.fields().iter().zip(&fitted) {
            f.check()
                .map_err(|reason| invalid(format!("field `{}`: {reason}", field.name())))?;
            offsets.push(total);
            total = total
                .checked_add(f.width())
                .ok_or_else(|| invalid("too many output columns".to_owned()))?;
        }
        offsets.push(total);
        Ok(Transformer {
            schema,
            fitted,
            offsets,
        })
    }

    /// The schema this transform was fitted from.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Schema, Value};
    /// let schema = Schema::builder().boolean("returning").build()?;
    /// let t = schema.fit(&[[Value::from(true)]])?;
    /// assert_eq!(t.schema(), &schema);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// What fitting learned, one entry per field.
    ///
    /// # Example
    /// ```
    /// use seg_features::{FittedField, Schema, Value};
    /// let schema = Schema::builder().boolean("returning").build()?;
    /// let t = schema.fit(&[[Value::from(true)], [Value::from(false)], [Value::from(true)], [Value::from(true)]])?;
    /// assert!(matches!(t.fitted()[0], FittedField::Boolean { share_true, .. } if share_true == 0.75));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fitted(&self) -> &[FittedField] {
        &self.fitted
    }

    /// The number of output features.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Categorical, Schema, Value};
    /// let schema = Schema::builder().cyclic("hour", 24.0).categorical("device", Categorical::new()).build()?;
    /// let t = schema.fit(&[[Value::from(1.0), Value::from("a")], [Value::from(2.0), Value::from("b")]])?;
    /// assert_eq!(t.n_features(), 2 + 2); // sin, cos; device=a, device=b
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.offsets.last().copied().unwrap_or(0)
    }

    /// The output columns of each field, in field order.
    pub(crate) fn column_ranges(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.offsets.windows(2).map(|w| w[0]..w[1])
    }

    /// The output columns of the field called `name`, as a range of
    /// feature indices.
    ///
    /// # Errors
    ///
    /// [`FeatureError::UnknownField`].
    ///
    /// # Example
    /// ```
    /// use seg_features::{Categorical, Schema, Value};
    /// let schema = Schema::builder().cyclic("hour", 24.0).categorical("device", Categorical::new()).build()?;
    /// let t = schema.fit(&[[Value::from(1.0), Value::from("a")], [Value::from(2.0), Value::from("b")]])?;
    /// assert_eq!(t.columns_of("device")?, 2..4);
    /// assert!(t.columns_of("country").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn columns_of(&self, name: &str) -> Result<std::ops::Range<usize>> {
        let i = self.schema.index_of(name)?;
        self.column_ranges()
            .nth(i)
            .ok_or_else(|| FeatureError::UnknownField {
                name: name.to_owned(),
            })
    }

    /// Whether output column `column` is a categorical field's `<other>`
    /// column (categories unseen at fit, or folded). In the fitting data it
    /// holds only the folded categories, so drift monitors treat it apart:
    /// unseen categories of a long tail fill it in every new batch.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Categorical, Schema, Unknown, Value};
    /// let schema = Schema::builder()
    ///     .categorical("device", Categorical::new().unknown(Unknown::Other))
    ///     .build()?;
    /// let t = schema.fit(&[[Value::from("mobile")], [Value::from("desktop")]])?;
    /// assert_eq!(t.feature_names(), ["device=desktop", "device=mobile", "device=<other>"]);
    /// assert_eq!((0..3).map(|j| t.is_other_column(j)).collect::<Vec<_>>(), [false, false, true]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_other_column(&self, column: usize) -> bool {
        self.fitted
            .iter()
            .zip(self.column_ranges())
            .any(|(f, range)| f.other_column().map(|j| range.start + j) == Some(column))
    }

    /// The name of every output feature: `sessions`, `sessions.missing`,
    /// `browser=chrome`, `browser=<other>`, `browser=<missing>`,
    /// `hour.sin`, `hour.cos`, `returning`.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Categorical, Schema, Value};
    /// let schema = Schema::builder().cyclic("hour", 24.0).categorical("device", Categorical::new()).build()?;
    /// let t = schema.fit(&[[Value::from(1.0), Value::Missing], [Value::from(2.0), Value::from("b")]])?;
    /// assert_eq!(t.feature_names(), ["hour.sin", "hour.cos", "device=b", "device=<missing>"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.n_features());
        for (field, fitted) in self.schema.fields().iter().zip(&self.fitted) {
            fitted.push_names(field.name(), &mut names);
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

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

    #[test]
    fn fitted_fields_that_disagree_with_the_schema_in_number_are_rejected() {
        let schema = Schema::builder().boolean("b").build().unwrap();
        let err = Transformer::new(schema, Vec::new()).unwrap_err();
        assert!(
            matches!(
                err,
                FeatureError::InvalidArtifact {
                    artifact: "transform",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
