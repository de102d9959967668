//! Public keys that verify and private keys that sign, in the formats cosign reads and writes.
//!
//! A public key is a PEM `PUBLIC KEY` (PKIX SubjectPublicKeyInfo) of ECDSA P-256/P-384, Ed25519 or
//! RSA; it is named everywhere by `sha256:<hex of the DER SPKI>` (its *fingerprint*) and, inside
//! Sigstore bundles, by `base64std(sha256(DER SPKI))` (its *hint*). Verification accepts ECDSA
//! signatures in ASN.1 DER (Sigstore, cosign) and in raw `r‖s` (JOSE, the DSSE spec's examples).
//!
//! A signing key is what `cosign generate-key-pair` makes (ECDSA P-256) or imports (P-384,
//! Ed25519); RSA and P-521 private keys are refused because `ring` cannot sign with them here.
//! Signing keys never print their secret: `Debug` shows the algorithm and public fingerprint only.

use std::fmt;

use ring::rand::SystemRandom;
use ring::signature::{self as sig, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};
use sha2::{Digest as _, Sha256};

use crate::der;
use crate::encoding::{b64_encode, pem_decode, pem_encode};
use crate::encrypted;

/// Why a key could not be read or used. `code()` is stable for logs and API errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not a PEM document")]
    NotPem,
    #[error("unexpected PEM block {0:?}")]
    UnexpectedPemLabel(String),
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("unsupported key: {0}")]
    Unsupported(String),
    #[error("wrong password or corrupted key")]
    WrongPassword,
    #[error("the system random number generator failed")]
    Random,
}

impl KeyError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotPem => "key.not_pem",
            Self::UnexpectedPemLabel(_) => "key.unexpected_pem_label",
            Self::Malformed(_) => "key.malformed",
            Self::Unsupported(_) => "key.unsupported",
            Self::WrongPassword => "key.wrong_password",
            Self::Random => "key.random_failed",
        }
    }
}

/// The public-key algorithms arca verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    EcdsaP256,
    EcdsaP384,
    Ed25519,
    /// RSA 2048–8192 bits; signatures PKCS#1 v1.5 or PSS, SHA-256.
    Rsa,
}

// DER value bytes of the OIDs we recognise.
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// A verifying key, kept as its DER SubjectPublicKeyInfo.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicKey {
    algorithm: KeyAlgorithm,
    spki: Vec<u8>,
    /// The BIT STRING contents: an uncompressed EC point, 32 Ed25519 bytes or an RSAPublicKey.
    key_bytes: Vec<u8>,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({:?}, {})", self.algorithm, self.fingerprint())
    }
}

impl PublicKey {
    /// Reads a PEM `PUBLIC KEY` block (what `cosign.pub` holds).
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let block = pem_decode(pem).ok_or(KeyError::NotPem)?;
        if block.label != "PUBLIC KEY" {
            return Err(KeyError::UnexpectedPemLabel(block.label));
        }
        Self::from_spki_der(&block.body)
    }

    /// Reads a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(spki: &[u8]) -> Result<Self, KeyError> {
        let malformed = KeyError::Malformed("SubjectPublicKeyInfo");
        let body = der::exactly(spki, der::SEQUENCE).ok_or(malformed.clone())?;
        let (alg_id, rest) = der::expect(body, der::SEQUENCE).ok_or(malformed.clone())?;
        let bits = der::exactly(rest, der::BIT_STRING).ok_or(malformed.clone())?;
        let key_bytes = match bits.split_first() {
            Some((0, key)) => key.to_vec(),
            _ => return Err(malformed),
        };
        let algorithm = algorithm_of(alg_id)?;
        check_key_shape(algorithm, &key_bytes)?;
        Ok(Self { algorithm, spki: spki.to_vec(), key_bytes })
    }

    /// An Ed25519 key from its 32 raw bytes (how the DSSE test vectors and some tools give keys).
    pub fn ed25519(raw: &[u8; 32]) -> Self {
        let spki = spki_for(KeyAlgorithm::Ed25519, raw);
        Self { algorithm: KeyAlgorithm::Ed25519, spki, key_bytes: raw.to_vec() }
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// `sha256:<hex of the DER SPKI>`: how arca names a key in verdicts and configuration.
    pub fn fingerprint(&self) -> String {
        format!("sha256:{}", hex::encode(Sha256::digest(&self.spki)))
    }

    /// `base64std(sha256(DER SPKI))`: the Sigstore bundle's `verificationMaterial.publicKey.hint`.
    pub fn hint(&self) -> String {
        b64_encode(&Sha256::digest(&self.spki))
    }

    /// PEM `PUBLIC KEY`, as `cosign.pub` is written.
    pub fn to_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.spki)
    }

    /// Whether `signature` is this key's signature over `message`. ECDSA signatures may be DER or
    /// raw `r‖s`; P-384 keys accept SHA-384 (cosign today) and SHA-256 (cosign before Jul 2026,
    /// DER only: ring has no fixed-width P-384/SHA-256);
    /// RSA accepts PKCS#1 v1.5 and PSS with SHA-256.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.schemes()
            .iter()
            .any(|scheme| UnparsedPublicKey::new(*scheme, &self.key_bytes).verify(message, signature).is_ok())
    }

    fn schemes(&self) -> &'static [&'static dyn sig::VerificationAlgorithm] {
        match self.algorithm {
            KeyAlgorithm::EcdsaP256 => &P256_SCHEMES,
            KeyAlgorithm::EcdsaP384 => &P384_SCHEMES,
            KeyAlgorithm::Ed25519 => &ED25519_SCHEMES,
            KeyAlgorithm::Rsa => &RSA_SCHEMES,
        }
    }
}

