//! Supply-chain trust through the CLI against `arca serve`: cosign keys made by `arca keygen`,
//! signatures by `arca sign` (legacy `.sig` and Sigstore bundles) checked on the client by
//! `arca verify` and on the server against `arca trust` roots (`arca attachments`), SLSA provenance
//! by `arca attest`, and an SBOM attached to a generic version matched against OSV advisories
//! imported before and after it (`arca vulns`). The formats are cross-checked with `arca_trust`.

use crate::harness::{Registry, arca, header, http};
use arca_trust::{PublicKey, SigningKey};
use std::path::Path;
use std::process::Output;

const PASSWORD: &str = "correct horse";

fn client_in(registry: &Registry, dir: &Path, args: &[&str]) -> Output {
    arca()
        .current_dir(dir)
        .env("COSIGN_PASSWORD", PASSWORD)
        .arg("--server")
        .arg(registry.url())
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run arca")
}

fn ok_in(registry: &Registry, dir: &Path, args: &[&str]) -> String {
    let out = client_in(registry, dir, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "arca {args:?}: {}\n{stdout}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        registry.log_tail()
    );
    stdout
}

/// Runs `arca args…`, expecting exit `code`; its stderr.
fn fails_in(registry: &Registry, dir: &Path, code: i32, args: &[&str]) -> String {
    let out = client_in(registry, dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "arca {args:?}\n{}\n{stderr}", String::from_utf8_lossy(&out.stdout));
    stderr
}

/// A registry with a generic repository `rel` holding `rel/<package>@1.0`.
fn with_version(package: &str) -> (Registry, tempfile::TempDir) {
    with_version_in(package, &[])
}

/// The same with more `arca repo create` flags.
fn with_version_in(package: &str, repo_flags: &[&str]) -> (Registry, tempfile::TempDir) {
    let registry = Registry::serve(&[]);
    let dir = tempfile::tempdir().unwrap();
    ok_in(&registry, dir.path(), &[&["repo", "create", "rel", "--format", "generic"][..], repo_flags].concat());
    let file = dir.path().join("tool.bin");
    std::fs::write(&file, format!("{package} 1.0")).unwrap();
    ok_in(&registry, dir.path(), &["push", &format!("rel/{package}@1.0"), file.to_str().unwrap(), "--no-provenance"]);
    (registry, dir)
}

/// `arca keygen` in a new directory `name` under `dir`.
fn keygen(registry: &Registry, dir: &Path, name: &str) -> std::path::PathBuf {
    let keys = dir.join(name);
    std::fs::create_dir(&keys).unwrap();
    ok_in(registry, &keys, &["keygen"]);
    keys
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The digest `arca verify --output json` (or any version view) reports.
fn digest_of(registry: &Registry, dir: &Path, reference: &str) -> String {
    let view: serde_json::Value =
        serde_json::from_str(&ok_in(registry, dir, &["attachments", reference, "--output", "json"])).unwrap();
    view["digest"].as_str().unwrap().to_owned()
}

/// GET on the registry; the body, asserting 200.
fn get(registry: &Registry, url_path: &str) -> Vec<u8> {
    let accept = [("Accept", "application/vnd.oci.image.manifest.v1+json")];
    let (status, head, body) = http(registry.host(), "GET", url_path, &accept, b"");
    assert_eq!(status, 200, "GET {url_path}: {}", String::from_utf8_lossy(&body));
    if header(&head, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return dechunk(&body);
    }
    body
}

/// The payload of an HTTP/1.1 chunked body.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&raw[..end]).unwrap().split(';').next().unwrap().trim();
        let size = usize::from_str_radix(size, 16).expect("chunk size");
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 2 + size + 2..];
    }
    out
}

fn json_at(registry: &Registry, url_path: &str) -> serde_json::Value {
    serde_json::from_slice(&get(registry, url_path)).unwrap_or_else(|e| panic!("GET {url_path}: {e}"))
}

/// The text `arca attachments` prints for `reference`: one line per attachment.
fn attachment_line(registry: &Registry, dir: &Path, reference: &str, kind: &str) -> String {
    let text = ok_in(registry, dir, &["attachments", reference]);
    text.lines()
        .find(|l| l.starts_with(&format!("{kind}\t")))
        .unwrap_or_else(|| panic!("no {kind} in:\n{text}"))
        .to_owned()
}

