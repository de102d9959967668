//! Supply-chain trust through HTTP: signatures, attestations and SBOMs pushed in the real tools'
//! layouts (cosign legacy `.sig`/`.att` tags, cosign v3 Sigstore bundle referrers, SBOM referrers),
//! verified against the repository's trust roots with a verdict and reason each; provenance shown;
//! components indexed and searched; OSV advisories imported and matched, retroactively too; gates
//! judging verified facts only.

use crate::support::{Client, OCI_MANIFEST, sha256};
use arca_server::testing::TestServer;
use arca_trust::keys::SigningKey;
use arca_trust::{dsse, intoto::Statement, simple_signing};
use serde_json::{Value, json};

const EMPTY: &str = "application/vnd.oci.empty.v1+json";

async fn start(dir: &std::path::Path) -> TestServer {
    TestServer::start_in(dir, |s| s.gc_interval_secs = 0).await
}

async fn send(c: &Client, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = c.http.request(method, c.url(path));
    if let Some(body) = body {
        r = r.json(&body);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get(c: &Client, path: &str) -> Value {
    let (status, body) = send(c, reqwest::Method::GET, path, None).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// Pushes an image tagged `tag`; its manifest digest.
async fn image(c: &Client, name: &str, tag: &str) -> String {
    let manifest = c.push_image_parts(name, tag.as_bytes()).await;
    assert_eq!(c.put_manifest(name, tag, &manifest).await.status(), 201);
    sha256(manifest.as_bytes())
}

/// A layer descriptor with annotations, after pushing its bytes.
async fn layer(c: &Client, name: &str, media_type: &str, bytes: &[u8], annotations: Value) -> Value {
    let digest = c.push_blob(name, bytes).await;
    json!({"mediaType": media_type, "digest": digest, "size": bytes.len(), "annotations": annotations})
}

/// Pushes an image manifest with these layers (and an optional subject / artifact type) under
/// `reference` (a tag, or its own digest when `None`); its digest.
async fn attach(c: &Client, name: &str, reference: Option<&str>, layers: Vec<Value>, extra: Value) -> String {
    let config = c.push_blob(name, b"{}").await;
    let mut manifest = json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": EMPTY, "digest": config, "size": 2},
        "layers": layers,
    });
    for (k, v) in extra.as_object().unwrap() {
        manifest[k] = v.clone();
    }
    let text = manifest.to_string();
    let digest = sha256(text.as_bytes());
    let r = c.put_manifest(name, reference.unwrap_or(&digest), &text).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    digest
}

/// A cosign legacy signature of `digest` (`sha256-<hex>.sig`), signed by `key` over `payload`.
async fn cosign_sign(c: &Client, name: &str, digest: &str, key: &SigningKey, payload: &[u8]) {
    let signature = arca_trust::encoding::b64_encode(&key.sign(payload).unwrap());
    let annotations = json!({"dev.cosignproject.cosign/signature": signature});
    let layer = layer(c, name, "application/vnd.dev.cosign.simplesigning.v1+json", payload, annotations).await;
    let tag = format!("{}.sig", digest.replace(':', "-"));
    attach(c, name, Some(&tag), vec![layer], json!({})).await;
}

async fn trust(c: &Client, repo: &str, root: &str, key: &SigningKey) {
    let body = json!({"kind": "cosign-key", "material": key.public_key().to_pem()});
    let (status, answer) =
        send(c, reqwest::Method::PUT, &format!("/api/v1/repositories/{repo}/trust-roots/{root}"), Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["fingerprint"].as_str().unwrap().starts_with("sha256:"), "{answer}");
}

fn attachments_path(name: &str, reference: &str) -> String {
    let (repo, package) = name.split_once('/').unwrap();
    format!("/api/v1/repositories/{repo}/packages/{package}/versions/{reference}/attachments")
}

fn verdicts(view: &Value) -> Vec<(String, String)> {
    let list = view["attachments"].as_array().unwrap();
    list.iter().map(|a| (a["kind"].as_str().unwrap().to_owned(), a["verdict"].as_str().unwrap().to_owned())).collect()
}

#[tokio::test]
async fn a_cosign_signature_is_untrusted_until_its_key_is_a_trust_root_then_valid() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let c = Client::new(&server);
    let digest = image(&c, "dev/app", "1.0").await;
    let key = SigningKey::generate().unwrap();
    cosign_sign(&c, "dev/app", &digest, &key, &simple_signing::payload("example.com/dev/app", &digest)).await;

    let view = get(&c, &attachments_path("dev/app", "1.0")).await;
    assert_eq!(verdicts(&view), [("cosign-signature".into(), "untrusted_key".into())], "{view}");
    assert_eq!(view["signed_by"], json!([]));

    trust(&c, "dev", "release", &key).await;
    let view = get(&c, &attachments_path("dev/app", "1.0")).await;
    assert_eq!(verdicts(&view), [("cosign-signature".into(), "valid".into())], "{view}");
    assert_eq!(view["signed_by"], json!(["release"]), "the signer is named by its trust root");
    assert_eq!(view["digest"], json!(digest));

    // By digest too; the roots are listed with their fingerprint.
    let by_digest = get(&c, &attachments_path("dev/app", &digest)).await;
    assert_eq!(by_digest["signed_by"], json!(["release"]));
    let roots = get(&c, "/api/v1/repositories/dev/trust-roots").await;
    assert_eq!(roots["trust_roots"][0]["name"], "release");
    assert_eq!(roots["trust_roots"][0]["kind"], "cosign-key");
}