type Schemes<const N: usize> = [&'static dyn sig::VerificationAlgorithm; N];
static P256_SCHEMES: Schemes<2> = [&sig::ECDSA_P256_SHA256_ASN1, &sig::ECDSA_P256_SHA256_FIXED];
static P384_SCHEMES: Schemes<3> =
    [&sig::ECDSA_P384_SHA384_ASN1, &sig::ECDSA_P384_SHA384_FIXED, &sig::ECDSA_P384_SHA256_ASN1];
static ED25519_SCHEMES: Schemes<1> = [&sig::ED25519];
static RSA_SCHEMES: Schemes<2> = [&sig::RSA_PKCS1_2048_8192_SHA256, &sig::RSA_PSS_2048_8192_SHA256];

/// Maps an AlgorithmIdentifier's contents to a supported algorithm.
fn algorithm_of(alg_id: &[u8]) -> Result<KeyAlgorithm, KeyError> {
    let (oid, params) = der::expect(alg_id, der::OID).ok_or(KeyError::Malformed("AlgorithmIdentifier"))?;
    match oid {
        OID_EC_PUBLIC_KEY => {
            let curve = der::exactly(params, der::OID).ok_or(KeyError::Malformed("EC curve parameters"))?;
            curve_of(curve)
        }
        OID_ED25519 => Ok(KeyAlgorithm::Ed25519),
        OID_RSA => Ok(KeyAlgorithm::Rsa),
        _ => Err(KeyError::Unsupported(format!("algorithm OID {}", hex::encode(oid)))),
    }
}

fn curve_of(curve: &[u8]) -> Result<KeyAlgorithm, KeyError> {
    match curve {
        OID_P256 => Ok(KeyAlgorithm::EcdsaP256),
        OID_P384 => Ok(KeyAlgorithm::EcdsaP384),
        OID_P521 => Err(KeyError::Unsupported("ECDSA P-521 (ring has no P-521)".into())),
        _ => Err(KeyError::Unsupported(format!("EC curve OID {}", hex::encode(curve)))),
    }
}

fn check_key_shape(algorithm: KeyAlgorithm, key: &[u8]) -> Result<(), KeyError> {
    let ok = match algorithm {
        KeyAlgorithm::EcdsaP256 => key.len() == 65 && key[0] == 4,
        KeyAlgorithm::EcdsaP384 => key.len() == 97 && key[0] == 4,
        KeyAlgorithm::Ed25519 => key.len() == 32,
        KeyAlgorithm::Rsa => der::exactly(key, der::SEQUENCE).is_some(),
    };
    if ok { Ok(()) } else { Err(KeyError::Malformed("public key bytes (compressed EC points are unsupported)")) }
}

/// Builds the DER SPKI for a raw public key of `algorithm` (EC point or Ed25519 bytes).
fn spki_for(algorithm: KeyAlgorithm, key: &[u8]) -> Vec<u8> {
    let oid = |v: &[u8]| der::write(der::OID, v);
    let alg_id = match algorithm {
        KeyAlgorithm::EcdsaP256 => der::sequence(&[&oid(OID_EC_PUBLIC_KEY), &oid(OID_P256)]),
        KeyAlgorithm::EcdsaP384 => der::sequence(&[&oid(OID_EC_PUBLIC_KEY), &oid(OID_P384)]),
        KeyAlgorithm::Ed25519 => der::sequence(&[&oid(OID_ED25519)]),
        KeyAlgorithm::Rsa => der::sequence(&[&oid(OID_RSA), &der::write(0x05, &[])]),
    };
    let bits = der::write(der::BIT_STRING, &[&[0u8][..], key].concat());
    der::sequence(&[&alg_id, &bits])
}

enum Signer {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A private key that signs: ECDSA P-256 (cosign's default), P-384 or Ed25519.
pub struct SigningKey {
    signer: Signer,
    /// The PKCS#8 DER the key was read from or generated as; what `to_encrypted_pem` encrypts.
    pkcs8: Vec<u8>,
    public: PublicKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.public.algorithm)
            .field("public", &self.public.fingerprint())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh ECDSA P-256 key, as `cosign generate-key-pair` makes.
    pub fn generate() -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let doc =
            EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P256_SHA256_ASN1_SIGNING, &rng).map_err(|_| KeyError::Random)?;
        Self::from_pkcs8_der(doc.as_ref())
    }

    /// Reads a cosign private key: `ENCRYPTED SIGSTORE PRIVATE KEY` / `ENCRYPTED COSIGN PRIVATE KEY`
    /// (decrypted with `password`), or an unencrypted `PRIVATE KEY` (PKCS#8) or `EC PRIVATE KEY`
    /// (SEC 1), for which the password is ignored.
    pub fn from_encrypted_pem(pem: &[u8], password: &[u8]) -> Result<Self, KeyError> {
        let block = pem_decode(pem).ok_or(KeyError::NotPem)?;
        match block.label.as_str() {
            "ENCRYPTED SIGSTORE PRIVATE KEY" | "ENCRYPTED COSIGN PRIVATE KEY" => {
                let plaintext = encrypted::decrypt(&block.body, password)?;
                Self::from_pkcs8_or_sec1(&plaintext)
            }
            "PRIVATE KEY" => Self::from_pkcs8_der(&block.body),
            "EC PRIVATE KEY" => Self::from_sec1_der(&block.body),
            "RSA PRIVATE KEY" => Err(KeyError::Unsupported("RSA private keys cannot sign here".into())),
            _ => Err(KeyError::UnexpectedPemLabel(block.label)),
        }
    }

    /// Reads an unencrypted `PRIVATE KEY` or `EC PRIVATE KEY` PEM.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        Self::from_encrypted_pem(pem, b"")
    }

    /// Old cosign versions encrypted SEC 1 (`EC PRIVATE KEY`) DER rather than PKCS#8; take either.
    fn from_pkcs8_or_sec1(der_bytes: &[u8]) -> Result<Self, KeyError> {
        Self::from_pkcs8_der(der_bytes).or_else(|err| Self::from_sec1_der(der_bytes).map_err(|_| err))
    }

    /// Reads a PKCS#8 DER private key (v1 or v2).
    pub fn from_pkcs8_der(pkcs8: &[u8]) -> Result<Self, KeyError> {
        let algorithm = pkcs8_algorithm(pkcs8)?;
        let rng = SystemRandom::new();
        let malformed = |_| KeyError::Malformed("PKCS#8 private key");
        let signer = match algorithm {
            KeyAlgorithm::EcdsaP256 => Signer::Ecdsa(
                EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &rng).map_err(malformed)?,
            ),
            KeyAlgorithm::EcdsaP384 => Signer::Ecdsa(
                EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P384_SHA384_ASN1_SIGNING, pkcs8, &rng).map_err(malformed)?,
            ),
            KeyAlgorithm::Ed25519 => {
                Signer::Ed25519(Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).map_err(malformed)?)
            }
            KeyAlgorithm::Rsa => return Err(KeyError::Unsupported("RSA private keys cannot sign here".into())),
        };
        let raw_public = match &signer {
            Signer::Ecdsa(pair) => pair.public_key().as_ref().to_vec(),
            Signer::Ed25519(pair) => pair.public_key().as_ref().to_vec(),
        };
        let public = PublicKey::from_spki_der(&spki_for(algorithm, &raw_public))?;
        Ok(Self { signer, pkcs8: pkcs8.to_vec(), public })
    }

    /// Reads a SEC 1 `ECPrivateKey` (which must name its curve and carry its public key) by
    /// wrapping it into PKCS#8.
    pub fn from_sec1_der(sec1: &[u8]) -> Result<Self, KeyError> {
        let curve = sec1_curve(sec1).ok_or(KeyError::Malformed("SEC 1 EC private key"))?;
        curve_of(curve)?;
        let version = der::write(der::INTEGER, &[0]);
        let alg_id = der::sequence(&[&der::write(der::OID, OID_EC_PUBLIC_KEY), &der::write(der::OID, curve)]);
        let key = der::write(der::OCTET_STRING, sec1);
        Self::from_pkcs8_der(&der::sequence(&[&version, &alg_id, &key]))
    }

    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Signs `message`: DER ECDSA with the curve's hash (SHA-256 for P-256), or Ed25519.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.signer {
            Signer::Ecdsa(pair) => {
                pair.sign(&SystemRandom::new(), message).map(|s| s.as_ref().to_vec()).map_err(|_| KeyError::Random)
            }
            Signer::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }

    /// cosign's encrypted key file (`ENCRYPTED SIGSTORE PRIVATE KEY`, scrypt N=32768 r=8 p=1,
    /// nacl/secretbox), readable by `cosign sign --key` with the same password.
    pub fn to_encrypted_pem(&self, password: &[u8]) -> Result<String, KeyError> {
        let json = encrypted::encrypt(&self.pkcs8, password)?;
        Ok(pem_encode("ENCRYPTED SIGSTORE PRIVATE KEY", &json))
    }
}

