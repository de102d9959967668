//! Reading and deleting blobs as a package sees them.

use super::Registry;
use crate::blob::BlobStore as _;
use crate::blob::ByteStream;
use crate::meta::{Millis, Recorded, UnitOfWork};
use crate::{Error, ErrorKind, Result};
use arca_types::{ByteRange, Digest, OciName, RangeSpec};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub digest: Digest,
    pub size: u64,
}

/// A blob being read: whole, or one range of it.
pub struct BlobRead {
    /// Size of the whole blob.
    pub size: u64,
    /// The range served, if one was asked for.
    pub range: Option<ByteRange>,
    pub stream: ByteStream,
}

/// A blob whose file a GC sweep deleted while a push relied on it: retry the push.
fn collected_meanwhile(digest: &Digest) -> Error {
    Error::new(ErrorKind::Unavailable, format!("{digest} was garbage-collected during this push; push it again"))
}

fn unknown_blob(name: &OciName, digest: &Digest) -> Error {
    Error::new(ErrorKind::BlobUnknown, format!("blob {digest} is unknown to {name}"))
}

impl Registry {
    /// Records a durable blob in `work` (see [`UnitOfWork::record_blob`]). When that is the first
    /// record of the digest, the stored copy this push relies on is checked before the commit: a
    /// GC sweep deletes a file before its row, so a copy seen now (the row absent) stays, and a copy
    /// the sweep took is refused as retryable instead of recorded without bytes.
    pub(super) async fn record_in(
        &self,
        work: &mut dyn UnitOfWork,
        digest: &Digest,
        size: u64,
        link: Option<&OciName>,
        now: Millis,
    ) -> Result<()> {
        let recorded = work.record_blob(digest, size, link, now).await?;
        self.check_recorded(recorded, digest, size).await
    }

    /// After a write recorded `digest` ([`Recorded::New`]): its stored copy must be there.
    pub(super) async fn check_recorded(&self, recorded: Recorded, digest: &Digest, size: u64) -> Result<()> {
        if recorded == Recorded::New && !self.blobs.holds(digest, size).await? {
            return Err(collected_meanwhile(digest));
        }
        Ok(())
    }

    /// Records a durable blob in its own unit of work, closing the upload id `closing` with it.
    pub(super) async fn record_stored(
        &self,
        digest: &Digest,
        size: u64,
        link: Option<&OciName>,
        closing: Option<&str>,
    ) -> Result<()> {
        let now = self.now();
        let mut work = self.ports.transactions.begin().await?;
        self.record_in(work.as_mut(), digest, size, link, now).await?;
        if let Some(id) = closing {
            work.close_upload(id, now).await?;
        }
        work.commit().await
    }

    /// Size of a blob visible in `name` (one indexed lookup, no storage access).
    pub async fn stat_blob(&self, name: &OciName, digest: &Digest) -> Result<u64> {
        self.ports.blob_index.linked_blob_size(name, digest).await?.ok_or_else(|| unknown_blob(name, digest))
    }

    /// Reads a blob. The stored file's size is checked on every open: a damaged file is an error,
    /// never a short body under a 200. Whole reads of blobs up to `verify_reads_up_to_bytes` are hashed
    /// while they stream and fail at the end on a mismatch (the connection is cut, so the client
    /// sees an incomplete transfer, not wrong bytes it could trust); the damaged copy is then dropped so
    /// that pushing the blob again repairs it.
    /// A HEAD: the recorded size, once the stored copy is checked to be there with that size (a
    /// missing copy is unknown, as its GET would be; a wrong-sized one an error). One `stat`.
    pub async fn head_blob(&self, name: &OciName, digest: &Digest) -> Result<u64> {
        let size = self.stat_blob(name, digest).await?;
        match self.blobs.stat(digest).await? {
            Some(stored) if stored == size => Ok(size),
            Some(stored) => Err(Error::internal(
                "blob damaged",
                format!("{digest} is stored as {stored} bytes but recorded as {size}: push it again to repair it"),
            )),
            None => {
                tracing::error!(%digest, "blob is recorded but missing from the blob store: push it again to repair it");
                Err(unknown_blob(name, digest))
            }
        }
    }

