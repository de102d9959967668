//! Open uploads: their state object in the bucket, and the writer that sends full parts as bytes
//! arrive and keeps the rest (the tail) for the next chunk or the commit.
//!
//! The state object is `<4-byte big-endian length><JSON><tail bytes>`: one GET resumes an upload on
//! any node, one PUT saves it when a chunk finishes.

use crate::S3BlobStore;
use crate::error::{is_not_found, storage_error};
use arca_core::blob::UploadWriter;
use arca_core::{Error, ErrorKind, Result};
use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

/// Upper bound of the JSON part of a state object (10 000 parts of a few dozen bytes each).
const MAX_STATE_JSON: usize = 4 * 1024 * 1024;

/// An upload's durable state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Staged {
    /// The data object the parts go to, once the first part is sent.
    pub data_key: Option<String>,
    /// The S3 multipart upload id, once the first part is sent.
    pub multipart: Option<String>,
    /// Sizes and ETags of the parts sent, in order.
    pub parts: Vec<Part>,
    /// The multipart upload is completed (its bytes read back to be hashed again before the commit).
    pub completed: bool,
    /// Bytes not sent as a part yet.
    #[serde(skip)]
    pub tail: Bytes,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Part {
    pub etag: String,
    pub size: u64,
}

impl Staged {
    fn parts_len(&self) -> u64 {
        self.parts.iter().map(|p| p.size).sum()
    }

    /// Bytes staged: the parts and the tail.
    pub fn len(&self) -> u64 {
        self.parts_len() + self.tail.len() as u64
    }

