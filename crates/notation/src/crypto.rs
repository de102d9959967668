//! Signature checks with `ring`: the envelope's `alg` must be the one notation pairs with the leaf
//! key (RSA 2048/3072/4096 → PS256/384/512, P-256/P-384/P-521 → ES256/384/512), and the signature
//! must verify over the envelope's signing input. JOSE and COSE ECDSA signatures are raw r‖s,
//! which is ring's `*_FIXED` form.

use arca_types::Verdict;
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};

use crate::envelope::Alg;
use crate::x509::{Curve, PublicKey};

/// The algorithm notation requires for this key, or why the key is not allowed.
fn alg_for_key(key: &PublicKey) -> Result<Alg, Verdict> {
    match key {
        PublicKey::Rsa { bits: 2048, .. } => Ok(Alg::Ps256),
        PublicKey::Rsa { bits: 3072, .. } => Ok(Alg::Ps384),
        PublicKey::Rsa { bits: 4096, .. } => Ok(Alg::Ps512),
        PublicKey::Rsa { bits, .. } => Err(Verdict::invalid(format!("RSA key size {bits} is not allowed by notation"))),
        PublicKey::Ec { curve: Curve::P256, .. } => Ok(Alg::Es256),
        PublicKey::Ec { curve: Curve::P384, .. } => Ok(Alg::Es384),
        PublicKey::Ec { curve: Curve::P521, .. } => Ok(Alg::Es512),
        PublicKey::Other(what) => Err(Verdict::unsupported(format!("signing key algorithm {what}"))),
    }
}

/// Checks that `alg` matches the leaf key and that `sig` verifies over `msg`.
pub(crate) fn verify_signature(alg: Alg, key: &PublicKey, msg: &[u8], sig: &[u8]) -> Result<(), Verdict> {
    let expected = alg_for_key(key)?;
    if expected != alg {
        return Err(Verdict::invalid(format!(
            "envelope alg {} does not match the signing key (which requires {})",
            alg.jws_name(),
            expected.jws_name()
        )));
    }
    let (algorithm, key_bytes): (&'static dyn VerificationAlgorithm, &[u8]) = match (alg, key) {
        (Alg::Ps256, PublicKey::Rsa { pkcs1, .. }) => (&signature::RSA_PSS_2048_8192_SHA256, pkcs1),
        (Alg::Ps384, PublicKey::Rsa { pkcs1, .. }) => (&signature::RSA_PSS_2048_8192_SHA384, pkcs1),
        (Alg::Ps512, PublicKey::Rsa { pkcs1, .. }) => (&signature::RSA_PSS_2048_8192_SHA512, pkcs1),
        (Alg::Es256, PublicKey::Ec { point, .. }) => (&signature::ECDSA_P256_SHA256_FIXED, point),
        (Alg::Es384, PublicKey::Ec { point, .. }) => (&signature::ECDSA_P384_SHA384_FIXED, point),
        (Alg::Es512, _) => return Err(Verdict::unsupported("ES512 (P-521): ring has no P-521")),
        _ => return Err(Verdict::invalid("envelope alg does not match the signing key")),
    };
    UnparsedPublicKey::new(algorithm, key_bytes)
        .verify(msg, sig)
        .map_err(|_| Verdict::invalid("signature does not verify with the signing certificate's key"))
}
