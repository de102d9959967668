//! SQLite through rusqlite: opening connections with arca's settings, running a [`Query`] in place,
//! and classifying SQLite's errors.

use crate::sql::{Arg, Fetch, Output, Query, Row, SqlError, SqlErrorKind, SqlResult, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Prepared statements kept per connection: every statement arca runs fits.
const STATEMENT_CACHE: usize = 128;

/// How a SQLite connection makes commits durable.
#[derive(Debug, Clone, Copy)]
pub enum Synchronous {
    /// `FULL`: each commit fsyncs the WAL itself (readers, which never commit, and `:memory:`).
    Full,
    /// `NORMAL`: commits are made durable by `WalSync` after they release the writer (the writer of
    /// a database file).
    GroupCommit,
}

/// Opens `path` (`:memory:` for a private in-memory database) with WAL, enforced foreign keys and a
/// busy wait instead of an immediate `SQLITE_BUSY`; readers are `query_only`.
pub fn open(path: &str, create: bool, synchronous: Synchronous, read_only: bool) -> SqlResult<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(Path::new(path), flags).map_err(error)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let sync = match synchronous {
        Synchronous::Full => "FULL",
        Synchronous::GroupCommit => "NORMAL",
    };
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = {sync};"
    ))
    .map_err(error)?;
    if read_only {
        conn.execute_batch("PRAGMA query_only = ON").map_err(error)?;
    }
    if let Synchronous::GroupCommit = synchronous {
        // `WalSync` checkpoints on a thread of its own instead of the committing writer.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0").map_err(error)?;
    }
    Ok(conn)
}

