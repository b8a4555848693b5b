//! `seg_outcome`: the outcome of a group (a segment × variant cell) as
//! mergeable moments, and the cells read back as the library's inputs.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StructArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type, UInt64Type};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use seg_bandit_state::Batch;

use crate::error::{Result as TableResult, TableError};

/// `seg_outcome(y)`: the outcome of the rows of a group as a struct
/// `{n, sum, mean, variance, binary}`: rows with a value (nulls are left
/// out), their sum and mean, the sample variance (n − 1; NULL below 2
/// rows) and whether every value is 0 or 1 (then `sum` is the
/// conversions). `y` is numeric or boolean. Partitions merge by Chan's
/// formulas, so the mean and variance agree with one pass to rounding.
///
/// ```sql
/// SELECT seg_segment('model.json', …) AS segment, variant, seg_outcome(converted) AS outcome
/// FROM visits GROUP BY 1, 2
/// ```
///
/// [`OutcomeCell::from_batches`] reads such a result back, ready for
/// [`OutcomeCell::to_bandit_batch`], SRM counts or power planning.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SegOutcome {
    signature: Signature,
}

impl SegOutcome {
    /// The function, to register on a context.
    pub fn udaf() -> AggregateUDF {
        AggregateUDF::new_from_impl(SegOutcome {
            signature: Signature::any(1, Volatility::Immutable),
        })
    }
}

const NAME: &str = "seg_outcome";

/// The fields of the result struct.
fn result_fields() -> Fields {
    Fields::from(vec![
        Field::new("n", DataType::UInt64, false),
        Field::new("sum", DataType::Float64, false),
        Field::new("mean", DataType::Float64, true),
        Field::new("variance", DataType::Float64, true),
        Field::new("binary", DataType::Boolean, false),
    ])
}

impl AggregateUDFImpl for SegOutcome {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        match types {
            [t] if t.is_integer() || t.is_floating() || *t == DataType::Boolean => {
                Ok(DataType::Struct(result_fields()))
            }
            _ => plan_err!("{NAME} takes one numeric or boolean outcome column"),
        }
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let f =
            |s: &str, t: DataType| Arc::new(Field::new(format_state_name(args.name, s), t, true));
        Ok(vec![
            f("n", DataType::UInt64),
            f("sum", DataType::Float64),
            f("mean", DataType::Float64),
            f("m2", DataType::Float64),
            f("binary", DataType::Boolean),
        ])
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Moments::default()))
    }
}

/// Count, sum, mean and sum of squared deviations (Welford), and whether
/// every value was 0 or 1.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Moments {
    n: u64,
    sum: f64,
    mean: f64,
    m2: f64,
    binary: bool,
}

impl Default for Moments {
    fn default() -> Self {
        Moments {
            n: 0,
            sum: 0.0,
            mean: 0.0,
            m2: 0.0,
            binary: true,
        }
    }
}

impl Moments {
    fn push(&mut self, y: f64) {
        self.n += 1;
        self.sum += y;
        let delta = y - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (y - self.mean);
        self.binary &= y == 0.0 || y == 1.0;
    }

    /// Chan et al.'s pairwise update.
    fn merge(&mut self, o: &Moments) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let n = self.n + o.n;
        let delta = o.mean - self.mean;
        let (na, nb) = (self.n as f64, o.n as f64);
        self.mean += delta * nb / n as f64;
        self.m2 += o.m2 + delta * delta * na * nb / n as f64;
        self.sum += o.sum;
        self.n = n;
        self.binary &= o.binary;
    }
}

impl Accumulator for Moments {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(y) = values.first() else {
            return exec_err!("{NAME}: no outcome column");
        };
        let y = cast(y, &DataType::Float64)?;
        for v in y.as_primitive::<Float64Type>().iter().flatten() {
            if !v.is_finite() {
                return exec_err!("{NAME}: the outcome {v} is not finite");
            }
            self.push(v);
        }
        Ok(())
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [n, sum, mean, m2, binary] = states else {
            return exec_err!("{NAME}: expected 5 state columns, got {}", states.len());
        };
        let (n, sum, mean, m2, binary) = (
            n.as_primitive::<UInt64Type>(),
            sum.as_primitive::<Float64Type>(),
            mean.as_primitive::<Float64Type>(),
            m2.as_primitive::<Float64Type>(),
            binary.as_boolean(),
        );
        for i in 0..n.len() {
            if n.is_null(i) {
                continue;
            }
            self.merge(&Moments {
                n: n.value(i),
                sum: sum.value(i),
                mean: mean.value(i),
                m2: m2.value(i),
                binary: binary.value(i),
            });
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::UInt64(Some(self.n)),
            ScalarValue::Float64(Some(self.sum)),
            ScalarValue::Float64(Some(self.mean)),
            ScalarValue::Float64(Some(self.m2)),
            ScalarValue::Boolean(Some(self.binary)),
        ])
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mean = (self.n > 0).then_some(self.mean);
        let variance = (self.n > 1).then(|| self.m2 / (self.n - 1) as f64);
        let values: Vec<ScalarValue> = vec![
            ScalarValue::UInt64(Some(self.n)),
            ScalarValue::Float64(Some(self.sum)),
            ScalarValue::Float64(mean),
            ScalarValue::Float64(variance),
            ScalarValue::Boolean(Some(self.binary)),
        ];
        let arrays = values
            .iter()
            .map(|v| v.to_array())
            .collect::<Result<Vec<_>>>()?;
        let s = StructArray::try_new(result_fields(), arrays, None)?;
        Ok(ScalarValue::Struct(Arc::new(s)))
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}