    /// Where a client may download a blob visible in `name` straight from the blob store (a presigned
    /// URL), when the store hands such URLs out; `None`: read it with [`Self::get_blob`].
    pub async fn blob_download_url(
        &self,
        name: &OciName,
        digest: &Digest,
        headers: &crate::blob::DownloadHeaders,
    ) -> Result<Option<String>> {
        self.stat_blob(name, digest).await?;
        self.blobs.download_url(digest, headers).await
    }

    pub async fn get_blob(&self, name: &OciName, digest: &Digest, range: Option<RangeSpec>) -> Result<BlobRead> {
        let size = self.stat_blob(name, digest).await?;
        let range = range.map(|r| r.resolve(size)).transpose().map_err(|_| {
            Error::new(ErrorKind::RangeNotSatisfiable, format!("range is outside the blob's {size} bytes"))
        })?;
        let Some(content) = self.blobs.get(digest, range).await? else {
            tracing::error!(%digest, "blob is recorded but missing from the blob store: push it again to repair it");
            return Err(unknown_blob(name, digest));
        };
        if content.size != size {
            return Err(Error::internal(
                "blob damaged",
                format!(
                    "{digest} is stored as {} bytes but recorded as {size}: push it again to repair it",
                    content.size
                ),
            ));
        }
        let stream = if range.is_none() && size <= self.config.verify_reads_up_to_bytes {
            verified(content.stream, digest.clone(), self.blobs.clone())
        } else {
            content.stream
        };
        Ok(BlobRead { size, range, stream })
    }

    pub async fn delete_blob(&self, name: &OciName, digest: &Digest, actor: &crate::audit::Actor) -> Result<()> {
        let audit = actor.entry(self.now(), "blob.delete", format!("{name}@{digest}"), crate::audit::Outcome::Success);
        if self.ports.blob_index.unlink_blob(name, digest, &audit).await? {
            Ok(())
        } else {
            Err(unknown_blob(name, digest))
        }
    }
}

/// `stream`, hashed as it passes, one chunk behind: the last chunk goes out only once the whole blob
/// hashed to `digest`. On a mismatch the stream ends in an error instead, so the client never receives
/// the full length (its transfer fails rather than completing with wrong bytes), and the damaged copy
/// is dropped (a later push of the blob writes a good one).
fn verified(stream: ByteStream, digest: Digest, blobs: std::sync::Arc<dyn crate::blob::BlobStore>) -> ByteStream {
    use futures_util::StreamExt;
    struct State {
        stream: ByteStream,
        hasher: Option<crate::hasher::MultiHasher>,
        held: Option<bytes::Bytes>,
    }
    async fn finish(
        mut state: State,
        digest: Digest,
        blobs: std::sync::Arc<dyn crate::blob::BlobStore>,
    ) -> Option<(std::io::Result<bytes::Bytes>, State)> {
        let actual = state.hasher.take()?.finish(digest.algorithm());
        if actual.as_ref() == Some(&digest) {
            return state.held.take().map(|last| (Ok(last), state));
        }
        tracing::error!(%digest, actual = ?actual.map(|d| d.to_string()), "blob damaged: its bytes do not match its digest; dropping the copy (push it again to repair it)");
        if let Err(e) = blobs.delete(&digest).await {
            tracing::error!(%digest, error = %e, "dropping a damaged blob");
        }
        let damaged = std::io::Error::new(std::io::ErrorKind::InvalidData, format!("stored blob {digest} is damaged"));
        Some((Err(damaged), state))
    }

    let hasher = crate::hasher::MultiHasher::new(digest.algorithm() == arca_types::DigestAlgorithm::Sha512);
    let state = State { stream, hasher: Some(hasher), held: None };
    futures_util::stream::unfold(state, move |mut state| {
        let digest = digest.clone();
        let blobs = blobs.clone();
        async move {
            loop {
                let hasher = state.hasher.as_mut()?;
                match state.stream.next().await {
                    Some(Ok(chunk)) => {
                        hasher.update(&chunk);
                        // One chunk behind: the first is held while the next is read.
                        if let Some(previous) = state.held.replace(chunk) {
                            return Some((Ok(previous), state));
                        }
                    }
                    Some(Err(e)) => {
                        state.hasher = None;
                        return Some((Err(e), state));
                    }
                    None => return finish(state, digest, blobs).await,
                }
            }
        }
    })
    .boxed()
}
