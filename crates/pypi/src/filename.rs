//! Distribution filenames: wheels (binary distribution format spec) and sdists (PEP 625 and the
//! legacy `{name}-{version}` spellings), parsed as `packaging.utils.parse_wheel_filename` /
//! `parse_sdist_filename` do, plus the safety checks a server needs before a filename becomes a
//! storage key or a URL path segment.
//!
//! Only `.whl`, `.tar.gz` and `.zip` are accepted: PyPI refuses eggs (PEP 715), `.exe`/`.msi`
//! installers and every other sdist compression (PEP 527) at upload, so a registry that took them
//! would host files no current installer picks.

use crate::error::{PypiError, quote};
use arca_types::{Ecosystem, PackageId, Pep440};

/// Longest filename accepted, in bytes: the usual filesystem limit for one path component.
pub const MAX_FILENAME_LEN: usize = 255;

/// What a distribution file is; the legacy upload's `filetype` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DistKind {
    /// A built distribution (`.whl`), `filetype=bdist_wheel`.
    Wheel,
    /// A source distribution (`.tar.gz` or `.zip`), `filetype=sdist`.
    Sdist,
}

impl DistKind {
    /// The legacy upload form's `filetype` value.
    pub const fn filetype(self) -> &'static str {
        match self {
            Self::Wheel => "bdist_wheel",
            Self::Sdist => "sdist",
        }
    }

    /// The kind a `filetype` value names; `None` for legacy types (`bdist_egg`, `bdist_wininst`…).
    pub fn from_filetype(filetype: &str) -> Option<Self> {
        match filetype {
            "bdist_wheel" => Some(Self::Wheel),
            "sdist" => Some(Self::Sdist),
            _ => None,
        }
    }
}

/// The container format, which decides how [`crate::extract_metadata`] reads the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArchiveFormat {
    /// `.whl` and `.zip` sdists.
    Zip,
    /// `.tar.gz` sdists.
    TarGz,
}

/// A parsed distribution filename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistFilename {
    /// The whole filename, as given.
    pub filename: String,
    /// The project name as spelled in the file (`Arca_Demo`).
    pub project: String,
    /// The PEP 503 normalized name (`arca-demo`).
    pub normalized: String,
    /// The version as spelled in the file (a valid PEP 440 version, not necessarily normalized).
    pub version: String,
    pub kind: DistKind,
    pub archive: ArchiveFormat,
    /// Wheels only: the build tag (`1` in `foo-1.0-1-py3-none-any.whl`).
    pub build_tag: Option<String>,
    /// Wheels only: the python tag (`py3`, `cp311`, `py2.py3`). `None` for sdists.
    pub python_tag: Option<String>,
    /// Wheels only: the ABI tag (`none`, `cp311`, `abi3`).
    pub abi_tag: Option<String>,
    /// Wheels only: the platform tag (`any`, `manylinux_2_17_x86_64`).
    pub platform_tag: Option<String>,
}

impl DistFilename {
    /// Parses a `.whl`, `.tar.gz` or `.zip` filename; anything else, or anything that could be
    /// a path rather than one filename, is refused with the reason.
    pub fn parse(name: &str) -> Result<Self, PypiError> {
        check_safe(name)?;
        if let Some(stem) = name.strip_suffix(".whl") {
            parse_wheel(name, stem)
        } else if let Some(stem) = name.strip_suffix(".tar.gz") {
            parse_sdist(name, stem, ArchiveFormat::TarGz)
        } else if let Some(stem) = name.strip_suffix(".zip") {
            parse_sdist(name, stem, ArchiveFormat::Zip)
        } else {
            Err(unsupported_extension(name))
        }
    }

    /// What twine sends as `pyversion` for this file: the wheel's python tag, or `source`.
    pub fn pyversion(&self) -> &str {
        self.python_tag.as_deref().unwrap_or("source")
    }

    /// The version in PEP 440 normalized form (`1.0.post1` for `1.0-1`).
    pub fn normalized_version(&self) -> String {
        // The version was checked by `parse`; the fallback only guards hand-built values.
        Pep440::parse(&self.version).map_or_else(|_| self.version.clone(), |v| v.to_string())
    }

    /// Whether `other` names the same distribution, spelled perhaps differently: same normalized
    /// project, equal PEP 440 versions, same kind, archive and wheel tags. PEP 740 asks verifiers
    /// to compare attestation subjects this way.
    pub fn same_distribution(&self, other: &Self) -> bool {
        let versions_equal = match (Pep440::parse(&self.version), Pep440::parse(&other.version)) {
            (Ok(a), Ok(b)) => a == b,
            _ => self.version == other.version,
        };
        self.normalized == other.normalized
            && versions_equal
            && (self.kind, self.archive) == (other.kind, other.archive)
            && (&self.build_tag, &self.python_tag, &self.abi_tag, &self.platform_tag)
                == (&other.build_tag, &other.python_tag, &other.abi_tag, &other.platform_tag)
    }
}

/// Refuses what could make a filename a path or a surprise: separators, `..`, NUL and other
/// control characters, whitespace, a leading dot, over-long names. `..` is refused anywhere,
/// even inside a project name where PEP 508 would allow it: no filename needs it, and a
/// storage key or URL built from the name should never contain it.
fn check_safe(name: &str) -> Result<(), PypiError> {
    let reason = if name.is_empty() {
        "the filename is empty"
    } else if name.len() > MAX_FILENAME_LEN {
        "the filename is longer than 255 bytes"
    } else if name.contains(['/', '\\']) {
        "a filename cannot contain '/' or '\\'"
    } else if name.contains("..") {
        "a filename cannot contain '..'"
    } else if name.starts_with('.') {
        "a filename cannot start with '.'"
    } else if name.contains(|c: char| c.is_control()) {
        "a filename cannot contain control characters"
    } else if name.contains(char::is_whitespace) {
        "a filename cannot contain whitespace"
    } else {
        return Ok(());
    };
    Err(PypiError::filename(name, reason))
}

