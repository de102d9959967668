//! What an attachment is and what verifying it found: pure, given the attachment's manifest and
//! layer bytes, the subject and the trust roots.
//!
//! An attachment is a manifest about another one (its subject): an OCI 1.1 referrer, or the manifest
//! a cosign `sha256-<hex>.sig|att|sbom` tag points at. Each layout is read as its producer writes it:
//! - cosign legacy signatures: layers of `application/vnd.dev.cosign.simplesigning.v1+json` with the
//!   signature in the `dev.cosignproject.cosign/signature` annotation (verified over the exact bytes);
//! - cosign attestations: layers holding DSSE envelopes of in-toto statements (the annotation is
//!   present but empty);
//! - Sigstore bundles (cosign v3): `application/vnd.dev.sigstore.bundle.v0.3+json` referrers;
//! - notation: `application/vnd.cncf.notary.signature` referrers (artifactType, or the config media
//!   type of the legacy form) with one JWS or COSE layer;
//! - SBOMs: SPDX or CycloneDX referrers and cosign's `.sbom` tags (never signatures).
//!
//! Unsigned buildx attestations live inside image indexes, not as attachments, so nothing here
//! counts them as signatures.

use crate::meta::TrustRoot;
use crate::meta::TrustRootKind;
use arca_notation::TrustPolicy;
use arca_notation::TrustStores;
use arca_sbom::Sbom;
use arca_trust::intoto::Statement;
use arca_trust::keys::PublicKey;
use arca_trust::slsa::Provenance;
use arca_types::{Digest, Verdict};
use bytes::Bytes;
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;

/// The annotation of a cosign legacy signature layer.
pub const COSIGN_SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// The annotation of a keyless cosign signature's certificate.
pub const COSIGN_CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
pub const DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
pub const NOTATION_SIGNATURE: &str = "application/vnd.cncf.notary.signature";
/// cosign v3's signature predicate: a bundle of this predicate type is a signature.
pub const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

/// What kind of attachment a manifest is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    CosignSignature,
    CosignAttestation,
    SigstoreBundle,
    SigstoreAttestation,
    Notation,
    Sbom,
    Other,
}

impl Kind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CosignSignature => "cosign-signature",
            Self::CosignAttestation => "cosign-attestation",
            Self::SigstoreBundle => "sigstore-bundle",
            Self::SigstoreAttestation => "sigstore-attestation",
            Self::Notation => "notation",
            Self::Sbom => "sbom",
            Self::Other => "other",
        }
    }

    /// Whether a valid attachment of this kind signs the subject itself (not a statement about it).
    pub const fn is_signature(self) -> bool {
        matches!(self, Self::CosignSignature | Self::SigstoreBundle | Self::Notation)
    }
}

/// One layer of an attachment, with its bytes when they were small enough to read.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub media_type: String,
    pub annotations: BTreeMap<String, String>,
    pub bytes: Option<Bytes>,
}

/// An attachment as stored: what its manifest says and its layers.
#[derive(Debug, Clone, Default)]
pub struct Attachment {
    pub digest: Option<Digest>,
    pub artifact_type: Option<String>,
    pub config_media_type: Option<String>,
    /// `sig`, `att` or `sbom` when found through cosign's tag scheme.
    pub tag_suffix: Option<String>,
    pub layers: Vec<Layer>,
}

/// The subject as signers describe it.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub digest: &'a Digest,
    pub media_type: &'a str,
    pub size: u64,
    /// `repository/package`: notation trust policy scopes name it after a registry host.
    pub scope: String,
    pub now_secs: i64,
}

/// A repository's trust roots, parsed.
#[derive(Debug, Clone, Default)]
pub struct Roots {
    cosign: Vec<(String, PublicKey)>,
    notation_policy: Option<TrustPolicy>,
    notation_stores: TrustStores,
    /// Names this set of roots (a hash of every root's kind, name and fingerprint): verdicts are cached
    /// under it, so changing the roots means verifying again.
    pub id: String,
}

impl Roots {
    /// The roots of stored trust roots; a root that no longer parses is skipped (it was checked when
    /// added) and named in the second value.
    pub fn of(stored: &[TrustRoot]) -> (Self, Vec<String>) {
        let mut roots = Roots::default();
        let mut broken = Vec::new();
        let mut hasher = Sha256::new();
        for root in stored {
            hasher.update(format!("{}\0{}\0{}\n", root.kind.as_str(), root.name, root.fingerprint));
            if let Err(e) = roots.add(root) {
                broken.push(format!("{}: {e}", root.name));
            }
        }
        roots.id = if stored.is_empty() { "none".to_owned() } else { hex::encode(hasher.finalize()) };
        (roots, broken)
    }

