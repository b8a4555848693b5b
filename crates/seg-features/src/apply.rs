//! Applying a fitted transform: records to features, and feature rows back
//! to original units.

use ndarray::Array2;

use crate::error::{FeatureError, Result};
use crate::schema::{MISSING, OTHER, Output, Unknown};
use crate::transformer::{FittedField, Transformer, signed_expm1, signed_log1p};
use crate::value::{Value, check_lengths, number_of, wrong_kind};

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

/// The angle `2π·x / period` of `x` reduced modulo `period` (finite, > 0).
fn cyclic_angle(x: f64, period: f64) -> f64 {
    const TAU: f64 = 2.0 * std::f64::consts::PI;
    let r = x.rem_euclid(period);
    let turned = TAU * r;
    if turned.is_finite() {
        turned / period
    } else {
        // A period near `f64::MAX`: divide first so the product stays finite.
        TAU * (r / period)
    }
}

impl Transformer {
    /// Transforms many records into an `n × n_features()` matrix.
    ///
    /// # Errors
    ///
    /// [`FeatureError::EmptyInput`], [`FeatureError::TooLarge`] when the
    /// matrix cannot be allocated, and the errors of
    /// [`Transformer::transform_one`], naming the row.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_features::{Categorical, Numeric, Scaler, Schema, Value};
    /// let schema = Schema::builder()
    ///     .numeric("pages", Numeric::new(Scaler::MinMax))
    ///     .categorical("device", Categorical::new())
    ///     .build()?;
    /// let records = [
    ///     [Value::from(2.0), Value::from("mobile")],
    ///     [Value::from(6.0), Value::from("desktop")],
    ///     [Value::from(4.0), Value::from("mobile")],
    /// ];
    /// let x = schema.fit(&records)?.transform(&records)?;
    /// // pages scaled to [0, 1]; device=desktop, device=mobile one-hot.
    /// assert_eq!(x, array![[0.0, 0.0, 1.0], [1.0, 1.0, 0.0], [0.5, 0.0, 1.0]]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn transform<'v, R: AsRef<[Value<'v>]>>(&self, records: &[R]) -> Result<Array2<f64>> {
        check_lengths(records, self.fitted.len())?;
        let (rows, d) = (records.len(), self.n_features());
        let too_large = || FeatureError::TooLarge { rows, cols: d };
        let len = rows.checked_mul(d).ok_or_else(too_large)?;
        let mut out = Vec::new();
        out.try_reserve_exact(len).map_err(|_| too_large())?;
        out.resize(len, 0.0);
        if d > 0 {
            for (row, (record, buf)) in records.iter().zip(out.chunks_exact_mut(d)).enumerate() {
                self.encode(record.as_ref(), buf, row)?;
            }
        }
        Array2::from_shape_vec((rows, d), out).map_err(|_| too_large())
    }

    /// Transforms one record into `out` (length `n_features()`), without
    /// allocating. Errors name row 0.
    ///
    /// # Errors
    ///
    /// [`FeatureError::LengthMismatch`], [`FeatureError::RecordLength`],
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
            return Err(FeatureError::LengthMismatch {
                parameter: "out",
                expected: self.n_features(),
                got: out.len(),
            });
        }
        if record.len() != self.fitted.len() {
            return Err(FeatureError::RecordLength {
                row: 0,
                expected: self.fitted.len(),
                got: record.len(),
            });
        }
        self.encode(record, out, 0)
    }

    /// Encodes `record` (one value per field) into `out` (`n_features()`
    /// long): both lengths are checked by the callers.
    fn encode(&self, record: &[Value<'_>], out: &mut [f64], row: usize) -> Result<()> {
        let unit = self.schema.output() == Output::Unit;
        let fields = self.schema.fields().iter().zip(&self.fitted);
        for (((field, fitted), value), range) in fields.zip(record).zip(self.column_ranges()) {
            let name = field.name();
            // `out` has `n_features()` entries and the ranges tile them.
            let cols = &mut out[range];
            match fitted {
                FittedField::Numeric {
                    spec,
                    median,
                    clip,
                    scale,
                } => {
                    let raw = number_of(value, row, name)?;
                    let mut x = raw.unwrap_or(*median);
                    if spec.uses_log1p() {
                        x = signed_log1p(x);
                    }
                    if let Some([lo, hi]) = clip {
                        // Checked finite and ordered on construction.
                        x = x.clamp(*lo, *hi);
                    }
                    let y = scale.apply(x);
                    // A numeric field has one column, plus the indicator.
                    cols[0] = if unit {
                        y.clamp(0.0, 1.0)
                    } else if y.is_finite() {
                        y
                    } else {
                        return Err(FeatureError::NonFinite {
                            row,
                            field: name.to_owned(),
                            value: y,
                        });
                    };
                    if spec.has_missing_indicator() {
                        cols[1] = f64::from(u8::from(raw.is_none()));
                    }
                }
                FittedField::Categorical {
                    spec,
                    categories,
                    folded,
                    missing,
                } => {
                    cols.fill(0.0);
                    let other = fitted.other_column();
                    let unknown = |category: &str| match spec.unknown_policy() {
                        Unknown::Ignore => Ok(None),
                        Unknown::Other => Ok(other),
                        Unknown::Error => Err(FeatureError::UnknownCategory {
                            row,
                            field: name.to_owned(),
                            category: category.to_owned(),
                        }),
                    };
                    let hot = match value {
                        Value::Text(s) => {
                            match categories.binary_search_by(|c| c.as_str().cmp(s)) {
                                Ok(j) => Some(j),
                                Err(_)
                                    if folded.binary_search_by(|c| c.as_str().cmp(s)).is_ok() =>
                                {
                                    other
                                }
                                Err(_) => unknown(s)?,
                            }
                        }
                        // `<missing>` is the last column.
                        Value::Missing if *missing => {
                            Some(categories.len() + usize::from(other.is_some()))
                        }
                        Value::Missing => unknown(MISSING)?,
                        v => return Err(wrong_kind(row, name, "text", v)),
                    };
                    if let Some(c) = hot.and_then(|j| cols.get_mut(j)) {
                        *c = 1.0;
                    }
                }
                FittedField::Cyclic { period } => {
                    let (sin, cos) = match number_of(value, row, name)? {
                        // Reducing modulo the period first is exact, keeps huge
                        // values finite and leaves values in [0, period) unchanged.
                        Some(x) => cyclic_angle(x, *period).sin_cos(),
                        None => (0.0, 0.0),
                    };
                    // A cyclic field has two columns.
                    if unit {
                        cols[0] = (sin + 1.0) * 0.5;
                        cols[1] = (cos + 1.0) * 0.5;
                    } else {
                        cols[0] = sin;
                        cols[1] = cos;
                    }
                }
                FittedField::Boolean { share_true } => {
                    cols[0] = match value {
                        Value::Bool(b) => f64::from(u8::from(*b)),
                        Value::Missing => *share_true,
                        v => return Err(wrong_kind(row, name, "bool", v)),
                    };
                }
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
    /// [`FeatureError::LengthMismatch`] when `row` has another length than
    /// `n_features()`.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Categorical, Decoded, Numeric, Scaler, Schema, Value};
    /// let schema = Schema::builder()
    ///     .numeric("pages", Numeric::new(Scaler::MinMax))
    ///     .categorical("device", Categorical::new())
    ///     .build()?;
    /// let records = [
    ///     [Value::from(0.0), Value::from("mobile")],
    ///     [Value::from(10.0), Value::from("desktop")],
    /// ];
    /// let t = schema.fit(&records)?;
    /// let decoded = t.inverse(&[0.5, 0.7, 0.3])?;
    /// assert_eq!(decoded[0], ("pages", Decoded::Number(5.0)));
    /// assert_eq!(decoded[1], ("device", Decoded::Category { name: "desktop".into(), share: 0.7 }));
    /// assert!(t.inverse(&[0.5]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inverse(&self, row: &[f64]) -> Result<Vec<(&str, Decoded)>> {
        if row.len() != self.n_features() {
            return Err(FeatureError::LengthMismatch {
                parameter: "row",
                expected: self.n_features(),
                got: row.len(),
            });
        }
        let unit = self.schema.output() == Output::Unit;
        let mut decoded = Vec::with_capacity(self.fitted.len());
        let fields = self.schema.fields().iter().zip(&self.fitted);
        for ((field, fitted), range) in fields.zip(self.column_ranges()) {
            // `row` has `n_features()` entries and the ranges tile them;
            // every field has at least one column.
            let cols = &row[range];
            let value = match fitted {
                FittedField::Numeric { spec, scale, .. } => {
                    let x = scale.invert(cols[0]);
                    Decoded::Number(if spec.uses_log1p() {
                        signed_expm1(x)
                    } else {
                        x
                    })
                }
                FittedField::Categorical {
                    categories,
                    missing,
                    ..
                } => {
                    let (j, share) = cols.iter().copied().enumerate().fold(
                        (0, f64::NEG_INFINITY),
                        |best, (j, v)| {
                            if v > best.1 { (j, v) } else { best }
                        },
                    );
                    let name = match categories.get(j) {
                        Some(c) => c.clone(),
                        None if fitted.other_column() == Some(j) => OTHER.to_owned(),
                        None if *missing => MISSING.to_owned(),
                        None => String::new(),
                    };
                    Decoded::Category { name, share }
                }
                FittedField::Cyclic { period } => {
                    let (s, c) = if unit {
                        (2.0 * cols[0] - 1.0, 2.0 * cols[1] - 1.0)
                    } else {
                        (cols[0], cols[1])
                    };
                    let turn = s.atan2(c) / (2.0 * std::f64::consts::PI);
                    Decoded::Number(turn.rem_euclid(1.0) * period)
                }
                FittedField::Boolean { .. } => Decoded::Share(cols[0]),
            };
            decoded.push((field.name(), value));
        }
        Ok(decoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclic_angle_of_a_huge_period_is_finite() {
        let angle = cyclic_angle(-1.0, 1e308);
        assert!(angle.is_finite() && angle > 6.0, "{angle}");
        assert_eq!(cyclic_angle(6.0, 24.0), std::f64::consts::FRAC_PI_2);
        assert!(cyclic_angle(f64::MAX, 5e-324).is_finite());
    }
}
