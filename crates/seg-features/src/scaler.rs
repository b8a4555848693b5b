//! Column scalers with scikit-learn's semantics.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{FeatureError, Result};

/// How a numeric column is scaled.
///
/// Matches scikit-learn's `MinMaxScaler`, `StandardScaler` and
/// `RobustScaler`. A constant column (zero range, standard deviation or
/// interquartile range) is scaled by 1, so it maps to 0, never to NaN.
///
/// # Formula
///
/// ```text
/// MinMax:   (x − min) / (max − min)                      in [0, 1] on the fitted data
/// Standard: (x − mean) / std          std with divisor n (population)
/// Robust:   (x − median) / (Q3 − Q1)  quantiles by linear interpolation ("type 7")
/// None:     x
/// ```
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use seg_features::Scaler;
///
/// let x = array![[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]];
/// let scaled = Scaler::MinMax.fit(x.view())?.transform(x.view())?;
/// assert_eq!(scaled, array![[0.0, 0.0], [0.5, 0.0], [1.0, 0.0]]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scaler {
    /// To [0, 1] by the fitted minimum and maximum.
    #[default]
    MinMax,
    /// To zero mean and unit (population) variance.
    Standard,
    /// By the median and the interquartile range.
    Robust,
    /// Unchanged.
    None,
}

impl Scaler {
    /// Fits one scaler per column of `x`.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Shape`] when `x` has no rows or no columns,
    /// [`FeatureError::NonFiniteCell`] naming the first NaN or infinite
    /// entry.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_features::{ColumnScale, Scaler};
    /// let x = array![[1.0], [2.0], [3.0], [4.0]];
    /// let fitted = Scaler::Standard.fit(x.view())?;
    /// assert_eq!(fitted.columns()[0], ColumnScale::Standard { mean: 2.5, std: 1.25_f64.sqrt() });
    /// assert!(Scaler::Standard.fit(array![[f64::NAN]].view()).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(self, x: ArrayView2<'_, f64>) -> Result<FittedScaler> {
        check_matrix(x, None)?;
        let columns = x
            .columns()
            .into_iter()
            .enumerate()
            .map(|(j, col)| {
                let mut values = col.to_vec();
                values.sort_unstable_by(f64::total_cmp);
                ColumnScale::fit_sorted(self, &values).ok_or_else(|| FeatureError::Overflow {
                    field: format!("column {j}"),
                })
            })
            .collect::<Result<_>>()?;
        FittedScaler::new(columns)
    }
}

/// The fitted parameters of one scaled column.
///
/// Plain data: a [`FittedScaler`] or a [`crate::Transformer`] checks its
/// columns (finite parameters, `min <= max`, non-negative scales) when
/// fitted or loaded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scaler", rename_all = "snake_case", deny_unknown_fields)]
pub enum ColumnScale {
    /// `(x − min) / (max − min)`, or `x − min` for a constant column.
    MinMax {
        /// Fitted minimum.
        min: f64,
        /// Fitted maximum.
        max: f64,
    },
    /// `(x − mean) / std`, or `x − mean` when `std` is 0.
    Standard {
        /// Fitted mean.
        mean: f64,
        /// Fitted population standard deviation.
        std: f64,
    },
    /// `(x − median) / iqr`, or `x − median` when `iqr` is 0.
    Robust {
        /// Fitted median.
        median: f64,
        /// Fitted interquartile range Q3 − Q1.
        iqr: f64,
    },
    /// `x`.
    None,
}

/// scikit-learn's `_handle_zeros_in_scale`: a zero scale becomes 1.
fn nonzero(scale: f64) -> f64 {
    if scale == 0.0 { 1.0 } else { scale }
}

impl ColumnScale {
    /// Fits from the column's values sorted ascending (non-empty, finite);
    /// `None` when a parameter overflows (a mean, deviation or
    /// interquartile range beyond `f64::MAX`), or for an empty slice.
    pub(crate) fn fit_sorted(scaler: Scaler, sorted: &[f64]) -> Option<Self> {
        let scale = match scaler {
            Scaler::MinMax => ColumnScale::MinMax {
                min: *sorted.first()?,
                max: *sorted.last()?,
            },
            Scaler::Standard => {
                let n = sorted.len() as f64;
                let mean = sorted.iter().sum::<f64>() / n;
                let var = sorted.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
                ColumnScale::Standard {
                    mean,
                    std: var.sqrt(),
                }
            }
            Scaler::Robust => ColumnScale::Robust {
                median: quantile_sorted(sorted, 0.5).ok()?,
                iqr: quantile_sorted(sorted, 0.75).ok()? - quantile_sorted(sorted, 0.25).ok()?,
            },
            Scaler::None => ColumnScale::None,
        };
        scale.validate().ok().map(|()| scale)
    }

