//! The blob index: which blobs are durable in the blob store, their sizes, and the packages that see
//! them.

use crate::db::{Tx, col, corrupt, db_err, limit, to_i64, to_u64};
use crate::sql::query;
use crate::{SqlMetaStore, packages};
use arca_core::audit::NewAuditEntry;
use arca_core::meta::{BlobIndex, Millis, Recorded};
use arca_core::{Error, ErrorKind, Result};
use arca_types::{Digest, OciName, PackageName, RepoName};
use async_trait::async_trait;

#[async_trait]
impl BlobIndex for SqlMetaStore {
    async fn record_blob(&self, digest: &Digest, size: u64, link: Option<&OciName>, now: Millis) -> Result<Recorded> {
        let mut tx = self.db.write().await?;
        let (recorded, linked) = record_blob_in(&mut tx, digest, size, link, now).await?;
        if let (true, Some(name)) = (linked, link) {
            crate::quota::check(&mut tx, self.db.dialect, name.repository.as_str()).await?;
        }
        tx.commit().await.map_err(db_err("recording a blob"))?;
        Ok(recorded)
    }

    async fn blob_size(&self, digest: &Digest) -> Result<Option<u64>> {
        let row = query("SELECT size FROM blobs WHERE digest = $1")
            .bind(digest.as_str())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading a blob"))?;
        row.map(|row| col(&row, 0).map(to_u64)).transpose()
    }

    async fn blob_body(&self, digest: &Digest) -> Result<Option<bytes::Bytes>> {
        let row = query("SELECT body FROM blob_bodies WHERE digest = $1")
            .bind(digest.as_str())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading a blob's body"))?;
        row.map(|row| col::<Vec<u8>>(&row, 0).map(bytes::Bytes::from)).transpose()
    }

    async fn touch_blob(&self, digest: &Digest, now: Millis, fresh_since: Millis) -> Result<Option<u64>> {
        let row = query("SELECT size, touched_at FROM blobs WHERE digest = $1 AND collecting_at IS NULL")
            .bind(digest.as_str())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading a blob"))?;
        let Some(row) = row else { return Ok(None) };
        let (size, touched_at): (i64, i64) = (col(&row, 0)?, col(&row, 1)?);
        if touched_at >= fresh_since {
            return Ok(Some(to_u64(size)));
        }
        let mut tx = self.db.write().await?;
        let touched = touch(&mut tx, digest, now).await?;
        tx.commit().await.map_err(db_err("touching a blob"))?;
        Ok(touched.then(|| to_u64(size)))
    }

    async fn linked_blob_size(&self, name: &OciName, digest: &Digest) -> Result<Option<u64>> {
        let row = query(
            "SELECT b.size FROM blob_links l JOIN blobs b ON b.digest = l.digest \
             WHERE l.repository = $1 AND l.package = $2 AND l.digest = $3",
        )
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .bind(digest.as_str())
        .fetch_optional(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading a blob link"))?;
        row.map(|row| col(&row, 0).map(to_u64)).transpose()
    }

    async fn unlink_blob(&self, name: &OciName, digest: &Digest, entry: &NewAuditEntry) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let done = query("DELETE FROM blob_links WHERE repository = $1 AND package = $2 AND digest = $3")
            .bind(name.repository.as_str())
            .bind(name.package.as_str())
            .bind(digest.as_str())
            .execute(&mut tx)
            .await
            .map_err(db_err("unlinking a blob"))?;
        crate::audit::commit_audited(tx, done != 0, entry, "unlinking a blob").await
    }

    async fn blob_stats(&self) -> Result<(u64, u64)> {
        let row = query("SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM blobs")
            .fetch_one(&mut self.db.read().await?)
            .await
            .map_err(db_err("counting blobs"))?;
        Ok((to_u64(col(&row, 0)?), to_u64(col(&row, 1)?)))
    }