/// Extensions PyPI once took and now refuses, with the reason a user can act on.
const RETIRED: [(&str, &str); 12] = [
    (".egg", "eggs are no longer accepted (PEP 715); upload a wheel"),
    (".exe", "Windows installers are no longer accepted (PEP 527); upload a wheel"),
    (".msi", "Windows installers are no longer accepted (PEP 527); upload a wheel"),
    (".dmg", "macOS disk images are no longer accepted (PEP 527); upload a wheel"),
    (".rpm", "RPMs are no longer accepted (PEP 527); upload a wheel"),
    (".deb", "Debian packages are no longer accepted (PEP 527); upload a wheel"),
    (".tar.bz2", "sdists must be .tar.gz (PEP 527, PEP 625)"),
    (".tar.xz", "sdists must be .tar.gz (PEP 527, PEP 625)"),
    (".tar.zst", "sdists must be .tar.gz (PEP 625)"),
    (".tbz", "sdists must be .tar.gz (PEP 527, PEP 625)"),
    (".tgz", "sdists must be .tar.gz (PEP 527, PEP 625)"),
    (".tar", "sdists must be .tar.gz (PEP 527, PEP 625)"),
];

fn unsupported_extension(name: &str) -> PypiError {
    let lower = name.to_ascii_lowercase();
    let reason = RETIRED
        .iter()
        .find(|(ext, _)| lower.ends_with(ext))
        .map_or("use .whl, .tar.gz or .zip (lower case)", |(_, reason)| reason);
    PypiError::UnsupportedExtension { filename: quote(name), reason: reason.to_owned() }
}

/// `{name}-{ver}(-{build})?-{py}-{abi}-{plat}.whl`, where the name has `_` for `-`.
fn parse_wheel(filename: &str, stem: &str) -> Result<DistFilename, PypiError> {
    let parts: Vec<&str> = stem.split('-').collect();
    let (name, version, build, tags) = match parts.as_slice() {
        [name, version, py, abi, plat] => (*name, *version, None, [*py, *abi, *plat]),
        [name, version, build, py, abi, plat] => (*name, *version, Some(*build), [*py, *abi, *plat]),
        _ => {
            return Err(PypiError::filename(
                filename,
                "a wheel is named {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl",
            ));
        }
    };
    // packaging refuses `__` too: the name would not survive normalization and escaping.
    if name.contains("__") {
        return Err(PypiError::filename(filename, "a wheel's project name cannot contain '__'"));
    }
    let normalized = normalize_project(filename, name)?;
    check_version(filename, version)?;
    if let Some(build) = build
        && !build.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(PypiError::filename(filename, "a wheel's build tag must start with a digit"));
    }
    if build.is_some_and(|b| !b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')) {
        return Err(PypiError::filename(filename, "a wheel's build tag is ASCII letters, digits, '_' and '.'"));
    }
    if !tags.iter().enumerate().all(|(i, tag)| is_tag_set(tag, i == 0)) {
        return Err(PypiError::filename(
            filename,
            "wheel tags are '.'-separated ASCII letters, digits and '_', python tags not starting with a digit",
        ));
    }
    let [python, abi, platform] = tags.map(|t| Some(t.to_owned()));
    Ok(DistFilename {
        filename: filename.to_owned(),
        project: name.to_owned(),
        normalized,
        version: version.to_owned(),
        kind: DistKind::Wheel,
        archive: ArchiveFormat::Zip,
        build_tag: build.map(str::to_owned),
        python_tag: python,
        abi_tag: abi,
        platform_tag: platform,
    })
}

/// A (compressed) tag set: `.`-separated non-empty tags of ASCII letters, digits and `_`; python
/// tags are identifiers (packaging's `parse_tag` since 26.3 refuses `cp3.11` and `py3.`).
fn is_tag_set(set: &str, python: bool) -> bool {
    set.split('.').all(|tag| {
        !tag.is_empty()
            && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !(python && tag.starts_with(|c: char| c.is_ascii_digit()))
    })
}

/// `{name}-{version}.tar.gz|.zip`: the version is what follows the last `-` (as packaging's
/// `parse_sdist_filename`), so legacy names with dashes (`python-dateutil-2.8.2.tar.gz`) parse.
fn parse_sdist(filename: &str, stem: &str, archive: ArchiveFormat) -> Result<DistFilename, PypiError> {
    let Some((name, version)) = stem.rsplit_once('-') else {
        return Err(PypiError::filename(filename, "an sdist is named {name}-{version}.tar.gz"));
    };
    let normalized = normalize_project(filename, name)?;
    check_version(filename, version)?;
    Ok(DistFilename {
        filename: filename.to_owned(),
        project: name.to_owned(),
        normalized,
        version: version.to_owned(),
        kind: DistKind::Sdist,
        archive,
        build_tag: None,
        python_tag: None,
        abi_tag: None,
        platform_tag: None,
    })
}

fn normalize_project(filename: &str, name: &str) -> Result<String, PypiError> {
    PackageId::parse(Ecosystem::Pypi, name)
        .map(|id| id.normalized().to_owned())
        .map_err(|e| PypiError::filename(filename, format!("project name: {e}")))
}

fn check_version(filename: &str, version: &str) -> Result<(), PypiError> {
    Pep440::parse(version).map(drop).map_err(|e| PypiError::filename(filename, format!("version: {e}")))
}
