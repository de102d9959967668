//! What a published `.crate` holds, read once as it streams: the `Cargo.toml` cargo normalized into
//! it, the number and total size of its files, whether it has a readme, a `Cargo.lock` and VCS
//! information.
//!
//! cargo packs everything under `<name>-<version>/` and, when it unpacks a download, refuses an
//! entry outside that directory. A registry has no reason to store an archive that only a careful
//! extractor can unpack safely, so every entry must be a regular file or directory under that
//! root, with a relative path that never climbs (`..`) and appears once. Links are refused
//! outright, as crates.io does: cargo never packs them (it follows symlinks), and a link is how
//! an archive writes outside the directory it is unpacked into.

mod manifest;

use crate::CargoError;
use crate::error::quote;
use arca_tar::{Entry, Kind, Paths, TarError, TarReader};
use flate2::read::GzDecoder;
use std::collections::HashSet;
use std::io::{self, Read};

pub use manifest::VcsInfo;

/// Longest entry path accepted, in bytes (tar's own limit without extensions is 255).
const MAX_PATH: usize = 4096;
/// Largest `.cargo_vcs_info.json` read (cargo writes a hundred bytes).
const MAX_VCS_INFO: u64 = 64 << 10;

/// Bounds on what one `.crate` may unpack to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrateLimits {
    /// Entries of any kind.
    pub max_entries: u64,
    /// Total data of all entries once gunzipped (crates.io's default is 512 MiB).
    pub max_unpacked: u64,
    /// The normalized `Cargo.toml` (large for crates with thousands of features).
    pub max_manifest: u64,
}

impl Default for CrateLimits {
    fn default() -> Self {
        Self { max_entries: 100_000, max_unpacked: 512 << 20, max_manifest: 4 << 20 }
    }
}

/// What [`inspect_crate`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateInfo {
    /// The normalized `Cargo.toml`, as packed.
    pub manifest: String,
    /// Regular files.
    pub file_count: u64,
    /// Bytes of the regular files.
    pub unpacked_size: u64,
    /// The readme `Cargo.toml` names (`package.readme`), relative to the crate's directory, when
    /// the archive has it.
    pub readme: Option<String>,
    /// The archive has `Cargo.lock` (cargo packs it for every crate since 1.84, for binaries before).
    pub has_cargo_lock: bool,
    /// `.cargo_vcs_info.json`, which cargo writes when packaging from a clean git checkout.
    pub vcs: Option<VcsInfo>,
}

/// Reads a gzip-compressed `.crate` to its end, within `limits`, and checks it is the package
/// `name` `vers` of the publish metadata: everything under `<name>-<vers>/`, whose `Cargo.toml`
/// names that package and version.
pub fn inspect_crate<R: Read>(gz: R, name: &str, vers: &str, limits: &CrateLimits) -> Result<CrateInfo, CargoError> {
    let mut reader = TarReader::new(GzDecoder::new(gz), Paths::Utf8);
    let mut scan = Scan::new(format!("{name}-{vers}"), limits);
    while let Some(entry) = reader.next_entry().map_err(tar_error)? {
        scan.entry(&entry, &mut reader)?;
    }
    drain(reader.into_inner(), limits)?;
    scan.finish(name, vers)
}

/// Reads what follows the end-of-archive blocks, so that the gzip trailer (CRC and length) is
/// checked, without letting that tail be unbounded.
fn drain<R: Read>(rest: R, limits: &CrateLimits) -> Result<(), CargoError> {
    let max = limits.max_unpacked;
    let read = io::copy(&mut rest.take(max.saturating_add(1)), &mut io::sink()).map_err(io_error)?;
    if read > max { Err(CargoError::CrateLimit { what: "unpacked bytes", max }) } else { Ok(()) }
}

fn io_error(e: io::Error) -> CargoError {
    let reason = match e.kind() {
        io::ErrorKind::UnexpectedEof => "the archive is cut short".to_owned(),
        _ => e.to_string(),
    };
    CargoError::InvalidCrate(reason)
}

fn tar_error(e: TarError) -> CargoError {
    match e {
        TarError::Io(e) => io_error(e),
        TarError::Format(reason) => CargoError::InvalidCrate(reason.to_owned()),
        TarError::ExtensionTooLarge => CargoError::InvalidCrate("an extended header is larger than 1 MiB".to_owned()),
    }
}

/// The running totals of one archive.
struct Scan<'a> {
    root: String,
    limits: &'a CrateLimits,
    entries: u64,
    streamed: u64,
    file_count: u64,
    unpacked_size: u64,
    paths: HashSet<String>,
    manifest: Option<String>,
    vcs: Option<VcsInfo>,
}

impl<'a> Scan<'a> {
    fn new(root: String, limits: &'a CrateLimits) -> Self {
        Self {
            root,
            limits,
            entries: 0,
            streamed: 0,
            file_count: 0,
            unpacked_size: 0,
            paths: HashSet::new(),
            manifest: None,
            vcs: None,
        }
    }

