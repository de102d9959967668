//! Certificate chain validation: notation's certificate requirements (signature specification,
//! "Certificate Requirements") on the envelope's chain, then `rustls-webpki` path building from the
//! leaf to a trust-store certificate at the verification time, requiring the code-signing EKU when
//! an EKU extension is present.
//!
//! To tell "bad chain" from "good chain, but nobody here trusts it", a chain that reaches no trust
//! store certificate is validated a second time against its own last certificate: if that passes,
//! the chain is internally sound and the verdict is `UntrustedKey`; otherwise it is `Invalid`.

use std::time::Duration;

use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use crate::x509::CertInfo;

/// `id-kp-codeSigning` (1.3.6.1.5.5.7.3.3), DER content octets.
const EKU_CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];

/// Certificate signature algorithms accepted inside chains.
static ALGS: &[&dyn SignatureVerificationAlgorithm] = &[
    webpki::ring::ECDSA_P256_SHA256,
    webpki::ring::ECDSA_P256_SHA384,
    webpki::ring::ECDSA_P384_SHA256,
    webpki::ring::ECDSA_P384_SHA384,
    webpki::ring::RSA_PKCS1_2048_8192_SHA256,
    webpki::ring::RSA_PKCS1_2048_8192_SHA384,
    webpki::ring::RSA_PKCS1_2048_8192_SHA512,
    webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
];

/// How a chain relates to the trust stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChainOutcome {
    /// Reaches a trust-store certificate and every certificate is valid at the time.
    Trusted,
    /// Internally valid, but reaches no trust-store certificate.
    Untrusted,
    /// Broken: the reason says how (expired, wrong usage, bad signature, …).
    Invalid(String),
}

/// Notation's requirements on the leaf and CA certificates of the envelope's chain.
pub(crate) fn check_requirements(infos: &[CertInfo]) -> Result<(), String> {
    let Some((leaf, cas)) = infos.split_first() else { return Err("the certificate chain is empty".into()) };
    match leaf.key_usage {
        Some(ku) if ku.critical && ku.value.digital_signature && !ku.value.key_cert_sign => {}
        Some(_) => {
            return Err(
                "signing certificate key usage must be critical, with digitalSignature and not keyCertSign".into()
            );
        }
        None => return Err("signing certificate has no key usage extension".into()),
    }
    if leaf.basic_constraints.is_some_and(|bc| bc.value) {
        return Err("signing certificate is a CA certificate".into());
    }
    for ca in cas {
        if !ca.basic_constraints.is_some_and(|bc| bc.critical && bc.value) {
            return Err(format!("CA certificate {} lacks critical basicConstraints cA=true", ca.subject));
        }
        if !ca.key_usage.is_some_and(|ku| ku.value.key_cert_sign) {
            return Err(format!("CA certificate {} lacks keyCertSign key usage", ca.subject));
        }
    }
    Ok(())
}

/// Builds a path from `chain[0]` through `chain[1..]` to one of `trusted`, valid at `now`.
pub(crate) fn validate(chain: &[CertificateDer<'_>], trusted: &[CertificateDer<'_>], now: i64) -> ChainOutcome {
    let Some((leaf, rest)) = chain.split_first() else { return ChainOutcome::Invalid("empty chain".into()) };
    let anchors: Vec<TrustAnchor<'_>> =
        trusted.iter().filter_map(|c| webpki::anchor_from_trusted_cert(c).ok()).collect();
    match path_to(leaf, rest, &anchors, now) {
        Ok(()) => ChainOutcome::Trusted,
        Err(webpki::Error::UnknownIssuer) => classify_untrusted(leaf, rest, now),
        Err(e) => ChainOutcome::Invalid(describe(&e)),
    }
}

fn classify_untrusted(leaf: &CertificateDer<'_>, rest: &[CertificateDer<'_>], now: i64) -> ChainOutcome {
    let own_root = rest.last().unwrap_or(leaf);
    let Ok(anchor) = webpki::anchor_from_trusted_cert(own_root) else {
        return ChainOutcome::Invalid("the chain's last certificate is malformed".into());
    };
    match path_to(leaf, rest, &[anchor], now) {
        Ok(()) => ChainOutcome::Untrusted,
        Err(webpki::Error::UnknownIssuer) => {
            ChainOutcome::Invalid("the certificate chain is broken (a certificate is not issued by the next)".into())
        }
        Err(e) => ChainOutcome::Invalid(describe(&e)),
    }
}

fn path_to(
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    anchors: &[TrustAnchor<'_>],
    now: i64,
) -> Result<(), webpki::Error> {
    let ee = EndEntityCert::try_from(leaf)?;
    let time = UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(now).unwrap_or(0)));
    let usage = KeyUsage::required_if_present(EKU_CODE_SIGNING);
    ee.verify_for_usage(ALGS, anchors, intermediates, time, usage, None, None).map(|_| ())
}

fn describe(e: &webpki::Error) -> String {
    match e {
        webpki::Error::CertExpired { .. } => "certificate expired".into(),
        webpki::Error::CertNotValidYet { .. } => "certificate not yet valid".into(),
        webpki::Error::RequiredEkuNotFoundContext(_) => "certificate lacks the code-signing extended key usage".into(),
        webpki::Error::InvalidSignatureForPublicKey => "certificate chain signature does not verify".into(),
        other => format!("certificate chain is invalid: {other:?}"),
    }
}
