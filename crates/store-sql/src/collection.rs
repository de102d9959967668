//! Online garbage collection of blobs: which are collectable, taking them (the transaction that
//! decides), and forgetting them once their files are gone. See `arca_core::registry::gc`.

use crate::db::{Dialect, Tx, col, corrupt, db_err, limit, to_u64};
use crate::sql::{Row, query};
use crate::{SqlMetaStore, audit};
use arca_core::Result;
use arca_core::audit::NewAuditEntry;
use arca_core::meta::{BlobCollection, Millis};
use arca_types::Digest;
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