    fn add(&mut self, root: &TrustRoot) -> Result<(), String> {
        let material = root.material.as_bytes();
        match root.kind {
            TrustRootKind::CosignKey => {
                let key = PublicKey::from_pem(material).map_err(|e| e.to_string())?;
                self.cosign.push((root.name.clone(), key));
            }
            TrustRootKind::NotationCa => {
                self.notation_stores.add(&format!("ca:{}", root.name), material).map_err(|e| e.to_string())?;
            }
            TrustRootKind::NotationPolicy => {
                self.notation_policy = Some(TrustPolicy::parse(material).map_err(|e| e.to_string())?);
            }
        }
        Ok(())
    }

    fn cosign_keys(&self) -> Vec<PublicKey> {
        self.cosign.iter().map(|(_, k)| k.clone()).collect()
    }

    /// The root's name for a key fingerprint a verifier reported, else the fingerprint.
    fn name_of(&self, signer: &str) -> String {
        (self.cosign.iter())
            .find(|(_, k)| k.fingerprint() == signer)
            .map_or_else(|| signer.to_owned(), |(n, _)| n.clone())
    }
}

/// Validates a trust root's material; its fingerprint.
pub fn fingerprint(kind: TrustRootKind, material: &[u8]) -> Result<String, String> {
    match kind {
        TrustRootKind::CosignKey => PublicKey::from_pem(material).map(|k| k.fingerprint()).map_err(|e| e.to_string()),
        TrustRootKind::NotationCa => {
            let mut stores = TrustStores::default();
            stores.add("ca:check", material).map_err(|e| e.to_string())?;
            Ok(format!("sha256:{}", hex::encode(Sha256::digest(material))))
        }
        TrustRootKind::NotationPolicy => {
            TrustPolicy::parse(material).map_err(|e| e.to_string())?;
            Ok(format!("sha256:{}", hex::encode(Sha256::digest(material))))
        }
    }
}

/// Normalised SLSA provenance, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ProvenanceFacts {
    pub slsa_version: String,
    pub builder_id: String,
    pub build_type: String,
    pub source_repository: Option<String>,
    pub source_ref: Option<String>,
    pub commit: Option<String>,
    pub entry_point: Option<String>,
    pub invocation_id: Option<String>,
    pub started_on: Option<String>,
    pub finished_on: Option<String>,
}

impl From<&Provenance> for ProvenanceFacts {
    fn from(p: &Provenance) -> Self {
        Self {
            slsa_version: match p.version {
                arca_trust::slsa::SlsaVersion::V02 => "0.2".to_owned(),
                arca_trust::slsa::SlsaVersion::V1 => "1".to_owned(),
            },
            builder_id: p.builder_id.clone(),
            build_type: p.build_type.clone(),
            source_repository: p.source_repository.clone(),
            source_ref: p.source_ref.clone(),
            commit: p.commit.clone(),
            entry_point: p.entry_point.clone(),
            invocation_id: p.invocation_id.clone(),
            started_on: p.started_on.clone(),
            finished_on: p.finished_on.clone(),
        }
    }
}

/// What checking one attachment found.
#[derive(Debug, Clone)]
pub struct Checked {
    pub kind: Kind,
    pub verdict: Verdict,
    pub predicate_type: Option<String>,
    /// Provenance the attachment states (trust it only when `verdict` is valid).
    pub provenance: Option<ProvenanceFacts>,
    /// The SBOM it carries, if any (signed or not).
    pub sbom: Option<Sbom>,
}

impl Checked {
    fn new(kind: Kind, verdict: Verdict) -> Self {
        Self { kind, verdict, predicate_type: None, provenance: None, sbom: None }
    }

    /// The facts kept with the verdict: predicate type, provenance, SBOM format and size.
    pub fn facts_json(&self) -> String {
        let sbom = self.sbom.as_ref().map(|s| {
            serde_json::json!({"format": s.format, "spec_version": s.spec_version, "components": s.components.len()})
        });
        let facts = serde_json::json!({
            "predicate_type": self.predicate_type,
            "provenance": self.provenance,
            "sbom": sbom,
        });
        facts.to_string()
    }
}

