//! Promotion: copying an artifact's pointers into another repository (`copy_artifact_in`), the history
//! of promotions and rollbacks, approvals and deployments. Each history row and deployment takes the
//! id of the audit entry recorded with it as its own (`audit::append`: unique, increasing).

use crate::db::{Dialect, Tx, col, corrupt, db_err, limit, to_u64};
use crate::sql::{Row, query};
use crate::{SqlMetaStore, audit, packages};
use arca_core::audit::NewAuditEntry;
use arca_core::meta::{
    Copied, Deployment, Millis, NewPromotion, PromotionKind, PromotionRecord, PromotionStore, RefKind,
};
use arca_core::{Error, ErrorKind, Result};
use arca_types::{Digest, OciName, RepoName, Tag};
use async_trait::async_trait;
use std::collections::BTreeSet;

const PROMOTION_COLUMNS: &str =
    "id, kind, release, source, repository, package, version, digest, previous, actor, verdicts, approvers, at";
const DEPLOYMENT_COLUMNS: &str = "id, environment, repository, package, digest, actor, at";

#[async_trait]
impl PromotionStore for SqlMetaStore {
    async fn promotions(&self, target: &OciName, max: usize) -> Result<Vec<PromotionRecord>> {
        let rows = query(format!(
            "SELECT {PROMOTION_COLUMNS} FROM promotions WHERE repository = $1 AND package = $2 ORDER BY id DESC LIMIT $3"
        ))
        .bind(target.repository.as_str())
        .bind(target.package.as_str())
        .bind(limit(max))
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading promotion history"))?;
        rows.iter().map(promotion_from_row).collect()
    }

    async fn current_promotions(&self, package: &str) -> Result<Vec<PromotionRecord>> {
        let rows = query(format!(
            "SELECT {PROMOTION_COLUMNS} FROM promotions p WHERE package = $1 AND id = \
             (SELECT MAX(id) FROM promotions q WHERE q.repository = p.repository AND q.package = p.package) \
             ORDER BY repository"
        ))
        .bind(package)
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading current promotions"))?;
        rows.iter().map(promotion_from_row).collect()
    }

    async fn promotions_touching(&self, repository: &RepoName, since: Millis) -> Result<Vec<PromotionRecord>> {
        let rows = query(format!(
            "SELECT {PROMOTION_COLUMNS} FROM promotions WHERE (repository = $1 OR source = $1) AND at >= $2 \
             UNION SELECT {PROMOTION_COLUMNS} FROM promotions p WHERE repository = $1 AND id = \
             (SELECT MAX(id) FROM promotions q WHERE q.repository = p.repository AND q.package = p.package)"
        ))
        .bind(repository.as_str())
        .bind(since)
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading promotions"))?;
        rows.iter().map(promotion_from_row).collect()
    }

    async fn arrived(&self, target: &OciName, digest: &Digest) -> Result<Option<Millis>> {
        let row = query("SELECT MAX(at) FROM promotions WHERE repository = $1 AND package = $2 AND digest = $3")
            .bind(target.repository.as_str())
            .bind(target.package.as_str())
            .bind(digest.as_str())
            .fetch_one(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading promotions"))?;
        col(&row, 0)
    }

    async fn approvals(&self, target: &OciName, digest: &Digest) -> Result<Vec<(String, Millis)>> {
        let rows = query(
            "SELECT principal, at FROM approvals WHERE repository = $1 AND package = $2 AND digest = $3 \
             ORDER BY at, principal",
        )
        .bind(target.repository.as_str())
        .bind(target.package.as_str())
        .bind(digest.as_str())
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading approvals"))?;
        rows.iter().map(|row| Ok((col(row, 0)?, col(row, 1)?))).collect()
    }

    async fn approve(
        &self,
        target: &OciName,
        digest: &Digest,
        principal: &str,
        at: Millis,
        entry: &NewAuditEntry,
    ) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let done = query(
            "INSERT INTO approvals (repository, package, digest, principal, at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (repository, package, digest, principal) DO UPDATE SET at = excluded.at \
             WHERE approvals.at < excluded.at",
        )
        .bind(target.repository.as_str())
        .bind(target.package.as_str())
        .bind(digest.as_str())
        .bind(principal)
        .bind(at)
        .execute(&mut tx)
        .await
        .map_err(db_err("recording an approval"))?;
        audit::commit_audited(tx, done == 1, entry, "recording an approval").await
    }

