//! Promotion records checked by the reference DSSE implementation, not by our own code: Python's
//! `securesystemslib` (the in-toto project's library) verifies the envelope with the published PEM.

use arca_core::promotion::Verdict;
use arca_core::promotion::record::Signer as _;
use arca_core::promotion::record::{
    PAYLOAD_TYPE, PREDICATE_TYPE, PromotionPredicate, RELEASE_PREDICATE_TYPE, ReleasePredicate, STATEMENT_TYPE,
    envelope, statement,
};
use arca_server::signer::Ed25519Signer;
use arca_types::{Digest, DigestAlgorithm};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;
use sha2::Digest as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Verifies the envelope (argv 1) with the PEM public key (argv 2) under the key id (argv 3), then
/// prints the statement. securesystemslib 1.x has no `from_pem`: the key is loaded with
/// `cryptography` and wrapped; and it only tries keys whose id equals the signature's `keyid`.
const VERIFY: &str = r#"
import json, sys
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

envelope_path, pem_path, keyid = sys.argv[1:4]
with open(pem_path, "rb") as f:
    key = SSlibKey.from_crypto(load_pem_public_key(f.read()), keyid=keyid, scheme="ed25519")
with open(envelope_path, "rb") as f:
    envelope = Envelope.from_dict(json.load(f))
envelope.verify([key], 1)
if envelope.payload_type != "application/vnd.in-toto+json":
    sys.exit(f"payloadType {envelope.payload_type!r}")
sys.stdout.write(envelope.payload.decode())
"#;

/// The Python with `securesystemslib[crypto]`: `ARCA_TEST_PYTHON` (a command on the PATH, or a
/// path, relative ones from the workspace root), default `.ci/venv/bin/python`. Panics when it
/// cannot import the library.
fn python_with_securesystemslib() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = match std::env::var_os("ARCA_TEST_PYTHON") {
        Some(p) if !p.to_string_lossy().contains('/') => PathBuf::from(p),
        Some(p) => root.join(p),
        None => root.join(".ci/venv/bin/python"),
    };
    let probe = Command::new(&python)
        .args(["-c", "import securesystemslib.dsse, securesystemslib.signer, cryptography"])
        .stdin(Stdio::null())
        .output();
    let problem = match &probe {
        Ok(out) if out.status.success() => return python,
        // The traceback's last line: `ModuleNotFoundError: No module named 'securesystemslib'`.
        Ok(out) => String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default().to_owned(),
        Err(e) => e.to_string(),
    };
    panic!(
        "{} cannot import securesystemslib ({problem}): run `bash .ci/run` (it creates .ci/venv with \
         securesystemslib[crypto]) or point ARCA_TEST_PYTHON at a Python that has it",
        python.display()
    );
}

fn predicate() -> PromotionPredicate {
    PromotionPredicate {
        source: "dev/team/app".into(),
        target: "prod/team/app".into(),
        version: Some("1.2.3".into()),
        release: Some("2026.11".into()),
        gates: vec![Verdict { gate: "approvals=1".into(), passed: true, reason: "approved by alice".into() }],
        approvers: vec!["alice".into()],
        promoted_by: "ci".into(),
        promoted_at: "2026-11-02T10:00:00Z".into(),
    }
}

/// Runs the verifier on `envelope` with `signer`'s PEM and key id.
fn verify_in_python(dir: &Path, envelope: &[u8], signer: &Ed25519Signer) -> Output {
    verify_with_key(dir, envelope, &signer.public_key_pem(), signer.key_id())
}

/// Runs the verifier on `envelope` with a PEM public key and key id.
fn verify_with_key(dir: &Path, envelope: &[u8], pem: &str, key_id: &str) -> Output {
    let (envelope_path, pem_path) = (dir.join("envelope.json"), dir.join("key.pem"));
    std::fs::write(&envelope_path, envelope).unwrap();
    std::fs::write(&pem_path, pem).unwrap();
    Command::new(python_with_securesystemslib())
        .arg("-c")
        .arg(VERIFY)
        .arg(&envelope_path)
        .arg(&pem_path)
        .arg(key_id)
        .stdin(Stdio::null())
        .output()
        .expect("python runs")
}

#[test]
fn securesystemslib_verifies_a_promotion_record() {
    let dir = tempfile::tempdir().unwrap();
    let signer = Ed25519Signer::from_seed(&[7; 32]);
    let digest = Digest::from_hash(DigestAlgorithm::Sha256, &sha2::Sha256::digest(b"a manifest"));
    let payload = statement("prod/team/app", &digest, &predicate());

    let out = verify_in_python(dir.path(), &envelope(&payload, &signer), &signer);
    assert!(out.status.success(), "securesystemslib refused the envelope: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, payload, "the verified payload is the statement, byte for byte");
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["_type"], STATEMENT_TYPE);
    assert_eq!(s["predicateType"], PREDICATE_TYPE);
    assert_eq!(s["subject"][0]["digest"]["sha256"], digest.hex());
    assert_eq!(serde_json::from_value::<PromotionPredicate>(s["predicate"].clone()).unwrap(), predicate());
}

