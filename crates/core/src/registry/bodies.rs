//! Blobs whose bytes are kept with their record instead of in the blob store
//! ([`UnitOfWork::keep_body`](crate::meta::UnitOfWork::keep_body): manifests, OCI and generic versions),
//! read like any other.
//!
//! A manifest push then writes its bytes in the transaction that records it: no file, no file or
//! directory sync, no object on S3. [`WithBodies`] is the blob store every use case reads through: what
//! the blob store does not hold, it answers from the record. The blob store is asked first, so reads
//! of layers (nearly every byte served) cost no metadata query; content stored before bodies were
//! kept with records is still found there.

use crate::blob::{BlobContent, BlobStore, ByteStream, DownloadHeaders, UploadWriter};
use crate::meta::BlobIndex;
use crate::{Error, ErrorKind, Result};
use arca_types::{ByteRange, Digest};
use async_trait::async_trait;
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

/// Manifests up to this size keep their bytes with their record; larger ones go to the blob store.
/// Every manifest a client builds is far smaller (an index of 50 platforms is about 20 KiB).
pub const KEPT_WITH_RECORD_UP_TO: usize = 64 * 1024;

/// Whether a manifest of `len` bytes is kept with its record ([`KEPT_WITH_RECORD_UP_TO`]).
pub(super) fn kept_with_record(len: usize) -> bool {
    len <= KEPT_WITH_RECORD_UP_TO
}

/// A blob store that falls back to the bodies kept with blob records.
pub struct WithBodies {
    store: Arc<dyn BlobStore>,
    index: Arc<dyn BlobIndex>,
}

impl WithBodies {
    pub fn wrap(store: Arc<dyn BlobStore>, index: Arc<dyn BlobIndex>) -> Arc<Self> {
        Arc::new(Self { store, index })
    }

    /// Whether exactly `size` bytes of `digest` are stored, in the blob store or with its record. A
    /// blob too large to be kept with its record costs no metadata query when the blob store lacks it
    /// (a new chunked upload's final PUT asks this).
    pub(super) async fn holds(&self, digest: &Digest, size: u64) -> Result<bool> {
        if self.store.stat(digest).await? == Some(size) {
            return Ok(true);
        }
        if size > KEPT_WITH_RECORD_UP_TO as u64 {
            return Ok(false);
        }
        Ok(self.index.blob_body(digest).await?.is_some_and(|body| body.len() as u64 == size))
    }
}

/// One chunk: the whole of a body kept with its record.
pub(super) fn stream_of(body: Bytes) -> ByteStream {
    Box::pin(futures_util::stream::once(async move { Ok(body) }))
}

/// `body`, or the range of it asked for, as the blob store would serve it.
fn content_of(body: Bytes, range: Option<ByteRange>) -> Result<BlobContent> {
    let size = body.len() as u64;
    let part = match range {
        None => body,
        Some(range) if range.start <= range.end && range.end < size => {
            body.slice(range.start as usize..=range.end as usize)
        }
        Some(range) => {
            return Err(Error::new(
                ErrorKind::RangeNotSatisfiable,
                format!("range {}-{} lies outside {size} bytes", range.start, range.end),
            ));
        }
    };
    Ok(BlobContent { size, stream: stream_of(part) })
}

#[async_trait]
impl BlobStore for WithBodies {
    async fn open_upload(&self, id: &str, offset: u64) -> Result<Box<dyn UploadWriter>> {
        self.store.open_upload(id, offset).await
    }

    async fn read_upload(&self, id: &str) -> Result<ByteStream> {
        self.store.read_upload(id).await
    }

    async fn commit_upload(&self, id: &str, digest: &Digest) -> Result<()> {
        self.store.commit_upload(id, digest).await
    }

    async fn abort_upload(&self, id: &str) -> Result<()> {
        self.store.abort_upload(id).await
    }

    async fn staged_uploads(&self, idle_for: Duration) -> Result<Vec<String>> {
        self.store.staged_uploads(idle_for).await
    }

    async fn put_small(&self, digest: &Digest, content: Bytes) -> Result<()> {
        self.store.put_small(digest, content).await
    }

    async fn put_small_many(&self, items: Vec<(Digest, Bytes)>) -> Result<()> {
        self.store.put_small_many(items).await
    }

    async fn get(&self, digest: &Digest, range: Option<ByteRange>) -> Result<Option<BlobContent>> {
        if let Some(content) = self.store.get(digest, range).await? {
            return Ok(Some(content));
        }
        self.index.blob_body(digest).await?.map(|body| content_of(body, range)).transpose()
    }

    async fn stat(&self, digest: &Digest) -> Result<Option<u64>> {
        if let Some(size) = self.store.stat(digest).await? {
            return Ok(Some(size));
        }
        Ok(self.index.blob_body(digest).await?.map(|body| body.len() as u64))
    }

    /// A blob store's own copy only: the delete of a blob's record deletes a body kept with it.
    async fn delete(&self, digest: &Digest) -> Result<()> {
        self.store.delete(digest).await
    }

    async fn delete_many(&self, digests: &[Digest]) -> Result<()> {
        self.store.delete_many(digests).await
    }

    async fn ping(&self) -> Result<()> {
        self.store.ping().await
    }

    /// A body kept with its record is served by the node: the blob store has no copy to point at.
    async fn download_url(&self, digest: &Digest, headers: &DownloadHeaders) -> Result<Option<String>> {
        let Some(url) = self.store.download_url(digest, headers).await? else { return Ok(None) };
        Ok(if self.index.blob_body(digest).await?.is_some() { None } else { Some(url) })
    }
}

impl super::Registry {
    /// Where a manifest's bytes go, before the unit of work that records it: `true` if they are to be
    /// kept with its record ([`Self::keep_or_check_body`] in that unit of work); larger ones are put in
    /// the blob store now.
    pub(super) async fn put_body_unless_kept(&self, digest: &Digest, body: &Bytes) -> Result<bool> {
        if kept_with_record(body.len()) {
            return Ok(true);
        }
        self.blobs.put_small(digest, body.clone()).await?;
        Ok(false)
    }

    /// Once `work` has recorded the manifest: keeps its bytes with the record (`kept`), or checks that
    /// the copy put in the blob store beforehand is still there (a GC sweep may have taken it).
    pub(super) async fn keep_or_check_body(
        &self,
        work: &mut dyn crate::meta::UnitOfWork,
        kept: bool,
        recorded: crate::meta::Recorded,
        digest: &Digest,
        body: &[u8],
    ) -> Result<()> {
        if kept {
            work.keep_body(digest, body).await
        } else {
            self.check_recorded(recorded, digest, body.len() as u64).await
        }
    }
}
