//! PEP 740 attestations: the `attestations` field of an upload, checked for shape and for
//! naming the uploaded file, and the provenance object the simple API links to.
//!
//! What is *not* checked: the signature. A PEP 740 attestation is signed keylessly (Sigstore:
//! a short-lived Fulcio certificate for the publisher's OIDC identity, logged in Rekor);
//! verifying it needs Sigstore's trust root and a policy naming the identity expected for the
//! project (PyPI takes it from the project's Trusted Publisher). This crate has neither, so an
//! attestation that passes here is well-formed and about this file, not proven authentic.
//! Clients that verify (`pypi-attestations verify pypi`) do so against the provenance object.

use crate::error::{PypiError, quote};
use crate::filename::DistFilename;
use crate::upload::MAX_LONG_FIELD_BYTES;
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Most attestations accepted for one file. PEP 740 allows one per predicate type and defines
/// two types, so this only bounds the work done on a hostile list.
pub const MAX_ATTESTATIONS: usize = 8;

/// The in-toto statement type every attestation carries.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";

/// The predicate types PEP 740 (and PyPI) accept.
pub const PREDICATE_TYPES: [&str; 2] =
    ["https://slsa.dev/provenance/v1", "https://docs.pypi.org/attestations/publish/v1"];

/// The `kind` of the publisher [`provenance_document`] names when the upload was not made by a
/// Trusted Publisher (the spec requires a publisher object; this one claims nothing).
pub const UNVERIFIED_PUBLISHER_KIND: &str = "unverified";

#[derive(Deserialize)]
struct Attestation {
    version: u64,
    verification_material: VerificationMaterial,
    envelope: Envelope,
}

#[derive(Deserialize)]
struct VerificationMaterial {
    certificate: String,
    transparency_entries: Vec<serde_json::Map<String, Value>>,
}

#[derive(Deserialize)]
struct Envelope {
    statement: String,
    signature: String,
}

#[derive(Deserialize)]
struct Statement {
    #[serde(rename = "_type")]
    kind: String,
    subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    predicate_type: String,
}

#[derive(Deserialize)]
struct Subject {
    name: String,
    digest: BTreeMap<String, String>,
}

/// Parses the upload's `attestations` field: a non-empty JSON array of PEP 740 attestation
/// objects (`version: 1`, `verification_material` with a base64 `certificate` and at least one
/// transparency entry, `envelope` with a base64 in-toto v1 `statement` about one subject and a
/// base64 `signature`), at most one per supported predicate type. Answers the objects as sent,
/// to be stored and served verbatim.
pub fn parse_attestations(json: &str) -> Result<Vec<Value>, PypiError> {
    if json.len() > MAX_LONG_FIELD_BYTES {
        return Err(invalid(format!("the attestations are longer than {MAX_LONG_FIELD_BYTES} bytes")));
    }
    let value: Value = serde_json::from_str(json).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let Value::Array(list) = value else {
        return Err(invalid("the attestations must be a JSON array".into()));
    };
    if list.is_empty() || list.len() > MAX_ATTESTATIONS {
        return Err(invalid(format!("expected 1 to {MAX_ATTESTATIONS} attestations, got {}", list.len())));
    }
    let mut predicate_types = BTreeSet::new();
    for (i, attestation) in list.iter().enumerate() {
        let statement = statement_of(attestation).map_err(|e| invalid(format!("attestation {}: {e}", i + 1)))?;
        if !predicate_types.insert(statement.predicate_type) {
            return Err(invalid("several attestations of the same predicate type".into()));
        }
    }
    Ok(list)
}

/// Checks that every attestation's statement is about the uploaded file: its subject's name is
/// the file's (or the same distribution spelled differently, as PEP 740 allows) and its SHA-256
/// digest is the file's.
pub fn check_attestation_subjects(
    attestations: &[Value],
    file: &DistFilename,
    sha256_hex: &str,
) -> Result<(), PypiError> {
    for (i, attestation) in attestations.iter().enumerate() {
        let statement = statement_of(attestation).map_err(|e| invalid(format!("attestation {}: {e}", i + 1)))?;
        let subject = &statement.subject[0];
        let same_file = subject.name == file.filename
            || DistFilename::parse(&subject.name).is_ok_and(|named| named.same_distribution(file));
        if !same_file {
            return Err(invalid(format!(
                "attestation {} is about {}, not {}",
                i + 1,
                quote(&subject.name),
                quote(&file.filename)
            )));
        }
        if !subject.digest.get("sha256").is_some_and(|d| d.eq_ignore_ascii_case(sha256_hex)) {
            return Err(invalid(format!("attestation {} names another sha256 digest than the file's", i + 1)));
        }
    }
    Ok(())
}

/// PEP 740's provenance object for one file: one bundle, by `publisher` (the Trusted
/// Publisher's object: `kind`, `claims`, …), holding the attestations. Without a publisher the
/// bundle names one of kind [`UNVERIFIED_PUBLISHER_KIND`] with no claims. Serve it only for files
/// that have attestations: the spec wants at least one bundle of at least one attestation.
pub fn provenance_document(publisher: Option<Value>, attestations: &[Value]) -> Value {
    let publisher = publisher.unwrap_or_else(|| json!({ "kind": UNVERIFIED_PUBLISHER_KIND, "claims": {} }));
    json!({
        "version": 1,
        "attestation_bundles": [{ "publisher": publisher, "attestations": attestations }],
    })
}

/// The checked statement of one attestation; the error says what is wrong, without context.
fn statement_of(attestation: &Value) -> Result<Statement, String> {
    let attestation = Attestation::deserialize(attestation).map_err(|e| e.to_string())?;
    if attestation.version != 1 {
        return Err(format!("unsupported version {}, expected 1", attestation.version));
    }
    let material = &attestation.verification_material;
    if decode(&material.certificate)?.is_empty() {
        return Err("the certificate is empty".into());
    }
    if material.transparency_entries.is_empty() {
        return Err("no transparency log entry".into());
    }
    if decode(&attestation.envelope.signature)?.is_empty() {
        return Err("the signature is empty".into());
    }
    let statement: Statement = serde_json::from_slice(&decode(&attestation.envelope.statement)?)
        .map_err(|e| format!("the statement is not an in-toto statement: {e}"))?;
    if statement.kind != STATEMENT_TYPE {
        return Err(format!("the statement's _type is {}, expected {STATEMENT_TYPE}", quote(&statement.kind)));
    }
    if !PREDICATE_TYPES.contains(&statement.predicate_type.as_str()) {
        return Err(format!("unsupported predicate type {}", quote(&statement.predicate_type)));
    }
    let [subject] = statement.subject.as_slice() else {
        return Err(format!("the statement must have exactly one subject, it has {}", statement.subject.len()));
    };
    let digest_ok =
        subject.digest.get("sha256").is_some_and(|d| d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()));
    if !digest_ok {
        return Err("the subject has no hex sha256 digest".into());
    }
    Ok(statement)
}

/// Standard base64, padding optional, line breaks ignored (Python's `base64.b64decode` of
/// pydantic's `Base64Bytes` is as lenient).
fn decode(text: &str) -> Result<Vec<u8>, String> {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    ENGINE.decode(compact).map_err(|e| format!("invalid base64: {e}"))
}

fn invalid(message: String) -> PypiError {
    PypiError::InvalidAttestation(message)
}
