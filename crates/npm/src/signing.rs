//! Registry signatures, as npm verifies them (`npm audit signatures`, pacote with
//! `verifySignatures`): `dist.signatures[].sig` is a base64 DER ECDSA P-256 / SHA-256 signature over
//! `${name}@${version}:${integrity}`, made with a key published at `GET /-/npm/v1/keys`, identified
//! by `keyid` = `SHA256:` + unpadded base64 of the SHA-256 of the key in SSH wire format (the
//! OpenSSH fingerprint, which is why the key type is spelled `ecdsa-sha2-nistp256`). That is how
//! registry.npmjs.org's own key `SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA` relates to the
//! SPKI it publishes (a hash of the SPKI DER would not match; the tests check both). Clients only
//! compare key ids, so the convention matters for humans comparing fingerprints, not for checks.

use crate::NpmError;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The DER prefix of a P-256 SubjectPublicKeyInfo: the SEQUENCE, the algorithm identifiers
/// (id-ecPublicKey, prime256v1) and the BIT STRING header; the 65-byte uncompressed point follows.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The `keytype` and `scheme` npm's keys document gives an ECDSA P-256 key.
pub const KEY_TYPE: &str = "ecdsa-sha2-nistp256";

/// The registry's signing key.
pub struct RegistryKey {
    pair: EcdsaKeyPair,
    spki: Vec<u8>,
}

impl std::fmt::Debug for RegistryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryKey").field("key_id", &self.key_id()).finish_non_exhaustive()
    }
}

impl RegistryKey {
    /// A new key, and its PKCS#8 document to persist (it is the only copy of the private key).
    pub fn generate() -> Result<(Self, Vec<u8>), NpmError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| NpmError::InvalidKey("could not generate a P-256 key"))?;
        let pkcs8 = pkcs8.as_ref().to_vec();
        Ok((Self::from_pkcs8(&pkcs8)?, pkcs8))
    }

    /// A key persisted by [`Self::generate`] (PKCS#8 DER of a P-256 key).
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, NpmError> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &SystemRandom::new())
            .map_err(|_| NpmError::InvalidKey("not a PKCS#8 ECDSA P-256 key"))?;
        let spki = [&P256_SPKI_PREFIX[..], pair.public_key().as_ref()].concat();
        Ok(Self { pair, spki })
    }

    /// The SubjectPublicKeyInfo DER of the public key.
    pub fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    /// `SHA256:<unpadded base64 of SHA-256(SSH public key blob)>`, as `ssh-keygen -l` prints it.
    pub fn key_id(&self) -> String {
        key_id_of_spki(&self.spki).expect("a P-256 SPKI, built in from_pkcs8")
    }

    /// The base64 DER signature npm expects in `dist.signatures[].sig`.
    pub fn sign(&self, name: &str, version: &str, integrity: &str) -> Result<String, NpmError> {
        let message = signed_message(name, version, integrity);
        let sig = self
            .pair
            .sign(&SystemRandom::new(), message.as_bytes())
            .map_err(|_| NpmError::InvalidKey("signing failed"))?;
        Ok(STANDARD.encode(sig.as_ref()))
    }
}

/// What a registry signature covers: pacote builds it from the packument as `${_id}:${_integrity}`.
pub fn signed_message(name: &str, version: &str, integrity: &str) -> String {
    format!("{name}@{version}:{integrity}")
}

/// The key id of a P-256 SubjectPublicKeyInfo DER: the SHA-256 of its SSH wire encoding
/// (`string "ecdsa-sha2-nistp256"`, `string "nistp256"`, `string point`). `None` for another key.
pub fn key_id_of_spki(spki: &[u8]) -> Option<String> {
    let point = spki.strip_prefix(&P256_SPKI_PREFIX[..]).filter(|p| p.len() == 65)?;
    let mut blob = Vec::with_capacity(128);
    for field in [KEY_TYPE.as_bytes(), b"nistp256", point] {
        blob.extend_from_slice(&u32::try_from(field.len()).unwrap_or(u32::MAX).to_be_bytes());
        blob.extend_from_slice(field);
    }
    Some(format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(&blob))))
}

/// Checks a registry signature (tests, and a key's self-check at start-up).
pub fn verify(spki: &[u8], name: &str, version: &str, integrity: &str, sig_base64: &str) -> bool {
    let Some(point) = spki.strip_prefix(&P256_SPKI_PREFIX[..]) else { return false };
    let Ok(sig) = STANDARD.decode(sig_base64) else { return false };
    let key = ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, point);
    key.verify(signed_message(name, version, integrity).as_bytes(), &sig).is_ok()
}

/// The body of `GET /-/npm/v1/keys`. `expires` stays `null` while a key signs; a retired key gets
/// the time it stopped, so versions signed before still verify.
pub fn keys_document(keys: &[&RegistryKey]) -> Value {
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({
                "expires": null,
                "keyid": k.key_id(),
                "keytype": KEY_TYPE,
                "scheme": KEY_TYPE,
                "key": STANDARD.encode(k.public_key_spki()),
            })
        })
        .collect();
    json!({ "keys": keys })
}
