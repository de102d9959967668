//! Retention policies (their text, verbatim) and the facts the retention planner reads; the
//! conditional deletes a retention run commits (`delete_tag_at`, `delete_unused_manifest`).

use crate::db::{Tx, col, corrupt, db_err, to_u64};
use crate::sql::{Row, query};
use crate::{SqlMetaStore, audit};
use arca_core::audit::NewAuditEntry;
use arca_core::meta::{Millis, RetentionStore, StoredPolicy};
use arca_core::retention::{Item, TagInfo};
use arca_core::{Error, ErrorKind, Result};
use arca_types::{Digest, OciName, RepoName, Tag};
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap, HashSet};

#[async_trait]
impl RetentionStore for SqlMetaStore {
    async fn set_retention_policy(
        &self,
        repo: &RepoName,
        policy: &str,
        now: Millis,
        entry: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = self.db.write().await?;
        let exists = query("SELECT 1 FROM repositories WHERE name = $1")
            .bind(repo.as_str())
            .fetch_optional(&mut tx)
            .await
            .map_err(db_err("setting a retention policy"))?;
        if exists.is_none() {
            return Err(Error::new(ErrorKind::NameUnknown, format!("repository {repo} does not exist")));
        }
        query(
            "INSERT INTO retention_policies (repository, policy, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (repository) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at",
        )
        .bind(repo.as_str())
        .bind(policy)
        .bind(now)
        .execute(&mut tx)
        .await
        .map_err(db_err("setting a retention policy"))?;
        audit::append(&mut tx, entry).await?;
        tx.commit().await.map_err(db_err("setting a retention policy"))
    }

    async fn retention_policy(&self, repo: &RepoName) -> Result<Option<StoredPolicy>> {
        let row =
            query("SELECT repository, policy, updated_at, last_run_at FROM retention_policies WHERE repository = $1")
                .bind(repo.as_str())
                .fetch_optional(&mut self.db.read().await?)
                .await
                .map_err(db_err("reading a retention policy"))?;
        row.as_ref().map(stored_policy).transpose()
    }

