//! Which registry the checks run against.
//!
//! - `ARCA_CONFORMANCE_REGISTRY=host:port` (plain HTTP): any running registry
//!   ([`external`]);
//! - unset: the integration tests start arca in-process (`arca_server::testing`), a
//!   dev-dependency, so this library stays independent of arca's crates.

use crate::client::Registry;
use crate::encode::random_suffix;
use crate::settings::Settings;

/// The environment variable naming an external registry.
pub const REGISTRY_ENV: &str = "ARCA_CONFORMANCE_REGISTRY";

/// The registry named by `ARCA_CONFORMANCE_REGISTRY`, if set.
pub fn external() -> Option<Registry> {
    let host = std::env::var(REGISTRY_ENV).ok()?;
    let host = host.trim();
    (!host.is_empty()).then(|| Registry::new(host, Settings::from_env(), None))
}

/// A fresh repository name for one test: `conformance/<test>-<random>`.
///
/// arca names have at least two components: the first (`conformance`) is the arca
/// repository, auto-created on first push.
pub fn unique_repo(test: &str) -> String {
    let clean: String =
        test.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("conformance/{}-{}", clean.trim_matches('-'), random_suffix())
}
