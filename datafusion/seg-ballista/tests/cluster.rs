//! One scheduler and two executors of `seg-ballista`, each its own process on
//! loopback, give the answers of a single-process DataFusion context: the
//! k-means fit, the segment of every row and the per-segment × variant
//! outcomes over a table of Parquet files.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{
    Array, AsArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema, UInt32Type};
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use parquet::arrow::ArrowWriter;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

use seg_ballista::Functions;
use seg_datafusion::{FitParams, OutcomeCell, Seeding, TableFit};
use segmentation::features::Value;
use segmentation::pipeline::{Segmentation, Segmenter, numeric_schema};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

const DIMENSIONS: usize = 3;
const FILES: usize = 4;
const ROWS_PER_FILE: usize = 8_000;
const K: usize = 4;
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// Writes `FILES` Parquet files of seeded overlapping blobs with columns
/// `id`, `x0..x{d-1}`, `variant` and `converted`.
fn write_blobs(dir: &Path, seed: u64) -> TestResult {
    let mut rng = Pcg64::seed_from_u64(seed);
    let centres = [
        [0.0, 0.0, 0.0],
        [2.5, 0.5, -1.0],
        [-1.5, 2.0, 1.0],
        [1.0, -2.0, 2.5],
    ];
    let rates = [0.05, 0.12, 0.20, 0.30];
    let mut fields = vec![Field::new("id", DataType::Int64, false)];
    fields.extend((0..DIMENSIONS).map(|j| Field::new(format!("x{j}"), DataType::Float64, false)));
    fields.push(Field::new("variant", DataType::Utf8, false));
    fields.push(Field::new("converted", DataType::Int64, false));
    let schema = Arc::new(Schema::new(fields));
    for file in 0..FILES {
        let mut ids = Vec::with_capacity(ROWS_PER_FILE);
        let mut xs = (0..DIMENSIONS)
            .map(|_| Vec::with_capacity(ROWS_PER_FILE))
            .collect::<Vec<_>>();
        let mut variants = Vec::with_capacity(ROWS_PER_FILE);
        let mut converted = Vec::with_capacity(ROWS_PER_FILE);
        for row in 0..ROWS_PER_FILE {
            ids.push(i64::try_from(file * ROWS_PER_FILE + row)?);
            let blob = rng.random_range(0..K);
            for (j, column) in xs.iter_mut().enumerate() {
                // Box-Muller: a standard normal from two uniforms.
                let u1: f64 = 1.0 - rng.random::<f64>();
                let u2: f64 = rng.random::<f64>();
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                column.push(centres[blob][j] + 0.9 * z);
            }
            let variant = if rng.random::<bool>() { "B" } else { "A" };
            let lift = if variant == "B" { 1.2 } else { 1.0 };
            variants.push(variant);
            converted.push(i64::from(rng.random::<f64>() < rates[blob] * lift));
        }
        let mut columns: Vec<Arc<dyn Array>> = vec![Arc::new(Int64Array::from(ids))];
        columns.extend(
            xs.into_iter()
                .map(|c| Arc::new(Float64Array::from(c)) as Arc<dyn Array>),
        );
        columns.push(Arc::new(StringArray::from(variants)));
        columns.push(Arc::new(Int64Array::from(converted)));
        let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
        let mut writer = ArrowWriter::try_new(
            File::create(dir.join(format!("part-{file}.parquet")))?,
            Arc::clone(&schema),
            None,
        )?;
        writer.write(&batch)?;
        writer.close()?;
    }
    Ok(())
}

/// A free loopback port: bound, read and released. The listeners are kept
/// until all ports are picked so that they differ.
fn free_ports(n: usize) -> TestResult<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<Vec<_>, _>>()?)
}

/// The child processes of a cluster: killed and reaped on drop, also when an
/// assertion fails.
struct Cluster {
    children: Vec<(String, Child, PathBuf)>,
    scheduler_port: u16,
}

impl Cluster {
    fn start(logs: &Path) -> TestResult<Self> {
        let ports = free_ports(5)?;
        let mut cluster = Self {
            children: Vec::new(),
            scheduler_port: ports[0],
        };
        let scheduler_port = ports[0].to_string();
        cluster.spawn(
            logs,
            "scheduler",
            &[
                "scheduler",
                "--bind-host",
                "127.0.0.1",
                "--port",
                &scheduler_port,
            ],
        )?;
        for (i, pair) in ports[1..].chunks(2).enumerate() {
            let work_dir = logs.join(format!("executor-{i}-work"));
            std::fs::create_dir_all(&work_dir)?;
            let (port, grpc_port) = (pair[0].to_string(), pair[1].to_string());
            let work_dir = work_dir.to_string_lossy().into_owned();
            cluster.spawn(
                logs,
                &format!("executor-{i}"),
                &[
                    "executor",
                    "--bind-host",
                    "127.0.0.1",
                    "--port",
                    &port,
                    "--grpc-port",
                    &grpc_port,
                    "--scheduler-host",
                    "127.0.0.1",
                    "--scheduler-port",
                    &scheduler_port,
                    "--work-dir",
                    &work_dir,
                    "--concurrent-tasks",
                    "2",
                ],
            )?;
        }
        Ok(cluster)
    }

