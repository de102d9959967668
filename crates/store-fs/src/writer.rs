//! Writing an upload: chunks gathered without copying, each batch written on the blocking pool while
//! the next one arrives (receiving and hashing overlap with writing), and uploads of at least
//! [`Tuning::direct_after`] bytes written with direct I/O from a pooled buffer (see [`crate::direct`]).

use crate::direct::{self, ALIGN, AlignedBuf};
use crate::{blocking, io_error, sync_dir};
use arca_core::Result;
use arca_core::blob::UploadWriter;
use async_trait::async_trait;
use bytes::Bytes;
use std::fs;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

/// Sizes that shape an upload's writes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tuning {
    /// Bytes gathered before they are handed to the writer thread.
    pub batch: usize,
    /// Uploads switch to direct I/O once the batch being written takes them this far: smaller blobs
    /// (image configs, checksums) stay in the page cache, where they are cheap to write and likely to
    /// be read soon.
    pub direct_after: u64,
    /// Size of a direct write (a multiple of [`ALIGN`]); each direct upload holds one such buffer.
    pub direct_write: usize,
}

impl Tuning {
    pub(crate) const DEFAULT: Self = Self { batch: 512 * 1024, direct_after: 64 * 1024, direct_write: 512 * 1024 };
}

/// Memory that uploads hold besides what is arriving, shared by all uploads of a store: batches
/// queued for or being written by writer threads, and the aligned buffers of direct writes. A busy
/// store makes uploads wait for batch memory (TCP then slows the clients down) and write buffered
/// instead of direct, rather than grow.
///
/// Direct buffers are kept for the next upload once one is done with them, never given back to the
/// allocator: a buffer whose pages are already in place costs one copy to fill, a new one a page
/// fault (and, on a VM, often a fault in the host) for every 4 KiB.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    batches: Arc<Semaphore>,
    batches_kib: u32,
    direct: Arc<Semaphore>,
    idle_buffers: Arc<Mutex<Vec<AlignedBuf>>>,
}

impl Budget {
    pub(crate) fn new(batches: usize, direct: usize) -> Self {
        let batches_kib = kib(batches);
        let direct_kib = kib(direct) as usize;
        Self {
            batches: Arc::new(Semaphore::new(batches_kib as usize)),
            batches_kib,
            direct: Arc::new(Semaphore::new(direct_kib)),
            idle_buffers: Arc::default(),
        }
    }

    /// Eight batches in flight, and a direct buffer for each of eight uploads at once (4 MiB).
    pub(crate) fn default_sizes() -> Self {
        Self::new(8 * 1024 * 1024, 8 * Tuning::DEFAULT.direct_write)
    }

    /// Memory for a batch of `len` bytes, waiting until there is some (a batch larger than the whole
    /// budget takes all of it).
    async fn batch(&self, len: usize) -> Result<OwnedSemaphorePermit> {
        let wanted = kib(len).clamp(1, self.batches_kib.max(1));
        self.batches
            .clone()
            .acquire_many_owned(wanted)
            .await
            .map_err(|e| arca_core::Error::internal("upload memory", e))
    }

    /// A direct-write buffer of `len` bytes, if the budget has one to spare right now: an idle one
    /// of that size, or a new one.
    fn direct(&self, len: usize) -> Option<DirectBuffer> {
        let permit = self.direct.clone().try_acquire_many_owned(kib(len)).ok()?;
        let idle = self.idle_buffers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let buf = idle.filter(|buf| buf.capacity() == len).unwrap_or_else(|| AlignedBuf::new(len));
        Some(DirectBuffer { buf: Some(buf), idle: self.idle_buffers.clone(), _permit: permit })
    }
}

/// An aligned buffer lent to one upload; it goes back to the idle buffers when dropped.
struct DirectBuffer {
    /// `None` only while being dropped.
    buf: Option<AlignedBuf>,
    idle: Arc<Mutex<Vec<AlignedBuf>>>,
    _permit: OwnedSemaphorePermit,
}

impl std::ops::Deref for DirectBuffer {
    type Target = AlignedBuf;
    fn deref(&self) -> &AlignedBuf {
        self.buf.as_ref().expect("a direct buffer is held until dropped")
    }
}

impl std::ops::DerefMut for DirectBuffer {
    fn deref_mut(&mut self) -> &mut AlignedBuf {
        self.buf.as_mut().expect("a direct buffer is held until dropped")
    }
}

impl Drop for DirectBuffer {
    fn drop(&mut self) {
        if let Some(mut buf) = self.buf.take() {
            buf.clear();
            self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(buf);
        }
    }
}

/// Bytes in KiB, rounded up (semaphore permits).
fn kib(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX)
}

