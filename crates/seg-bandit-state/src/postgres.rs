//! [`PostgresStore`]: the bandit state in a PostgreSQL database (feature
//! `postgres`), shared by any number of service replicas.

mod schema;

use std::collections::HashMap;
use std::fmt;
use std::thread;
use std::time::{Duration, Instant};

use postgres::config::Host;
use postgres::tls::{MakeTlsConnect, TlsConnect};
use postgres::types::FromSql;
use postgres::{Client, Config, NoTls, Socket, Statement, Transaction};

use crate::error::{BanditError, Result};
use crate::event::{Batch, Event, SegmentState};
use crate::experiment::Experiment;
use crate::postgres::schema::{MIGRATIONS, Migrated};
use crate::state::Prior;
use crate::store::StateStore;
use crate::stored::{Stored, count_to_sql};

/// How long an operation is retried after a transient failure (a lost
/// connection, a server restarting, a serialisation failure) by default.
pub const DEFAULT_RETRY_WINDOW: Duration = Duration::from_secs(10);

/// The connect timeout set when the configuration gives none, so that an
/// unreachable server fails a call instead of hanging it.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The artifact named in errors about stored values.
const ARTIFACT: &str = "PostgreSQL bandit database";
const STORED: Stored = Stored(ARTIFACT);

/// The first key of the two-key advisory lock that orders events: writers of
/// an experiment hold it shared until they commit, a reader of events takes
/// it exclusively for the instant of its read (see [`PostgresStore`]).
const EVENTS_LOCK_CLASS: i32 = 0x5E6B_0E75;

/// The second key of the events lock of an experiment: its id folded into
/// `integer` (two experiments sharing a key only wait for each other more).
fn events_lock_key(experiment_id: i64) -> i32 {
    i32::try_from(experiment_id & 0x7FFF_FFFF).unwrap_or(0)
}

/// The PostgreSQL store (feature `postgres`): the bandit state of many
/// service replicas in one PostgreSQL database (version 13 or newer).
///
/// # Why a synchronous client
/// [`StateStore`] is a synchronous trait whose methods take `&mut self`: one
/// store value is one connection, as with [`crate::SqliteStore`] and
/// rusqlite. The store therefore uses the synchronous [`postgres`] crate (a
/// thin wrapper over `tokio-postgres` that runs its own small runtime per
/// connection) rather than `tokio-postgres` behind a hand-written blocking
/// layer. An async service calls it from `tokio::task::spawn_blocking` or a
/// dedicated thread per connection, and never directly on an executor thread:
/// the client blocks, and tokio panics when the client's own runtime is
/// started (by connecting) or dropped (by dropping the store) on one. The
/// example `postgres_service` of this crate shows the pattern: a pool of
/// stores, `spawn_blocking` per call, a semaphore per connection.
///
/// # Schema
/// The schema of the SQLite store in PostgreSQL types, as embedded,
/// versioned migrations applied on open (table `schema_version`): tables
/// `experiments`, `variants`, `segments`, `variant_segment_state` (primary
/// key variant × segment: the prior and the success/failure totals, `BIGINT`)
/// and the append-only `events` (a trigger refuses `UPDATE`, `DELETE` and
/// `TRUNCATE`). The tables live in the first schema of the connection's
/// `search_path` (`public` by default; give each store its own schema with
/// `options=-c search_path=NAME` in the URL). Concurrent openers serialise on
/// an advisory lock; an older schema version is migrated in one transaction,
/// a newer one is [`BanditError::UnsupportedFormat`] and left unchanged.
/// Names are `BYTEA` holding their UTF-8 bytes, because PostgreSQL `TEXT`
/// cannot hold a NUL character and the store keeps every name verbatim
/// (read them in `psql` with `convert_from(name, 'UTF8')`). All SQL is
/// parameterised.
///
/// # What the store guarantees
/// - **Atomic batches, no lost update.** [`record`](StateStore::record) is
///   one `READ COMMITTED` transaction that increments the state row in place
///   (`successes = successes + $1`, which locks the row, so concurrent
///   writers of the same row queue instead of overwriting each other) and
///   appends the event in the same statement: the events replay exactly to
///   the state. An unseen segment is created in the same transaction (`INSERT
///   … ON CONFLICT DO NOTHING`, so racing creators agree).
/// - **Events in commit order.** Writers of an experiment hold a shared
///   advisory lock until they commit; [`events_since`](StateStore::events_since)
///   takes it exclusively before reading, so it never returns an event while
///   an event with a smaller `seq` is still uncommitted: paging with the last
///   `seq` read misses nothing.
/// - **Hot rows.** Writers of the same variant × segment row wait for its
///   lock until they commit, so one hot row takes one commit at a time
///   whatever the number of replicas; [`crate::BufferedRecorder`] merges a
///   writer's batches per row and records them once per flush interval.
/// - **Durability** is the server's: with PostgreSQL's default
///   `synchronous_commit = on`, a batch whose `record` returned is on disk.
/// - **Exactly once across failures.** Each batch carries an idempotency key
///   (`events.batch_key`, unique per experiment): a fresh one for
///   [`record`](StateStore::record), the caller's for
///   [`record_idempotent`](Self::record_idempotent). When the connection is
///   lost (a killed backend, a server restart, a network error) or the server
///   asks for a retry (serialisation failure, deadlock), the store reconnects
///   and runs the whole transaction again with the same key, for up to the
///   retry window ([`DEFAULT_RETRY_WINDOW`], see [`retry_window`](Self::retry_window));
///   a retry finds a batch that did commit by its key and does not add it
///   twice. When the window runs out, the error says whether the batch is
///   out ([`BanditError::Postgres`], "nothing was recorded") or whether its
///   commit was sent but never acknowledged
///   ([`BanditError::RecordOutcomeUnknown`], with the key to record it again
///   with). The next call reconnects, so a store recovers from any of these.
///
/// # TLS
/// [`connect`](Self::connect) uses [`postgres::NoTls`], right for a server on
/// loopback or a Unix socket. For a server across a network, pass a TLS
/// connector to [`connect_with_tls`](Self::connect_with_tls): e.g.
/// `postgres_openssl::MakeTlsConnector`, `postgres_native_tls::MakeTlsConnector`
/// or `tokio_postgres_rustls::MakeRustlsConnect` (crates of their own, not
/// dependencies of this one), with `sslmode=require` in the URL.
///
/// # Errors of the store methods
/// Besides the errors that [`StateStore`] names, a failing PostgreSQL
/// operation is [`BanditError::Postgres`] (the database, the operation and
/// the client's error as the source), a batch of unknown outcome is
/// [`BanditError::RecordOutcomeUnknown`], and a stored value that breaks an
/// invariant (a prior that is not finite and > 0, a negative count, a name
/// that is not UTF-8) is [`BanditError::InvalidArtifact`].
///
/// # Example
/// ```no_run
/// use seg_bandit_state::{Batch, Experiment, PostgresStore, Prior, StateStore};
///
/// let url = "postgres://seg_test:seg_test@127.0.0.1:5432/seg_test";
/// let mut store = PostgresStore::connect(url)?;
/// let experiment = Experiment::new("checkout", ["control", "green"], Prior::uniform())?;
/// store.create_experiment(&experiment)?;
/// store.record("checkout", &Batch::new("mobile", "green", 3, 17, 1_700_000_000)?)?;
/// // Another replica (here: a new connection) sees everything.
/// let mut other = PostgresStore::connect(url)?;
/// let green = &other.segment_states("checkout", "mobile")?[1];
/// assert!(green.successes >= 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PostgresStore {
    session: Option<Session>,
    /// A random UUID drawn by the server when the store connected: the
    /// prefix of the idempotency keys of [`StateStore::record`].
    key_prefix: String,
    /// The number of keys drawn.
    keys: u64,
    connect: Box<dyn FnMut() -> std::result::Result<Client, postgres::Error> + Send>,
    database: String,
    retry_window: Duration,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("database", &self.database)
            .field("connected", &self.session.is_some())
            .field("retry_window", &self.retry_window)
            .finish_non_exhaustive()
    }
}

