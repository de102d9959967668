//! Manifests, their references, tags and referrers.

use crate::db::{Dialect, Tx, col, corrupt, db_err, limit, to_i64, to_u64};
use crate::sql::{Row, query};
use crate::{SqlMetaStore, audit, packages};
use arca_core::audit::NewAuditEntry;
use arca_core::meta::{ManifestRecord, ManifestStore, NewManifest, PackageStatus, Page, Recorded, RefKind, TagWrite};
use arca_core::{Error, ErrorKind, Result};
use arca_types::{Digest, OciName, Tag};
use async_trait::async_trait;

#[async_trait]
impl ManifestStore for SqlMetaStore {
    async fn put_manifest(&self, manifest: &NewManifest, tag: Option<&TagWrite>, entry: &NewAuditEntry) -> Result<()> {
        let mut tx = self.db.write().await?;
        if put_manifest_in(&mut tx, manifest, tag).await?.1 {
            crate::quota::check(&mut tx, self.db.dialect, manifest.name.repository.as_str()).await?;
        }
        audit::append(&mut tx, entry).await?;
        tx.commit().await.map_err(db_err("recording a manifest"))
    }

    async fn manifest_by_digest(&self, name: &OciName, digest: &Digest) -> Result<Option<ManifestRecord>> {
        let row = query(
            "SELECT digest, media_type, size, artifact_type, subject, annotations, created_at FROM manifests \
             WHERE repository = $1 AND package = $2 AND digest = $3",
        )
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .bind(digest.as_str())
        .fetch_optional(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading a manifest"))?;
        row.as_ref().map(record_from_row).transpose()
    }

    async fn manifest_by_tag(&self, name: &OciName, tag: &Tag) -> Result<Option<ManifestRecord>> {
        // Two primary-key lookups: the tag, then its manifest.
        let row = query(
            "SELECT m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations, m.created_at \
             FROM tags t JOIN manifests m \
             ON m.repository = t.repository AND m.package = t.package AND m.digest = t.digest \
             WHERE t.repository = $1 AND t.package = $2 AND t.name = $3",
        )
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .bind(tag.as_str())
        .fetch_optional(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading a tag"))?;
        row.as_ref().map(record_from_row).transpose()
    }

    async fn list_tags(&self, name: &OciName, page: &Page) -> Result<Option<Vec<String>>> {
        let mut tx = self.db.read_tx().await?;
        let rows =
            query("SELECT name FROM tags WHERE repository = $1 AND package = $2 AND name > $3 ORDER BY name LIMIT $4")
                .bind(name.repository.as_str())
                .bind(name.package.as_str())
                .bind(page.last.as_deref().unwrap_or(""))
                .bind(limit(page.limit))
                .fetch_all(&mut tx)
                .await
                .map_err(db_err("listing tags"))?;
        // A page past the end is empty; a package that holds nothing is unknown.
        if rows.is_empty() && !packages::is_present(&mut tx, name).await? {
            return Ok(None);
        }
        rows.iter().map(|row| col(row, 0)).collect::<Result<_>>().map(Some)
    }

    async fn list_packages(&self, page: &Page) -> Result<Vec<String>> {
        packages::list(&self.db, page).await
    }

    async fn package_status(&self, name: &OciName) -> Result<Option<PackageStatus>> {
        packages::status(&self.db, name).await
    }

    async fn crate_owners(&self, name: &OciName) -> Result<Vec<String>> {
        crate::owners::list(&self.db, name).await
    }

    async fn referrers(&self, name: &OciName, subject: &Digest) -> Result<Vec<ManifestRecord>> {
        let rows = query(
            "SELECT digest, media_type, size, artifact_type, subject, annotations, created_at FROM manifests \
             WHERE repository = $1 AND package = $2 AND subject = $3 ORDER BY digest",
        )
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .bind(subject.as_str())
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("listing referrers"))?;
        rows.iter().map(record_from_row).collect()
    }

    async fn delete_tag(&self, name: &OciName, tag: &Tag, entry: &NewAuditEntry) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let done = query("DELETE FROM tags WHERE repository = $1 AND package = $2 AND name = $3")
            .bind(name.repository.as_str())
            .bind(name.package.as_str())
            .bind(tag.as_str())
            .execute(&mut tx)
            .await
            .map_err(db_err("deleting a tag"))?;
        crate::audit::commit_audited(tx, done != 0, entry, "deleting a tag").await
    }