#[test]
fn trust_keygen_sign_verify_and_the_servers_verdicts() {
    let (registry, dir) = with_version("tool");
    let dir = dir.path();
    let a = keygen(&registry, dir, "a");
    let b = keygen(&registry, dir, "b");
    let refused = fails_in(&registry, &a, 2, &["keygen"]);
    assert!(refused.contains("--force"), "keygen does not overwrite: {refused}");
    ok_in(&registry, &a, &["keygen", "--force", "--output-key-prefix", "spare"]);

    // cosign.key is cosign's encrypted format: arca_trust decrypts it to the key of cosign.pub.
    let pem = std::fs::read(a.join("cosign.key")).unwrap();
    assert!(String::from_utf8_lossy(&pem).starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"));
    let key = SigningKey::from_encrypted_pem(&pem, PASSWORD.as_bytes()).expect("decrypts with the password");
    let public_a = PublicKey::from_pem(&std::fs::read(a.join("cosign.pub")).unwrap()).unwrap();
    assert_eq!(key.public_key(), &public_a);
    assert!(SigningKey::from_encrypted_pem(&pem, b"wrong").is_err());

    let (key_a, pub_a, pub_b) = (a.join("cosign.key"), a.join("cosign.pub"), b.join("cosign.pub"));
    let unsigned = fails_in(&registry, dir, 5, &["verify", "rel/tool@1.0", "--key", path(&pub_a)]);
    assert!(unsigned.contains("no signatures"), "{unsigned}");

    let sig_manifest = ok_in(&registry, dir, &["sign", "rel/tool@1.0", "--key", path(&key_a)]);
    assert!(sig_manifest.trim().starts_with("sha256:"), "prints the signature's digest: {sig_manifest}");
    let verified = ok_in(&registry, dir, &["verify", "rel/tool@1.0", "--key", path(&pub_a)]);
    assert!(verified.contains("verified cosign-signature"), "{verified}");
    let other = fails_in(&registry, dir, 5, &["verify", "rel/tool@1.0", "--key", path(&pub_b)]);
    assert!(other.contains("no signature by this key: 1 signature by another key"), "{other}");

    // The `.sig` layer is cosign's: a simple-signing payload that arca_trust verifies.
    let digest = digest_of(&registry, dir, "rel/tool@1.0");
    let tag = format!("{}.sig", digest.replace(':', "-"));
    let manifest: serde_json::Value = json_at(&registry, &format!("/v2/rel/tool/manifests/{tag}"));
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0]["mediaType"], "application/vnd.dev.cosign.simplesigning.v1+json");
    let payload = get(&registry, &format!("/v2/rel/tool/blobs/{}", layers[0]["digest"].as_str().unwrap()));
    let signature = layers[0]["annotations"]["dev.cosignproject.cosign/signature"].as_str().unwrap();
    let verdict = arca_trust::simple_signing::verify(&payload, signature, &digest, std::slice::from_ref(&public_a));
    assert!(verdict.is_valid(), "{verdict:?}");
    let claims = arca_trust::simple_signing::claims(&payload).unwrap();
    assert_eq!(claims.docker_reference.as_deref(), Some(format!("{}/rel/tool", registry.host()).as_str()));

    // Signing again with the same key adds nothing (cosign's signatures are randomised: the same
    // payload verifying under the same key is the same signature).
    ok_in(&registry, dir, &["sign", "rel/tool@1.0", "--key", path(&key_a)]);
    let again = json_at(&registry, &format!("/v2/rel/tool/manifests/{tag}"));
    assert_eq!(again, manifest, "no second layer");

    // The server: untrusted until the key is a trust root of the repository, then valid.
    let line = attachment_line(&registry, dir, "rel/tool@1.0", "cosign-signature");
    assert!(line.contains("untrusted"), "{line}");
    ok_in(&registry, dir, &["trust", "add", "rel", "release-key", "--cosign-key", path(&pub_a)]);
    let listed = ok_in(&registry, dir, &["trust", "ls", "rel"]);
    assert!(listed.contains("release-key\tcosign-key\t") && listed.contains(&public_a.fingerprint()), "{listed}");
    let line = attachment_line(&registry, dir, "rel/tool@1.0", "cosign-signature");
    assert!(line.contains("\tvalid\t"), "{line}");
    let text = ok_in(&registry, dir, &["attachments", "rel/tool@1.0"]);
    assert!(text.contains("signed by: release-key"), "{text}");
    ok_in(&registry, dir, &["trust", "rm", "rel", "release-key"]);
    assert!(ok_in(&registry, dir, &["trust", "ls", "rel"]).contains("no trust roots"));
    fails_in(&registry, dir, 3, &["trust", "rm", "rel", "release-key"]);
    fails_in(&registry, dir, 2, &["trust", "add", "rel", "k", "--cosign-key", path(&key_a)]);
}

