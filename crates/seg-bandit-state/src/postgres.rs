//! [`PostgresStore`]: the bandit state in a PostgreSQL database (feature
//! `postgres`), shared by any number of service replicas.
//!
//! The store is split by job: `connect` holds sessions and transactions with
//! prepared statements (and describes a database without its password),
//! `retry` runs a transaction again after a transient failure, `transactions`
//! and `record` are the transactions of each operation, `events_lock` the
//! advisory lock that orders events, `rows` reads rows and `schema` is the
//! PostgreSQL dialect of the versioned schema. What does not depend on the
//! database (checks before a write, the rows read back, the schema version,
//! the SQL both stores share, the `StateStore` methods) lives in
//! [`crate::store`] and [`crate::stored`].

mod connect;
mod decisions;
mod events_lock;
mod record;
mod retry;
mod rows;
mod schema;
mod transactions;

use std::fmt;
use std::time::Duration;

use postgres::tls::{MakeTlsConnect, TlsConnect};
use postgres::{Client, Config, NoTls, Socket};

use crate::error::{BanditError, Result};
use crate::event::{Batch, Event};
#[cfg(doc)]
use crate::store::StateStore;
use crate::store::events::recorded_event;
use crate::store::schema::SCHEMA_VERSION;
use crate::store::transactions::sql_state_store;
use crate::stored::{Stored, batch_counts};

/// How long an operation is retried after a transient failure (a lost
/// connection, a server restarting, a serialisation failure) by default.
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub const DEFAULT_RETRY_WINDOW: Duration = Duration::from_secs(10);