#[tokio::test]
async fn tampered_payloads_wrong_keys_and_other_digests_are_rejected_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let c = Client::new(&server);
    let key = SigningKey::generate().unwrap();

    // A payload for another digest, validly signed.
    let digest = image(&c, "dev/other", "1.0").await;
    trust(&c, "dev", "release", &key).await;
    let elsewhere = format!("sha256:{}", "ab".repeat(32));
    cosign_sign(&c, "dev/other", &digest, &key, &simple_signing::payload("x/dev/other", &elsewhere)).await;
    let view = get(&c, &attachments_path("dev/other", "1.0")).await;
    let a = &view["attachments"][0];
    assert_eq!(a["verdict"], "invalid", "{view}");
    assert!(a["reason"].as_str().unwrap().contains("digest"), "{view}");

    // A signature by a key nobody trusts.
    let digest = image(&c, "dev/stranger", "1.0").await;
    let stranger = SigningKey::generate().unwrap();
    cosign_sign(&c, "dev/stranger", &digest, &stranger, &simple_signing::payload("x/dev/stranger", &digest)).await;
    let view = get(&c, &attachments_path("dev/stranger", "1.0")).await;
    assert_ne!(view["attachments"][0]["verdict"], "valid", "{view}");
    assert_eq!(view["signed_by"], json!([]));

    // A tampered payload: signed bytes differ from the stored ones.
    let digest = image(&c, "dev/tampered", "1.0").await;
    let payload = simple_signing::payload("x/dev/tampered", &digest);
    let signature = arca_trust::encoding::b64_encode(&key.sign(&payload).unwrap());
    let mut tampered = payload.clone();
    tampered.extend_from_slice(b" ");
    let annotations = json!({"dev.cosignproject.cosign/signature": signature});
    let l = layer(&c, "dev/tampered", "application/vnd.dev.cosign.simplesigning.v1+json", &tampered, annotations).await;
    let tag = format!("{}.sig", digest.replace(':', "-"));
    attach(&c, "dev/tampered", Some(&tag), vec![l], json!({})).await;
    let view = get(&c, &attachments_path("dev/tampered", "1.0")).await;
    assert_eq!(view["attachments"][0]["verdict"], "invalid", "{view}");
}

/// An in-toto statement about `digest` with this predicate, DSSE-signed, as cosign's `.att` layout.
async fn cosign_attest(c: &Client, name: &str, digest: &str, key: &SigningKey, predicate_type: &str, predicate: Value) {
    let statement = Statement::v1("app", digest.strip_prefix("sha256:").unwrap(), predicate_type, predicate);
    let envelope = dsse::sign("application/vnd.in-toto+json", &statement.to_json(), key).unwrap();
    let annotations = json!({"dev.cosignproject.cosign/signature": "", "predicateType": predicate_type});
    let l = layer(c, name, "application/vnd.dsse.envelope.v1+json", envelope.to_json().as_bytes(), annotations).await;
    let tag = format!("{}.att", digest.replace(':', "-"));
    attach(c, name, Some(&tag), vec![l], json!({})).await;
}

