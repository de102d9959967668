//! What a published tarball holds, read once as it streams: its `package.json`, the number of
//! files and their total size (the `dist.fileCount` and `dist.unpackedSize` npm shows), and whether
//! it ships `npm-shrinkwrap.json` (`_hasShrinkwrap` in the packument).
//!
//! npm packs everything under `package/` and extracts with the first path component stripped,
//! whatever it is, so the package.json is the one under the first entry's top directory. Entries
//! that would escape that directory (`..`, absolute paths) are refused: a registry has no reason to
//! serve an archive that only a careful extractor can unpack safely. Links are not files: they are
//! neither counted nor followed (npm's extraction drops them too).

use crate::{NpmError, PublishRequest};
use arca_tar::{Entry, Kind, Paths, TarError, TarReader};
use flate2::read::GzDecoder;
use serde_json::Value;
use std::io::{self, Read};

/// Bounds on what one tarball may unpack to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TarballLimits {
    pub max_package_json: u64,
    pub max_entries: u64,
    /// Total data of all entries once gunzipped.
    pub max_unpacked: u64,
}

impl Default for TarballLimits {
    fn default() -> Self {
        Self { max_package_json: 1 << 20, max_entries: 100_000, max_unpacked: 4 << 30 }
    }
}

/// What [`inspect_tarball`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct TarballInfo {
    pub package_json: Value,
    /// Regular files.
    pub file_count: u64,
    /// Bytes of the regular files.
    pub unpacked_size: u64,
    /// `<top>/npm-shrinkwrap.json` is one of the files.
    pub has_shrinkwrap: bool,
}

/// Reads a gzip-compressed npm tarball to its end, within `limits`.
pub fn inspect_tarball<R: Read>(gz: R, limits: &TarballLimits) -> Result<TarballInfo, NpmError> {
    let mut reader = TarReader::new(GzDecoder::new(gz), Paths::Lossy);
    let mut scan = Scan::new(limits);
    while let Some(entry) = reader.next_entry().map_err(tar_error)? {
        scan.entry(&entry, &mut reader)?;
    }
    drain(reader.into_inner(), limits.max_unpacked)?;
    scan.finish()
}

/// Reads what follows the end-of-archive blocks, so that the gzip trailer (CRC and length) is
/// checked, without letting that tail be unbounded.
fn drain<R: Read>(rest: R, max: u64) -> Result<(), NpmError> {
    let read = io::copy(&mut rest.take(max.saturating_add(1)), &mut io::sink())
        .map_err(|e| NpmError::InvalidTarball(e.to_string()))?;
    if read > max { Err(NpmError::TarballTooLarge("unpacked size")) } else { Ok(()) }
}

fn tar_error(e: TarError) -> NpmError {
    match e {
        TarError::Io(e) => NpmError::InvalidTarball(e.to_string()),
        TarError::Format(reason) => NpmError::InvalidTarball(reason.to_owned()),
        TarError::ExtensionTooLarge => NpmError::TarballTooLarge("extended header"),
    }
}

/// The running totals of one archive.
struct Scan<'a> {
    limits: &'a TarballLimits,
    top: Option<String>,
    entries: u64,
    streamed: u64,
    file_count: u64,
    unpacked_size: u64,
    package_json: Option<Value>,
    has_shrinkwrap: bool,
}

impl<'a> Scan<'a> {
    fn new(limits: &'a TarballLimits) -> Self {
        Self {
            limits,
            top: None,
            entries: 0,
            streamed: 0,
            file_count: 0,
            unpacked_size: 0,
            package_json: None,
            has_shrinkwrap: false,
        }
    }

    fn entry<R: Read>(&mut self, entry: &Entry, reader: &mut TarReader<R>) -> Result<(), NpmError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(NpmError::TarballTooLarge("number of entries"));
        }
        // Every entry's data passes through the decompressor, whatever its type.
        self.streamed = self.streamed.saturating_add(entry.size);
        if self.streamed > self.limits.max_unpacked {
            return Err(NpmError::TarballTooLarge("unpacked size"));
        }
        let components = safe_components(&entry.path)?;
        let top = self.top.get_or_insert_with(|| components.first().cloned().unwrap_or_default());
        let relative = match components.split_first() {
            Some((first, rest)) if first == top => rest.join("/"),
            _ => String::new(),
        };
        if entry.kind != Kind::File {
            return reader.skip(entry.size).map_err(tar_error);
        }
        self.file_count += 1;
        self.unpacked_size += entry.size;
        self.has_shrinkwrap |= relative == "npm-shrinkwrap.json";
        if relative == "package.json" {
            return self.read_package_json(entry, reader);
        }
        reader.skip(entry.size).map_err(tar_error)
    }

    fn read_package_json<R: Read>(&mut self, entry: &Entry, reader: &mut TarReader<R>) -> Result<(), NpmError> {
        if self.package_json.is_some() {
            return Err(NpmError::InvalidPackageJson("the tarball has two".to_owned()));
        }
        if entry.size > self.limits.max_package_json {
            return Err(NpmError::InvalidPackageJson(format!("larger than {} bytes", self.limits.max_package_json)));
        }
        let bytes = reader.read_data(entry.size).map_err(tar_error)?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| NpmError::InvalidPackageJson(e.to_string()))?;
        if !value.is_object() {
            return Err(NpmError::InvalidPackageJson("not a JSON object".to_owned()));
        }
        self.package_json = Some(value);
        Ok(())
    }

    fn finish(self) -> Result<TarballInfo, NpmError> {
        Ok(TarballInfo {
            package_json: self.package_json.ok_or(NpmError::MissingPackageJson)?,
            file_count: self.file_count,
            unpacked_size: self.unpacked_size,
            has_shrinkwrap: self.has_shrinkwrap,
        })
    }
}

/// The path's components without `.`; refuses absolute paths, drive letters and `..`, with `\`
/// taken as a separator too (it is one where the package may be unpacked).
fn safe_components(path: &str) -> Result<Vec<String>, NpmError> {
    let unsafe_path = || NpmError::UnsafePath(path.chars().take(200).collect());
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if path.starts_with(['/', '\\']) || drive {
        return Err(unsafe_path());
    }
    let mut out = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return Err(unsafe_path()),
            _ => out.push(part.to_owned()),
        }
    }
    Ok(out)
}

/// The tarball's package.json names the package and version being published. npm cleans the
/// version it sends (`semver.clean`: no `v`/`=` prefix, no surrounding whitespace) but packs
/// package.json as written, so the tarball's version is compared cleaned.
pub fn check_tarball_agrees(req: &PublishRequest, info: &TarballInfo) -> Result<(), NpmError> {
    let field = |name: &str| info.package_json.get(name).and_then(Value::as_str).unwrap_or_default().trim().to_owned();
    let name = field("name");
    if name != req.name {
        return Err(NpmError::TarballMismatch { field: "name", expected: req.name.clone(), found: name });
    }
    let version = field("version");
    if version.trim_start_matches(['=', 'v']).trim() != req.version {
        return Err(NpmError::TarballMismatch { field: "version", expected: req.version.clone(), found: version });
    }
    Ok(())
}
