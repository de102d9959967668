//! PostgreSQL through sqlx: running a [`Query`], reading rows into [`Value`]s, classifying errors.

use crate::sql::{Arg, Fetch, Output, Query, Row, SqlError, SqlErrorKind, SqlResult, Value};
use futures_util::TryStreamExt;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{AssertSqlSafe, Column, Executor, Postgres, Row as _, TypeInfo, ValueRef};

type PgQuery = sqlx::query::Query<'static, Postgres, PgArguments>;

fn statement(query: Query) -> PgQuery {
    let mut q = sqlx::query(AssertSqlSafe(query.sql.into_owned()));
    for arg in query.args {
        q = match arg {
            Arg::Int(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
            Arg::Bytes(v) => q.bind(v),
        };
    }
    q
}

pub async fn run<'c, E>(executor: E, query: Query, fetch: Fetch) -> SqlResult<Output>
where
    E: Executor<'c, Database = Postgres>,
{
    let q = statement(query);
    match fetch {
        Fetch::Count => q.execute(executor).await.map(|done| Output::Count(done.rows_affected())).map_err(error),
        Fetch::All => {
            let rows: Vec<PgRow> = q.fetch_all(executor).await.map_err(error)?;
            rows.iter().map(row).collect::<SqlResult<_>>().map(Output::Rows)
        }
        Fetch::First => {
            let mut stream = q.fetch(executor);
            let first = stream.try_next().await.map_err(error)?;
            first.as_ref().map(row).transpose().map(|r| Output::Rows(r.into_iter().collect()))
        }
    }
}

pub async fn batch<'c, E>(executor: E, sql: &str) -> SqlResult<()>
where
    E: Executor<'c, Database = Postgres>,
{
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(executor).await.map(drop).map_err(error)
}

fn row(r: &PgRow) -> SqlResult<Row> {
    let values = (0..r.len()).map(|i| column(r, i)).collect::<SqlResult<_>>()?;
    Ok(Row(values))
}

fn column(r: &PgRow, i: usize) -> SqlResult<Value> {
    if r.try_get_raw(i).map_err(error)?.is_null() {
        return Ok(Value::Null);
    }
    Ok(match r.column(i).type_info().name() {
        "INT8" => Value::Int(r.try_get::<i64, _>(i).map_err(error)?),
        "INT4" => Value::Int(i64::from(r.try_get::<i32, _>(i).map_err(error)?)),
        "INT2" => Value::Int(i64::from(r.try_get::<i16, _>(i).map_err(error)?)),
        "BOOL" => Value::Int(i64::from(r.try_get::<bool, _>(i).map_err(error)?)),
        "BYTEA" => Value::Bytes(r.try_get::<Vec<u8>, _>(i).map_err(error)?),
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Value::Text(r.try_get::<String, _>(i).map_err(error)?),
        other => return Err(SqlError::other(format!("column {i} has a type arca does not read: {other}"))),
    })
}

/// Classifies a sqlx error: constraint violations, the server's SQLSTATE, lost connections.
pub fn error(e: sqlx::Error) -> SqlError {
    use sqlx::error::ErrorKind as DbKind;
    let message = e.to_string();
    match &e {
        sqlx::Error::Database(db) => {
            let kind = match db.kind() {
                DbKind::UniqueViolation => SqlErrorKind::UniqueViolation,
                DbKind::ForeignKeyViolation => SqlErrorKind::ForeignKeyViolation,
                _ => SqlErrorKind::Database,
            };
            SqlError { kind, code: db.code().map(|c| c.into_owned()), message }
        }
        sqlx::Error::Io(io) => SqlError {
            kind: SqlErrorKind::Io { storage_full: arca_core::error::is_storage_full(io) },
            code: None,
            message,
        },
        sqlx::Error::Tls(_) => SqlError { kind: SqlErrorKind::Io { storage_full: false }, code: None, message },
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            SqlError { kind: SqlErrorKind::Unavailable, code: None, message }
        }
        _ => SqlError { kind: SqlErrorKind::Other, code: None, message },
    }
}
