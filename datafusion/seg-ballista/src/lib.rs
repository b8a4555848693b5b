//! Apache Ballista with the segmentation's SQL functions.
//!
//! Ballista runs DataFusion plans across a scheduler and executors. A plan
//! travels by name: the client plans a query against its own function
//! registry, the scheduler decodes the logical plan and plans it again with
//! the registry of its session builder, and each executor decodes its physical
//! tasks with its own function registry. Every process must therefore know
//! the same functions, which this crate arranges:
//!
//! - [`run_scheduler`] starts a scheduler whose sessions carry the functions;
//! - [`run_executor`] starts an executor whose function registry carries them;
//! - [`client_state`] and [`connect`] build a client [`SessionContext`] that
//!   plans with them and sends its plans to a scheduler.
//!
//! The `seg-ballista` binary wraps the two servers (`seg-ballista scheduler`,
//! `seg-ballista executor`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ballista_core::error::BallistaError;
use ballista_core::extension::{SessionConfigExt, SessionStateExt};
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::error::DataFusionError;
use datafusion::execution::{FunctionRegistry, SessionState, SessionStateBuilder};
use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::{SessionConfig, SessionContext};

/// An error of the Ballista servers or of a client context.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A listening address could not be formed from a host and a port.
    #[error("invalid listening address {address}")]
    Address {
        /// The address as given.
        address: String,
        /// Why it does not parse.
        #[source]
        source: std::net::AddrParseError,
    },
    /// A scheduler address is not `df://host:port` or `http://host:port`.
    #[error("invalid scheduler url {url}: expected df://host:port or http://host:port")]
    SchedulerUrl {
        /// The url as given.
        url: String,
    },
    /// Ballista failed to start or to run a server.
    #[error("ballista {role} failed")]
    Ballista {
        /// `scheduler` or `executor`.
        role: &'static str,
        /// The Ballista error.
        #[source]
        source: BallistaError,
    },
    /// DataFusion failed to build a session.
    #[error("datafusion session")]
    DataFusion(#[source] DataFusionError),
    /// Waiting for a shutdown signal failed.
    #[error("signal handler")]
    Signal(#[source] std::io::Error),
}

/// The SQL functions a cluster knows, on every one of its processes.
#[derive(Debug, Clone, Default)]
pub struct Functions {
    /// Scalar functions.
    pub scalar: Vec<Arc<ScalarUDF>>,
    /// Aggregate functions.
    pub aggregate: Vec<Arc<AggregateUDF>>,
}

impl Functions {
    /// A set of scalar and aggregate functions.
    ///
    /// ```
    /// let functions = seg_ballista::Functions::new(Vec::new(), Vec::new());
    /// assert!(functions.scalar.is_empty() && functions.aggregate.is_empty());
    /// ```
    #[must_use]
    pub fn new(scalar: Vec<Arc<ScalarUDF>>, aggregate: Vec<Arc<AggregateUDF>>) -> Self {
        Self { scalar, aggregate }
    }

    /// The segmentation's functions: every function of
    /// [`seg_datafusion`] (what the `seg-ballista` binary registers).
    ///
    /// ```
    /// let functions = seg_ballista::Functions::segmentation();
    /// assert!(functions.scalar.iter().any(|f| f.name() == "seg_segment"));
    /// assert!(functions.aggregate.iter().any(|f| f.name() == "seg_lloyd_step"));
    /// ```
    #[must_use]
    pub fn segmentation() -> Self {
        Self::new(
            seg_datafusion::scalar_functions()
                .into_iter()
                .map(Arc::new)
                .collect(),
            seg_datafusion::aggregate_functions()
                .into_iter()
                .map(Arc::new)
                .collect(),
        )
    }

    /// Registers the functions on a session state, replacing any of the same
    /// name.
    fn register_on(&self, state: &mut SessionState) -> datafusion::common::Result<()> {
        for udf in &self.scalar {
            state.register_udf(Arc::clone(udf))?;
        }
        for udaf in &self.aggregate {
            state.register_udaf(Arc::clone(udaf))?;
        }
        Ok(())
    }
}

/// The session state a scheduler plans with: Ballista's default session
/// (DataFusion's functions and Ballista's optimizer rules) plus `functions`.
///
/// # Errors
///
/// [`Error::DataFusion`] when the runtime environment cannot be built.
///
/// ```
/// use datafusion::prelude::SessionConfig;
/// use ballista_core::extension::SessionConfigExt;
/// let state = seg_ballista::scheduler_session(
///     SessionConfig::new_with_ballista(),
///     &seg_ballista::Functions::default(),
/// )?;
/// assert!(state.scalar_functions().contains_key("abs"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn scheduler_session(
    config: SessionConfig,
    functions: &Functions,
) -> Result<SessionState, Error> {
    let mut state =
        ballista_core::utils::default_session_builder(config).map_err(Error::DataFusion)?;
    functions
        .register_on(&mut state)
        .map_err(Error::DataFusion)?;
    Ok(state)
}

