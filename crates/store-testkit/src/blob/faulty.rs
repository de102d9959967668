//! A [`BlobStore`] wrapper that injects failures: just another backend, for testing how the core
//! behaves when storage breaks (a chunk cut off, a commit that fails, a read that dies mid-stream).

use arca_core::blob::{BlobContent, BlobStore, ByteStream, UploadWriter};
use arca_core::{Error, ErrorKind, Result};
use arca_types::{ByteRange, Digest};
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use std::future::ready;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Which operations fail. The default injects nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// The Nth [`UploadWriter::write`] (1-based, counted over all uploads since the wrapper was made)
    /// stages the first half of its chunk and then fails, like a connection cut mid-chunk. Later
    /// writes succeed.
    pub fail_write: Option<u64>,
    /// [`UploadWriter::finish`] fails after flushing, so nothing is acknowledged.
    pub fail_finish: bool,
    /// `commit_upload` fails and leaves the upload staged.
    pub fail_commit: bool,
    /// `put_small` fails and stores nothing.
    pub fail_put: bool,
    /// `get`, `stat` and `read_upload` fail.
    pub fail_reads: bool,
    /// Streams from `get` and `read_upload` yield an I/O error after this many chunks.
    pub break_streams_after: Option<usize>,
    /// Every call, `ping` included, fails as [`ErrorKind::Unavailable`].
    pub unavailable: bool,
    /// The next `stat` answers, then waits at this gate before returning (once: the gate is taken
    /// out of the faults): holds a push right after it found its blob stored.
    pub hold_stat: Option<Gate>,
    /// The next `delete` waits at this gate before deleting (once): holds a GC sweep between the
    /// transaction that took a blob and the deletion of its file.
    pub hold_delete: Option<Gate>,
}

/// Holds a call until the test lets it go: [`Gate::reached`] waits for the call to arrive,
/// [`Gate::release`] lets it return.
#[derive(Debug, Clone, Default)]
pub struct Gate(Arc<GateState>);

#[derive(Debug)]
struct GateState {
    reached: tokio::sync::Semaphore,
    released: tokio::sync::Semaphore,
}

impl Default for GateState {
    fn default() -> Self {
        Self { reached: tokio::sync::Semaphore::new(0), released: tokio::sync::Semaphore::new(0) }
    }
}

impl Gate {
    /// Waits until a call is held at the gate.
    pub async fn reached(&self) {
        self.0.reached.acquire().await.expect("gate open").forget();
    }

    /// Lets the held call return.
    pub fn release(&self) {
        self.0.released.add_permits(1);
    }

    async fn pass(&self) {
        self.0.reached.add_permits(1);
        self.0.released.acquire().await.expect("gate open").forget();
    }
}

impl PartialEq for Gate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Gate {}

/// Wraps a store and fails the operations its [`Faults`] name; faults can change at any time.
#[derive(Debug)]
pub struct FaultyBlobStore<S> {
    inner: S,
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    faults: Mutex<Faults>,
    writes: AtomicU64,
}

impl Shared {
    fn faults(&self) -> Faults {
        self.faults.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Fails if the backend is "down".
    fn check_up(&self) -> Result<Faults> {
        let faults = self.faults();
        if faults.unavailable {
            return Err(Error::new(ErrorKind::Unavailable, "injected fault: blob store unavailable"));
        }
        Ok(faults)
    }
}

impl<S: BlobStore> FaultyBlobStore<S> {
    /// Wraps `inner` with no faults.
    pub fn new(inner: S) -> Self {
        Self::with_faults(inner, Faults::default())
    }

    pub fn with_faults(inner: S, faults: Faults) -> Self {
        Self { inner, shared: Arc::new(Shared { faults: Mutex::new(faults), writes: AtomicU64::new(0) }) }
    }

    /// Replaces the faults; takes effect for the next call (and the next write of open uploads).
    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().unwrap_or_else(|p| p.into_inner()) = faults;
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Number of `UploadWriter::write` calls so far, failed ones included.
    pub fn writes(&self) -> u64 {
        self.shared.writes.load(Ordering::SeqCst)
    }