    async fn delete_manifest(&self, name: &OciName, digest: &Digest, entry: &NewAuditEntry) -> Result<bool> {
        let mut tx = self.db.write().await?;
        // Children first: tags point at the manifest, which goes last.
        query("DELETE FROM tags WHERE repository = $1 AND package = $2 AND digest = $3")
            .bind(name.repository.as_str())
            .bind(name.package.as_str())
            .bind(digest.as_str())
            .execute(&mut tx)
            .await
            .map_err(db_err("deleting a manifest"))?;
        let deleted = delete_manifest_rows(&mut tx, name, digest).await?;
        audit::commit_audited(tx, deleted, entry, "deleting a manifest").await
    }
}

/// Deletes a manifest with its references and pull time (its tags must be gone already); `false` if
/// it was not there.
pub(crate) async fn delete_manifest_rows(tx: &mut Tx, name: &OciName, digest: &Digest) -> Result<bool> {
    let mut deleted = 0;
    for sql in [
        "DELETE FROM manifest_pulls WHERE repository = $1 AND package = $2 AND digest = $3",
        "DELETE FROM manifest_refs WHERE repository = $1 AND package = $2 AND manifest_digest = $3",
        "DELETE FROM manifests WHERE repository = $1 AND package = $2 AND digest = $3",
    ] {
        deleted = query(sql)
            .bind(name.repository.as_str())
            .bind(name.package.as_str())
            .bind(digest.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err("deleting a manifest"))?;
    }
    Ok(deleted == 1)
}

/// Records a manifest, its references and optionally a tag inside a write transaction; whether the
/// manifest is new to its package (the repository may have grown: see `quota`).
pub(crate) async fn put_manifest_in(
    tx: &mut Tx,
    manifest: &NewManifest,
    tag: Option<&TagWrite>,
) -> Result<(Recorded, bool)> {
    let NewManifest { name, record, references } = manifest;
    // The manifest's own bytes are a blob like any other (for stats and garbage collection).
    let recorded = crate::blobs::touch_or_insert(tx, &record.digest, record.size, record.created_at).await?;
    packages::ensure(tx, name, record.created_at).await?;
    // Same digest, same bytes, same references: only a new manifest needs them.
    let inserted = insert_manifest(tx, name, record).await?;
    if inserted {
        insert_references(tx, name, &record.digest, references).await?;
    }
    if let Some(tag) = tag {
        point_tag(tx, name, tag, &record.digest, record.created_at).await?;
    }
    Ok((recorded, inserted))
}

/// Inserts the manifest row; `false` if the package already had it (left unchanged).
async fn insert_manifest(tx: &mut Tx, name: &OciName, record: &ManifestRecord) -> Result<bool> {
    let done = query(
        "INSERT INTO manifests (repository, package, digest, media_type, size, artifact_type, subject, annotations, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (repository, package, digest) DO NOTHING",
    )
    .bind(name.repository.as_str())
    .bind(name.package.as_str())
    .bind(record.digest.as_str())
    .bind(record.media_type.as_str())
    .bind(to_i64(record.size))
    .bind(record.artifact_type.as_deref())
    .bind(record.subject.as_ref().map(Digest::as_str))
    .bind(record.annotations.as_deref())
    .bind(record.created_at)
    .execute(&mut *tx)
    .await
    .map_err(db_err("recording a manifest"))?;
    Ok(done == 1)
}

/// References recorded per statement: few statements for big indexes, few bind parameters each.
const REFERENCES_PER_STATEMENT: usize = 200;

/// Records what a new manifest references, a batch of rows per statement.
async fn insert_references(
    tx: &mut Tx,
    name: &OciName,
    manifest: &Digest,
    references: &[(Digest, RefKind)],
) -> Result<()> {
    for batch in references.chunks(REFERENCES_PER_STATEMENT) {
        let rows: Vec<String> =
            (0..batch.len()).map(|i| format!("($1, $2, $3, ${}, ${})", 4 + 2 * i, 5 + 2 * i)).collect();
        let sql = format!(
            "INSERT INTO manifest_refs (repository, package, manifest_digest, child_digest, kind) VALUES {} \
             ON CONFLICT DO NOTHING",
            rows.join(", ")
        );
        // Only placeholders are formatted in; every value is bound.
        let mut statement =
            query(sql).bind(name.repository.as_str()).bind(name.package.as_str()).bind(manifest.as_str());
        for (child, kind) in batch {
            statement = statement.bind(child.as_str()).bind(kind.as_str());
        }
        statement.execute(&mut *tx).await.map_err(db_err("recording manifest references"))?;
    }
    Ok(())
}