/// One live connection with its prepared statements.
struct Session {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
}

/// Prepares `sql` once per connection.
fn prepared(
    cache: &mut HashMap<&'static str, Statement>,
    tx: &mut Transaction<'_>,
    sql: &'static str,
) -> std::result::Result<Statement, postgres::Error> {
    if let Some(statement) = cache.get(sql) {
        return Ok(statement.clone());
    }
    let statement = tx.prepare(sql)?;
    cache.insert(sql, statement.clone());
    Ok(statement)
}

/// `user@host:port/dbname` of a configuration, never its password.
fn describe(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => name.clone(),
            Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!(
        "{}@{}:{}/{}",
        config.get_user().unwrap_or(""),
        hosts.join(","),
        ports.join(","),
        config.get_dbname().unwrap_or("")
    )
}

/// True for the failures that running the whole transaction again (after
/// reconnecting when the connection is gone) can cure.
fn is_transient(error: &postgres::Error, connection_lost: bool) -> bool {
    if connection_lost || error.is_closed() {
        return true;
    }
    if let Some(db) = error.as_db_error() {
        let code = db.code().code();
        return code.starts_with("08")
            || matches!(code, "40001" | "40P01" | "57P01" | "57P02" | "57P03")
            // Another transaction committed the same idempotency key while
            // this one ran: the retry finds it.
            || (code == "23505" && db.constraint() == Some("events_batch_key"));
    }
    // No server error: an I/O error of the socket (refused, reset, timed out).
    std::error::Error::source(error).is_some_and(|s| s.is::<std::io::Error>())
}

impl PostgresStore {
    /// Connects without TLS to the database at `url` (a `postgres://` URL or
    /// a `key=value` connection string, as libpq reads them) and migrates its
    /// schema.
    ///
    /// A connect timeout of 5 s is set when `url` gives none.
    ///
    /// # Errors
    /// - [`BanditError::InvalidParameter`] (`url`) when `url` does not parse;
    /// - [`BanditError::Postgres`] when the server cannot be reached (after
    ///   the retry window), refuses the login, or the migration fails;
    /// - [`BanditError::UnsupportedFormat`] when the schema version is newer
    ///   than this release reads (its tables and rows are left unchanged).
    pub fn connect(url: &str) -> Result<Self> {
        let config: Config = url.parse().map_err(|_| BanditError::InvalidParameter {
            parameter: "url",
            // Never echo a password: name only the part before any `@`.
            value: redact(url),
            reason: "must be a PostgreSQL connection URL or key=value string",
        })?;
        Self::connect_with_tls(config, NoTls)
    }

