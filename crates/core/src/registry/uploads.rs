//! Blob uploads: monolithic, chunked, streamed, resumable, cancellable, mountable.

use super::{BlobInfo, Registry, upload_id};
use crate::audit::Actor;
use crate::blob::BlobStore as _;
use crate::blob::{ByteStream, UploadWriter};
use crate::hasher::MultiHasher;
use crate::meta::{FoundUpload, UploadSession};
use crate::{Error, ErrorKind, Result};
use arca_types::{Digest, DigestAlgorithm, OciName};
use futures_util::StreamExt;

/// Where an upload stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadStatus {
    pub id: String,
    /// Bytes received so far.
    pub offset: u64,
}

/// Staging ids of single-request uploads start with this; they have no session row, so only the
/// start-up sweep (when no request is in flight) may remove their leftovers.
const SINGLE_REQUEST_PREFIX: &str = "m-";

fn unknown_upload(id: &str) -> Error {
    Error::new(ErrorKind::BlobUploadUnknown, format!("upload {id} is unknown or expired"))
}

impl Registry {
    /// Opens an upload session. `sha512` asks for SHA-512 to be computed while streaming. Nothing is
    /// written: the id itself carries the session until a chunk leaves data behind.
    pub async fn start_upload(&self, name: &OciName, sha512: bool, actor: &Actor) -> Result<UploadStatus> {
        self.oci_repository(name, actor).await?;
        Ok(UploadStatus { id: upload_id::mint(&self.upload_key, name, sha512, self.now()), offset: 0 })
    }

    pub async fn upload_status(&self, name: &OciName, id: &str) -> Result<UploadStatus> {
        let (session, _) = self.session(name, id).await?;
        Ok(UploadStatus { id: session.id, offset: session.offset })
    }

    /// Appends a chunk. `start` is the chunk's first byte (from `Content-Range`), which must be where
    /// the upload ends; `declared_len` is the request's `Content-Length`.
    pub async fn append_upload(
        &self,
        name: &OciName,
        id: &str,
        start: Option<u64>,
        declared_len: Option<u64>,
        body: ByteStream,
    ) -> Result<UploadStatus> {
        let _guard = self.upload_locks.lock(id).await;
        let (session, persisted) = self.session(name, id).await?;
        check_start(&session, start)?;
        let mut hasher = MultiHasher::from_bytes(&session.hash_state)?;
        let offset = self.stream_into(id, session.offset, &mut hasher, body, declared_len, Durability::Now).await?;
        let advanced = if persisted {
            self.ports.uploads.advance_upload(id, session.offset, offset, &hasher.to_bytes(), self.now()).await?
        } else {
            let first = UploadSession { offset, hash_state: hasher.to_bytes(), updated_at: self.now(), ..session };
            // The row already exists only when another request created it first; any other failure
            // (a full disk) is that failure, not a race.
            match self.ports.uploads.create_upload(&first).await {
                Ok(()) => true,
                Err(e) if e.kind == ErrorKind::Conflict => false,
                Err(e) => return Err(e),
            }
        };
        if !advanced {
            return Err(Error::new(ErrorKind::UploadRangeInvalid, format!("upload {id} was advanced concurrently")));
        }
        Ok(UploadStatus { id: id.to_owned(), offset })
    }