/// The artifact named in errors about stored values.
const ARTIFACT: &str = "PostgreSQL bandit database";
const STORED: Stored = Stored(ARTIFACT);

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
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub struct PostgresStore {
    session: Option<connect::Session>,
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
    ///
    /// # Example
    /// ``` no_run
    /// use seg_bandit_state::{BanditError, PostgresStore, StateStore};
    ///
    /// // Needs a running server: compiled, not run, by the documentation tests.
    /// let mut store = PostgresStore::connect("postgres://seg_test:seg_test@127.0.0.1:5432/seg_test")?;
    /// assert!(store.event_count("no such experiment").is_err());
    /// // A malformed URL is refused before connecting, without echoing a password.
    /// assert!(matches!(
    ///     PostgresStore::connect("postgres://seg_test:secret@127.0.0.1:notaport/seg_test"),
    ///     Err(BanditError::InvalidParameter { parameter: "url", ref value, .. }) if !value.contains("secret")
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connect(url: &str) -> Result<Self> {
        let config: Config = url.parse().map_err(|_| BanditError::InvalidParameter {
            parameter: "url",
            // Never echo a password: name only the part before any `@`.
            value: connect::redact(url),
            reason: "must be a PostgreSQL connection URL or key=value string",
        })?;
        Self::connect_with_tls(config, NoTls)
    }

    /// Connects with `config` and the TLS connector `tls` (cloned for every
    /// reconnection), and migrates the schema. See [`connect`](Self::connect).
    ///
    /// # Errors
    /// As [`connect`](Self::connect), except for parsing.
    ///
    /// # Example
    /// ``` no_run
    /// use seg_bandit_state::PostgresStore;
    ///
    /// // Needs a running server: compiled, not run, by the documentation tests.
    /// // `NoTls` stands in for a TLS connector such as
    /// // `postgres_openssl::MakeTlsConnector` (with `sslmode=require`).
    /// let mut config = postgres::Config::new();
    /// config
    ///     .host("127.0.0.1")
    ///     .port(5432)
    ///     .user("seg_test")
    ///     .password("seg_test")
    ///     .dbname("seg_test");
    /// let store = PostgresStore::connect_with_tls(config, postgres::NoTls)?;
    /// assert_eq!(store.database(), "seg_test@127.0.0.1:5432/seg_test");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connect_with_tls<T>(config: Config, tls: T) -> Result<Self>
    where
        T: MakeTlsConnect<Socket> + Clone + Send + 'static,
        T::TlsConnect: Send,
        T::Stream: Send,
        <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
    {
        let mut config = config;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(connect::DEFAULT_CONNECT_TIMEOUT);
        }
        let database = connect::describe(&config);
        let mut store = Self {
            session: None,
            key_prefix: String::new(),
            keys: 0,
            connect: Box::new(move || config.connect(tls.clone())),
            database,
            retry_window: DEFAULT_RETRY_WINDOW,
        };
        let migrated = store.run("migrate the schema", "", ("", ""), None, |session, _, _| {
            schema::migrate(&mut session.client, schema::MIGRATIONS).map(Ok)
        })?;
        store.key_prefix =
            store.run("draw a key prefix", "", ("", ""), None, |session, _, _| {
                let row = session
                    .client
                    .query_one("SELECT gen_random_uuid()::text", &[])?;
                Ok(Ok(row.try_get::<_, String>(0)?))
            })?;
        migrated.supported(ARTIFACT)?;
        Ok(store)
    }

    /// Sets how long an operation is retried after a transient failure
    /// ([`DEFAULT_RETRY_WINDOW`] by default; zero tries once). Retries pause
    /// 5 ms, 10 ms, … up to 0.5 s.
    ///
    /// # Example
    /// ``` no_run
    /// use std::time::Duration;
    /// use seg_bandit_state::PostgresStore;
    ///
    /// // Needs a running server: compiled, not run, by the documentation tests.
    /// // Fail fast instead of retrying for 10 s, e.g. behind a request deadline.
    /// let store = PostgresStore::connect("postgres://seg_test:seg_test@127.0.0.1:5432/seg_test")?
    ///     .retry_window(Duration::from_millis(200));
    /// assert!(format!("{store:?}").contains("retry_window: 200ms"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn retry_window(mut self, window: Duration) -> Self {
        self.retry_window = window;
        self
    }

    /// The database, as `user@host:port/dbname` (no password).
    ///
    /// # Example
    /// ``` no_run
    /// use seg_bandit_state::PostgresStore;
    ///
    /// // Needs a running server: compiled, not run, by the documentation tests.
    /// let store = PostgresStore::connect("postgres://seg_test:seg_test@127.0.0.1:5432/seg_test")?;
    /// assert_eq!(store.database(), "seg_test@127.0.0.1:5432/seg_test");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The schema version this release writes.
    ///
    /// # Example
    /// ``` no_run
    /// use seg_bandit_state::PostgresStore;
    ///
    /// // Needs a running server: compiled, not run, by the documentation tests.
    /// let url = "host=127.0.0.1 port=5432 user=seg_test password=seg_test dbname=seg_test";
    /// drop(PostgresStore::connect(url)?); // migrates the schema
    /// // The version is stored in the table `schema_version` of the database.
    /// let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    /// let row = client.query_one("SELECT version FROM schema_version WHERE id = 0", &[])?;
    /// assert_eq!(row.get::<_, i64>(0), PostgresStore::schema_version());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn schema_version() -> i64 {
        SCHEMA_VERSION
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
    ///
    /// # Example
    /// ``` no_run
    /// use seg_bandit_state::{Batch, Experiment, PostgresStore, Prior, StateStore};
    ///
    /// // Needs a running server: compiled, not run, by the documentation tests.
    /// let mut store = PostgresStore::connect("postgres://seg_test:seg_test@127.0.0.1:5432/seg_test")?;
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// let batch = Batch::new("mobile", "green", 3, 17, 1_700_000_000)?;
    /// // The same request delivered twice, e.g. by a queue that delivers at
    /// // least once: the second delivery returns the event of the first.
    /// let first = store.record_idempotent("checkout", "request-7f3a", &batch)?;
    /// let again = store.record_idempotent("checkout", "request-7f3a", &batch)?;
    /// assert_eq!(again, first);
    /// let logged = store.events_since("checkout", first.seq - 1, 1)?;
    /// assert_eq!(logged, [first]);
    /// // The same key for another batch is refused.
    /// let other = Batch::new("mobile", "green", 4, 16, 1_700_000_000)?;
    /// assert!(store.record_idempotent("checkout", "request-7f3a", &other).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
        let counts = batch_counts(batch)?;
        let seq = self.record_with_key(experiment, Some(key), batch, counts)?;
        Ok(recorded_event(STORED.seq(seq)?, experiment, batch))
    }
}

sql_state_store!(PostgresStore);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_url_is_an_invalid_parameter_naming_url() {
        assert!(matches!(
            PostgresStore::connect("postgres://u:secret@h:notaport/db"),
            Err(BanditError::InvalidParameter { parameter: "url", ref value, .. })
                if !value.contains("secret")
        ));
    }
}