/// How many placeholders `sql` has when they first appear as `$1`, `$2`, … in that order (outside
/// quoted text): SQLite then numbered them as their numbers, and binding by position needs no name
/// lookup — which SQLite answers by walking its list of names, so a 10 000-digest `IN` list cost 50
/// million steps. `None` when they appear otherwise (or `$` is followed by no number).
fn numbered_in_order(sql: &str) -> Option<usize> {
    let bytes = sql.as_bytes();
    let (mut next, mut i, mut quoted) = (1usize, 0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => quoted = !quoted,
            b'$' if !quoted => {
                let end = (i + 1..bytes.len()).find(|&e| !bytes[e].is_ascii_digit()).unwrap_or(bytes.len());
                let number: usize = sql[i + 1..end].parse().ok()?;
                match number.cmp(&next) {
                    std::cmp::Ordering::Equal => next += 1,
                    std::cmp::Ordering::Greater => return None,
                    std::cmp::Ordering::Less => {}
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Some(next - 1)
}

/// Runs `query` on `conn`, now. `$N` placeholders are bound by their number, wherever they appear.
pub fn run(conn: &Connection, query: &Query, fetch: Fetch) -> SqlResult<Output> {
    let mut statement = conn.prepare_cached(&query.sql).map_err(error)?;
    let in_order = numbered_in_order(&query.sql) == Some(statement.parameter_count());
    for index in 1..=statement.parameter_count() {
        // Asking for the name is the walk to avoid: not even called when the placeholders are in order.
        let name = if in_order { None } else { statement.parameter_name(index) };
        let arg = match name {
            Some(name) => {
                let number = name.trim_start_matches(['$', '?']).parse::<usize>().ok();
                number.and_then(|n| query.args.get(n.wrapping_sub(1)))
            }
            None => query.args.get(index - 1),
        }
        .ok_or_else(|| SqlError::other(format!("no argument for parameter {index} of {:?}", query.sql)))?;
        statement.raw_bind_parameter(index, arg).map_err(error)?;
    }
    if fetch == Fetch::Count && statement.column_count() == 0 {
        return statement.raw_execute().map(|n| Output::Count(n as u64)).map_err(error);
    }
    let columns = statement.column_count();
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(error)? {
        let values = (0..columns).map(|i| row.get_ref(i).map(value).map_err(error)).collect::<SqlResult<_>>()?;
        out.push(Row(values));
        if fetch == Fetch::First {
            break;
        }
    }
    Ok(Output::Rows(out))
}

fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        // arca stores no floating point; a real would be a foreign row: keep it readable as text.
        ValueRef::Real(f) => Value::Text(f.to_string()),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Arg::Int(Some(n)) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Arg::Text(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Arg::Bytes(Some(b)) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Arg::Int(None) | Arg::Text(None) | Arg::Bytes(None) => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

/// Classifies a rusqlite error by SQLite's extended result code.
pub fn error(e: rusqlite::Error) -> SqlError {
    use rusqlite::ffi;
    let message = e.to_string();
    match &e {
        rusqlite::Error::SqliteFailure(failure, _) => {
            let code = failure.extended_code;
            let kind = match code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => SqlErrorKind::UniqueViolation,
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => SqlErrorKind::ForeignKeyViolation,
                _ => SqlErrorKind::Database,
            };
            SqlError { kind, code: Some(code.to_string()), message }
        }
        _ => SqlError { kind: SqlErrorKind::Other, code: None, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::query;

    fn memory() -> Connection {
        open(":memory:", true, Synchronous::Full, false).unwrap()
    }

    fn rows(conn: &Connection, q: &Query) -> Vec<Row> {
        match run(conn, q, Fetch::All).unwrap() {
            Output::Rows(rows) => rows,
            Output::Count(_) => panic!("no rows"),
        }
    }

    #[test]
    fn placeholders_in_order_are_counted_and_others_are_not() {
        assert_eq!(numbered_in_order("SELECT $1, $2, $1 WHERE x IN ($3)"), Some(3));
        assert_eq!(numbered_in_order("SELECT 1"), Some(0));
        assert_eq!(numbered_in_order("SELECT $2, $1"), None);
        assert_eq!(numbered_in_order("SELECT '$2', $1"), Some(1), "quoted text is no placeholder");
        assert_eq!(numbered_in_order("SELECT $x"), None);
    }

    #[test]
    fn thousands_of_parameters_bind_by_position() {
        let conn = memory();
        let list: Vec<String> = (1..=10_000).map(|n| format!("${n}")).collect();
        let mut q = query(format!("SELECT v FROM (SELECT 10001 AS v) WHERE v IN ({})", list.join(", ")));
        for n in 0..10_000_i64 {
            q = q.bind(n + 2);
        }
        assert_eq!(rows(&conn, &q).len(), 1, "10001 is the last of 2..=10001");
        let row = &rows(&conn, &query("SELECT $1 + $2, $1").bind(40_i64).bind(2_i64))[0];
        assert_eq!((row.get::<i64>(0).unwrap(), row.get::<i64>(1).unwrap()), (42, 40));
    }

    #[test]
    fn placeholders_bind_by_number_in_any_order_and_repeated() {
        let conn = memory();
        let q = query("SELECT $2, $1, $2 IS NULL, $3").bind("a").bind(5_i64).bind(None::<&str>);
        let row = &rows(&conn, &q)[0];
        assert_eq!(row.get::<i64>(0).unwrap(), 5);
        assert_eq!(row.get::<String>(1).unwrap(), "a");
        assert!(!row.get::<bool>(2).unwrap());
        assert_eq!(row.get::<Option<String>>(3).unwrap(), None);
    }

    #[test]
    fn a_missing_argument_is_an_error_not_a_null() {
        let conn = memory();
        assert!(run(&conn, &query("SELECT $1, $2").bind(1_i64), Fetch::All).is_err());
    }

    #[test]
    fn constraint_errors_are_classified() {
        let conn = memory();
        conn.execute_batch(
            "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p(id), u TEXT UNIQUE);",
        )
        .unwrap();
        let orphan = run(&conn, &query("INSERT INTO c (p, u) VALUES ($1, 'x')").bind(9_i64), Fetch::Count);
        assert_eq!(orphan.err().unwrap().kind, SqlErrorKind::ForeignKeyViolation);
        run(&conn, &query("INSERT INTO c (p, u) VALUES (NULL, 'x')"), Fetch::Count).unwrap();
        let twice = run(&conn, &query("INSERT INTO c (p, u) VALUES (NULL, 'x')"), Fetch::Count);
        assert_eq!(twice.err().unwrap().kind, SqlErrorKind::UniqueViolation);
    }

    #[test]
    fn counts_and_returning_rows() {
        let conn = memory();
        conn.execute_batch("CREATE TABLE t (n INTEGER)").unwrap();
        let inserted = run(&conn, &query("INSERT INTO t (n) VALUES (1), (2)"), Fetch::Count).unwrap();
        assert!(matches!(inserted, Output::Count(2)));
        let returned = rows(&conn, &query("UPDATE t SET n = n + 10 RETURNING n"));
        assert_eq!(returned.len(), 2);
    }
}