    /// Connects with `config` and the TLS connector `tls` (cloned for every
    /// reconnection), and migrates the schema. See [`connect`](Self::connect).
    ///
    /// # Errors
    /// As [`connect`](Self::connect), except for parsing.
    pub fn connect_with_tls<T>(config: Config, tls: T) -> Result<Self>
    where
        T: MakeTlsConnect<Socket> + Clone + Send + 'static,
        T::TlsConnect: Send,
        T::Stream: Send,
        <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
    {
        let mut config = config;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        let database = describe(&config);
        let mut store = Self {
            session: None,
            key_prefix: String::new(),
            keys: 0,
            connect: Box::new(move || config.connect(tls.clone())),
            database,
            retry_window: DEFAULT_RETRY_WINDOW,
        };
        let migrated = store.run("migrate the schema", "", ("", ""), None, |session, _, _| {
            schema::migrate(&mut session.client, MIGRATIONS).map(Ok)
        })?;
        store.key_prefix =
            store.run("draw a key prefix", "", ("", ""), None, |session, _, _| {
                let row = session
                    .client
                    .query_one("SELECT gen_random_uuid()::text", &[])?;
                Ok(Ok(row.try_get::<_, String>(0)?))
            })?;
        match migrated {
            Migrated::To { .. } => Ok(store),
            Migrated::Newer { found, newest } => Err(BanditError::UnsupportedFormat {
                artifact: ARTIFACT,
                found: format!("schema version {found}"),
                expected: format!("schema versions up to {newest}"),
            }),
        }
    }

    /// Sets how long an operation is retried after a transient failure
    /// ([`DEFAULT_RETRY_WINDOW`] by default; zero tries once). Retries pause
    /// 5 ms, 10 ms, … up to 0.5 s.
    #[must_use]
    pub fn retry_window(mut self, window: Duration) -> Self {
        self.retry_window = window;
        self
    }

    /// The database, as `user@host:port/dbname` (no password).
    #[must_use]
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The schema version this release writes.
    #[must_use]
    pub fn schema_version() -> i64 {
        MIGRATIONS.last().map_or(0, |m| m.version)
    }

    /// Records `batch` under the caller's idempotency `key`, exactly once:
    /// when a batch of this experiment was already recorded with `key`, its
    /// event is returned and nothing is added.
    ///
    /// [`StateStore::record`] draws a fresh key itself and retries with it,
    /// which covers failures inside one call. Use this method when the
    /// caller itself may send a batch twice — a retried request, a message
    /// queue that delivers at least once, or a retry after
    /// [`BanditError::RecordOutcomeUnknown`] — with a key that names the
    /// batch (e.g. a request id). Keys are stored in `events.batch_key`,
    /// unique per experiment. (A store-specific method rather than a new
    /// [`StateStore`] method: only a store reached over a network has an
    /// acknowledgement that can be lost.)
    ///
    /// # Errors
    /// As [`StateStore::record`]; [`BanditError::InvalidParameter`] (`key`)
    /// for an empty key, or a key already used for a different batch (other
    /// segment, variant, counts or timestamp).
    pub fn record_idempotent(
        &mut self,
        experiment: &str,
        key: &str,
        batch: &Batch,
    ) -> Result<Event> {
        if key.is_empty() {
            return Err(BanditError::InvalidParameter {
                parameter: "key",
                value: String::new(),
                reason: "must not be empty",
            });
        }
        self.record_with_key(experiment, Some(key), batch)
    }

    /// A key that no other batch has: the store's UUID and a counter.
    fn next_key(&mut self) -> String {
        self.keys += 1;
        format!("{}/{}", self.key_prefix, self.keys)
    }

    /// The live session, connecting first when there is none.
    fn session(&mut self) -> std::result::Result<&mut Session, postgres::Error> {
        let session = match self.session.take() {
            Some(session) => session,
            None => Session {
                client: (self.connect)()?,
                prepared: HashMap::new(),
            },
        };
        Ok(self.session.insert(session))
    }

