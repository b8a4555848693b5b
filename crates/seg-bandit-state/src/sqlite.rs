//! [`SqliteStore`]: the bandit state in an SQLite file (feature `sqlite`).

mod schema;

use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params,
};

use crate::error::{BanditError, Result};
use crate::event::{Batch, Event, SegmentState};
use crate::experiment::Experiment;
use crate::sqlite::schema::{MIGRATIONS, Migrated};
use crate::state::Prior;
use crate::store::StateStore;
use crate::stored::{Stored, count_to_sql};

/// How long SQLite itself waits for a lock before reporting the database busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a transaction that found the database busy is retried
/// (after SQLite's own `BUSY_TIMEOUT` wait) before the error is returned.
const BUSY_RETRIES: u32 = 50;

/// The artifact named in errors about the database file.
const ARTIFACT: &str = "SQLite bandit database";
const STORED: Stored = Stored(ARTIFACT);

/// True for the errors a retry can cure: another connection holds the lock.
fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Runs `op` (a whole transaction) again while it fails with "database busy",
/// pausing 1, 2, 4, … up to 64 ms between attempts.
fn with_retry<T>(mut op: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let mut attempt = 0_u32;
    loop {
        match op() {
            Err(e) if is_busy(&e) && attempt < BUSY_RETRIES => {
                thread::sleep(Duration::from_millis(1 << attempt.min(6)));
                attempt += 1;
            }
            other => return other,
        }
    }
}

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
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let sqlite = |operation: &'static str| {
            let path = path.clone();
            move |source| BanditError::Sqlite {
                path,
                operation,
                source,
            }
        };
        let mut conn = Connection::open(&path).map_err(sqlite("open"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(sqlite("set the busy timeout"))?;
        let mode: String = with_retry(|| {
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        })
        .map_err(sqlite("set WAL mode"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(BanditError::InvalidArtifact {
                artifact: ARTIFACT,
                reason: format!("journal mode is {mode:?}, WAL could not be set"),
            });
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sqlite("set synchronous = NORMAL"))?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(sqlite("enable foreign keys"))?;
        match with_retry(|| schema::migrate(&mut conn, MIGRATIONS)).map_err(sqlite("migrate"))? {
            Migrated::To { .. } => Ok(Self { conn, path }),
            Migrated::Newer { found, newest } => Err(BanditError::UnsupportedFormat {
                artifact: ARTIFACT,
                found: format!("schema version {found}"),
                expected: format!("schema versions up to {newest}"),
            }),
        }
    }

    /// The path of the database file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version this release writes.
    #[must_use]
    pub fn schema_version() -> i64 {
        MIGRATIONS.last().map_or(0, |m| m.version)
    }
}

/// Why a write transaction refused a request: kept apart from the SQLite
/// errors so that the retry loop only retries the latter. Nothing was
/// written when a transaction returns one of these.
#[derive(Debug)]
enum Refused {
    UnknownExperiment,
    UnknownVariant,
    UnknownSegment,
    Existing(Experiment),
    Overflow {
        parameter: &'static str,
        total: i64,
        add: i64,
    },
    Invalid(BanditError),
}

/// A transaction's result: the SQLite error (retried when busy) outside, the
/// refusal inside.
type TxResult<T> = rusqlite::Result<std::result::Result<T, Refused>>;

/// Converts a stored sequence number (SQLite assigns 1, 2, …).
fn seq_from_sql(value: i64) -> Result<u64> {
    STORED.count("events.seq", value)
}

/// The id and default prior of the experiment named `name`.
fn experiment_row(tx: &Transaction<'_>, name: &str) -> rusqlite::Result<Option<(i64, f64, f64)>> {
    tx.query_row(
        "SELECT id, prior_alpha, prior_beta FROM experiments WHERE name = ?1",
        params![name],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
}

/// The variant names of an experiment, in order.
fn variant_names(tx: &Transaction<'_>, experiment_id: i64) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        tx.prepare_cached("SELECT name FROM variants WHERE experiment_id = ?1 ORDER BY position")?;
    stmt.query_map(params![experiment_id], |r| r.get::<_, String>(0))?
        .collect()
}

/// The stored definition of an experiment.
fn load_experiment(tx: &Transaction<'_>, name: &str) -> TxResult<Experiment> {
    let Some((id, alpha, beta)) = experiment_row(tx, name)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let variants = variant_names(tx, id)?;
    let checked = STORED
        .prior("experiment", alpha, beta)
        .and_then(|prior| Experiment::new(name, variants, prior))
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

/// Creates the experiment in one transaction; an existing one of this name is
/// returned as [`Refused::Existing`] for the caller to compare.
fn create_experiment_tx(conn: &mut Connection, experiment: &Experiment) -> TxResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if experiment_row(&tx, experiment.name())?.is_some() {
        return Ok(match load_experiment(&tx, experiment.name())? {
            Ok(stored) => Err(Refused::Existing(stored)),
            Err(refused) => Err(refused),
        });
    }
    let prior = experiment.prior();
    let id: i64 = tx.query_row(
        "INSERT INTO experiments (name, prior_alpha, prior_beta) VALUES (?1, ?2, ?3) RETURNING id",
        params![experiment.name(), prior.alpha(), prior.beta()],
        |r| r.get(0),
    )?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO variants (experiment_id, position, name) VALUES (?1, ?2, ?3)",
        )?;
        for (position, variant) in (0_i64..).zip(experiment.variants()) {
            insert.execute(params![id, position, variant])?;
        }
    }
    tx.commit()?;
    Ok(Ok(()))
}