fn slsa_v02() -> Value {
    json!({
        "builder": {"id": "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v1.9.0"},
        "buildType": "https://github.com/slsa-framework/slsa-github-generator/generic@v1",
        "invocation": {
            "configSource": {"uri": "git+https://github.com/acme/app@refs/heads/main",
                             "digest": {"sha1": "0123456789abcdef0123456789abcdef01234567"},
                             "entryPoint": ".github/workflows/release.yml"}
        },
        "metadata": {"buildInvocationId": "4242-1"}
    })
}

#[tokio::test]
async fn signed_provenance_is_shown_and_a_buildx_attestation_is_never_a_signature() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let c = Client::new(&server);
    let key = SigningKey::generate().unwrap();
    let digest = image(&c, "dev/app", "2.0").await;
    trust(&c, "dev", "ci", &key).await;
    cosign_attest(&c, "dev/app", &digest, &key, "https://slsa.dev/provenance/v0.2", slsa_v02()).await;

    let view = get(&c, &attachments_path("dev/app", "2.0")).await;
    assert_eq!(verdicts(&view), [("cosign-attestation".into(), "valid".into())], "{view}");
    let p = &view["provenance"][0];
    assert!(p["builder_id"].as_str().unwrap().contains("generator_generic_slsa3"), "{view}");
    assert_eq!(p["source_repository"], "https://github.com/acme/app");
    assert_eq!(p["commit"], "0123456789abcdef0123456789abcdef01234567");
    assert_eq!(p["invocation_id"], "4242-1");
    assert_eq!(p["build_type"], "https://github.com/slsa-framework/slsa-github-generator/generic@v1");
    assert_eq!(view["signed_by"], json!([]), "an attestation is not a signature of the image");

    // An index whose second child is a buildx attestation manifest (unsigned): no attachment, no signature.
    let attestation = attach(&c, "dev/multi", None, vec![], json!({})).await;
    let image_digest = image(&c, "dev/multi", "base").await;
    let index = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": image_digest, "size": 1},
            {"mediaType": OCI_MANIFEST, "digest": attestation, "size": 1,
             "annotations": {"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": image_digest}}
        ]
    })
    .to_string();
    let r = c
        .http
        .put(c.url("/v2/dev/multi/manifests/3.0"))
        .header("content-type", "application/vnd.oci.image.index.v1+json")
        .body(index)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let view = get(&c, &attachments_path("dev/multi", "3.0")).await;
    assert_eq!(view["attachments"], json!([]), "{view}");
    assert_eq!(view["signed_by"], json!([]));
}

#[tokio::test]
async fn a_sigstore_bundle_referrer_verifies_and_a_keyless_one_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let c = Client::new(&server);
    let key = SigningKey::generate().unwrap();
    let digest = image(&c, "dev/app", "3.0").await;
    trust(&c, "dev", "release", &key).await;
    let bundle = arca_trust::cosign::sign_image(&digest, &key).unwrap().to_json();
    let bundle_type = "application/vnd.dev.sigstore.bundle.v0.3+json";
    let l = layer(&c, "dev/app", bundle_type, bundle.as_bytes(), json!({})).await;
    let manifest_size = 0; // the subject descriptor's size is not checked by verification
    let subject = json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": manifest_size});
    attach(&c, "dev/app", None, vec![l], json!({"artifactType": bundle_type, "subject": subject})).await;
    let view = get(&c, &attachments_path("dev/app", "3.0")).await;
    assert_eq!(verdicts(&view), [("sigstore-bundle".into(), "valid".into())], "{view}");
    assert_eq!(view["signed_by"], json!(["release"]));

    // A real cosign v3 keyless bundle (Fulcio certificate, Rekor entry): not verifiable offline, said
    // so, and never counted as signed.
    let keyless = include_bytes!("../../../trust/tests/fixtures/sigstore-rs/bundle_v03.trimmed.json");
    let digest = image(&c, "dev/keyless", "1.0").await;
    let l = layer(&c, "dev/keyless", bundle_type, keyless, json!({})).await;
    let subject = json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": 1});
    attach(&c, "dev/keyless", None, vec![l], json!({"artifactType": bundle_type, "subject": subject})).await;
    let view = get(&c, &attachments_path("dev/keyless", "1.0")).await;
    assert_eq!(view["attachments"][0]["verdict"], "keyless_not_verifiable", "{view}");
    assert!(view["attachments"][0]["explanation"].as_str().unwrap().contains("not verifiable offline"), "{view}");
    assert_eq!(view["signed_by"], json!([]));
}

