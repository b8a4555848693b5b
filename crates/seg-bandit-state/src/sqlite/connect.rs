//! The connection of the SQLite store: opening it (WAL mode, durability,
//! busy timeout, foreign keys) and running a transaction again while another
//! connection holds the lock.

use std::path::Path;
use std::thread;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};

use super::{ARTIFACT, SqliteStore};
use crate::error::{BanditError, Result};
use crate::store::refused::TxResult;
use crate::store::transactions::RunTx;

/// How long SQLite itself waits for a lock before reporting the database busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a transaction that found the database busy is retried
/// (after SQLite's own `BUSY_TIMEOUT` wait) before the error is returned.
const BUSY_RETRIES: u32 = 50;

/// True for the errors a retry can cure: another connection holds the lock.
fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Runs `op` (a whole transaction) again while it fails with "database busy",
/// pausing 1, 2, 4, … up to 64 ms between attempts.
pub(super) fn with_retry<T>(mut op: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
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

/// The error of a failed SQLite operation on the file at `path`.
pub(super) fn sqlite_error(
    path: &Path,
    operation: &'static str,
) -> impl FnOnce(rusqlite::Error) -> BanditError {
    let path = path.to_path_buf();
    move |source| BanditError::Sqlite {
        path,
        operation,
        source,
    }
}

/// Opens (creating if absent) the database at `path` with the busy timeout,
/// WAL mode, `synchronous = NORMAL` and foreign keys on.
pub(super) fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(sqlite_error(path, "open"))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(sqlite_error(path, "set the busy timeout"))?;
    let mode: String =
        with_retry(|| conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0)))
            .map_err(sqlite_error(path, "set WAL mode"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(BanditError::InvalidArtifact {
            artifact: ARTIFACT,
            reason: format!("journal mode is {mode:?}, WAL could not be set"),
        });
    }
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sqlite_error(path, "set synchronous = NORMAL"))?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(sqlite_error(path, "enable foreign keys"))?;
    Ok(conn)
}

/// A transaction runs on the store's connection, again while the database
/// is busy; its two kinds of failure become [`BanditError`]s naming
/// `experiment` and `names` (segment, variant).
impl RunTx for SqliteStore {
    type Conn = Connection;
    type Error = rusqlite::Error;

    fn run_tx<T>(
        &mut self,
        operation: &'static str,
        experiment: &str,
        names: (&str, &str),
        mut op: impl FnMut(&mut Connection) -> TxResult<T, rusqlite::Error>,
    ) -> Result<T> {
        let conn = &mut self.conn;
        with_retry(|| op(conn))
            .map_err(sqlite_error(&self.path, operation))?
            .map_err(|refused| refused.into_error(experiment, names))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn a_busy_transaction_is_retried_until_it_succeeds() {
        let mut calls = 0;
        let outcome = with_retry(|| {
            calls += 1;
            if calls < 4 {
                Err(failure(rusqlite::ffi::SQLITE_BUSY))
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
            Err(failure(rusqlite::ffi::SQLITE_CONSTRAINT))
        });
        assert!(outcome.is_err());
        assert_eq!(calls, 1);
    }
}