/// A second key's signature is appended to the `.sig` manifest, like cosign's; both verify.
fn second_signature_appends(repo_flags: &[&str]) {
    let (registry, dir) = with_version_in("tool", repo_flags);
    let dir = dir.path();
    let (a, b) = (keygen(&registry, dir, "a"), keygen(&registry, dir, "b"));
    ok_in(&registry, dir, &["sign", "rel/tool@1.0", "--key", path(&a.join("cosign.key"))]);
    let digest = digest_of(&registry, dir, "rel/tool@1.0");
    ok_in(&registry, dir, &["sign", &format!("rel/tool@{digest}"), "--key", path(&b.join("cosign.key"))]);
    let tag = format!("{}.sig", digest.replace(':', "-"));
    let manifest = json_at(&registry, &format!("/v2/rel/tool/manifests/{tag}"));
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 2, "{manifest}");
    for key in [&a, &b] {
        let json = ok_in(
            &registry,
            dir,
            &["verify", "rel/tool@1.0", "--key", path(&key.join("cosign.pub")), "--output", "json"],
        );
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(report["verified"], true, "{report}");
        assert_eq!(report["signatures"].as_array().unwrap().len(), 2, "{report}");
    }
    let c = keygen(&registry, dir, "c");
    let none = fails_in(&registry, dir, 5, &["verify", "rel/tool@1.0", "--key", path(&c.join("cosign.pub"))]);
    assert!(none.contains("no signature by this key: 2 signatures by another key"), "{none}");
}

#[test]
fn trust_a_second_signature_appends_where_signature_tags_may_move() {
    second_signature_appends(&["--mutable-tag", "sha256-*"]);
}

/// A repository without mutable tags (every generic one by default) still lets cosign's
/// `sha256-<hex>.sig` tag move: a second signature appends a layer, as cosign itself does.
#[test]
fn trust_a_second_signature_appends_in_a_default_generic_repository() {
    second_signature_appends(&[]);
}

#[test]
fn trust_bundle_signatures_verify_on_the_client_and_the_server() {
    let (registry, dir) = with_version("app");
    let dir = dir.path();
    let a = keygen(&registry, dir, "a");
    let b = keygen(&registry, dir, "b");
    let referrer = ok_in(&registry, dir, &["sign", "rel/app@1.0", "--key", path(&a.join("cosign.key")), "--bundle"]);
    assert!(referrer.trim().starts_with("sha256:"), "{referrer}");
    let verified = ok_in(&registry, dir, &["verify", "rel/app@1.0", "--key", path(&a.join("cosign.pub"))]);
    assert!(verified.contains("verified sigstore-bundle"), "{verified}");
    let other = fails_in(&registry, dir, 5, &["verify", "rel/app@1.0", "--key", path(&b.join("cosign.pub"))]);
    assert!(other.contains("1 signature by another key"), "{other}");

    // The referrer is cosign v3's: a bundle v0.3 whose statement is about the version's digest.
    let digest = digest_of(&registry, dir, "rel/app@1.0");
    let index: serde_json::Value = json_at(&registry, &format!("/v2/rel/app/referrers/{digest}"));
    let found = index["manifests"].as_array().unwrap().iter().find(|m| m["digest"] == referrer.trim());
    assert_eq!(found.expect("listed as a referrer")["artifactType"], "application/vnd.dev.sigstore.bundle.v0.3+json");

    ok_in(&registry, dir, &["trust", "add", "rel", "k", "--cosign-key", path(&a.join("cosign.pub"))]);
    let line = attachment_line(&registry, dir, "rel/app@1.0", "sigstore-bundle");
    assert!(line.contains("\tvalid\t"), "{line}");
}

const SLSA_V1: &str = r#"{
  "buildDefinition": {
    "buildType": "https://actions.github.io/buildtypes/workflow/v1",
    "externalParameters": {"workflow": {"ref": "refs/heads/main", "repository": "https://github.com/acme/tool", "path": ".github/workflows/release.yml"}},
    "resolvedDependencies": [{"uri": "git+https://github.com/acme/tool@refs/heads/main", "digest": {"gitCommit": "3f1c2ab9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3"}}]
  },
  "runDetails": {
    "builder": {"id": "https://github.com/actions/runner/github-hosted"},
    "metadata": {"invocationId": "https://github.com/acme/tool/actions/runs/42/attempts/1"}
  }
}"#;

