//! The fit at scale: a generator of a large Parquet table of overlapping
//! blobs, and one k-means fit over it in the in-memory library, in
//! single-process DataFusion or on a Ballista cluster, from the same
//! initial centres, with time and peak memory. `scale.sh` in `datafusion/`
//! runs all of it.
//!
//! ```sh
//! # in datafusion/, release builds
//! cargo run --release --example scale -- generate DIR 20000000 16 40
//! cargo run --release --example scale -- library DIR 8
//! cargo run --release --example scale -- datafusion DIR 8 2
//! cargo run --release --example scale -- ballista DIR 8 df://127.0.0.1:50050
//! ```
//!
//! The table is not committed; `generate` writes it in files of equal
//! rows, one chunk of 500,000 rows in memory at a time. Each run prints
//! one JSON line: the mode, rows, iterations, seconds and peak resident
//! memory (VmHWM) of the process (for Ballista, of the client: `scale.sh`
//! reads the executors' peaks).

use std::error::Error;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{ArrayRef, Float64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use ndarray::Array2;
use seg_cluster::{Algorithm, Init, KMeans};
use seg_datafusion::{FitParams, Seeding};
use seg_datasets::Blobs;

/// Rows generated at a time.
const CHUNK: usize = 500_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| {
        args.get(i).map(String::as_str).ok_or(
            "usage: scale generate DIR ROWS COLS FILES | library DIR K | datafusion DIR K PARTITIONS [SEEDING] | ballista DIR K URL [SEEDING] (SEEDING: first-rows, parallel, sample)",
        )
    };
    let (ctx, mode) = match arg(0)? {
        "generate" => {
            return generate(
                Path::new(arg(1)?),
                arg(2)?.parse()?,
                arg(3)?.parse()?,
                arg(4)?.parse()?,
            );
        }
        "library" => return library(Path::new(arg(1)?), arg(2)?.parse()?),
        "datafusion" => {
            // DataFusion's partitions are the parallelism: one thread per
            // partition's accumulation.
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build_global()?;
            let config = SessionConfig::new().with_target_partitions(arg(3)?.parse()?);
            let ctx = SessionContext::new_with_config(config);
            seg_datafusion::register(&ctx);
            (ctx, "datafusion")
        }
        "ballista" => (
            seg_ballista::connect(arg(3)?, &seg_ballista::Functions::segmentation()).await?,
            "ballista",
        ),
        other => return Err(format!("unknown mode `{other}`").into()),
    };
    let seeding = args.get(4).map_or("first-rows", String::as_str);
    over_table(&ctx, mode, Path::new(arg(1)?), arg(2)?.parse()?, seeding).await
}

/// The blob centres: 8 in a box of ±1 (overlapping at standard deviation 2).
fn centres(d: usize) -> Result<Array2<f64>, Box<dyn Error>> {
    Ok(Blobs::params(8, d)
        .centres(8)
        .centre_box((-1.0, 1.0))
        .seed(1)
        .generate()?
        .centres)
}

fn generate(dir: &Path, rows: usize, d: usize, files: usize) -> Result<(), Box<dyn Error>> {
    std::fs::create_dir_all(dir)?;
    let schema = Arc::new(Schema::new(
        (0..d)
            .map(|j| Field::new(format!("x{j}"), DataType::Float64, false))
            .collect::<Vec<_>>(),
    ));
    let per_file = rows.div_ceil(files);
    let centres = centres(d)?;
    let mut written = 0;
    for f in 0..files {
        let mut writer = ArrowWriter::try_new(
            File::create(dir.join(format!("part-{f:04}.parquet")))?,
            schema.clone(),
            None,
        )?;
        let end = (written + per_file).min(rows);
        while written < end {
            let n = CHUNK.min(end - written);
            let blobs = Blobs::params(n, d)
                .centres_at(centres.clone())
                .cluster_std(2.0)
                .seed(written as u64)
                .generate()?;
            let columns: Vec<ArrayRef> = blobs
                .x
                .columns()
                .into_iter()
                .map(|c| Arc::new(Float64Array::from(c.to_vec())) as ArrayRef)
                .collect();
            writer.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
            written += n;
        }
        writer.close()?;
    }
    println!("{{\"generated\": {rows}, \"columns\": {d}, \"files\": {files}}}");
    Ok(())
}

fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    files.sort();
    Ok(files)
}

