//! The segmentation as SQL functions of [Apache DataFusion], and a k-means
//! driver over tables: the library's own code, run where the data lives
//! (Parquet tables, many partitions) and, through the same plans, across
//! the executors of an [Apache Ballista] cluster (see the `seg-ballista`
//! crate).
//!
//! [Apache DataFusion]: https://datafusion.apache.org
//! [Apache Ballista]: https://datafusion.apache.org/ballista
//!
//! [`register`] adds every function to a `SessionContext`:
//!
//! | SQL | kind | what |
//! |---|---|---|
//! | `seg_segment('model.json', col, …)` | scalar → UInt32 | the segment of each row under a saved `Segmentation`, columns matched to its schema's fields by name |
//! | `seg_drift('model.json', col, …)` | aggregate → JSON | the drift report (`RecordDrift`) of the rows against the model's training baseline |
//! | `seg_outcome(y)` | aggregate → struct | `{n, sum, mean, variance, binary}` of a group, e.g. per segment × variant |
//! | `seg_lloyd_step('[[…]]', x1, …)` | aggregate → JSON | one Lloyd step's `PartialSums` from the given centres |
//! | `seg_nearest('[[…]]', x1, …)` | scalar → UInt32 | the nearest of the given centres |
//! | `seg_sq_distance('[[…]]', x1, …)` | scalar → Float64 | the squared distance to the nearest centre |
//! | `seg_uniform(seed, x1, …)` | scalar → Float64 | a seeded number in [0, 1) per row, independent of partitioning |
//!
//! Every function is stateless: a model is named by its path (loaded once
//! per process and file version), centres are passed as literal JSON
//! ([`centres_json`] writes it). So a
//! registry built when a process starts — a Ballista executor's — is all
//! they need.
//!
//! [`fit`] fits k-means over a table with k-means|| or sample seeding and
//! Lloyd passes as aggregate queries; [`choose_k`] runs the library's
//! automatic k on a seeded sample of the table.
//!
//! # Example
//!
//! ```
//! use datafusion::arrow::array::{Float64Array, RecordBatch};
//! use datafusion::arrow::datatypes::{DataType, Field, Schema};
//! use datafusion::prelude::SessionContext;
//! use seg_datafusion::{FitParams, Seeding};
//! use std::sync::Arc;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ctx = SessionContext::new();
//! seg_datafusion::register(&ctx);
//! let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Float64, false)]));
//! let x = Float64Array::from(vec![0.0, 1.0, 10.0, 11.0]);
//! ctx.register_batch("t", RecordBatch::try_new(schema, vec![Arc::new(x)])?)?;
//!
//! let params = FitParams { seeding: Seeding::Centres(ndarray::array![[0.0], [5.0]]), ..FitParams::new(2) };
//! let fit = seg_datafusion::fit(&ctx, "t", &["x"], &params).await?;
//! assert_eq!(fit.centres, ndarray::array![[0.5], [10.5]]);
//! assert_eq!(fit.counts, [2, 2]);
//!
//! let nearest = ctx
//!     .sql("SELECT seg_nearest('[[0.5],[10.5]]', x) AS c FROM t ORDER BY x")
//!     .await?
//!     .collect()
//!     .await?;
//! assert_eq!(nearest[0].num_rows(), 4);
//! # Ok(())
//! # }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod aggregate;
mod centres;
mod columns;
mod drift;
mod error;
mod fit;
mod lloyd;
mod local;
mod models;
mod outcome;
mod scalar;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::SessionContext;

pub use crate::centres::centres_json;
pub use crate::columns::record_batch;
pub use crate::drift::SegDrift;
pub use crate::error::{Result, TableError};
pub use crate::fit::{FitParams, Seeding, TableFit, choose_k, fit, lloyd_step};
pub use crate::lloyd::SegLloydStep;
pub use crate::outcome::{OutcomeCell, SegOutcome};
pub use crate::scalar::{SegNearest, SegSegment, SegSqDistance, SegUniform};

/// Every scalar function of the crate.
///
/// # Example
/// ```
/// let names: Vec<String> = seg_datafusion::scalar_functions().iter().map(|f| f.name().to_string()).collect();
/// assert!(names.contains(&"seg_segment".to_string()));
/// ```
pub fn scalar_functions() -> Vec<ScalarUDF> {
    vec![
        SegSegment::udf(),
        SegNearest::udf(),
        SegSqDistance::udf(),
        SegUniform::udf(),
    ]
}

/// Every aggregate function of the crate.
///
/// # Example
/// ```
/// let names: Vec<String> = seg_datafusion::aggregate_functions().iter().map(|f| f.name().to_string()).collect();
/// assert_eq!(names, ["seg_lloyd_step", "seg_drift", "seg_outcome"]);
/// ```
pub fn aggregate_functions() -> Vec<AggregateUDF> {
    vec![SegLloydStep::udaf(), SegDrift::udaf(), SegOutcome::udaf()]
}

/// Registers every function of the crate on `ctx`.
///
/// # Example
/// ```
/// use datafusion::execution::FunctionRegistry;
/// let ctx = datafusion::prelude::SessionContext::new();
/// seg_datafusion::register(&ctx);
/// assert!(ctx.udf("seg_segment").is_ok() && ctx.udaf("seg_drift").is_ok());
/// ```
pub fn register(ctx: &SessionContext) {
    for f in scalar_functions() {
        ctx.register_udf(f);
    }
    for f in aggregate_functions() {
        ctx.register_udaf(f);
    }
}
