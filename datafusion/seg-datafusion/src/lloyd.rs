//! `seg_lloyd_step`: one Lloyd step of k-means as an aggregate whose state
//! is the library's `PartialSums`.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use ndarray::ArrayView2;
use seg_cluster::PartialSums;

use crate::aggregate::{json_state_field, parse_states, to_json_text};
use crate::centres::Centres;
use crate::columns::{append_rows, check_numeric_args};
use crate::models::literal_expr_text;

/// `seg_lloyd_step('[[…], …]', x1, …, xd)`: the partial sums of one Lloyd
/// step from the given centres over the rows (per-centre sums and counts,
/// inertia, the farthest rows), as the JSON of
/// [`seg_cluster::PartialSums`]: load it with `PartialSums::from_json` and
/// take `next_centres()`. Rows are summed in blocks of
/// `PartialSums::CHUNK_ROWS` in each partition, so one partition gives bit
/// for bit the library's step over the same rows in the same order.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SegLloydStep {
    signature: Signature,
}

impl SegLloydStep {
    /// The function, to register on a context.
    pub fn udaf() -> AggregateUDF {
        AggregateUDF::new_from_impl(SegLloydStep {
            signature: Signature::variadic_any(Volatility::Immutable),
        })
    }
}

const NAME: &str = "seg_lloyd_step";

impl AggregateUDFImpl for SegLloydStep {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        check_numeric_args(NAME, "the centres (JSON)", types)?;
        Ok(DataType::Utf8)
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(json_state_field(args.name))
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let centres = Centres::parse(
            NAME,
            &literal_expr_text(NAME, "the centres (JSON)", args.exprs.first())?,
        )?;
        let d = args.exprs.len() - 1;
        if d != centres.d() {
            return Err(DataFusionError::Execution(format!(
                "{NAME}: {d} feature columns for centres of {} columns",
                centres.d()
            )));
        }
        let partial = PartialSums::new(centres.view()).map_err(cluster_error)?;
        Ok(Box::new(LloydAccumulator {
            partial,
            pending: Vec::new(),
        }))
    }
}

fn cluster_error(e: seg_cluster::ClusterError) -> DataFusionError {
    DataFusionError::Execution(format!("{NAME}: {e}"))
}

/// Partial sums of the rows so far, and the rows not yet summed (fewer
/// than a block).
#[derive(Debug)]
struct LloydAccumulator {
    partial: PartialSums,
    pending: Vec<f64>,
}

impl LloydAccumulator {
    /// Sums the pending rows: whole blocks only, or all with `all`.
    fn flush(&mut self, all: bool) -> Result<()> {
        let d = self.partial.current_centres().ncols();
        let block = PartialSums::CHUNK_ROWS * d;
        let take = if all {
            self.pending.len()
        } else {
            self.pending.len() / block * block
        };
        if take == 0 {
            return Ok(());
        }
        let x = ArrayView2::from_shape((take / d, d), &self.pending[..take])
            .map_err(|e| DataFusionError::Execution(format!("{NAME}: {e}")))?;
        self.partial.accumulate(x).map_err(cluster_error)?;
        self.pending.drain(..take);
        Ok(())
    }
}

impl Accumulator for LloydAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        append_rows(NAME, &values[1..], &mut self.pending)?;
        self.flush(false)
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.flush(true)?;
        parse_states(NAME, states, |other: PartialSums| {
            self.partial.merge(&other).map_err(cluster_error)
        })
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.flush(true)?;
        Ok(ScalarValue::Utf8(Some(to_json_text(NAME, &self.partial)?)))
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.pending.capacity() * 8 + self.partial.sums().len() * 16
    }
}
