//! `arca backup DIR` and `arca restore DIR`: a consistent copy of a registry taken while it serves, and
//! a new registry made from one.
//!
//! A backup directory holds `arca.db` (the metadata, snapshotted by `VACUUM INTO` in one read
//! transaction, so it is consistent whatever is being written meanwhile), `blobs/` (every blob that
//! snapshot records, in the filesystem store's layout, each hashed while copied) and `backup.json`
//! (what was copied). Blobs are immutable and only ever added, so copying them after the snapshot
//! finds every one it names; blobs added later are simply not part of the backup. `arca.db` appears
//! last: a directory without it is an unfinished backup and is refused by restore.
//!
//! PostgreSQL + S3 deployments back up with their own tools (`pg_dump`, bucket versioning) and check
//! the result with `arca fsck`; `backup` says so instead of copying half of it.

use crate::{Settings, StartupError};
use arca_core::blob::BlobStore;
use arca_core::hasher::MultiHasher;
use arca_core::meta::BlobIndex;
use arca_core::registry::scrub::RecordedBlobs;
use arca_store_fs::FsBlobStore;
use arca_store_sql::SqlMetaStore;
use arca_types::{Digest, DigestAlgorithm};
use futures_util::StreamExt;
use std::path::Path;

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Copied {
    pub blobs: u64,
    pub bytes: u64,
    /// The audit log's length in the copy (its head's sequence number).
    pub audit_entries: i64,
}

const DATABASE: &str = "arca.db";
const UNFINISHED_DATABASE: &str = "arca.db.partial";
const SUMMARY: &str = "backup.json";
const PAGE: usize = 1000;

