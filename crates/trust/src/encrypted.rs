//! cosign's encrypted private key: the JSON of go-securesystemslib's `encrypted` package inside a
//! PEM block labelled `ENCRYPTED SIGSTORE PRIVATE KEY` (older keys: `ENCRYPTED COSIGN PRIVATE KEY`).
//!
//! ```json
//! {"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"<b64 32 bytes>"},
//!  "cipher":{"name":"nacl/secretbox","nonce":"<b64 24 bytes>"},
//!  "ciphertext":"<b64 secretbox(PKCS#8 DER)>"}
//! ```
//!
//! The key is `scrypt(password, salt, N, r, p, 32)`; the cipher is NaCl `secretbox`
//! (XSalsa20-Poly1305, output `tag ‖ ciphertext`). We compose secretbox from the RustCrypto
//! `salsa20` and `poly1305` primitives (the standard construction: the first 32 keystream bytes key
//! Poly1305, the rest encrypt) instead of depending on `crypto_secretbox`, whose stable 0.1 pulls a
//! second generation of `salsa20`/`cipher` next to the one `scrypt` 0.12 uses and whose 0.2 is a
//! pre-release pinned to release candidates. Real cosign-generated keys are the test vectors.
//!
//! Only the scrypt parameter sets cosign writes are accepted (N = 2^15, 2^16 or 2^17, r = 8,
//! p = 1), so a hostile key file cannot make us allocate gigabytes.

use ring::rand::{SecureRandom, SystemRandom};
use salsa20::XSalsa20;
use salsa20::cipher::{KeyIvInit, StreamCipher};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::encoding::{b64_decode, b64_encode};
use crate::keys::KeyError;

/// The scrypt work factor `to_encrypted_pem` writes (cosign's legacy default, 2^15).
pub(crate) const SCRYPT_LOG_N: u8 = 15;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;
const TAG_LEN: usize = 16;