#[test]
fn trust_attested_provenance_is_shown_once_verified() {
    let (registry, dir) = with_version("tool");
    let dir = dir.path();
    let a = keygen(&registry, dir, "a");
    let predicate = dir.join("provenance.json");
    std::fs::write(&predicate, SLSA_V1).unwrap();
    let key = a.join("cosign.key");
    let att =
        ["attest", "rel/tool@1.0", "--predicate", path(&predicate), "--type", "slsaprovenance1", "--key", path(&key)];
    ok_in(&registry, dir, &att);
    ok_in(&registry, dir, &att);
    let digest = digest_of(&registry, dir, "rel/tool@1.0");
    let tag = format!("{}.att", digest.replace(':', "-"));
    let manifest: serde_json::Value = json_at(&registry, &format!("/v2/rel/tool/manifests/{tag}"));
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "the same attestation is not added twice: {manifest}");
    assert_eq!(layers[0]["mediaType"], "application/vnd.dsse.envelope.v1+json");
    assert_eq!(layers[0]["annotations"]["predicateType"], "https://slsa.dev/provenance/v1");
    assert_eq!(layers[0]["annotations"]["dev.cosignproject.cosign/signature"], "");

    ok_in(&registry, dir, &["trust", "add", "rel", "ci", "--cosign-key", path(&a.join("cosign.pub"))]);
    let text = ok_in(&registry, dir, &["attachments", "rel/tool@1.0"]);
    assert!(text.contains("cosign-attestation\tvalid\t"), "{text}");
    for expected in [
        "builder id: https://github.com/actions/runner/github-hosted",
        "build type: https://actions.github.io/buildtypes/workflow/v1",
        "source repository: https://github.com/acme/tool",
        "commit: 3f1c2ab9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3",
        "invocation id: https://github.com/acme/tool/actions/runs/42/attempts/1",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "not json").unwrap();
    fails_in(&registry, dir, 2, &["attest", "rel/tool@1.0", "--predicate", path(&bad), "--key", path(&key)]);
}

const CYCLONEDX: &str = r#"{
  "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
  "components": [{"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"}]
}"#;