    fn entry<R: Read>(&mut self, entry: &Entry, reader: &mut TarReader<R>) -> Result<(), CargoError> {
        self.count(entry)?;
        let relative = self.relative_path(&entry.path)?;
        match entry.kind {
            Kind::Dir => return reader.skip(entry.size).map_err(tar_error),
            Kind::Link => return Err(CargoError::unsafe_entry(&entry.path, "is a link; cargo never packs links")),
            Kind::Other => return Err(CargoError::unsafe_entry(&entry.path, "is not a regular file or directory")),
            Kind::File => {}
        }
        if relative.is_empty() {
            return Err(CargoError::unsafe_entry(&entry.path, "is a file in place of the crate's directory"));
        }
        if !self.paths.insert(relative.clone()) {
            return Err(CargoError::unsafe_entry(&entry.path, "appears twice"));
        }
        self.file_count += 1;
        self.unpacked_size += entry.size;
        match relative.as_str() {
            "Cargo.toml" => self.read_manifest(entry, reader),
            ".cargo_vcs_info.json" if entry.size <= MAX_VCS_INFO => {
                let bytes = reader.read_data(entry.size).map_err(tar_error)?;
                self.vcs = VcsInfo::parse(&bytes);
                Ok(())
            }
            ".cargo-ok" => Err(CargoError::unsafe_entry(&entry.path, "is the marker cargo writes when it unpacks")),
            other if other.eq_ignore_ascii_case("Cargo.toml") => {
                Err(CargoError::unsafe_entry(&entry.path, "would replace Cargo.toml on a case-insensitive file system"))
            }
            _ => reader.skip(entry.size).map_err(tar_error),
        }
    }

    /// Counts the entry against the limits before any of its data is read: every entry's data
    /// passes through the decompressor, whatever its type.
    fn count(&mut self, entry: &Entry) -> Result<(), CargoError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(CargoError::CrateLimit { what: "entries", max: self.limits.max_entries });
        }
        self.streamed = self.streamed.saturating_add(entry.size);
        if self.streamed > self.limits.max_unpacked {
            return Err(CargoError::CrateLimit { what: "unpacked bytes", max: self.limits.max_unpacked });
        }
        Ok(())
    }

    /// The path under the crate's directory (empty for the directory itself); refuses absolute
    /// paths, drive letters, `..` (with `\` taken as a separator too: it is one where the crate
    /// may be unpacked) and anything outside the root.
    fn relative_path(&self, path: &str) -> Result<String, CargoError> {
        if path.len() > MAX_PATH {
            return Err(CargoError::unsafe_entry(path, "has a path longer than 4096 bytes"));
        }
        let bytes = path.as_bytes();
        let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
        if path.starts_with(['/', '\\']) || drive {
            return Err(CargoError::unsafe_entry(path, "has an absolute path"));
        }
        let mut parts = Vec::new();
        for part in path.split(['/', '\\']) {
            match part {
                "" | "." => {}
                ".." => return Err(CargoError::unsafe_entry(path, "climbs out of its directory with `..`")),
                _ => parts.push(part),
            }
        }
        match parts.split_first() {
            Some((first, rest)) if *first == self.root => Ok(rest.join("/")),
            _ => Err(CargoError::UnsafeEntry {
                path: quote(path),
                reason: format!(
                    "is not under {}: the publish metadata names that package",
                    quote(&format!("{}/", self.root))
                ),
            }),
        }
    }

    fn read_manifest<R: Read>(&mut self, entry: &Entry, reader: &mut TarReader<R>) -> Result<(), CargoError> {
        if entry.size > self.limits.max_manifest {
            return Err(CargoError::CrateLimit { what: "the size of Cargo.toml", max: self.limits.max_manifest });
        }
        let bytes = reader.read_data(entry.size).map_err(tar_error)?;
        let text = String::from_utf8(bytes).map_err(|_| CargoError::InvalidManifest("it is not UTF-8".to_owned()))?;
        self.manifest = Some(text);
        Ok(())
    }

    fn finish(self, name: &str, vers: &str) -> Result<CrateInfo, CargoError> {
        let manifest =
            self.manifest.ok_or_else(|| CargoError::MissingManifest(quote(&format!("{}/Cargo.toml", self.root))))?;
        let package = manifest::Package::parse(&manifest)?;
        package.check_agrees(name, vers)?;
        let readme = package.readme.filter(|path| self.paths.contains(path.trim_start_matches("./")));
        Ok(CrateInfo {
            has_cargo_lock: self.paths.contains("Cargo.lock"),
            manifest,
            file_count: self.file_count,
            unpacked_size: self.unpacked_size,
            readme,
            vcs: self.vcs,
        })
    }
}
