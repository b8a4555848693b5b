//! Running a transaction of the PostgreSQL store until it succeeds, fails for
//! good or the retry window runs out, reconnecting after a lost connection,
//! and the errors that say whether a batch may have been recorded.

use std::thread;
use std::time::{Duration, Instant};

use super::PostgresStore;
use super::connect::Session;
use crate::error::{BanditError, Result};
use crate::store::refused::TxResult;
use crate::store::transactions::RunTx;

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
    /// Runs `op` (a whole transaction, given the attempt number and a flag
    /// it sets just before sending `COMMIT`) until it succeeds, fails for
    /// good, or the retry window runs out, reconnecting whenever the
    /// connection was lost. Turns its two kinds of failure into
    /// [`BanditError`]s naming `experiment` and `names` (segment, variant);
    /// `key` is the idempotency key when `op` records a batch.
    pub(super) fn run<T>(
        &mut self,
        operation: &'static str,
        experiment: &str,
        names: (&str, &str),
        key: Option<&str>,
        mut op: impl FnMut(&mut Session, u32, &mut bool) -> TxResult<T, postgres::Error>,
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
                Ok(Err(refused)) => return Err(refused.into_error(experiment, names)),
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
}

/// A transaction runs on the store's session with [`PostgresStore::run`]'s
/// retries, recording no batch.
impl RunTx for PostgresStore {
    type Conn = Session;
    type Error = postgres::Error;

    fn run_tx<T>(
        &mut self,
        operation: &'static str,
        experiment: &str,
        names: (&str, &str),
        mut op: impl FnMut(&mut Session) -> TxResult<T, postgres::Error>,
    ) -> Result<T> {
        self.run(operation, experiment, names, None, |session, _, _| {
            op(session)
        })
    }
}

#[cfg(test)]
mod tests {
    use postgres::{Client, Config, NoTls};

    use super::*;

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

    /// Makes the server end the session of `session`, as a crash or an
    /// administrator would.
    fn end_session(session: &mut Session) -> std::result::Result<(), postgres::Error> {
        session
            .client
            .batch_execute("SELECT pg_terminate_backend(pg_backend_pid())")
    }

    #[test]
    fn a_session_ended_after_commit_was_sent_is_an_unknown_outcome_naming_the_key() {
        let Some(store) = test_store("unknown_outcome") else {
            return;
        };
        let mut store = store.retry_window(Duration::ZERO);
        let operation = "record a batch (nothing was recorded)";
        // The server ends the session while the commit is in flight: here by
        // terminating its own backend after flagging the commit as sent.
        let err = store
            .run(
                operation,
                "e",
                ("s", "v"),
                Some("key-7"),
                |session, _, sent| {
                    *sent = true;
                    end_session(session)?;
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
                operation,
                "e",
                ("s", "v"),
                Some("key-8"),
                |session, _, _| {
                    end_session(session)?;
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
            crate::StateStore::event_count(&mut store, "e"),
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
                    end_session(session)?;
                }
                Ok(Ok(attempt))
            })
            .unwrap();
        assert_eq!((value, attempts), (2, 3));
    }
}
