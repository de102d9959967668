//! Scratch PostgreSQL databases for tests (feature `testing`), shared by this crate's tests and the
//! server's.

use sqlx::{AssertSqlSafe, Connection, Executor};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A PostgreSQL database created for one test; [`PgScratch::drop`] removes it.
pub struct PgScratch {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PgScratch {
    /// Creates `arca_test_<random>` on the server of `ARCA_TEST_POSTGRES`; panics, saying how to start
    /// PostgreSQL, if the server cannot be reached.
    pub async fn create() -> Self {
        Self::create_with("").await
    }

    /// Like [`PgScratch::create`], with `options` after `CREATE DATABASE <name>` (e.g. a locale).
    pub async fn create_with(options: &str) -> Self {
        let admin_url = std::env::var("ARCA_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
        let name = format!("arca_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = connect_admin(&admin_url).await;
        admin
            .execute(sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name} {options}"))))
            .await
            .unwrap_or_else(|e| panic!("creating scratch database {name} on {admin_url}: {e}"));
        let _ = admin.close().await;
        let url = with_database(&admin_url, &name);
        Self { admin_url, name, url }
    }

    /// Drops the database, best-effort (a leftover `arca_test_*` database is harmless).
    pub async fn drop(self) {
        let Ok(mut admin) = sqlx::PgConnection::connect(&self.admin_url).await else { return };
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = admin.execute(sqlx::raw_sql(AssertSqlSafe(sql))).await {
            eprintln!("leaving scratch database {} behind: {e}", self.name);
        }
        let _ = admin.close().await;
    }
}

async fn connect_admin(url: &str) -> sqlx::PgConnection {
    match sqlx::PgConnection::connect(url).await {
        Ok(conn) => conn,
        Err(e) => panic!(
            "PostgreSQL is unreachable at {url}: {e}\n\
             The metadata store tests run on PostgreSQL as well as SQLite and do not skip. Start a server \
             (`bash .ci/run` installs and starts one on Debian; or `pg_ctlcluster <version> main start`), \
             or set ARCA_TEST_POSTGRES to the URL of one where the user may CREATE DATABASE."
        ),
    }
}

/// `url` with its database (the last path segment) replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn scratch_urls_keep_server_and_options() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(with_database("postgres://u:p@h/test?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
