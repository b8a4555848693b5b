//! The SQLite dialect of the schema (see [`crate::store::schema`]): the
//! migrations in SQLite types and the statements that run them, in one
//! `BEGIN IMMEDIATE` transaction (concurrent openers serialise on it and each
//! sees the version the previous one left).

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

pub(crate) use crate::store::schema::{Migrated, Migration};
use crate::store::schema::{MigrationTx, reaches_schema_version};

/// Every migration of this release, in order (`version` = position + 1).
///
/// Tables are `STRICT`: SQLite then refuses a value of the wrong type,
/// including the REAL that an overflowing integer `+` would produce, so a
/// counter can never silently turn into a float.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: "
CREATE TABLE experiments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    prior_alpha REAL NOT NULL CHECK (prior_alpha > 0),
    prior_beta  REAL NOT NULL CHECK (prior_beta > 0)
) STRICT;

CREATE TABLE variants (
    id            INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments (id),
    position      INTEGER NOT NULL CHECK (position >= 0),
    name          TEXT NOT NULL,
    UNIQUE (experiment_id, name),
    UNIQUE (experiment_id, position)
) STRICT;

CREATE TABLE segments (
    id            INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments (id),
    name          TEXT NOT NULL,
    UNIQUE (experiment_id, name)
) STRICT;

CREATE TABLE variant_segment_state (
    variant_id  INTEGER NOT NULL REFERENCES variants (id),
    segment_id  INTEGER NOT NULL REFERENCES segments (id),
    prior_alpha REAL NOT NULL CHECK (prior_alpha > 0),
    prior_beta  REAL NOT NULL CHECK (prior_beta > 0),
    successes   INTEGER NOT NULL DEFAULT 0 CHECK (successes >= 0),
    failures    INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    PRIMARY KEY (variant_id, segment_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp     INTEGER NOT NULL,
    experiment_id INTEGER NOT NULL REFERENCES experiments (id),
    segment_id    INTEGER NOT NULL REFERENCES segments (id),
    variant_id    INTEGER NOT NULL REFERENCES variants (id),
    successes     INTEGER NOT NULL CHECK (successes >= 0),
    failures      INTEGER NOT NULL CHECK (failures >= 0)
) STRICT;

CREATE INDEX events_by_experiment ON events (experiment_id, seq);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
",
    },
    Migration {
        version: 2,
        sql: "
CREATE TABLE decisions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    experiment_id    INTEGER NOT NULL REFERENCES experiments (id),
    segment          TEXT NOT NULL,
    variant_id       INTEGER NOT NULL REFERENCES variants (id),
    propensity       REAL NOT NULL CHECK (propensity > 0 AND propensity <= 1),
    allocation       BLOB NOT NULL,
    allocation_error REAL NOT NULL CHECK (allocation_error >= 0),
    policy           TEXT NOT NULL,
    policy_version   TEXT NOT NULL,
    timestamp        INTEGER NOT NULL,
    unit             TEXT,
    reward           REAL
) STRICT;

CREATE INDEX decisions_by_experiment ON decisions (experiment_id, id);

CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
WHEN OLD.reward IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.experiment_id IS NOT OLD.experiment_id
  OR NEW.segment IS NOT OLD.segment OR NEW.variant_id IS NOT OLD.variant_id
  OR NEW.propensity IS NOT OLD.propensity OR NEW.allocation IS NOT OLD.allocation
  OR NEW.allocation_error IS NOT OLD.allocation_error OR NEW.policy IS NOT OLD.policy
  OR NEW.policy_version IS NOT OLD.policy_version OR NEW.timestamp IS NOT OLD.timestamp
  OR NEW.unit IS NOT OLD.unit
BEGIN SELECT RAISE(ABORT, 'decisions are append-only; a reward is set once'); END;

CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;

CREATE TABLE period_batches (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    experiment_id      INTEGER NOT NULL REFERENCES experiments (id),
    segment            TEXT NOT NULL,
    variant_id         INTEGER NOT NULL REFERENCES variants (id),
    period             INTEGER NOT NULL,
    propensity         REAL NOT NULL CHECK (propensity > 0 AND propensity <= 1),
    count              INTEGER NOT NULL CHECK (count >= 0),
    reward_sum         REAL NOT NULL,
    reward_sum_squares REAL NOT NULL CHECK (reward_sum_squares >= 0)
) STRICT;

CREATE INDEX period_batches_by_experiment ON period_batches (experiment_id, seq);

CREATE TRIGGER period_batches_no_update BEFORE UPDATE ON period_batches
BEGIN SELECT RAISE(ABORT, 'period batches are append-only'); END;

CREATE TRIGGER period_batches_no_delete BEFORE DELETE ON period_batches
BEGIN SELECT RAISE(ABORT, 'period batches are append-only'); END;
",
    },
];

