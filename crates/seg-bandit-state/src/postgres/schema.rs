//! The PostgreSQL dialect of the schema (see [`crate::store::schema`]): the
//! same tables as the SQLite store (`src/sqlite/schema.rs`) in PostgreSQL
//! types, migrated in one transaction that first takes a transaction-scoped
//! advisory lock (so concurrent openers wait for each other instead of racing
//! on `CREATE TABLE`).
//!
//! Differences from the SQLite schema, each forced by PostgreSQL:
//! - names are `BYTEA` (their UTF-8 bytes): PostgreSQL `TEXT` cannot hold a
//!   NUL character, and the store keeps every name verbatim; `BYTEA` also
//!   compares byte for byte, whatever the database's collation. Read them in
//!   `psql` with `convert_from(name, 'UTF8')`;
//! - `events.batch_key` (unique per experiment) holds the idempotency key of
//!   each batch, so that a batch retried after a lost connection is recorded
//!   once (SQLite, a local file, has no lost acknowledgement to retry after);
//! - ids are `GENERATED ALWAYS AS IDENTITY` columns, counts `BIGINT` (an
//!   overflowing `+` is an error, never a wrap or a float), and the
//!   append-only rule of `events` is a trigger function that also refuses
//!   `TRUNCATE`.

use postgres::{Client, Transaction};

use crate::store::schema::{Migrated, Migration, MigrationTx, reaches_schema_version};

/// The key of the advisory lock that serialises migrations (ASCII
/// "SegBand1"). Advisory locks with one `bigint` key and with two `integer`
/// keys do not collide, so this cannot block the events lock of the store.
const MIGRATION_LOCK: i64 = 0x5365_6742_616E_6431;

/// Every migration of this release, in order (`version` = position + 1).
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: "
CREATE TABLE experiments (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        BYTEA NOT NULL UNIQUE,
    prior_alpha DOUBLE PRECISION NOT NULL CHECK (prior_alpha > 0),
    prior_beta  DOUBLE PRECISION NOT NULL CHECK (prior_beta > 0)
);

CREATE TABLE variants (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    experiment_id BIGINT NOT NULL REFERENCES experiments (id),
    position      INTEGER NOT NULL CHECK (position >= 0),
    name          BYTEA NOT NULL,
    UNIQUE (experiment_id, name),
    UNIQUE (experiment_id, position)
);

CREATE TABLE segments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    experiment_id BIGINT NOT NULL REFERENCES experiments (id),
    name          BYTEA NOT NULL,
    UNIQUE (experiment_id, name)
);

CREATE TABLE variant_segment_state (
    variant_id  BIGINT NOT NULL REFERENCES variants (id),
    segment_id  BIGINT NOT NULL REFERENCES segments (id),
    prior_alpha DOUBLE PRECISION NOT NULL CHECK (prior_alpha > 0),
    prior_beta  DOUBLE PRECISION NOT NULL CHECK (prior_beta > 0),
    successes   BIGINT NOT NULL DEFAULT 0 CHECK (successes >= 0),
    failures    BIGINT NOT NULL DEFAULT 0 CHECK (failures >= 0),
    PRIMARY KEY (variant_id, segment_id)
);

CREATE TABLE events (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    timestamp     BIGINT NOT NULL,
    experiment_id BIGINT NOT NULL REFERENCES experiments (id),
    segment_id    BIGINT NOT NULL REFERENCES segments (id),
    variant_id    BIGINT NOT NULL REFERENCES variants (id),
    successes     BIGINT NOT NULL CHECK (successes >= 0),
    failures      BIGINT NOT NULL CHECK (failures >= 0),
    batch_key     TEXT NOT NULL,
    CONSTRAINT events_batch_key UNIQUE (experiment_id, batch_key)
);

CREATE INDEX events_by_experiment ON events (experiment_id, seq);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END
$$;

CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();

CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();
",
    },
    Migration {
        version: 2,
        sql: "
CREATE TABLE decisions (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    experiment_id    BIGINT NOT NULL REFERENCES experiments (id),
    segment          BYTEA NOT NULL,
    variant_id       BIGINT NOT NULL REFERENCES variants (id),
    propensity       DOUBLE PRECISION NOT NULL CHECK (propensity > 0 AND propensity <= 1),
    allocation       BYTEA NOT NULL,
    allocation_error DOUBLE PRECISION NOT NULL CHECK (allocation_error >= 0),
    policy           BYTEA NOT NULL,
    policy_version   BYTEA NOT NULL,
    timestamp        BIGINT NOT NULL,
    unit             BYTEA,
    reward           DOUBLE PRECISION,
    decision_key     TEXT NOT NULL,
    CONSTRAINT decisions_key UNIQUE (experiment_id, decision_key)
);

CREATE INDEX decisions_by_experiment ON decisions (experiment_id, id);

CREATE FUNCTION decisions_reward_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR OLD.reward IS NOT NULL
       OR (NEW.id, NEW.experiment_id, NEW.segment, NEW.variant_id, NEW.propensity,
           NEW.allocation, NEW.allocation_error, NEW.policy, NEW.policy_version,
           NEW.timestamp, NEW.unit, NEW.decision_key)
          IS DISTINCT FROM
          (OLD.id, OLD.experiment_id, OLD.segment, OLD.variant_id, OLD.propensity,
           OLD.allocation, OLD.allocation_error, OLD.policy, OLD.policy_version,
           OLD.timestamp, OLD.unit, OLD.decision_key)
    THEN
        RAISE EXCEPTION 'decisions are append-only; a reward is set once';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER decisions_reward_once BEFORE UPDATE OR DELETE ON decisions
FOR EACH ROW EXECUTE FUNCTION decisions_reward_once();

CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

CREATE TABLE period_batches (
    seq                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    experiment_id      BIGINT NOT NULL REFERENCES experiments (id),
    segment            BYTEA NOT NULL,
    variant_id         BIGINT NOT NULL REFERENCES variants (id),
    period             BIGINT NOT NULL,
    propensity         DOUBLE PRECISION NOT NULL CHECK (propensity > 0 AND propensity <= 1),
    count              BIGINT NOT NULL CHECK (count >= 0),
    reward_sum         DOUBLE PRECISION NOT NULL,
    reward_sum_squares DOUBLE PRECISION NOT NULL CHECK (reward_sum_squares >= 0),
    period_key         TEXT NOT NULL,
    CONSTRAINT period_batches_key UNIQUE (experiment_id, period_key)
);

CREATE INDEX period_batches_by_experiment ON period_batches (experiment_id, seq);

CREATE TRIGGER period_batches_no_update_or_delete BEFORE UPDATE OR DELETE ON period_batches
FOR EACH ROW EXECUTE FUNCTION events_append_only();

CREATE TRIGGER period_batches_no_truncate BEFORE TRUNCATE ON period_batches
FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();
",
    },
];

const _: () = assert!(
    reaches_schema_version(MIGRATIONS),
    "the PostgreSQL migrations must be the versions 1 to SCHEMA_VERSION"
);

impl MigrationTx for Transaction<'_> {
    type Error = postgres::Error;

    fn create_version_table(&mut self) -> Result<(), postgres::Error> {
        // Quiet the notice "relation already exists, skipping".
        self.batch_execute(
            "SET LOCAL client_min_messages = warning;
             CREATE TABLE IF NOT EXISTS schema_version (
                 id      INTEGER PRIMARY KEY CHECK (id = 0),
                 version BIGINT NOT NULL
             );",
        )
    }

    fn execute_batch(&mut self, sql: &str) -> Result<(), postgres::Error> {
        self.batch_execute(sql)
    }

    fn query_version(&mut self, sql: &str) -> Result<Option<i64>, postgres::Error> {
        self.query_opt(sql, &[])?
            .map(|row| row.try_get(0))
            .transpose()
    }

    fn write_version(&mut self, sql: &str, version: i64) -> Result<(), postgres::Error> {
        self.execute(sql, &[&version]).map(drop)
    }

    fn commit(self) -> Result<(), postgres::Error> {
        Transaction::commit(self)
    }
}

