//! cosign's names for things: annotation keys, media types and the v3 "sign" predicate, plus the
//! statement and bundle that `cosign sign --key` (v3, new bundle format) produces for an image.
//!
//! Constants follow cosign's code (`pkg/oci/static/signature.go`, `pkg/types/media.go`,
//! `pkg/types/payload.go`, `pkg/types/predicate.go`), not its older spec text: the signature
//! annotation is `dev.cosignproject.cosign/…` while certificate, chain and bundle are
//! `dev.sigstore.cosign/…`.

use serde_json::Value;

use crate::bundle::Bundle;
use crate::intoto::Statement;
use crate::keys::{KeyError, SigningKey};

/// The predicate type cosign v3 `sign` uses for image signatures.
pub const SIGN_PREDICATE_TYPE: &str = "https://sigstore.dev/cosign/sign/v1";

/// Layer annotation holding a legacy signature (base64); empty on `.att` layers.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// Layer annotation holding the signer's PEM certificate (keyless).
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// Layer annotation holding the PEM certificate chain (keyless).
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
/// Layer annotation holding the legacy Rekor bundle JSON.
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// Layer annotation holding an RFC 3161 timestamp JSON.
pub const RFC3161_TIMESTAMP_ANNOTATION: &str = "dev.sigstore.cosign/rfc3161timestamp";
/// Referrer manifest annotation: `dsse-envelope` or `message-signature`.
pub const BUNDLE_CONTENT_ANNOTATION: &str = "dev.sigstore.bundle.content";
/// Referrer manifest annotation: the bundle's predicate type.
pub const BUNDLE_PREDICATE_TYPE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";

/// Media type of a `.sig` layer (simple-signing payload).
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Media type of an `.att` layer (a whole DSSE envelope).
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// DSSE payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = crate::dsse::IN_TOTO_PAYLOAD_TYPE;
/// Sigstore bundle v0.3 media type (referrer `artifactType` and layer media type).
pub const BUNDLE_MEDIA_TYPE: &str = crate::bundle::BUNDLE_V03_MEDIA_TYPE;
/// Legacy tag suffixes: `sha256-<hex>.sig`, `.att`, `.sbom`.
pub const TAG_SUFFIXES: [&str; 3] = ["sig", "att", "sbom"];

/// The statement cosign v3 `sign` signs for an image: one subject whose sha256 is the manifest
/// digest (`sha256:<hex>` or bare hex), predicate type [`SIGN_PREDICATE_TYPE`], predicate `{}`.
pub fn sign_statement(manifest_digest: &str) -> Statement {
    let hex = manifest_digest.strip_prefix("sha256:").unwrap_or(manifest_digest);
    Statement::v1("", hex, SIGN_PREDICATE_TYPE, Value::Object(serde_json::Map::new()))
}

/// `cosign sign --key` (v3 bundle format, no tlog): a keyed bundle over [`sign_statement`].
pub fn sign_image(manifest_digest: &str, key: &SigningKey) -> Result<Bundle, KeyError> {
    Bundle::keyed_dsse(&sign_statement(manifest_digest).to_json(), key)
}
