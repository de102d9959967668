//! Cargo's registry formats, pure: no async, no network, no filesystem (a `.crate` is read through
//! a given `Read`). The protocol crate `proto-cargo` parses requests with this crate and answers
//! with what it renders; the storage use cases keep what it extracts.
//!
//! - [`publish`]: the `cargo publish` body read incrementally ([`PublishParser`]): the metadata
//!   ([`NewCrate`], checked), then the `.crate` passed through, counted and hashed.
//! - [`crate_file`]: what a `.crate` holds, and whether it is the package published
//!   ([`inspect_crate`]).
//! - [`index`]: index lines ([`IndexLine`]), index files with the yanked overlay, index paths and
//!   `config.json`.
//! - [`keys`]: when two names are one crate and two versions one version.
//! - [`api`]: the web API's bodies (publish warnings, yank, owners, search); refusals are
//!   [`error_body`].
//!
//! Every parser of client input is bounded, property-tested and fuzzed (`fuzz/fuzz_targets/cargo_*`).

pub mod api;
pub mod crate_file;
mod error;
pub mod index;
pub mod keys;
pub mod metadata;
pub mod publish;

pub use api::{
    Owner, PublishWarnings, SearchHit, SearchQuery, ok_body, owners_body, owners_ok_body, parse_owners_request,
    publish_ok_body, search_body,
};
pub use crate_file::{CrateInfo, CrateLimits, VcsInfo, inspect_crate};
pub use error::{BodyPart, CargoError, ErrorKind, error_body};
pub use index::{IndexConfig, IndexDep, IndexLine, Pubtime, index_path, parse_index_path, render_index_file};
pub use keys::{crate_key, version_key};
pub use metadata::{DepKind, NewCrate, NewCrateDep, validate_version_req};
pub use publish::{PublishEvent, PublishLimits, PublishParser, PublishedCrate, parse_publish_body, publish_body};

/// The file name cargo gives a package: `<name>-<version>.crate`.
pub fn crate_file_name(name: &str, vers: &str) -> String {
    format!("{name}-{vers}.crate")
}
