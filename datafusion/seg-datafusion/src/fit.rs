//! The k-means driver over a table: seeding (k-means|| or k-means++ on a
//! sample), then Lloyd steps as `seg_lloyd_step` aggregate queries until
//! convergence; and the choice of k on a seeded sample.

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type, UInt32Type};
use datafusion::common::Column;
use datafusion::functions_aggregate::expr_fn::{count, var_pop};
use datafusion::logical_expr::{Expr, lit};
use datafusion::prelude::{DataFrame, SessionContext};
use ndarray::{Array2, ArrayView2};
use seg_cluster::{AutoK, AutoKParams, KMeans, PartialSums};

use crate::centres::centres_json;
use crate::columns::rows_of;
use crate::error::{Result, TableError};
use crate::{SegLloydStep, SegNearest, SegSqDistance, SegUniform};

/// How the driver picks its initial centres.
#[derive(Debug, Clone, PartialEq)]
pub enum Seeding {
    /// k-means|| (Bahmani et al., 2012; Spark MLlib's default): a row
    /// drawn uniformly, then `rounds` passes that each keep every row with
    /// probability `oversampling` · d²(row) / cost (about `oversampling`
    /// new candidates per pass), the candidates weighted by the rows
    /// nearest to them, and the best of 10 runs of weighted k-means++ then
    /// weighted Lloyd on the candidates (Spark makes one run). 2 + 2·rounds
    /// queries; the result depends only on the
    /// seed and the table's rows (to the rounding of the cost, a sum the
    /// engine adds in its own order), not on their order or partitioning.
    ///
    /// Bahmani, B., Moseley, B., Vattani, A., Kumar, R., Vassilvitskii, S.
    /// (2012). Scalable k-means++. *PVLDB* 5(7), 622–633.
    Parallel {
        /// Sampling passes (Spark: 2).
        rounds: usize,
        /// Expected candidates per pass, as a multiple of k (Spark: 2).
        oversampling: f64,
    },
    /// The library's k-means fit (greedy k-means++, `n_init` runs, Lloyd)
    /// on a seeded sample of about `sample_size` rows read to the driver:
    /// one query, and a start already refined on the sample.
    Sample {
        /// Rows of the sample (expected).
        sample_size: usize,
        /// Runs of the sample fit, the best kept.
        n_init: usize,
    },
    /// Given centres (k × d): the same start as the library's
    /// `Init::Explicit`.
    Centres(Array2<f64>),
}

impl Seeding {
    /// k-means|| as Spark MLlib runs it: 2 rounds of 2·k candidates.
    pub fn parallel() -> Seeding {
        Seeding::Parallel {
            rounds: 2,
            oversampling: 2.0,
        }
    }
}

/// The driver's parameters; `FitParams::new(k)` has the library's
/// defaults (`max_iter` 300, `tol` 1e-4 of the mean feature variance,
/// seed 0) and k-means|| seeding.
#[derive(Debug, Clone, PartialEq)]
pub struct FitParams {
    /// Clusters, ≥ 1.
    pub k: usize,
    /// The initial centres.
    pub seeding: Seeding,
    /// Most Lloyd passes over the table.
    pub max_iter: usize,
    /// Tolerance, relative to the mean variance of the features: the fit
    /// stops when the centres move less than `tol · mean(var)` (sum of
    /// squared shifts), as the library and scikit-learn do.
    pub tol: f64,
    /// The seed of the sampling.
    pub seed: u64,
}

impl FitParams {
    /// `k` clusters with the defaults.
    pub fn new(k: usize) -> FitParams {
        FitParams {
            k,
            seeding: Seeding::parallel(),
            max_iter: 300,
            tol: 1e-4,
            seed: 0,
        }
    }

    fn check(&self, d: usize) -> Result<()> {
        let invalid = |parameter, value: String, reason| {
            Err(TableError::InvalidParameter {
                parameter,
                value,
                reason,
            })
        };
        if self.k == 0 {
            return invalid("k", "0".into(), "must be at least 1");
        }
        if self.max_iter == 0 {
            return invalid("max_iter", "0".into(), "must be at least 1");
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return invalid("tol", self.tol.to_string(), "must be finite and >= 0");
        }
        match &self.seeding {
            Seeding::Parallel {
                rounds,
                oversampling,
            } => {
                if *rounds == 0 {
                    return invalid("rounds", "0".into(), "k-means|| needs at least one round");
                }
                if !(oversampling.is_finite() && *oversampling > 0.0) {
                    return invalid(
                        "oversampling",
                        oversampling.to_string(),
                        "must be finite and > 0",
                    );
                }
            }
            Seeding::Sample {
                sample_size,
                n_init,
            } => {
                if *sample_size < self.k {
                    return invalid("sample_size", sample_size.to_string(), "must be at least k");
                }
                if *n_init == 0 {
                    return invalid("n_init", "0".into(), "must be at least 1");
                }
            }
            Seeding::Centres(c) => {
                if c.dim() != (self.k, d) {
                    return invalid(
                        "centres",
                        format!("{:?}", c.dim()),
                        "must be k × (number of columns)",
                    );
                }
            }
        }
        Ok(())
    }
}

