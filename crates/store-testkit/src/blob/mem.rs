//! An in-memory [`BlobStore`]: the reference backend for the core's tests.

use arca_core::blob::{BlobContent, BlobStore, ByteStream, UploadWriter};
use arca_core::{Error, ErrorKind, Result};
use arca_types::{ByteRange, Digest};
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// Chunk size of the streams `get` and `read_upload` return.
const CHUNK: usize = 1024 * 1024;

/// Blobs and uploads in memory. Clones share their contents, so a clone stands for the same store
/// after a restart.
#[derive(Debug, Clone, Default)]
pub struct MemBlobStore {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    blobs: HashMap<Digest, Bytes>,
    uploads: BTreeMap<String, Vec<u8>>,
    /// When each upload's bytes last changed.
    touched: HashMap<String, std::time::Instant>,
}

impl MemBlobStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored blobs.
    pub fn blob_count(&self) -> usize {
        self.lock().blobs.len()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl BlobStore for MemBlobStore {
    async fn open_upload(&self, id: &str, offset: u64) -> Result<Box<dyn UploadWriter>> {
        check_id(id)?;
        let mut state = self.lock();
        state.touched.insert(id.to_owned(), std::time::Instant::now());
        if offset == 0 {
            state.uploads.insert(id.to_owned(), Vec::new());
        } else {
            let staged = state.uploads.get_mut(id).ok_or_else(|| upload_unknown(id))?;
            if offset > staged.len() as u64 {
                return Err(Error::new(
                    ErrorKind::UploadRangeInvalid,
                    format!("upload {id} has {} bytes; cannot continue at {offset}", staged.len()),
                ));
            }
            staged.truncate(offset as usize);
        }
        Ok(Box::new(MemUploadWriter { store: self.clone(), id: id.to_owned() }))
    }

    async fn read_upload(&self, id: &str) -> Result<ByteStream> {
        check_id(id)?;
        let staged = self.lock().uploads.get(id).cloned().ok_or_else(|| upload_unknown(id))?;
        Ok(chunked(Bytes::from(staged)))
    }

    async fn commit_upload(&self, id: &str, digest: &Digest) -> Result<()> {
        check_id(id)?;
        let mut state = self.lock();
        let staged = state.uploads.remove(id).ok_or_else(|| upload_unknown(id))?;
        state.blobs.entry(digest.clone()).or_insert_with(|| Bytes::from(staged));
        Ok(())
    }

    async fn abort_upload(&self, id: &str) -> Result<()> {
        check_id(id)?;
        self.lock().uploads.remove(id);
        Ok(())
    }

    async fn staged_uploads(&self, idle_for: std::time::Duration) -> Result<Vec<String>> {
        let state = self.lock();
        let idle = |id: &String| state.touched.get(id).is_none_or(|t| t.elapsed() >= idle_for);
        Ok(state.uploads.keys().filter(|id| idle(id)).cloned().collect())
    }

    async fn put_small(&self, digest: &Digest, content: Bytes) -> Result<()> {
        self.lock().blobs.entry(digest.clone()).or_insert(content);
        Ok(())
    }

    async fn get(&self, digest: &Digest, range: Option<ByteRange>) -> Result<Option<BlobContent>> {
        let Some(blob) = self.lock().blobs.get(digest).cloned() else {
            return Ok(None);
        };
        let size = blob.len() as u64;
        let bytes = match range {
            None => blob,
            Some(r) if r.start <= r.end && r.end < size => blob.slice(r.start as usize..=r.end as usize),
            Some(r) => {
                return Err(Error::new(
                    ErrorKind::RangeNotSatisfiable,
                    format!("range {}-{} lies outside {size} bytes", r.start, r.end),
                ));
            }
        };
        Ok(Some(BlobContent { size, stream: chunked(bytes) }))
    }

    async fn stat(&self, digest: &Digest) -> Result<Option<u64>> {
        Ok(self.lock().blobs.get(digest).map(|b| b.len() as u64))
    }

    async fn delete(&self, digest: &Digest) -> Result<()> {
        self.lock().blobs.remove(digest);
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }
}

struct MemUploadWriter {
    store: MemBlobStore,
    id: String,
}

#[async_trait]
impl UploadWriter for MemUploadWriter {
    async fn write(&mut self, chunk: Bytes) -> Result<()> {
        let mut state = self.store.lock();
        let staged = state.uploads.get_mut(&self.id).ok_or_else(|| upload_unknown(&self.id))?;
        staged.extend_from_slice(&chunk);
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<u64> {
        let state = self.store.lock();
        state.uploads.get(&self.id).map(|s| s.len() as u64).ok_or_else(|| upload_unknown(&self.id))
    }
}

/// Streams `bytes` in `CHUNK`-sized slices, without copying.
fn chunked(bytes: Bytes) -> ByteStream {
    let pieces: Vec<_> =
        (0..bytes.len()).step_by(CHUNK).map(|at| Ok(bytes.slice(at..bytes.len().min(at + CHUNK)))).collect();
    futures_util::stream::iter(pieces).boxed()
}

/// The same rule as every backend: `[A-Za-z0-9_-]{1,128}`.
fn check_id(id: &str) -> Result<()> {
    let valid =
        (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid { Ok(()) } else { Err(upload_unknown(id)) }
}

fn upload_unknown(id: &str) -> Error {
    Error::new(ErrorKind::BlobUploadUnknown, format!("upload {id:?} is unknown"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passes_the_suite() {
        crate::blob::run_all(|| async { MemBlobStore::new() }).await;
    }

    #[tokio::test]
    async fn clones_share_contents() {
        let store = MemBlobStore::new();
        let digest = crate::blob::store_blob(&store, "shared", b"shared").await;
        let reopened = store.clone();
        assert_eq!(reopened.stat(&digest).await.unwrap(), Some(6));
        assert_eq!(reopened.blob_count(), 1);
    }
}
