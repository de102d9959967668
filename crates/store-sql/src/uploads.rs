//! Upload sessions: where a chunked upload stands, persisted so it survives a restart.

use crate::SqlMetaStore;
use crate::db::{Tx, col, corrupt, db_err, limit, to_i64, to_u64};
use crate::sql::{Row, query};
use arca_core::Result;
use arca_core::meta::{FoundUpload, Millis, UploadSession, UploadStore};
use arca_types::{OciName, PackageName, RepoName};
use async_trait::async_trait;

#[async_trait]
impl UploadStore for SqlMetaStore {
    async fn create_upload(&self, session: &UploadSession) -> Result<()> {
        let statement = query(
            "INSERT INTO uploads (id, repository, package, \"offset\", hash_state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(session.id.as_str())
        .bind(session.name.repository.as_str())
        .bind(session.name.package.as_str())
        .bind(to_i64(session.offset))
        .bind(session.hash_state.as_slice())
        .bind(session.created_at)
        .bind(session.updated_at);
        self.db.execute_write(statement).await.map_err(db_err("creating an upload"))?;
        Ok(())
    }

    async fn get_upload(&self, id: &str) -> Result<Option<UploadSession>> {
        let row = query(
            "SELECT id, repository, package, \"offset\", hash_state, created_at, updated_at FROM uploads WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading an upload"))?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn advance_upload(
        &self,
        id: &str,
        expected_offset: u64,
        offset: u64,
        hash_state: &[u8],
        now: Millis,
    ) -> Result<bool> {
        let statement = query(
            "UPDATE uploads SET \"offset\" = $1, hash_state = $2, updated_at = $3 WHERE id = $4 AND \"offset\" = $5",
        )
        .bind(to_i64(offset))
        .bind(hash_state)
        .bind(now)
        .bind(id)
        .bind(to_i64(expected_offset));
        let done = self.db.execute_write(statement).await.map_err(db_err("advancing an upload"))?;
        Ok(done == 1)
    }

    async fn delete_upload(&self, id: &str) -> Result<()> {
        let statement = query("DELETE FROM uploads WHERE id = $1").bind(id);
        self.db.execute_write(statement).await.map_err(db_err("deleting an upload"))?;
        Ok(())
    }

    async fn close_upload(&self, id: &str, now: Millis) -> Result<()> {
        let mut tx = self.db.write().await?;
        close_upload_in(&mut tx, id, now).await?;
        tx.commit().await.map_err(db_err("closing an upload"))
    }

    async fn is_closed(&self, id: &str) -> Result<bool> {
        let row = query("SELECT 1 FROM closed_uploads WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading closed uploads"))?;
        Ok(row.is_some())
    }

    async fn find_upload(&self, id: &str) -> Result<FoundUpload> {
        let row = query(
            "SELECT u.id, u.repository, u.package, u.\"offset\", u.hash_state, u.created_at, u.updated_at, \
             (SELECT COUNT(*) FROM closed_uploads c WHERE c.id = $1) \
             FROM (SELECT 1 AS one) AS x LEFT JOIN uploads u ON u.id = $1",
        )
        .bind(id)
        .fetch_one(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading an upload"))?;
        if col::<Option<String>>(&row, 0)?.is_some() {
            return session_from_row(&row).map(FoundUpload::Open);
        }
        Ok(if col::<i64>(&row, 7)? > 0 { FoundUpload::Closed } else { FoundUpload::Unknown })
    }

    async fn forget_closed_uploads(&self, before: Millis) -> Result<u64> {
        let statement = query("DELETE FROM closed_uploads WHERE closed_at < $1").bind(before);
        self.db.execute_write(statement).await.map_err(db_err("forgetting closed uploads"))
    }

    async fn stale_uploads(&self, before: Millis, max: usize) -> Result<Vec<String>> {
        let rows = query("SELECT id FROM uploads WHERE updated_at < $1 ORDER BY updated_at, id LIMIT $2")
            .bind(before)
            .bind(limit(max))
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(db_err("listing stale uploads"))?;
        rows.iter().map(|row| col(row, 0)).collect()
    }

    async fn count_uploads(&self) -> Result<u64> {
        let row = query("SELECT CAST(COUNT(*) AS BIGINT) FROM uploads")
            .fetch_one(&mut self.db.read().await?)
            .await
            .map_err(db_err("counting uploads"))?;
        Ok(to_u64(col(&row, 0)?))
    }
}

/// Deletes the upload's session and remembers its id as closed, inside the caller's transaction.
pub(crate) async fn close_upload_in(tx: &mut Tx, id: &str, now: Millis) -> Result<()> {
    query("DELETE FROM uploads WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_err("deleting an upload"))?;
    query("INSERT INTO closed_uploads (id, closed_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_err("closing an upload"))?;
    Ok(())
}

fn session_from_row(row: &Row) -> Result<UploadSession> {
    let repository: String = col(row, 1)?;
    let package: String = col(row, 2)?;
    Ok(UploadSession {
        id: col(row, 0)?,
        name: OciName::new(
            RepoName::parse(&repository).map_err(|e| corrupt("upload repository", &repository, e))?,
            PackageName::parse(&package).map_err(|e| corrupt("upload package", &package, e))?,
        ),
        offset: to_u64(col(row, 3)?),
        hash_state: col(row, 4)?,
        created_at: col(row, 5)?,
        updated_at: col(row, 6)?,
    })
}