    async fn unrecorded_references(&self, max: usize) -> Result<Vec<(OciName, Digest, Digest)>> {
        let rows = query(
            "SELECT DISTINCT r.repository, r.package, r.manifest_digest, r.child_digest FROM manifest_refs r \
             WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.digest = r.child_digest) \
             ORDER BY r.repository, r.package, r.manifest_digest, r.child_digest LIMIT $1",
        )
        .bind(limit(max))
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("checking manifest references"))?;
        rows.iter()
            .map(|row| {
                let (repository, package): (String, String) = (col(row, 0)?, col(row, 1)?);
                let name = OciName::new(
                    RepoName::parse(&repository).map_err(|e| corrupt("repository", &repository, e))?,
                    PackageName::parse(&package).map_err(|e| corrupt("package", &package, e))?,
                );
                let (manifest, child): (String, String) = (col(row, 2)?, col(row, 3)?);
                let manifest = Digest::parse(&manifest).map_err(|e| corrupt("manifest digest", &manifest, e))?;
                let child = Digest::parse(&child).map_err(|e| corrupt("reference digest", &child, e))?;
                Ok((name, manifest, child))
            })
            .collect()
    }

    async fn list_blobs(&self, after: Option<&Digest>, max: usize) -> Result<Vec<(Digest, u64)>> {
        let rows = query(
            "SELECT digest, size FROM blobs WHERE digest > $1 AND collecting_at IS NULL ORDER BY digest LIMIT $2",
        )
        .bind(after.map_or("", Digest::as_str))
        .bind(limit(max))
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("listing blobs"))?;
        rows.iter()
            .map(|row| {
                let digest: String = col(row, 0)?;
                let digest = Digest::parse(&digest).map_err(|e| corrupt("blob digest", &digest, e))?;
                Ok((digest, to_u64(col(row, 1)?)))
            })
            .collect()
    }
}

/// Records a blob (and its link into `link`'s package) inside a write transaction; whether the link is
/// new (the repository may have grown: see `quota`).
pub(crate) async fn record_blob_in(
    tx: &mut Tx,
    digest: &Digest,
    size: u64,
    link: Option<&OciName>,
    now: Millis,
) -> Result<(Recorded, bool)> {
    let recorded = touch_or_insert(tx, digest, size, now).await?;
    let mut linked = false;
    if let Some(name) = link {
        packages::ensure(tx, name, now).await?;
        linked = query(
            "INSERT INTO blob_links (repository, package, digest, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (repository, package, digest) DO NOTHING",
        )
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .bind(digest.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_err("linking a blob"))?
            == 1;
    }
    Ok((recorded, linked))
}

/// Marks a recorded blob as touched now (GC leaves it alone for its grace period) or records it.
/// A blob a GC sweep has taken (its file is being deleted) is refused: the push is retried.
///
/// A blob touched within the database's `touch_fresh_for` is not written again. Every push of an
/// image sharing a config or a base layer would otherwise update that one row and hold its lock
/// until its commit, queueing all of them behind each other on PostgreSQL. The skip is safe while
/// the window is at most half the GC grace period (the server sets it so): a sweep takes only blobs
/// touched a whole grace period ago, so it cannot take this one before the push commits.
pub(crate) async fn touch_or_insert(tx: &mut Tx, digest: &Digest, size: u64, now: Millis) -> Result<Recorded> {
    if tx.touch_fresh_for == 0 {
        if touch(tx, digest, now).await? {
            return Ok(Recorded::Existing);
        }
    } else {
        // One read decides, so a new blob costs no more statements than without a window.
        match touched_at(tx, digest).await? {
            Some(at) if at >= now.saturating_sub(tx.touch_fresh_for) => return Ok(Recorded::Existing),
            Some(_) if touch(tx, digest, now).await? => return Ok(Recorded::Existing),
            // Absent, being collected, or taken since the read: the insert below tells which.
            _ => {}
        }
    }
    let inserted = query(
        "INSERT INTO blobs (digest, size, created_at, touched_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (digest) DO NOTHING",
    )
    .bind(digest.as_str())
    .bind(to_i64(size))
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(db_err("recording a blob"))?;
    if inserted == 1 {
        return Ok(Recorded::New);
    }
    // PostgreSQL: a concurrent push recorded it since the update above looked (this statement sees it).
    if touch(tx, digest, now).await? {
        return Ok(Recorded::Existing);
    }
    Err(Error::new(ErrorKind::Unavailable, format!("{digest} is being garbage-collected; push it again in a moment")))
}

/// When the blob was last touched, if it is recorded and not being collected (a read: no lock).
async fn touched_at(tx: &mut Tx, digest: &Digest) -> Result<Option<Millis>> {
    let row = query("SELECT touched_at FROM blobs WHERE digest = $1 AND collecting_at IS NULL")
        .bind(digest.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err("reading a blob"))?;
    row.map(|row| col(&row, 0)).transpose()
}

async fn touch(tx: &mut Tx, digest: &Digest, now: Millis) -> Result<bool> {
    let touched = query("UPDATE blobs SET touched_at = $2 WHERE digest = $1 AND collecting_at IS NULL")
        .bind(digest.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_err("touching a blob"))?;
    Ok(touched == 1)
}

/// Keeps `body` with the record of `digest` (recorded in `tx` or before it).
pub(crate) async fn keep_body_in(tx: &mut Tx, digest: &Digest, body: &[u8]) -> Result<()> {
    query("INSERT INTO blob_bodies (digest, body) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING")
        .bind(digest.as_str())
        .bind(body)
        .execute(&mut *tx)
        .await
        .map_err(db_err("keeping a blob's body"))
        .map(drop)
}