/// A fit over a table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableFit {
    /// The centres, k × d.
    pub centres: Array2<f64>,
    /// Rows nearest to each centre.
    pub counts: Vec<u64>,
    /// The sum of squared distances of the rows to their nearest centres.
    pub inertia: f64,
    /// Lloyd passes made.
    pub n_iter: usize,
    /// Whether the centres moved less than the tolerance before `max_iter`.
    pub converged: bool,
    /// Rows of the table.
    pub n_rows: u64,
    /// The centres the Lloyd passes started from.
    pub initial_centres: Array2<f64>,
    /// Queries over the whole table spent on seeding.
    pub seeding_queries: usize,
}

/// A reference to a column by its exact name (no parsing of dots or case).
fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// The feature columns as arguments after a first literal.
fn args(first: Expr, columns: &[&str]) -> Vec<Expr> {
    std::iter::once(first)
        .chain(columns.iter().map(|c| column(c)))
        .collect()
}

/// The single value of a one-row result's column `i`.
fn single(batches: &[RecordBatch], i: usize) -> Result<std::sync::Arc<dyn Array>> {
    let batch =
        batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .ok_or_else(|| TableError::InvalidResult {
                reason: "an aggregate returned no row".to_string(),
            })?;
    Ok(batch.column(i).slice(0, 1))
}

fn as_f64(a: &dyn Array) -> Result<Option<f64>> {
    let a = cast(a, &DataType::Float64)?;
    let a = a.as_primitive::<Float64Type>();
    Ok(a.is_valid(0).then(|| a.value(0)))
}

/// Fits k-means to `columns` of the table `table` registered on `ctx` (a
/// local DataFusion context or a Ballista one): seeding, then Lloyd passes,
/// each one `seg_lloyd_step` aggregate query, until the centres move less
/// than the tolerance or `max_iter` passes; then one more pass for the
/// counts and the inertia of the final centres.
///
/// From [`Seeding::Centres`] the passes are the library's: on one
/// partition the centres equal `KMeans` with `Init::Explicit` and
/// `Algorithm::Lloyd` bit for bit; with several partitions, whose partial
/// sums merge in an order the engine picks, to rounding (1e-12).
///
/// # Errors
///
/// [`TableError::InvalidParameter`] for bad parameters, no columns or
/// `Seeding::Centres` of another shape; [`TableError::TooFewRows`] for a
/// table (or sample) with fewer than k rows; [`TableError::Query`] for a
/// missing table or column, a non-numeric or null value, or an engine
/// failure; [`TableError::Cluster`] when the library rejects the data.
pub async fn fit(
    ctx: &SessionContext,
    table: &str,
    columns: &[&str],
    params: &FitParams,
) -> Result<TableFit> {
    let d = columns.len();
    if d == 0 {
        return Err(TableError::InvalidParameter {
            parameter: "columns",
            value: "none".into(),
            reason: "k-means needs at least one column",
        });
    }
    params.check(d)?;
    let df = ctx.table(table).await?;
    let (n_rows, tol) = rows_and_tolerance(&df, columns, params.tol).await?;
    if n_rows < params.k as u64 {
        return Err(TableError::TooFewRows {
            what: "the table",
            rows: n_rows,
            needed: params.k as u64,
        });
    }
    let (initial, seeding_queries) = match &params.seeding {
        Seeding::Centres(c) => (c.clone(), 0),
        Seeding::Sample {
            sample_size,
            n_init,
        } => {
            let p = (*sample_size as f64 / n_rows as f64).min(1.0);
            let sample = sample(&df, columns, params.seed, p).await?;
            if sample.nrows() < params.k {
                return Err(TableError::TooFewRows {
                    what: "the sample",
                    rows: sample.nrows() as u64,
                    needed: params.k as u64,
                });
            }
            let model = KMeans::params(params.k)
                .n_init(*n_init)
                .seed(params.seed)
                .fit(sample.view())?;
            (model.centroids().to_owned(), 1)
        }
        Seeding::Parallel {
            rounds,
            oversampling,
        } => {
            kmeans_parallel(
                &df,
                columns,
                params,
                *rounds,
                *oversampling * params.k as f64,
            )
            .await?
        }
    };
    let mut centres = initial.clone();
    let (mut n_iter, mut converged) = (params.max_iter, false);
    for i in 0..params.max_iter {
        let step = lloyd_step(&df, columns, centres.view()).await?;
        let next = step.next_centres();
        // The library's shift: per centre, then summed over the centres.
        let shift: f64 = centres
            .rows()
            .into_iter()
            .zip(next.rows())
            .map(|(a, b)| match (a.to_slice(), b.to_slice()) {
                (Some(a), Some(b)) => seg_validate::squared_distance(a, b),
                _ => f64::INFINITY,
            })
            .sum();
        centres = next;
        if shift <= tol {
            (n_iter, converged) = (i + 1, true);
            break;
        }
    }
    let last = lloyd_step(&df, columns, centres.view()).await?;
    Ok(TableFit {
        counts: last.counts().to_vec(),
        inertia: last.inertia(),
        centres,
        n_iter,
        converged,
        n_rows,
        initial_centres: initial,
        seeding_queries,
    })
}

