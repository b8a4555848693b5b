//! `seg_drift`: the drift report of a table against a saved segmentation's
//! training baseline, as an aggregate whose state is the library's window
//! counts.

use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{DataFusionError, Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use segmentation::pipeline::{RecordCounts, RecordMonitor, Segmentation, Window};

use crate::aggregate::{json_state_field, parse_states, to_json_text};
use crate::columns::{Records, field_positions};
use crate::models::{literal_expr_text, segmentation};

/// `seg_drift('model.json', col, …)`: the drift of the rows against the
/// training baseline of the segmentation saved at the path, as the JSON of
/// the library's `RecordDrift` (raw fields, features, segment shares, the
/// verdict). The columns are matched to the schema's fields by name. Equal
/// to `Segmentation::drift` over the same rows, without the
/// Kolmogorov-Smirnov tests (which need every raw value in one place): the
/// same counts, PSIs, p-values and verdict, the mean distance to rounding.
/// NULL over no rows.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SegDrift {
    signature: Signature,
}

impl SegDrift {
    /// The function, to register on a context.
    pub fn udaf() -> AggregateUDF {
        AggregateUDF::new_from_impl(SegDrift {
            signature: Signature::variadic_any(Volatility::Immutable),
        })
    }
}

const NAME: &str = "seg_drift";

fn pipeline_error(e: segmentation::pipeline::PipelineError) -> DataFusionError {
    DataFusionError::Execution(format!("{NAME}: {e}"))
}

impl AggregateUDFImpl for SegDrift {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        if types.len() < 2 {
            return plan_err!(
                "{NAME} takes the model's path and the columns of its schema's fields"
            );
        }
        Ok(DataType::Utf8)
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(json_state_field(args.name))
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let path = literal_expr_text(NAME, "the model's path", args.exprs.first())?;
        let model = segmentation(NAME, &path)?;
        let positions =
            field_positions(NAME, model.transformer().schema(), &args.expr_fields[1..])?;
        let monitor = model
            .monitor(Window::Tumbling { size: usize::MAX })
            .map_err(pipeline_error)?;
        Ok(Box::new(DriftAccumulator {
            model,
            positions,
            monitor,
        }))
    }
}

/// The counts of the rows so far, in a monitor whose window never ends.
#[derive(Debug)]
struct DriftAccumulator {
    model: Arc<Segmentation>,
    positions: Vec<usize>,
    monitor: RecordMonitor,
}

impl Accumulator for DriftAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let records = Records::new(
            NAME,
            self.model.transformer().schema(),
            &self.positions,
            &values[1..],
        )?;
        let mut record = Vec::with_capacity(self.positions.len());
        for i in 0..records.len() {
            records.read(i, &mut record);
            self.monitor.push(&record).map_err(|e| {
                DataFusionError::Execution(format!("{NAME}: row {i} of the batch: {e}"))
            })?;
        }
        Ok(())
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        parse_states(NAME, states, |counts: RecordCounts| {
            self.monitor.merge_counts(&counts).map_err(pipeline_error)
        })
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let counts = self.monitor.counts().map_err(pipeline_error)?;
        Ok(vec![ScalarValue::Utf8(Some(to_json_text(NAME, &counts)?))])
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        // Rows pushed and merged: none means no report, NULL.
        if self.monitor.seen() == 0 {
            return Ok(ScalarValue::Utf8(None));
        }
        let report = self.monitor.report().map_err(pipeline_error)?;
        Ok(ScalarValue::Utf8(Some(to_json_text(NAME, &report)?)))
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.positions.capacity() * 8
    }
}