/// Classifies the attachment and verifies it against `roots`.
pub fn check(att: &Attachment, subject: &Subject<'_>, roots: &Roots) -> Checked {
    let artifact_type = att.artifact_type.as_deref().or(att.config_media_type.as_deref()).unwrap_or_default();
    let mut checked = if artifact_type.starts_with("application/vnd.dev.sigstore.bundle") {
        bundle(att, subject, roots)
    } else if artifact_type == NOTATION_SIGNATURE || att.config_media_type.as_deref() == Some(NOTATION_SIGNATURE) {
        notation(att, subject, roots)
    } else if att.layers.iter().any(|l| l.media_type == DSSE_ENVELOPE) || att.tag_suffix.as_deref() == Some("att") {
        attestation(att, subject, roots)
    } else if att.layers.iter().any(|l| l.annotations.contains_key(COSIGN_SIGNATURE_ANNOTATION))
        || att.tag_suffix.as_deref() == Some("sig")
    {
        cosign_signature(att, subject, roots)
    } else {
        sbom_or_other(att, artifact_type)
    };
    if let Verdict::Valid { signer } = &checked.verdict {
        checked.verdict = Verdict::Valid { signer: roots.name_of(signer) };
    }
    checked
}

fn layer_bytes(layer: &Layer) -> Result<&[u8], Verdict> {
    layer.bytes.as_deref().ok_or_else(|| Verdict::invalid("the layer is missing or too large to verify"))
}

/// The best verdict of several signatures: a valid one wins, else the most telling failure.
fn best(verdicts: Vec<Verdict>) -> Verdict {
    let rank = |v: &Verdict| match v {
        Verdict::Valid { .. } => 0,
        Verdict::Invalid { .. } => 1,
        Verdict::UntrustedKey { .. } => 2,
        Verdict::KeylessNotVerifiable { .. } => 3,
        Verdict::Unsupported { .. } => 4,
    };
    let valid: Vec<String> = (verdicts.iter())
        .filter_map(|v| match v {
            Verdict::Valid { signer } => Some(signer.clone()),
            _ => None,
        })
        .collect();
    if let Some(first) = valid.first() {
        return Verdict::Valid { signer: first.clone() };
    }
    verdicts.into_iter().min_by_key(rank).unwrap_or_else(|| Verdict::invalid("no signature in the attachment"))
}

fn cosign_signature(att: &Attachment, subject: &Subject<'_>, roots: &Roots) -> Checked {
    let keys = roots.cosign_keys();
    let verdicts = (att.layers.iter())
        .filter(|l| l.media_type == SIMPLE_SIGNING || l.annotations.contains_key(COSIGN_SIGNATURE_ANNOTATION))
        .map(|layer| {
            let signature = layer.annotations.get(COSIGN_SIGNATURE_ANNOTATION).map(String::as_str).unwrap_or_default();
            let payload = match layer_bytes(layer) {
                Ok(p) => p,
                Err(v) => return v,
            };
            if keys.is_empty() {
                if layer.annotations.contains_key(COSIGN_CERTIFICATE_ANNOTATION) {
                    return Verdict::KeylessNotVerifiable { identity: None };
                }
                return Verdict::UntrustedKey { signer: "no cosign key is trusted by this repository".to_owned() };
            }
            match arca_trust::simple_signing::verify(payload, signature, subject.digest.as_str(), &keys) {
                Verdict::Invalid { .. } if layer.annotations.contains_key(COSIGN_CERTIFICATE_ANNOTATION) => {
                    Verdict::KeylessNotVerifiable { identity: None }
                }
                v => v,
            }
        })
        .collect();
    Checked::new(Kind::CosignSignature, best(verdicts))
}

fn attestation(att: &Attachment, subject: &Subject<'_>, roots: &Roots) -> Checked {
    let keys = roots.cosign_keys();
    let mut checked = Checked::new(Kind::CosignAttestation, Verdict::invalid("no DSSE envelope in the attachment"));
    let mut verdicts = Vec::new();
    for layer in att.layers.iter().filter(|l| l.media_type == DSSE_ENVELOPE || att.tag_suffix.as_deref() == Some("att"))
    {
        let bytes = match layer_bytes(layer) {
            Ok(b) => b,
            Err(v) => {
                verdicts.push(v);
                continue;
            }
        };
        let envelope = match arca_trust::dsse::Envelope::parse(bytes) {
            Ok(e) => e,
            Err(e) => {
                verdicts.push(Verdict::invalid(format!("not a DSSE envelope: {e}")));
                continue;
            }
        };
        let statement = Statement::parse(&envelope.payload).ok();
        let verdict = match (&statement, keys.is_empty()) {
            (None, _) => Verdict::invalid("the envelope's payload is not an in-toto statement"),
            (Some(s), _) if !s.covers(subject.digest.hex()) => {
                Verdict::invalid(format!("the statement is about another artifact, not {}", subject.digest))
            }
            (Some(_), true) => {
                Verdict::UntrustedKey { signer: "no cosign key is trusted by this repository".to_owned() }
            }
            (Some(_), false) => arca_trust::dsse::verify(&envelope, &keys),
        };
        if let Some(s) = &statement {
            learn_from_statement(&mut checked, s);
        }
        verdicts.push(verdict);
    }
    checked.verdict = best(verdicts);
    checked
}

