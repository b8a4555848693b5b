//! Tables for the tests: seeded overlapping blobs and simulated visitors,
//! registered in one or several partitions.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use ndarray::{Array2, Axis};
use seg_datasets::Blobs;

/// A context with the functions, planning for `partitions` partitions.
pub fn context(partitions: usize) -> SessionContext {
    let ctx =
        SessionContext::new_with_config(SessionConfig::new().with_target_partitions(partitions));
    seg_datafusion::register(&ctx);
    ctx
}

/// Overlapping blobs: k centres in a box of ±4 with standard deviation 2.5.
pub fn blobs(n: usize, d: usize, k: usize, seed: u64) -> Array2<f64> {
    Blobs::params(n, d)
        .centres(k)
        .cluster_std(2.5)
        .centre_box((-4.0, 4.0))
        .seed(seed)
        .generate()
        .expect("blobs")
        .x
}

/// The names x0, x1, ….
pub fn names(d: usize) -> Vec<String> {
    (0..d).map(|j| format!("x{j}")).collect()
}

/// Rows as a batch of columns x0, x1, ….
pub fn batch(x: ndarray::ArrayView2<'_, f64>) -> RecordBatch {
    let fields: Vec<Field> = names(x.ncols())
        .iter()
        .map(|n| Field::new(n, DataType::Float64, false))
        .collect();
    let columns: Vec<ArrayRef> = x
        .columns()
        .into_iter()
        .map(|c| Arc::new(Float64Array::from(c.to_vec())) as ArrayRef)
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("batch")
}

/// Registers `batches` as table `name`, split into `partitions` contiguous
/// partitions of batches of at most 8,192 rows each.
pub fn register_partitioned(
    ctx: &SessionContext,
    name: &str,
    all: &RecordBatch,
    partitions: usize,
) {
    let n = all.num_rows();
    let per = n.div_ceil(partitions);
    let mut parts = Vec::new();
    for p in 0..partitions {
        let (start, end) = (p * per, ((p + 1) * per).min(n));
        let mut batches = Vec::new();
        let mut s = start;
        while s < end {
            let len = (end - s).min(8_192);
            batches.push(all.slice(s, len));
            s += len;
        }
        parts.push(batches);
    }
    let table = MemTable::try_new(all.schema(), parts).expect("table");
    ctx.register_table(name, Arc::new(table)).expect("register");
}

/// Registers the rows of `x` as table `name` in `partitions` partitions.
pub fn register_rows(ctx: &SessionContext, name: &str, x: &Array2<f64>, partitions: usize) {
    register_partitioned(ctx, name, &batch(x.view()), partitions);
}

/// The first k rows of x, as explicit initial centres.
pub fn first_rows(x: &Array2<f64>, k: usize) -> Array2<f64> {
    x.slice_axis(Axis(0), ndarray::Slice::from(..k)).to_owned()
}

/// |a − b| / max(|a|, |b|, tiny).
pub fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE)
}
