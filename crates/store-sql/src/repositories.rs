//! Repositories: named namespaces with a format, a kind, a stage and their mutable-tag patterns.

use crate::SqlMetaStore;
use crate::db::{col, corrupt, db_err, to_i64, to_u64};
use crate::sql::{Row, query};
use arca_core::audit::NewAuditEntry;
use arca_core::meta::{Format, RepoKind, Repository, RepositoryStore};
use arca_core::{Error, ErrorKind, Result};
use arca_types::RepoName;
use async_trait::async_trait;

/// Whether the repository holds any content (a manifest or a blob link in any package).
const REPOSITORY_HAS_CONTENT: &str = "SELECT CASE WHEN \
     EXISTS (SELECT 1 FROM manifests WHERE repository = $1) \
     OR EXISTS (SELECT 1 FROM blob_links WHERE repository = $1) THEN 1 ELSE 0 END";

#[async_trait]
impl RepositoryStore for SqlMetaStore {
    async fn create_repository(&self, repo: &Repository, entry: &NewAuditEntry) -> Result<bool> {
        let mutable_tags = json(&repo.mutable_tags);
        let mut tx = self.db.write().await?;
        let done = query(
            "INSERT INTO repositories (name, format, kind, stage, mutable_tags, created_at, quota_bytes, promote_from, \
             gates, pull_gates, allow_unpublish) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (name) DO NOTHING",
        )
        .bind(repo.name.as_str())
        .bind(repo.format.as_str())
        .bind(repo.kind.as_str())
        .bind(repo.stage.as_deref())
        .bind(mutable_tags)
        .bind(repo.created_at)
        .bind(repo.quota_bytes.map(to_i64))
        .bind(json(&repo.promote_from))
        .bind(json(&repo.gates))
        .bind(json(&repo.pull_gates))
        .bind(i64::from(repo.allow_unpublish))
        .execute(&mut tx)
        .await
        .map_err(db_err("creating a repository"))?;
        crate::audit::commit_audited(tx, done == 1, entry, "creating a repository").await
    }

    async fn get_repository(&self, name: &RepoName) -> Result<Option<Repository>> {
        let row = query(format!("SELECT {COLUMNS} FROM repositories WHERE name = $1"))
            .bind(name.as_str())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading a repository"))?;
        row.as_ref().map(repository_from_row).transpose()
    }

    async fn list_repositories(&self) -> Result<Vec<Repository>> {
        let rows = query(format!("SELECT {COLUMNS} FROM repositories ORDER BY name"))
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(db_err("listing repositories"))?;
        rows.iter().map(repository_from_row).collect()
    }

    async fn update_repository(&self, repo: &Repository, entry: &NewAuditEntry) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let done = query(
            "UPDATE repositories SET kind = $1, stage = $2, mutable_tags = $3, quota_bytes = $4, promote_from = $5, \
             gates = $6, pull_gates = $7, allow_unpublish = $8 WHERE name = $9",
        )
        .bind(repo.kind.as_str())
        .bind(repo.stage.as_deref())
        .bind(json(&repo.mutable_tags))
        .bind(repo.quota_bytes.map(to_i64))
        .bind(json(&repo.promote_from))
        .bind(json(&repo.gates))
        .bind(json(&repo.pull_gates))
        .bind(i64::from(repo.allow_unpublish))
        .bind(repo.name.as_str())
        .execute(&mut tx)
        .await
        .map_err(db_err("updating a repository"))?;
        crate::audit::commit_audited(tx, done == 1, entry, "updating a repository").await
    }

    async fn delete_repository(&self, name: &RepoName, entry: &NewAuditEntry) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let has_content: i64 = query(REPOSITORY_HAS_CONTENT)
            .bind(name.as_str())
            .fetch_one(&mut tx)
            .await
            .and_then(|row| row.get(0))
            .map_err(db_err("deleting a repository"))?;
        if has_content != 0 {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!("repository {name} still holds packages: delete them before the repository"),
            ));
        }
        // Packages emptied by deletes keep their row; with no content left they go with the repository,
        // as do its retention policy, the file names it ever published and its crates' owners.
        for sql in [
            "DELETE FROM packages WHERE repository = $1",
            "DELETE FROM retention_policies WHERE repository = $1",
            "DELETE FROM published_files WHERE repository = $1",
            "DELETE FROM crate_owners WHERE repository = $1",
        ] {
            query(sql).bind(name.as_str()).execute(&mut tx).await.map_err(db_err("deleting a repository"))?;
        }
        let done = query("DELETE FROM repositories WHERE name = $1")
            .bind(name.as_str())
            .execute(&mut tx)
            .await
            .map_err(db_err("deleting a repository"))?;
        crate::audit::commit_audited(tx, done == 1, entry, "deleting a repository").await
    }
}

pub(crate) fn unknown(name: &RepoName) -> Error {
    Error::new(ErrorKind::NameUnknown, format!("repository {name} does not exist"))
}

/// The columns `repository_from_row` reads, in its order.
const COLUMNS: &str = "name, format, kind, stage, mutable_tags, created_at, quota_bytes, promote_from, gates, pull_gates, allow_unpublish";

/// A list column's JSON text.
fn json<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

fn repository_from_row(row: &Row) -> Result<Repository> {
    let name: String = col(row, 0)?;
    let format: String = col(row, 1)?;
    let kind: String = col(row, 2)?;
    let mutable_tags: String = col(row, 4)?;
    Ok(Repository {
        name: RepoName::parse(&name).map_err(|e| corrupt("repository name", &name, e))?,
        format: Format::parse(&format).ok_or_else(|| corrupt("repository format", &format, "unknown format"))?,
        kind: RepoKind::parse(&kind).ok_or_else(|| corrupt("repository kind", &kind, "unknown kind"))?,
        stage: col(row, 3)?,
        mutable_tags: serde_json::from_str(&mutable_tags)
            .map_err(|e| corrupt("mutable tag patterns", &mutable_tags, e))?,
        created_at: col(row, 5)?,
        quota_bytes: col::<Option<i64>>(row, 6)?.map(to_u64),
        promote_from: json_list(row, 7, "promotion sources")?,
        gates: json_list(row, 8, "promotion gates")?,
        pull_gates: json_list(row, 9, "pull gates")?,
        allow_unpublish: col::<i64>(row, 10)? != 0,
    })
}

fn json_list<T: serde::de::DeserializeOwned>(row: &Row, index: usize, what: &str) -> Result<Vec<T>> {
    let text: String = col(row, index)?;
    serde_json::from_str(&text).map_err(|e| corrupt(what, &text, e))
}
