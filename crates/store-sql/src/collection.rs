//! Online garbage collection of blobs: which are collectable, taking them (the transaction that
//! decides), and forgetting them once their files are gone (see `arca_core::registry::gc`); and the
//! storage accounting of the storage report.

use crate::db::{Dialect, Tx, col, corrupt, db_err, limit, to_u64};
use crate::sql::{Row, query};
use crate::{SqlMetaStore, audit};
use arca_core::Result;
use arca_core::audit::NewAuditEntry;
use arca_core::meta::{AGE_BUCKETS, BlobCollection, Millis, RepositoryUsage, StorageAccounting};
use arca_types::{Digest, RepoName};
use async_trait::async_trait;

/// Nothing refers to the blob `b`: no manifest references it, none is stored as it, no staged generic
/// file holds it. (Package links do not count: they go with the blob.)
macro_rules! unreferenced {
    () => {
        "NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.child_digest = b.digest) \
         AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.digest) \
         AND NOT EXISTS (SELECT 1 FROM generic_upload_files g WHERE g.digest = b.digest)"
    };
}

#[async_trait]
impl BlobCollection for SqlMetaStore {
    async fn collectable_blobs(
        &self,
        after: Option<&Digest>,
        cutoff: Millis,
        max: usize,
    ) -> Result<Vec<(Digest, u64)>> {
        let sql = concat!(
            "SELECT b.digest, b.size FROM blobs b WHERE b.digest > $1 AND b.collecting_at IS NULL \
             AND b.touched_at <= $2 AND ",
            unreferenced!(),
            " ORDER BY b.digest LIMIT $3"
        );
        let rows = query(sql)
            .bind(after.map_or("", Digest::as_str))
            .bind(cutoff)
            .bind(limit(max))
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(db_err("listing collectable blobs"))?;
        rows.iter().map(digest_and_size).collect()
    }

    async fn take_blobs(
        &self,
        candidates: &[Digest],
        cutoff: Millis,
        now: Millis,
        entry: &NewAuditEntry,
    ) -> Result<Vec<(Digest, u64)>> {
        let mut tx = self.db.write().await?;
        let mut taken = Vec::new();
        for digest in candidates {
            if let Some(size) = take(&mut tx, self.db.dialect, digest, cutoff, now).await? {
                taken.push((digest.clone(), size));
            }
        }
        if let (Some((first, _)), Some((last, _))) = (taken.first(), taken.last()) {
            let bytes: u64 = taken.iter().map(|(_, size)| size).sum();
            let detail = format!("{} blobs, {bytes} bytes, {first} … {last}", taken.len());
            audit::append(&mut tx, &entry.clone().with_detail(detail)).await?;
        }
        tx.commit().await.map_err(db_err("taking blobs for collection"))?;
        Ok(taken)
    }

    async fn blobs_being_collected(&self, max: usize) -> Result<Vec<(Digest, u64)>> {
        let rows = query(
            "SELECT digest, size FROM blobs WHERE collecting_at IS NOT NULL ORDER BY collecting_at, digest LIMIT $1",
        )
        .bind(limit(max))
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("listing blobs being collected"))?;
        rows.iter().map(digest_and_size).collect()
    }

    async fn forget_blobs(&self, digests: &[Digest]) -> Result<()> {
        let mut tx = self.db.write().await?;
        for digest in digests {
            query("DELETE FROM blobs WHERE digest = $1 AND collecting_at IS NOT NULL")
                .bind(digest.as_str())
                .execute(&mut tx)
                .await
                .map_err(db_err("forgetting a collected blob"))?;
        }
        tx.commit().await.map_err(db_err("forgetting collected blobs"))
    }
}