/// One Lloyd step over the table from `centres`.
///
/// # Errors
///
/// As [`fit`].
pub async fn lloyd_step(
    df: &DataFrame,
    columns: &[&str],
    centres: ArrayView2<'_, f64>,
) -> Result<PartialSums> {
    let step = SegLloydStep::udaf().call(args(lit(centres_json(centres)), columns));
    let batches = df.clone().aggregate(vec![], vec![step])?.collect().await?;
    let json = single(&batches, 0)?;
    let json = cast(&json, &DataType::Utf8)?;
    let json = json.as_string::<i32>();
    if !json.is_valid(0) {
        return Err(TableError::InvalidResult {
            reason: "a Lloyd step returned no partial sums".into(),
        });
    }
    Ok(PartialSums::from_json(json.value(0))?)
}

/// The rows of the table and the absolute tolerance `tol · mean(var_pop)`.
async fn rows_and_tolerance(df: &DataFrame, columns: &[&str], tol: f64) -> Result<(u64, f64)> {
    // The variances only for a positive tolerance: the result is 0 otherwise.
    let with_var = tol > 0.0;
    let mut aggregates = vec![count(lit(1))];
    if with_var {
        aggregates.extend(columns.iter().map(|c| var_pop(column(c))));
    }
    let batches = df.clone().aggregate(vec![], aggregates)?.collect().await?;
    let n = single(&batches, 0)?;
    let n = cast(&n, &DataType::Int64)?;
    let n = u64::try_from(n.as_primitive::<Int64Type>().value(0)).unwrap_or(0);
    if !with_var {
        return Ok((n, 0.0));
    }
    let mut total = 0.0;
    for j in 0..columns.len() {
        total += as_f64(single(&batches, j + 1)?.as_ref())?.unwrap_or(0.0);
    }
    let mean_var = total / columns.len() as f64;
    Ok((n, tol * mean_var))
}

/// The rows (the feature columns) whose `seg_uniform(seed, …)` is below
/// `p`, sorted.
async fn sample(df: &DataFrame, columns: &[&str], seed: u64, p: f64) -> Result<Array2<f64>> {
    let u = SegUniform::udf().call(args(lit(seed as i64), columns));
    let cols: Vec<Expr> = columns.iter().map(|c| column(c)).collect();
    let batches = df
        .clone()
        .filter(u.lt(lit(p)))?
        .select(cols)?
        .collect()
        .await?;
    // In a canonical order: the engine returns the rows in the order its
    // partitions finish.
    Ok(canonical(
        rows_of(
            "the driver",
            batches.iter().map(|b| &b.columns()[..columns.len()]),
            columns.len(),
        )?
        .view(),
        false,
    ))
}

