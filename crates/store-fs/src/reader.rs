//! Streaming a file: chunks read on the blocking pool straight into the buffers that go out (one copy,
//! no intermediate buffer), the next chunk read while the current one is being sent.

use arca_core::blob::ByteStream;
use bytes::Bytes;
use futures_util::StreamExt;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;
use tokio::task::JoinHandle;

/// Streams `len` bytes of `file` from `start`, in chunks of at most `chunk` bytes. A file that ends
/// early is an `UnexpectedEof` error in the stream, never a silently short body.
pub(crate) fn stream(file: fs::File, start: u64, len: u64, chunk: usize) -> ByteStream {
    let reader = Reader { file: Arc::new(file), seek: Some(start), left: len, chunk, next: None };
    futures_util::stream::unfold(reader, |mut reader| async move {
        let item = reader.next_chunk().await?;
        Some((item, reader))
    })
    .boxed()
}

struct Reader {
    file: Arc<fs::File>,
    /// Where the first read starts; taken by it.
    seek: Option<u64>,
    /// Bytes not yet handed to a read.
    left: u64,
    chunk: usize,
    /// The read in flight.
    next: Option<JoinHandle<io::Result<Bytes>>>,
}

impl Reader {
    /// The next chunk, `None` at the end. After an error the stream ends.
    async fn next_chunk(&mut self) -> Option<io::Result<Bytes>> {
        let pending = match self.next.take() {
            Some(pending) => pending,
            None => self.start_read()?,
        };
        let item = pending.await.map_err(io::Error::other).and_then(|read| read);
        match &item {
            Ok(_) => self.next = self.start_read(),
            Err(_) => self.left = 0,
        }
        Some(item)
    }

    /// Starts reading the next chunk on the blocking pool; `None` when everything was read.
    fn start_read(&mut self) -> Option<JoinHandle<io::Result<Bytes>>> {
        if self.left == 0 {
            return None;
        }
        let len = self.left.min(self.chunk as u64);
        self.left -= len;
        let (file, seek) = (self.file.clone(), self.seek.take());
        // Allocated here, on the thread that will also free it once sent: the memory stays in the
        // runtime's few allocator arenas instead of spreading over the blocking pool's many.
        let buf = Vec::with_capacity(len as usize);
        Some(tokio::task::spawn_blocking(move || read_chunk(&file, seek, len, buf)))
    }
}

/// Reads exactly `len` bytes at the file's position (after seeking to `seek`, if given) into `buf`.
fn read_chunk(mut file: &fs::File, seek: Option<u64>, len: u64, mut buf: Vec<u8>) -> io::Result<Bytes> {
    if let Some(offset) = seek {
        file.seek(SeekFrom::Start(offset))?;
    }
    // `read_to_end` fills the spare capacity directly: no zeroing, no second buffer.
    file.take(len).read_to_end(&mut buf)?;
    if (buf.len() as u64) < len {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file is shorter than it was"));
    }
    Ok(Bytes::from(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(content: &[u8]) -> (tempfile::TempDir, fs::File) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, content).unwrap();
        let file = fs::File::open(&path).unwrap();
        (dir, file)
    }

    async fn chunks(stream: ByteStream) -> Vec<io::Result<Bytes>> {
        stream.collect().await
    }

    #[tokio::test]
    async fn whole_files_and_ranges_come_in_chunks() {
        let content: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let (_dir, file) = file_with(&content);
        let got = chunks(stream(file.try_clone().unwrap(), 0, 10_000, 4096)).await;
        let lens: Vec<usize> = got.iter().map(|c| c.as_ref().unwrap().len()).collect();
        assert_eq!(lens, [4096, 4096, 1808]);
        let joined: Vec<u8> = got.into_iter().flat_map(|c| c.unwrap().to_vec()).collect();
        assert_eq!(joined, content);
        let range: Vec<u8> =
            chunks(stream(file, 5000, 3000, 1000)).await.into_iter().flat_map(|c| c.unwrap().to_vec()).collect();
        assert_eq!(range, &content[5000..8000]);
    }

    #[tokio::test]
    async fn nothing_to_read_is_an_empty_stream() {
        let (_dir, file) = file_with(b"abc");
        assert!(chunks(stream(file, 3, 0, 1024)).await.is_empty());
    }

    #[tokio::test]
    async fn a_file_shorter_than_promised_ends_with_an_error() {
        let (_dir, file) = file_with(b"abcdef");
        let got = chunks(stream(file, 0, 10, 4)).await;
        assert_eq!(got.len(), 2, "one good chunk, then the error, then the end");
        assert_eq!(got[0].as_ref().unwrap(), &b"abcd"[..]);
        assert_eq!(got[1].as_ref().unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    }
}