/// How the writer task writes batches.
enum Sink {
    /// Buffered `writev` at the file's cursor.
    Cursor,
    /// Copies into `buf`, which holds the file from the aligned `offset` on, and writes it there each
    /// time it fills (with `O_DIRECT` while `o_direct`).
    Aligned { buf: DirectBuffer, offset: u64, o_direct: bool },
}

/// What the upload's writer task is told.
enum Message {
    /// Chunks to write, and the budget they hold until they are written.
    Batch(Vec<Bytes>, OwnedSemaphorePermit),
    /// Everything was sent: write what is left, and make it durable if `sync`.
    End { sync: bool },
}

/// Appends to `uploads/<id>`: the request's task gathers chunks into batches and sends them to a
/// writer task of this upload's own, which writes what is queued in one blocking call while more
/// arrive. The budget bounds what is queued, so receiving and hashing never wait for the disk unless it
/// falls behind, and memory stays bounded. Waiting for data holds no thread: a blocking thread is taken only
/// while a batch is written, so slow or stalled clients cannot exhaust the pool.
pub(crate) struct FsUploadWriter {
    batch: Vec<Bytes>,
    batch_len: usize,
    tuning: Tuning,
    budget: Budget,
    sender: tokio::sync::mpsc::Sender<Message>,
    task: JoinHandle<io::Result<()>>,
    /// Bytes received: the file's length once everything is written.
    len: u64,
    /// The uploads directory, when this writer created the file and its entry must be made durable.
    sync_dir: Option<PathBuf>,
}

impl FsUploadWriter {
    /// `file` is open for reading and writing, its cursor at `offset`.
    pub(crate) fn new(file: fs::File, offset: u64, sync_dir: Option<PathBuf>, tuning: Tuning, budget: Budget) -> Self {
        // The budget bounds what is queued; the channel only needs room for it.
        let (sender, receiver) = tokio::sync::mpsc::channel(64);
        let state = WriteState { file, sink: Sink::Cursor, written: offset, buffered_only: false };
        let task = tokio::spawn(write_all_sent(state, tuning, budget.clone(), receiver));
        Self { batch: Vec::new(), batch_len: 0, tuning, budget, sender, task, len: offset, sync_dir }
    }

    /// Sends the gathered batch once the budget has room for it.
    async fn send_batch(&mut self) -> Result<()> {
        let permit = self.budget.batch(self.batch_len).await?;
        let batch = std::mem::take(&mut self.batch);
        self.batch_len = 0;
        self.send(Message::Batch(batch, permit)).await
    }

    async fn send(&mut self, message: Message) -> Result<()> {
        if self.sender.send(message).await.is_ok() {
            return Ok(());
        }
        // The writer stopped early: it failed, and says why.
        match self.outcome().await {
            Err(e) => Err(arca_core::Error::from_io("writing an upload", e)),
            Ok(()) => Err(arca_core::Error::internal("writing an upload", "the writer stopped early")),
        }
    }

    /// Sends what is gathered and the end, and waits until it is all written (and synced if `sync`).
    async fn end(&mut self, sync: bool) -> Result<()> {
        if !self.batch.is_empty() {
            self.send_batch().await?;
        }
        self.send(Message::End { sync }).await?;
        self.outcome().await.map_err(io_error(if sync { "syncing an upload" } else { "writing an upload" }))
    }

    /// How the writer task ended.
    async fn outcome(&mut self) -> io::Result<()> {
        (&mut self.task).await.map_err(io::Error::other).and_then(|written| written)
    }
}

#[async_trait]
impl UploadWriter for FsUploadWriter {
    async fn write(&mut self, chunk: Bytes) -> Result<()> {
        self.len += chunk.len() as u64;
        self.batch_len += chunk.len();
        self.batch.push(chunk);
        if self.batch_len < self.tuning.batch { Ok(()) } else { self.send_batch().await }
    }

    async fn close(mut self: Box<Self>) -> Result<u64> {
        self.end(false).await?;
        Ok(self.len)
    }

    async fn finish(mut self: Box<Self>) -> Result<u64> {
        self.end(true).await?;
        if let Some(dir) = self.sync_dir.take() {
            blocking(move || sync_dir(&dir).map_err(io_error("syncing the uploads directory"))).await?;
        }
        Ok(self.len)
    }
}

/// Where an upload's writes stand, moved to the blocking pool and back for each batch.
struct WriteState {
    /// The file (and its lock) closes when the writer task ends.
    file: fs::File,
    sink: Sink,
    written: u64,
    /// The filesystem refused direct I/O (older tmpfs, some FUSE and network filesystems): not asked
    /// again.
    buffered_only: bool,
}