    /// Runs `op` (a whole transaction, given the attempt number and a flag
    /// it sets just before sending `COMMIT`) until it succeeds, fails for
    /// good, or the retry window runs out, reconnecting whenever the
    /// connection was lost. Turns its two kinds of failure into
    /// [`BanditError`]s naming `experiment` and `names` (segment, variant);
    /// `key` is the idempotency key when `op` records a batch.
    fn run<T>(
        &mut self,
        operation: &'static str,
        experiment: &str,
        names: (&str, &str),
        key: Option<&str>,
        mut op: impl FnMut(&mut Session, u32, &mut bool) -> TxResult<T>,
    ) -> Result<T> {
        let deadline = Instant::now() + self.retry_window;
        let mut pause = Duration::from_millis(5);
        let mut maybe_committed = false;
        let mut attempt = 0_u32;
        loop {
            let mut commit_sent = false;
            let error = match self
                .session()
                .and_then(|session| op(session, attempt, &mut commit_sent))
            {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(refused)) => return Err(self.refused(refused, experiment, names)),
                Err(error) => error,
            };
            // An ordinary server error answering COMMIT means it was not
            // committed; no answer at all, or the server closing the session
            // (class 08, 57P0x: the commit may have been written first),
            // leaves the outcome open until a retry settles it.
            let session_ended = error.code().is_none_or(|code| {
                let code = code.code();
                code.starts_with("08") || code.starts_with("57P")
            });
            let lost = self.session.as_ref().is_none_or(|s| s.client.is_closed());
            // A session the server ended is dropped even before the client
            // has noticed the closed socket, so that the next call reconnects.
            if lost || session_ended {
                self.session = None;
            }
            if commit_sent && session_ended {
                maybe_committed = true;
            }
            if is_transient(&error, lost) && Instant::now() + pause < deadline {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(500));
                attempt = attempt.saturating_add(1);
                continue;
            }
            return Err(match key {
                Some(key) if maybe_committed => BanditError::RecordOutcomeUnknown {
                    database: self.database.clone(),
                    experiment: experiment.to_owned(),
                    key: key.to_owned(),
                    source: error,
                },
                _ => BanditError::Postgres {
                    database: self.database.clone(),
                    operation,
                    source: error,
                },
            });
        }
    }

    fn refused(&self, refused: Refused, experiment: &str, names: (&str, &str)) -> BanditError {
        let (segment, variant) = names;
        match refused {
            Refused::UnknownExperiment => BanditError::UnknownExperiment {
                experiment: experiment.to_owned(),
            },
            Refused::UnknownVariant => BanditError::UnknownVariant {
                experiment: experiment.to_owned(),
                variant: variant.to_owned(),
            },
            Refused::UnknownSegment => BanditError::UnknownSegment {
                experiment: experiment.to_owned(),
                segment: segment.to_owned(),
            },
            Refused::Overflow {
                parameter,
                total,
                add,
            } => BanditError::InvalidParameter {
                parameter,
                value: add.to_string(),
                reason: if total >= 0 {
                    "the total of the variant in the segment would exceed i64::MAX"
                } else {
                    "the stored total is negative"
                },
            },
            Refused::KeyReused(key) => BanditError::InvalidParameter {
                parameter: "key",
                value: key,
                reason: "was already used for a different batch of this experiment",
            },
            Refused::Invalid(error) => error,
        }
    }

    /// Records `batch` with `key` (drawn when `None`) through [`Self::run`].
    fn record_with_key(
        &mut self,
        experiment: &str,
        key: Option<&str>,
        batch: &Batch,
    ) -> Result<Event> {
        let successes = count_to_sql("successes", batch.successes())?;
        let failures = count_to_sql("failures", batch.failures())?;
        let (key, fresh) = match key {
            Some(key) => (key.to_owned(), false),
            None => (self.next_key(), true),
        };
        let (seq, timestamp) = self.run(
            "record a batch (nothing was recorded)",
            experiment,
            (batch.segment(), batch.variant()),
            Some(&key),
            |session, attempt, commit_sent| {
                // A fresh key cannot be in the table before the first try.
                let look_up_key = !fresh || attempt > 0;
                record_tx(
                    session,
                    experiment,
                    &key,
                    look_up_key,
                    batch,
                    (successes, failures),
                    commit_sent,
                )
            },
        )?;
        Ok(Event {
            seq: STORED.count("events.seq", seq)?,
            timestamp,
            experiment: experiment.to_owned(),
            segment: batch.segment().to_owned(),
            variant: batch.variant().to_owned(),
            successes: batch.successes(),
            failures: batch.failures(),
        })
    }
}

/// A connection URL with any password removed, for an error message.
fn redact(url: &str) -> String {
    match url.rfind('@') {
        Some(at) => format!("…{}", &url[at..]),
        None if url.contains("password") => "(a connection string with a password)".to_owned(),
        None => url.to_owned(),
    }
}

/// Why a transaction refused a request: kept apart from the PostgreSQL
/// errors so that only the latter are retried. Nothing was written when a
/// transaction returns one of these.
#[derive(Debug)]
enum Refused {
    UnknownExperiment,
    UnknownVariant,
    UnknownSegment,
    Overflow {
        parameter: &'static str,
        total: i64,
        add: i64,
    },
    KeyReused(String),
    Invalid(BanditError),
}

/// A transaction's result: the PostgreSQL error (retried when transient)
/// outside, the refusal inside.
type TxResult<T> = std::result::Result<std::result::Result<T, Refused>, postgres::Error>;

/// Decodes a stored name (`BYTEA` holding UTF-8).
fn name_from_sql(what: &str, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| BanditError::InvalidArtifact {
        artifact: ARTIFACT,
        reason: format!("{what} name is not UTF-8: {e}"),
    })
}

/// The id and default prior of the experiment named `name`.
fn experiment_row(
    tx: &mut Transaction<'_>,
    cache: &mut HashMap<&'static str, Statement>,
    name: &str,
) -> std::result::Result<Option<(i64, f64, f64)>, postgres::Error> {
    let stmt = prepared(
        cache,
        tx,
        "SELECT id, prior_alpha, prior_beta FROM experiments WHERE name = $1",
    )?;
    tx.query_opt(&stmt, &[&name.as_bytes()])?
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .transpose()
}

/// The variant names of an experiment, in order (raw bytes).
fn variant_names(
    tx: &mut Transaction<'_>,
    cache: &mut HashMap<&'static str, Statement>,
    experiment_id: i64,
) -> std::result::Result<Vec<Vec<u8>>, postgres::Error> {
    let stmt = prepared(
        cache,
        tx,
        "SELECT name FROM variants WHERE experiment_id = $1 ORDER BY position",
    )?;
    tx.query(&stmt, &[&experiment_id])?
        .iter()
        .map(|r| r.try_get(0))
        .collect()
}

/// The stored definition of an experiment.
fn load_experiment(
    tx: &mut Transaction<'_>,
    cache: &mut HashMap<&'static str, Statement>,
    name: &str,
) -> TxResult<Experiment> {
    let Some((id, alpha, beta)) = experiment_row(tx, cache, name)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let variants = variant_names(tx, cache, id)?;
    let checked = variants
        .into_iter()
        .map(|v| name_from_sql("variant", v))
        .collect::<Result<Vec<_>>>()
        .and_then(|variants| {
            let prior = STORED.prior("experiment", alpha, beta)?;
            Experiment::new(name, variants, prior)
        })
        .map_err(|e| {
            Refused::Invalid(match e {
                e @ BanditError::InvalidArtifact { .. } => e,
                other => BanditError::InvalidArtifact {
                    artifact: ARTIFACT,
                    reason: format!("experiment {name:?}: {other}"),
                },
            })
        });
    Ok(checked)
}

