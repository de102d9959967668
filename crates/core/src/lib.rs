//! arca's domain: use cases over ports.
//!
//! Architecture invariant: this crate knows nothing of HTTP, SQL or object stores. It reaches storage
//! only through the traits in [`blob`] and [`meta`]; protocol crates call the use cases here and never
//! a storage crate.

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod blob;
pub mod clock;
pub mod error;
pub mod hasher;
pub mod jobs;
pub mod manifest;
pub mod meta;
pub mod observe;
pub mod promotion;
pub mod provenance;
pub mod registry;
pub mod retention;
pub mod sli;
pub mod time;
pub mod traffic;

pub use error::{Error, ErrorKind, Result};

/// Current time in milliseconds since the Unix epoch, by the system clock: for the CLI and stores.
/// Use cases read their [`clock::Clock`] instead.
pub fn now_millis() -> meta::Millis {
    use clock::Clock;
    clock::SystemClock.now()
}