    fn spawn(&mut self, logs: &Path, name: &str, args: &[&str]) -> TestResult {
        let log = logs.join(format!("{name}.stderr"));
        let child = Command::new(env!("CARGO_BIN_EXE_seg-ballista"))
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log)?)
            .spawn()?;
        self.children.push((name.to_owned(), child, log));
        Ok(())
    }

    /// The children's stderr, for failure messages.
    fn stderr(&self) -> String {
        self.children
            .iter()
            .map(|(name, _, log)| {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                format!("--- {name} stderr ---\n{text}")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Executors registered and alive, from the scheduler's `/readyz`.
    fn registered_executors(&self) -> Option<usize> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.scheduler_port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        stream
            .write_all(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let body = response.split("\r\n\r\n").nth(1)?;
        let count = body.split(':').nth(1)?.trim_start();
        let digits: String = count.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }

    /// Waits until `n` executors are registered, failing with the children's
    /// stderr on timeout or when a child exits.
    fn wait_for_executors(&mut self, n: usize) -> TestResult {
        let start = Instant::now();
        loop {
            let mut exited = None;
            for (name, child, _) in &mut self.children {
                if let Some(status) = child.try_wait()? {
                    exited = Some((name.clone(), status));
                    break;
                }
            }
            if let Some((name, status)) = exited {
                return Err(format!("{name} exited early ({status})\n{}", self.stderr()).into());
            }
            let registered = self.registered_executors();
            if registered.is_some_and(|r| r >= n) {
                return Ok(());
            }
            if start.elapsed() > STARTUP_TIMEOUT {
                return Err(format!(
                    "{n} executors not registered after {STARTUP_TIMEOUT:?} (scheduler reports {registered:?})\n{}",
                    self.stderr()
                )
                .into());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for (_, child, _) in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn columns() -> Vec<String> {
    (0..DIMENSIONS).map(|j| format!("x{j}")).collect()
}

fn columns_list() -> String {
    columns().join(", ")
}

/// The feature values of every row of the table, ordered by `id` (the ids
/// run 0, 1, … in order, so the first n are those of `id < n`).
async fn records(ctx: &SessionContext) -> TestResult<Vec<Vec<Value<'static>>>> {
    let batches = ctx
        .sql(&format!(
            "SELECT {} FROM visits ORDER BY id",
            columns_list()
        ))
        .await?
        .collect()
        .await?;
    let mut records: Vec<Vec<Value<'static>>> = Vec::new();
    for b in &batches {
        for i in 0..b.num_rows() {
            records.push(
                (0..DIMENSIONS)
                    .map(|j| Value::Number(b.column(j).as_primitive::<Float64Type>().value(i)))
                    .collect(),
            );
        }
    }
    Ok(records)
}

/// The segmentation of the test: fitted by the library on `records` (the
/// first 5,000 rows), saved where every process reads it.
fn segmentation(records: &[Vec<Value<'static>>], path: &Path) -> TestResult<Segmentation> {
    let names = columns();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let s = Segmenter::new(numeric_schema(&names)?)
        .k(K)
        .seed(1)
        .fit(records)?;
    s.save(path)?;
    Ok(s)
}

/// The k-means driver: k-means|| seeding, then Lloyd passes as aggregate
/// queries.
async fn fit(ctx: &SessionContext) -> TestResult<TableFit> {
    let names = columns();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let params = FitParams {
        seeding: Seeding::parallel(),
        seed: 7,
        ..FitParams::new(K)
    };
    Ok(seg_datafusion::fit(ctx, "visits", &names, &params).await?)
}

async fn labels(ctx: &SessionContext, model: &str) -> TestResult<Vec<(i64, u32)>> {
    let batches = ctx
        .sql(&format!(
            "SELECT id, seg_segment('{model}', {}) AS segment FROM visits ORDER BY id",
            columns_list()
        ))
        .await?
        .collect()
        .await?;
    let mut out = Vec::new();
    for b in &batches {
        let ids = b.column(0).as_primitive::<Int64Type>();
        let segments = b.column(1).as_primitive::<UInt32Type>();
        out.extend((0..b.num_rows()).map(|i| (ids.value(i), segments.value(i))));
    }
    Ok(out)
}

async fn outcomes(ctx: &SessionContext, model: &str) -> TestResult<Vec<OutcomeCell>> {
    let batches = ctx
        .sql(&format!(
            "SELECT seg_segment('{model}', {}) AS segment, variant, seg_outcome(converted) AS outcome \
             FROM visits GROUP BY 1, 2",
            columns_list()
        ))
        .await?
        .collect()
        .await?;
    Ok(OutcomeCell::from_batches(&batches)?)
}

async fn drift(ctx: &SessionContext, model: &str) -> TestResult<serde_json::Value> {
    let batches = ctx
        .sql(&format!(
            "SELECT seg_drift('{model}', {}) FROM visits",
            columns_list()
        ))
        .await?
        .collect()
        .await?;
    let batch = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or("empty result")?;
    Ok(serde_json::from_str(
        batch.column(0).as_string::<i32>().value(0),
    )?)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(f64::MIN_POSITIVE)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_executor_cluster_gives_the_single_process_answers() -> TestResult {
    let data = tempfile::tempdir()?;
    let logs = tempfile::tempdir()?;
    std::fs::create_dir_all(data.path().join("visits"))?;
    write_blobs(&data.path().join("visits"), 2024)?;
    let table = data.path().join("visits").to_string_lossy().into_owned();
    let model_path = data.path().join("segmentation.json");
    let model = model_path.to_string_lossy().into_owned();

    let mut cluster = Cluster::start(logs.path())?;
    cluster.wait_for_executors(2)?;

    let remote = seg_ballista::connect(
        &format!("df://127.0.0.1:{}", cluster.scheduler_port),
        &Functions::segmentation(),
    )
    .await?;
    remote
        .register_parquet("visits", &table, ParquetReadOptions::default())
        .await?;
    let local = SessionContext::new();
    seg_datafusion::register(&local);
    local
        .register_parquet("visits", &table, ParquetReadOptions::default())
        .await?;
    let records = records(&local).await?;
    let segmentation = segmentation(&records[..5000], &model_path)?;

    let fail = |e: Box<dyn std::error::Error>| -> Box<dyn std::error::Error> {
        format!("{e}\n{}", cluster.stderr()).into()
    };

    // (a) The fit: the same seeding, centres to 1e-12, the same passes.
    let on_cluster = fit(&remote).await.map_err(fail)?;
    let single = fit(&local).await?;
    assert_eq!(
        on_cluster.initial_centres, single.initial_centres,
        "k-means|| depends on the rows only"
    );
    for (a, b) in on_cluster.centres.iter().zip(single.centres.iter()) {
        assert!(
            close(*a, *b),
            "centre coordinate {a} (cluster) vs {b} (single process)"
        );
    }
    assert_eq!(
        (on_cluster.n_iter, &on_cluster.counts, on_cluster.n_rows),
        (single.n_iter, &single.counts, single.n_rows)
    );
    assert!(close(on_cluster.inertia, single.inertia));

    // (b) The segment of every row: the library's assignment.
    let on_cluster = labels(&remote, &model).await.map_err(fail)?;
    let single = labels(&local, &model).await?;
    assert_eq!(on_cluster.len(), FILES * ROWS_PER_FILE);
    assert_eq!(on_cluster, single);
    let expected = segmentation.assign(&records)?;
    assert!(
        on_cluster
            .iter()
            .zip(&expected)
            .all(|((_, got), want)| *got as usize == *want)
    );

    // (c) Outcomes per segment × variant.
    let on_cluster = outcomes(&remote, &model).await.map_err(fail)?;
    let single = outcomes(&local, &model).await?;
    assert_eq!(on_cluster.len(), 2 * K);
    for (a, b) in on_cluster.iter().zip(&single) {
        assert_eq!(
            (&a.segment, &a.variant, a.n, a.sum, a.binary),
            (&b.segment, &b.variant, b.n, b.sum, b.binary)
        );
        assert!(
            close(a.mean.unwrap_or(0.0), b.mean.unwrap_or(0.0))
                && close(a.variance.unwrap_or(0.0), b.variance.unwrap_or(0.0))
        );
        assert!(a.binary);
    }

    // (d) The drift report of the table against the model.
    let on_cluster = drift(&remote, &model).await.map_err(fail)?;
    let single = drift(&local, &model).await?;
    for key in ["fields", "score", "level"] {
        assert_eq!(on_cluster[key], single[key], "{key}");
    }
    assert_eq!(
        on_cluster["segments"]["report"]["features"],
        single["segments"]["report"]["features"]
    );
    Ok(())
}
