//! The verification pipeline (trust-store-trust-policy spec, "Signature Verification" steps), in
//! order: policy selection, envelope decoding and header rules, the signature by the leaf key
//! (integrity), the payload against the subject, signature expiry, certificate requirements, chain
//! to the policy's `ca:` trust stores at `now` (authenticity and authentic timestamp), then the
//! trusted identities. The first failure decides the verdict.

use arca_types::Verdict;
use rustls_pki_types::CertificateDer;
use serde::Deserialize;

use crate::chain::{self, ChainOutcome};
use crate::envelope::{self, Envelope};
use crate::policy::{Level, PolicyEntry, StoreRef, TrustPolicy, TrustedIdentity};
use crate::store::TrustStores;
use crate::x509::{self, CertInfo};
use crate::{cose, jws};

/// JWS envelope media type.
pub const MEDIA_TYPE_JWS: &str = "application/jose+json";
/// COSE envelope media type.
pub const MEDIA_TYPE_COSE: &str = "application/cose";
/// Envelopes larger than this are rejected before parsing (notation's are a few KiB).
pub const MAX_ENVELOPE_BYTES: usize = 4 << 20;
/// Longest certificate chain accepted.
const MAX_CHAIN: usize = 10;

/// The artifact a signature must cover: the OCI descriptor of the signed manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub media_type: String,
    /// `sha256:<lowercase hex>`.
    pub digest: String,
    pub size: u64,
}

#[derive(Deserialize)]
struct Payload {
    #[serde(rename = "targetArtifact")]
    target: Target,
}

#[derive(Deserialize)]
struct Target {
    #[serde(rename = "mediaType")]
    media_type: String,
    digest: String,
    size: u64,
}

/// Verifies one notation signature envelope for `subject` in repository `scope`
/// (`registry.example/ns/repo`) at `now_unix_secs`. Never panics; see the crate docs for how each
/// outcome maps to a [`Verdict`].
pub fn verify(
    envelope_media_type: &str,
    envelope: &[u8],
    subject: &Subject,
    scope: &str,
    policy: &TrustPolicy,
    stores: &TrustStores,
    now_unix_secs: i64,
) -> Verdict {
    let entry = policy.policy_for(scope);
    if let Some(p) = entry.filter(|p| p.level == Level::Skip) {
        return Verdict::unsupported(format!("verification skipped: trust policy {:?} has level skip", p.name));
    }
    run(envelope_media_type, envelope, subject, entry, stores, now_unix_secs).unwrap_or_else(|v| v)
}

fn run(
    media_type: &str,
    bytes: &[u8],
    subject: &Subject,
    entry: Option<&PolicyEntry>,
    stores: &TrustStores,
    now: i64,
) -> Result<Verdict, Verdict> {
    let env = decode(media_type, bytes)?;
    envelope::check_headers(&env)?;
    let infos = parse_chain(&env.chain)?;
    let leaf = infos.first().ok_or_else(|| Verdict::invalid("the envelope carries no certificate"))?;
    crate::crypto::verify_signature(env.alg, &leaf.key, &env.signing_input, &env.signature)?;
    check_payload(&env.payload, subject)?;
    if env.expiry.is_some_and(|expiry| now >= expiry) {
        return Err(Verdict::invalid("signature expired (io.cncf.notary.expiry is in the past)"));
    }
    chain::check_requirements(&infos).map_err(Verdict::invalid)?;
    let signer = leaf.subject.to_string();
    let Some(entry) = entry else { return Ok(Verdict::UntrustedKey { signer }) };
    let chain: Vec<CertificateDer<'_>> = env.chain.iter().map(|c| CertificateDer::from(c.as_slice())).collect();
    let trusted: Vec<CertificateDer<'_>> = entry
        .ca_stores()
        .flat_map(|name| stores.certificates(&StoreRef::Ca(name.to_owned())).iter().cloned())
        .collect();
    match chain::validate(&chain, &trusted, now) {
        ChainOutcome::Trusted if identity_trusted(entry, leaf) => Ok(Verdict::Valid { signer }),
        ChainOutcome::Trusted | ChainOutcome::Untrusted => Ok(Verdict::UntrustedKey { signer }),
        ChainOutcome::Invalid(reason) => Err(Verdict::invalid(reason)),
    }
}

fn decode(media_type: &str, bytes: &[u8]) -> Result<Envelope, Verdict> {
    if bytes.len() > MAX_ENVELOPE_BYTES {
        return Err(Verdict::invalid(format!("envelope larger than {MAX_ENVELOPE_BYTES} bytes")));
    }
    match media_type {
        MEDIA_TYPE_JWS => jws::parse(bytes),
        MEDIA_TYPE_COSE => cose::parse(bytes),
        other => Err(Verdict::unsupported(format!("signature envelope media type {other:?}"))),
    }
}

fn parse_chain(chain: &[Vec<u8>]) -> Result<Vec<CertInfo>, Verdict> {
    if chain.len() > MAX_CHAIN {
        return Err(Verdict::invalid(format!("certificate chain longer than {MAX_CHAIN}")));
    }
    chain
        .iter()
        .enumerate()
        .map(|(i, der)| x509::parse(der).ok_or_else(|| Verdict::invalid(format!("certificate {i} is malformed"))))
        .collect()
}

fn check_payload(payload: &[u8], subject: &Subject) -> Result<(), Verdict> {
    let payload: Payload = serde_json::from_slice(payload)
        .map_err(|e| Verdict::invalid(format!("payload is not a notation targetArtifact: {e}")))?;
    let target = payload.target;
    if target.digest != subject.digest {
        return Err(Verdict::invalid(format!(
            "digest mismatch: signature covers {}, subject is {}",
            target.digest, subject.digest
        )));
    }
    if target.size != subject.size {
        return Err(Verdict::invalid(format!(
            "size mismatch: signature says {}, subject is {}",
            target.size, subject.size
        )));
    }
    if target.media_type != subject.media_type {
        return Err(Verdict::invalid(format!(
            "media type mismatch: signature says {}, subject is {}",
            target.media_type, subject.media_type
        )));
    }
    Ok(())
}

fn identity_trusted(entry: &PolicyEntry, leaf: &CertInfo) -> bool {
    entry.trusted_identities.iter().any(|id| match id {
        TrustedIdentity::Any => true,
        TrustedIdentity::X509Subject(dn) => dn.is_subset_of(&leaf.subject),
    })
}