    fn encode(&self) -> Result<Bytes> {
        let json = serde_json::to_vec(self).map_err(|e| Error::internal("encoding an upload's state", e))?;
        let mut out = BytesMut::with_capacity(4 + json.len() + self.tail.len());
        out.extend_from_slice(&u32::try_from(json.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(&json);
        out.extend_from_slice(&self.tail);
        Ok(out.freeze())
    }

    fn decode(mut stored: Bytes) -> Result<Self> {
        let damaged = |why: &str| Error::internal("reading an upload's state", why);
        if stored.len() < 4 {
            return Err(damaged("too short"));
        }
        let len = u32::from_be_bytes([stored[0], stored[1], stored[2], stored[3]]) as usize;
        if len > MAX_STATE_JSON || stored.len() < 4 + len {
            return Err(damaged("bad length"));
        }
        let mut staged: Staged = serde_json::from_slice(&stored[4..4 + len]).map_err(|e| damaged(&e.to_string()))?;
        staged.tail = stored.split_off(4 + len);
        Ok(staged)
    }
}

/// Upload ids are the core's: 1–128 of `[A-Za-z0-9_-]`, so they are safe as a key segment.
pub(crate) fn check_id(id: &str) -> Result<()> {
    let valid =
        (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid { Ok(()) } else { Err(upload_unknown(id)) }
}

fn upload_unknown(id: &str) -> Error {
    Error::new(ErrorKind::BlobUploadUnknown, format!("upload {id:?} is unknown"))
}

impl S3BlobStore {
    pub(crate) fn upload_key(&self, id: &str) -> Path {
        self.key(&format!("uploads/{id}"))
    }

    pub(crate) async fn load_staged(&self, id: &str) -> Result<Staged> {
        match self.s3.get(&self.upload_key(id)).await {
            Ok(found) => Staged::decode(found.bytes().await.map_err(|e| storage_error("reading an upload", e))?),
            Err(e) if is_not_found(&e) => Err(upload_unknown(id)),
            Err(e) => Err(storage_error("reading an upload", e)),
        }
    }

    async fn save_staged(&self, id: &str, staged: &Staged) -> Result<()> {
        let encoded = PutPayload::from(staged.encode()?);
        self.s3.put(&self.upload_key(id), encoded).await.map_err(|e| storage_error("saving an upload", e))?;
        Ok(())
    }

    /// Completes the multipart upload of `staged` (sending the tail as its last part), so that its
    /// bytes can be read or named. Uploads still within one part are returned as they are.
    pub(crate) async fn complete_parts(&self, id: &str, mut staged: Staged) -> Result<Staged> {
        let (Some(data), Some(multipart)) = (staged.data_key.clone(), staged.multipart.clone()) else {
            return Ok(staged);
        };
        if staged.completed {
            return Ok(staged);
        }
        let data = Path::from(data);
        if !staged.tail.is_empty() {
            let etag = self.send_part(&data, &multipart, staged.parts.len(), std::mem::take(&mut staged.tail)).await?;
            staged.parts.push(etag);
        }
        let parts: Vec<PartId> = staged.parts.iter().map(|p| PartId { content_id: p.etag.clone() }).collect();
        self.s3
            .complete_multipart(&data, &multipart, parts)
            .await
            .map_err(|e| storage_error("completing a multipart upload", e))?;
        staged.completed = true;
        // Saved, so that a commit on another node (or a retry) finds the completed object.
        self.save_staged(id, &staged).await?;
        Ok(staged)
    }

    async fn send_part(&self, data: &Path, multipart: &str, index: usize, bytes: Bytes) -> Result<Part> {
        let size = bytes.len() as u64;
        let part = self
            .s3
            .put_part(data, &multipart.to_owned(), index, PutPayload::from(bytes))
            .await
            .map_err(|e| storage_error("sending a part", e))?;
        Ok(Part { etag: part.content_id, size })
    }

    /// Drops what an upload stored: its multipart upload, or its completed data object.
    pub(crate) async fn discard(&self, staged: &Staged) -> Result<()> {
        let (Some(data), Some(multipart)) = (&staged.data_key, &staged.multipart) else { return Ok(()) };
        let data = Path::from(data.as_str());
        if staged.completed {
            return self.delete_object(&data, "removing an upload's data").await;
        }
        match self.s3.abort_multipart(&data, multipart).await {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(storage_error("aborting a multipart upload", e)),
        }
    }
}

/// Appends to one upload: full parts are sent as they fill, the tail stays in memory until
/// `finish` saves it (or `close` hands it to the commit).
pub(crate) struct S3UploadWriter {
    store: S3BlobStore,
    id: String,
    staged: Staged,
    /// The tail being filled (the saved tail, cut back to the offset, then new bytes).
    tail: BytesMut,
    /// The state as saved when the writer opened (what a failed chunk leaves behind).
    saved: Staged,
}

impl S3UploadWriter {
    /// A writer continuing `staged` at `offset`: within the tail (cutting it back), never before it.
    pub fn resume(store: S3BlobStore, id: &str, staged: Staged, offset: u64) -> Result<Self> {
        let (parts, len) = (staged.parts_len(), staged.len());
        if offset > len {
            return Err(Error::new(
                ErrorKind::UploadRangeInvalid,
                format!("upload {id:?} holds {len} bytes; cannot continue at {offset}"),
            ));
        }
        if offset < parts || (staged.completed && offset != len) {
            return Err(Error::new(
                ErrorKind::BlobUploadInvalid,
                format!("upload {id:?} sent its first {parts} bytes to object storage; it cannot go back to {offset}"),
            ));
        }
        // Grows with the bytes that arrive (a small blob never holds a part's worth of memory).
        let tail = BytesMut::from(&staged.tail[..(offset - parts) as usize]);
        Ok(Self {
            store,
            id: id.to_owned(),
            saved: staged.clone(),
            staged: Staged { tail: Bytes::new(), ..staged },
            tail,
        })
    }

    async fn send_full_parts(&mut self) -> Result<()> {
        while self.tail.len() >= self.store.part_size {
            let part = self.tail.split_to(self.store.part_size).freeze();
            let (data, multipart) = self.multipart().await?;
            let sent = self.store.send_part(&data, &multipart, self.staged.parts.len(), part).await?;
            self.staged.parts.push(sent);
        }
        Ok(())
    }

    /// The data object and multipart upload of this upload, started on its first part. The start is
    /// saved at once (with the state as it was) so that an upload abandoned mid-chunk is found and
    /// aborted by the reaper.
    async fn multipart(&mut self) -> Result<(Path, String)> {
        if let (Some(data), Some(multipart)) = (&self.staged.data_key, &self.staged.multipart) {
            return Ok((Path::from(data.as_str()), multipart.clone()));
        }
        let data = self.store.key(&format!("data/{}-{}", self.id, uuid::Uuid::new_v4().simple()));
        let multipart =
            self.store.s3.create_multipart(&data).await.map_err(|e| storage_error("starting a multipart upload", e))?;
        self.staged.data_key = Some(data.to_string());
        self.staged.multipart = Some(multipart.clone());
        let started =
            Staged { data_key: self.staged.data_key.clone(), multipart: Some(multipart.clone()), ..self.saved.clone() };
        self.store.save_staged(&self.id, &started).await?;
        Ok((data, multipart))
    }

    fn into_staged(self) -> (S3BlobStore, String, Staged) {
        let staged = Staged { tail: self.tail.freeze(), ..self.staged };
        (self.store, self.id, staged)
    }
}

#[async_trait]
impl UploadWriter for S3UploadWriter {
    async fn write(&mut self, chunk: Bytes) -> Result<()> {
        if self.staged.completed && !chunk.is_empty() {
            return Err(Error::new(ErrorKind::BlobUploadInvalid, format!("upload {:?} is already complete", self.id)));
        }
        self.tail.extend_from_slice(&chunk);
        self.send_full_parts().await
    }

    async fn finish(self: Box<Self>) -> Result<u64> {
        let (store, id, staged) = self.into_staged();
        store.save_staged(&id, &staged).await?;
        Ok(staged.len())
    }

    async fn close(self: Box<Self>) -> Result<u64> {
        let (store, id, staged) = self.into_staged();
        let len = staged.len();
        store.closed.lock().expect("closed uploads").insert(id, staged);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn staged(parts: Vec<(String, u64)>, completed: bool, tail: Vec<u8>) -> Staged {
        Staged {
            data_key: (!parts.is_empty()).then(|| "p/data/u-1".to_owned()),
            multipart: (!parts.is_empty()).then(|| "mp".to_owned()),
            parts: parts.into_iter().map(|(etag, size)| Part { etag, size }).collect(),
            completed,
            tail: Bytes::from(tail),
        }
    }

    proptest! {
        /// A saved state reads back as it was, tail included.
        #[test]
        fn state_objects_round_trip(
            parts in proptest::collection::vec(("[ -~]{0,40}", 0u64..u64::MAX / 20_000), 0..20),
            completed: bool,
            tail in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let before = staged(parts, completed, tail);
            let after = Staged::decode(before.encode().unwrap()).unwrap();
            prop_assert_eq!(after.len(), before.len());
            prop_assert_eq!(&after.tail, &before.tail);
            prop_assert_eq!(serde_json::to_string(&after).unwrap(), serde_json::to_string(&before).unwrap());
        }

        /// Whatever a damaged or foreign object holds, reading it is an error or a state, never a panic.
        #[test]
        fn any_bytes_decode_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Staged::decode(Bytes::from(bytes));
        }
    }

    #[test]
    fn truncated_and_oversized_headers_are_errors() {
        for bad in [&b""[..], b"\x00\x00", b"\x00\x00\x00\x10{}", b"\xff\xff\xff\xff{}", b"\x00\x00\x00\x02[]"] {
            assert!(Staged::decode(Bytes::copy_from_slice(bad)).is_err(), "{bad:?}");
        }
    }
}
