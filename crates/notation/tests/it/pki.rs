//! A throwaway PKI (rcgen) and envelope builders (ring) for the tests: root → intermediate → leaf,
//! plus the odd leaves the negative tests need, and JWS/COSE envelopes signed like notation does.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384,
};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, RsaKeyPair};

/// 2026-06-01T00:00:00Z: inside every fixture's validity except the expired leaf's.
pub const NOW: i64 = 1_780_272_000;
pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DIGEST: &str = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";
pub const SIZE: u64 = 16724;
pub const LEAF_DN: &str = "C=US, ST=WA, L=Seattle, O=acme-rockets.io, OU=Finance, CN=SecureBuilder";

const RSA_KEY: &str = include_str!("../fixtures/test-rsa2048.key.pem");

/// How a leaf certificate should differ from a good one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafKind {
    Good,
    Expired,
    ServerAuthOnly,
    P384,
    Rsa,
    NoKeyUsage,
}

/// One signing identity: its key (PKCS#8) and chain (DER, leaf first, root last).
pub struct Signer {
    pub pkcs8: Vec<u8>,
    pub kind: LeafKind,
    pub chain: Vec<Vec<u8>>,
}

/// A root and intermediate able to issue leaves.
pub struct Pki {
    pub root_der: Vec<u8>,
    pub root_pem: String,
    intermediate_der: Vec<u8>,
    intermediate: Issuer<'static, KeyPair>,
}

fn dn(params: &mut CertificateParams, cn: &str) {
    params.distinguished_name = DistinguishedName::new();
    let d = &mut params.distinguished_name;
    d.push(DnType::CountryName, "US");
    d.push(DnType::StateOrProvinceName, "WA");
    d.push(DnType::LocalityName, "Seattle");
    d.push(DnType::OrganizationName, "acme-rockets.io");
    if cn == "SecureBuilder" {
        d.push(DnType::OrganizationalUnitName, "Finance");
    }
    d.push(DnType::CommonName, cn);
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    dn(&mut p, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = rcgen::date_time_ymd(2025, 1, 1);
    p.not_after = rcgen::date_time_ymd(2035, 1, 1);
    p
}

impl Pki {
    pub fn new(root_cn: &str) -> Self {
        let root_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let root_params = ca_params(root_cn);
        let root = root_params.self_signed(&root_key).unwrap();
        let root_issuer = Issuer::new(root_params, root_key);
        let int_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let int_params = ca_params(&format!("{root_cn} Intermediate"));
        let int_cert = int_params.signed_by(&int_key, &root_issuer).unwrap();
        Self {
            root_der: root.der().to_vec(),
            root_pem: root.pem(),
            intermediate_der: int_cert.der().to_vec(),
            intermediate: Issuer::new(int_params, int_key),
        }
    }

    pub fn leaf(&self, kind: LeafKind) -> Signer {
        let key = match kind {
            LeafKind::Rsa => KeyPair::from_pem(RSA_KEY).unwrap(),
            LeafKind::P384 => KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap(),
            _ => KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap(),
        };
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        dn(&mut p, "SecureBuilder");
        if kind != LeafKind::NoKeyUsage {
            p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        }
        p.extended_key_usages = vec![if kind == LeafKind::ServerAuthOnly {
            ExtendedKeyUsagePurpose::ServerAuth
        } else {
            ExtendedKeyUsagePurpose::CodeSigning
        }];
        (p.not_before, p.not_after) = if kind == LeafKind::Expired {
            (rcgen::date_time_ymd(2025, 1, 1), rcgen::date_time_ymd(2025, 6, 1))
        } else {
            (rcgen::date_time_ymd(2025, 1, 1), rcgen::date_time_ymd(2030, 1, 1))
        };
        let cert = p.signed_by(&key, &self.intermediate).unwrap();
        Signer {
            pkcs8: key.serialize_der(),
            kind,
            chain: vec![cert.der().to_vec(), self.intermediate_der.clone(), self.root_der.clone()],
        }
    }
}

impl Signer {
    /// Signs like notation: raw r‖s for ECDSA, RSASSA-PSS for RSA.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self.kind {
            LeafKind::Rsa => {
                let key = RsaKeyPair::from_pkcs8(&self.pkcs8).unwrap();
                let mut sig = vec![0; key.public().modulus_len()];
                key.sign(&ring::signature::RSA_PSS_SHA256, &rng, msg, &mut sig).unwrap();
                sig
            }
            kind => {
                let alg = if kind == LeafKind::P384 {
                    &ECDSA_P384_SHA384_FIXED_SIGNING
                } else {
                    &ECDSA_P256_SHA256_FIXED_SIGNING
                };
                let key = EcdsaKeyPair::from_pkcs8(alg, &self.pkcs8, &rng).unwrap();
                key.sign(&rng, msg).unwrap().as_ref().to_vec()
            }
        }
    }

    pub fn jws_alg(&self) -> &'static str {
        match self.kind {
            LeafKind::Rsa => "PS256",
            LeafKind::P384 => "ES384",
            _ => "ES256",
        }
    }
}

