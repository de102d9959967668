//! `arca_core::meta::UnitOfWork` on one write transaction: the same statements as the single-aggregate
//! port methods (`*_in` functions), so a use case can commit several of them and their audit entries
//! at once. Dropped uncommitted, the transaction rolls back.

use crate::db::{Dialect, Tx, db_err};
use crate::{SqlMetaStore, audit, blobs, manifests, owners, packages, promotions, properties, retention, uploads};
use arca_core::Result;
use arca_core::audit::NewAuditEntry;
use arca_core::meta::{
    Copied, FileClaim, FileName, Millis, NewManifest, NewPromotion, PackageStatus, Recorded, RefKind, TagWrite,
    Transactions, UnitOfWork,
};
use arca_types::{Digest, OciName, Tag};
use async_trait::async_trait;
use std::collections::BTreeSet;

pub struct SqlUnitOfWork {
    tx: Tx,
    dialect: Dialect,
    /// Repositories this unit of work added content to: their quotas are checked before it commits.
    grown: BTreeSet<String>,
}

#[async_trait]
impl Transactions for SqlMetaStore {
    async fn begin(&self) -> Result<Box<dyn UnitOfWork>> {
        Ok(Box::new(SqlUnitOfWork { tx: self.db.write().await?, dialect: self.db.dialect, grown: BTreeSet::new() }))
    }
}

#[async_trait]
impl UnitOfWork for SqlUnitOfWork {
    async fn record_blob(
        &mut self,
        digest: &Digest,
        size: u64,
        link: Option<&OciName>,
        now: Millis,
    ) -> Result<Recorded> {
        let (recorded, linked) = blobs::record_blob_in(&mut self.tx, digest, size, link, now).await?;
        if let (true, Some(name)) = (linked, link) {
            self.grown.insert(name.repository.to_string());
        }
        Ok(recorded)
    }

    async fn missing_reference(
        &mut self,
        name: &OciName,
        references: &[(Digest, RefKind)],
    ) -> Result<Option<(Digest, RefKind)>> {
        for (digest, kind) in references {
            if !manifests::holds(&mut self.tx, self.dialect, name, digest, *kind).await? {
                return Ok(Some((digest.clone(), *kind)));
            }
        }
        Ok(None)
    }

    async fn put_manifest(&mut self, manifest: &NewManifest, tag: Option<&TagWrite>) -> Result<Recorded> {
        let (recorded, inserted) = manifests::put_manifest_in(&mut self.tx, manifest, tag).await?;
        if inserted {
            self.grown.insert(manifest.name.repository.to_string());
        }
        Ok(recorded)
    }

    async fn keep_body(&mut self, digest: &Digest, body: &[u8]) -> Result<()> {
        blobs::keep_body_in(&mut self.tx, digest, body).await
    }

    async fn close_upload(&mut self, id: &str, now: Millis) -> Result<()> {
        uploads::close_upload_in(&mut self.tx, id, now).await
    }

    async fn tag_manifest(&mut self, name: &OciName, tag: &TagWrite, digest: &Digest, now: Millis) -> Result<()> {
        manifests::point_tag(&mut self.tx, name, tag, digest, now).await
    }

    async fn set_properties(
        &mut self,
        manifest: &Digest,
        clear: Option<&[String]>,
        add: &[(String, String)],
    ) -> Result<()> {
        properties::set_properties_in(&mut self.tx, manifest, clear, add).await
    }

    async fn delete_tag_at(&mut self, name: &OciName, tag: &Tag, digest: &Digest) -> Result<bool> {
        retention::delete_tag_at(&mut self.tx, name, tag, digest).await
    }

    async fn delete_unused_manifest(&mut self, name: &OciName, digest: &Digest) -> Result<bool> {
        retention::delete_unused_manifest(&mut self.tx, name, digest).await
    }

    async fn audit(&mut self, entry: &NewAuditEntry) -> Result<()> {
        audit::append(&mut self.tx, entry).await.map(|_| ())
    }

    async fn tag_target(&mut self, name: &OciName, tag: &Tag) -> Result<Option<Digest>> {
        promotions::tag_target(&mut self.tx, name, tag).await
    }

    async fn promoted_digest(&mut self, target: &OciName) -> Result<Option<Digest>> {
        promotions::promoted_digest(&mut self.tx, target).await
    }

    async fn copy_artifact(&mut self, from: &OciName, to: &OciName, digest: &Digest, now: Millis) -> Result<Copied> {
        let copied = promotions::copy_artifact_in(&mut self.tx, self.dialect, from, to, digest, now).await?;
        if copied.new > 0 {
            self.grown.insert(to.repository.to_string());
        }
        Ok(copied)
    }

    async fn claim_file_name(&mut self, name: &FileName<'_>, now: Millis) -> Result<FileClaim> {
        packages::claim_file_name(&mut self.tx, name, now).await
    }

    async fn set_package_status(&mut self, name: &OciName, status: &PackageStatus) -> Result<bool> {
        packages::set_status(&mut self.tx, name, status).await
    }

    async fn add_crate_owners(&mut self, name: &OciName, logins: &[String], now: Millis) -> Result<u64> {
        owners::add(&mut self.tx, name, logins, now).await
    }

    async fn remove_crate_owners(&mut self, name: &OciName, logins: &[String]) -> Result<Vec<String>> {
        owners::remove(&mut self.tx, name, logins).await
    }

    async fn record_promotion(&mut self, promotion: &NewPromotion, entry: &NewAuditEntry) -> Result<u64> {
        promotions::record_promotion_in(&mut self.tx, promotion, entry).await
    }

    async fn commit(mut self: Box<Self>) -> Result<()> {
        for repository in std::mem::take(&mut self.grown) {
            crate::quota::check(&mut self.tx, self.dialect, &repository).await?;
        }
        self.tx.commit().await.map_err(db_err("committing a unit of work"))
    }
}