/// The algorithm named by a PKCS#8 `PrivateKeyInfo`'s AlgorithmIdentifier.
fn pkcs8_algorithm(pkcs8: &[u8]) -> Result<KeyAlgorithm, KeyError> {
    let malformed = KeyError::Malformed("PKCS#8 private key");
    let body = der::exactly(pkcs8, der::SEQUENCE).ok_or(malformed.clone())?;
    let (_version, rest) = der::expect(body, der::INTEGER).ok_or(malformed.clone())?;
    let (alg_id, _) = der::expect(rest, der::SEQUENCE).ok_or(malformed)?;
    algorithm_of(alg_id)
}

/// The curve OID inside a SEC 1 `ECPrivateKey`'s `[0] parameters`.
fn sec1_curve(sec1: &[u8]) -> Option<&[u8]> {
    let body = der::exactly(sec1, der::SEQUENCE)?;
    let (_version, rest) = der::expect(body, der::INTEGER)?;
    let (_key, mut rest) = der::expect(rest, der::OCTET_STRING)?;
    while !rest.is_empty() {
        let (tlv, tail) = der::read(rest)?;
        rest = tail;
        if tlv.tag == 0xa0 {
            return der::exactly(tlv.value, der::OID);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_sign_and_verify_and_hide_their_secret() {
        let key = SigningKey::generate().unwrap();
        let sig = key.sign(b"hello").unwrap();
        assert_eq!(sig[0], 0x30, "DER");
        let public = key.public_key();
        assert!(public.verify(b"hello", &sig));
        assert!(!public.verify(b"hellO", &sig));
        let debug = format!("{key:?}");
        assert!(debug.contains(&public.fingerprint()) && !debug.contains(&hex::encode(&key.pkcs8)));
        let again = PublicKey::from_pem(public.to_pem().as_bytes()).unwrap();
        assert_eq!(&again, public);
        assert!(public.fingerprint().starts_with("sha256:") && public.fingerprint().len() == 71);
        assert_eq!(crate::encoding::b64_decode(&public.hint()).unwrap().len(), 32);
    }

    #[test]
    fn wrong_labels_and_garbage_are_errors() {
        assert_eq!(PublicKey::from_pem(b"nope").unwrap_err(), KeyError::NotPem);
        let pem = pem_encode("CERTIFICATE", b"x");
        assert!(matches!(PublicKey::from_pem(pem.as_bytes()), Err(KeyError::UnexpectedPemLabel(_))));
        let pem = pem_encode("PUBLIC KEY", b"\x30\x00");
        assert_eq!(PublicKey::from_pem(pem.as_bytes()).unwrap_err().code(), "key.malformed");
    }
}
