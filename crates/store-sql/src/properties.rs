//! Properties of manifests and multi-file generic uploads.

use crate::db::{Tx, col, corrupt, db_err, limit, to_i64, to_u64};
use crate::sql::query;
use crate::{SqlMetaStore, audit};
use arca_core::Result;
use arca_core::audit::NewAuditEntry;
use arca_core::meta::{GenericUpload, GenericUploadStore, Millis, PropertyStore, StagedFile};
use arca_types::{Digest, OciName, PackageName, RepoName, Tag};
use async_trait::async_trait;

#[async_trait]
impl PropertyStore for SqlMetaStore {
    async fn properties(&self, manifest: &Digest) -> Result<Vec<(String, String)>> {
        let rows = query("SELECT key, value FROM properties WHERE manifest_digest = $1 ORDER BY key, value")
            .bind(manifest.as_str())
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading properties"))?;
        rows.iter().map(|row| Ok((col(row, 0)?, col(row, 1)?))).collect()
    }

    async fn set_properties(
        &self,
        manifest: &Digest,
        clear: Option<&[String]>,
        add: &[(String, String)],
        entry: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = self.db.write().await?;
        set_properties_in(&mut tx, manifest, clear, add).await?;
        audit::append(&mut tx, entry).await?;
        tx.commit().await.map_err(db_err("setting properties"))
    }
}

/// Clears `clear` (every key when `None`) and adds `add`, inside a write transaction.
pub(crate) async fn set_properties_in(
    tx: &mut Tx,
    manifest: &Digest,
    clear: Option<&[String]>,
    add: &[(String, String)],
) -> Result<()> {
    match clear {
        None => {
            query("DELETE FROM properties WHERE manifest_digest = $1")
                .bind(manifest.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err("clearing properties"))?;
        }
        Some(keys) => {
            for key in keys {
                query("DELETE FROM properties WHERE manifest_digest = $1 AND key = $2")
                    .bind(manifest.as_str())
                    .bind(key.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err("clearing a property"))?;
            }
        }
    }
    for (key, value) in add {
        query("INSERT INTO properties (manifest_digest, key, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(manifest.as_str())
            .bind(key.as_str())
            .bind(value.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err("adding a property"))?;
    }
    Ok(())
}

#[async_trait]
impl GenericUploadStore for SqlMetaStore {
    async fn create_generic_upload(&self, upload: &GenericUpload) -> Result<()> {
        let statement = query(
            "INSERT INTO generic_uploads (id, repository, package, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(upload.id.as_str())
        .bind(upload.name.repository.as_str())
        .bind(upload.name.package.as_str())
        .bind(upload.version.as_str())
        .bind(upload.created_at)
        .bind(upload.updated_at);
        self.db.execute_write(statement).await.map_err(db_err("creating a generic upload"))?;
        Ok(())
    }

    async fn generic_upload(&self, id: &str) -> Result<Option<(GenericUpload, Vec<StagedFile>)>> {
        let mut tx = self.db.read_tx().await?;
        let row =
            query("SELECT id, repository, package, version, created_at, updated_at FROM generic_uploads WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut tx)
                .await
                .map_err(db_err("reading a generic upload"))?;
        let Some(row) = row else { return Ok(None) };
        let (repository, package, version): (String, String, String) = (col(&row, 1)?, col(&row, 2)?, col(&row, 3)?);
        let name = OciName::new(
            RepoName::parse(&repository).map_err(|e| corrupt("repository", &repository, e))?,
            PackageName::parse(&package).map_err(|e| corrupt("package", &package, e))?,
        );
        let upload = GenericUpload {
            id: col(&row, 0)?,
            name,
            version: Tag::parse(&version).map_err(|e| corrupt("version", &version, e))?,
            created_at: col(&row, 4)?,
            updated_at: col(&row, 5)?,
        };
        let rows =
            query("SELECT file, digest, size, media_type FROM generic_upload_files WHERE upload_id = $1 ORDER BY file")
                .bind(id)
                .fetch_all(&mut tx)
                .await
                .map_err(db_err("reading staged files"))?;
        let files = rows
            .iter()
            .map(|row| {
                let digest: String = col(row, 1)?;
                Ok(StagedFile {
                    file: col(row, 0)?,
                    digest: Digest::parse(&digest).map_err(|e| corrupt("digest", &digest, e))?,
                    size: to_u64(col(row, 2)?),
                    media_type: col(row, 3)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some((upload, files)))
    }

    async fn stage_file(&self, id: &str, file: &StagedFile, now: Millis) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let touched = query("UPDATE generic_uploads SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut tx)
            .await
            .map_err(db_err("touching a generic upload"))?;
        if touched != 1 {
            return Ok(false);
        }
        query(
            "INSERT INTO generic_upload_files (upload_id, file, digest, size, media_type) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (upload_id, file) DO UPDATE SET digest = excluded.digest, size = excluded.size, \
             media_type = excluded.media_type",
        )
        .bind(id)
        .bind(file.file.as_str())
        .bind(file.digest.as_str())
        .bind(to_i64(file.size))
        .bind(file.media_type.as_str())
        .execute(&mut tx)
        .await
        .map_err(db_err("staging a file"))?;
        tx.commit().await.map_err(db_err("staging a file"))?;
        Ok(true)
    }

    async fn delete_generic_upload(&self, id: &str) -> Result<bool> {
        let mut tx = self.db.write().await?;
        query("DELETE FROM generic_upload_files WHERE upload_id = $1")
            .bind(id)
            .execute(&mut tx)
            .await
            .map_err(db_err("deleting staged files"))?;
        let done = query("DELETE FROM generic_uploads WHERE id = $1")
            .bind(id)
            .execute(&mut tx)
            .await
            .map_err(db_err("deleting a generic upload"))?;
        tx.commit().await.map_err(db_err("deleting a generic upload"))?;
        Ok(done == 1)
    }

    async fn stale_generic_uploads(&self, before: Millis, max: usize) -> Result<Vec<String>> {
        let rows = query("SELECT id FROM generic_uploads WHERE updated_at < $1 ORDER BY updated_at LIMIT $2")
            .bind(before)
            .bind(limit(max))
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(db_err("listing stale generic uploads"))?;
        rows.iter().map(|row| col(row, 0)).collect()
    }
}