    /// Scales one value.
    ///
    /// # Example
    /// ```
    /// use seg_features::ColumnScale;
    /// let s = ColumnScale::Robust { median: 10.0, iqr: 4.0 };
    /// assert_eq!(s.apply(18.0), 2.0);
    /// // A constant column (zero range) is only shifted.
    /// assert_eq!(ColumnScale::MinMax { min: 3.0, max: 3.0 }.apply(5.0), 2.0);
    /// ```
    #[inline]
    pub fn apply(&self, x: f64) -> f64 {
        match *self {
            ColumnScale::MinMax { min, max } => {
                let range = max - min;
                if range.is_finite() {
                    (x - min) / nonzero(range)
                } else {
                    // The range of finite bounds overflowed: halving is exact
                    // and brings it back into range.
                    (x / 2.0 - min / 2.0) / (max / 2.0 - min / 2.0)
                }
            }
            ColumnScale::Standard { mean, std } => (x - mean) / nonzero(std),
            ColumnScale::Robust { median, iqr } => (x - median) / nonzero(iqr),
            ColumnScale::None => x,
        }
    }

    /// Undoes [`ColumnScale::apply`].
    ///
    /// # Example
    /// ```
    /// use seg_features::ColumnScale;
    /// let s = ColumnScale::MinMax { min: -2.0, max: 6.0 };
    /// assert_eq!(s.invert(s.apply(1.0)), 1.0);
    /// assert_eq!(s.invert(0.5), 2.0);
    /// ```
    #[inline]
    pub fn invert(&self, y: f64) -> f64 {
        match *self {
            ColumnScale::MinMax { min, max } => {
                let range = max - min;
                if range.is_finite() {
                    y * nonzero(range) + min
                } else {
                    2.0 * (y * (max / 2.0 - min / 2.0) + min / 2.0)
                }
            }
            ColumnScale::Standard { mean, std } => y * nonzero(std) + mean,
            ColumnScale::Robust { median, iqr } => y * nonzero(iqr) + median,
            ColumnScale::None => y,
        }
    }

    /// Checks saved parameters: finite, ordered, non-negative scales.
    pub(crate) fn validate(&self) -> std::result::Result<(), String> {
        let ok = match *self {
            ColumnScale::MinMax { min, max } => min.is_finite() && max.is_finite() && min <= max,
            ColumnScale::Standard { mean, std } => {
                mean.is_finite() && std.is_finite() && std >= 0.0
            }
            ColumnScale::Robust { median, iqr } => {
                median.is_finite() && iqr.is_finite() && iqr >= 0.0
            }
            ColumnScale::None => true,
        };
        if ok {
            Ok(())
        } else {
            Err(format!("invalid scaler parameters {self:?}"))
        }
    }

    /// The scaler this column was fitted with.
    ///
    /// # Example
    /// ```
    /// use seg_features::{ColumnScale, Scaler};
    /// assert_eq!(ColumnScale::Standard { mean: 0.0, std: 1.0 }.scaler(), Scaler::Standard);
    /// assert_eq!(ColumnScale::None.scaler(), Scaler::None);
    /// ```
    pub fn scaler(&self) -> Scaler {
        match self {
            ColumnScale::MinMax { .. } => Scaler::MinMax,
            ColumnScale::Standard { .. } => Scaler::Standard,
            ColumnScale::Robust { .. } => Scaler::Robust,
            ColumnScale::None => Scaler::None,
        }
    }
}

/// The `q` quantile (q in [0, 1]) of ascending, non-empty `sorted` by linear
/// interpolation between order statistics (NumPy's default, Hyndman & Fan's
/// type 7): position `(n − 1)·q`.
///
/// `sorted` must be sorted ascending; for unsorted input the result is some
/// interpolation of two of its values. Two finite neighbours whose
/// difference overflows still give a finite quantile.
///
/// # Errors
///
/// [`FeatureError::InvalidParameter`] when `sorted` is empty or `q` is not
/// in [0, 1] (also when it is NaN).
///
/// # Example
///
/// ```
/// use seg_features::quantile_sorted;
///
/// assert_eq!(quantile_sorted(&[1.0, 2.0, 4.0, 8.0], 0.25)?, 1.75);
/// assert!(quantile_sorted(&[], 0.5).is_err());
/// assert!(quantile_sorted(&[1.0], 1.5).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&q) {
        return Err(FeatureError::InvalidParameter {
            parameter: "q",
            value: q.to_string(),
            reason: "must be in [0, 1]",
        });
    }
    let Some(last) = sorted.len().checked_sub(1) else {
        return Err(FeatureError::InvalidParameter {
            parameter: "sorted",
            value: "[]".to_owned(),
            reason: "must hold at least one value",
        });
    };
    let pos = last as f64 * q;
    // `as` saturates; `min` guards the rounding of `last as f64` above 2^53.
    let lo = (pos.floor() as usize).min(last);
    let hi = (lo + 1).min(last);
    let frac = pos - lo as f64;
    // Both indices are at most `last`, the index of the final value.
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    if !diff.is_finite() {
        // Finite neighbours of opposite signs whose difference overflows:
        // the weighted sum stays finite.
        return Ok(if frac == 0.0 {
            a
        } else {
            a * (1.0 - frac) + b * frac
        });
    }
    // NumPy's `_lerp`: a + (b − a)·t, switched to b − (b − a)·(1 − t) for
    // t ≥ 0.5 so that t = 1 returns b exactly.
    Ok(if frac >= 0.5 {
        b - diff * (1.0 - frac)
    } else {
        a + diff * frac
    })
}