/// The same start for every mode: the first k rows of the first file.
fn start(dir: &Path, k: usize) -> Result<Array2<f64>, Box<dyn Error>> {
    let first = parquet_files(dir)?
        .into_iter()
        .next()
        .ok_or("no parquet files")?;
    let mut reader = ParquetRecordBatchReaderBuilder::try_new(File::open(first)?)?
        .with_batch_size(k)
        .build()?;
    let batch = reader.next().ok_or("empty file")??;
    to_rows(&batch)
}

/// Appends the rows of a batch of Float64 columns to `data`, row-major.
fn append_rows(batch: &RecordBatch, data: &mut Vec<f64>) -> Result<(), Box<dyn Error>> {
    let columns: Vec<&[f64]> = batch
        .columns()
        .iter()
        .map(|c| {
            c.as_any()
                .downcast_ref::<Float64Array>()
                .map(|c| c.values().as_ref())
                .ok_or("a column is not Float64")
        })
        .collect::<Result<_, _>>()?;
    data.reserve(batch.num_rows() * columns.len());
    for i in 0..batch.num_rows() {
        data.extend(columns.iter().map(|c| c[i]));
    }
    Ok(())
}

fn to_rows(batch: &RecordBatch) -> Result<Array2<f64>, Box<dyn Error>> {
    let mut data = Vec::new();
    append_rows(batch, &mut data)?;
    Ok(Array2::from_shape_vec(
        (batch.num_rows(), batch.num_columns()),
        data,
    )?)
}

/// Peak resident memory of this process, in MB.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn library(dir: &Path, k: usize) -> Result<(), Box<dyn Error>> {
    let start = start(dir, k)?;
    let t = Instant::now();
    let mut data = Vec::new();
    let mut d = 0;
    for file in parquet_files(dir)? {
        for batch in ParquetRecordBatchReaderBuilder::try_new(File::open(file)?)?.build()? {
            let batch = batch?;
            d = batch.num_columns();
            append_rows(&batch, &mut data)?;
        }
    }
    let n = data.len() / d;
    let x = Array2::from_shape_vec((n, d), data)?;
    let read = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let model = KMeans::params(k)
        .init(Init::Explicit(start))
        .algorithm(Algorithm::Lloyd)
        .n_init(1)
        .fit(x.view())?;
    let fit = t.elapsed().as_secs_f64();
    println!(
        "{{\"mode\": \"library\", \"rows\": {n}, \"k\": {k}, \"iterations\": {}, \"read_seconds\": {read:.2}, \"fit_seconds\": {fit:.2}, \"peak_mb\": {:.0}, \"inertia\": {}}}",
        model.n_iter(),
        peak_mb(),
        model.inertia()
    );
    Ok(())
}

/// The driver's fit over the table on `ctx`: from the first k rows (the
/// library's start), by k-means|| (`parallel`) or from a 100,000-row
/// sample (`sample`).
async fn over_table(
    ctx: &SessionContext,
    mode: &str,
    dir: &Path,
    k: usize,
    seeding: &str,
) -> Result<(), Box<dyn Error>> {
    let start = start(dir, k)?;
    ctx.register_parquet(
        "t",
        dir.to_str().ok_or("path")?,
        ParquetReadOptions::default(),
    )
    .await?;
    let names: Vec<String> = (0..start.ncols()).map(|j| format!("x{j}")).collect();
    let cols: Vec<&str> = names.iter().map(String::as_str).collect();
    let args_seeding = seeding.to_string();
    let seeding = match seeding {
        "first-rows" => Seeding::Centres(start),
        "parallel" => Seeding::parallel(),
        "sample" => Seeding::Sample {
            sample_size: 100_000,
            n_init: 3,
        },
        other => return Err(format!("unknown seeding `{other}`").into()),
    };
    let params = FitParams {
        seeding,
        ..FitParams::new(k)
    };
    let t = Instant::now();
    let fit = seg_datafusion::fit(ctx, "t", &cols, &params).await?;
    let seconds = t.elapsed().as_secs_f64();
    println!(
        "{{\"mode\": \"{mode}\", \"seeding\": \"{}\", \"seeding_queries\": {}, \"partitions\": {}, \"rows\": {}, \"k\": {k}, \"iterations\": {}, \"fit_seconds\": {seconds:.2}, \"peak_mb\": {:.0}, \"inertia\": {}}}",
        args_seeding,
        fit.seeding_queries,
        ctx.copied_config().target_partitions(),
        fit.n_rows,
        fit.n_iter,
        peak_mb(),
        fit.inertia
    );
    Ok(())
}