/// The function registry an executor decodes its tasks with: the same
/// functions as [`scheduler_session`]'s.
///
/// # Errors
///
/// [`Error::DataFusion`] when the session it is taken from cannot be built.
///
/// ```
/// use datafusion::execution::FunctionRegistry;
/// let registry = seg_ballista::executor_registry(&seg_ballista::Functions::default())?;
/// assert!(registry.udaf("sum").is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn executor_registry(functions: &Functions) -> Result<BallistaFunctionRegistry, Error> {
    let state = scheduler_session(SessionConfig::new_with_ballista(), functions)?;
    Ok(BallistaFunctionRegistry::from(&state))
}

/// The `http://host:port` form of a scheduler address given as
/// `df://host:port` or `http://host:port`.
fn scheduler_http_url(url: &str) -> Result<String, Error> {
    let rest = url
        .strip_prefix("df://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| Error::SchedulerUrl {
            url: url.to_owned(),
        })?;
    let rest = rest.trim_end_matches('/');
    match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
            Ok(format!("http://{rest}"))
        }
        _ => Err(Error::SchedulerUrl {
            url: url.to_owned(),
        }),
    }
}

/// A client session state that sends its queries to the scheduler at
/// `scheduler_url` (`df://host:port` or `http://host:port`) and plans them
/// with `functions`.
///
/// Ballista's `upgrade_for_ballista` replaces the state's scalar and aggregate
/// functions with its defaults, so the functions are registered after the
/// upgrade: registering them on the state given to
/// `SessionContext::remote_with_state` would lose them.
///
/// # Errors
///
/// [`Error::SchedulerUrl`] for a malformed address, [`Error::DataFusion`]
/// when the state cannot be upgraded.
///
/// ```
/// let state = seg_ballista::client_state("df://127.0.0.1:50050", &seg_ballista::Functions::default())?;
/// assert!(state.aggregate_functions().contains_key("sum"));
/// assert!(seg_ballista::client_state("127.0.0.1:50050", &seg_ballista::Functions::default()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn client_state(scheduler_url: &str, functions: &Functions) -> Result<SessionState, Error> {
    let url = scheduler_http_url(scheduler_url)?;
    let state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(SessionConfig::new_with_ballista())
        .build();
    let mut state = state.upgrade_for_ballista(url).map_err(Error::DataFusion)?;
    functions
        .register_on(&mut state)
        .map_err(Error::DataFusion)?;
    Ok(state)
}

/// A client [`SessionContext`] on [`client_state`]: its `sql` and DataFrame
/// queries run on the cluster of the scheduler at `scheduler_url`. No
/// connection is made until the first query runs.
///
/// # Errors
///
/// As [`client_state`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let ctx = seg_ballista::connect("df://127.0.0.1:50050", &seg_ballista::Functions::default()).await?;
/// assert!(ctx.state().scalar_functions().contains_key("abs"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn connect(scheduler_url: &str, functions: &Functions) -> Result<SessionContext, Error> {
    Ok(SessionContext::new_with_state(client_state(
        scheduler_url,
        functions,
    )?))
}

