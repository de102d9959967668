//! Statements written once for both databases: [`query`] with `$N` placeholders and typed arguments,
//! run on a [`Conn`] — a SQLite connection (rusqlite, executed in place, no thread hop) or a
//! PostgreSQL one (sqlx) — returning rows of plain [`Value`]s.
//!
//! On SQLite a statement runs synchronously on the calling thread: the futures below are ready on
//! their first poll, so a whole transaction runs without a wake-up (see `db`). On PostgreSQL they are
//! sqlx's network round trips.

use crate::{postgres, sqlite};
use std::borrow::Cow;

/// A typed statement argument. PostgreSQL needs a NULL's type; SQLite ignores it.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

/// A column value as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub(crate) Vec<Value>);

/// A database error, classified for [`crate::db::db_err`].
#[derive(Debug)]
pub struct SqlError {
    pub kind: SqlErrorKind,
    /// The database's error code (SQLite's extended result code, PostgreSQL's SQLSTATE).
    pub code: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlErrorKind {
    UniqueViolation,
    ForeignKeyViolation,
    /// Other database-reported errors: see `code`.
    Database,
    /// The connection or the file system failed; `io` says whether the disk is full.
    Io {
        storage_full: bool,
    },
    /// No connection could be had in time, or the pool is closed.
    Unavailable,
    /// Anything else: a decoding failure, a misuse.
    Other,
}

impl SqlError {
    pub fn other(message: impl Into<String>) -> Self {
        Self { kind: SqlErrorKind::Other, code: None, message: message.into() }
    }

    pub fn is_foreign_key_violation(&self) -> bool {
        self.kind == SqlErrorKind::ForeignKeyViolation
    }
}

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} (code {code})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SqlError {}

pub type SqlResult<T> = std::result::Result<T, SqlError>;

/// A connection to run statements on.
pub enum Conn<'a> {
    Sqlite(&'a mut rusqlite::Connection),
    Postgres(&'a mut sqlx::PgConnection),
    /// Any connection of the pool, for a statement that needs no transaction.
    PostgresPool(&'a sqlx::PgPool),
}

/// Whatever statements can run on: a transaction, a reader, a connection.
pub trait AsConn {
    fn conn(&mut self) -> Conn<'_>;
}

impl<T: AsConn + ?Sized> AsConn for &mut T {
    fn conn(&mut self) -> Conn<'_> {
        (**self).conn()
    }
}

/// A statement and its arguments; `$N` is the N-th bound argument.
#[derive(Debug, Clone)]
pub struct Query {
    pub(crate) sql: Cow<'static, str>,
    pub(crate) args: Vec<Arg>,
}

/// A statement to bind arguments to and run.
pub fn query(sql: impl Into<Cow<'static, str>>) -> Query {
    Query { sql: sql.into(), args: Vec::new() }
}

/// What a statement is run for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fetch {
    /// The number of rows changed.
    Count,
    /// Every row.
    All,
    /// The first row, if any.
    First,
}

/// What a statement returned.
pub(crate) enum Output {
    Count(u64),
    Rows(Vec<Row>),
}

impl Query {
    pub fn bind(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into());
        self
    }

    async fn run(self, c: &mut (impl AsConn + ?Sized), fetch: Fetch) -> SqlResult<Output> {
        match c.conn() {
            Conn::Sqlite(conn) => sqlite::run(conn, &self, fetch),
            Conn::Postgres(conn) => postgres::run(conn, self, fetch).await,
            Conn::PostgresPool(pool) => postgres::run(pool, self, fetch).await,
        }
    }

    /// Runs a statement that returns no rows; the number of rows it changed.
    pub async fn execute(self, c: &mut (impl AsConn + ?Sized)) -> SqlResult<u64> {
        match self.run(c, Fetch::Count).await? {
            Output::Count(n) => Ok(n),
            Output::Rows(rows) => Ok(rows.len() as u64),
        }
    }

    pub async fn fetch_all(self, c: &mut (impl AsConn + ?Sized)) -> SqlResult<Vec<Row>> {
        match self.run(c, Fetch::All).await? {
            Output::Rows(rows) => Ok(rows),
            Output::Count(_) => Ok(Vec::new()),
        }
    }

    pub async fn fetch_optional(self, c: &mut (impl AsConn + ?Sized)) -> SqlResult<Option<Row>> {
        match self.run(c, Fetch::First).await? {
            Output::Rows(rows) => Ok(rows.into_iter().next()),
            Output::Count(_) => Ok(None),
        }
    }

    pub async fn fetch_one(self, c: &mut (impl AsConn + ?Sized)) -> SqlResult<Row> {
        self.fetch_optional(c).await?.ok_or_else(|| SqlError::other("the statement returned no row"))
    }
}

