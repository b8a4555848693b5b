//! The scalar SQL functions: segment of a saved segmentation, nearest of
//! given centres and its squared distance, and a seeded uniform number per
//! row.

use std::sync::Arc;

use datafusion::arrow::array::{Float64Array, UInt32Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::centres::Centres;
use crate::columns::{Records, check_numeric_args, field_positions, rows_of};
use crate::models::{literal_text, segmentation};

/// `seg_segment('model.json', col, …)`: the segment (UInt32) of each row's
/// raw fields under the segmentation saved at the path, the columns matched
/// to the schema's fields by name (any order). A null is a missing value.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SegSegment {
    signature: Signature,
}

/// `seg_nearest('[[…], …]', x1, …, xd)`: the index (UInt32) of the nearest
/// of the centres given as a JSON array of rows, as k-means assigns.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SegNearest {
    signature: Signature,
}

/// `seg_sq_distance('[[…], …]', x1, …, xd)`: the squared Euclidean distance
/// (Float64) of each row to the nearest of the centres; its sum is the
/// k-means cost (inertia) of the centres.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SegSqDistance {
    signature: Signature,
}

/// `seg_uniform(seed, x1, …, xd)`: a number in [0, 1) that depends only on
/// the seed and the row's values (SplitMix64 over their bits), the same on
/// every machine and in every partitioning: `WHERE seg_uniform(7, …) < p`
/// keeps a seeded, reproducible share p of the rows (identical rows are kept
/// or dropped together).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SegUniform {
    signature: Signature,
}

macro_rules! new_with_any_signature {
    ($($t:ident),*) => {$(
        impl $t {
            /// The function, to register on a context.
            pub fn udf() -> ScalarUDF {
                ScalarUDF::new_from_impl($t { signature: Signature::variadic_any(Volatility::Immutable) })
            }
        }
    )*};
}
new_with_any_signature!(SegSegment, SegNearest, SegSqDistance, SegUniform);

impl ScalarUDFImpl for SegSegment {
    fn name(&self) -> &str {
        "seg_segment"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        if types.len() < 2 {
            return plan_err!(
                "seg_segment takes the model's path and the columns of its schema's fields"
            );
        }
        Ok(DataType::UInt32)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let path = literal_text(name, "the model's path", &args.args[0])?;
        let model = segmentation(name, &path)?;
        let schema = model.transformer().schema();
        let positions = field_positions(name, schema, &args.arg_fields[1..])?;
        let arrays = ColumnarValue::values_to_arrays(&args.args[1..])?;
        let records = Records::new(name, schema, &positions, &arrays)?;
        let mut scratch = vec![0.0; model.n_features()];
        let mut record = Vec::with_capacity(positions.len());
        let mut out = Vec::with_capacity(records.len());
        for i in 0..records.len() {
            records.read(i, &mut record);
            let segment = model.assign_one(&record, &mut scratch).map_err(|e| {
                DataFusionError::Execution(format!("{name}: row {i} of the batch: {e}"))
            })?;
            out.push(u32::try_from(segment).unwrap_or(u32::MAX));
        }
        Ok(ColumnarValue::Array(Arc::new(UInt32Array::from(out))))
    }
}

/// Nearest centres and squared distances of the rows of a call.
fn nearest(name: &str, args: &ScalarFunctionArgs) -> Result<(Vec<usize>, Vec<f64>)> {
    let centres = Centres::parse(
        name,
        &literal_text(name, "the centres (JSON)", &args.args[0])?,
    )?;
    let d = args.args.len() - 1;
    let arrays = ColumnarValue::values_to_arrays(&args.args[1..])?;
    let x = rows_of(name, [arrays.as_slice()], d)?;
    if x.nrows() == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    if d != centres.d() {
        return exec_err!(
            "{name}: {d} feature columns for centres of {} columns",
            centres.d()
        );
    }
    seg_cluster::nearest_centres(x.view(), centres.view())
        .map_err(|e| DataFusionError::Execution(format!("{name}: {e}")))
}

impl ScalarUDFImpl for SegNearest {
    fn name(&self) -> &str {
        "seg_nearest"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        check_numeric_args(self.name(), "the centres (JSON)", types)?;
        Ok(DataType::UInt32)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (labels, _) = nearest(self.name(), &args)?;
        let labels: Vec<u32> = labels
            .into_iter()
            .map(|l| u32::try_from(l).unwrap_or(u32::MAX))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(UInt32Array::from(labels))))
    }
}

impl ScalarUDFImpl for SegSqDistance {
    fn name(&self) -> &str {
        "seg_sq_distance"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        check_numeric_args(self.name(), "the centres (JSON)", types)?;
        Ok(DataType::Float64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (_, distances) = nearest(self.name(), &args)?;
        Ok(ColumnarValue::Array(Arc::new(Float64Array::from(
            distances,
        ))))
    }
}

/// SplitMix64's finaliser.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The uniform number of a row: SplitMix64 over the seed and the bits of
/// each value (−0 read as 0), the top 53 bits scaled to [0, 1).
pub(crate) fn uniform(seed: u64, row: &[f64]) -> f64 {
    let h = row
        .iter()
        .fold(mix(seed), |h, &v| mix(h ^ (v + 0.0).to_bits()));
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

impl ScalarUDFImpl for SegUniform {
    fn name(&self) -> &str {
        "seg_uniform"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        if types.len() < 2 || !types[0].is_integer() {
            return plan_err!("seg_uniform takes an integer seed and at least one numeric column");
        }
        check_numeric_args(self.name(), "an integer seed", types)?;
        Ok(DataType::Float64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let seed = match &args.args[0] {
            ColumnarValue::Scalar(s) => match s.cast_to(&DataType::Int64)? {
                datafusion::common::ScalarValue::Int64(Some(v)) => v as u64,
                _ => return exec_err!("{name}: the seed must be a non-null integer"),
            },
            ColumnarValue::Array(_) => {
                return exec_err!("{name}: the seed must be a literal integer");
            }
        };
        let d = args.args.len() - 1;
        let arrays = ColumnarValue::values_to_arrays(&args.args[1..])?;
        let x = rows_of(name, [arrays.as_slice()], d)?;
        let out: Vec<f64> = x
            .rows()
            .into_iter()
            .map(|r| match r.to_slice() {
                Some(r) => uniform(seed, r),
                None => uniform(seed, &r.to_vec()),
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(Float64Array::from(out))))
    }
}
