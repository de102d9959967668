//! Writing an upload: batches gathered without copying, written on the blocking pool while the next
//! batch arrives, with writeback started early so the final sync is short.

use crate::{blocking, io_error, sync_dir};
use arca_core::Result;
use arca_core::blob::UploadWriter;
use async_trait::async_trait;
use bytes::Bytes;
use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// Size of a write batch.
const BATCH: usize = 1024 * 1024;
/// How much an upload writes between background syncs (see [`FsUploadWriter`]).
const WRITEBACK_EVERY: u64 = 32 * 1024 * 1024;

/// Appends to `uploads/<id>`: chunks are gathered (not copied) into batches of [`BATCH`] bytes, and
/// each batch is written by one blocking call while the next one arrives — receiving and hashing
/// overlap with writing. Every [`WRITEBACK_EVERY`] bytes a background `fdatasync` starts the disk
/// writing what has been written so far, so the final sync of a large upload only waits for its tail.
pub(crate) struct FsUploadWriter {
    file: Arc<fs::File>,
    batch: Vec<Bytes>,
    batch_len: usize,
    /// The batch being written; at most one, so memory stays bounded.
    writing: Option<JoinHandle<io::Result<()>>>,
    writeback: Option<JoinHandle<io::Result<()>>>,
    since_writeback: u64,
    len: u64,
    /// The uploads directory, when this writer created the file and its entry must be made durable.
    sync_dir: Option<PathBuf>,
}

impl FsUploadWriter {
    pub(crate) fn new(file: fs::File, offset: u64, sync_dir: Option<PathBuf>) -> Self {
        Self {
            file: Arc::new(file),
            batch: Vec::new(),
            batch_len: 0,
            writing: None,
            writeback: None,
            since_writeback: 0,
            len: offset,
            sync_dir,
        }
    }

    /// Waits for the batch in flight, then hands the gathered one to a blocking thread.
    async fn write_batch(&mut self) -> Result<()> {
        self.wait_written().await?;
        if self.batch.is_empty() {
            return Ok(());
        }
        let (file, batch) = (self.file.clone(), std::mem::take(&mut self.batch));
        self.since_writeback += std::mem::take(&mut self.batch_len) as u64;
        self.writing = Some(tokio::task::spawn_blocking(move || write_all_gathered(&file, batch)));
        if self.since_writeback >= WRITEBACK_EVERY && self.writeback.as_ref().is_none_or(JoinHandle::is_finished) {
            self.wait_writeback().await?;
            self.since_writeback = 0;
            let file = self.file.clone();
            self.writeback = Some(tokio::task::spawn_blocking(move || file.sync_data()));
        }
        Ok(())
    }

    async fn wait_written(&mut self) -> Result<()> {
        match self.writing.take() {
            Some(writing) => joined(writing.await).map_err(io_error("writing an upload")),
            None => Ok(()),
        }
    }

    async fn wait_writeback(&mut self) -> Result<()> {
        match self.writeback.take() {
            Some(writeback) => joined(writeback.await).map_err(io_error("syncing an upload")),
            None => Ok(()),
        }
    }

    /// Writes whatever is gathered and waits until every byte is in the file.
    async fn drain(&mut self) -> Result<()> {
        self.write_batch().await?;
        self.wait_written().await?;
        self.wait_writeback().await
    }
}

#[async_trait]
impl UploadWriter for FsUploadWriter {
    async fn write(&mut self, chunk: Bytes) -> Result<()> {
        self.len += chunk.len() as u64;
        self.batch_len += chunk.len();
        self.batch.push(chunk);
        if self.batch_len >= BATCH { self.write_batch().await } else { Ok(()) }
    }

    async fn close(mut self: Box<Self>) -> Result<u64> {
        self.drain().await?;
        Ok(self.len)
    }

    async fn finish(mut self: Box<Self>) -> Result<u64> {
        self.drain().await?;
        let (file, dir) = (self.file.clone(), self.sync_dir.take());
        blocking(move || {
            file.sync_all().map_err(io_error("syncing an upload"))?;
            match dir {
                Some(dir) => sync_dir(&dir).map_err(io_error("syncing the uploads directory")),
                None => Ok(()),
            }
        })
        .await?;
        Ok(self.len)
    }
}

/// Writes every chunk of `batch`, in order, with as few `writev` calls as the kernel allows.
fn write_all_gathered(mut file: &fs::File, batch: Vec<Bytes>) -> io::Result<()> {
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

fn joined<T>(result: std::result::Result<io::Result<T>, tokio::task::JoinError>) -> io::Result<T> {
    result.map_err(io::Error::other)?
}