impl WriteState {
    /// Writes a batch, switching to direct I/O first if the batch takes the upload to
    /// `tuning.direct_after` bytes and the budget has a direct buffer to spare.
    fn write(mut self, batch: Vec<Bytes>, tuning: Tuning, budget: &Budget) -> io::Result<Self> {
        let len = batch.iter().map(|chunk| chunk.len() as u64).sum::<u64>();
        if matches!(self.sink, Sink::Cursor)
            && !self.buffered_only
            && self.written + len >= tuning.direct_after
            && let Some(buffer) = budget.direct(tuning.direct_write)
        {
            self.sink = open_aligned(&self.file, self.written, buffer)?;
            self.buffered_only = matches!(self.sink, Sink::Cursor);
        }
        self.sink = write_batch(&self.file, self.sink, batch)?;
        self.written += len;
        Ok(self)
    }

    fn end(self, sync: bool) -> io::Result<()> {
        write_tail(&self.file, self.sink)?;
        if sync { self.file.sync_all() } else { Ok(()) }
    }

    /// Writes the batches of `messages` in order; `None` once the end was handled.
    fn handle(mut self, messages: Vec<Message>, tuning: Tuning, budget: &Budget) -> io::Result<Option<Self>> {
        for message in messages {
            match message {
                Message::Batch(batch, permit) => {
                    self = self.write(batch, tuning, budget)?;
                    drop(permit);
                }
                Message::End { sync } => return self.end(sync).map(|()| None),
            }
        }
        Ok(Some(self))
    }
}

/// The writer task: writes the batches it is sent on the blocking pool, every batch queued by then in
/// one go. Returns after the end message, or early on an error or when the upload is dropped (the
/// request was cancelled), closing the file — and so releasing its lock — only after its last write.
async fn write_all_sent(
    mut state: WriteState,
    tuning: Tuning,
    budget: Budget,
    mut receiver: tokio::sync::mpsc::Receiver<Message>,
) -> io::Result<()> {
    while let Some(first) = receiver.recv().await {
        let mut messages = vec![first];
        while let Ok(next) = receiver.try_recv() {
            messages.push(next);
        }
        let budget = budget.clone();
        let next = tokio::task::spawn_blocking(move || state.handle(messages, tuning, &budget))
            .await
            .map_err(io::Error::other)??;
        match next {
            Some(next) => state = next,
            None => return Ok(()),
        }
    }
    Ok(())
}

/// Writes one batch through `sink` and gives the sink back.
fn write_batch(file: &fs::File, sink: Sink, batch: Vec<Bytes>) -> io::Result<Sink> {
    match sink {
        Sink::Cursor => {
            write_all_gathered(file, &batch)?;
            Ok(Sink::Cursor)
        }
        Sink::Aligned { mut buf, mut offset, mut o_direct } => {
            for chunk in &batch {
                let mut rest = &chunk[..];
                while !rest.is_empty() {
                    rest = &rest[buf.fill(rest)..];
                    if buf.is_full() {
                        o_direct = direct::write_at(file, buf.bytes(), offset, o_direct)?;
                        offset += buf.len() as u64;
                        buf.clear();
                    }
                }
            }
            Ok(Sink::Aligned { buf, offset, o_direct })
        }
    }
}

/// An aligned sink for a file of `written` bytes: its last partial block is read back into the
/// buffer (direct writes start on a block boundary), then `O_DIRECT` is turned on. A cursor sink if
/// the filesystem refuses direct I/O.
fn open_aligned(file: &fs::File, written: u64, mut buf: DirectBuffer) -> io::Result<Sink> {
    let offset = written - written % ALIGN as u64;
    // Read before O_DIRECT is on: the partial block's length is not aligned.
    file.read_exact_at(buf.spare((written - offset) as usize), offset)?;
    if direct::set_direct(file, true)? { Ok(Sink::Aligned { buf, offset, o_direct: true }) } else { Ok(Sink::Cursor) }
}

/// Writes what an aligned sink still holds: its whole blocks directly, the partial last one
/// buffered (a direct write's length must be aligned).
fn write_tail(file: &fs::File, sink: Sink) -> io::Result<()> {
    let Sink::Aligned { buf, offset, mut o_direct } = sink else { return Ok(()) };
    let (blocks, rest) = buf.bytes().split_at(buf.len() - buf.len() % ALIGN);
    if !blocks.is_empty() {
        o_direct = direct::write_at(file, blocks, offset, o_direct)?;
    }
    if o_direct {
        direct::set_direct(file, false)?;
    }
    file.write_all_at(rest, offset + blocks.len() as u64)
}

