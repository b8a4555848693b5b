//! Two small SQL functions that travel the same way as the segmentation's:
//! a scalar (`seg_nearest`) and an aggregate (`seg_sums`), both taking their
//! centres as a literal first argument `'x,y;x,y'`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, UInt32Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;

/// Parses `'x,y;x,y'` into centres.
pub fn parse_centres(text: &str) -> Result<Vec<Vec<f64>>> {
    text.split(';')
        .map(|row| {
            row.split(',')
                .map(|v| {
                    v.trim().parse::<f64>().map_err(|e| {
                        datafusion::error::DataFusionError::Execution(format!(
                            "bad centre value {v}: {e}"
                        ))
                    })
                })
                .collect()
        })
        .collect()
}

fn nearest(centres: &[Vec<f64>], point: &[f64]) -> usize {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centres.iter().enumerate() {
        let d: f64 = c.iter().zip(point).map(|(a, b)| (a - b) * (a - b)).sum();
        if d < best.1 {
            best = (j, d);
        }
    }
    best.0
}

fn columns(values: &[ArrayRef]) -> Result<Vec<&datafusion::arrow::array::Float64Array>> {
    values
        .iter()
        .map(|a| {
            a.as_primitive_opt::<Float64Type>().ok_or_else(|| {
                datafusion::error::DataFusionError::Execution("float64 columns expected".into())
            })
        })
        .collect()
}

/// `seg_nearest('centres', x0, ..)`: index of the nearest centre.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Nearest {
    signature: Signature,
}

impl ScalarUDFImpl for Nearest {
    fn name(&self) -> &str {
        "seg_nearest"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::UInt32)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let Some(ColumnarValue::Scalar(ScalarValue::Utf8(Some(text)))) = args.args.first() else {
            return exec_err!("seg_nearest: literal centres expected");
        };
        let centres = parse_centres(text)?;
        let arrays = ColumnarValue::values_to_arrays(&args.args[1..])?;
        let cols = columns(&arrays)?;
        let mut point = vec![0.0; cols.len()];
        let labels: UInt32Array = (0..args.number_rows)
            .map(|i| {
                for (p, c) in point.iter_mut().zip(&cols) {
                    *p = c.value(i);
                }
                u32::try_from(nearest(&centres, &point)).ok()
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(labels)))
    }
}

/// `seg_sums('centres', x0, ..)`: one Lloyd step's counts and sums per centre,
/// as text `n:s,s;n:s,s`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Sums {
    signature: Signature,
}

impl AggregateUDFImpl for Sums {
    fn name(&self) -> &str {
        "seg_sums"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let text = acc_args
            .exprs
            .first()
            .and_then(|e| e.as_ref().downcast_ref::<Literal>())
            .and_then(|l| match l.value() {
                ScalarValue::Utf8(Some(t)) => Some(t.clone()),
                _ => None,
            });
        let Some(text) = text else {
            return exec_err!("seg_sums: literal centres expected");
        };
        let centres = parse_centres(&text)?;
        let d = centres.first().map_or(0, Vec::len);
        Ok(Box::new(SumsAccumulator {
            sums: vec![0.0; centres.len() * (d + 1)],
            centres,
        }))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[sums]", args.name),
            DataType::new_list(DataType::Float64, true),
            true,
        ))])
    }
}

#[derive(Debug)]
struct SumsAccumulator {
    centres: Vec<Vec<f64>>,
    sums: Vec<f64>,
}

impl Accumulator for SumsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let cols = columns(&values[1..])?;
        let d = cols.len();
        let mut point = vec![0.0; d];
        for i in 0..values[0].len() {
            for (p, c) in point.iter_mut().zip(&cols) {
                *p = c.value(i);
            }
            let j = nearest(&self.centres, &point);
            let slot = &mut self.sums[j * (d + 1)..(j + 1) * (d + 1)];
            slot[0] += 1.0;
            for (s, p) in slot[1..].iter_mut().zip(&point) {
                *s += p;
            }
        }
        Ok(())
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        let k = self.centres.len();
        let d = self
            .sums
            .len()
            .checked_div(k)
            .map_or(0, |n| n.saturating_sub(1));
        let text = (0..k)
            .map(|j| {
                let slot = &self.sums[j * (d + 1)..(j + 1) * (d + 1)];
                let sums: Vec<String> = slot[1..].iter().map(f64::to_string).collect();
                format!("{}:{}", slot[0], sums.join(","))
            })
            .collect::<Vec<_>>()
            .join(";");
        Ok(ScalarValue::Utf8(Some(text)))
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self) + 8 * self.sums.len()
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let values: Vec<ScalarValue> = self
            .sums
            .iter()
            .map(|v| ScalarValue::Float64(Some(*v)))
            .collect();
        Ok(vec![ScalarValue::List(ScalarValue::new_list_nullable(
            &values,
            &DataType::Float64,
        ))])
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states[0].as_list::<i32>();
        for i in 0..lists.len() {
            if lists.is_null(i) {
                continue;
            }
            let row = lists.value(i);
            let row = row.as_primitive::<Float64Type>();
            if row.len() != self.sums.len() {
                return exec_err!(
                    "seg_sums: state of {} values, expected {}",
                    row.len(),
                    self.sums.len()
                );
            }
            for (s, v) in self.sums.iter_mut().zip(row.values()) {
                *s += v;
            }
        }
        Ok(())
    }
}

/// The scalar stand-in.
pub fn scalar() -> Vec<Arc<ScalarUDF>> {
    vec![Arc::new(ScalarUDF::from(Nearest {
        signature: Signature::variadic_any(Volatility::Immutable),
    }))]
}

/// The aggregate stand-in.
pub fn aggregate() -> Vec<Arc<AggregateUDF>> {
    vec![Arc::new(AggregateUDF::from(Sums {
        signature: Signature::variadic_any(Volatility::Immutable),
    }))]
}