/// Per-column scalers fitted on a matrix.
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use seg_features::Scaler;
///
/// let x = array![[1.0], [2.0], [3.0], [4.0]];
/// let robust = Scaler::Robust.fit(x.view())?;
/// let y = robust.transform(x.view())?;
/// assert_eq!(y.column(0).to_vec(), [-1.0, -1.0 / 3.0, 1.0 / 3.0, 1.0]);
/// assert_eq!(robust.inverse_transform(y.view())?, x);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Serialised as `{"columns": [...]}` and validated when read back: at least
/// one column, every parameter finite, `min <= max`, scales non-negative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FittedScalerData", into = "FittedScalerData")]
pub struct FittedScaler {
    columns: Vec<ColumnScale>,
}

/// The serialised form of a [`FittedScaler`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FittedScalerData {
    columns: Vec<ColumnScale>,
}

impl TryFrom<FittedScalerData> for FittedScaler {
    type Error = FeatureError;

    fn try_from(data: FittedScalerData) -> Result<Self> {
        FittedScaler::new(data.columns)
    }
}

impl From<FittedScaler> for FittedScalerData {
    fn from(scaler: FittedScaler) -> Self {
        FittedScalerData {
            columns: scaler.columns,
        }
    }
}

impl FittedScaler {
    /// The one constructor, for fitted and for loaded parameters.
    fn new(columns: Vec<ColumnScale>) -> Result<Self> {
        let invalid = |reason| FeatureError::InvalidArtifact {
            artifact: "fitted scaler",
            reason,
        };
        if columns.is_empty() {
            return Err(invalid("no columns".to_owned()));
        }
        for (j, scale) in columns.iter().enumerate() {
            scale
                .validate()
                .map_err(|reason| invalid(format!("column {j}: {reason}")))?;
        }
        Ok(FittedScaler { columns })
    }

    /// The fitted parameters, one per column.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_features::{ColumnScale, Scaler};
    /// let fitted = Scaler::MinMax.fit(array![[1.0, 5.0], [3.0, 7.0]].view())?;
    /// assert_eq!(fitted.columns(), [
    ///     ColumnScale::MinMax { min: 1.0, max: 3.0 },
    ///     ColumnScale::MinMax { min: 5.0, max: 7.0 },
    /// ]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn columns(&self) -> &[ColumnScale] {
        &self.columns
    }

    /// Scales `x` column by column.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Shape`] when `x` has no rows or another number of
    /// columns than the fitted data; [`FeatureError::NonFiniteCell`].
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_features::Scaler;
    /// let fitted = Scaler::Robust.fit(array![[1.0], [2.0], [3.0], [4.0], [5.0]].view())?;
    /// // median 3, IQR 4 − 2 = 2
    /// assert_eq!(fitted.transform(array![[3.0], [7.0]].view())?, array![[0.0], [2.0]]);
    /// assert!(fitted.transform(array![[1.0, 2.0]].view()).is_err()); // two columns
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.map(x, ColumnScale::apply)
    }

    /// Undoes [`FittedScaler::transform`].
    ///
    /// # Errors
    ///
    /// As [`FittedScaler::transform`].
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_features::Scaler;
    /// let x = array![[0.0, 10.0], [4.0, 30.0]];
    /// let fitted = Scaler::MinMax.fit(x.view())?;
    /// assert_eq!(fitted.inverse_transform(fitted.transform(x.view())?.view())?, x);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inverse_transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.map(x, ColumnScale::invert)
    }

    fn map(&self, x: ArrayView2<'_, f64>, f: fn(&ColumnScale, f64) -> f64) -> Result<Array2<f64>> {
        check_matrix(x, Some(self.columns.len()))?;
        let mut out = x.to_owned();
        for (mut col, scale) in out.columns_mut().into_iter().zip(&self.columns) {
            col.mapv_inplace(|v| f(scale, v));
        }
        Ok(out)
    }
}

