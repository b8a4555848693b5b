//! Fitting a schema: learning medians, scales, clipping bounds, categories
//! and shares from records.

use std::collections::HashMap;

use crate::error::{FeatureError, Result};
use crate::scaler::{ColumnScale, quantile_sorted};
use crate::schema::{Categorical, FieldKind, MISSING, Numeric, OTHER, Schema};
use crate::transformer::{FittedField, Transformer, signed_log1p};
use crate::value::{Value, check_lengths, number_of, wrong_kind};

impl Schema {
    /// Fits the transform on `records` (each a slice of values in field
    /// order).
    ///
    /// # Errors
    ///
    /// [`FeatureError::EmptyInput`], [`FeatureError::RecordLength`],
    /// [`FeatureError::WrongKind`], [`FeatureError::NonFinite`],
    /// [`FeatureError::ReservedCategory`], [`FeatureError::AllMissing`]
    /// for a numeric or boolean field without a single value, and
    /// [`FeatureError::Overflow`] when a scaler's parameters overflow.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Numeric, Scaler, Schema, Value};
    /// let schema = Schema::builder()
    ///     .numeric("seconds", Numeric::new(Scaler::Standard))
    ///     .boolean("returning")
    ///     .output(seg_features::Output::Raw)
    ///     .build()?;
    /// let records = [
    ///     [Value::from(10.0), Value::from(true)],
    ///     [Value::from(30.0), Value::Missing],
    /// ];
    /// let t = schema.fit(&records)?;
    /// assert_eq!(t.n_features(), 2);
    /// // A record of the wrong length, or no record at all, is an error.
    /// assert!(schema.fit(&[[Value::from(1.0)]]).is_err());
    /// assert!(schema.fit::<[Value; 2]>(&[]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit<'v, R: AsRef<[Value<'v>]>>(&self, records: &[R]) -> Result<Transformer> {
        check_lengths(records, self.fields().len())?;
        let fitted = self
            .fields()
            .iter()
            .enumerate()
            .map(|(i, field)| {
                // `check_lengths` made every record one value per field.
                let column = records.iter().filter_map(|r| r.as_ref().get(i));
                match *field.kind() {
                    FieldKind::Numeric(spec) => fit_numeric(spec, field.name(), column),
                    FieldKind::Categorical(spec) => fit_categorical(spec, field.name(), column),
                    FieldKind::Cyclic { period } => {
                        for (row, v) in column.enumerate() {
                            number_of(v, row, field.name())?;
                        }
                        Ok(FittedField::Cyclic { period })
                    }
                    FieldKind::Boolean => fit_boolean(field.name(), column),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Transformer::new(self.clone(), fitted)
    }
}

fn fit_numeric<'a, 'v: 'a>(
    spec: Numeric,
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
    let median = quantile_sorted(&present, 0.5)?;
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
    let clip = match spec.quantiles() {
        Some([lo, hi]) => {
            let lower = quantile_sorted(&values, lo)?;
            // Interpolation may round a neighbouring quantile below `lower`.
            let upper = quantile_sorted(&values, hi)?.max(lower);
            for v in &mut values {
                *v = v.clamp(lower, upper);
            }
            Some([lower, upper])
        }
        None => None,
    };
    let scale =
        ColumnScale::fit_sorted(spec.scaler(), &values).ok_or_else(|| FeatureError::Overflow {
            field: name.to_owned(),
        })?;
    Ok(FittedField::Numeric {
        spec,
        median,
        clip,
        scale,
    })
}

fn fit_categorical<'a, 'v: 'a>(
    spec: Categorical,
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
    // `keep` counts a prefix of `ranked`, so it is at most its length.
    let (kept, rest) = ranked.split_at(keep);
    Ok(FittedField::Categorical {
        spec,
        categories: sorted_names(kept),
        folded: sorted_names(rest),
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