/// A CycloneDX 1.6 SBOM listing lodash 4.17.20 (MIT) and a PyPI package.
fn cyclonedx() -> Vec<u8> {
    json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": [
            {"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20",
             "licenses": [{"license": {"id": "MIT"}}]},
            {"type": "library", "name": "Jinja2", "version": "2.11.2", "purl": "pkg:pypi/jinja2@2.11.2",
             "licenses": [{"expression": "BSD-3-Clause"}]}
        ]
    })
    .to_string()
    .into_bytes()
}

fn lodash_advisory(id: &str, fixed: &str, vector: &str) -> Value {
    json!({
        "id": id, "modified": "2026-01-01T00:00:00Z",
        "severity": [{"type": "CVSS_V3", "score": vector}],
        "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
                      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}]
    })
}

#[tokio::test]
async fn an_sbom_on_a_generic_version_is_indexed_and_advisories_flag_it_retroactively() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let c = Client::new(&server);
    let (status, answer) = send(
        &c,
        reqwest::Method::POST,
        "/api/v1/repositories",
        Some(json!({"name": "files", "format": "generic", "stage": "prod"})),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    let r = c.http.put(c.url("/generic/files/tool/1.0/tool.zip")).body("zip bytes").send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let version = get(&c, "/api/v1/repositories/files/packages/tool/versions/1.0").await;
    let digest = version["digest"].as_str().unwrap().to_owned();

    // One advisory before the SBOM arrives: matched when the SBOM is indexed.
    let critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    let (status, report) = send(
        &c,
        reqwest::Method::POST,
        "/api/v1/advisories",
        Some(json!([lodash_advisory("GHSA-aaaa-0001", "4.17.21", critical)])),
    )
    .await;
    assert_eq!((status, report["stored"].clone()), (200, json!(1)), "{report}");

    let sbom = cyclonedx();
    let l = layer(&c, "files/tool", "application/vnd.cyclonedx+json", &sbom, json!({})).await;
    let subject = json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": 1});
    let extra = json!({"artifactType": "application/vnd.cyclonedx+json", "subject": subject});
    attach(&c, "files/tool", None, vec![l], extra).await;

    let base = "/api/v1/repositories/files/packages/tool/versions/1.0";
    let components = get(&c, &format!("{base}/components")).await;
    let names: Vec<&str> =
        components["components"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Jinja2", "lodash"], "{components}");
    assert_eq!(components["scanned"], true);
    let lodash = &components["components"][1];
    assert_eq!((lodash["purl"].as_str(), lodash["ecosystem"].as_str()), (Some("pkg:npm/lodash"), Some("npm")));

    let findings = get(&c, &format!("{base}/vulnerabilities")).await;
    let f = &findings["findings"][0];
    assert_eq!(f["advisory"], "GHSA-aaaa-0001", "{findings}");
    assert_eq!((f["installed"].as_str(), f["fixed"].as_str()), (Some("4.17.20"), Some("4.17.21")));
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["score"], "9.8");

    // A second advisory imported afterwards is matched against the stored components: retroactive, and
    // an event because the version sits in a stage.
    let medium = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N";
    let (status, report) = send(
        &c,
        reqwest::Method::POST,
        "/api/v1/advisories",
        Some(json!([lodash_advisory("GHSA-bbbb-0002", "4.17.22", medium), {"summary": "a record without an id"}])),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["stored"], 1, "{report}");
    assert_eq!(report["rejected"].as_array().unwrap().len(), 1, "{report}");
    let findings = get(&c, &format!("{base}/vulnerabilities")).await;
    let ids: Vec<&str> =
        findings["findings"].as_array().unwrap().iter().map(|f| f["advisory"].as_str().unwrap()).collect();
    assert_eq!(ids, ["GHSA-aaaa-0001", "GHSA-bbbb-0002"], "worst first: {findings}");
    let audit = get(&c, "/api/v1/audit?action=finding.new").await;
    let text = audit.to_string();
    assert!(text.contains("GHSA-bbbb-0002") && text.contains("stage prod"), "{audit}");

    // Which versions hold lodash, by purl with or without version, by name in a range, by license.
    for query in [
        "purl=pkg:npm/lodash",
        "purl=pkg:npm/lodash@4.17.20",
        "name=lodash&range=%3C4.17.21",
        "license=MIT",
        "purl=pkg:npm/lodash&range=%3E%3D4.0%2C%3C5",
    ] {
        let hits = get(&c, &format!("/api/v1/components?{query}")).await;
        let first = &hits["results"][0];
        assert_eq!(
            (first["repository"].as_str(), first["version"].as_str()),
            (Some("files"), Some("1.0")),
            "{query}: {hits}"
        );
        assert_eq!(first["stage"], "prod");
    }
    for query in ["purl=pkg:npm/lodash@4.17.21", "name=lodash&range=%3E%3D4.17.21", "license=GPL-3.0"] {
        let hits = get(&c, &format!("/api/v1/components?{query}")).await;
        assert_eq!(hits["results"], json!([]), "{query}");
    }
    let (status, _) = send(&c, reqwest::Method::GET, "/api/v1/components?range=%3C1", None).await;
    assert_eq!(status, 400, "a range alone names nothing");

    // Coverage: one version, with SBOM, scanned, not free of high findings.
    let coverage = get(&c, "/api/v1/coverage").await;
    let files =
        coverage["repositories"].as_array().unwrap().iter().find(|r| r["repository"] == "files").unwrap().clone();
    assert_eq!(
        files,
        json!({"repository": "files", "versions": 1, "signed": 0, "with_sbom": 1,
                             "with_provenance": 0, "free_of_high": 0})
    );
    let metrics = c.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("arca_versions_with_sbom{repository=\"files\"} 1"), "{metrics}");
    assert!(metrics.contains("arca_findings_new_total"), "{metrics}");
}