    pub fn inner(&self) -> &S {
        &self.inner
    }
}

fn injected(what: &str) -> Error {
    Error::new(ErrorKind::Internal, format!("injected fault: {what}"))
}

/// Passes `n` items of `stream` through, then one error, then ends.
fn break_after(stream: ByteStream, n: usize) -> ByteStream {
    stream
        .enumerate()
        .map(move |(i, item)| if i < n { item } else { Err(std::io::Error::other("injected fault: stream broken")) })
        .scan(false, |failed, item| {
            if *failed {
                return ready(None);
            }
            *failed = item.is_err();
            ready(Some(item))
        })
        .boxed()
}

#[async_trait]
impl<S: BlobStore> BlobStore for FaultyBlobStore<S> {
    async fn open_upload(&self, id: &str, offset: u64) -> Result<Box<dyn UploadWriter>> {
        self.shared.check_up()?;
        let inner = self.inner.open_upload(id, offset).await?;
        Ok(Box::new(FaultyWriter { inner, shared: self.shared.clone() }))
    }

    async fn read_upload(&self, id: &str) -> Result<ByteStream> {
        let faults = self.shared.check_up()?;
        if faults.fail_reads {
            return Err(injected("read_upload"));
        }
        let stream = self.inner.read_upload(id).await?;
        Ok(match faults.break_streams_after {
            Some(n) => break_after(stream, n),
            None => stream,
        })
    }

    async fn commit_upload(&self, id: &str, digest: &Digest) -> Result<()> {
        if self.shared.check_up()?.fail_commit {
            return Err(injected("commit_upload"));
        }
        self.inner.commit_upload(id, digest).await
    }

    async fn abort_upload(&self, id: &str) -> Result<()> {
        self.shared.check_up()?;
        self.inner.abort_upload(id).await
    }

    async fn staged_uploads(&self, idle_for: std::time::Duration) -> Result<Vec<String>> {
        self.shared.check_up()?;
        self.inner.staged_uploads(idle_for).await
    }

    async fn put_small(&self, digest: &Digest, content: Bytes) -> Result<()> {
        if self.shared.check_up()?.fail_put {
            return Err(injected("put_small"));
        }
        self.inner.put_small(digest, content).await
    }

    async fn get(&self, digest: &Digest, range: Option<ByteRange>) -> Result<Option<BlobContent>> {
        let faults = self.shared.check_up()?;
        if faults.fail_reads {
            return Err(injected("get"));
        }
        let content = self.inner.get(digest, range).await?;
        Ok(match (content, faults.break_streams_after) {
            (Some(c), Some(n)) => Some(BlobContent { size: c.size, stream: break_after(c.stream, n) }),
            (content, _) => content,
        })
    }

    async fn stat(&self, digest: &Digest) -> Result<Option<u64>> {
        if self.shared.check_up()?.fail_reads {
            return Err(injected("stat"));
        }
        let answer = self.inner.stat(digest).await;
        let gate = self.shared.faults.lock().unwrap_or_else(|p| p.into_inner()).hold_stat.take();
        if let Some(gate) = gate {
            gate.pass().await;
        }
        answer
    }

    async fn delete(&self, digest: &Digest) -> Result<()> {
        self.shared.check_up()?;
        let gate = self.shared.faults.lock().unwrap_or_else(|p| p.into_inner()).hold_delete.take();
        if let Some(gate) = gate {
            gate.pass().await;
        }
        self.inner.delete(digest).await
    }

    async fn ping(&self) -> Result<()> {
        self.shared.check_up()?;
        self.inner.ping().await
    }
}

struct FaultyWriter {
    inner: Box<dyn UploadWriter>,
    shared: Arc<Shared>,
}

#[async_trait]
impl UploadWriter for FaultyWriter {
    async fn write(&mut self, chunk: Bytes) -> Result<()> {
        let faults = self.shared.check_up()?;
        let n = self.shared.writes.fetch_add(1, Ordering::SeqCst) + 1;
        if faults.fail_write == Some(n) {
            self.inner.write(chunk.slice(..chunk.len() / 2)).await?;
            return Err(injected("write"));
        }
        self.inner.write(chunk).await
    }

