//! The owners of Cargo crates (`0014_crate_owners`): one row per login, keyed by the crate's stored
//! name.

use crate::db::{Db, Tx, col, db_err};
use crate::repositories;
use crate::sql::query;
use arca_core::Result;
use arca_core::meta::Millis;
use arca_types::OciName;

/// The crate's owners, in byte order.
pub(crate) async fn list(db: &Db, name: &OciName) -> Result<Vec<String>> {
    let rows = query("SELECT login FROM crate_owners WHERE repository = $1 AND package = $2 ORDER BY login")
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .fetch_all(&mut db.read().await?)
        .await
        .map_err(db_err("reading a crate's owners"))?;
    rows.iter().map(|row| col(row, 0)).collect()
}

/// Adds owners (existing ones are kept); how many were new. A repository that does not exist is
/// `NameUnknown`.
pub(crate) async fn add(tx: &mut Tx, name: &OciName, logins: &[String], now: Millis) -> Result<u64> {
    let mut added = 0;
    for login in logins {
        let inserted = query(
            "INSERT INTO crate_owners (repository, package, login, added_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .bind(login.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await;
        added += match inserted {
            Err(e) if e.is_foreign_key_violation() => return Err(repositories::unknown(&name.repository)),
            other => other.map_err(db_err("adding a crate owner"))?,
        };
    }
    Ok(added)
}

/// Removes owners; the owners left. The crate's rows are locked first (a no-op update), so two
/// removals at once on PostgreSQL see each other's result and cannot both leave the other owner
/// alone believing one remains (SQLite has one writer).
pub(crate) async fn remove(tx: &mut Tx, name: &OciName, logins: &[String]) -> Result<Vec<String>> {
    query("UPDATE crate_owners SET added_at = added_at WHERE repository = $1 AND package = $2")
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err("removing crate owners"))?;
    for login in logins {
        query("DELETE FROM crate_owners WHERE repository = $1 AND package = $2 AND login = $3")
            .bind(name.repository.as_str())
            .bind(name.package.as_str())
            .bind(login.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err("removing a crate owner"))?;
    }
    let rows = query("SELECT login FROM crate_owners WHERE repository = $1 AND package = $2 ORDER BY login")
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err("reading a crate's owners"))?;
    rows.iter().map(|row| col(row, 0)).collect()
}