    /// Closes an upload with its final chunk (if any) and commits it under `digest`.
    pub async fn complete_upload(
        &self,
        name: &OciName,
        id: &str,
        digest: &Digest,
        start: Option<u64>,
        declared_len: Option<u64>,
        body: Option<ByteStream>,
    ) -> Result<BlobInfo> {
        let _guard = self.upload_locks.lock(id).await;
        let (session, _) = self.session(name, id).await?;
        let mut hasher = MultiHasher::from_bytes(&session.hash_state)?;
        let size = session.offset;
        let result = if let Some(mut body) = body {
            check_start(&session, start)?;
            // The whole blob in this request (a monolithic PUT) may be content already stored.
            let stored = if size == 0 {
                self.verify_stored(digest, &mut hasher, &mut body, declared_len).await
            } else {
                Ok(None)
            };
            match stored {
                Ok(Some(size)) => self.link_stored(name, digest, size, Some(id)).await,
                Err(e) if e.kind != ErrorKind::DigestInvalid => return Err(e),
                Err(mismatch) => Err(mismatch),
                Ok(None) => {
                    let size =
                        self.stream_into(id, size, &mut hasher, body, declared_len, Durability::AtCommit).await?;
                    self.commit_staged(name, id, digest, hasher, size, Some(id)).await
                }
            }
        } else if self.already_stored(digest, size, &hasher).await? {
            // The acknowledged bytes are this digest, and a durable copy of exactly them is stored: a
            // crash between moving the staged file into place and recording it (the retried PUT finds
            // no staged file), or the same content pushed before. Record it; drop any staged copy.
            self.blobs.abort_upload(id).await?;
            self.link_stored(name, digest, size, Some(id)).await
        } else {
            // Cut the staged file back to the acknowledged bytes: a failed chunk may have left more (and
            // an empty blob has nothing staged yet, so this stages zero bytes).
            self.blobs.open_upload(id, size).await?.close().await?;
            self.commit_staged(name, id, digest, hasher, size, Some(id)).await
        };
        // A success closed the id in the transaction that recorded the blob; an internal or unavailable
        // failure is worth a retry with the same id; any other failure ends it.
        if matches!(&result, Err(e) if e.kind != ErrorKind::Internal && e.kind != ErrorKind::Unavailable) {
            self.close_upload(id).await?;
        }
        result
    }

