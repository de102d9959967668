//! npm's formats, pure: no async, no network, no filesystem (a tarball is read through a given
//! `Read`). The protocol crate `proto-npm` parses requests with this crate and answers with what
//! it renders; the storage use cases keep what it extracts.
//!
//! - [`publish`]: the `npm publish` body read incrementally ([`PublishParser`]), checked
//!   ([`PublishRequest`]), and told apart from deprecations and unpublishes ([`DocKind`]).
//! - [`tarball`]: what a published tarball holds ([`inspect_tarball`]); [`integrity`]: `dist`
//!   digests.
//! - [`packument`]: the full and abbreviated documents from stored versions.
//! - [`signing`]: registry signatures and the keys document.
//! - [`audit`], [`login`], [`search`]: the smaller endpoints' bodies.
//!
//! Every parser of client input is bounded, property-tested and fuzzed (`fuzz/fuzz_targets/npm_*`).

pub mod audit;
mod error;
pub mod integrity;
pub mod login;
pub mod packument;
pub mod publish;
mod range;
pub mod search;
pub mod signing;
pub mod tarball;

pub use audit::{BulkAdvisory, BulkRequest, Cvss, OsvEvent, Severity, osv_range_to_npm, render_bulk};
pub use error::{NpmError, error_body};
pub use integrity::{TarballDigests, TarballHasher, parse_shasum, parse_sri, shasum_hex, sri_sha512};
pub use login::CouchUser;
pub use packument::{
    Packument, StoredVersion, readme_of, render_abbreviated, render_full, sanitize_manifest, tarball_file_name,
    tarball_path, wants_abbreviated,
};
pub use publish::{
    AttachmentMeta, DocKind, PublishDoc, PublishEvent, PublishLimits, PublishParser, PublishRequest, deprecations,
    validate_dist_tag,
};
pub use range::is_semver_range;
pub use search::{SearchHit, SearchQuery, render_search};
pub use signing::{RegistryKey, keys_document};
pub use tarball::{TarballInfo, TarballLimits, check_tarball_agrees, inspect_tarball};

/// The body of `PUT /-/package/<name>/dist-tags/<tag>`: a JSON string, the version to tag.
pub fn parse_dist_tag_body(body: &[u8]) -> Result<String, NpmError> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::String(v)) if !v.is_empty() && v.len() <= 256 => Ok(v),
        _ => Err(NpmError::InvalidRequest("a dist-tag body is the version as a JSON string".to_owned())),
    }
}