#[derive(Serialize, Deserialize)]
struct Envelope {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: KdfParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct KdfParams {
    #[serde(rename = "N")]
    n: u64,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

/// Encrypts `plaintext` (a PKCS#8 DER key) under `password`; returns the JSON document.
pub(crate) fn encrypt(plaintext: &[u8], password: &[u8]) -> Result<Vec<u8>, KeyError> {
    let rng = SystemRandom::new();
    let mut salt = [0u8; 32];
    let mut nonce = [0u8; 24];
    rng.fill(&mut salt).map_err(|_| KeyError::Random)?;
    rng.fill(&mut nonce).map_err(|_| KeyError::Random)?;
    let key = derive(password, &salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)?;
    let sealed = seal(&key, &nonce, plaintext);
    let doc = Envelope {
        kdf: Kdf {
            name: "scrypt".into(),
            params: KdfParams { n: 1 << SCRYPT_LOG_N, r: SCRYPT_R, p: SCRYPT_P },
            salt: b64_encode(&salt),
        },
        cipher: Cipher { name: "nacl/secretbox".into(), nonce: b64_encode(&nonce) },
        ciphertext: b64_encode(&sealed),
    };
    serde_json::to_vec(&doc).map_err(|_| KeyError::Malformed("encrypted key JSON"))
}

/// Decrypts the JSON document; a wrong password and a tampered ciphertext both fail the tag check.
pub(crate) fn decrypt(json: &[u8], password: &[u8]) -> Result<Vec<u8>, KeyError> {
    let doc: Envelope = serde_json::from_slice(json).map_err(|_| KeyError::Malformed("encrypted key JSON"))?;
    if doc.kdf.name != "scrypt" {
        return Err(KeyError::Unsupported(format!("key derivation {:?}", doc.kdf.name)));
    }
    if doc.cipher.name != "nacl/secretbox" {
        return Err(KeyError::Unsupported(format!("cipher {:?}", doc.cipher.name)));
    }
    let log_n = accepted_log_n(&doc.kdf.params)?;
    let salt = b64_decode(&doc.kdf.salt).ok_or(KeyError::Malformed("scrypt salt"))?;
    let nonce: [u8; 24] =
        b64_decode(&doc.cipher.nonce).and_then(|n| n.try_into().ok()).ok_or(KeyError::Malformed("secretbox nonce"))?;
    let sealed = b64_decode(&doc.ciphertext).ok_or(KeyError::Malformed("ciphertext"))?;
    let key = derive(password, &salt, log_n, doc.kdf.params.r, doc.kdf.params.p)?;
    open(&key, &nonce, &sealed).ok_or(KeyError::WrongPassword)
}

fn accepted_log_n(params: &KdfParams) -> Result<u8, KeyError> {
    let log_n = match params.n {
        32_768 => 15,
        65_536 => 16,
        131_072 => 17,
        _ => return Err(KeyError::Unsupported(format!("scrypt N={}", params.n))),
    };
    if (params.r, params.p) != (SCRYPT_R, SCRYPT_P) {
        return Err(KeyError::Unsupported(format!("scrypt r={} p={}", params.r, params.p)));
    }
    Ok(log_n)
}

fn derive(password: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32) -> Result<[u8; 32], KeyError> {
    let params = scrypt::Params::new(log_n, r, p).map_err(|_| KeyError::Malformed("scrypt parameters"))?;
    let mut key = [0u8; 32];
    scrypt::scrypt(password, salt, &params, &mut key).map_err(|_| KeyError::Malformed("scrypt output"))?;
    Ok(key)
}

/// XSalsa20 keystream applied to `32 zero bytes ‖ data`: the first 32 bytes become the one-time
/// Poly1305 key, the rest is `data` XOR keystream (NaCl's `crypto_secretbox` layout).
fn xor_with_keystream(key: &[u8; 32], nonce: &[u8; 24], data: &[u8]) -> ([u8; 32], Vec<u8>) {
    let mut buf = vec![0u8; 32 + data.len()];
    buf[32..].copy_from_slice(data);
    let mut cipher = XSalsa20::new(key.into(), nonce.into());
    cipher.apply_keystream(&mut buf);
    let mut mac_key = [0u8; 32];
    mac_key.copy_from_slice(&buf[..32]);
    (mac_key, buf.split_off(32))
}

fn mac(mac_key: &[u8; 32], ciphertext: &[u8]) -> [u8; TAG_LEN] {
    use poly1305::universal_hash::KeyInit;
    let tag = poly1305::Poly1305::new(mac_key.into()).compute_unpadded(ciphertext);
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&tag);
    out
}

/// NaCl `secretbox` seal: `tag ‖ ciphertext`.
fn seal(key: &[u8; 32], nonce: &[u8; 24], plaintext: &[u8]) -> Vec<u8> {
    let (mac_key, ciphertext) = xor_with_keystream(key, nonce, plaintext);
    let mut out = mac(&mac_key, &ciphertext).to_vec();
    out.extend_from_slice(&ciphertext);
    out
}

/// NaCl `secretbox` open; `None` unless the tag verifies.
fn open(key: &[u8; 32], nonce: &[u8; 24], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < TAG_LEN {
        return None;
    }
    let (tag, ciphertext) = sealed.split_at(TAG_LEN);
    let (mac_key, plaintext) = xor_with_keystream(key, nonce, ciphertext);
    bool::from(mac(&mac_key, ciphertext).ct_eq(tag)).then_some(plaintext)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NaCl's published secretbox vector (`tests/secretbox.c` in NaCl / libsodium): key, nonce,
    /// 131-byte message, and the first bytes of the expected box.
    #[test]
    fn secretbox_matches_the_nacl_vector() {
        let key: [u8; 32] = hex::decode("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389")
            .unwrap()
            .try_into()
            .unwrap();
        let nonce: [u8; 24] =
            hex::decode("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37").unwrap().try_into().unwrap();
        let message = hex::decode(concat!(
            "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c6129",
            "6cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde",
            "048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705"
        ))
        .unwrap();
        let sealed = seal(&key, &nonce, &message);
        assert_eq!(hex::encode(&sealed[..32]), "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce");
        assert_eq!(open(&key, &nonce, &sealed).unwrap(), message);
        let mut tampered = sealed.clone();
        tampered[40] ^= 1;
        assert!(open(&key, &nonce, &tampered).is_none());
        assert!(open(&key, &nonce, &sealed[..10]).is_none());
    }

    #[test]
    fn hostile_parameters_are_refused_before_any_work() {
        let doc = br#"{"kdf":{"name":"scrypt","params":{"N":1073741824,"r":8,"p":1},"salt":"AA=="},
            "cipher":{"name":"nacl/secretbox","nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"ciphertext":"AA=="}"#;
        assert!(matches!(decrypt(doc, b""), Err(KeyError::Unsupported(_))));
    }
}