const _: () = assert!(
    reaches_schema_version(MIGRATIONS),
    "the SQLite migrations must be the versions 1 to SCHEMA_VERSION"
);

impl MigrationTx for Transaction<'_> {
    type Error = rusqlite::Error;

    fn create_version_table(&mut self) -> rusqlite::Result<()> {
        self.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_version (
                 id      INTEGER PRIMARY KEY CHECK (id = 0),
                 version INTEGER NOT NULL
             ) STRICT;",
        )
    }

    fn execute_batch(&mut self, sql: &str) -> rusqlite::Result<()> {
        Connection::execute_batch(self, sql)
    }

    fn query_version(&mut self, sql: &str) -> rusqlite::Result<Option<i64>> {
        self.query_row(sql, [], |row| row.get(0)).optional()
    }

    fn write_version(&mut self, sql: &str, version: i64) -> rusqlite::Result<()> {
        self.execute(sql, [version]).map(drop)
    }

    fn commit(self) -> rusqlite::Result<()> {
        Transaction::commit(self)
    }
}

/// Brings the schema of `conn` up to the newest of `migrations`, in one
/// immediate transaction.
pub(crate) fn migrate(
    conn: &mut Connection,
    migrations: &[Migration],
) -> rusqlite::Result<Migrated> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    crate::store::schema::migrate(tx, migrations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema::SCHEMA_VERSION;

    /// A hypothetical next version.
    const NEXT: Migration = Migration {
        version: SCHEMA_VERSION + 1,
        sql: "ALTER TABLE experiments ADD COLUMN note TEXT NOT NULL DEFAULT '';",
    };

    fn with_next() -> Vec<Migration> {
        let mut all = MIGRATIONS.to_vec();
        all.push(NEXT);
        all
    }

    #[test]
    fn a_new_database_is_migrated_to_the_newest_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        let newest = MIGRATIONS.last().unwrap().version;
        assert_eq!(
            migrate(&mut conn, MIGRATIONS).unwrap(),
            Migrated::To { version: newest }
        );
        // Idempotent.
        assert_eq!(
            migrate(&mut conn, MIGRATIONS).unwrap(),
            Migrated::To { version: newest }
        );
    }

    #[test]
    fn an_older_database_is_migrated_and_keeps_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, MIGRATIONS).unwrap();
        conn.execute(
            "INSERT INTO experiments (name, prior_alpha, prior_beta) VALUES (?1, 1.0, 1.0)",
            ["e"],
        )
        .unwrap();
        assert_eq!(
            migrate(&mut conn, &with_next()).unwrap(),
            Migrated::To {
                version: SCHEMA_VERSION + 1
            }
        );
        let (name, note): (String, String) = conn
            .query_row("SELECT name, note FROM experiments", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((name.as_str(), note.as_str()), ("e", ""));
    }

    #[test]
    fn a_newer_database_is_reported_and_left_unchanged() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, &with_next()).unwrap();
        assert_eq!(
            migrate(&mut conn, MIGRATIONS).unwrap(),
            Migrated::Newer {
                found: SCHEMA_VERSION + 1,
                newest: SCHEMA_VERSION
            }
        );
        let version: i64 = conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION + 1);
    }

    #[test]
    fn events_are_append_only() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, MIGRATIONS).unwrap();
        conn.execute_batch(
            "INSERT INTO experiments (id, name, prior_alpha, prior_beta) VALUES (1, 'e', 1.0, 1.0);
             INSERT INTO variants (id, experiment_id, position, name) VALUES (1, 1, 0, 'a');
             INSERT INTO segments (id, experiment_id, name) VALUES (1, 1, 's');
             INSERT INTO events (timestamp, experiment_id, segment_id, variant_id, successes, failures)
                 VALUES (0, 1, 1, 1, 1, 0);",
        )
        .unwrap();
        assert!(conn.execute("DELETE FROM events", []).is_err());
        assert!(conn.execute("UPDATE events SET successes = 5", []).is_err());
    }

    #[test]
    fn an_overflowing_counter_is_refused_not_turned_into_a_float() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, MIGRATIONS).unwrap();
        conn.execute_batch(
            "INSERT INTO experiments (id, name, prior_alpha, prior_beta) VALUES (1, 'e', 1.0, 1.0);
             INSERT INTO variants (id, experiment_id, position, name) VALUES (1, 1, 0, 'a');
             INSERT INTO segments (id, experiment_id, name) VALUES (1, 1, 's');",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO variant_segment_state (variant_id, segment_id, prior_alpha, prior_beta, successes)
             VALUES (1, 1, 1.0, 1.0, ?1)",
            [i64::MAX],
        )
        .unwrap();
        assert!(
            conn.execute(
                "UPDATE variant_segment_state SET successes = successes + 1",
                []
            )
            .is_err()
        );
    }
}