/// Creates the experiment; an existing one of this name is compared with it.
fn create_experiment_tx(session: &mut Session, experiment: &Experiment) -> TxResult<bool> {
    let Session {
        client,
        prepared: cache,
    } = session;
    let mut tx = client.transaction()?;
    let prior = experiment.prior();
    let stmt = prepared(
        cache,
        &mut tx,
        "INSERT INTO experiments (name, prior_alpha, prior_beta) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO NOTHING RETURNING id",
    )?;
    let inserted = tx.query_opt(
        &stmt,
        &[&experiment.name().as_bytes(), &prior.alpha(), &prior.beta()],
    )?;
    let Some(row) = inserted else {
        // Created by someone else (perhaps a moment ago: ON CONFLICT waited
        // for that transaction to commit, and this statement sees it).
        return Ok(match load_experiment(&mut tx, cache, experiment.name())? {
            Ok(stored) => stored
                .check_same_as(experiment)
                .map(|()| false)
                .map_err(Refused::Invalid),
            Err(refused) => Err(refused),
        });
    };
    let id: i64 = row.try_get(0)?;
    let insert = prepared(
        cache,
        &mut tx,
        "INSERT INTO variants (experiment_id, position, name) VALUES ($1, $2, $3)",
    )?;
    for (position, variant) in (0_i32..).zip(experiment.variants()) {
        tx.execute(&insert, &[&id, &position, &variant.as_bytes()])?;
    }
    tx.commit()?;
    Ok(Ok(true))
}

/// The id of `segment`, creating it (with `priors`, one per variant in
/// order, or the experiment's prior for all) when absent; `true` when created.
fn ensure_segment(
    tx: &mut Transaction<'_>,
    cache: &mut HashMap<&'static str, Statement>,
    experiment_id: i64,
    segment: &str,
    priors: Option<&[Prior]>,
) -> std::result::Result<(i64, bool), postgres::Error> {
    let select = prepared(
        cache,
        tx,
        "SELECT id FROM segments WHERE experiment_id = $1 AND name = $2",
    )?;
    if let Some(row) = tx.query_opt(&select, &[&experiment_id, &segment.as_bytes()])? {
        return Ok((row.try_get(0)?, false));
    }
    let insert = prepared(
        cache,
        tx,
        "INSERT INTO segments (experiment_id, name) VALUES ($1, $2)
         ON CONFLICT (experiment_id, name) DO NOTHING RETURNING id",
    )?;
    let Some(row) = tx.query_opt(&insert, &[&experiment_id, &segment.as_bytes()])? else {
        // Another transaction created it and has committed (ON CONFLICT
        // waited for it): this statement's snapshot sees it.
        let row = tx.query_one(&select, &[&experiment_id, &segment.as_bytes()])?;
        return Ok((row.try_get(0)?, false));
    };
    let id: i64 = row.try_get(0)?;
    match priors {
        None => {
            let stmt = prepared(
                cache,
                tx,
                "INSERT INTO variant_segment_state (variant_id, segment_id, prior_alpha, prior_beta)
                 SELECT v.id, $2, e.prior_alpha, e.prior_beta
                 FROM variants v JOIN experiments e ON e.id = v.experiment_id
                 WHERE v.experiment_id = $1",
            )?;
            tx.execute(&stmt, &[&experiment_id, &id])?;
        }
        Some(priors) => {
            let variants = prepared(
                cache,
                tx,
                "SELECT id FROM variants WHERE experiment_id = $1 ORDER BY position",
            )?;
            let ids = tx
                .query(&variants, &[&experiment_id])?
                .iter()
                .map(|r| r.try_get::<_, i64>(0))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let insert = prepared(
                cache,
                tx,
                "INSERT INTO variant_segment_state (variant_id, segment_id, prior_alpha, prior_beta)
                 VALUES ($1, $2, $3, $4)",
            )?;
            for (variant_id, prior) in ids.iter().zip(priors) {
                tx.execute(&insert, &[variant_id, &id, &prior.alpha(), &prior.beta()])?;
            }
        }
    }
    Ok((id, true))
}