/// The id of `segment`, creating it (with `priors`, one per variant in
/// order, or the experiment's prior for all) when absent; `true` when created.
fn ensure_segment(
    tx: &Transaction<'_>,
    experiment_id: i64,
    segment: &str,
    priors: Option<&[Prior]>,
) -> rusqlite::Result<(i64, bool)> {
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM segments WHERE experiment_id = ?1 AND name = ?2")?
        .query_row(params![experiment_id, segment], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing {
        return Ok((id, false));
    }
    let id: i64 = tx
        .prepare_cached("INSERT INTO segments (experiment_id, name) VALUES (?1, ?2) RETURNING id")?
        .query_row(params![experiment_id, segment], |r| r.get(0))?;
    match priors {
        None => {
            tx.prepare_cached(
                "INSERT INTO variant_segment_state (variant_id, segment_id, prior_alpha, prior_beta)
                 SELECT v.id, ?2, e.prior_alpha, e.prior_beta
                 FROM variants v JOIN experiments e ON e.id = v.experiment_id
                 WHERE v.experiment_id = ?1",
            )?
            .execute(params![experiment_id, id])?;
        }
        Some(priors) => {
            let mut variants = tx.prepare_cached(
                "SELECT id FROM variants WHERE experiment_id = ?1 ORDER BY position",
            )?;
            let ids = variants
                .query_map(params![experiment_id], |r| r.get::<_, i64>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO variant_segment_state (variant_id, segment_id, prior_alpha, prior_beta)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (variant_id, prior) in ids.iter().zip(priors) {
                insert.execute(params![variant_id, id, prior.alpha(), prior.beta()])?;
            }
        }
    }
    Ok((id, true))
}

/// Creates a segment with explicit priors in one transaction.
fn create_segment_tx(
    conn: &mut Connection,
    experiment: &str,
    segment: &str,
    priors: &[Prior],
) -> TxResult<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some((experiment_id, _, _)) = experiment_row(&tx, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let n_variants = variant_names(&tx, experiment_id)?.len();
    if priors.len() != n_variants {
        return Ok(Err(Refused::Invalid(BanditError::InvalidParameter {
            parameter: "priors",
            value: priors.len().to_string(),
            reason: "must be one prior per variant of the experiment",
        })));
    }
    let (_, created) = ensure_segment(&tx, experiment_id, segment, Some(priors))?;
    tx.commit()?;
    Ok(Ok(created))
}

/// Records one batch in one immediate transaction: creates the segment on
/// first use, increments the state row (`successes = successes + ?`) and
/// appends the event. Returns the event's sequence number.
fn record_tx(
    conn: &mut Connection,
    experiment: &str,
    batch: &Batch,
    successes: i64,
    failures: i64,
) -> TxResult<i64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some((experiment_id, _, _)) = experiment_row(&tx, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let Some(variant_id) = tx
        .prepare_cached("SELECT id FROM variants WHERE experiment_id = ?1 AND name = ?2")?
        .query_row(params![experiment_id, batch.variant()], |r| {
            r.get::<_, i64>(0)
        })
        .optional()?
    else {
        return Ok(Err(Refused::UnknownVariant));
    };
    let (segment_id, _) = ensure_segment(&tx, experiment_id, batch.segment(), None)?;
    let (total_successes, total_failures): (i64, i64) = tx
        .prepare_cached(
            "SELECT successes, failures FROM variant_segment_state
             WHERE variant_id = ?1 AND segment_id = ?2",
        )?
        .query_row(params![variant_id, segment_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    // Checked inside the write transaction, so no other writer can move the
    // totals between this check and the increment.
    for (parameter, total, add) in [
        ("successes", total_successes, successes),
        ("failures", total_failures, failures),
    ] {
        if total.checked_add(add).is_none() {
            return Ok(Err(Refused::Overflow {
                parameter,
                total,
                add,
            }));
        }
    }
    tx.prepare_cached(
        "UPDATE variant_segment_state
         SET successes = successes + ?1, failures = failures + ?2
         WHERE variant_id = ?3 AND segment_id = ?4",
    )?
    .execute(params![successes, failures, variant_id, segment_id])?;
    let seq: i64 = tx
        .prepare_cached(
            "INSERT INTO events (timestamp, experiment_id, segment_id, variant_id, successes, failures)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING seq",
        )?
        .query_row(
            params![batch.timestamp(), experiment_id, segment_id, variant_id, successes, failures],
            |r| r.get(0),
        )?;
    tx.commit()?;
    Ok(Ok(seq))
}

/// One state row as read: segment, variant, prior, totals.
type StateRow = (String, String, f64, f64, i64, i64);

/// Reads state rows of an experiment (of one segment when given), segments in
/// creation order and variants in the experiment's order, in one read
/// transaction. `None` when the experiment or the segment is unknown.
fn states_tx(
    conn: &mut Connection,
    experiment: &str,
    segment: Option<&str>,
) -> TxResult<Vec<StateRow>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
    let Some((experiment_id, _, _)) = experiment_row(&tx, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let segment_id: Option<i64> = match segment {
        None => None,
        Some(name) => {
            let id = tx
                .prepare_cached("SELECT id FROM segments WHERE experiment_id = ?1 AND name = ?2")?
                .query_row(params![experiment_id, name], |r| r.get(0))
                .optional()?;
            match id {
                Some(id) => Some(id),
                None => return Ok(Err(Refused::UnknownSegment)),
            }
        }
    };
    let mut stmt = tx.prepare_cached(
        "SELECT s.name, v.name, st.prior_alpha, st.prior_beta, st.successes, st.failures
         FROM variant_segment_state st
         JOIN segments s ON s.id = st.segment_id
         JOIN variants v ON v.id = st.variant_id
         WHERE s.experiment_id = ?1 AND (?2 IS NULL OR s.id = ?2)
         ORDER BY s.id, v.position",
    )?;
    let rows = stmt
        .query_map(params![experiment_id, segment_id], |r| {
            StateRow::try_from(r)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Ok(rows))
}

/// One event row as read: seq, timestamp, segment, variant, successes, failures.
type EventRow = (i64, i64, String, String, i64, i64);

/// Reads at most `limit` events of an experiment after `after`.
fn events_tx(
    conn: &mut Connection,
    experiment: &str,
    after: i64,
    limit: i64,
) -> TxResult<Vec<EventRow>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
    let Some((experiment_id, _, _)) = experiment_row(&tx, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let mut stmt = tx.prepare_cached(
        "SELECT e.seq, e.timestamp, s.name, v.name, e.successes, e.failures
         FROM events e
         JOIN segments s ON s.id = e.segment_id
         JOIN variants v ON v.id = e.variant_id
         WHERE e.experiment_id = ?1 AND e.seq > ?2
         ORDER BY e.seq
         LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![experiment_id, after, limit], |r| {
            EventRow::try_from(r)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Ok(rows))
}

/// Counts the events of an experiment.
fn event_count_tx(conn: &mut Connection, experiment: &str) -> TxResult<i64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
    let Some((experiment_id, _, _)) = experiment_row(&tx, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let n = tx
        .prepare_cached("SELECT count(*) FROM events WHERE experiment_id = ?1")?
        .query_row(params![experiment_id], |r| r.get(0))?;
    Ok(Ok(n))
}

impl SqliteStore {
    /// Runs a transaction with the busy retry and turns its two kinds of
    /// failure into [`BanditError`]s naming `experiment` and the batch.
    fn run<T>(
        &mut self,
        operation: &'static str,
        experiment: &str,
        names: (&str, &str),
        op: impl FnMut(&mut Connection) -> TxResult<T>,
    ) -> Result<T> {
        let mut op = op;
        let conn = &mut self.conn;
        let outcome = with_retry(|| op(conn)).map_err(|source| BanditError::Sqlite {
            path: self.path.clone(),
            operation,
            source,
        })?;
        let (segment, variant) = names;
        outcome.map_err(|refused| match refused {
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
            // Callers compare the stored definition themselves; reaching here
            // means an operation other than creation found one, reported as
            // a conflict naming it.
            Refused::Existing(stored) => BanditError::ExperimentConflict {
                experiment: stored.name().to_owned(),
                reason: format!("variants {:?}", stored.variants()),
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
            Refused::Invalid(error) => error,
        })
    }
}

fn segment_state(row: StateRow) -> Result<SegmentState> {
    let (segment, variant, alpha, beta, successes, failures) = row;
    STORED.segment_state((segment, variant), (alpha, beta), (successes, failures))
}

impl StateStore for SqliteStore {
    fn create_experiment(&mut self, experiment: &Experiment) -> Result<bool> {
        self.run(
            "create an experiment",
            experiment.name(),
            ("", ""),
            |conn| {
                Ok(match create_experiment_tx(conn, experiment)? {
                    Ok(()) => Ok(true),
                    Err(Refused::Existing(stored)) => stored
                        .check_same_as(experiment)
                        .map(|()| false)
                        .map_err(Refused::Invalid),
                    Err(other) => Err(other),
                })
            },
        )
    }

    fn experiment(&mut self, experiment: &str) -> Result<Experiment> {
        self.run("read an experiment", experiment, ("", ""), |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            load_experiment(&tx, experiment)
        })
    }

    fn create_segment(
        &mut self,
        experiment: &str,
        segment: &str,
        priors: &[Prior],
    ) -> Result<bool> {
        crate::experiment::check_name("segment", segment)?;
        self.run("create a segment", experiment, (segment, ""), |conn| {
            create_segment_tx(conn, experiment, segment, priors)
        })
    }

    fn record(&mut self, experiment: &str, batch: &Batch) -> Result<Event> {
        let successes = count_to_sql("successes", batch.successes())?;
        let failures = count_to_sql("failures", batch.failures())?;
        let seq = self.run(
            "record a batch",
            experiment,
            (batch.segment(), batch.variant()),
            |conn| record_tx(conn, experiment, batch, successes, failures),
        )?;
        Ok(Event {
            seq: seq_from_sql(seq)?,
            timestamp: batch.timestamp(),
            experiment: experiment.to_owned(),
            segment: batch.segment().to_owned(),
            variant: batch.variant().to_owned(),
            successes: batch.successes(),
            failures: batch.failures(),
        })
    }

    fn segment_states(&mut self, experiment: &str, segment: &str) -> Result<Vec<SegmentState>> {
        self.run(
            "read the states of a segment",
            experiment,
            (segment, ""),
            |conn| states_tx(conn, experiment, Some(segment)),
        )?
        .into_iter()
        .map(segment_state)
        .collect()
    }

    fn all_states(&mut self, experiment: &str) -> Result<Vec<SegmentState>> {
        self.run("read all states", experiment, ("", ""), |conn| {
            states_tx(conn, experiment, None)
        })?
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
        self.run("read events", experiment, ("", ""), |conn| {
            events_tx(conn, experiment, after, limit)
        })?
        .into_iter()
        .map(|(seq, timestamp, segment, variant, successes, failures)| {
            let what = format!("event {seq}");
            Ok(Event {
                seq: seq_from_sql(seq)?,
                timestamp,
                experiment: experiment.to_owned(),
                successes: STORED.count(&format!("{what} successes"), successes)?,
                failures: STORED.count(&format!("{what} failures"), failures)?,
                segment,
                variant,
            })
        })
        .collect()
    }

    fn event_count(&mut self, experiment: &str) -> Result<u64> {
        let n = self.run("count events", experiment, ("", ""), |conn| {
            event_count_tx(conn, experiment)
        })?;
        STORED.count("event count", n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_error(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn a_busy_transaction_is_retried_until_it_succeeds() {
        let mut calls = 0;
        let outcome = with_retry(|| {
            calls += 1;
            if calls < 4 {
                Err(sqlite_error(rusqlite::ffi::SQLITE_BUSY))
            } else {
                Ok(calls)
            }
        });
        assert_eq!(outcome.unwrap(), 4);
    }

    #[test]
    fn other_errors_are_not_retried() {
        let mut calls = 0;
        let outcome: rusqlite::Result<()> = with_retry(|| {
            calls += 1;
            Err(sqlite_error(rusqlite::ffi::SQLITE_CONSTRAINT))
        });
        assert!(outcome.is_err());
        assert_eq!(calls, 1);
    }

    #[test]
    fn sqlite_store_is_send() {
        fn check<T: Send>() {}
        check::<SqliteStore>();
    }
}
