//! [`SqliteStore`]: the bandit state in an SQLite file (feature `sqlite`).
//!
//! The store is split by job: `connect` opens the file and retries a busy
//! transaction, `transactions` holds one transaction per operation, `schema`
//! the SQLite dialect of the versioned schema. What does not depend on the
//! database (checks before a write, the rows read back, the schema version,
//! the SQL both stores share, the `StateStore` methods) lives in
//! [`crate::store`] and [`crate::stored`].

mod connect;
mod decisions;
mod schema;
mod transactions;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

#[cfg(doc)]
use crate::error::BanditError;
use crate::error::Result;
#[cfg(doc)]
use crate::store::StateStore;
use crate::store::schema::SCHEMA_VERSION;
use crate::store::transactions::sql_state_store;
use crate::stored::Stored;

/// The artifact named in errors about the database file.
const ARTIFACT: &str = "SQLite bandit database";
const STORED: Stored = Stored(ARTIFACT);

/// The SQLite store (feature `sqlite`): the bandit state in one SQLite file,
/// shared by any number of threads and processes.
///
/// # Schema
/// An embedded, versioned migration (table `schema_version`) creates
/// `experiments`, `variants` (names unique per experiment), `segments`,
/// `variant_segment_state` (primary key variant × segment: the prior and the
/// success/failure totals) and the append-only `events` (triggers refuse
/// `UPDATE` and `DELETE`). Opening a database of an older schema version
/// migrates it in one transaction; a newer one is
/// [`BanditError::UnsupportedFormat`] and its rows are left unchanged.
///
/// # Concurrency and durability
/// Any number of threads and processes may open the same file, each with its
/// own `SqliteStore`. Every recorded batch is one `BEGIN IMMEDIATE`
/// transaction that increments the state row with `successes = successes + ?`
/// and appends the event, so a batch is applied whole or not at all, and two
/// writers never overwrite each other. A writer that finds the database locked
/// waits (SQLite's busy timeout, 5 s) and then retries the whole
/// transaction with a growing pause, so a write is not lost to contention.
///
/// The database runs in WAL mode with `synchronous = NORMAL`: a committed
/// batch survives a crash or kill of the process (the kill tests show it), but
/// the last batches committed before a power loss or operating-system crash
/// may be rolled back on the next open — the database itself stays consistent
/// (state and events always agree). This trades the fsync per commit of
/// `synchronous = FULL` for throughput.
///
/// All SQL is parameterised: names are stored and read back verbatim.
///
/// # Errors of the store methods
/// Besides the errors that [`StateStore`] names, a failing SQLite operation
/// is [`BanditError::Sqlite`] (the file, the operation and SQLite's error as
/// the source) and a stored value that breaks an invariant (a prior that is
/// not finite and > 0, a negative count) is [`BanditError::InvalidArtifact`].
///
/// # Example
/// ```
/// use seg_bandit_state::{Batch, Experiment, Prior, SqliteStore, StateStore};
///
/// let dir = std::env::temp_dir().join(format!("seg-bandit-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("bandit.sqlite");
/// {
///     let mut store = SqliteStore::open(&path)?;
///     let experiment = Experiment::new("checkout", ["control", "green"], Prior::uniform())?;
///     store.create_experiment(&experiment)?;
///     store.record("checkout", &Batch::new("mobile", "green", 3, 17, 1_700_000_000)?)?;
/// }
/// // Another process (here: a new connection) sees everything.
/// let mut store = SqliteStore::open(&path)?;
/// let green = &store.segment_states("checkout", "mobile")?[1];
/// assert_eq!((green.successes, green.failures), (3, 17));
/// assert_eq!((green.state.alpha, green.state.beta), (4.0, 18.0));
/// assert_eq!(store.event_count("checkout")?, 1);
/// # drop(store);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if absent) the database at `path`, sets WAL mode,
    /// `synchronous = NORMAL` and the busy timeout, and migrates its schema.
    ///
    /// # Errors
    /// - [`BanditError::Sqlite`] when the file cannot be opened or is not an
    ///   SQLite database;
    /// - [`BanditError::UnsupportedFormat`] when its schema version is newer
    ///   than this release reads (its tables and rows are left unchanged);
    /// - [`BanditError::InvalidArtifact`] when SQLite cannot put it in WAL mode
    ///   (e.g. a file system without shared memory).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BanditError, Experiment, Prior, SqliteStore, StateStore};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("bandit.sqlite");
    /// let mut store = SqliteStore::open(&path)?; // creates the file and its tables
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// drop(store);
    /// // Opening it again finds the experiment.
    /// let mut store = SqliteStore::open(&path)?;
    /// assert_eq!(store.experiment("checkout")?.variants(), ["control", "green"]);
    /// // A file that is not an SQLite database is refused, naming the file.
    /// let text = dir.path().join("notes.txt");
    /// std::fs::write(&text, "not a database, but long enough to be read as one")?;
    /// assert!(matches!(
    ///     SqliteStore::open(&text),
    ///     Err(BanditError::Sqlite { ref path, .. }) if *path == text
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut conn = connect::open_connection(&path)?;
        connect::with_retry(|| schema::migrate(&mut conn, schema::MIGRATIONS))
            .map_err(connect::sqlite_error(&path, "migrate"))?
            .supported(ARTIFACT)?;
        Ok(Self { conn, path })
    }

    /// The path of the database file.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::SqliteStore;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = SqliteStore::open(dir.path().join("bandit.sqlite"))?;
    /// assert_eq!(store.path(), dir.path().join("bandit.sqlite"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version this release writes.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::SqliteStore;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("bandit.sqlite");
    /// drop(SqliteStore::open(&path)?);
    /// // The version is stored in the table `schema_version` of the database.
    /// let conn = rusqlite::Connection::open(&path)?;
    /// let stored: i64 = conn.query_row("SELECT version FROM schema_version WHERE id = 0", [], |row| {
    ///     row.get(0)
    /// })?;
    /// assert_eq!(stored, SqliteStore::schema_version());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn schema_version() -> i64 {
        SCHEMA_VERSION
    }
}

sql_state_store!(SqliteStore);