/// k-means|| seeding: the initial centres and the queries spent.
async fn kmeans_parallel(
    df: &DataFrame,
    columns: &[&str],
    params: &FitParams,
    rounds: usize,
    l: f64,
) -> Result<(Array2<f64>, usize)> {
    let d = columns.len();
    let cols: Vec<Expr> = columns.iter().map(|c| column(c)).collect();
    // The first candidate: the row of least seg_uniform — a uniform draw.
    let u = SegUniform::udf().call(args(lit(params.seed as i64), columns));
    let first = df
        .clone()
        .select(
            cols.iter()
                .cloned()
                .chain([u.alias("u")])
                .collect::<Vec<_>>(),
        )?
        .sort(vec![column("u").sort(true, false)])?
        .limit(0, Some(1))?
        .collect()
        .await?;
    let mut candidates = rows_of("the driver", first.iter().map(|b| &b.columns()[..d]), d)?;
    let mut queries = 1;
    for round in 0..rounds {
        let json = lit(centres_json(candidates.view()));
        let cost_expr = SegSqDistance::udf().call(args(json.clone(), columns));
        let batches = df
            .clone()
            .aggregate(
                vec![],
                vec![datafusion::functions_aggregate::expr_fn::sum(
                    cost_expr.clone(),
                )],
            )?
            .collect()
            .await?;
        queries += 1;
        let cost = as_f64(single(&batches, 0)?.as_ref())?.unwrap_or(0.0);
        if cost <= 0.0 {
            break; // every row is a candidate already
        }
        let seed = params.seed.wrapping_add(1 + round as u64) as i64;
        let u = SegUniform::udf().call(args(lit(seed), columns));
        let keep = u.lt(lit(l / cost) * cost_expr);
        let picked = df
            .clone()
            .filter(keep)?
            .select(cols.clone())?
            .collect()
            .await?;
        queries += 1;
        let picked = rows_of("the driver", picked.iter().map(|b| &b.columns()[..d]), d)?;
        candidates = ndarray::concatenate(ndarray::Axis(0), &[candidates.view(), picked.view()])
            .map_err(|e| TableError::InvalidResult {
                reason: e.to_string(),
            })?;
    }
    // The candidates in a canonical order (the engine returns the picked
    // rows in the order its partitions finish), duplicates dropped.
    let candidates = canonical(candidates.view(), true);
    // Weights: the rows nearest to each candidate.
    let nearest = SegNearest::udf()
        .call(args(lit(centres_json(candidates.view())), columns))
        .alias("c");
    let batches = df
        .clone()
        .aggregate(vec![nearest], vec![count(lit(1)).alias("n")])?
        .collect()
        .await?;
    queries += 1;
    let mut weights = vec![0.0; candidates.nrows()];
    for b in &batches {
        let c = cast(b.column(0), &DataType::UInt32)?;
        let n = cast(b.column(1), &DataType::Float64)?;
        for (c, n) in c
            .as_primitive::<UInt32Type>()
            .iter()
            .zip(n.as_primitive::<Float64Type>().iter())
        {
            if let (Some(c), Some(n)) = (c, n)
                && let Some(w) = weights.get_mut(c as usize)
            {
                *w += n;
            }
        }
    }
    let centres =
        crate::local::weighted_kmeans(candidates.view(), &weights, params.k, params.seed)?;
    Ok((centres, queries))
}

/// Rows sorted lexicographically (by `total_cmp`), duplicates dropped
/// with `dedup`: an order that does not depend on the engine's.
fn canonical(rows: ArrayView2<'_, f64>, dedup: bool) -> Array2<f64> {
    let mut sorted: Vec<Vec<f64>> = rows.rows().into_iter().map(|r| r.to_vec()).collect();
    sorted.sort_by(|a, b| {
        a.iter()
            .zip(b)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if dedup {
        sorted.dedup();
    }
    let d = rows.ncols();
    let n = sorted.len();
    Array2::from_shape_vec((n, d), sorted.concat()).unwrap_or_else(|_| Array2::zeros((0, d)))
}

/// The choice of k on a seeded sample of about `sample_size` rows of the
/// table, by the library's automatic k (`params`: its range, metrics and
/// rules); fit the chosen k over the whole table with [`fit`].
///
/// # Errors
///
/// [`TableError::TooFewRows`] for a sample smaller than the range's
/// largest k + 1, [`TableError::Query`] as [`fit`], and the library's
/// errors of `AutoKParams::fit`.
pub async fn choose_k(
    ctx: &SessionContext,
    table: &str,
    columns: &[&str],
    sample_size: usize,
    seed: u64,
    params: &AutoKParams,
) -> Result<AutoK> {
    let df = ctx.table(table).await?;
    let (n_rows, _) = rows_and_tolerance(&df, columns, 0.0).await?;
    let p = (sample_size as f64 / n_rows.max(1) as f64).min(1.0);
    let x = sample(&df, columns, seed, p).await?;
    Ok(params.fit(x.view())?)
}
