//! Blob uploads: monolithic, chunked, streamed, resumable, cancellable, mountable.

use super::{BlobInfo, Registry};
use crate::audit::Actor;
use crate::blob::ByteStream;
use crate::hasher::MultiHasher;
use crate::meta::UploadSession;
use crate::{Error, ErrorKind, Result, now_millis};
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
    /// Opens an upload session. `sha512` asks for SHA-512 to be computed while streaming.
    pub async fn start_upload(&self, name: &OciName, sha512: bool, actor: &Actor) -> Result<UploadStatus> {
        self.oci_repository(name, actor).await?;
        let now = now_millis();
        let session = UploadSession {
            id: uuid::Uuid::new_v4().simple().to_string(),
            name: name.clone(),
            offset: 0,
            hash_state: MultiHasher::new(sha512).to_bytes(),
            created_at: now,
            updated_at: now,
        };
        self.meta.create_upload(&session).await?;
        Ok(UploadStatus { id: session.id, offset: 0 })
    }

    pub async fn upload_status(&self, name: &OciName, id: &str) -> Result<UploadStatus> {
        let session = self.session(name, id).await?;
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
        let session = self.session(name, id).await?;
        check_start(&session, start)?;
        let mut hasher = MultiHasher::from_bytes(&session.hash_state)?;
        let offset = self.stream_into(id, session.offset, &mut hasher, body, declared_len).await?;
        let advanced = self.meta.advance_upload(id, session.offset, offset, &hasher.to_bytes(), now_millis()).await?;
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
        let session = self.session(name, id).await?;
        let mut hasher = MultiHasher::from_bytes(&session.hash_state)?;
        let mut size = session.offset;
        if let Some(body) = body {
            check_start(&session, start)?;
            size = self.stream_into(id, size, &mut hasher, body, declared_len).await?;
        } else if size == 0 {
            // An empty blob: nothing was ever staged, so stage zero bytes.
            self.blobs.open_upload(id, 0).await?.finish().await?;
        }
        let result = self.commit_staged(name, id, digest, hasher, size).await;
        if !matches!(&result, Err(e) if e.kind == ErrorKind::Internal || e.kind == ErrorKind::Unavailable) {
            self.meta.delete_upload(id).await?;
        }
        result
    }

    /// Uploads a whole blob in one request (`POST ?digest=` or the PUT of a monolithic upload).
    pub async fn put_blob(
        &self,
        name: &OciName,
        digest: &Digest,
        declared_len: Option<u64>,
        body: ByteStream,
        actor: &Actor,
    ) -> Result<BlobInfo> {
        self.oci_repository(name, actor).await?;
        let id = format!("{SINGLE_REQUEST_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let mut hasher = MultiHasher::new(digest.algorithm() == DigestAlgorithm::Sha512);
        let staged = self.stream_into(&id, 0, &mut hasher, body, declared_len).await;
        match staged {
            Ok(size) => self.commit_staged(name, &id, digest, hasher, size).await,
            Err(e) => {
                self.blobs.abort_upload(&id).await?;
                Err(e)
            }
        }
    }

    /// Abandons an upload and drops its staged bytes.
    pub async fn cancel_upload(&self, name: &OciName, id: &str) -> Result<()> {
        let _guard = self.upload_locks.lock(id).await;
        self.session(name, id).await?;
        self.blobs.abort_upload(id).await?;
        self.meta.delete_upload(id).await
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
            Some(from) => self.meta.linked_blob_size(from, digest).await?,
            None => self.meta.blob_size(digest).await?,
        };
        let Some(size) = size else { return Ok(None) };
        self.meta.record_blob(digest, size, Some(name), now_millis()).await?;
        Ok(Some(BlobInfo { digest: digest.clone(), size }))
    }

    /// Removes expired sessions and their staged bytes. Returns how many were reaped.
    pub async fn reap_expired_uploads(&self) -> Result<usize> {
        let stale = self.meta.stale_uploads(now_millis() - self.config.upload_ttl_ms, 1000).await?;
        for id in &stale {
            let _guard = self.upload_locks.lock(id).await;
            self.blobs.abort_upload(id).await?;
            self.meta.delete_upload(id).await?;
        }
        Ok(stale.len())
    }

    /// At start-up, before serving: removes staged bytes that no session owns (left by a crash).
    pub async fn reap_orphan_staging(&self) -> Result<usize> {
        let mut reaped = 0;
        for id in self.blobs.staged_uploads().await? {
            if id.starts_with(SINGLE_REQUEST_PREFIX) || self.meta.get_upload(&id).await?.is_none() {
                self.blobs.abort_upload(&id).await?;
                reaped += 1;
            }
        }
        Ok(reaped)
    }

    async fn session(&self, name: &OciName, id: &str) -> Result<UploadSession> {
        let session = self.meta.get_upload(id).await?.ok_or_else(|| unknown_upload(id))?;
        let expired = now_millis() - session.updated_at > self.config.upload_ttl_ms;
        if &session.name != name || expired {
            return Err(unknown_upload(id));
        }
        Ok(session)
    }

    /// Streams `body` onto the staged upload at `offset`, hashing as it goes; returns the new end.
    async fn stream_into(
        &self,
        id: &str,
        offset: u64,
        hasher: &mut MultiHasher,
        mut body: ByteStream,
        declared_len: Option<u64>,
    ) -> Result<u64> {
        let mut writer = self.blobs.open_upload(id, offset).await?;
        let mut received = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk =
                chunk.map_err(|e| Error::new(ErrorKind::BlobUploadInvalid, format!("reading the upload body: {e}")))?;
            received += chunk.len() as u64;
            if declared_len.is_some_and(|d| received > d) {
                return Err(size_mismatch(declared_len, received));
            }
            hasher.update(&chunk);
            writer.write(chunk).await?;
        }
        if declared_len.is_some_and(|d| received != d) {
            return Err(size_mismatch(declared_len, received));
        }
        writer.finish().await?;
        Ok(offset + received)
    }

    /// Verifies the staged bytes against `expected` and commits them: durable bytes, then the row.
    async fn commit_staged(
        &self,
        name: &OciName,
        id: &str,
        expected: &Digest,
        hasher: MultiHasher,
        size: u64,
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
        self.meta.record_blob(expected, size, Some(name), now_millis()).await?;
        Ok(BlobInfo { digest: expected.clone(), size })
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
