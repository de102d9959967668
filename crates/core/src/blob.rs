//! The blob store port: bytes by digest, streamed, never whole in memory.
//!
//! Writes go through an *upload*: bytes are appended to a staging area named by an upload id, then
//! committed under their digest. On a filesystem that is a temp file renamed into place; on S3 it is
//! a multipart upload completed and copied. Implementations must make `UploadWriter::finish` and
//! `commit_upload` durable before returning: arca acknowledges a write only after they return.

use crate::Result;
use arca_types::{ByteRange, Digest};
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;

/// A stream of content chunks.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// Bytes of a stored blob, or of a range of it.
pub struct BlobContent {
    /// Total size of the blob (not of the range).
    pub size: u64,
    pub stream: ByteStream,
}

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Opens upload `id` for appending at `offset`. Staged bytes past `offset` (left by a failed
    /// chunk) are discarded; an `offset` past the staged length is an error. Offset 0 creates it.
    async fn open_upload(&self, id: &str, offset: u64) -> Result<Box<dyn UploadWriter>>;

    /// Reads back the staged bytes of an upload (used to rehash when the digest algorithm of the final
    /// PUT was not hashed while streaming).
    async fn read_upload(&self, id: &str) -> Result<ByteStream>;

    /// Makes the staged bytes of `id` durable under `digest` and removes the staging area. If the
    /// digest is already stored the staged bytes are simply dropped.
    async fn commit_upload(&self, id: &str, digest: &Digest) -> Result<()>;

    /// Removes an upload's staging area; absent is fine.
    async fn abort_upload(&self, id: &str) -> Result<()>;

    /// Lists staged uploads whose bytes have not changed for at least `idle_for` (for reaping uploads
    /// whose session is gone; `Duration::ZERO`: every one). On storage shared by several nodes, an
    /// upload another node is still writing must not look idle.
    async fn staged_uploads(&self, idle_for: std::time::Duration) -> Result<Vec<String>>;

    /// Stores small content (package metadata, generic manifests) durably under its digest in one call.
    /// OCI manifests are kept with their records instead (`UnitOfWork::keep_body`).
    async fn put_small(&self, digest: &Digest, content: Bytes) -> Result<()>;

    /// Stores several small contents durably, each as [`Self::put_small`] would; a store may make
    /// them durable together (one filesystem sync for all instead of one per item). On an error some
    /// may be stored (content-addressed: a retry stores the rest).
    async fn put_small_many(&self, items: Vec<(Digest, Bytes)>) -> Result<()> {
        let puts = items.into_iter().map(|(digest, content)| async move { self.put_small(&digest, content).await });
        futures_util::future::try_join_all(puts).await.map(drop)
    }

    /// Reads a blob, or the given range of it. `None` if absent.
    async fn get(&self, digest: &Digest, range: Option<ByteRange>) -> Result<Option<BlobContent>>;

    /// Size of a stored blob, `None` if absent.
    async fn stat(&self, digest: &Digest) -> Result<Option<u64>>;

    /// Deletes a blob; absent is fine.
    async fn delete(&self, digest: &Digest) -> Result<()>;

    /// Deletes several blobs, as [`Self::delete`] would each; a store may batch them (S3: one
    /// `DeleteObjects` request per 1000 keys). On an error some may be deleted (a retry deletes the
    /// rest).
    async fn delete_many(&self, digests: &[Digest]) -> Result<()> {
        for digest in digests {
            self.delete(digest).await?;
        }
        Ok(())
    }

    /// Checks the backend answers (for readiness).
    async fn ping(&self) -> Result<()>;

    /// A URL from which a client may download `digest` itself (an object store's presigned URL),
    /// when the store is set to hand them out; `None`: the bytes go through the node. The answer
    /// there carries `headers` (what the node would have sent).
    async fn download_url(&self, _digest: &Digest, _headers: &DownloadHeaders) -> Result<Option<String>> {
        Ok(None)
    }
}

/// The headers a download answered elsewhere (a presigned URL) should carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownloadHeaders {
    pub content_type: String,
    /// `attachment; filename="…"` for a file with a name.
    pub content_disposition: Option<String>,
}

/// Appends to one upload's staging area.
#[async_trait]
pub trait UploadWriter: Send {
    async fn write(&mut self, chunk: Bytes) -> Result<()>;
    /// Flushes and makes the staged bytes durable; returns the staged length.
    async fn finish(self: Box<Self>) -> Result<u64>;

    /// Flushes without making the bytes durable, for an upload that is committed (which makes them
    /// durable) or aborted right after; returns the staged length. Saves an fsync per blob, and all of
    /// them when the content is already stored.
    async fn close(self: Box<Self>) -> Result<u64> {
        self.finish().await
    }
}