fn osv(id: &str, vector: &str) -> String {
    format!(
        r#"{{"schema_version": "1.6.0", "id": "{id}", "modified": "2026-01-01T00:00:00Z",
  "summary": "Prototype pollution in lodash", "details": "kept by the server as sent",
  "severity": [{{"type": "CVSS_V3", "score": "{vector}"}}],
  "affected": [{{"package": {{"ecosystem": "npm", "name": "lodash"}},
    "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "0"}}, {{"fixed": "4.17.21"}}]}}]}}]}}"#
    )
}

#[test]
fn trust_sbom_on_a_generic_version_meets_advisories_before_and_after_it() {
    let (registry, dir) = with_version("web");
    let dir = dir.path();
    let not_scanned = ok_in(&registry, dir, &["vulns", "rel/web@1.0"]);
    assert!(not_scanned.contains("not scanned: no SBOM attached"), "{not_scanned}");

    // An advisory known before the SBOM arrives.
    let before = dir.join("osv-before");
    std::fs::create_dir_all(before.join("npm")).unwrap();
    std::fs::write(
        before.join("npm/GHSA-aaaa-0001.json"),
        osv("GHSA-aaaa-0001", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    )
    .unwrap();
    std::fs::write(before.join("npm/broken.json"), "{\"no\": \"id\"}").unwrap();
    let imported = ok_in(&registry, dir, &["advisories", "import", path(&before)]);
    assert!(imported.contains("received 1, stored 1, rejected 1"), "{imported}");

    let bom = dir.join("bom.cdx.json");
    std::fs::write(&bom, CYCLONEDX).unwrap();
    let referrer = ok_in(&registry, dir, &["sbom", "attach", "rel/web@1.0", path(&bom)]);
    assert!(referrer.trim().starts_with("sha256:"), "{referrer}");
    let digest = digest_of(&registry, dir, "rel/web@1.0");
    let index: serde_json::Value = json_at(&registry, &format!("/v2/rel/web/referrers/{digest}"));
    assert_eq!(index["manifests"][0]["artifactType"], "application/vnd.cyclonedx+json", "{index}");

    let sbom = attachment_line(&registry, dir, "rel/web@1.0", "sbom");
    assert!(sbom.contains("1 component"), "the server read the SBOM: {sbom}");
    let findings = ok_in(&registry, dir, &["vulns", "rel/web@1.0"]);
    let line = findings.lines().find(|l| l.starts_with("GHSA-aaaa-0001\t")).unwrap_or_else(|| panic!("{findings}"));
    assert!(line.contains("4.17.20\t4.17.21\tcritical (9.8)"), "{line}");

    // One imported after (from an all.zip): matched against the stored SBOM retroactively.
    let zip_path = dir.join("all.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    zip.start_file("GHSA-bbbb-0002.json", zip::write::SimpleFileOptions::default()).unwrap();
    std::io::Write::write_all(
        &mut zip,
        osv("GHSA-bbbb-0002", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N").as_bytes(),
    )
    .unwrap();
    zip.finish().unwrap();
    let imported = ok_in(&registry, dir, &["advisories", "import", path(&zip_path)]);
    assert!(imported.contains("received 1, stored 1, rejected 0"), "{imported}");
    let findings = ok_in(&registry, dir, &["vulns", "rel/web@1.0"]);
    let ids: Vec<&str> =
        findings.lines().filter_map(|l| l.split('\t').next()).filter(|id| id.starts_with("GHSA")).collect();
    assert_eq!(ids, ["GHSA-aaaa-0001", "GHSA-bbbb-0002"], "worst first:\n{findings}");
    assert!(findings.contains("4.17.21\thigh (7.5)"), "{findings}");
    let json: serde_json::Value =
        serde_json::from_str(&ok_in(&registry, dir, &["vulns", "rel/web@1.0", "--output", "json"])).unwrap();
    assert_eq!(json["scanned"], true, "{json}");
    assert_eq!(json["findings"].as_array().unwrap().len(), 2, "{json}");
}

#[test]
fn trust_bad_input_is_refused_with_the_reason() {
    let (registry, dir) = with_version("tool");
    let dir = dir.path();
    let not_sbom = dir.join("notes.json");
    std::fs::write(&not_sbom, r#"{"hello": "world"}"#).unwrap();
    let refused = fails_in(&registry, dir, 2, &["sbom", "attach", "rel/tool@1.0", path(&not_sbom)]);
    assert!(refused.contains("not an SBOM"), "{refused}");
    let a = keygen(&registry, dir, "a");
    let refused = fails_in(&registry, dir, 5, &["verify", "rel/tool@1.0", "--key", path(&a.join("cosign.pub"))]);
    assert!(refused.contains("no signatures"), "{refused}");
    fails_in(&registry, dir, 3, &["verify", "rel/tool@9.9", "--key", path(&a.join("cosign.pub"))]);
    fails_in(&registry, dir, 2, &["verify", "rel/tool@1.0", "--key", path(&a.join("cosign.key"))]);
    let wrong = arca()
        .current_dir(dir)
        .env("COSIGN_PASSWORD", "wrong")
        .args(["--server", &registry.url(), "sign", "rel/tool@1.0", "--key", path(&a.join("cosign.key"))])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2), "{wrong:?}");
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong password"), "{wrong:?}");
    fails_in(&registry, dir, 2, &["advisories", "import", path(&not_sbom)]);
}

/// `arca push --key` in CI signs the SLSA provenance it records: a repository trusting the key
/// shows it as verified provenance (builder, source, commit, invocation).
#[test]
fn trust_push_with_a_key_records_signed_provenance() {
    let registry = Registry::serve(&[]);
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    ok_in(&registry, dir, &["repo", "create", "rel", "--format", "generic"]);
    let keys = keygen(&registry, dir, "ci");
    let file = dir.join("tool.bin");
    std::fs::write(&file, "signed provenance").unwrap();
    let out = arca()
        .current_dir(dir)
        .env("COSIGN_PASSWORD", PASSWORD)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/tool")
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
        .env("GITHUB_REF", "refs/heads/main")
        .env("GITHUB_RUN_ID", "987654")
        .env("GITHUB_RUN_ATTEMPT", "1")
        .env("GITHUB_WORKFLOW_REF", "acme/tool/.github/workflows/release.yml@refs/heads/main")
        .args(["--server", &registry.url(), "push", "rel/tool@1.0", path(&file), "--key"])
        .arg(keys.join("cosign.key"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run arca");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ok_in(&registry, dir, &["trust", "add", "rel", "ci", "--cosign-key", path(&keys.join("cosign.pub"))]);
    let view: serde_json::Value =
        serde_json::from_str(&ok_in(&registry, dir, &["attachments", "rel/tool@1.0", "--output", "json"])).unwrap();
    let kinds: Vec<(&str, &str)> = (view["attachments"].as_array().unwrap().iter())
        .map(|a| (a["kind"].as_str().unwrap(), a["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("cosign-attestation", "valid")], "{view}");
    let p = &view["provenance"][0];
    assert_eq!(p["source_repository"], "https://github.com/acme/tool", "{view}");
    assert_eq!(p["commit"], "0123456789abcdef0123456789abcdef01234567");
    assert!(p["builder_id"].as_str().unwrap().contains("release.yml"), "{view}");
}