    async fn delete_retention_policy(&self, repo: &RepoName, entry: &NewAuditEntry) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let done = query("DELETE FROM retention_policies WHERE repository = $1")
            .bind(repo.as_str())
            .execute(&mut tx)
            .await
            .map_err(db_err("deleting a retention policy"))?;
        crate::audit::commit_audited(tx, done != 0, entry, "deleting a retention policy").await
    }

    async fn retention_policies(&self) -> Result<Vec<StoredPolicy>> {
        let rows =
            query("SELECT repository, policy, updated_at, last_run_at FROM retention_policies ORDER BY repository")
                .fetch_all(&mut self.db.read().await?)
                .await
                .map_err(db_err("listing retention policies"))?;
        rows.iter().map(stored_policy).collect()
    }

    async fn retention_ran(&self, repo: &RepoName, at: Millis) -> Result<()> {
        let mut tx = self.db.write().await?;
        query("UPDATE retention_policies SET last_run_at = $2 WHERE repository = $1")
            .bind(repo.as_str())
            .bind(at)
            .execute(&mut tx)
            .await
            .map_err(db_err("recording a retention run"))?;
        tx.commit().await.map_err(db_err("recording a retention run"))
    }

    async fn record_pulls(&self, pulls: &[(OciName, Digest, Millis)]) -> Result<()> {
        let mut tx = self.db.write().await?;
        for (name, digest, at) in pulls {
            query(
                "INSERT INTO manifest_pulls (repository, package, digest, pulled_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (repository, package, digest) DO UPDATE SET pulled_at = excluded.pulled_at \
                 WHERE excluded.pulled_at > manifest_pulls.pulled_at",
            )
            .bind(name.repository.as_str())
            .bind(name.package.as_str())
            .bind(digest.as_str())
            .bind(*at)
            .execute(&mut tx)
            .await
            .map_err(db_err("recording pulls"))?;
        }
        tx.commit().await.map_err(db_err("recording pulls"))
    }

    async fn retention_items(&self, repo: &RepoName) -> Result<(Vec<Item>, HashSet<String>)> {
        let mut conn = self.db.read().await?;
        let r = repo.as_str();
        let manifests = query("SELECT package, digest, size, subject, created_at FROM manifests WHERE repository = $1")
            .bind(r)
            .fetch_all(&mut conn)
            .await
            .map_err(db_err(READING))?;
        let mut items: BTreeMap<(String, String), Item> = BTreeMap::new();
        for row in &manifests {
            let (package, digest, size): (String, String, i64) = (col(row, 0)?, col(row, 1)?, col(row, 2)?);
            let item = Item {
                package: package.clone(),
                digest: digest.clone(),
                pushed_at: col(row, 4)?,
                tags: Vec::new(),
                subject: col(row, 3)?,
                children: Vec::new(),
                properties: Vec::new(),
                last_pulled_at: None,
                protected: None,
                blobs: vec![(digest.clone(), to_u64(size))],
            };
            items.insert((package, digest), item);
        }
        let tags = query("SELECT package, digest, name, updated_at FROM tags WHERE repository = $1")
            .bind(r)
            .fetch_all(&mut conn)
            .await
            .map_err(db_err(READING))?;
        for row in &tags {
            if let Some(item) = items.get_mut(&(col(row, 0)?, col(row, 1)?)) {
                item.tags.push(TagInfo { name: col(row, 2)?, updated_at: col(row, 3)? });
            }
        }
        let pulls = query("SELECT package, digest, pulled_at FROM manifest_pulls WHERE repository = $1")
            .bind(r)
            .fetch_all(&mut conn)
            .await
            .map_err(db_err(READING))?;
        for row in &pulls {
            if let Some(item) = items.get_mut(&(col(row, 0)?, col(row, 1)?)) {
                item.last_pulled_at = Some(col(row, 2)?);
            }
        }
        let refs = query(
            "SELECT DISTINCT r.package, r.manifest_digest, r.child_digest, r.kind, COALESCE(b.size, 0) \
             FROM manifest_refs r LEFT JOIN blobs b ON b.digest = r.child_digest WHERE r.repository = $1",
        )
        .bind(r)
        .fetch_all(&mut conn)
        .await
        .map_err(db_err(READING))?;
        for row in &refs {
            let Some(item) = items.get_mut(&(col(row, 0)?, col(row, 1)?)) else { continue };
            let (child, kind, size): (String, String, i64) = (col(row, 2)?, col(row, 3)?, col(row, 4)?);
            if kind == "manifest" {
                item.children.push(child);
            } else if !item.blobs.iter().any(|(d, _)| *d == child) {
                item.blobs.push((child, to_u64(size)));
            }
        }
        let properties = query(
            "SELECT p.manifest_digest, p.key, p.value FROM properties p \
             WHERE p.manifest_digest IN (SELECT digest FROM manifests WHERE repository = $1) \
             ORDER BY p.manifest_digest, p.key, p.value",
        )
        .bind(r)
        .fetch_all(&mut conn)
        .await
        .map_err(db_err(READING))?;
        // Properties are keyed by digest alone: a manifest in two packages has them in both.
        let mut properties_of: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for row in &properties {
            properties_of.entry(col(row, 0)?).or_default().push((col(row, 1)?, col(row, 2)?));
        }
        for item in items.values_mut() {
            item.properties = properties_of.get(&item.digest).cloned().unwrap_or_default();
        }
        let shared = query(
            "SELECT DISTINCT d FROM ( \
               SELECT child_digest AS d FROM manifest_refs WHERE repository <> $1 \
               UNION SELECT digest FROM manifests WHERE repository <> $1 \
               UNION SELECT digest FROM generic_upload_files) used \
             WHERE d IN (SELECT child_digest FROM manifest_refs WHERE repository = $1 \
                         UNION SELECT digest FROM manifests WHERE repository = $1)",
        )
        .bind(r)
        .fetch_all(&mut conn)
        .await
        .map_err(db_err(READING))?;
        let shared = shared.iter().map(|row| col(row, 0)).collect::<Result<HashSet<String>>>()?;
        for item in items.values_mut() {
            item.tags.sort();
            item.children.sort();
        }
        Ok((items.into_values().collect(), shared))
    }
}

const READING: &str = "reading a repository for retention";

fn stored_policy(row: &Row) -> Result<StoredPolicy> {
    let repository: String = col(row, 0)?;
    Ok(StoredPolicy {
        repository: RepoName::parse(&repository).map_err(|e| corrupt("repository", &repository, e))?,
        policy: col(row, 1)?,
        updated_at: col(row, 2)?,
        last_run_at: col(row, 3)?,
    })
}

/// Deletes a tag if it still points at `digest`.
pub(crate) async fn delete_tag_at(tx: &mut Tx, name: &OciName, tag: &Tag, digest: &Digest) -> Result<bool> {
    let done = query("DELETE FROM tags WHERE repository = $1 AND package = $2 AND name = $3 AND digest = $4")
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .bind(tag.as_str())
        .bind(digest.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err("deleting a tag"))?;
    Ok(done == 1)
}

/// Deletes a manifest that no tag points at and no manifest of its package lists as a child.
pub(crate) async fn delete_unused_manifest(tx: &mut Tx, name: &OciName, digest: &Digest) -> Result<bool> {
    let used = query(
        "SELECT 1 FROM tags WHERE repository = $1 AND package = $2 AND digest = $3 \
         UNION ALL SELECT 1 FROM manifest_refs WHERE repository = $1 AND package = $2 AND child_digest = $3 \
         AND kind = 'manifest'",
    )
    .bind(name.repository.as_str())
    .bind(name.package.as_str())
    .bind(digest.as_str())
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err("deleting a manifest"))?;
    if used.is_some() {
        return Ok(false);
    }
    crate::manifests::delete_manifest_rows(tx, name, digest).await
}