/// Creates a segment with explicit priors.
fn create_segment_tx(
    session: &mut Session,
    experiment: &str,
    segment: &str,
    priors: &[Prior],
) -> TxResult<bool> {
    let Session {
        client,
        prepared: cache,
    } = session;
    let mut tx = client.transaction()?;
    let Some((experiment_id, _, _)) = experiment_row(&mut tx, cache, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let n_variants = variant_names(&mut tx, cache, experiment_id)?.len();
    if priors.len() != n_variants {
        return Ok(Err(Refused::Invalid(BanditError::InvalidParameter {
            parameter: "priors",
            value: priors.len().to_string(),
            reason: "must be one prior per variant of the experiment",
        })));
    }
    let (_, created) = ensure_segment(&mut tx, cache, experiment_id, segment, Some(priors))?;
    tx.commit()?;
    Ok(Ok(created))
}

/// Records one batch: holds the experiment's events lock shared, finds a
/// batch already recorded with `key` (when `look_up_key`), creates the
/// segment on first use, then increments the state row and appends the event
/// in one statement, and commits. Returns the event's `seq` and timestamp.
fn record_tx(
    session: &mut Session,
    experiment: &str,
    key: &str,
    look_up_key: bool,
    batch: &Batch,
    (successes, failures): (i64, i64),
    commit_sent: &mut bool,
) -> TxResult<(i64, i64)> {
    let Session {
        client,
        prepared: cache,
    } = session;
    let mut tx = client.transaction()?;
    let stmt = prepared(
        cache,
        &mut tx,
        "SELECT e.id, (SELECT v.id FROM variants v WHERE v.experiment_id = e.id AND v.name = $2)
         FROM experiments e WHERE e.name = $1",
    )?;
    let Some(row) = tx.query_opt(
        &stmt,
        &[&experiment.as_bytes(), &batch.variant().as_bytes()],
    )?
    else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let experiment_id: i64 = row.try_get(0)?;
    let Some(variant_id) = row.try_get::<_, Option<i64>>(1)? else {
        return Ok(Err(Refused::UnknownVariant));
    };
    let lock = prepared(
        cache,
        &mut tx,
        "SELECT pg_advisory_xact_lock_shared($1, $2)",
    )?;
    tx.execute(
        &lock,
        &[&EVENTS_LOCK_CLASS, &events_lock_key(experiment_id)],
    )?;
    if look_up_key {
        let stmt = prepared(
            cache,
            &mut tx,
            "SELECT e.seq, e.timestamp, s.name, v.name, e.successes, e.failures
             FROM events e
             JOIN segments s ON s.id = e.segment_id
             JOIN variants v ON v.id = e.variant_id
             WHERE e.experiment_id = $1 AND e.batch_key = $2",
        )?;
        if let Some(row) = tx.query_opt(&stmt, &[&experiment_id, &key])? {
            let stored: EventRow = six_columns(&row)?;
            let (seq, timestamp, segment, variant, s, f) = stored;
            let same = segment == batch.segment().as_bytes()
                && variant == batch.variant().as_bytes()
                && (s, f) == (successes, failures)
                && timestamp == batch.timestamp();
            return Ok(if same {
                Ok((seq, timestamp))
            } else {
                Err(Refused::KeyReused(key.to_owned()))
            });
        }
    }
    let (segment_id, _) = ensure_segment(&mut tx, cache, experiment_id, batch.segment(), None)?;
    // The increment and the event in one statement; the row is locked from
    // here to the commit, so this is the whole time a hot row is held. The
    // WHERE clause refuses a total beyond i64::MAX (the UPDATE then changes
    // no row and the event is not inserted).
    let stmt = prepared(
        cache,
        &mut tx,
        "WITH state AS (
             UPDATE variant_segment_state
             SET successes = successes + $1, failures = failures + $2
             WHERE variant_id = $3 AND segment_id = $4
               AND successes <= 9223372036854775807 - $1
               AND failures <= 9223372036854775807 - $2
             RETURNING 1
         ), event AS (
             INSERT INTO events
                 (timestamp, experiment_id, segment_id, variant_id, successes, failures, batch_key)
             SELECT $5::bigint, $6::bigint, $4::bigint, $3::bigint, $1::bigint, $2::bigint, $7::text
             WHERE EXISTS (SELECT 1 FROM state)
             RETURNING seq
         )
         SELECT (SELECT seq FROM event)",
    )?;
    let seq: Option<i64> = tx
        .query_one(
            &stmt,
            &[
                &successes,
                &failures,
                &variant_id,
                &segment_id,
                &batch.timestamp(),
                &experiment_id,
                &key,
            ],
        )?
        .try_get(0)?;
    let Some(seq) = seq else {
        let stmt = prepared(
            cache,
            &mut tx,
            "SELECT successes, failures FROM variant_segment_state
             WHERE variant_id = $1 AND segment_id = $2",
        )?;
        let row = tx.query_one(&stmt, &[&variant_id, &segment_id])?;
        let (total_successes, total_failures): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        let (parameter, total, add) = if total_successes.checked_add(successes).is_none() {
            ("successes", total_successes, successes)
        } else {
            ("failures", total_failures, failures)
        };
        return Ok(Err(Refused::Overflow {
            parameter,
            total,
            add,
        }));
    };
    *commit_sent = true;
    tx.commit()?;
    Ok(Ok((seq, batch.timestamp())))
}

/// One state row as read: segment, variant, prior, totals.
type StateRow = (Vec<u8>, Vec<u8>, f64, f64, i64, i64);