/// Brings the schema of `client` (the first schema of its `search_path`) up
/// to the newest of `migrations`, in one transaction holding the migration
/// advisory lock.
pub(crate) fn migrate(
    client: &mut Client,
    migrations: &[Migration],
) -> Result<Migrated, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    crate::store::schema::migrate(tx, migrations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_of_the_sqlite_schema_is_created() {
        let sql = MIGRATIONS[0].sql;
        for table in [
            "experiments",
            "variants",
            "segments",
            "variant_segment_state",
            "events",
        ] {
            assert!(sql.contains(&format!("CREATE TABLE {table} (")), "{table}");
        }
        for table in ["decisions", "period_batches"] {
            assert!(
                MIGRATIONS[1]
                    .sql
                    .contains(&format!("CREATE TABLE {table} (")),
                "{table}"
            );
        }
    }

    /// A database written at version 1 (by the first migration alone, with
    /// a batch recorded as version 1 recorded it) is migrated to version 2
    /// by opening a store on it, and keeps its experiment, state and event.
    #[test]
    fn a_version_1_database_migrates_and_keeps_its_batches() {
        use crate::{Decision, DecisionLog, Policy, PostgresStore, StateStore};
        use postgres::{Config, NoTls};

        let Ok(url) = std::env::var("SEG_POSTGRES_URL") else {
            assert!(
                std::env::var("SEG_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "SEG_REQUIRE_POSTGRES=1 but SEG_POSTGRES_URL is not set"
            );
            eprintln!("skipped: SEG_POSTGRES_URL is not set");
            return;
        };
        let schema = "seg_test_unit_migrate_v1";
        let mut admin = Client::connect(&url, NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "SET client_min_messages = warning;
                 DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
            ))
            .unwrap();
        let mut config: Config = url.parse().unwrap();
        config.options(&format!("-c search_path={schema}"));
        let mut client = config.connect(NoTls).unwrap();
        assert_eq!(
            migrate(&mut client, &MIGRATIONS[..1]).unwrap(),
            Migrated::To { version: 1 }
        );
        client
            .batch_execute(
                "INSERT INTO experiments (name, prior_alpha, prior_beta) VALUES ('e'::bytea, 1, 1);
                 INSERT INTO variants (experiment_id, position, name)
                     SELECT id, 0, 'a'::bytea FROM experiments;
                 INSERT INTO variants (experiment_id, position, name)
                     SELECT id, 1, 'b'::bytea FROM experiments;
                 INSERT INTO segments (experiment_id, name) SELECT id, 's'::bytea FROM experiments;
                 INSERT INTO variant_segment_state (variant_id, segment_id, prior_alpha, prior_beta, successes, failures)
                     SELECT v.id, s.id, 1, 1, CASE v.position WHEN 1 THEN 3 ELSE 0 END,
                            CASE v.position WHEN 1 THEN 7 ELSE 0 END
                     FROM variants v, segments s;
                 INSERT INTO events (timestamp, experiment_id, segment_id, variant_id, successes, failures, batch_key)
                     SELECT 5, e.id, s.id, v.id, 3, 7, 'k1'
                     FROM experiments e, segments s, variants v WHERE v.position = 1;",
            )
            .unwrap();
        drop(client);
        let mut store = PostgresStore::connect_with_tls(config.clone(), NoTls).unwrap();
        let states = store.all_states("e").unwrap();
        let totals: Vec<(&str, u64, u64)> = states
            .iter()
            .map(|s| (s.variant.as_str(), s.successes, s.failures))
            .collect();
        assert_eq!(totals, [("a", 0, 0), ("b", 3, 7)]);
        assert_eq!(store.event_count("e").unwrap(), 1);
        assert_eq!(store.decision_count("e").unwrap(), 0);
        let d = Decision::new(
            "s",
            "b",
            0.5,
            vec![0.5, 0.5],
            Policy::new("p", "1").unwrap(),
            0,
        )
        .unwrap();
        let id = store.record_decision("e", &d).unwrap();
        store.record_reward("e", id, 1.0).unwrap();
        let mut client = config.connect(NoTls).unwrap();
        let version: i64 = client
            .query_one("SELECT version FROM schema_version", &[])
            .unwrap()
            .get(0);
        assert_eq!(version, 2);
        drop(store);
        let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE;"));
    }
}
