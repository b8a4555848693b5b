//! The schema version of the SQL stores and the one way both migrate to it.
//!
//! A database records its schema version in the one-row table
//! `schema_version` (a database without it is version 0). Opening a store
//! runs, in one transaction, every migration above the recorded version and
//! records the new version; a database whose version is newer than
//! [`SCHEMA_VERSION`] is reported and left unchanged. Each dialect (the
//! SQLite and the PostgreSQL store's `schema` module) gives its migrations,
//! one per version from 1 to [`SCHEMA_VERSION`] (checked when the crate is
//! compiled), and implements [`MigrationTx`] on its transaction type.
//!
//! A new schema version is: [`SCHEMA_VERSION`] raised by one here, and one
//! [`Migration`] of that version appended to the migrations of each dialect.

use crate::error::{BanditError, Result};

/// The schema version this release writes, in every dialect.
pub(crate) const SCHEMA_VERSION: i64 = 2;

/// One migration: the schema version it produces and its SQL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// The version a database has after this migration.
    pub(crate) version: i64,
    /// The statements, run in the migration's transaction.
    pub(crate) sql: &'static str,
}

/// True when `migrations` are the versions 1, 2, … [`SCHEMA_VERSION`] in
/// order: each dialect asserts it on its migrations at compile time.
pub(crate) const fn reaches_schema_version(migrations: &[Migration]) -> bool {
    let mut i = 0;
    let mut version = 0;
    while i < migrations.len() {
        version += 1;
        if migrations[i].version != version {
            return false;
        }
        i += 1;
    }
    version == SCHEMA_VERSION
}

/// What [`migrate`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Migrated {
    /// The database is at `version` (after running any missing migration).
    To {
        /// The schema version now.
        version: i64,
    },
    /// The database is at a version newer than the newest migration given:
    /// nothing was changed.
    Newer {
        /// The version found in the database.
        found: i64,
        /// The newest version the migrations know.
        newest: i64,
    },
}

impl Migrated {
    /// `Ok` when the database is at a version this release reads, otherwise
    /// [`BanditError::UnsupportedFormat`] naming `artifact` and both versions.
    pub(crate) fn supported(self, artifact: &'static str) -> Result<()> {
        match self {
            Self::To { .. } => Ok(()),
            Self::Newer { found, newest } => Err(BanditError::UnsupportedFormat {
                artifact,
                found: format!("schema version {found}"),
                expected: format!("schema versions up to {newest}"),
            }),
        }
    }
}

/// Reads the recorded version (the same SQL in every dialect).
pub(crate) const READ_VERSION: &str = "SELECT version FROM schema_version WHERE id = 0";

/// Records the version, bound as the one parameter (the same SQL in every
/// dialect).
pub(crate) const WRITE_VERSION: &str = "INSERT INTO schema_version (id, version) VALUES (0, $1)
     ON CONFLICT (id) DO UPDATE SET version = excluded.version";

/// The statements a dialect runs for [`migrate`], inside the transaction of
/// the migration, and its commit.
pub(crate) trait MigrationTx: Sized {
    /// The database's error.
    type Error;

    /// Creates the table `schema_version` when absent, in the dialect's
    /// types (a one-row table: `id` 0 and `version`).
    fn create_version_table(&mut self) -> std::result::Result<(), Self::Error>;

    /// Runs `sql` (statements separated by `;`).
    fn execute_batch(&mut self, sql: &str) -> std::result::Result<(), Self::Error>;

    /// The value of the one-column query `sql` of at most one row.
    fn query_version(&mut self, sql: &str) -> std::result::Result<Option<i64>, Self::Error>;

    /// Runs `sql` with `version` as its one parameter.
    fn write_version(&mut self, sql: &str, version: i64) -> std::result::Result<(), Self::Error>;

    /// Commits the transaction.
    fn commit(self) -> std::result::Result<(), Self::Error>;
}