    async fn finish(self: Box<Self>) -> Result<u64> {
        let faults = self.shared.check_up()?;
        let len = self.inner.finish().await?;
        if faults.fail_finish { Err(injected("finish")) } else { Ok(len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::{MemBlobStore, assert_kind, collect, sha256, store_blob, upload};

    fn faulty(faults: Faults) -> FaultyBlobStore<MemBlobStore> {
        FaultyBlobStore::with_faults(MemBlobStore::new(), faults)
    }

    #[tokio::test]
    async fn without_faults_passes_the_suite() {
        crate::blob::run_all(|| async { FaultyBlobStore::new(MemBlobStore::new()) }).await;
    }

    #[tokio::test]
    async fn nth_write_stages_half_a_chunk_and_fails() {
        let store = faulty(Faults { fail_write: Some(2), ..Faults::default() });
        let mut writer = store.open_upload("cut", 0).await.unwrap();
        writer.write(Bytes::from_static(b"1234")).await.unwrap();
        assert_kind(writer.write(Bytes::from_static(b"abcd")).await, ErrorKind::Internal, "second write");
        writer.write(Bytes::from_static(b"!")).await.unwrap();
        assert_eq!(writer.finish().await.unwrap(), 7);
        assert_eq!(store.writes(), 3);
        assert_eq!(collect(store.read_upload("cut").await.unwrap()).await, b"1234ab!");
        assert_eq!(upload(&store, "cut", 4, &[b"5678"]).await, 8, "resuming at the acknowledged offset");
    }

    #[tokio::test]
    async fn failed_commit_leaves_the_upload_staged() {
        let store = faulty(Faults { fail_commit: true, ..Faults::default() });
        upload(&store, "pending", 0, &[b"bytes"]).await;
        assert_kind(store.commit_upload("pending", &sha256(b"bytes")).await, ErrorKind::Internal, "commit");
        assert_eq!(store.staged_uploads(std::time::Duration::ZERO).await.unwrap(), ["pending"]);
        assert_eq!(store.stat(&sha256(b"bytes")).await.unwrap(), None);
        store.set_faults(Faults::default());
        store.commit_upload("pending", &sha256(b"bytes")).await.unwrap();
        assert_eq!(store.stat(&sha256(b"bytes")).await.unwrap(), Some(5));
    }

    #[tokio::test]
    async fn failed_finish_and_put() {
        let store = faulty(Faults { fail_finish: true, fail_put: true, ..Faults::default() });
        let writer = store.open_upload("unacked", 0).await.unwrap();
        assert_kind(writer.finish().await, ErrorKind::Internal, "finish");
        let digest = sha256(b"m");
        assert_kind(store.put_small(&digest, Bytes::from_static(b"m")).await, ErrorKind::Internal, "put_small");
        assert_eq!(store.inner().stat(&digest).await.unwrap(), None, "a failed put stores nothing");
    }

    #[tokio::test]
    async fn reads_fail_or_break_mid_stream() {
        let store = faulty(Faults::default());
        let content = vec![7u8; 3 * 1024 * 1024];
        let digest = store_blob(&store, "big", &content).await;
        store.set_faults(Faults { fail_reads: true, ..Faults::default() });
        assert_kind(store.get(&digest, None).await.map(|_| ()), ErrorKind::Internal, "get");
        assert_kind(store.stat(&digest).await, ErrorKind::Internal, "stat");
        store.set_faults(Faults { break_streams_after: Some(1), ..Faults::default() });
        let mut stream = store.get(&digest, None).await.unwrap().unwrap().stream;
        assert!(stream.next().await.unwrap().is_ok(), "first chunk passes");
        assert!(stream.next().await.unwrap().is_err(), "second chunk fails");
        assert!(stream.next().await.is_none(), "the stream ends after the error");
    }

    #[tokio::test]
    async fn unavailable_fails_everything() {
        let store = faulty(Faults { unavailable: true, ..Faults::default() });
        assert_kind(store.ping().await, ErrorKind::Unavailable, "ping");
        assert_kind(store.staged_uploads(std::time::Duration::ZERO).await, ErrorKind::Unavailable, "staged_uploads");
        assert_kind(store.open_upload("x", 0).await.map(|_| ()), ErrorKind::Unavailable, "open_upload");
    }
}
