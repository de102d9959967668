//! Verification of Notary Project (notation) signatures — JWS and COSE envelopes — against X.509
//! trust stores and a notation-format `trustpolicy.json`.
//!
//! Pure: no async, no I/O, no clock. The caller passes the envelope bytes (the single layer of a
//! `application/vnd.cncf.notary.signature` referrer), the subject descriptor, the repository, the
//! parsed policy, the trust-store certificates and the time. Specs followed:
//! `notaryproject/specifications` `signature-specification.md`, `signature-envelope-jws.md`,
//! `signature-envelope-cose.md`, `trust-store-trust-policy.md`.
//!
//! # Outcomes ([`Verdict`])
//!
//! | Situation | Verdict |
//! |---|---|
//! | everything checks out | `Valid { signer }` — leaf subject DN, `C=US, ST=WA, O=…, CN=…` |
//! | malformed envelope, bad signature, alg ≠ leaf key, digest/size/media type mismatch, `crit` missing or unknown, expired signature (`io.cncf.notary.expiry`), expired / not-yet-valid certificate, missing code-signing EKU, broken chain, certificate requirements unmet | `Invalid { reason }` naming which |
//! | chain sound but reaching no certificate of the policy's `ca:` stores; leaf subject not in `trustedIdentities`; no trust policy applies to the repository | `UntrustedKey { signer }` |
//! | unknown envelope media type, unknown `alg`, ES512 (ring has no P-521), signing scheme `notary.x509.signingAuthority`, a required verification plugin | `Unsupported { reason }` |
//! | the applicable policy has level `skip` | `Unsupported { reason: "verification skipped: …" }` — the envelope is not even parsed, and a gate never counts it as signed |
//!
//! # Verification levels
//!
//! The verdict is what `strict` would decide: the first failing check, or `Valid`.
//! `permissive` and `audit` (and `override`s) only say which failures notation would merely *log*;
//! arca reports, and enforcement is the caller's: it can read the level with
//! [`TrustPolicy::policy_for`] and [`PolicyEntry::action`]. This keeps a cached verdict independent
//! of how a policy chooses to enforce it.
//!
//! # Not implemented (documented limits)
//!
//! - RFC 3161 timestamp countersignatures (`io.cncf.notary.timestampSignature`) are ignored, so the
//!   chain must be valid at `now` — exactly notation's rule when no timestamp is present. `tsa:`
//!   stores parse but are unused.
//! - Revocation (OCSP/CRL) is not checked (arca is offline); treat it as `revocation: skip`.
//! - Verification plugins: an envelope naming `io.cncf.notary.verificationPlugin` is `Unsupported`
//!   (notation fails such a signature when the plugin is not installed; arca runs no plugins).
//! - Payload `annotations` are not compared with user-required annotations.
//!
//! # Dependencies, and why these
//!
//! - `ring` (workspace) verifies envelope signatures: RSA-PSS and ECDSA in the raw r‖s form
//!   JOSE/COSE use (`*_FIXED`).
//! - `rustls-webpki` + `rustls-pki-types` (already in the lock through rustls, on the same ring)
//!   build the chain to a trust anchor at a given time with a required EKU (code signing), as
//!   sigstore-rs does; pki-types also parses PEM bundles.
//! - A small strict DER reader (`der.rs`, `x509.rs`, ~250 lines without tests) extracts what webpki does not expose
//!   (subject DN, key type/size, key usage, basic constraints) instead of `x509-parser` (nom,
//!   asn1-rs, der-parser, oid-registry, …) or `x509-cert` (the RustCrypto `der` stack).
//! - A ~150-line strict, bounded CBOR reader (`cbor.rs`) for COSE_Sign1 instead of `coset` +
//!   `ciborium`.
//!
//! # Trusted identities
//!
//! `x509.subject: C=US, ST=WA, O=Acme` matches a leaf whose subject contains each of those
//! attributes with the same value, in any order (notation-go's `IsSubsetDN`; the spec allows "a full
//! and partial list" of the subject's attributes). Identities must name C, ST and O, may not repeat
//! an attribute, and may not overlap each other (one being a subset of another) — the policy is
//! rejected otherwise.

mod cbor;
mod chain;
mod cose;
mod crypto;
mod der;
mod dn;
mod envelope;
mod jws;
mod policy;
mod store;
mod time;
mod verify;
mod x509;

pub use arca_types::Verdict;
pub use dn::{Dn, DnError};
pub use envelope::{Alg, PAYLOAD_CONTENT_TYPE, SCHEME_SIGNING_AUTHORITY, SCHEME_X509};
pub use policy::{Action, Check, Level, PolicyEntry, PolicyError, StoreRef, TrustPolicy, TrustedIdentity};
pub use store::{StoreError, TrustStores};
pub use verify::{MAX_ENVELOPE_BYTES, MEDIA_TYPE_COSE, MEDIA_TYPE_JWS, Subject, verify};