/// Brings the schema up to the newest of `migrations` in the transaction
/// `tx`: creates `schema_version` when absent, runs every migration above the
/// recorded version, records the new one and commits. A database newer than
/// the migrations is [`Migrated::Newer`] and the transaction is rolled back
/// (dropped), which changes nothing.
pub(crate) fn migrate<T: MigrationTx>(
    mut tx: T,
    migrations: &[Migration],
) -> std::result::Result<Migrated, T::Error> {
    let newest = migrations.last().map_or(0, |m| m.version);
    tx.create_version_table()?;
    let found = tx.query_version(READ_VERSION)?.unwrap_or(0);
    if found > newest {
        return Ok(Migrated::Newer { found, newest });
    }
    for migration in migrations.iter().filter(|m| m.version > found) {
        tx.execute_batch(migration.sql)?;
    }
    let version = newest.max(found);
    tx.write_version(WRITE_VERSION, version)?;
    tx.commit()?;
    Ok(Migrated::To { version })
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn migration(version: i64) -> Migration {
        Migration { version, sql: "" }
    }

    #[test]
    fn migrations_must_be_every_version_up_to_the_schema_version() {
        let all: Vec<Migration> = (1..=SCHEMA_VERSION).map(migration).collect();
        assert!(reaches_schema_version(&all));
        assert!(!reaches_schema_version(&[]));
        assert!(!reaches_schema_version(&all[1..]));
        assert!(!reaches_schema_version(&all[..all.len() - 1]));
        let mut one_more = all.clone();
        one_more.push(migration(SCHEMA_VERSION + 1));
        assert!(!reaches_schema_version(&one_more));
    }

    #[test]
    fn a_newer_database_is_an_unsupported_format_naming_both_versions() {
        assert!(Migrated::To { version: 1 }.supported("db").is_ok());
        let err = Migrated::Newer {
            found: 99,
            newest: 1,
        }
        .supported("db")
        .unwrap_err();
        assert!(
            matches!(err, BanditError::UnsupportedFormat { ref found, ref expected, .. }
                if found == "schema version 99" && expected == "schema versions up to 1"),
            "{err}"
        );
    }

    /// A database as a version number, the statements run on it and whether
    /// they were committed.
    #[derive(Default)]
    struct Fake {
        version: Option<i64>,
        ran: Vec<&'static str>,
        committed: bool,
    }

    impl MigrationTx for &mut Fake {
        type Error = std::convert::Infallible;
        fn create_version_table(&mut self) -> std::result::Result<(), Self::Error> {
            Ok(())
        }
        fn execute_batch(&mut self, sql: &str) -> std::result::Result<(), Self::Error> {
            self.ran.push(if sql == "v2" { "v2" } else { "other" });
            Ok(())
        }
        fn query_version(&mut self, _: &str) -> std::result::Result<Option<i64>, Self::Error> {
            Ok(self.version)
        }
        fn write_version(&mut self, _: &str, version: i64) -> std::result::Result<(), Self::Error> {
            self.version = Some(version);
            Ok(())
        }
        fn commit(self) -> std::result::Result<(), Self::Error> {
            self.committed = true;
            Ok(())
        }
    }

    #[test]
    fn only_the_migrations_above_the_recorded_version_run() {
        let all = [
            migration(1),
            Migration {
                version: 2,
                sql: "v2",
            },
        ];
        let mut db = Fake {
            version: Some(1),
            ..Fake::default()
        };
        assert_eq!(migrate(&mut db, &all), Ok(Migrated::To { version: 2 }));
        assert_eq!(
            (db.version, db.ran.as_slice(), db.committed),
            (Some(2), ["v2"].as_slice(), true)
        );
        let mut newer = Fake {
            version: Some(3),
            ..Fake::default()
        };
        assert_eq!(
            migrate(&mut newer, &all),
            Ok(Migrated::Newer {
                found: 3,
                newest: 2
            })
        );
        assert!(newer.ran.is_empty() && !newer.committed);
    }
}