#[tokio::test]
async fn gates_judge_verified_signatures_provenance_and_findings() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let c = Client::new(&server);
    for body in [
        json!({"name": "dev", "stage": "dev"}),
        json!({"name": "prod", "stage": "prod", "promote_from": ["dev"],
               "gates": ["signed=release", "provenance=https://github.com/slsa-framework/*", "max-severity=high"]}),
    ] {
        let (status, answer) = send(&c, reqwest::Method::POST, "/api/v1/repositories", Some(body)).await;
        assert_eq!(status, 201, "{answer}");
    }
    let key = SigningKey::generate().unwrap();
    trust(&c, "prod", "release", &key).await;
    let digest = image(&c, "dev/app", "1.0").await;
    let promote = json!({"artifact": "dev/app@1.0", "to": "prod"});

    // Nothing attached yet: every gate fails and says why.
    let (status, answer) = send(&c, reqwest::Method::POST, "/api/v1/promotions", Some(promote.clone())).await;
    assert_eq!(status, 422, "{answer}");
    let text = answer.to_string();
    assert!(text.contains("no signature verified by a trust root"), "{answer}");
    assert!(text.contains("no scan result"), "{answer}");

    cosign_sign(&c, "dev/app", &digest, &key, &simple_signing::payload("x/dev/app", &digest)).await;
    cosign_attest(&c, "dev/app", &digest, &key, "https://slsa.dev/provenance/v0.2", slsa_v02()).await;
    let l = layer(&c, "dev/app", "application/vnd.cyclonedx+json", &cyclonedx(), json!({})).await;
    let subject = json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": 1});
    attach(&c, "dev/app", None, vec![l], json!({"artifactType": "application/vnd.cyclonedx+json", "subject": subject}))
        .await;
    let (status, answer) = send(&c, reqwest::Method::POST, "/api/v1/promotions", Some(promote.clone())).await;
    assert_eq!(status, 200, "signed by the prod root, SLSA provenance, no finding: {answer}");

    // A critical advisory for lodash blocks the next version.
    let critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    let (status, _) = send(
        &c,
        reqwest::Method::POST,
        "/api/v1/advisories",
        Some(json!([lodash_advisory("CVE-2026-0001", "4.17.21", critical)])),
    )
    .await;
    assert_eq!(status, 200);
    let (status, answer) = send(
        &c,
        reqwest::Method::POST,
        "/api/v1/promotions",
        Some(json!({"artifact": "dev/app@1.0", "to": "prod", "dry_run": true})),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer.to_string().contains("CVE-2026-0001 (critical)"), "{answer}");
}