fn check_matrix(x: ArrayView2<'_, f64>, cols: Option<usize>) -> Result<()> {
    let (rows, ncols) = x.dim();
    let reason = if rows == 0 || ncols == 0 {
        Some("need at least one row and one column")
    } else {
        cols.filter(|&c| c != ncols)
            .map(|_| "another number of columns than the scaler was fitted on")
    };
    if let Some(reason) = reason {
        return Err(FeatureError::Shape {
            rows,
            cols: ncols,
            reason,
        });
    }
    if let Some(((row, column), &value)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(FeatureError::NonFiniteCell { row, column, value });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_linearly_between_order_statistics() {
        let v = [1.0, 2.0, 4.0, 8.0];
        let q = |v: &[f64], q| quantile_sorted(v, q).unwrap();
        assert_eq!(q(&v, 0.0), 1.0);
        assert_eq!(q(&v, 1.0), 8.0);
        assert_eq!(q(&v, 0.5), 3.0);
        // Position (4 − 1)·0.25 = 0.75 → 1 + 0.75·(2 − 1).
        assert_eq!(q(&v, 0.25), 1.75);
        assert_eq!(q(&[5.0], 0.9), 5.0);
    }

    #[test]
    fn quantile_of_empty_slice_is_an_error() {
        let err = quantile_sorted(&[], 0.5).unwrap_err();
        assert!(
            matches!(
                err,
                FeatureError::InvalidParameter {
                    parameter: "sorted",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn quantile_outside_zero_one_or_nan_is_an_error() {
        for q in [
            1.0 + f64::EPSILON,
            2.0,
            -1e-300,
            -0.5,
            f64::NAN,
            f64::INFINITY,
        ] {
            let err = quantile_sorted(&[1.0, 2.0], q).unwrap_err();
            assert!(
                matches!(err, FeatureError::InvalidParameter { parameter: "q", .. }),
                "{q}: {err:?}"
            );
        }
        assert_eq!(quantile_sorted(&[1.0, 2.0], -0.0).unwrap(), 1.0);
    }

    #[test]
    fn quantile_between_overflowing_neighbours_is_finite() {
        let v = [-f64::MAX, f64::MAX];
        assert_eq!(quantile_sorted(&v, 0.0).unwrap(), -f64::MAX);
        assert_eq!(quantile_sorted(&v, 1.0).unwrap(), f64::MAX);
        assert_eq!(quantile_sorted(&v, 0.5).unwrap(), 0.0);
        let q = quantile_sorted(&v, 0.99).unwrap();
        assert!(q.is_finite() && q > 0.9 * f64::MAX, "{q}");
    }

    #[test]
    fn loaded_fitted_scaler_is_validated() {
        let ok: FittedScaler =
            serde_json::from_str(r#"{"columns":[{"scaler":"min_max","min":0.0,"max":2.0}]}"#)
                .unwrap();
        assert_eq!(ok.columns().len(), 1);
        for bad in [
            r#"{"columns":[]}"#,
            r#"{"columns":[{"scaler":"min_max","min":3.0,"max":2.0}]}"#,
            r#"{"columns":[{"scaler":"standard","mean":0.0,"std":-1.0}]}"#,
            r#"{"columns":[{"scaler":"robust","median":1e999,"iqr":1.0}]}"#,
        ] {
            assert!(serde_json::from_str::<FittedScaler>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn zero_scales_leave_centred_values() {
        let column = [3.0, 3.0, 3.0];
        for scaler in [Scaler::MinMax, Scaler::Standard, Scaler::Robust] {
            let scale = ColumnScale::fit_sorted(scaler, &column).unwrap();
            assert_eq!(scale.apply(3.0), 0.0, "{scaler:?}");
            assert_eq!(scale.apply(4.0), 1.0, "{scaler:?}");
            assert_eq!(scale.invert(1.0), 4.0, "{scaler:?}");
        }
    }

    #[test]
    fn invalid_saved_parameters_are_detected() {
        assert!(
            ColumnScale::MinMax { min: 2.0, max: 1.0 }
                .validate()
                .is_err()
        );
        assert!(
            ColumnScale::Standard {
                mean: 0.0,
                std: -1.0
            }
            .validate()
            .is_err()
        );
        assert!(
            ColumnScale::Robust {
                median: f64::NAN,
                iqr: 1.0
            }
            .validate()
            .is_err()
        );
        assert!(ColumnScale::None.validate().is_ok());
    }
}
