//! The conformance suite every storage implementation must pass.
//!
//! An implementation's integration test calls [`blob::run_all`] or [`meta::run_all`] with a factory
//! that makes a fresh, empty store; each check panics with a message naming what broke.

pub mod blob;
pub mod meta;
