//! Packages: the catalog. A row is created by the first blob link or manifest in a package; the
//! package counts as present (in the catalog, for its tag list) while it holds a manifest or a blob.

use crate::db::{Db, Tx, col, corrupt, db_err, limit};
use crate::repositories;
use crate::sql::query;
use arca_core::Result;
use arca_core::meta::{FileClaim, FileName, Lifecycle, Millis, PackageStatus, Page};
use arca_types::{Digest, OciName};

/// Full names (`repo/package`) of present packages after `page.last`, in byte order: one range scan
/// of `packages_by_full_name`, probing each row's manifests and blob links by primary key.
pub(crate) async fn list(db: &Db, page: &Page) -> Result<Vec<String>> {
    if page.limit == 0 {
        return Ok(Vec::new());
    }
    let rows = query(
        "SELECT p.full_name FROM packages p WHERE p.full_name > $1 AND (\
         EXISTS (SELECT 1 FROM manifests m WHERE m.repository = p.repository AND m.package = p.name) \
         OR EXISTS (SELECT 1 FROM blob_links b WHERE b.repository = p.repository AND b.package = p.name)) \
         ORDER BY p.full_name LIMIT $2",
    )
    .bind(page.last.as_deref().unwrap_or(""))
    .bind(limit(page.limit))
    .fetch_all(&mut db.read().await?)
    .await
    .map_err(db_err("listing packages"))?;
    rows.iter().map(|row| col(row, 0)).collect()
}

/// Adds the package to the catalog if it is not there yet. `ON CONFLICT` names no index: two first
/// pushes to a package at once may collide on `packages_by_full_name` before the primary key, and
/// PostgreSQL only absorbs conflicts on the index it is told of. A repository that does not exist is
/// `NameUnknown` (the foreign key says so, saving a lookup per write).
pub(crate) async fn ensure(tx: &mut Tx, name: &OciName, now: Millis) -> Result<()> {
    let added = query(
        "INSERT INTO packages (repository, name, full_name, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(name.repository.as_str())
    .bind(name.package.as_str())
    .bind(name.to_string())
    .bind(now)
    .execute(tx)
    .await;
    match added {
        Err(e) if e.is_foreign_key_violation() => Err(repositories::unknown(&name.repository)),
        other => other.map(drop).map_err(db_err("adding a package")),
    }
}

/// Whether the package holds a manifest or a blob.
pub(crate) async fn is_present(tx: &mut Tx, name: &OciName) -> Result<bool> {
    let row = query(
        "SELECT CASE WHEN \
         EXISTS (SELECT 1 FROM manifests WHERE repository = $1 AND package = $2) \
         OR EXISTS (SELECT 1 FROM blob_links WHERE repository = $1 AND package = $2) THEN 1 ELSE 0 END",
    )
    .bind(name.repository.as_str())
    .bind(name.package.as_str())
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err("reading a package"))?;
    Ok(col::<i64>(&row, 0)? != 0)
}

/// Claims a file name in its repository (see `UnitOfWork::claim_file_name`). The insert comes first
/// so racing claims serialize on the row; the loser reads the winner's digest.
pub(crate) async fn claim_file_name(tx: &mut Tx, name: &FileName<'_>, now: i64) -> Result<FileClaim> {
    let inserted = query(
        "INSERT INTO published_files (repository, file_name, package, digest, published_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (repository, file_name) DO NOTHING",
    )
    .bind(name.repository.as_str())
    .bind(name.file)
    .bind(name.package.as_str())
    .bind(name.digest.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(db_err("claiming a file name"))?;
    if inserted == 1 {
        return Ok(FileClaim::New);
    }
    let row = query("SELECT digest FROM published_files WHERE repository = $1 AND file_name = $2")
        .bind(name.repository.as_str())
        .bind(name.file)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err("reading a file name"))?;
    let digest: String = col(&row, 0)?;
    if digest == name.digest.as_str() {
        return Ok(FileClaim::Same);
    }
    Ok(FileClaim::Taken(Digest::parse(&digest).map_err(|e| corrupt("published file digest", &digest, e))?))
}

/// The package's lifecycle state; `None` if the package is unknown.
pub(crate) async fn status(db: &Db, name: &OciName) -> Result<Option<PackageStatus>> {
    let row = query("SELECT status, status_reason FROM packages WHERE repository = $1 AND name = $2")
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .fetch_optional(&mut db.read().await?)
        .await
        .map_err(db_err("reading a package's status"))?;
    let Some(row) = row else { return Ok(None) };
    let stored: Option<String> = col(&row, 0)?;
    let status = match stored.as_deref() {
        None => Lifecycle::Active,
        Some(s) => Lifecycle::parse(s).ok_or_else(|| corrupt("package status", s, "not a lifecycle state"))?,
    };
    Ok(Some(PackageStatus { status, reason: col(&row, 1)? }))
}

/// Sets the package's lifecycle state (active is stored as NULL); `false` if the package is unknown.
pub(crate) async fn set_status(tx: &mut Tx, name: &OciName, status: &PackageStatus) -> Result<bool> {
    let stored = (status.status != Lifecycle::Active).then_some(status.status.as_str());
    let updated = query("UPDATE packages SET status = $1, status_reason = $2 WHERE repository = $3 AND name = $4")
        .bind(stored)
        .bind(status.reason.as_deref())
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err("setting a package's status"))?;
    Ok(updated == 1)
}
