//! The connection of the PostgreSQL store: a session (a client with its
//! prepared statements), transactions that prepare each statement once per
//! session, and the description of a database without its password.

use std::collections::HashMap;
use std::time::Duration;

use postgres::config::Host;
use postgres::types::ToSql;
use postgres::{Client, Config, Row, Statement, Transaction};

use super::PostgresStore;

/// The connect timeout set when the configuration gives none, so that an
/// unreachable server fails a call instead of hanging it.
pub(super) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The parameters of a statement.
pub(super) type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

/// One live connection with its prepared statements.
pub(crate) struct Session {
    pub(super) client: Client,
    prepared: HashMap<&'static str, Statement>,
}

impl Session {
    /// A session on a new connection.
    pub(super) fn new(client: Client) -> Self {
        Self {
            client,
            prepared: HashMap::new(),
        }
    }

    /// Begins a transaction (`READ COMMITTED`, the server's default).
    pub(super) fn begin(&mut self) -> Result<Tx<'_>, postgres::Error> {
        Ok(Tx {
            tx: self.client.transaction()?,
            prepared: &mut self.prepared,
        })
    }
}

/// A transaction of a session, whose statements are prepared once per
/// session. Dropped without [`commit`](Self::commit), it rolls back.
pub(super) struct Tx<'a> {
    tx: Transaction<'a>,
    prepared: &'a mut HashMap<&'static str, Statement>,
}

impl Tx<'_> {
    /// The statement of `sql`, prepared on first use.
    fn statement(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.tx.prepare(sql)?;
        self.prepared.insert(sql, statement.clone());
        Ok(statement)
    }

    /// Runs `sql`; the number of rows changed.
    pub(super) fn execute(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<u64, postgres::Error> {
        let statement = self.statement(sql)?;
        self.tx.execute(&statement, params)
    }

    /// The rows of `sql`.
    pub(super) fn query(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, postgres::Error> {
        let statement = self.statement(sql)?;
        self.tx.query(&statement, params)
    }

    /// The row of `sql`, which returns at most one.
    pub(super) fn query_opt(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Option<Row>, postgres::Error> {
        let statement = self.statement(sql)?;
        self.tx.query_opt(&statement, params)
    }

    /// The row of `sql`, which returns exactly one.
    pub(super) fn query_one(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
    ) -> Result<Row, postgres::Error> {
        let statement = self.statement(sql)?;
        self.tx.query_one(&statement, params)
    }

    /// Commits the transaction.
    pub(super) fn commit(self) -> Result<(), postgres::Error> {
        self.tx.commit()
    }
}

/// `user@host:port/dbname` of a configuration, never its password.
pub(super) fn describe(config: &Config) -> String {
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

/// A connection URL with any password removed, for an error message.
pub(super) fn redact(url: &str) -> String {
    match url.rfind('@') {
        Some(at) => format!("…{}", &url[at..]),
        None if url.contains("password") => "(a connection string with a password)".to_owned(),
        None => url.to_owned(),
    }
}

impl PostgresStore {
    /// The live session, connecting first when there is none.
    pub(super) fn session(&mut self) -> Result<&mut Session, postgres::Error> {
        let session = match self.session.take() {
            Some(session) => session,
            None => Session::new((self.connect)()?),
        };
        Ok(self.session.insert(session))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_in_an_error_never_shows_its_password() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "…@h:5432/db");
        assert!(!redact("host=h password=secret").contains("secret"));
        assert_eq!(redact("host=h user=u"), "host=h user=u");
    }

    #[test]
    fn the_description_of_a_database_has_no_password() {
        let config: Config = "postgres://u:secret@h:5433/db".parse().unwrap();
        assert_eq!(describe(&config), "u@h:5433/db");
    }
}
