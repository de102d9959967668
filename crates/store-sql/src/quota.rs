//! Repository quotas: a write that adds content to a repository with `quota_bytes` is refused, in its
//! own transaction, when the repository then references more bytes than that (each distinct blob
//! once, as the storage report counts).
//!
//! PostgreSQL: the repository row is locked (`FOR UPDATE`) before counting, so concurrent writes to
//! one repository with a quota are counted one after the other and cannot both slip under it.
//! Repositories without a quota take no lock and no count.

use crate::db::{Dialect, Tx, col, db_err, to_u64};
use crate::sql::query;
use arca_core::{Error, ErrorKind, Result};

/// Refuses (`Denied`, naming the quota) when `repository` is over its quota after this transaction's
/// writes.
pub(crate) async fn check(tx: &mut Tx, dialect: Dialect, repository: &str) -> Result<()> {
    let Some(mut quota) = quota_of(tx, repository, false).await? else { return Ok(()) };
    if dialect == Dialect::Postgres {
        // Locked now, and read again: the value the count is checked against is the one held.
        let Some(locked) = quota_of(tx, repository, true).await? else { return Ok(()) };
        quota = locked;
    }
    let row = query(
        "SELECT CAST(COALESCE(SUM(b.size), 0) AS BIGINT) FROM blobs b WHERE b.digest IN \
         (SELECT digest FROM blob_links WHERE repository = $1 UNION SELECT digest FROM manifests WHERE repository = $1)",
    )
    .bind(repository)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err("counting a repository's bytes"))?;
    let used = to_u64(col(&row, 0)?);
    if used > quota {
        return Err(Error::new(
            ErrorKind::Denied,
            format!(
                "repository {repository} is over its quota: this write would make it hold {used} bytes, and its \
                 quota_bytes is {quota}; delete versions (or raise the quota) and push again"
            ),
        ));
    }
    Ok(())
}

/// The repository's quota, with its row locked (`FOR UPDATE`, PostgreSQL) when `lock`.
async fn quota_of(tx: &mut Tx, repository: &str, lock: bool) -> Result<Option<u64>> {
    let sql = match lock {
        false => "SELECT quota_bytes FROM repositories WHERE name = $1",
        true => "SELECT quota_bytes FROM repositories WHERE name = $1 FOR UPDATE",
    };
    let row = query(sql).bind(repository).fetch_optional(&mut *tx).await.map_err(db_err("reading a quota"))?;
    match row {
        Some(row) => Ok(col::<Option<i64>>(&row, 0)?.map(to_u64)),
        None => Ok(None),
    }
}
