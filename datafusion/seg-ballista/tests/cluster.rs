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

#[path = "../src/standin.rs"]
#[allow(dead_code)]
mod standin;

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

fn centres_literal(centres: &[Vec<f64>]) -> String {
    centres
        .iter()
        .map(|c| c.iter().map(f64::to_string).collect::<Vec<_>>().join(","))
        .collect::<Vec<_>>()
        .join(";")
}

fn columns_list() -> String {
    (0..DIMENSIONS)
        .map(|j| format!("x{j}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn one_text(ctx: &SessionContext, sql: &str) -> TestResult<String> {
    let batches = ctx.sql(sql).await?.collect().await?;
    let batch = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or("empty result")?;
    Ok(batch.column(0).as_string::<i32>().value(0).to_owned())
}

/// Lloyd steps from the first `K` rows until the centres stop moving, each
/// step one aggregate query.
async fn fit(ctx: &SessionContext) -> TestResult<Vec<Vec<f64>>> {
    let start = ctx
        .sql(&format!(
            "SELECT {} FROM visits ORDER BY id LIMIT {K}",
            columns_list()
        ))
        .await?
        .collect()
        .await?;
    let mut centres = Vec::new();
    for batch in &start {
        for row in 0..batch.num_rows() {
            centres.push(
                (0..DIMENSIONS)
                    .map(|j| batch.column(j).as_primitive::<Float64Type>().value(row))
                    .collect::<Vec<_>>(),
            );
        }
    }
    for _ in 0..20 {
        let text = one_text(
            ctx,
            &format!(
                "SELECT seg_sums('{}', {}) FROM visits",
                centres_literal(&centres),
                columns_list()
            ),
        )
        .await?;
        let mut next = Vec::new();
        for (slot, old) in text.split(';').zip(&centres) {
            let (count, sums) = slot.split_once(':').ok_or("bad seg_sums output")?;
            let count: f64 = count.parse()?;
            let sums = standin::parse_centres(sums)?.remove(0);
            next.push(if count > 0.0 {
                sums.iter().map(|s| s / count).collect()
            } else {
                old.clone()
            });
        }
        let moved = next != centres;
        centres = next;
        if !moved {
            break;
        }
    }
    Ok(centres)
}

async fn labels(ctx: &SessionContext, centres: &[Vec<f64>]) -> TestResult<Vec<(i64, u32)>> {
    let batches = ctx
        .sql(&format!(
            "SELECT id, seg_nearest('{}', {}) AS segment FROM visits ORDER BY id",
            centres_literal(centres),
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

async fn outcomes(
    ctx: &SessionContext,
    centres: &[Vec<f64>],
) -> TestResult<Vec<(u32, String, i64, i64)>> {
    let batches = ctx
        .sql(&format!(
            "SELECT segment, variant, count(*) AS n, sum(converted) AS conversions \
             FROM (SELECT seg_nearest('{}', {}) AS segment, variant, converted FROM visits) \
             GROUP BY segment, variant ORDER BY segment, variant",
            centres_literal(centres),
            columns_list()
        ))
        .await?
        .collect()
        .await?;
    let mut out = Vec::new();
    for b in &batches {
        let segments = b.column(0).as_primitive::<UInt32Type>();
        let variants = b.column(1).as_string_view_opt().map(|v| {
            (0..b.num_rows())
                .map(|i| v.value(i).to_owned())
                .collect::<Vec<_>>()
        });
        let variants = match variants {
            Some(v) => v,
            None => {
                let v = b.column(1).as_string::<i32>();
                (0..b.num_rows()).map(|i| v.value(i).to_owned()).collect()
            }
        };
        let n = b.column(2).as_primitive::<Int64Type>();
        let c = b.column(3).as_primitive::<Int64Type>();
        out.extend((0..b.num_rows()).map(|i| {
            (
                segments.value(i),
                variants[i].clone(),
                n.value(i),
                c.value(i),
            )
        }));
    }
    Ok(out)
}

fn assert_centres_close(cluster: &[Vec<f64>], local: &[Vec<f64>]) {
    assert_eq!(cluster.len(), local.len());
    for (a, b) in cluster.iter().flatten().zip(local.iter().flatten()) {
        let scale = a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
        assert!(
            (a - b).abs() <= 1e-12 * scale,
            "centre coordinate {a} (cluster) vs {b} (single process)"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_executor_cluster_gives_the_single_process_answers() -> TestResult {
    let data = tempfile::tempdir()?;
    let logs = tempfile::tempdir()?;
    write_blobs(data.path(), 2024)?;
    let table = data.path().to_string_lossy().into_owned();

    let mut cluster = Cluster::start(logs.path())?;
    cluster.wait_for_executors(2)?;

    let functions = seg_ballista::Functions::new(standin::scalar(), standin::aggregate());
    let remote = seg_ballista::connect(
        &format!("df://127.0.0.1:{}", cluster.scheduler_port),
        &functions,
    )
    .await?;
    remote
        .register_parquet("visits", &table, ParquetReadOptions::default())
        .await?;

    let local = SessionContext::new();
    for udf in &functions.scalar {
        local.register_udf((**udf).clone());
    }
    for udaf in &functions.aggregate {
        local.register_udaf((**udaf).clone());
    }
    local
        .register_parquet("visits", &table, ParquetReadOptions::default())
        .await?;

    let fail = |e: Box<dyn std::error::Error>| -> Box<dyn std::error::Error> {
        format!("{e}\n{}", cluster.stderr()).into()
    };

    let cluster_centres = fit(&remote).await.map_err(fail)?;
    let local_centres = fit(&local).await?;
    assert_centres_close(&cluster_centres, &local_centres);

    let cluster_labels = labels(&remote, &local_centres).await.map_err(fail)?;
    let local_labels = labels(&local, &local_centres).await?;
    assert_eq!(cluster_labels.len(), FILES * ROWS_PER_FILE);
    assert_eq!(cluster_labels, local_labels);

    let cluster_outcomes = outcomes(&remote, &local_centres).await.map_err(fail)?;
    let local_outcomes = outcomes(&local, &local_centres).await?;
    assert_eq!(cluster_outcomes.len(), 2 * K);
    assert_eq!(cluster_outcomes, local_outcomes);
    Ok(())
}