/// Records what a statement says: its predicate type, SLSA provenance, an SBOM predicate.
fn learn_from_statement(checked: &mut Checked, statement: &Statement) {
    checked.predicate_type.get_or_insert_with(|| statement.predicate_type.clone());
    if let Some(p) = Provenance::from_statement(statement) {
        checked.provenance.get_or_insert_with(|| ProvenanceFacts::from(&p));
    }
    if arca_sbom::is_sbom_predicate_type(&statement.predicate_type) && checked.sbom.is_none() {
        checked.sbom = serde_json::to_vec(&statement.predicate).ok().and_then(|b| arca_sbom::parse(&b, None).ok());
    }
}

fn bundle(att: &Attachment, subject: &Subject<'_>, roots: &Roots) -> Checked {
    let mut checked = Checked::new(Kind::SigstoreBundle, Verdict::invalid("no bundle layer in the attachment"));
    let Some(layer) = att.layers.first() else { return checked };
    let bytes = match layer_bytes(layer) {
        Ok(b) => b,
        Err(v) => {
            checked.verdict = v;
            return checked;
        }
    };
    let bundle = match arca_trust::bundle::Bundle::parse(bytes) {
        Ok(b) => b,
        Err(e) => {
            checked.verdict = Verdict::invalid(format!("not a Sigstore bundle: {e}"));
            return checked;
        }
    };
    let outcome = arca_trust::bundle::verify(&bundle, subject.digest.hex(), &roots.cosign_keys());
    checked.verdict = outcome.verdict;
    if let Some(statement) = &outcome.statement {
        learn_from_statement(&mut checked, statement);
        if statement.predicate_type != COSIGN_SIGN_PREDICATE {
            checked.kind = Kind::SigstoreAttestation;
        }
    }
    checked
}

fn notation(att: &Attachment, subject: &Subject<'_>, roots: &Roots) -> Checked {
    let verdict = (|| {
        let layer = att.layers.first().ok_or_else(|| Verdict::invalid("no signature envelope in the attachment"))?;
        let bytes = layer_bytes(layer)?;
        let Some(policy) = &roots.notation_policy else {
            return Err(Verdict::UntrustedKey {
                signer: "no notation trust policy is configured for this repository".to_owned(),
            });
        };
        let target = arca_notation::Subject {
            media_type: subject.media_type.to_owned(),
            digest: subject.digest.to_string(),
            size: subject.size,
        };
        let scope = matching_scope(policy, &subject.scope);
        Ok(arca_notation::verify(
            &layer.media_type,
            bytes,
            &target,
            &scope,
            policy,
            &roots.notation_stores,
            subject.now_secs,
        ))
    })()
    .unwrap_or_else(|v| v);
    Checked::new(Kind::Notation, verdict)
}

/// The scope to select a notation trust policy by: a configured scope naming this repository path
/// after any registry host (arca does not know every name clients reach it by), else the path itself
/// (which then selects the wildcard policy, if any).
fn matching_scope(policy: &TrustPolicy, path: &str) -> String {
    (policy.policies.iter())
        .flat_map(|p| p.registry_scopes.iter().flatten())
        .map(String::as_str)
        .find(|s| *s == path || s.split_once('/').is_some_and(|(_, p)| p == path))
        .map_or_else(|| path.to_owned(), str::to_owned)
}

fn sbom_or_other(att: &Attachment, artifact_type: &str) -> Checked {
    let sbom_like = att.tag_suffix.as_deref() == Some("sbom")
        || arca_sbom::is_sbom_media_type(artifact_type)
        || att.layers.iter().any(|l| arca_sbom::is_sbom_media_type(&l.media_type));
    if !sbom_like {
        return Checked::new(Kind::Other, Verdict::unsupported(format!("not a signature ({artifact_type})")));
    }
    let mut checked = Checked::new(Kind::Sbom, Verdict::unsupported("an SBOM, not a signature"));
    for layer in &att.layers {
        let Some(bytes) = layer.bytes.as_deref() else { continue };
        match arca_sbom::parse(bytes, Some(&layer.media_type)) {
            Ok(sbom) => {
                checked.sbom = Some(sbom);
                break;
            }
            Err(e) => checked.verdict = Verdict::invalid(format!("the SBOM does not parse: {e}")),
        }
    }
    checked
}