/// A CA and a code-signing leaf it issued (rcgen); the leaf's PKCS#8 key, its chain (DER, leaf
/// first) and the CA's PEM.
fn notation_pki() -> (Vec<u8>, Vec<Vec<u8>>, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
    use rcgen::{KeyUsagePurpose, PKCS_ECDSA_P256_SHA256};
    let named = |cn: &str| {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        for (t, v) in
            [(DnType::CountryName, "US"), (DnType::StateOrProvinceName, "WA"), (DnType::OrganizationName, "acme")]
        {
            p.distinguished_name.push(t, v);
        }
        p.distinguished_name.push(DnType::CommonName, cn);
        p.not_before = rcgen::date_time_ymd(2025, 1, 1);
        p.not_after = rcgen::date_time_ymd(2035, 1, 1);
        p
    };
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ca = named("acme root");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut leaf = named("builder");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    (leaf_key.serialize_der(), vec![leaf_cert.der().to_vec(), ca_cert.der().to_vec()], ca_cert.pem())
}

/// A notation JWS envelope (ES256, raw r‖s) over the subject's descriptor.
fn notation_jws(pkcs8: &[u8], chain: &[Vec<u8>], digest: &str, size: usize) -> Vec<u8> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let protected = json!({"alg": "ES256", "crit": ["io.cncf.notary.signingScheme"],
        "cty": "application/vnd.cncf.notary.payload.v1+json", "io.cncf.notary.signingScheme": "notary.x509",
        "io.cncf.notary.signingTime": "2026-05-01T10:00:00Z"});
    let payload = json!({"targetArtifact": {"mediaType": OCI_MANIFEST, "digest": digest, "size": size}});
    let (protected, payload) =
        (URL_SAFE_NO_PAD.encode(protected.to_string()), URL_SAFE_NO_PAD.encode(payload.to_string()));
    let rng = ring::rand::SystemRandom::new();
    let key = ring::signature::EcdsaKeyPair::from_pkcs8(&ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng)
        .unwrap();
    let signature = key.sign(&rng, format!("{protected}.{payload}").as_bytes()).unwrap();
    json!({"payload": payload, "protected": protected, "signature": URL_SAFE_NO_PAD.encode(signature.as_ref()),
           "header": {"x5c": chain.iter().map(|c| STANDARD.encode(c)).collect::<Vec<_>>()}})
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn a_notation_signature_verifies_against_the_trust_store_and_policy() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let c = Client::new(&server);
    let manifest = c.push_image_parts("dev/app", b"notation").await;
    assert_eq!(c.put_manifest("dev/app", "1.0", &manifest).await.status(), 201);
    let digest = sha256(manifest.as_bytes());
    let (pkcs8, chain, ca_pem) = notation_pki();
    let envelope = notation_jws(&pkcs8, &chain, &digest, manifest.len());
    let thumbprint = json!({"io.cncf.notary.x509chain.thumbprint#S256": "[]"});
    let l = layer(&c, "dev/app", "application/jose+json", &envelope, thumbprint).await;
    let subject = json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": manifest.len()});
    attach(
        &c,
        "dev/app",
        None,
        vec![l],
        json!({"artifactType": "application/vnd.cncf.notary.signature", "subject": subject}),
    )
    .await;

    let view = get(&c, &attachments_path("dev/app", "1.0")).await;
    assert_eq!(verdicts(&view), [("notation".into(), "untrusted_key".into())], "no policy yet: {view}");

    let put = |root: &'static str, kind: &'static str, material: String| {
        let c = &c;
        async move {
            let body = json!({"kind": kind, "material": material});
            let path = format!("/api/v1/repositories/dev/trust-roots/{root}");
            let (status, answer) = send(c, reqwest::Method::PUT, &path, Some(body)).await;
            assert_eq!(status, 200, "{answer}");
        }
    };
    put("acme", "notation-ca", ca_pem).await;
    let policy = json!({"version": "1.0", "trustPolicies": [{"name": "dev", "registryScopes": ["registry.example/dev/app"],
        "signatureVerification": {"level": "strict"}, "trustStores": ["ca:acme"],
        "trustedIdentities": ["x509.subject: C=US, ST=WA, O=acme, CN=builder"]}]});
    put("policy", "notation-policy", policy.to_string()).await;
    let view = get(&c, &attachments_path("dev/app", "1.0")).await;
    assert_eq!(verdicts(&view), [("notation".into(), "valid".into())], "{view}");
    assert!(view["signed_by"][0].as_str().unwrap().contains("CN=builder"), "{view}");

    // A second policy under another name is refused; a broken one is refused with the reason.
    let (status, _) = send(
        &c,
        reqwest::Method::PUT,
        "/api/v1/repositories/dev/trust-roots/other",
        Some(json!({"kind": "notation-policy", "material": policy.to_string()})),
    )
    .await;
    assert_eq!(status, 409);
    let (status, answer) = send(
        &c,
        reqwest::Method::PUT,
        "/api/v1/repositories/dev/trust-roots/policy",
        Some(json!({"kind": "notation-policy", "material": "{\"version\": \"9\"}"})),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = send(
        &c,
        reqwest::Method::PUT,
        "/api/v1/repositories/dev/trust-roots/bad",
        Some(json!({"kind": "cosign-key", "material": "not a key"})),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
}

#[tokio::test]
async fn advisory_imports_take_large_batches_and_refuse_too_many_records() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let c = Client::new(&server);
    // 600 records with long details: about 3.6 MB, past the 2 MB default body limit of other routes.
    let details = "x".repeat(6000);
    let records: Vec<Value> = (0..600)
        .map(|i| {
            let mut a =
                lodash_advisory(&format!("GHSA-big-{i:04}"), "4.17.21", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
            a["details"] = json!(details);
            a
        })
        .collect();
    let (status, report) = send(&c, reqwest::Method::POST, "/api/v1/advisories", Some(json!(records))).await;
    assert_eq!((status, report["stored"].clone()), (200, json!(600)), "{report}");
    assert_eq!(get(&c, "/api/v1/advisories").await["advisories"], 600);

    let too_many: Vec<Value> = (0..1001).map(|i| json!({"id": format!("X-{i}")})).collect();
    let (status, answer) = send(&c, reqwest::Method::POST, "/api/v1/advisories", Some(json!(too_many))).await;
    assert_eq!(status, 400, "{answer}");
    let (status, _) = send(&c, reqwest::Method::POST, "/api/v1/advisories", Some(json!({"id": "not an array"}))).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn deleting_an_sbom_takes_its_components_and_findings_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let c = Client::new(&server);
    let digest = image(&c, "dev/app", "1.0").await;
    let critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    let advisory = json!([lodash_advisory("GHSA-cccc-0003", "4.17.21", critical)]);
    assert_eq!(send(&c, reqwest::Method::POST, "/api/v1/advisories", Some(advisory)).await.0, 200);
    let l = layer(&c, "dev/app", "application/vnd.cyclonedx+json", &cyclonedx(), json!({})).await;
    let subject = json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": 1});
    let sbom = attach(
        &c,
        "dev/app",
        None,
        vec![l],
        json!({"artifactType": "application/vnd.cyclonedx+json", "subject": subject}),
    )
    .await;
    let base = "/api/v1/repositories/dev/packages/app/versions/1.0";
    assert_eq!(get(&c, &format!("{base}/vulnerabilities")).await["findings"].as_array().unwrap().len(), 1);

    let r = c.http.delete(c.url(&format!("/v2/dev/app/manifests/{sbom}"))).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let components = get(&c, &format!("{base}/components")).await;
    assert_eq!(components["components"], json!([]), "{components}");
    assert_eq!(components["scanned"], false);
    assert_eq!(get(&c, &format!("{base}/vulnerabilities")).await["findings"], json!([]));
    let hits = get(&c, "/api/v1/components?purl=pkg:npm/lodash").await;
    assert_eq!(hits["results"], json!([]));
}