#[test]
fn securesystemslib_refuses_a_changed_statement_or_another_key() {
    let dir = tempfile::tempdir().unwrap();
    let signer = Ed25519Signer::from_seed(&[7; 32]);
    let digest = Digest::from_hash(DigestAlgorithm::Sha256, &sha2::Sha256::digest(b"a manifest"));
    let payload = statement("prod/team/app", &digest, &predicate());
    let signed: Value = serde_json::from_slice(&envelope(&payload, &signer)).unwrap();

    // The payload swapped for another statement, the signature kept.
    let other =
        statement("prod/team/app", &digest, &PromotionPredicate { promoted_by: "mallory".into(), ..predicate() });
    let mut forged = signed.clone();
    forged["payload"] = BASE64.encode(&other).into();
    let out = verify_in_python(dir.path(), &serde_json::to_vec(&forged).unwrap(), &signer);
    assert!(!out.status.success(), "a changed statement verified: {}", String::from_utf8_lossy(&out.stdout));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("VerificationError"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The payload type is signed too (it is in the PAE).
    let mut retyped = signed.clone();
    retyped["payloadType"] = format!("{PAYLOAD_TYPE} ").into();
    let out = verify_in_python(dir.path(), &serde_json::to_vec(&retyped).unwrap(), &signer);
    assert!(!out.status.success(), "a changed payload type verified");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("VerificationError"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Signed by another key under the trusted key's id.
    let impostor = Ed25519Signer::from_seed(&[8; 32]);
    let mut by_impostor: Value = serde_json::from_slice(&envelope(&payload, &impostor)).unwrap();
    by_impostor["signatures"][0]["keyid"] = signer.key_id().into();
    let out = verify_in_python(dir.path(), &serde_json::to_vec(&by_impostor).unwrap(), &signer);
    assert!(!out.status.success(), "another key's signature verified");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("VerificationError"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A promotion through the API leaves a record on the artifact, in the target, which the published
/// key verifies; promoted again, the record of the earlier stage travels along.
#[tokio::test]
async fn every_promotion_leaves_a_record_the_published_key_verifies() {
    use crate::support::{Client, sha256};
    let dir = tempfile::tempdir().unwrap();
    let server = arca_server::testing::TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    for body in [
        serde_json::json!({"name": "dev"}),
        serde_json::json!({"name": "staging", "promote_from": ["dev"]}),
        serde_json::json!({"name": "prod", "promote_from": ["staging"], "gates": ["sbom"]}),
    ] {
        assert_eq!(c.http.post(c.url("/api/v1/repositories")).json(&body).send().await.unwrap().status(), 201);
    }
    let manifest = c.push_image_parts("dev/app", b"the app").await;
    let digest = sha256(manifest.as_bytes());
    assert_eq!(c.put_manifest("dev/app", "1.0", &manifest).await.status(), 201);
    let promote = |artifact: &str, to: &str| {
        c.http.post(c.url("/api/v1/promotions")).json(&serde_json::json!({"artifact": artifact, "to": to})).send()
    };
    assert_eq!(promote("dev/app@1.0", "staging").await.unwrap().status(), 200);
    let key: Value = c.get("/api/v1/promotions/key").await.json().await.unwrap();
    assert_eq!(key["predicate_type"], PREDICATE_TYPE);

    let records = |repo: &'static str| {
        let c = &c;
        let digest = digest.clone();
        async move {
            let path = format!(
                "/v2/{repo}/app/referrers/{digest}?artifactType={}",
                "application/vnd.arca.promotion.v1%2Bjson"
            );
            let index: Value = c.get(&path).await.json().await.unwrap();
            index["manifests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["digest"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let in_staging = records("staging").await;
    assert_eq!(in_staging.len(), 1, "one record of the promotion into staging");
    let record: Value = c.get(&format!("/v2/staging/app/manifests/{}", in_staging[0])).await.json().await.unwrap();
    assert_eq!(record["subject"]["digest"], digest.as_str());
    let layer = record["layers"][0]["digest"].as_str().unwrap();
    assert_eq!(record["layers"][0]["mediaType"], "application/vnd.dsse.envelope.v1+json");
    let envelope = c.get(&format!("/v2/staging/app/blobs/{layer}")).await.bytes().await.unwrap();

    let out =
        verify_with_key(dir.path(), &envelope, key["public_key_pem"].as_str().unwrap(), key["keyid"].as_str().unwrap());
    assert!(out.status.success(), "securesystemslib refused it: {}", String::from_utf8_lossy(&out.stderr));
    let statement: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(statement["subject"][0]["digest"]["sha256"], digest.strip_prefix("sha256:").unwrap());
    assert_eq!(statement["subject"][0]["name"], "staging/app");
    assert_eq!(statement["predicate"]["source"], "dev/app");
    assert_eq!(statement["predicate"]["version"], "1.0");
    assert_eq!(statement["predicate"]["promotedBy"], "anonymous");

    // On to prod: the gate `sbom` fails, and a refused promotion leaves no record.
    assert_eq!(promote("staging/app@1.0", "prod").await.unwrap().status(), 422);
    assert_eq!(c.get(&format!("/v2/prod/app/manifests/{digest}")).await.status(), 404);
    let patch = serde_json::json!({"gates": []});
    assert_eq!(c.http.patch(c.url("/api/v1/repositories/prod")).json(&patch).send().await.unwrap().status(), 200);
    assert_eq!(promote("staging/app@1.0", "prod").await.unwrap().status(), 200);
    let in_prod = records("prod").await;
    assert_eq!(in_prod.len(), 2, "staging's record travelled along, and prod's own: {in_prod:?}");
    assert!(in_prod.contains(&in_staging[0]));
}

/// A release leaves one record for all its artifacts: each artifact's referrer carries the same
/// envelope, which the published key verifies, and its statement names every artifact as a subject
/// with what its promotion said.
#[tokio::test]
async fn a_release_leaves_one_record_that_every_artifact_carries() {
    use crate::support::{Client, sha256};
    let dir = tempfile::tempdir().unwrap();
    let server = arca_server::testing::TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    for body in [serde_json::json!({"name": "dev"}), serde_json::json!({"name": "prod", "promote_from": ["dev"]})] {
        assert_eq!(c.http.post(c.url("/api/v1/repositories")).json(&body).send().await.unwrap().status(), 201);
    }
    let mut digests = Vec::new();
    for name in ["api", "web"] {
        let manifest = c.push_image_parts(&format!("dev/{name}"), name.as_bytes()).await;
        assert_eq!(c.put_manifest(&format!("dev/{name}"), "2.1", &manifest).await.status(), 201);
        digests.push(sha256(manifest.as_bytes()));
    }
    let release = serde_json::json!({"release": "r42", "artifacts": ["dev/api@2.1", "dev/web@2.1"], "to": "prod"});
    let answer = c.http.post(c.url("/api/v1/promotions")).json(&release).send().await.unwrap();
    assert_eq!(answer.status(), 200);

    let mut envelopes = Vec::new();
    for (name, digest) in ["api", "web"].into_iter().zip(&digests) {
        let path = format!("/v2/prod/{name}/referrers/{digest}?artifactType=application/vnd.arca.promotion.v1%2Bjson");
        let index: Value = c.get(&path).await.json().await.unwrap();
        let records = index["manifests"].as_array().unwrap();
        assert_eq!(records.len(), 1, "{name}: one record: {index}");
        let record: Value = c
            .get(&format!("/v2/prod/{name}/manifests/{}", records[0]["digest"].as_str().unwrap()))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(record["subject"]["digest"], digest.as_str(), "{name}'s record is about it");
        let layer = record["layers"][0]["digest"].as_str().unwrap();
        envelopes.push(c.get(&format!("/v2/prod/{name}/blobs/{layer}")).await.bytes().await.unwrap());
    }
    assert_eq!(envelopes[0], envelopes[1], "one envelope for the release");

    let key: Value = c.get("/api/v1/promotions/key").await.json().await.unwrap();
    assert_eq!(key["release_predicate_type"], RELEASE_PREDICATE_TYPE);
    let out = verify_with_key(
        dir.path(),
        &envelopes[0],
        key["public_key_pem"].as_str().unwrap(),
        key["keyid"].as_str().unwrap(),
    );
    assert!(out.status.success(), "securesystemslib refused it: {}", String::from_utf8_lossy(&out.stderr));
    let statement: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(statement["predicateType"], RELEASE_PREDICATE_TYPE);
    let subjects: Vec<(&str, &str)> = statement["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["digest"]["sha256"].as_str().unwrap()))
        .collect();
    let hex = |d: &String| d.strip_prefix("sha256:").unwrap().to_owned();
    assert_eq!(subjects, [("prod/api", hex(&digests[0]).as_str()), ("prod/web", hex(&digests[1]).as_str())]);
    let predicate: ReleasePredicate = serde_json::from_value(statement["predicate"].clone()).unwrap();
    assert_eq!((predicate.release.as_str(), predicate.promoted_by.as_str()), ("r42", "anonymous"));
    let web = &predicate.promotions[1];
    assert_eq!(
        (web.digest.as_str(), web.source.as_str(), web.target.as_str(), web.version.as_deref()),
        (digests[1].as_str(), "dev/web", "prod/web", Some("2.1"))
    );
}