/// `{"targetArtifact": …}` for `digest`.
pub fn payload(digest: &str) -> Vec<u8> {
    serde_json::json!({"targetArtifact": {"mediaType": MANIFEST, "digest": digest, "size": SIZE,
        "annotations": {"io.wabbit-networks.buildId": "123"}}})
    .to_string()
    .into_bytes()
}

/// The protected header notation writes for `alg`.
pub fn jws_protected(alg: &str) -> serde_json::Value {
    serde_json::json!({
        "alg": alg,
        "crit": ["io.cncf.notary.signingScheme"],
        "cty": "application/vnd.cncf.notary.payload.v1+json",
        "io.cncf.notary.signingScheme": "notary.x509",
        "io.cncf.notary.signingTime": "2026-05-01T10:00:00Z",
    })
}

/// A flattened JWS JSON envelope over `payload` with `protected`, signed by `signer`.
pub fn jws(signer: &Signer, protected: &serde_json::Value, payload: &[u8]) -> Vec<u8> {
    let protected_b64 = URL_SAFE_NO_PAD.encode(protected.to_string());
    let payload_b64 = URL_SAFE_NO_PAD.encode(payload);
    let sig = signer.sign(format!("{protected_b64}.{payload_b64}").as_bytes());
    serde_json::json!({
        "payload": payload_b64,
        "protected": protected_b64,
        "header": {
            "x5c": signer.chain.iter().map(|c| STANDARD.encode(c)).collect::<Vec<_>>(),
            "io.cncf.notary.signingAgent": "arca-tests/1.0",
        },
        "signature": URL_SAFE_NO_PAD.encode(sig),
    })
    .to_string()
    .into_bytes()
}

/// A good JWS envelope for [`DIGEST`].
pub fn good_jws(signer: &Signer) -> Vec<u8> {
    jws(signer, &jws_protected(signer.jws_alg()), &payload(DIGEST))
}

// --- a tiny CBOR writer for COSE fixtures ---

pub fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    if n < 24 {
        out.push(m | n as u8);
    } else if n < 256 {
        out.extend([m | 24, n as u8]);
    } else if n < 65536 {
        out.push(m | 25);
        out.extend((n as u16).to_be_bytes());
    } else {
        out.push(m | 26);
        out.extend((n as u32).to_be_bytes());
    }
}

pub fn text(out: &mut Vec<u8>, s: &str) {
    head(out, 3, s.len() as u64);
    out.extend(s.as_bytes());
}

pub fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    head(out, 2, b.len() as u64);
    out.extend(b);
}

pub fn int(out: &mut Vec<u8>, n: i64) {
    if n >= 0 { head(out, 0, n as u64) } else { head(out, 1, (-1 - n) as u64) }
}

/// The COSE protected header map notation writes, with `alg` and optionally without `crit`.
pub fn cose_protected(alg: i64, with_crit: bool) -> Vec<u8> {
    let mut m = Vec::new();
    head(&mut m, 5, if with_crit { 5 } else { 4 });
    int(&mut m, 1);
    int(&mut m, alg);
    if with_crit {
        int(&mut m, 2);
        head(&mut m, 4, 1);
        text(&mut m, "io.cncf.notary.signingScheme");
    }
    int(&mut m, 3);
    text(&mut m, "application/vnd.cncf.notary.payload.v1+json");
    text(&mut m, "io.cncf.notary.signingScheme");
    text(&mut m, "notary.x509");
    text(&mut m, "io.cncf.notary.signingTime");
    m.push(0xc1); // tag 1
    head(&mut m, 0, 1_777_629_600);
    m
}

/// A tagged COSE_Sign1 with `protected`, signed by `signer`.
pub fn cose(signer: &Signer, protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut tbs = Vec::new();
    head(&mut tbs, 4, 4);
    text(&mut tbs, "Signature1");
    bytes(&mut tbs, protected);
    bytes(&mut tbs, &[]);
    bytes(&mut tbs, payload);
    let sig = signer.sign(&tbs);
    let mut out = vec![0xd2]; // tag 18
    head(&mut out, 4, 4);
    bytes(&mut out, protected);
    head(&mut out, 5, 2);
    int(&mut out, 33);
    head(&mut out, 4, signer.chain.len() as u64);
    for c in &signer.chain {
        bytes(&mut out, c);
    }
    text(&mut out, "io.cncf.notary.signingAgent");
    text(&mut out, "arca-tests/1.0");
    bytes(&mut out, payload);
    bytes(&mut out, &sig);
    out
}

pub fn cose_alg(signer: &Signer) -> i64 {
    match signer.kind {
        LeafKind::Rsa => -37,
        LeafKind::P384 => -35,
        _ => -7,
    }
}

/// A good COSE envelope for [`DIGEST`].
pub fn good_cose(signer: &Signer) -> Vec<u8> {
    cose(signer, &cose_protected(cose_alg(signer), true), &payload(DIGEST))
}
