//! `arca fsck`: checks that the registry holds what its metadata says — every blob it records is in the
//! blob store with its recorded size and its bytes hash to its digest, and every manifest reference
//! names recorded content. It reports and changes nothing, unless asked to remove damaged copies
//! (`--repair`): a removed copy is never served again (a pull says the blob is unknown instead of
//! sending wrong bytes), and the next push of that digest writes a sound one.

use crate::{Settings, StartupError};
use arca_core::blob::BlobStore;
use arca_core::meta::BlobIndex;
use arca_core::registry::scrub::{Damage, RecordedBlobs, scrub_blob};
use arca_store_sql::SqlMetaStore;

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
    let meta = std::sync::Arc::new(SqlMetaStore::connect(&settings.database).await.map_err(fail)?);
    let (blobs, _) = crate::app::open_blob_store(settings).await?;
    // Manifests' bodies are kept with their records: checked there, like the registry reads them.
    let blobs = arca_core::registry::bodies::WithBodies::wrap(blobs, meta.clone());
    let report = check_stores(meta.as_ref(), blobs.as_ref(), repair).await;
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
    let mut blobs = RecordedBlobs::new(index, None, PAGE);
    loop {
        let page = blobs.next_page().await.map_err(fail)?;
        if page.is_empty() {
            return Ok(report);
        }
        for (digest, size) in page {
            match scrub_blob(store, &digest, size, repair).await.map_err(fail)? {
                None => {}
                Some(Damage::Missing) => report.problems.push(Problem::Missing { digest: digest.to_string() }),
                Some(Damage::Damaged(detail)) => {
                    if repair {
                        report.removed.push(digest.to_string());
                    }
                    report.problems.push(Problem::Damaged { digest: digest.to_string(), detail });
                }
            }
            report.blobs_checked += 1;
            report.bytes_checked += size;
        }
    }
}