fn fail(what: impl std::fmt::Display) -> StartupError {
    StartupError(what.to_string())
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Backs up the registry `settings` describe into `dir` (created; it must be empty) while it may be
/// serving.
pub async fn backup(settings: &Settings, dir: &Path) -> Result<Copied, StartupError> {
    require_empty(dir, "backup directory")?;
    let live = SqlMetaStore::connect(&settings.database).await.map_err(fail)?;
    let partial = dir.join(UNFINISHED_DATABASE);
    live.snapshot_to(&partial).await.map_err(fail)?;
    live.close().await;
    let snapshot = SqlMetaStore::connect(&sqlite_url(&partial)).await.map_err(fail)?;
    let (source, _) = crate::app::open_blob_store(settings).await?;
    let target = FsBlobStore::open(dir.to_owned()).map_err(fail)?;
    let mut copied = copy_blobs(&snapshot, source.as_ref(), &target).await?;
    copied.audit_entries = arca_core::audit::AuditLog::audit_head(&snapshot).await.map_err(fail)?.seq;
    snapshot.close().await;
    // Its last connection closed, SQLite folds the snapshot's WAL back in and removes `-wal`/`-shm`.
    drop(snapshot);
    let summary = serde_json::to_vec_pretty(&copied).map_err(fail)?;
    std::fs::write(dir.join(SUMMARY), summary).map_err(|e| fail(format!("writing {SUMMARY}: {e}")))?;
    std::fs::rename(&partial, dir.join(DATABASE)).map_err(|e| fail(format!("finishing the backup: {e}")))?;
    sync_dir(dir)?;
    Ok(copied)
}

/// Makes the registry `settings` describe (its data directory and SQLite database must not exist yet
/// or be empty) from the backup in `dir`, checking every blob's bytes and the audit chain.
pub async fn restore(dir: &Path, settings: &Settings) -> Result<Copied, StartupError> {
    let backup_db = dir.join(DATABASE);
    if !backup_db.is_file() {
        return Err(fail(format!(
            "{} holds no finished backup (no {DATABASE}; an interrupted backup leaves {UNFINISHED_DATABASE})",
            dir.display()
        )));
    }
    let database = SqlMetaStore::sqlite_file(&settings.database).ok_or_else(|| {
        fail("arca restores into a SQLite database file; a PostgreSQL database is restored with pg_restore")
    })?;
    require_empty(&settings.data, "data directory")?;
    if database.exists() {
        return Err(fail(format!("the database {} exists: restore into a new registry", database.display())));
    }
    if let Some(parent) = database.parent() {
        std::fs::create_dir_all(parent).map_err(|e| fail(format!("{}: {e}", parent.display())))?;
    }
    std::fs::copy(&backup_db, &database).map_err(|e| fail(format!("copying the database: {e}")))?;
    let restored = SqlMetaStore::connect(&settings.database).await.map_err(fail)?;
    let source = FsBlobStore::open(dir.to_owned()).map_err(fail)?;
    let (target, _) = crate::app::open_blob_store(settings).await?;
    let mut copied = copy_blobs(&restored, &source, target.as_ref()).await?;
    let verified = arca_core::audit::verify(&restored).await.map_err(fail)?;
    if let Err(broken) = verified {
        return Err(fail(format!("the restored audit log does not verify: {broken:?}")));
    }
    copied.audit_entries = arca_core::audit::AuditLog::audit_head(&restored).await.map_err(fail)?.seq;
    restored.close().await;
    Ok(copied)
}

/// Copies every blob `index` records from `source` to `target`, checking each one's size and digest;
/// a blob missing from `source` or not matching its digest fails the copy, naming it. Bodies kept with
/// their records are in the database copy already.
async fn copy_blobs(
    index: &dyn BlobIndex,
    source: &dyn BlobStore,
    target: &dyn BlobStore,
) -> Result<Copied, StartupError> {
    let mut copied = Copied { blobs: 0, bytes: 0, audit_entries: 0 };
    let mut blobs = RecordedBlobs::new(index, None, PAGE);
    loop {
        let page = blobs.next_page().await.map_err(fail)?;
        if page.is_empty() {
            return Ok(copied);
        }
        for (digest, size) in page {
            copy_blob(index, &digest, size, source, target).await?;
            copied.blobs += 1;
            copied.bytes += size;
        }
    }
}

async fn copy_blob(
    index: &dyn BlobIndex,
    digest: &Digest,
    size: u64,
    source: &dyn BlobStore,
    target: &dyn BlobStore,
) -> Result<(), StartupError> {
    let content = source.get(digest, None).await.map_err(fail)?;
    let Some(mut content) = content else {
        // A body kept with its record (a manifest) travels in the database, not as a blob.
        if index.blob_body(digest).await.map_err(fail)?.is_some() {
            return Ok(());
        }
        return Err(fail(format!("blob {digest} is missing from the source")));
    };
    let id = format!("copy-{}", digest.hex());
    let mut writer = target.open_upload(&id, 0).await.map_err(fail)?;
    let mut hasher = MultiHasher::new(digest.algorithm() == DigestAlgorithm::Sha512);
    let mut written = 0u64;
    while let Some(chunk) = content.stream.next().await {
        let chunk = chunk.map_err(|e| fail(format!("reading blob {digest}: {e}")))?;
        hasher.update(&chunk);
        written += chunk.len() as u64;
        writer.write(chunk).await.map_err(fail)?;
    }
    writer.close().await.map_err(fail)?;
    let actual = hasher.finish(digest.algorithm());
    if written != size || actual.as_ref() != Some(digest) {
        target.abort_upload(&id).await.map_err(fail)?;
        return Err(fail(format!("blob {digest} is damaged in the source ({written} bytes, expected {size})")));
    }
    target.commit_upload(&id, digest).await.map_err(fail)
}

/// `dir` is created if missing; an existing one must be empty.
fn require_empty(dir: &Path, what: &str) -> Result<(), StartupError> {
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("{what} {}: {e}", dir.display())))?;
    let mut entries = std::fs::read_dir(dir).map_err(|e| fail(format!("{what} {}: {e}", dir.display())))?;
    if entries.next().is_some() {
        return Err(fail(format!("the {what} {} is not empty", dir.display())));
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), StartupError> {
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| fail(format!("syncing {}: {e}", dir.display())))
}
