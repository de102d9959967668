//! Supply-chain trust for arca: cosign-compatible keys and signatures, DSSE envelopes, in-toto
//! statements, SLSA provenance and Sigstore bundles — signing and offline verification.
//!
//! Every verifier returns [`arca_types::Verdict`], so the registry stores, caches and explains the
//! outcome the same way whatever produced the signature. The crate is pure: no async, no I/O, no
//! network — keyless (Fulcio/Rekor) material is recognised and reported as
//! `KeylessNotVerifiable`, never half-checked.
//!
//! Two rules hold throughout, because they are where real verifiers went wrong:
//! - signatures are checked over the **exact bytes** received, and claims are parsed from those
//!   same bytes, never from a re-serialisation;
//! - parsers of untrusted input never panic (they are fuzzed: `fuzz/fuzz_targets/signatures.rs`).
//!
//! Modules: [`keys`] (PEM keys, fingerprints, cosign's encrypted key file), [`simple_signing`]
//! (legacy `.sig`), [`dsse`], [`intoto`], [`slsa`], [`bundle`] (Sigstore bundle v0.1–v0.3) and
//! [`cosign`] (constants and the v3 sign statement).

pub mod bundle;
pub mod cosign;
mod der;
pub mod dsse;
pub mod encoding;
mod encrypted;
pub mod intoto;
pub mod keys;
pub mod simple_signing;
pub mod slsa;

pub use bundle::{Bundle, BundleOutcome};
pub use dsse::Envelope;
pub use intoto::Statement;
pub use keys::{KeyAlgorithm, KeyError, PublicKey, SigningKey};
pub use slsa::Provenance;
