//! Direct I/O for uploads: bytes go from an aligned buffer to the disk without a copy into the page
//! cache. On this kind of machine the page-cache copy (allocating, zeroing and filling a page per
//! 4 KiB, and on a VM often a fault in the host for each new page) costs more CPU than hashing, and a
//! blob just uploaded is rarely read at once.
//!
//! `O_DIRECT` needs the buffer address, the file offset and the length aligned to the device's
//! block; [`ALIGN`] (4 KiB) suits every common device. Where the filesystem refuses it (tmpfs,
//! some FUSE and network filesystems) writes simply stay buffered: [`set_direct`] reports whether
//! the flag took, and [`write_at`] falls back if a direct write is refused.

use std::fs;
use std::io;
use std::os::unix::fs::FileExt;

/// Alignment of direct writes: address, offset and length.
pub(crate) const ALIGN: usize = 4096;

/// A fixed-capacity buffer whose first byte sits at an [`ALIGN`]-aligned address.
pub(crate) struct AlignedBuf {
    raw: Vec<u8>,
    start: usize,
    capacity: usize,
    len: usize,
}

impl std::fmt::Debug for AlignedBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlignedBuf").field("capacity", &self.capacity).field("len", &self.len).finish()
    }
}

impl AlignedBuf {
    /// `capacity` must be a multiple of [`ALIGN`].
    pub(crate) fn new(capacity: usize) -> Self {
        debug_assert_eq!(capacity % ALIGN, 0);
        // Zeroed allocations of this size are fresh mappings: no memset, pages appear as they fill.
        let raw = vec![0u8; capacity + ALIGN];
        let start = raw.as_ptr().align_offset(ALIGN);
        assert!(start < ALIGN, "a byte buffer can always be aligned");
        Self { raw, start, capacity, len: 0 }
    }

    /// Copies as much of `data` as fits; returns how much.
    pub(crate) fn fill(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.capacity - self.len);
        let at = self.start + self.len;
        self.raw[at..at + n].copy_from_slice(&data[..n]);
        self.len += n;
        n
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len == self.capacity
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.raw[self.start..self.start + self.len]
    }

    /// Space for `n` bytes read from elsewhere, which then count as filled.
    pub(crate) fn spare(&mut self, n: usize) -> &mut [u8] {
        let at = self.start + self.len;
        self.len += n;
        &mut self.raw[at..at + n]
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }
}

/// Turns `O_DIRECT` on or off for the open file; `false` if the filesystem will not have it.
pub(crate) fn set_direct(file: &fs::File, on: bool) -> io::Result<bool> {
    use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
    let flags = fcntl_getfl(file)?;
    let wanted = if on { flags | OFlags::DIRECT } else { flags - OFlags::DIRECT };
    match fcntl_setfl(file, wanted) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::INVAL) if on => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Writes all of `buf` at `offset`. If the kernel refuses it as a direct write (`EINVAL`: alignment
/// the device does not accept), turns direct I/O off and writes it buffered; returns whether the
/// file is still in direct mode.
pub(crate) fn write_at(file: &fs::File, buf: &[u8], offset: u64, direct: bool) -> io::Result<bool> {
    match file.write_all_at(buf, offset) {
        Err(e) if direct && e.raw_os_error() == Some(rustix::io::Errno::INVAL.raw_os_error()) => {
            set_direct(file, false)?;
            file.write_all_at(buf, offset)?;
            Ok(false)
        }
        other => other.map(|()| direct),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_aligned_and_bounded() {
        for _ in 0..20 {
            let mut buf = AlignedBuf::new(2 * ALIGN);
            assert_eq!(buf.bytes().as_ptr() as usize % ALIGN, 0);
            assert_eq!(buf.fill(&[1; 5000]), 5000);
            assert_eq!(buf.fill(&[2; 5000]), 2 * ALIGN - 5000);
            assert!(buf.is_full());
            assert_eq!(buf.bytes().len(), 2 * ALIGN);
            assert_eq!(&buf.bytes()[4999..5001], &[1, 2]);
            buf.clear();
            assert_eq!(buf.len(), 0);
            buf.spare(3).copy_from_slice(b"abc");
            assert_eq!(buf.bytes(), b"abc");
        }
    }

    #[test]
    fn direct_writes_land_where_asked() {
        let dir = tempfile::tempdir().unwrap();
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(dir.path().join("f"))
            .unwrap();
        let direct = set_direct(&file, true).unwrap();
        let mut buf = AlignedBuf::new(ALIGN);
        buf.fill(&[9; ALIGN]);
        let still = write_at(&file, buf.bytes(), ALIGN as u64, direct).unwrap();
        assert!(!still || direct);
        set_direct(&file, false).unwrap();
        write_at(&file, b"tail", 2 * ALIGN as u64, false).unwrap();
        let content = fs::read(dir.path().join("f")).unwrap();
        assert_eq!(content.len(), 2 * ALIGN + 4);
        assert!(content[..ALIGN].iter().all(|&b| b == 0));
        assert!(content[ALIGN..2 * ALIGN].iter().all(|&b| b == 9));
        assert_eq!(&content[2 * ALIGN..], b"tail");
    }
}
