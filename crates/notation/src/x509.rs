//! The few certificate fields notation's rules read: subject DN, public key (type and size decide the
//! allowed signature algorithm), key usage and basic constraints with their criticality.
//!
//! Chain building, validity periods and the EKU are `webpki`'s job (see `chain.rs`); this module
//! only extracts, with the strict reader in `der.rs`.

use crate::der::{self, BIT_STRING, BOOLEAN, INTEGER, OCTET_STRING, OID, Reader, SEQUENCE, SET};
use crate::dn::Dn;

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const P256: &str = "1.2.840.10045.3.1.7";
const P384: &str = "1.3.132.0.34";
const P521: &str = "1.3.132.0.35";
const KEY_USAGE: &str = "2.5.29.15";
const BASIC_CONSTRAINTS: &str = "2.5.29.19";

/// An elliptic curve named by a certificate's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
    P521,
}

/// The subject public key, in the encodings `ring` verifies with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PublicKey {
    /// `RSAPublicKey` DER and the modulus length in bits.
    Rsa { pkcs1: Vec<u8>, bits: usize },
    /// An uncompressed SEC1 point.
    Ec { curve: Curve, point: Vec<u8> },
    /// Any other algorithm (by OID); notation allows none.
    Other(String),
}

/// An extension's presence, criticality and decoded value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ext<T> {
    pub critical: bool,
    pub value: T,
}

/// Key usage bits that notation's certificate requirements mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct KeyUsage {
    pub digital_signature: bool,
    pub key_cert_sign: bool,
}

/// The parts of one certificate that notation's rules read.
#[derive(Debug, Clone)]
pub(crate) struct CertInfo {
    pub subject: Dn,
    pub key: PublicKey,
    pub key_usage: Option<Ext<KeyUsage>>,
    /// `cA` of basicConstraints.
    pub basic_constraints: Option<Ext<bool>>,
}

/// Extracts [`CertInfo`] from a DER certificate; `None` if it is not one.
pub(crate) fn parse(cert_der: &[u8]) -> Option<CertInfo> {
    let cert = Reader::new(cert_der).expect(SEQUENCE)?;
    let mut tbs = Reader::new(Reader::new(cert).expect(SEQUENCE)?);
    let _version = tbs.optional(0xa0);
    tbs.expect(INTEGER)?;
    tbs.expect(SEQUENCE)?; // signature algorithm
    tbs.expect(SEQUENCE)?; // issuer
    tbs.expect(SEQUENCE)?; // validity
    let subject = parse_name(tbs.expect(SEQUENCE)?)?;
    let key = parse_spki(tbs.expect(SEQUENCE)?)?;
    let _issuer_uid = tbs.optional(0x81);
    let _subject_uid = tbs.optional(0x82);
    let mut info = CertInfo { subject, key, key_usage: None, basic_constraints: None };
    if let Some(exts) = tbs.optional(0xa3) {
        parse_extensions(Reader::new(exts).expect(SEQUENCE)?, &mut info)?;
    }
    Some(info)
}

fn parse_name(name: &[u8]) -> Option<Dn> {
    let mut rdns = Reader::new(name);
    let mut attrs = Vec::new();
    while !rdns.is_empty() {
        let mut set = Reader::new(rdns.expect(SET)?);
        while !set.is_empty() {
            let mut atv = Reader::new(set.expect(SEQUENCE)?);
            let oid = der::oid_to_string(atv.expect(OID)?)?;
            let value = atv.next()?;
            attrs.push((short_name(&oid), decode_string(value.tag, value.value)?));
        }
    }
    Some(Dn::from_attributes(attrs))
}

/// The conventional short name (as Go's `pkix.Name.String` prints it), else the dotted OID.
fn short_name(oid: &str) -> String {
    let name = match oid {
        "2.5.4.6" => "C",
        "2.5.4.8" => "ST",
        "2.5.4.7" => "L",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.3" => "CN",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.9" => "STREET",
        "2.5.4.17" => "POSTALCODE",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        "1.2.840.113549.1.9.1" => "emailAddress",
        other => other,
    };
    name.to_owned()
}

fn decode_string(tag: u8, value: &[u8]) -> Option<String> {
    match tag {
        // UTF8String, PrintableString, TeletexString (as Latin-1 subset), IA5String
        0x0c | 0x13 | 0x16 => String::from_utf8(value.to_vec()).ok(),
        0x14 => Some(value.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UTF-16BE
        0x1e => {
            if !value.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = value.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16(&units).ok()
        }
        // Other string types (UniversalString, …) and non-strings: Go's `#<hex of the value>`.
        _ => Some(format!("#{}", value.iter().map(|b| format!("{b:02x}")).collect::<String>())),
    }
}

fn parse_spki(spki: &[u8]) -> Option<PublicKey> {
    let mut r = Reader::new(spki);
    let mut alg = Reader::new(r.expect(SEQUENCE)?);
    let alg_oid = der::oid_to_string(alg.expect(OID)?)?;
    let key_bits = der::bit_string_bytes(r.expect(BIT_STRING)?)?;
    match alg_oid.as_str() {
        RSA_ENCRYPTION => {
            let mut rsa = Reader::new(Reader::new(key_bits).expect(SEQUENCE)?);
            let modulus = rsa.expect(INTEGER)?;
            Some(PublicKey::Rsa { pkcs1: key_bits.to_vec(), bits: der::integer_bits(modulus) })
        }
        EC_PUBLIC_KEY => {
            let curve = match der::oid_to_string(alg.expect(OID)?)?.as_str() {
                P256 => Curve::P256,
                P384 => Curve::P384,
                P521 => Curve::P521,
                other => return Some(PublicKey::Other(format!("EC curve {other}"))),
            };
            Some(PublicKey::Ec { curve, point: key_bits.to_vec() })
        }
        other => Some(PublicKey::Other(other.to_owned())),
    }
}

fn parse_extensions(exts: &[u8], info: &mut CertInfo) -> Option<()> {
    let mut r = Reader::new(exts);
    while !r.is_empty() {
        let mut ext = Reader::new(r.expect(SEQUENCE)?);
        let oid = der::oid_to_string(ext.expect(OID)?)?;
        let critical = match ext.optional(BOOLEAN) {
            Some([0xff]) => true,
            Some([0x00]) | None => false,
            Some(_) => return None,
        };
        let value = ext.expect(OCTET_STRING)?;
        match oid.as_str() {
            KEY_USAGE => info.key_usage = Some(Ext { critical, value: parse_key_usage(value)? }),
            BASIC_CONSTRAINTS => {
                info.basic_constraints = Some(Ext { critical, value: parse_basic_constraints(value)? })
            }
            _ => {}
        }
    }
    Some(())
}

fn parse_key_usage(value: &[u8]) -> Option<KeyUsage> {
    let bits = Reader::new(value).expect(BIT_STRING)?;
    let first = bits.get(1).copied().unwrap_or(0);
    if bits.is_empty() {
        return None;
    }
    Some(KeyUsage { digital_signature: first & 0x80 != 0, key_cert_sign: first & 0x04 != 0 })
}

fn parse_basic_constraints(value: &[u8]) -> Option<bool> {
    let mut seq = Reader::new(Reader::new(value).expect(SEQUENCE)?);
    match seq.optional(BOOLEAN) {
        Some([0xff]) => Some(true),
        Some([0x00]) | None => Some(false),
        Some(_) => None,
    }
}
