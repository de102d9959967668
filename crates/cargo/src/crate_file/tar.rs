//! A minimal, bounded reader of the tar archives cargo packs (GNU or ustar headers, with pax or GNU
//! long names): arca-npm's reader, with paths kept only when they are UTF-8.
//!
//! Written rather than taken from the `tar` crate because a registry reads hostile archives: that
//! crate reads a GNU long name or pax header of any declared size into memory, so a gzip bomb of a
//! few megabytes could make it allocate gigabytes. Here every extension header is capped and every
//! data byte is counted against the caller's budget before it is read.

use std::io::{self, Read};

const BLOCK: usize = 512;
/// Larger pax or GNU long-name headers are refused: a path is never this long.
const MAX_EXTENSION: u64 = 1 << 20;

/// What an entry is, as far as a registry cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    File,
    Dir,
    Link,
    Other,
}

/// One entry's header, extensions applied; its data is next in the stream.
#[derive(Debug)]
pub(super) struct Entry {
    /// The path as stored.
    pub(super) path: String,
    pub(super) kind: Kind,
    pub(super) size: u64,
}

#[derive(Debug)]
pub(super) enum TarError {
    Io(io::Error),
    Format(&'static str),
    ExtensionTooLarge,
}

impl From<io::Error> for TarError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

pub(super) struct TarReader<R> {
    inner: R,
}

impl<R: Read> TarReader<R> {
    pub(super) fn new(inner: R) -> Self {
        Self { inner }
    }

    /// The underlying stream, for draining what follows the archive.
    pub(super) fn into_inner(self) -> R {
        self.inner
    }

    /// The next entry, or `None` at the end-of-archive block (or a clean end of stream).
    pub(super) fn next_entry(&mut self) -> Result<Option<Entry>, TarError> {
        let (mut long_path, mut pax_size) = (None::<String>, None::<u64>);
        loop {
            let Some(header) = self.read_header()? else { return Ok(None) };
            let size = parse_size(&header[124..136])?;
            match header[156] {
                b'x' => {
                    let records = self.read_extension(size)?;
                    for (key, value) in pax_records(&records)? {
                        match key {
                            "path" => long_path = Some(value.to_owned()),
                            "size" => pax_size = Some(value.parse().map_err(|_| TarError::Format("bad pax size"))?),
                            _ => {}
                        }
                    }
                }
                b'L' => {
                    let name = self.read_extension(size)?;
                    long_path = Some(utf8(until_nul(&name))?);
                }
                b'g' | b'K' => self.skip(size)?,
                flag => {
                    let path = match long_path.take() {
                        Some(path) => path,
                        None => header_path(&header)?,
                    };
                    let size = pax_size.take().unwrap_or(size);
                    return Ok(Some(Entry { path, kind: kind(flag), size }));
                }
            }
        }
    }

    /// Reads exactly `len` data bytes of the current entry, then its padding.
    pub(super) fn read_data(&mut self, len: u64) -> Result<Vec<u8>, TarError> {
        let mut data = Vec::with_capacity(usize::try_from(len.min(1 << 20)).unwrap_or(0));
        (&mut self.inner).take(len).read_to_end(&mut data)?;
        if data.len() as u64 != len {
            return Err(TarError::Format("the archive ends inside an entry"));
        }
        self.skip_exact(padding(len))?;
        Ok(data)
    }

    /// Skips the current entry's data and padding.
    pub(super) fn skip(&mut self, len: u64) -> Result<(), TarError> {
        self.skip_exact(len)?;
        self.skip_exact(padding(len))
    }

    fn skip_exact(&mut self, len: u64) -> Result<(), TarError> {
        let copied = io::copy(&mut (&mut self.inner).take(len), &mut io::sink())?;
        if copied != len {
            return Err(TarError::Format("the archive ends inside an entry"));
        }
        Ok(())
    }

    fn read_extension(&mut self, size: u64) -> Result<Vec<u8>, TarError> {
        if size > MAX_EXTENSION {
            return Err(TarError::ExtensionTooLarge);
        }
        self.read_data(size)
    }

