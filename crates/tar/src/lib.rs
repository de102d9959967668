//! A minimal, bounded reader of the tar archives package managers pack (ustar or GNU headers, with
//! pax or GNU long names): npm tarballs and `.crate` files are read with it.
//!
//! Written rather than taken from the `tar` crate because a registry reads hostile archives: that
//! crate reads a GNU long name or pax header of any declared size into memory, so a gzip bomb of a
//! few megabytes could make it allocate gigabytes. Here every extension header is capped and every
//! data byte is counted against the caller's budget before it is read.
//!
//! Architecture invariant: pure (a `Read` in, entries out): no async, no network, no filesystem.

use std::io::{self, Read};

const BLOCK: usize = 512;
/// Larger pax or GNU long-name headers are refused: a path is never this long.
pub const MAX_EXTENSION: u64 = 1 << 20;

/// What an entry is, as far as a registry cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Link,
    Other,
}

/// How entry paths that are not UTF-8 are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paths {
    /// Refused: cargo packages no other, and a lossy reading could make two paths look the same.
    Utf8,
    /// Read lossily (invalid sequences become U+FFFD), as npm does.
    Lossy,
}

/// One entry's header, extensions applied; its data is next in the stream.
#[derive(Debug)]
pub struct Entry {
    /// The path as stored (see [`Paths`]).
    pub path: String,
    pub kind: Kind,
    pub size: u64,
}

#[derive(Debug)]
pub enum TarError {
    /// Reading the stream failed (for a gzip stream, also a corrupt one).
    Io(io::Error),
    /// Not a tar archive, or a damaged one: why.
    Format(&'static str),
    /// A pax or GNU long-name header larger than [`MAX_EXTENSION`].
    ExtensionTooLarge,
}

impl From<io::Error> for TarError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

pub struct TarReader<R> {
    inner: R,
    paths: Paths,
}

impl<R: Read> TarReader<R> {
    pub fn new(inner: R, paths: Paths) -> Self {
        Self { inner, paths }
    }