    /// Uploads a whole blob in one request (`POST ?digest=` or the PUT of a monolithic upload).
    pub async fn put_blob(
        &self,
        name: &OciName,
        digest: &Digest,
        declared_len: Option<u64>,
        mut body: ByteStream,
        actor: &Actor,
    ) -> Result<BlobInfo> {
        self.oci_repository(name, actor).await?;
        let mut hasher = MultiHasher::new(digest.algorithm() == DigestAlgorithm::Sha512);
        if let Some(size) = self.verify_stored(digest, &mut hasher, &mut body, declared_len).await? {
            return self.link_stored(name, digest, size, None).await;
        }
        let id = format!("{SINGLE_REQUEST_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let staged = self.stream_into(&id, 0, &mut hasher, body, declared_len, Durability::AtCommit).await;
        match staged {
            Ok(size) => self.commit_staged(name, &id, digest, hasher, size, None).await,
            Err(e) => {
                self.blobs.abort_upload(&id).await?;
                Err(e)
            }
        }
    }

    /// Streams a blob whose digest is learnt from its bytes, checked against `expected` when given,
    /// and records it without linking it into any package (generic files are linked when their version
    /// is published). A mismatch or a failed body stores nothing.
    pub(super) async fn put_blob_unlinked(
        &self,
        expected: Option<&Digest>,
        declared_len: Option<u64>,
        mut body: ByteStream,
    ) -> Result<BlobInfo> {
        let algorithm = expected.map_or(DigestAlgorithm::Sha256, Digest::algorithm);
        let mut hasher = MultiHasher::new(algorithm == DigestAlgorithm::Sha512);
        if let Some(expected) = expected
            && let Some(size) = self.verify_stored(expected, &mut hasher, &mut body, declared_len).await?
        {
            return Ok(BlobInfo { digest: expected.clone(), size });
        }
        let id = format!("{SINGLE_REQUEST_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let size = match self.stream_into(&id, 0, &mut hasher, body, declared_len, Durability::AtCommit).await {
            Ok(size) => size,
            Err(e) => {
                self.blobs.abort_upload(&id).await?;
                return Err(e);
            }
        };
        let actual =
            hasher.finish(algorithm).ok_or_else(|| Error::new(ErrorKind::Internal, "hasher lost its algorithm"))?;
        if let Some(expected) = expected.filter(|e| **e != actual) {
            self.blobs.abort_upload(&id).await?;
            return Err(Error::new(ErrorKind::DigestInvalid, format!("content digest is {actual}, not {expected}")));
        }
        self.blobs.commit_upload(&id, &actual).await?;
        self.record_stored(&actual, size, None, None).await?;
        Ok(BlobInfo { digest: actual, size })
    }

    /// Abandons an upload and drops its staged bytes.
    pub async fn cancel_upload(&self, name: &OciName, id: &str) -> Result<()> {
        let _guard = self.upload_locks.lock(id).await;
        self.session(name, id).await?;
        self.blobs.abort_upload(id).await?;
        self.close_upload(id).await
    }

    /// Ends an upload id for good, on every node (its session, if any, goes with it).
    async fn close_upload(&self, id: &str) -> Result<()> {
        self.ports.uploads.close_upload(id, self.now()).await
    }

    /// Makes a blob already stored visible in `name` without uploading it: from the package `from`, or
    /// from anywhere when `from` is absent. `None` when it is not there (the client then uploads).
    pub async fn mount_blob(
        &self,
        name: &OciName,
        digest: &Digest,
        from: Option<&OciName>,
        actor: &Actor,
    ) -> Result<Option<BlobInfo>> {
        self.oci_repository(name, actor).await?;
        let size = match from {
            Some(from) => self.ports.blob_index.linked_blob_size(from, digest).await?,
            None => self.ports.blob_index.blob_size(digest).await?,
        };
        let Some(size) = size else { return Ok(None) };
        match self.record_stored(digest, size, Some(name), None).await {
            Ok(()) => Ok(Some(BlobInfo { digest: digest.clone(), size })),
            // Being garbage-collected: not mounted, so the client uploads it.
            Err(e) if e.kind == ErrorKind::Unavailable => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// How long an upload session lives (and how long staged bytes must sit idle before a reaper
    /// takes them for orphans).
    pub fn upload_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_millis(u64::try_from(self.config.upload_ttl_ms).unwrap_or(0))
    }

    /// Removes expired sessions and their staged bytes. Returns how many were reaped.
    pub async fn reap_expired_uploads(&self) -> Result<usize> {
        let stale = self.ports.uploads.stale_uploads(self.now() - self.config.upload_ttl_ms, 1000).await?;
        for id in &stale {
            let _guard = self.upload_locks.lock(id).await;
            self.blobs.abort_upload(id).await?;
            self.ports.uploads.delete_upload(id).await?;
        }
        // A closed id older than the expiry is refused by its age alone.
        self.ports.uploads.forget_closed_uploads(self.now() - self.config.upload_ttl_ms).await?;
        Ok(stale.len())
    }

    /// Removes staged bytes that no session owns (left by a crash) and that have not changed for
    /// `idle_for`: at start-up of the only node, all of them (`Duration::ZERO`); on storage that other
    /// nodes write too, only those idle for as long as an upload session lives (an upload in one
    /// request has no session, and may be streaming on another node).
    pub async fn reap_orphan_staging(&self, idle_for: std::time::Duration) -> Result<usize> {
        let mut reaped = 0;
        for id in self.blobs.staged_uploads(idle_for).await? {
            if id.starts_with(SINGLE_REQUEST_PREFIX) || self.ports.uploads.get_upload(&id).await?.is_none() {
                self.blobs.abort_upload(&id).await?;
                reaped += 1;
            }
        }
        Ok(reaped)
    }

    /// The upload's state and whether it has a row yet (it gets one when a chunk leaves data behind).
    async fn session(&self, name: &OciName, id: &str) -> Result<(UploadSession, bool)> {
        let now = self.now();
        let found = self.ports.uploads.find_upload(id).await?;
        if let FoundUpload::Open(session) = found {
            if &session.name != name || now - session.updated_at > self.config.upload_ttl_ms {
                return Err(unknown_upload(id));
            }
            return Ok((session, true));
        }
        let minted = upload_id::verify(&self.upload_key, name, id)
            .filter(|m| now - m.created_at <= self.config.upload_ttl_ms)
            .ok_or_else(|| unknown_upload(id))?;
        // Closed on any node (completed or cancelled): refused everywhere.
        if found == FoundUpload::Closed {
            return Err(unknown_upload(id));
        }
        let fresh = UploadSession {
            id: id.to_owned(),
            name: name.clone(),
            offset: 0,
            hash_state: MultiHasher::new(minted.sha512).to_bytes(),
            created_at: minted.created_at,
            updated_at: minted.created_at,
        };
        Ok((fresh, false))
    }

    /// Streams `body` onto the staged upload at `offset`, hashing as it goes; returns the new end.
    async fn stream_into(
        &self,
        id: &str,
        offset: u64,
        hasher: &mut MultiHasher,
        mut body: ByteStream,
        declared_len: Option<u64>,
        durability: Durability,
    ) -> Result<u64> {
        let mut writer = match self.blobs.open_upload(id, offset).await {
            Ok(writer) => writer,
            Err(e) => {
                discard(&mut body, DISCARD_AFTER_FAILURE).await;
                return Err(e);
            }
        };
        let received = receive(&mut body, declared_len, hasher, Some(&mut writer)).await?;
        match durability {
            Durability::Now => writer.finish().await?,
            Durability::AtCommit => writer.close().await?,
        };
        Ok(offset + received)
    }

    /// When `digest` is already stored (and so durable), a new copy of it need not be written: the
    /// body is only hashed and checked. Returns the size if so; a body that does not match is an error
    /// and changes nothing. `None` (body untouched) when the digest is not stored yet.
    async fn verify_stored(
        &self,
        digest: &Digest,
        hasher: &mut MultiHasher,
        body: &mut ByteStream,
        declared_len: Option<u64>,
    ) -> Result<Option<u64>> {
        // Touched first, so GC leaves it alone while the body streams in (its grace period covers
        // the push); a blob touched within the touch window is not touched again (no write).
        let now = self.now();
        let fresh_since = now.saturating_sub(crate::clock::millis(self.config.touch_window()));
        let Some(size) = self.ports.blob_index.touch_blob(digest, now, fresh_since).await? else { return Ok(None) };
        // A copy that is missing or damaged (wrong size) is written again: pushing repairs it.
        if !self.blobs.holds(digest, size).await? {
            tracing::warn!(%digest, "rewriting a stored blob whose file is missing or damaged");
            return Ok(None);
        }
        // Nothing is hashed yet (every caller passes a fresh hasher): make it track the digest's
        // algorithm, which a POST without `digest-algorithm` did not announce (sha512 by PUT alone).
        if !hasher.tracks(digest.algorithm()) {
            *hasher = MultiHasher::new(digest.algorithm() == DigestAlgorithm::Sha512);
        }
        if declared_len.is_some_and(|d| d != size) {
            return Err(size_mismatch_stored(digest, size, declared_len));
        }
        let received = receive(body, declared_len, hasher, None).await?;
        let actual = std::mem::replace(hasher, MultiHasher::new(false))
            .finish(digest.algorithm())
            .ok_or_else(|| Error::new(ErrorKind::Internal, "hasher lost its algorithm"))?;
        if &actual != digest || received != size {
            return Err(Error::new(ErrorKind::DigestInvalid, format!("content digest is {actual}, not {digest}")));
        }
        Ok(Some(size))
    }

    /// Whether the bytes `hasher` has seen are `digest` and the blob store holds `size` bytes of it.
    async fn already_stored(&self, digest: &Digest, size: u64, hasher: &MultiHasher) -> Result<bool> {
        if hasher.clone().finish(digest.algorithm()).as_ref() != Some(digest) {
            return Ok(false);
        }
        self.blobs.holds(digest, size).await
    }

    /// Records the blob linked into `name`, closing the upload id `closing` in the same transaction.
    async fn link_stored(&self, name: &OciName, digest: &Digest, size: u64, closing: Option<&str>) -> Result<BlobInfo> {
        self.record_stored(digest, size, Some(name), closing).await?;
        Ok(BlobInfo { digest: digest.clone(), size })
    }

    /// Verifies the staged bytes against `expected` and commits them: durable bytes, then the row.
    async fn commit_staged(
        &self,
        name: &OciName,
        id: &str,
        expected: &Digest,
        hasher: MultiHasher,
        size: u64,
        closing: Option<&str>,
    ) -> Result<BlobInfo> {
        let actual = match hasher.finish(expected.algorithm()) {
            Some(d) => d,
            None => self.rehash_staged(id, expected.algorithm()).await?,
        };
        if &actual != expected {
            self.blobs.abort_upload(id).await?;
            return Err(Error::new(ErrorKind::DigestInvalid, format!("content digest is {actual}, not {expected}")));
        }
        self.blobs.commit_upload(id, expected).await?;
        self.link_stored(name, expected, size, closing).await
    }

    async fn rehash_staged(&self, id: &str, algorithm: DigestAlgorithm) -> Result<Digest> {
        let mut hasher = MultiHasher::new(algorithm == DigestAlgorithm::Sha512);
        let mut staged = self.blobs.read_upload(id).await?;
        while let Some(chunk) = staged.next().await {
            hasher.update(&chunk?);
        }
        hasher.finish(algorithm).ok_or_else(|| Error::new(ErrorKind::Internal, "hasher lost its algorithm"))
    }
}

/// When staged bytes must be durable: at once (a chunk acknowledged while the upload stays open), or
/// only at the commit that follows in the same request (which makes them durable itself).
#[derive(Clone, Copy)]
enum Durability {
    Now,
    AtCommit,
}

/// Drains `body` into `sink` (if any), hashing it and holding it to the declared length; returns how
/// many bytes arrived.
async fn receive(
    body: &mut ByteStream,
    declared_len: Option<u64>,
    hasher: &mut MultiHasher,
    mut sink: Option<&mut Box<dyn UploadWriter>>,
) -> Result<u64> {
    let mut received = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk =
            chunk.map_err(|e| Error::new(ErrorKind::BlobUploadInvalid, format!("reading the upload body: {e}")))?;
        received += chunk.len() as u64;
        if declared_len.is_some_and(|d| received > d) {
            return Err(size_mismatch(declared_len, received));
        }
        hasher.update(&chunk);
        if let Some(sink) = sink.as_mut()
            && let Err(e) = sink.write(chunk).await
        {
            // A client still sending its body when the connection closes sees a broken pipe instead
            // of this error (a full disk): read on, within a bound, so that it gets the answer.
            discard(body, DISCARD_AFTER_FAILURE).await;
            return Err(e);
        }
    }
    if declared_len.is_some_and(|d| received != d) {
        return Err(size_mismatch(declared_len, received));
    }
    Ok(received)
}

/// How much of a failed upload's body is still read (and dropped) so its client gets the error.
const DISCARD_AFTER_FAILURE: u64 = 64 << 20;

/// Reads and drops what is left of `body`, up to `limit` bytes.
async fn discard(body: &mut ByteStream, limit: u64) {
    let mut read = 0u64;
    while read < limit {
        match body.next().await {
            Some(Ok(chunk)) => read += chunk.len() as u64,
            Some(Err(_)) | None => break,
        }
    }
}

fn size_mismatch_stored(digest: &Digest, size: u64, declared: Option<u64>) -> Error {
    Error::new(
        ErrorKind::DigestInvalid,
        format!("{digest} has {size} bytes but Content-Length is {}", declared.unwrap_or_default()),
    )
}

fn check_start(session: &UploadSession, start: Option<u64>) -> Result<()> {
    match start {
        Some(s) if s != session.offset => Err(Error::new(
            ErrorKind::UploadRangeInvalid,
            format!("chunk starts at byte {s} but the upload has {} bytes", session.offset),
        )),
        _ => Ok(()),
    }
}

fn size_mismatch(declared: Option<u64>, received: u64) -> Error {
    Error::new(
        ErrorKind::SizeInvalid,
        format!("Content-Length is {} but {received} bytes arrived", declared.unwrap_or_default()),
    )
}
