//! `arca fsck`: checks that the registry holds what its metadata says — every blob it records is in the
//! blob store with its recorded size and its bytes hash to its digest, and every manifest reference
//! names recorded content. It reports and changes nothing, unless asked to remove damaged copies
//! (`--repair`): a removed copy is never served again (a pull says the blob is unknown instead of
//! sending wrong bytes), and the next push of that digest writes a sound one.

use crate::{Settings, StartupError};
use arca_core::blob::BlobStore;
use arca_core::meta::BlobIndex;
use arca_core::registry::scrub::{Damage, check_stored};
use arca_store_sql::SqlMetaStore;
use arca_types::Digest;

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub blobs_checked: u64,
    pub bytes_checked: u64,
    pub problems: Vec<Problem>,
    /// Damaged copies removed (with `--repair`).
    pub removed: Vec<String>,
}

/// One thing that is not as the metadata says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// A recorded blob the blob store does not have.
    Missing { digest: String },
    /// A stored blob whose size or bytes are not the recorded ones.
    Damaged { digest: String, detail: String },
    /// A manifest whose reference names content no blob record holds.
    UnrecordedReference { package: String, manifest: String, reference: String },
}

/// At most this many unrecorded references are listed.
const REFERENCES_LISTED: usize = 10_000;
const PAGE: usize = 1000;

fn fail(what: impl std::fmt::Display) -> StartupError {
    StartupError(what.to_string())
}

/// Checks the registry `settings` describe; it may be serving meanwhile. With `repair`, damaged copies
/// are removed from the blob store.
pub async fn check(settings: &Settings, repair: bool) -> Result<Report, StartupError> {
    let meta = SqlMetaStore::connect(&settings.database).await.map_err(fail)?;
    let root = settings.storage.strip_prefix("file://").unwrap_or(&settings.storage);
    let blobs = arca_store_fs::FsBlobStore::open(root.into()).map_err(fail)?;
    let report = check_stores(&meta, &blobs, repair).await;
    meta.close().await;
    report
}

/// The check, on any stores.
pub async fn check_stores(index: &dyn BlobIndex, store: &dyn BlobStore, repair: bool) -> Result<Report, StartupError> {
    let mut report = Report::default();
    for (package, manifest, reference) in index.unrecorded_references(REFERENCES_LISTED).await.map_err(fail)? {
        let (package, manifest, reference) = (package.to_string(), manifest.to_string(), reference.to_string());
        report.problems.push(Problem::UnrecordedReference { package, manifest, reference });
    }
    let mut after: Option<Digest> = None;
    loop {
        let page = index.list_blobs(after.as_ref(), PAGE).await.map_err(fail)?;
        let Some((last, _)) = page.last() else { return Ok(report) };
        after = Some(last.clone());
        for (digest, size) in page {
            if let Some(problem) = check_blob(store, &digest, size).await? {
                if repair && matches!(problem, Problem::Damaged { .. }) {
                    store.delete(&digest).await.map_err(fail)?;
                    tracing::warn!(%digest, "removed a damaged blob copy: push the blob again to restore it");
                    report.removed.push(digest.to_string());
                }
                report.problems.push(problem);
            }
            report.blobs_checked += 1;
            report.bytes_checked += size;
        }
    }
}

async fn check_blob(store: &dyn BlobStore, digest: &Digest, size: u64) -> Result<Option<Problem>, StartupError> {
    Ok(check_stored(store, digest, size).await.map(|damage| match damage {
        Damage::Missing => Problem::Missing { digest: digest.to_string() },
        Damage::Damaged(detail) => Problem::Damaged { digest: digest.to_string(), detail },
    }))
}