    /// The underlying stream, for draining what follows the archive.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The next entry, or `None` at the end-of-archive block (or a clean end of stream).
    pub fn next_entry(&mut self) -> Result<Option<Entry>, TarError> {
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
                    long_path = Some(self.path_text(until_nul(&name))?);
                }
                b'g' | b'K' => self.skip(size)?,
                flag => {
                    let path = match long_path.take() {
                        Some(path) => path,
                        None => self.path_text(&header_path(&header))?,
                    };
                    let size = pax_size.take().unwrap_or(size);
                    return Ok(Some(Entry { path, kind: kind(flag), size }));
                }
            }
        }
    }

    /// Reads exactly `len` data bytes of the current entry, then its padding.
    pub fn read_data(&mut self, len: u64) -> Result<Vec<u8>, TarError> {
        let mut data = Vec::with_capacity(usize::try_from(len.min(1 << 20)).unwrap_or(0));
        (&mut self.inner).take(len).read_to_end(&mut data)?;
        if data.len() as u64 != len {
            return Err(TarError::Format("the archive ends inside an entry"));
        }
        self.skip_exact(padding(len))?;
        Ok(data)
    }

    /// Skips the current entry's data and padding.
    pub fn skip(&mut self, len: u64) -> Result<(), TarError> {
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

    fn path_text(&self, bytes: &[u8]) -> Result<String, TarError> {
        match self.paths {
            Paths::Utf8 => {
                String::from_utf8(bytes.to_vec()).map_err(|_| TarError::Format("an entry path is not UTF-8"))
            }
            Paths::Lossy => Ok(String::from_utf8_lossy(bytes).into_owned()),
        }
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
fn header_path(header: &[u8; BLOCK]) -> Vec<u8> {
    let name = until_nul(&header[..100]);
    let prefix = if &header[257..263] == b"ustar\0" { until_nul(&header[345..500]) } else { &[][..] };
    if prefix.is_empty() { name.to_vec() } else { [prefix, b"/", name].concat() }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A header block: `magic` is `ustar\0` (ustar, with `prefix`) or `ustar ` (GNU, whose prefix
    /// bytes hold times).
    fn header(name: &[u8], prefix: &[u8], magic: &[u8; 6], flag: u8, size: u64) -> Vec<u8> {
        let mut h = [0u8; BLOCK];
        h[..name.len()].copy_from_slice(name);
        h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
        h[156] = flag;
        h[257..263].copy_from_slice(magic);
        h[345..345 + prefix.len()].copy_from_slice(prefix);
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        h.to_vec()
    }

    fn entry(name: &[u8], prefix: &[u8], magic: &[u8; 6], flag: u8, data: &[u8]) -> Vec<u8> {
        let mut out = header(name, prefix, magic, flag, data.len() as u64);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
        out
    }

    fn entries(archive: &[u8], paths: Paths) -> Result<Vec<(String, Kind, Vec<u8>)>, TarError> {
        let mut reader = TarReader::new(archive, paths);
        let mut out = Vec::new();
        while let Some(e) = reader.next_entry()? {
            let data = reader.read_data(e.size)?;
            out.push((e.path, e.kind, data));
        }
        Ok(out)
    }

    #[test]
    fn ustar_prefixes_gnu_long_names_and_pax_paths() {
        let long = "d/".repeat(80) + "file.txt";
        let record = format!(" path={long}\n");
        let digits = (record.len() + 3).to_string().len();
        let pax = format!("{}{record}", record.len() + digits);
        let archive = [
            entry(b"name.txt", b"pre/fix", b"ustar\0", b'0', b"one"),
            // A GNU header's prefix bytes are times, never a path.
            entry(b"gnu.txt", b"\x01\x02", b"ustar ", b'0', b"two"),
            entry(b"././@LongLink", b"", b"ustar ", b'L', long.as_bytes()),
            entry(b"short", b"", b"ustar ", b'0', b"three"),
            entry(b"PaxHeader", b"", b"ustar\0", b'x', pax.as_bytes()),
            entry(b"short2", b"", b"ustar\0", b'0', b"four"),
            entry(b"dir/", b"", b"ustar\0", b'5', b""),
            entry(b"link", b"", b"ustar\0", b'2', b""),
            vec![0u8; 2 * BLOCK],
        ]
        .concat();
        let found = entries(&archive, Paths::Utf8).unwrap();
        let paths: Vec<&str> = found.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(paths, ["pre/fix/name.txt", "gnu.txt", long.as_str(), long.as_str(), "dir/", "link"]);
        assert_eq!(found[1].2, b"two");
        assert_eq!((found[4].1, found[5].1), (Kind::Dir, Kind::Link));
    }

    #[test]
    fn paths_that_are_not_utf8_are_refused_or_read_lossily() {
        let archive = [entry(b"caf\xe9", b"", b"ustar\0", b'0', b"x"), vec![0u8; 2 * BLOCK]].concat();
        assert!(matches!(entries(&archive, Paths::Utf8), Err(TarError::Format(_))));
        assert_eq!(entries(&archive, Paths::Lossy).unwrap()[0].0, "caf\u{fffd}");
    }

    #[test]
    fn damage_and_oversized_extensions_are_refused() {
        let good = entry(b"a", b"", b"ustar\0", b'0', b"data");
        let mut bad_sum = good.clone();
        bad_sum[0] = b'b';
        assert!(matches!(entries(&bad_sum, Paths::Utf8), Err(TarError::Format("header checksum mismatch"))));
        assert!(matches!(entries(&good[..BLOCK + 2], Paths::Utf8), Err(TarError::Format(_))), "cut inside the data");
        assert!(matches!(entries(&good[..100], Paths::Utf8), Err(TarError::Format(_))), "cut inside the header");
        let huge = header(b"././@LongLink", b"", b"ustar ", b'L', MAX_EXTENSION + 1);
        assert!(matches!(entries(&huge, Paths::Utf8), Err(TarError::ExtensionTooLarge)));
        assert!(entries(&[], Paths::Utf8).unwrap().is_empty(), "an empty stream is an empty archive");
    }

    proptest! {
        #[test]
        fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..3 * BLOCK)) {
            let _ = entries(&bytes, Paths::Utf8);
            let _ = entries(&bytes, Paths::Lossy);
        }

        #[test]
        fn any_file_round_trips(name in "[a-z]{1,90}", data in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let archive = [entry(name.as_bytes(), b"", b"ustar\0", b'0', &data), vec![0u8; 2 * BLOCK]].concat();
            let found = entries(&archive, Paths::Utf8).unwrap();
            prop_assert_eq!(found, vec![(name, Kind::File, data)]);
        }
    }
}