/// Points the tag at `digest`. A mutable tag moves; an immutable one is created or left where it is,
/// and if it points elsewhere the caller's transaction is abandoned with `TagImmutable`. Writing the
/// row before reading it makes concurrent writers of one tag serialize on that row: the loser sees
/// the winner's digest.
pub(crate) async fn point_tag(tx: &mut Tx, name: &OciName, tag: &TagWrite, digest: &Digest, now: i64) -> Result<()> {
    let sql = match (tag.mutable, &tag.replaces) {
        (true, _) => {
            "INSERT INTO tags (repository, package, name, digest, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (repository, package, name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at"
        }
        (false, Some(_)) => {
            "INSERT INTO tags (repository, package, name, digest, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (repository, package, name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at \
             WHERE tags.digest = $6"
        }
        (false, None) => {
            "INSERT INTO tags (repository, package, name, digest, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (repository, package, name) DO NOTHING"
        }
    };
    let mut statement = query(sql)
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .bind(tag.tag.as_str())
        .bind(digest.as_str())
        .bind(now);
    if let Some(replaces) = &tag.replaces {
        statement = statement.bind(replaces.as_str());
    }
    let done = statement.execute(&mut *tx).await.map_err(db_err("pointing a tag"))?;
    if tag.mutable || done == 1 {
        return Ok(());
    }
    let row = query("SELECT digest FROM tags WHERE repository = $1 AND package = $2 AND name = $3")
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .bind(tag.tag.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err("reading a tag"))?;
    let current: String = col(&row, 0)?;
    if current == digest.as_str() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::TagImmutable,
        format!("tag {} of {name} is immutable: it already points at {current}", tag.tag),
    ))
}

fn record_from_row(row: &Row) -> Result<ManifestRecord> {
    let digest: String = col(row, 0)?;
    let subject: Option<String> = col(row, 4)?;
    Ok(ManifestRecord {
        digest: Digest::parse(&digest).map_err(|e| corrupt("manifest digest", &digest, e))?,
        media_type: col(row, 1)?,
        size: to_u64(col(row, 2)?),
        artifact_type: col(row, 3)?,
        subject: subject.map(|s| Digest::parse(&s).map_err(|e| corrupt("subject digest", &s, e))).transpose()?,
        annotations: col(row, 5)?,
        created_at: col(row, 6)?,
    })
}

/// Whether the package holds `digest` as `kind` (a linked blob, or a manifest), read in `tx` and, on
/// PostgreSQL, share-locked until it ends so that a concurrent unlink or delete waits (SQLite's single
/// writer already excludes one).
pub(crate) async fn holds(
    tx: &mut Tx,
    dialect: Dialect,
    name: &OciName,
    digest: &Digest,
    kind: RefKind,
) -> Result<bool> {
    let sql = match (kind, dialect) {
        (RefKind::Manifest, Dialect::Sqlite) => {
            "SELECT 1 FROM manifests WHERE repository = $1 AND package = $2 AND digest = $3"
        }
        (RefKind::Manifest, Dialect::Postgres) => {
            "SELECT 1 FROM manifests WHERE repository = $1 AND package = $2 AND digest = $3 FOR SHARE"
        }
        (_, Dialect::Sqlite) => "SELECT 1 FROM blob_links WHERE repository = $1 AND package = $2 AND digest = $3",
        (_, Dialect::Postgres) => {
            "SELECT 1 FROM blob_links WHERE repository = $1 AND package = $2 AND digest = $3 FOR SHARE"
        }
    };
    let row = query(sql)
        .bind(name.repository.as_str())
        .bind(name.package.as_str())
        .bind(digest.as_str())
        .fetch_optional(tx)
        .await
        .map_err(db_err("checking a manifest's references"))?;
    Ok(row.is_some())
}