    /// A header block; `None` at a zero block or at the end of the stream between entries.
    fn read_header(&mut self) -> Result<Option<[u8; BLOCK]>, TarError> {
        let mut block = [0u8; BLOCK];
        let mut filled = 0;
        while filled < BLOCK {
            match self.inner.read(&mut block[filled..]) {
                Ok(0) if filled == 0 => return Ok(None),
                Ok(0) => return Err(TarError::Format("the archive ends inside a header")),
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        if block.iter().all(|&b| b == 0) {
            return Ok(None);
        }
        verify_checksum(&block)?;
        Ok(Some(block))
    }
}

fn padding(len: u64) -> u64 {
    (BLOCK as u64 - len % BLOCK as u64) % BLOCK as u64
}

fn kind(flag: u8) -> Kind {
    match flag {
        b'0' | 0 | b'7' => Kind::File,
        b'5' => Kind::Dir,
        b'1' | b'2' => Kind::Link,
        _ => Kind::Other,
    }
}

fn until_nul(field: &[u8]) -> &[u8] {
    field.iter().position(|&b| b == 0).map_or(field, |end| &field[..end])
}

/// `prefix/name` for ustar headers, `name` otherwise (GNU headers use the prefix's bytes for
/// times: cargo writes GNU headers, whose magic is `ustar ` with a space).
fn header_path(header: &[u8; BLOCK]) -> Result<String, TarError> {
    let name = until_nul(&header[..100]);
    let prefix = if &header[257..263] == b"ustar\0" { until_nul(&header[345..500]) } else { &[][..] };
    let joined = if prefix.is_empty() { name.to_vec() } else { [prefix, b"/", name].concat() };
    utf8(&joined)
}

/// A path must be UTF-8: cargo refuses to package any other, and a lossy reading could make two
/// different paths look the same.
fn utf8(bytes: &[u8]) -> Result<String, TarError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| TarError::Format("an entry path is not UTF-8"))
}

/// The size field: octal text, or base-256 when the high bit of the first byte is set.
fn parse_size(field: &[u8]) -> Result<u64, TarError> {
    if field[0] & 0x80 != 0 {
        if field[0] != 0x80 || field[1..4].iter().any(|&b| b != 0) {
            return Err(TarError::Format("entry size out of range"));
        }
        return Ok(field[4..].iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b)));
    }
    octal(field).ok_or(TarError::Format("bad entry size"))
}

fn octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(until_nul(field)).ok()?.trim_matches(' ');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

/// The checksum is the sum of the header's bytes with its own field read as spaces (some old tars
/// summed signed bytes; both are accepted).
fn verify_checksum(header: &[u8; BLOCK]) -> Result<(), TarError> {
    let stored = octal(&header[148..156]).ok_or(TarError::Format("bad header checksum"))?;
    let field = 148..156;
    let (mut unsigned, mut signed) = (0u64, 0i64);
    for (i, &b) in header.iter().enumerate() {
        let b = if field.contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    if stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed) {
        Ok(())
    } else {
        Err(TarError::Format("header checksum mismatch"))
    }
}

/// `<len> <key>=<value>\n` records.
fn pax_records(mut data: &[u8]) -> Result<Vec<(&str, &str)>, TarError> {
    let mut out = Vec::new();
    while !data.is_empty() && data[0] != 0 {
        let space = data.iter().position(|&b| b == b' ').ok_or(TarError::Format("bad pax header"))?;
        let len: usize = std::str::from_utf8(&data[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or(TarError::Format("bad pax header"))?;
        if len <= space + 1 || len > data.len() || data[len - 1] != b'\n' {
            return Err(TarError::Format("bad pax header"));
        }
        let record = std::str::from_utf8(&data[space + 1..len - 1]).map_err(|_| TarError::Format("bad pax header"))?;
        let (key, value) = record.split_once('=').ok_or(TarError::Format("bad pax header"))?;
        out.push((key, value));
        data = &data[len..];
    }
    Ok(out)
}
