//! The errors of the driver and of reading results back.

/// An error of fitting over a table or reading a query's result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// A query failed in DataFusion (or Ballista): a missing table or
    /// column, a function's error on a row, an engine failure.
    #[error("query failed")]
    Query(#[from] datafusion::error::DataFusionError),
    /// An Arrow operation on a result failed.
    #[error("reading a result failed")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    /// The library rejected the data or a partial result.
    #[error(transparent)]
    Cluster(#[from] seg_cluster::ClusterError),
    /// A bandit batch failed its checks.
    #[error(transparent)]
    Bandit(#[from] seg_bandit_state::BanditError),
    /// A parameter of the driver is out of its domain.
    #[error("invalid {parameter}: {value} ({reason})")]
    InvalidParameter {
        /// The parameter.
        parameter: &'static str,
        /// The value, formatted.
        value: String,
        /// What it must satisfy.
        reason: &'static str,
    },
    /// The table has too few rows for the fit (or its sample for the
    /// seeding).
    #[error("{what} has {rows} rows; the fit needs at least {needed}")]
    TooFewRows {
        /// The table or the sample.
        what: &'static str,
        /// Its rows.
        rows: u64,
        /// The least it needs.
        needed: u64,
    },
    /// A query's result is not what the function expects.
    #[error("unexpected result: {reason}")]
    InvalidResult {
        /// What was wrong.
        reason: String,
    },
}

/// The result of the driver's functions.
pub type Result<T> = std::result::Result<T, TableError>;
