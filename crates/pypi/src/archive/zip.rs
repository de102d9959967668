//! Wheels and `.zip` sdists.

use super::{Limits, is_top_level_pkg_info, read_bounded};
use crate::error::{PypiError, quote};
use crate::filename::DistFilename;
use arca_types::{Ecosystem, PackageId, Pep440};
use std::collections::BTreeSet;
use std::io::{BufReader, Read, Seek};
use zip::ZipArchive;
use zip::result::ZipError;

type Archive<R> = ZipArchive<BufReader<R>>;

pub(super) fn wheel_metadata<R: Read + Seek>(
    file: &DistFilename,
    reader: R,
    limits: &Limits,
) -> Result<Vec<u8>, PypiError> {
    let mut zip = open(reader, limits)?;
    let names = names(&zip)?;
    let dirs: BTreeSet<&str> = names
        .iter()
        .filter_map(|name| name.split_once('/').map(|(top, _)| top))
        .filter(|top| top.ends_with(".dist-info"))
        .collect();
    let dir = match dirs.iter().collect::<Vec<_>>().as_slice() {
        [] => return Err(PypiError::MissingMetadata("the wheel has no .dist-info directory".into())),
        [dir] => **dir,
        [a, b, ..] => {
            return Err(PypiError::MissingMetadata(format!(
                "the wheel has several .dist-info directories ({}, {}{})",
                quote(a),
                quote(b),
                if dirs.len() > 2 { ", ..." } else { "" }
            )));
        }
    };
    if !dist_info_matches(dir, file) {
        return Err(PypiError::Mismatch(format!(
            "the wheel's metadata directory {} does not match the filename {}",
            quote(dir),
            quote(&file.filename)
        )));
    }
    read_entry(&mut zip, &format!("{dir}/METADATA"), limits)
}

pub(super) fn sdist_metadata<R: Read + Seek>(reader: R, limits: &Limits) -> Result<Vec<u8>, PypiError> {
    let mut zip = open(reader, limits)?;
    let names = names(&zip)?;
    let found: Vec<&String> = names.iter().filter(|name| is_top_level_pkg_info(name.as_bytes())).collect();
    match found.as_slice() {
        [] => Err(PypiError::MissingMetadata("the sdist has no PKG-INFO in its top-level directory".into())),
        [path] => read_entry(&mut zip, path, limits),
        [a, b, ..] => Err(PypiError::MissingMetadata(format!(
            "the sdist has several PKG-INFO files ({}, {})",
            quote(a),
            quote(b)
        ))),
    }
}

fn open<R: Read + Seek>(reader: R, limits: &Limits) -> Result<Archive<R>, PypiError> {
    let zip = ZipArchive::new(BufReader::new(reader)).map_err(|e| invalid("not a readable zip archive", &e))?;
    if zip.len() > limits.max_archive_entries {
        return Err(PypiError::ArchiveLimit(format!(
            "the archive has {} entries, more than the {} allowed",
            zip.len(),
            limits.max_archive_entries
        )));
    }
    Ok(zip)
}

fn names<R: Read + Seek>(zip: &Archive<R>) -> Result<Vec<String>, PypiError> {
    zip.file_names()
        .map(|name| name.map(|n| n.into_owned()).map_err(|e| invalid("unreadable entry name", &e)))
        .collect()
}

/// `<name>-<version>.dist-info` naming the file's project and version. The directory's name
/// is split at each `-` in turn, so a version spelled with a dash (`1.0-1`) still matches.
fn dist_info_matches(dir: &str, file: &DistFilename) -> bool {
    let Some(stem) = dir.strip_suffix(".dist-info") else { return false };
    let Ok(version) = Pep440::parse(&file.version) else { return false };
    stem.match_indices('-').any(|(at, _)| {
        let (name, dir_version) = (&stem[..at], &stem[at + 1..]);
        PackageId::parse(Ecosystem::Pypi, name).is_ok_and(|id| id.normalized() == file.normalized)
            && Pep440::parse(dir_version).is_ok_and(|v| v == version)
    })
}

fn read_entry<R: Read + Seek>(zip: &mut Archive<R>, path: &str, limits: &Limits) -> Result<Vec<u8>, PypiError> {
    let Some(index) = zip.index_for_name(path) else {
        return Err(PypiError::MissingMetadata(format!("the archive has no {}", quote(path))));
    };
    let entry = zip.by_index(index).map_err(|e| invalid(&format!("cannot open {}", quote(path)), &e))?;
    if entry.is_dir() || entry.is_symlink() {
        return Err(PypiError::InvalidArchive(format!("{} is not a regular file", quote(path))));
    }
    let declared = entry.size();
    read_bounded(entry, declared, limits.max_metadata_bytes, &quote(path))
}

fn invalid(context: &str, e: &ZipError) -> PypiError {
    PypiError::InvalidArchive(format!("{context}: {e}"))
}