    async fn record_deployment(
        &self,
        environment: &str,
        name: &OciName,
        digest: &Digest,
        entry: &NewAuditEntry,
    ) -> Result<u64> {
        let mut tx = self.db.write().await?;
        let id = audit::append(&mut tx, entry).await?;
        query(
            "INSERT INTO deployments (id, environment, repository, package, digest, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(environment)
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .bind(digest.as_str())
        .bind(entry.actor.as_str())
        .bind(entry.time)
        .execute(&mut tx)
        .await
        .map_err(db_err("recording a deployment"))?;
        tx.commit().await.map_err(db_err("recording a deployment"))?;
        Ok(to_u64(id))
    }

    async fn current_deployments(&self, package: &str) -> Result<Vec<Deployment>> {
        let rows = query(format!(
            "SELECT {DEPLOYMENT_COLUMNS} FROM deployments d WHERE package = $1 AND id = \
             (SELECT MAX(id) FROM deployments e WHERE e.package = d.package AND e.environment = d.environment) \
             ORDER BY environment"
        ))
        .bind(package)
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading deployments"))?;
        rows.iter().map(deployment_from_row).collect()
    }

    async fn deployments_in(&self, repository: &RepoName) -> Result<Vec<Deployment>> {
        let rows = query(format!(
            "SELECT {DEPLOYMENT_COLUMNS} FROM deployments d WHERE repository = $1 AND id = \
             (SELECT MAX(id) FROM deployments e WHERE e.package = d.package AND e.environment = d.environment)"
        ))
        .bind(repository.as_str())
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading deployments"))?;
        rows.iter().map(deployment_from_row).collect()
    }
}

/// Records a promotion or rollback with its audit entry (whose id becomes its id).
pub(crate) async fn record_promotion_in(tx: &mut Tx, p: &NewPromotion, entry: &NewAuditEntry) -> Result<u64> {
    let id = audit::append(tx, entry).await?;
    query(format!(
        "INSERT INTO promotions ({PROMOTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(id)
    .bind(p.kind.as_str())
    .bind(p.release.as_deref())
    .bind(p.source.as_ref().map(RepoName::as_str))
    .bind(p.target.repository.as_str())
    .bind(p.target.package.as_str())
    .bind(p.version.as_deref())
    .bind(p.digest.as_str())
    .bind(p.previous.as_ref().map(Digest::as_str))
    .bind(p.actor.as_str())
    .bind(p.verdicts.as_str())
    .bind(serde_json::to_string(&p.approvers).unwrap_or_else(|_| "[]".to_owned()))
    .bind(p.at)
    .execute(&mut *tx)
    .await
    .map_err(db_err("recording a promotion"))?;
    Ok(to_u64(id))
}

/// The digest a tag points at, in `tx`.
pub(crate) async fn tag_target(tx: &mut Tx, name: &OciName, tag: &Tag) -> Result<Option<Digest>> {
    let row = query("SELECT digest FROM tags WHERE repository = $1 AND package = $2 AND name = $3")
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .bind(tag.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err("reading a tag"))?;
    row.as_ref().map(|row| digest_col(row, 0)).transpose()
}

/// The digest of the newest promotion or rollback into `target`, in `tx`.
pub(crate) async fn promoted_digest(tx: &mut Tx, target: &OciName) -> Result<Option<Digest>> {
    let row = query("SELECT digest FROM promotions WHERE repository = $1 AND package = $2 ORDER BY id DESC LIMIT 1")
        .bind(target.repository.as_str())
        .bind(target.package.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err("reading promotion history"))?;
    row.as_ref().map(|row| digest_col(row, 0)).transpose()
}

/// Copies `digest` of `from` into `to` with its index children, its referrers (by `subject`, and
/// cosign's `<alg>-<hex>.*` tags) transitively, their references and blob links: rows only.
pub(crate) async fn copy_artifact_in(
    tx: &mut Tx,
    dialect: Dialect,
    from: &OciName,
    to: &OciName,
    digest: &Digest,
    now: Millis,
) -> Result<Copied> {
    if !crate::manifests::holds(tx, dialect, from, digest, RefKind::Manifest).await? {
        return Err(Error::new(ErrorKind::ManifestUnknown, format!("{from} holds no manifest {digest}")));
    }
    let (manifests, cosign_tags) = artifact_tree(tx, from, digest).await?;
    packages::ensure(tx, to, now).await?;
    let mut new = 0;
    for manifest in &manifests {
        if copy_manifest_row(tx, from, to, manifest, now).await? {
            new += 1;
        }
    }
    for (tag, target) in &cosign_tags {
        query(
            "INSERT INTO tags (repository, package, name, digest, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (repository, package, name) DO NOTHING",
        )
        .bind(to.repository.as_str())
        .bind(to.package.as_str())
        .bind(tag.as_str())
        .bind(target.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_err("copying a signature tag"))?;
    }
    Ok(Copied { manifests: manifests.len(), new })
}

/// Every manifest that travels with `root` in `name` (itself, index children, referrers, and what
/// cosign's tags name), and those tags.
async fn artifact_tree(
    tx: &mut Tx,
    name: &OciName,
    root: &Digest,
) -> Result<(BTreeSet<Digest>, Vec<(String, Digest)>)> {
    let mut seen = BTreeSet::from([root.clone()]);
    let mut queue = vec![root.clone()];
    let mut tags = Vec::new();
    while let Some(digest) = queue.pop() {
        let mut found = Vec::new();
        for sql in [
            "SELECT child_digest FROM manifest_refs WHERE repository = $1 AND package = $2 AND manifest_digest = $3 \
             AND kind = 'manifest'",
            "SELECT digest FROM manifests WHERE repository = $1 AND package = $2 AND subject = $3",
        ] {
            let rows = query(sql)
                .bind(name.repository.as_str())
                .bind(name.package.as_str())
                .bind(digest.as_str())
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err("reading an artifact's manifests"))?;
            for row in &rows {
                found.push(digest_col(row, 0)?);
            }
        }
        // cosign: `sha256-<hex>.sig`, `.att`, `.sbom` name the artifact they belong to.
        let prefix = format!("{}-{}.", digest.algorithm(), digest.hex());
        let rows =
            query("SELECT name, digest FROM tags WHERE repository = $1 AND package = $2 AND name > $3 AND name < $4")
                .bind(name.repository.as_str())
                .bind(name.package.as_str())
                .bind(prefix.as_str())
                .bind(format!("{}/", &prefix[..prefix.len() - 1]))
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err("reading signature tags"))?;
        for row in &rows {
            let target = digest_col(row, 1)?;
            tags.push((col(row, 0)?, target.clone()));
            found.push(target);
        }
        for digest in found {
            if seen.insert(digest.clone()) {
                queue.push(digest);
            }
        }
    }
    Ok((seen, tags))
}

/// Copies one manifest row with its references and blob links; whether `to` lacked it.
async fn copy_manifest_row(tx: &mut Tx, from: &OciName, to: &OciName, digest: &Digest, now: Millis) -> Result<bool> {
    let inserted = query(
        "INSERT INTO manifests (repository, package, digest, media_type, size, artifact_type, subject, annotations, \
         created_at) SELECT $4, $5, digest, media_type, size, artifact_type, subject, annotations, created_at \
         FROM manifests WHERE repository = $1 AND package = $2 AND digest = $3 \
         ON CONFLICT (repository, package, digest) DO NOTHING",
    )
    .bind(from.repository.as_str())
    .bind(from.package.as_str())
    .bind(digest.as_str())
    .bind(to.repository.as_str())
    .bind(to.package.as_str())
    .execute(&mut *tx)
    .await
    .map_err(db_err("copying a manifest"))?;
    if inserted == 0 {
        return Ok(false);
    }
    for sql in [
        "INSERT INTO manifest_refs (repository, package, manifest_digest, child_digest, kind) \
         SELECT $4, $5, manifest_digest, child_digest, kind FROM manifest_refs \
         WHERE repository = $1 AND package = $2 AND manifest_digest = $3 ON CONFLICT DO NOTHING",
        "INSERT INTO blob_links (repository, package, digest, created_at) \
         SELECT DISTINCT $4, $5, r.child_digest, $6 FROM manifest_refs r JOIN blobs b ON b.digest = r.child_digest \
         WHERE r.repository = $1 AND r.package = $2 AND r.manifest_digest = $3 AND r.kind <> 'manifest' \
         ON CONFLICT DO NOTHING",
    ] {
        query(sql)
            .bind(from.repository.as_str())
            .bind(from.package.as_str())
            .bind(digest.as_str())
            .bind(to.repository.as_str())
            .bind(to.package.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db_err("copying a manifest's references"))?;
    }
    Ok(true)
}

pub(crate) fn digest_col(row: &Row, index: usize) -> Result<Digest> {
    let text: String = col(row, index)?;
    Digest::parse(&text).map_err(|e| corrupt("digest", &text, e))
}

fn name_cols(row: &Row, repository: usize, package: usize) -> Result<OciName> {
    let repository: String = col(row, repository)?;
    let package: String = col(row, package)?;
    let full = format!("{repository}/{package}");
    OciName::parse(&full).map_err(|e| corrupt("package name", &full, e))
}

fn promotion_from_row(row: &Row) -> Result<PromotionRecord> {
    let kind: String = col(row, 1)?;
    let source: Option<String> = col(row, 3)?;
    let previous: Option<String> = col(row, 8)?;
    let approvers: String = col(row, 11)?;
    Ok(PromotionRecord {
        id: to_u64(col(row, 0)?),
        promotion: NewPromotion {
            kind: PromotionKind::parse(&kind).ok_or_else(|| corrupt("promotion kind", &kind, "unknown"))?,
            release: col(row, 2)?,
            source: source.map(|s| RepoName::parse(&s).map_err(|e| corrupt("repository name", &s, e))).transpose()?,
            target: name_cols(row, 4, 5)?,
            version: col(row, 6)?,
            digest: digest_col(row, 7)?,
            previous: previous.map(|d| Digest::parse(&d).map_err(|e| corrupt("digest", &d, e))).transpose()?,
            actor: col(row, 9)?,
            verdicts: col(row, 10)?,
            approvers: serde_json::from_str(&approvers).map_err(|e| corrupt("approvers", &approvers, e))?,
            at: col(row, 12)?,
        },
    })
}

fn deployment_from_row(row: &Row) -> Result<Deployment> {
    Ok(Deployment {
        id: to_u64(col(row, 0)?),
        environment: col(row, 1)?,
        name: name_cols(row, 2, 3)?,
        digest: digest_col(row, 4)?,
        actor: col(row, 5)?,
        at: col(row, 6)?,
    })
}