/// Takes one blob if it is still collectable; its size if taken.
///
/// On PostgreSQL the blob's links are locked first: a manifest being recorded holds the links it
/// relies on `FOR SHARE` (`UnitOfWork::missing_reference`), so this waits for it to commit, and the
/// statement after sees its references. (SQLite has one writer: nothing runs in between.)
async fn take(tx: &mut Tx, dialect: Dialect, digest: &Digest, cutoff: Millis, now: Millis) -> Result<Option<u64>> {
    if dialect == Dialect::Postgres {
        query("SELECT 1 FROM blob_links WHERE digest = $1 FOR UPDATE")
            .bind(digest.as_str())
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err("locking a blob's links"))?;
    }
    let sql = concat!(
        "UPDATE blobs SET collecting_at = $2 WHERE digest = $1 AND collecting_at IS NULL AND touched_at <= $3 \
         AND EXISTS (SELECT 1 FROM blobs b WHERE b.digest = $1 AND ",
        unreferenced!(),
        ")"
    );
    let marked = query(sql)
        .bind(digest.as_str())
        .bind(now)
        .bind(cutoff)
        .execute(&mut *tx)
        .await
        .map_err(db_err("taking a blob for collection"))?;
    if marked == 0 {
        return Ok(None);
    }
    query("DELETE FROM blob_links WHERE digest = $1")
        .bind(digest.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err("unlinking a collected blob"))?;
    let row = query("SELECT size FROM blobs WHERE digest = $1")
        .bind(digest.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err("reading a collected blob"))?;
    Ok(Some(to_u64(col(&row, 0)?)))
}

fn digest_and_size(row: &Row) -> Result<(Digest, u64)> {
    let digest: String = col(row, 0)?;
    let digest = Digest::parse(&digest).map_err(|e| corrupt("blob digest", &digest, e))?;
    Ok((digest, to_u64(col(row, 1)?)))
}

#[async_trait]
impl StorageAccounting for SqlMetaStore {
    async fn repository_usage(&self, now: Millis) -> Result<Vec<RepositoryUsage>> {
        const DAY: Millis = 24 * 3600 * 1000;
        let [d1, d7, d30, d90] = AGE_BUCKETS.map(|(_, days)| now - days * DAY);
        let rows = query(
            "SELECT u.repository, CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(b.size), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN b.created_at >= $1 THEN b.size ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN b.created_at >= $2 AND b.created_at < $1 THEN b.size ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN b.created_at >= $3 AND b.created_at < $2 THEN b.size ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN b.created_at >= $4 AND b.created_at < $3 THEN b.size ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN b.created_at < $4 THEN b.size ELSE 0 END), 0) AS BIGINT) \
             FROM (SELECT repository, digest FROM blob_links UNION SELECT repository, digest FROM manifests) u \
             JOIN blobs b ON b.digest = u.digest WHERE b.collecting_at IS NULL \
             GROUP BY u.repository ORDER BY u.repository",
        )
        .bind(d1)
        .bind(d7)
        .bind(d30)
        .bind(d90)
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("measuring repositories"))?;
        rows.iter()
            .map(|row| {
                let repository: String = col(row, 0)?;
                let mut by_age = [0u64; 5];
                for (i, bytes) in by_age.iter_mut().enumerate() {
                    *bytes = to_u64(col(row, 3 + i)?);
                }
                Ok(RepositoryUsage {
                    repository: RepoName::parse(&repository).map_err(|e| corrupt("repository", &repository, e))?,
                    blobs: to_u64(col(row, 1)?),
                    bytes: to_u64(col(row, 2)?),
                    bytes_by_age: by_age,
                })
            })
            .collect()
    }

    async fn unreferenced_blobs(&self) -> Result<(u64, u64)> {
        let sql = concat!(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(b.size), 0) AS BIGINT) FROM blobs b \
             WHERE b.collecting_at IS NULL AND ",
            unreferenced!()
        );
        let row =
            query(sql).fetch_one(&mut self.db.read().await?).await.map_err(db_err("measuring unreferenced blobs"))?;
        Ok((to_u64(col(&row, 0)?), to_u64(col(&row, 1)?)))
    }
}