/// One segment × variant cell of an outcome query, read back from its
/// result.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeCell {
    /// The segment, as text (a segment number or name).
    pub segment: String,
    /// The variant.
    pub variant: String,
    /// Rows with an outcome.
    pub n: u64,
    /// The sum of the outcomes (conversions when binary).
    pub sum: f64,
    /// The mean outcome (None for no rows).
    pub mean: Option<f64>,
    /// The sample variance (None below 2 rows).
    pub variance: Option<f64>,
    /// Whether every outcome was 0 or 1.
    pub binary: bool,
}

impl OutcomeCell {
    /// The cells of the result of a query with columns `segment`, `variant`
    /// and `outcome` (a `seg_outcome` struct); segment and variant may be
    /// of any type that casts to text.
    ///
    /// # Errors
    ///
    /// [`TableError::InvalidResult`] when a column is missing, of another
    /// type, or null.
    pub fn from_batches(batches: &[RecordBatch]) -> TableResult<Vec<OutcomeCell>> {
        let mut cells = Vec::new();
        for batch in batches {
            let column = |name: &str| {
                batch
                    .column_by_name(name)
                    .cloned()
                    .ok_or_else(|| TableError::InvalidResult {
                        reason: format!(
                            "the result has no column `{name}` (expected segment, variant, outcome)"
                        ),
                    })
            };
            let text = |name: &str| -> TableResult<ArrayRef> {
                Ok(cast(&column(name)?, &DataType::Utf8)?)
            };
            let (segment, variant) = (text("segment")?, text("variant")?);
            let (segment, variant) = (segment.as_string::<i32>(), variant.as_string::<i32>());
            let outcome = column("outcome")?;
            let Some(outcome) = outcome.as_struct_opt() else {
                return Err(TableError::InvalidResult {
                    reason: "the column `outcome` is not a seg_outcome struct".to_string(),
                });
            };
            let field = |name: &str| {
                outcome
                    .column_by_name(name)
                    .cloned()
                    .ok_or_else(|| TableError::InvalidResult {
                        reason: format!("the outcome struct has no field `{name}`"),
                    })
            };
            let (n, sum, mean, variance, binary) = (
                field("n")?,
                field("sum")?,
                field("mean")?,
                field("variance")?,
                field("binary")?,
            );
            let (Some(n), Some(sum), Some(mean), Some(variance), Some(binary)) = (
                n.as_primitive_opt::<UInt64Type>(),
                sum.as_primitive_opt::<Float64Type>(),
                mean.as_primitive_opt::<Float64Type>(),
                variance.as_primitive_opt::<Float64Type>(),
                binary.as_boolean_opt(),
            ) else {
                return Err(TableError::InvalidResult {
                    reason: "the outcome struct's fields have other types than seg_outcome's"
                        .to_string(),
                });
            };
            for i in 0..batch.num_rows() {
                if segment.is_null(i) || variant.is_null(i) || outcome.is_null(i) {
                    return Err(TableError::InvalidResult {
                        reason: format!("row {i} has a null segment, variant or outcome"),
                    });
                }
                cells.push(OutcomeCell {
                    segment: segment.value(i).to_string(),
                    variant: variant.value(i).to_string(),
                    n: n.value(i),
                    sum: sum.value(i),
                    mean: mean.is_valid(i).then(|| mean.value(i)),
                    variance: variance.is_valid(i).then(|| variance.value(i)),
                    binary: binary.value(i),
                });
            }
        }
        cells.sort_by(|a, b| (&a.segment, &a.variant).cmp(&(&b.segment, &b.variant)));
        Ok(cells)
    }

    /// The cell as a batch of Thompson-sampling evidence (successes = the
    /// sum, failures = the rest) at `timestamp`.
    ///
    /// # Errors
    ///
    /// [`TableError::InvalidResult`] for a cell whose outcomes are not all
    /// 0 or 1; [`TableError::Bandit`] for the checks of [`Batch::new`].
    pub fn to_bandit_batch(&self, timestamp: i64) -> TableResult<Batch> {
        if !self.binary {
            return Err(TableError::InvalidResult {
                reason: format!(
                    "segment `{}`, variant `{}`: the outcomes are not all 0 or 1, so they are not conversions",
                    self.segment, self.variant
                ),
            });
        }
        let successes = self.sum as u64;
        Ok(Batch::new(
            &self.segment,
            &self.variant,
            successes,
            self.n - successes,
            timestamp,
        )?)
    }

    /// The rows of each of `variants` in `segment` (0 for a variant with no
    /// cell), in that order: the observed counts of an SRM test.
    pub fn counts(cells: &[OutcomeCell], segment: &str, variants: &[&str]) -> Vec<u64> {
        variants
            .iter()
            .map(|v| {
                cells
                    .iter()
                    .filter(|c| c.segment == segment && c.variant == *v)
                    .map(|c| c.n)
                    .sum()
            })
            .collect()
    }
}
