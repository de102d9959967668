//! Offline vulnerability matching against OSV advisories.
//!
//! The registry imports OSV records (a directory of `*.json` or an `all.zip` dump, see [`archive`]) and
//! asks, for each component of an SBOM: is `(ecosystem, name, version)` affected, what fixes it, and
//! how bad is it? This crate answers that and nothing else.
//!
//! - [`order`]: one version ordering per OSV ecosystem ([`order_for`]).
//! - [`model`]: a lenient serde model of an OSV record ([`parse_advisory`]).
//! - [`matching`]: [`Advisory::affects`], the OSV evaluation algorithm.
//! - [`severity`] and [`cvss`]: the qualitative severity of a record, from CVSS v2/v3/v4 vectors or the
//!   database label.
//! - [`purl`]: from a package URL to the OSV `(ecosystem, name)` pair ([`osv_package`]).
//!
//! Architecture invariant: pure library. No async, no network, no global state; the only I/O is reading
//! an advisory archive or directory in [`archive`]. Every parser here sees untrusted input, so nothing
//! panics on any input (see the fuzz target `osv_advisory`).

pub mod archive;
pub mod cvss;
mod error;
pub mod matching;
pub mod model;
pub mod order;
pub mod purl;
pub mod severity;

pub use archive::read_advisories;
pub use error::OsvError;
pub use matching::Affected;
pub use model::{Advisory, parse_advisory};
pub use order::{VersionOrder, order_for};
pub use purl::osv_package;
pub use severity::Severity;
