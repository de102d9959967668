//! A stored blob as a blocking `Read + Seek`, for the archive readers of the format crates (a wheel's
//! `METADATA` sits behind a zip's central directory at the end of the file; an npm tarball is read
//! from the start). Each miss of its window is one ranged read through the `BlobStore` port, so the
//! blob is never held whole and any backend works (files, S3). Use it on a blocking thread only
//! ([`tokio::task::spawn_blocking`]): it waits for the port with `Handle::block_on`.

use crate::blob::BlobStore;
use crate::{Error, ErrorKind};
use arca_types::{ByteRange, Digest};
use futures_util::StreamExt;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;
use tokio::runtime::Handle;

/// How much one ranged read fetches.
const WINDOW: u64 = 256 << 10;

pub(crate) struct BlobReader {
    blobs: Arc<dyn BlobStore>,
    digest: Digest,
    size: u64,
    position: u64,
    window_start: u64,
    window: Vec<u8>,
    runtime: Handle,
}

impl BlobReader {
    /// A reader of `digest`, `size` bytes long; `runtime` is the runtime the port's futures run on.
    pub(crate) fn new(blobs: Arc<dyn BlobStore>, digest: Digest, size: u64, runtime: Handle) -> Self {
        Self { blobs, digest, size, position: 0, window_start: 0, window: Vec::new(), runtime }
    }

    fn fill(&mut self) -> io::Result<()> {
        let range = ByteRange { start: self.position, end: (self.position + WINDOW).min(self.size) - 1 };
        let (blobs, digest) = (self.blobs.clone(), self.digest.clone());
        let window = self.runtime.block_on(async move {
            let content = blobs
                .get(&digest, Some(range))
                .await?
                .ok_or_else(|| Error::new(ErrorKind::BlobUnknown, format!("blob {digest} is gone from storage")))?;
            let mut bytes = Vec::with_capacity(range.len() as usize);
            let mut stream = content.stream;
            while let Some(chunk) = stream.next().await {
                bytes.extend_from_slice(&chunk?);
            }
            Ok::<_, Error>(bytes)
        });
        self.window = window.map_err(io::Error::other)?;
        self.window_start = self.position;
        if self.window.is_empty() {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the blob ended before its size"));
        }
        Ok(())
    }
}

impl Read for BlobReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.position >= self.size || out.is_empty() {
            return Ok(0);
        }
        let offset = self.position.wrapping_sub(self.window_start);
        if self.position < self.window_start || offset >= self.window.len() as u64 {
            self.fill()?;
        }
        let offset = (self.position - self.window_start) as usize;
        let n = out.len().min(self.window.len() - offset);
        out[..n].copy_from_slice(&self.window[offset..offset + n]);
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for BlobReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.position.checked_add_signed(d),
        };
        self.position = target.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.position)
    }
}
