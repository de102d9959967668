//! Pure value types shared by every arca crate.
//!
//! Architecture invariant: this crate does no I/O and depends on nothing that does. Every parser here
//! sees untrusted input (request paths, headers, manifest fields), so each has property tests and a
//! fuzz target (`fuzz/`).

pub mod calendar;
mod digest;
pub mod media;
mod name;
pub mod package;
mod query;
mod range;
mod reference;
pub mod verdict;
pub mod version;

pub use digest::{Digest, DigestAlgorithm, DigestError};
pub use name::{NameError, OciName, PackageName, RepoName};
pub use package::{Ecosystem, PackageId, PackageIdError};
pub use query::QueryParams;
pub use range::{ByteRange, RangeError, RangeSpec};
pub use reference::{Reference, ReferenceError, Tag};
pub use verdict::Verdict;
pub use version::{Lexical, MavenVersion, Pep440, PushTime, Pushed, SemVer, VersionError, VersionScheme};