/// Reads state rows of an experiment (of one segment when given), segments in
/// creation order and variants in the experiment's order, in one statement.
fn states_tx(
    session: &mut Session,
    experiment: &str,
    segment: Option<&str>,
) -> TxResult<Vec<StateRow>> {
    let Session {
        client,
        prepared: cache,
    } = session;
    let mut tx = client.transaction()?;
    let Some((experiment_id, _, _)) = experiment_row(&mut tx, cache, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let segment_id: Option<i64> = match segment {
        None => None,
        Some(name) => {
            let stmt = prepared(
                cache,
                &mut tx,
                "SELECT id FROM segments WHERE experiment_id = $1 AND name = $2",
            )?;
            match tx.query_opt(&stmt, &[&experiment_id, &name.as_bytes()])? {
                Some(row) => Some(row.try_get(0)?),
                None => return Ok(Err(Refused::UnknownSegment)),
            }
        }
    };
    let stmt = prepared(
        cache,
        &mut tx,
        "SELECT s.name, v.name, st.prior_alpha, st.prior_beta, st.successes, st.failures
         FROM variant_segment_state st
         JOIN segments s ON s.id = st.segment_id
         JOIN variants v ON v.id = st.variant_id
         WHERE s.experiment_id = $1 AND ($2::bigint IS NULL OR s.id = $2::bigint)
         ORDER BY s.id, v.position",
    )?;
    let rows = tx
        .query(&stmt, &[&experiment_id, &segment_id])?
        .iter()
        .map(six_columns)
        .collect::<std::result::Result<Vec<StateRow>, postgres::Error>>()?;
    tx.commit()?;
    Ok(Ok(rows))
}

/// The first six columns of a row, typed as the caller's tuple.
fn six_columns<A, B, C, D, E, F>(
    row: &postgres::Row,
) -> std::result::Result<(A, B, C, D, E, F), postgres::Error>
where
    A: for<'a> FromSql<'a>,
    B: for<'a> FromSql<'a>,
    C: for<'a> FromSql<'a>,
    D: for<'a> FromSql<'a>,
    E: for<'a> FromSql<'a>,
    F: for<'a> FromSql<'a>,
{
    Ok((
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
        row.try_get(4)?,
        row.try_get(5)?,
    ))
}

/// One event row as read: seq, timestamp, segment, variant, successes, failures.
type EventRow = (i64, i64, Vec<u8>, Vec<u8>, i64, i64);

/// Reads at most `limit` events of an experiment after `after`, holding the
/// experiment's events lock exclusively: every writer that took a `seq` has
/// committed or rolled back, so no smaller `seq` can appear later.
fn events_tx(
    session: &mut Session,
    experiment: &str,
    after: i64,
    limit: i64,
) -> TxResult<Vec<EventRow>> {
    let Session {
        client,
        prepared: cache,
    } = session;
    let mut tx = client.transaction()?;
    let Some((experiment_id, _, _)) = experiment_row(&mut tx, cache, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let lock = prepared(cache, &mut tx, "SELECT pg_advisory_xact_lock($1, $2)")?;
    tx.execute(
        &lock,
        &[&EVENTS_LOCK_CLASS, &events_lock_key(experiment_id)],
    )?;
    // READ COMMITTED: this statement's snapshot is taken after the lock.
    let stmt = prepared(
        cache,
        &mut tx,
        "SELECT e.seq, e.timestamp, s.name, v.name, e.successes, e.failures
         FROM events e
         JOIN segments s ON s.id = e.segment_id
         JOIN variants v ON v.id = e.variant_id
         WHERE e.experiment_id = $1 AND e.seq > $2
         ORDER BY e.seq
         LIMIT $3",
    )?;
    let rows = tx
        .query(&stmt, &[&experiment_id, &after, &limit])?
        .iter()
        .map(six_columns)
        .collect::<std::result::Result<Vec<EventRow>, postgres::Error>>()?;
    tx.commit()?;
    Ok(Ok(rows))
}

/// Counts the events of an experiment.
fn event_count_tx(session: &mut Session, experiment: &str) -> TxResult<i64> {
    let Session {
        client,
        prepared: cache,
    } = session;
    let mut tx = client.transaction()?;
    let Some((experiment_id, _, _)) = experiment_row(&mut tx, cache, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let stmt = prepared(
        cache,
        &mut tx,
        "SELECT count(*) FROM events WHERE experiment_id = $1",
    )?;
    let n = tx.query_one(&stmt, &[&experiment_id])?.try_get(0)?;
    tx.commit()?;
    Ok(Ok(n))
}

fn segment_state(row: StateRow) -> Result<SegmentState> {
    let (segment, variant, alpha, beta, successes, failures) = row;
    let names = (
        name_from_sql("segment", segment)?,
        name_from_sql("variant", variant)?,
    );
    STORED.segment_state(names, (alpha, beta), (successes, failures))
}

impl StateStore for PostgresStore {
    fn create_experiment(&mut self, experiment: &Experiment) -> Result<bool> {
        self.run(
            "create an experiment",
            experiment.name(),
            ("", ""),
            None,
            |session, _, _| create_experiment_tx(session, experiment),
        )
    }

    fn experiment(&mut self, experiment: &str) -> Result<Experiment> {
        self.run(
            "read an experiment",
            experiment,
            ("", ""),
            None,
            |session, _, _| {
                let Session {
                    client,
                    prepared: cache,
                } = session;
                let mut tx = client.transaction()?;
                let loaded = load_experiment(&mut tx, cache, experiment)?;
                tx.commit()?;
                Ok(loaded)
            },
        )
    }

    fn create_segment(
        &mut self,
        experiment: &str,
        segment: &str,
        priors: &[Prior],
    ) -> Result<bool> {
        crate::experiment::check_name("segment", segment)?;
        self.run(
            "create a segment",
            experiment,
            (segment, ""),
            None,
            |session, _, _| create_segment_tx(session, experiment, segment, priors),
        )
    }

    /// Records `batch` under a fresh idempotency key, retried with that key
    /// after a transient failure (see [`PostgresStore`]).
    fn record(&mut self, experiment: &str, batch: &Batch) -> Result<Event> {
        self.record_with_key(experiment, None, batch)
    }

    fn segment_states(&mut self, experiment: &str, segment: &str) -> Result<Vec<SegmentState>> {
        self.run(
            "read the states of a segment",
            experiment,
            (segment, ""),
            None,
            |session, _, _| states_tx(session, experiment, Some(segment)),
        )?
        .into_iter()
        .map(segment_state)
        .collect()
    }

    fn all_states(&mut self, experiment: &str) -> Result<Vec<SegmentState>> {
        self.run(
            "read all states",
            experiment,
            ("", ""),
            None,
            |session, _, _| states_tx(session, experiment, None),
        )?
        .into_iter()
        .map(segment_state)
        .collect()
    }

    fn events_since(&mut self, experiment: &str, after: u64, limit: usize) -> Result<Vec<Event>> {
        // Sequence numbers are at most i64::MAX: a larger `after` reads
        // nothing, as does a limit of 0; a limit above i64::MAX is no limit.
        let Ok(after) = i64::try_from(after) else {
            self.event_count(experiment)?;
            return Ok(Vec::new());
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(
            "read events",
            experiment,
            ("", ""),
            None,
            |session, _, _| events_tx(session, experiment, after, limit),
        )?
        .into_iter()
        .map(|(seq, timestamp, segment, variant, successes, failures)| {
            let what = format!("event {seq}");
            Ok(Event {
                seq: STORED.count("events.seq", seq)?,
                timestamp,
                experiment: experiment.to_owned(),
                successes: STORED.count(&format!("{what} successes"), successes)?,
                failures: STORED.count(&format!("{what} failures"), failures)?,
                segment: name_from_sql(&what, segment)?,
                variant: name_from_sql(&what, variant)?,
            })
        })
        .collect()
    }

    fn event_count(&mut self, experiment: &str) -> Result<u64> {
        let n = self.run(
            "count events",
            experiment,
            ("", ""),
            None,
            |session, _, _| event_count_tx(session, experiment),
        )?;
        STORED.count("event count", n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_store_is_send() {
        fn check<T: Send>() {}
        check::<PostgresStore>();
    }

    #[test]
    fn a_url_in_an_error_never_shows_its_password() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "…@h:5432/db");
        assert!(!redact("host=h password=secret").contains("secret"));
        assert_eq!(redact("host=h user=u"), "host=h user=u");
    }

    #[test]
    fn a_bad_url_is_an_invalid_parameter_naming_url() {
        assert!(matches!(
            PostgresStore::connect("postgres://u:secret@h:notaport/db"),
            Err(BanditError::InvalidParameter { parameter: "url", ref value, .. })
                if !value.contains("secret")
        ));
    }

    #[test]
    fn the_description_of_a_database_has_no_password() {
        let config: Config = "postgres://u:secret@h:5433/db".parse().unwrap();
        assert_eq!(describe(&config), "u@h:5433/db");
    }

    /// A store on the schema `seg_test_unit_<tag>` of the test server, or
    /// `None` without `SEG_POSTGRES_URL` (a failure under
    /// `SEG_REQUIRE_POSTGRES=1`).
    fn test_store(tag: &str) -> Option<PostgresStore> {
        let Ok(url) = std::env::var("SEG_POSTGRES_URL") else {
            assert!(
                std::env::var("SEG_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "SEG_REQUIRE_POSTGRES=1 but SEG_POSTGRES_URL is not set"
            );
            eprintln!("skipped: SEG_POSTGRES_URL is not set");
            return None;
        };
        let schema = format!("seg_test_unit_{tag}");
        let mut admin = Client::connect(&url, NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "SET client_min_messages = warning;
                 DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
            ))
            .unwrap();
        let mut config: Config = url.parse().unwrap();
        config.options(&format!("-c search_path={schema}"));
        Some(PostgresStore::connect_with_tls(config, NoTls).unwrap())
    }

    #[test]
    fn a_session_ended_after_commit_was_sent_is_an_unknown_outcome_naming_the_key() {
        let Some(store) = test_store("unknown_outcome") else {
            return;
        };
        let mut store = store.retry_window(Duration::ZERO);
        // The server ends the session while the commit is in flight: here by
        // terminating its own backend after flagging the commit as sent.
        let err = store
            .run(
                "record a batch (nothing was recorded)",
                "e",
                ("s", "v"),
                Some("key-7"),
                |session, _, commit_sent| {
                    *commit_sent = true;
                    session
                        .client
                        .batch_execute("SELECT pg_terminate_backend(pg_backend_pid())")?;
                    Ok(Ok(()))
                },
            )
            .unwrap_err();
        assert!(
            matches!(err, BanditError::RecordOutcomeUnknown { ref key, ref experiment, .. }
                if key == "key-7" && experiment == "e"),
            "{err}"
        );
        // The same failure before the commit was sent: nothing recorded.
        let err = store
            .run(
                "record a batch (nothing was recorded)",
                "e",
                ("s", "v"),
                Some("key-8"),
                |session, _, _| {
                    session
                        .client
                        .batch_execute("SELECT pg_terminate_backend(pg_backend_pid())")?;
                    Ok(Ok(()))
                },
            )
            .unwrap_err();
        assert!(
            matches!(err, BanditError::Postgres { operation, .. } if operation.contains("nothing")),
            "{err}"
        );
        // And the store works again.
        assert!(matches!(
            store.event_count("e"),
            Err(BanditError::UnknownExperiment { .. })
        ));
    }

    #[test]
    fn a_transient_failure_is_retried_within_the_window() {
        let Some(mut store) = test_store("retry") else {
            return;
        };
        let mut attempts = 0;
        let value = store
            .run("count", "e", ("", ""), None, |session, attempt, _| {
                attempts += 1;
                if attempt < 2 {
                    session
                        .client
                        .batch_execute("SELECT pg_terminate_backend(pg_backend_pid())")?;
                }
                Ok(Ok(attempt))
            })
            .unwrap();
        assert_eq!((value, attempts), (2, 3));
    }

    #[test]
    fn the_events_lock_key_is_a_non_negative_integer() {
        assert_eq!(events_lock_key(7), 7);
        assert_eq!(events_lock_key(i64::MAX), i32::MAX);
        assert!(events_lock_key(1 << 40) >= 0);
    }
}