fn socket_address(host: &str, port: u16) -> Result<SocketAddr, Error> {
    let address = format!("{host}:{port}");
    address
        .parse()
        .map_err(|source| Error::Address { address, source })
}

/// Where a scheduler listens.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Address to listen on, e.g. `127.0.0.1`.
    pub bind_host: String,
    /// gRPC port (also serves `/healthz` and `/readyz` over HTTP).
    pub port: u16,
}

/// Runs a scheduler until ctrl-c or SIGTERM.
///
/// # Errors
///
/// [`Error::Address`] for a bad host, [`Error::Ballista`] when the server
/// cannot start or fails, [`Error::Signal`] when the signal handlers cannot
/// be installed.
pub async fn run_scheduler(options: &SchedulerOptions, functions: Functions) -> Result<(), Error> {
    let address = socket_address(&options.bind_host, options.port)?;
    let ballista = |source| Error::Ballista {
        role: "scheduler",
        source,
    };
    let config = SchedulerConfig::default()
        .with_hostname(options.bind_host.clone())
        .with_port(options.port)
        .with_override_session_builder(Arc::new(move |config: SessionConfig| {
            scheduler_session(config, &functions).map_err(|e| match e {
                Error::DataFusion(e) => e,
                other => DataFusionError::External(Box::new(other)),
            })
        }));
    let config = SchedulerConfig {
        bind_host: options.bind_host.clone(),
        ..config
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(ballista)?;
    tokio::select! {
        served = start_server(cluster, address, Arc::new(config)) => served.map_err(ballista),
        signal = shutdown_signal() => signal,
    }
}

/// Resolves on ctrl-c or SIGTERM.
async fn shutdown_signal() -> Result<(), Error> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(Error::Signal)?;
        tokio::select! {
            c = tokio::signal::ctrl_c() => c.map_err(Error::Signal),
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(Error::Signal)
    }
}

/// Where an executor listens and which scheduler it joins.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// Address to listen on and to advertise, e.g. `127.0.0.1`.
    pub bind_host: String,
    /// Arrow Flight port (shuffle and result data).
    pub port: u16,
    /// gRPC port (task launches from the scheduler).
    pub grpc_port: u16,
    /// Scheduler host.
    pub scheduler_host: String,
    /// Scheduler gRPC port.
    pub scheduler_port: u16,
    /// Directory for shuffle files; a temporary directory when `None`.
    pub work_dir: Option<PathBuf>,
    /// Tasks run at once (Ballista's vcores); all cores when `0`.
    pub concurrent_tasks: usize,
    /// Seconds to keep trying to reach the scheduler at start.
    pub scheduler_connect_timeout_seconds: u16,
}

/// Runs an executor until ctrl-c, SIGTERM or a stop request from the
/// scheduler (Ballista's executor handles the signals itself).
///
/// # Errors
///
/// [`Error::DataFusion`] when the function registry cannot be built,
/// [`Error::Ballista`] when the executor cannot start, cannot reach the
/// scheduler or fails.
pub async fn run_executor(options: &ExecutorOptions, functions: &Functions) -> Result<(), Error> {
    let registry = executor_registry(functions)?;
    let config = ExecutorProcessConfig {
        bind_host: options.bind_host.clone(),
        external_host: Some(options.bind_host.clone()),
        port: options.port,
        grpc_port: options.grpc_port,
        scheduler_host: options.scheduler_host.clone(),
        scheduler_port: options.scheduler_port,
        scheduler_connect_timeout_seconds: options.scheduler_connect_timeout_seconds,
        work_dir: options
            .work_dir
            .as_ref()
            .map(|d| d.to_string_lossy().into_owned()),
        override_function_registry: Some(Arc::new(registry)),
        ..ExecutorProcessConfig::default()
    };
    let config = if options.concurrent_tasks > 0 {
        ExecutorProcessConfig {
            vcores: options.concurrent_tasks,
            ..config
        }
    } else {
        config
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|source| Error::Ballista {
            role: "executor",
            source,
        })
}