/// Runs several statements separated by `;` (migrations).
pub async fn batch(c: &mut (impl AsConn + ?Sized), sql: &str) -> SqlResult<()> {
    match c.conn() {
        Conn::Sqlite(conn) => conn.execute_batch(sql).map_err(sqlite::error),
        Conn::Postgres(conn) => postgres::batch(conn, sql).await,
        Conn::PostgresPool(pool) => postgres::batch(pool, sql).await,
    }
}

/// A Rust value read from a column.
pub trait FromValue: Sized {
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Bytes(b) => Some(b.clone()),
            // SQLite keeps what it was given; a text value bound to a bytes column reads as text.
            Value::Text(s) => Some(s.clone().into_bytes()),
            _ => None,
        }
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).map(|n| n != 0)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl Row {
    /// Column `index`, as `T`.
    pub fn get<T: FromValue>(&self, index: usize) -> SqlResult<T> {
        let value = self.0.get(index).ok_or_else(|| SqlError::other(format!("no column {index} in the row")))?;
        T::from_value(value).ok_or_else(|| {
            SqlError::other(format!("column {index} holds {value:?}, not a {}", std::any::type_name::<T>()))
        })
    }
}

macro_rules! arg_from {
    ($variant:ident: $($t:ty => $conv:expr),* $(,)?) => {
        $(impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                #[allow(clippy::redundant_closure_call)]
                Arg::$variant(Some(($conv)(v)))
            }
        })*
    };
}

arg_from!(Int: i64 => |v| v, i32 => i64::from, u32 => i64::from, bool => i64::from);
arg_from!(Text: &str => str::to_owned, String => |v| v, &String => String::clone);
arg_from!(Bytes: &[u8] => <[u8]>::to_vec, Vec<u8> => |v| v, &Vec<u8> => Vec::clone);

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_owned))
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}

impl From<Option<&[u8]>> for Arg {
    fn from(v: Option<&[u8]>) -> Self {
        Arg::Bytes(v.map(<[u8]>::to_vec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_read_as_their_type_or_fail() {
        let row = Row(vec![Value::Int(7), Value::Text("a".into()), Value::Null, Value::Bytes(vec![1])]);
        assert_eq!(row.get::<i64>(0).unwrap(), 7);
        assert!(row.get::<bool>(0).unwrap());
        assert_eq!(row.get::<String>(1).unwrap(), "a");
        assert_eq!(row.get::<Option<String>>(2).unwrap(), None);
        assert_eq!(row.get::<Option<i64>>(0).unwrap(), Some(7));
        assert_eq!(row.get::<Vec<u8>>(3).unwrap(), vec![1]);
        assert!(row.get::<i64>(1).is_err(), "text is not a number");
        assert!(row.get::<String>(2).is_err(), "NULL is not a string");
        assert!(row.get::<i64>(9).is_err(), "no such column");
    }

    #[test]
    fn arguments_keep_the_type_of_their_nulls() {
        assert_eq!(Arg::from(None::<&str>), Arg::Text(None));
        assert_eq!(Arg::from(None::<i64>), Arg::Int(None));
        assert_eq!(Arg::from(true), Arg::Int(Some(1)));
        assert_eq!(Arg::from("x"), Arg::Text(Some("x".into())));
    }
}