/// Writes every chunk of `batch`, in order, with as few `writev` calls as the kernel allows.
fn write_all_gathered(mut file: &fs::File, batch: &[Bytes]) -> io::Result<()> {
    use std::io::{IoSlice, Write as _};
    let mut slices: Vec<IoSlice<'_>> = batch.iter().map(|chunk| IoSlice::new(chunk)).collect();
    let mut remaining = &mut slices[..];
    while !remaining.is_empty() {
        match file.write_vectored(remaining) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut remaining, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom};

    const SMALL: Tuning = Tuning { batch: 10_000, direct_after: 50_000, direct_write: 2 * ALIGN };

    fn content(n: usize, seed: u8) -> Vec<u8> {
        (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
    }

    async fn write_in_chunks(path: &std::path::Path, offset: u64, data: &[u8], chunk: usize) -> u64 {
        write_with_budget(path, offset, data, chunk, Budget::new(30_000, 2 * ALIGN)).await
    }

    async fn write_with_budget(path: &std::path::Path, offset: u64, data: &[u8], chunk: usize, budget: Budget) -> u64 {
        let mut file = fs::OpenOptions::new().create(true).truncate(false).read(true).write(true).open(path).unwrap();
        file.set_len(offset).unwrap();
        file.seek(SeekFrom::Start(offset)).unwrap();
        let mut writer = Box::new(FsUploadWriter::new(file, offset, None, SMALL, budget));
        for piece in data.chunks(chunk) {
            writer.write(Bytes::copy_from_slice(piece)).await.unwrap();
        }
        writer.finish().await.unwrap()
    }

    #[tokio::test]
    async fn uploads_of_every_shape_are_written_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upload");
        // Small (never direct), across the switch at odd chunk sizes, and exactly on block boundaries.
        for (len, chunk) in
            [(0, 1), (1234, 100), (49_999, 7_001), (123_457, 3_333), (40 * ALIGN, ALIGN), (200_001, 65_536)]
        {
            let data = content(len, len as u8);
            assert_eq!(write_in_chunks(&path, 0, &data, chunk).await, len as u64);
            assert_eq!(fs::read(&path).unwrap(), data, "{len} bytes in chunks of {chunk}");
        }
    }

    #[tokio::test]
    async fn a_resumed_upload_continues_at_an_unaligned_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upload");
        let first = content(60_001, 1);
        write_in_chunks(&path, 0, &first, 4096).await;
        let second = content(77_777, 2);
        assert_eq!(write_in_chunks(&path, first.len() as u64, &second, 5_000).await, 137_778);
        assert_eq!(fs::read(&path).unwrap(), [first, second].concat());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_uploads_share_a_small_budget() {
        let dir = tempfile::tempdir().unwrap();
        // Room for one batch at a time and one direct buffer: everyone waits their turn, nobody hangs.
        let budget = Budget::new(SMALL.batch, SMALL.direct_write);
        let uploads = (0..8u8).map(|i| {
            let (path, budget) = (dir.path().join(format!("u{i}")), budget.clone());
            tokio::spawn(async move {
                let data = content(150_000 + usize::from(i) * 1001, i);
                write_with_budget(&path, 0, &data, 4_000 + usize::from(i), budget).await;
                assert_eq!(fs::read(&path).unwrap(), data, "upload {i}");
            })
        });
        for upload in uploads.collect::<Vec<_>>() {
            upload.await.unwrap();
        }
        assert_eq!(budget.batches.available_permits(), kib(SMALL.batch) as usize, "batch memory is all given back");
        assert_eq!(
            budget.direct.available_permits(),
            kib(SMALL.direct_write) as usize,
            "direct buffers are given back"
        );
        let idle = budget.idle_buffers.lock().unwrap().len();
        assert_eq!(idle, 1, "the one direct buffer the budget allows went from upload to upload");
    }

    #[test]
    fn idle_uploads_hold_no_blocking_thread() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let mut writers = Vec::new();
            for i in 0..10 {
                let file = fs::OpenOptions::new()
                    .create(true)
                    .truncate(true)
                    .read(true)
                    .write(true)
                    .open(dir.path().join(format!("u{i}")));
                let mut writer = Box::new(FsUploadWriter::new(file.unwrap(), 0, None, SMALL, Budget::default_sizes()));
                writer.write(Bytes::from(vec![b'x'; SMALL.batch + 1])).await.unwrap();
                writers.push(writer);
            }
            // Ten uploads waiting for their clients; the pool's two threads are still free for others.
            let probe = tokio::task::spawn_blocking(|| 42);
            let answered = tokio::time::timeout(std::time::Duration::from_secs(10), probe).await;
            assert_eq!(answered.expect("a blocking task ran beside idle uploads").unwrap(), 42);
            for writer in writers {
                assert_eq!(writer.finish().await.unwrap(), SMALL.batch as u64 + 1);
            }
        });
    }
}
