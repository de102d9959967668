//! Signing on the client, in cosign's formats, so `cosign verify` and arca read the same objects:
//! `keygen`, `sign` (legacy `.sig` tag or a Sigstore bundle referrer), `verify`, `attest` (`.att`)
//! and `sbom attach` (an OCI 1.1 referrer).
//!
//! Why on the client: the private key never leaves the machine, and `verify` trusts nothing the
//! server says — it fetches the signature manifests and blobs, hashes every blob against its
//! descriptor, and checks each signature with the given public key (`arca_trust`). The server's
//! own verdicts (against its repositories' trust roots) are `arca attachments`.
//!
//! The legacy tags are read-modify-write like cosign's: a new signature is appended as a layer of
//! the `sha256-<hex>.sig|att` manifest, unless an equal one by the same key is there already
//! (ECDSA signatures are randomised, so "equal" means same payload, verifying under our key).

use super::http::{OCI_MANIFEST, Server};
use super::reference::VersionRef;
use super::{Failure, Output, OutputFlag, print_json};
use arca_trust::cosign::{
    BUNDLE_CONTENT_ANNOTATION, BUNDLE_MEDIA_TYPE, BUNDLE_PREDICATE_TYPE_ANNOTATION, DSSE_MEDIA_TYPE,
    IN_TOTO_PAYLOAD_TYPE, SIGN_PREDICATE_TYPE, SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE,
};
use arca_trust::encoding::b64_decode;
use arca_trust::{Bundle, Envelope, PublicKey, SigningKey, Statement};
use arca_types::Verdict;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The OCI empty config (`{}`).
pub const EMPTY_CONFIG: &str = "application/vnd.oci.empty.v1+json";
const EMPTY_CONFIG_DIGEST: &str = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
const IMAGE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Every manifest type a subject may be (generic versions are OCI image manifests).
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";
/// Signature manifests and blobs read at most (a `.sig` of many signatures is still far smaller).
const MAX_SIGNATURE_BYTES: usize = 4 << 20;
const PASSWORD_ENV: &str = "COSIGN_PASSWORD";

// ---------------------------------------------------------------------------------------------
// keygen

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  arca keygen                       # cosign.key + cosign.pub here\n  \
COSIGN_PASSWORD=… arca keygen --output-key-prefix release\n\n\
The files are cosign's: `cosign sign --key cosign.key` and `cosign verify --key cosign.pub` use them.")]
pub struct KeygenArgs {
    /// Overwrite existing key files.
    #[arg(long)]
    force: bool,
    /// Name of the files: <prefix>.key and <prefix>.pub.
    #[arg(long, default_value = "cosign")]
    output_key_prefix: String,
}

pub fn keygen(args: &KeygenArgs) -> anyhow::Result<()> {
    let private = PathBuf::from(format!("{}.key", args.output_key_prefix));
    let public = PathBuf::from(format!("{}.pub", args.output_key_prefix));
    for path in [&private, &public] {
        if path.exists() && !args.force {
            return Err(Failure::usage(format!("{} exists: pass --force to overwrite it", path.display())));
        }
    }
    let password = new_password()?;
    let key = SigningKey::generate().map_err(|e| anyhow::anyhow!("generating a key: {e}"))?;
    let pem = key.to_encrypted_pem(password.as_bytes()).map_err(|e| anyhow::anyhow!("encrypting the key: {e}"))?;
    write_private(&private, pem.as_bytes())?;
    std::fs::write(&public, key.public_key().to_pem())
        .map_err(|e| Failure::new(Failure::ERROR, format!("{}: {e}", public.display())))?;
    eprintln!("Private key written to {}", private.display());
    eprintln!("Public key written to {}", public.display());
    println!("{}", key.public_key().fingerprint());
    Ok(())
}

/// Writes the private key readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| Failure::new(Failure::ERROR, format!("{}: {e}", path.display())))?;
    file.write_all(bytes)?;
    Ok(())
}

/// The password of a new key: `COSIGN_PASSWORD`, else asked twice on a terminal (once from a pipe).
fn new_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var(PASSWORD_ENV) {
        return Ok(password);
    }
    let first = read_password("Enter password for private key: ")?;
    if std::io::stdin().is_terminal() {
        let again = read_password("Enter password for private key again: ")?;
        if again != first {
            return Err(Failure::usage("the passwords do not match"));
        }
    }
    Ok(first)
}

/// One line from stdin after `prompt` (on stderr); on a terminal, echo is turned off meanwhile.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    eprint!("{prompt}");
    let terminal = std::io::stdin().is_terminal();
    if terminal {
        stty("-echo");
    }
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if terminal {
        stty("echo");
        eprintln!();
    }
    read.map_err(|e| Failure::new(Failure::USAGE, format!("reading the password: {e}")))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// Best effort: without `stty` the password is echoed, which is only cosmetic.
fn stty(setting: &str) {
    let _ = std::process::Command::new("stty").arg(setting).stdin(std::process::Stdio::inherit()).status();
}

/// Reads a private key (cosign's encrypted PEM, asking for its password, or an unencrypted one).
pub fn load_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    let pem = std::fs::read(path).map_err(|e| Failure::usage(format!("--key {}: {e}", path.display())))?;
    let encrypted = String::from_utf8_lossy(&pem).contains("-----BEGIN ENCRYPTED");
    let password = match (encrypted, std::env::var(PASSWORD_ENV)) {
        (false, _) => String::new(),
        (true, Ok(password)) => password,
        (true, Err(_)) => read_password(&format!("Enter password for private key {}: ", path.display()))?,
    };
    SigningKey::from_encrypted_pem(&pem, password.as_bytes())
        .map_err(|e| Failure::usage(format!("--key {}: {e}", path.display())))
}

fn load_public_key(path: &Path) -> anyhow::Result<PublicKey> {
    let pem = std::fs::read(path).map_err(|e| Failure::usage(format!("--key {}: {e}", path.display())))?;
    PublicKey::from_pem(&pem).map_err(|e| Failure::usage(format!("--key {}: {e}", path.display())))
}

// ---------------------------------------------------------------------------------------------
// OCI plumbing

/// The manifest a signature is about.
#[derive(Debug, Clone)]
pub struct Subject {
    pub digest: String,
    pub media_type: String,
    pub size: u64,
}

impl Subject {
    fn hex(&self) -> &str {
        self.digest.strip_prefix("sha256:").unwrap_or(&self.digest)
    }

    /// cosign's tag for an attachment of this subject: `sha256-<hex>.<suffix>`.
    fn tag(&self, suffix: &str) -> String {
        format!("{}.{suffix}", self.digest.replacen(':', "-", 1))
    }

    fn descriptor(&self) -> Value {
        json!({ "mediaType": self.media_type, "digest": self.digest, "size": self.size })
    }
}

fn sha256_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// `<host[:port]>/<repo>/<package>`: the name an image reference gives the version.
fn docker_reference(server: &Server, r: &VersionRef) -> String {
    let host = server.base.split_once("://").map_or(server.base.as_str(), |(_, rest)| rest);
    format!("{}/{}", host.trim_end_matches('/'), r.name())
}

/// Resolves a version (tag or digest) to its manifest digest, media type and size.
pub async fn resolve(server: &Server, r: &VersionRef) -> anyhow::Result<Subject> {
    let rb = server
        .request(Method::GET, &format!("/v2/{}/manifests/{}", r.name(), r.reference))
        .header(reqwest::header::ACCEPT, MANIFEST_ACCEPT);
    let response = server.send(rb, &format!("resolving {}@{}", r.name(), r.reference)).await?;
    let media_type = (response.headers().get(reqwest::header::CONTENT_TYPE))
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| OCI_MANIFEST.to_owned(), |v| v.split(';').next().unwrap_or(v).trim().to_owned());
    let body = response.bytes().await?;
    let digest = sha256_of(&body);
    if r.is_digest() && !r.reference.eq_ignore_ascii_case(&digest) {
        return Err(Failure::new(
            Failure::VERIFICATION,
            format!("the server sent a manifest of digest {digest} for {}", r.reference),
        )
        .into());
    }
    Ok(Subject { digest, media_type, size: body.len() as u64 })
}

/// A manifest by tag or digest, or `None` when there is none (404). Digest references are checked.
async fn manifest_opt(server: &Server, name: &str, reference: &str) -> anyhow::Result<Option<Vec<u8>>> {
    let rb = server
        .request(Method::GET, &format!("/v2/{name}/manifests/{reference}"))
        .header(reqwest::header::ACCEPT, MANIFEST_ACCEPT);
    let response = rb.send().await.map_err(|e| anyhow::anyhow!("reading {name}:{reference}: {e}"))?;
    if response.status() == StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !response.status().is_success() {
        return Err(super::http::failure(response, &format!("reading {name}:{reference}")).await.into());
    }
    let body = response.bytes().await?.to_vec();
    if body.len() > MAX_SIGNATURE_BYTES {
        return Err(anyhow::anyhow!("{name}:{reference}: the manifest is over {MAX_SIGNATURE_BYTES} bytes"));
    }
    if reference.starts_with("sha256:") && sha256_of(&body) != reference {
        return Err(Failure::new(
            Failure::VERIFICATION,
            format!("{name}@{reference}: the manifest does not match its digest"),
        )
        .into());
    }
    Ok(Some(body))
}

/// A blob, hashed against `digest` (the server is not trusted).
async fn blob(server: &Server, name: &str, digest: &str) -> anyhow::Result<Vec<u8>> {
    let rb = server.request(Method::GET, &format!("/v2/{name}/blobs/{digest}"));
    let body = server.send(rb, &format!("reading blob {digest}")).await?.bytes().await?;
    if body.len() > MAX_SIGNATURE_BYTES {
        return Err(anyhow::anyhow!("blob {digest} is over {MAX_SIGNATURE_BYTES} bytes"));
    }
    if sha256_of(&body) != digest {
        return Err(
            Failure::new(Failure::VERIFICATION, format!("blob {digest}: the bytes do not match the digest")).into()
        );
    }
    Ok(body.to_vec())
}

/// Uploads a blob unless the repository has it (one monolithic `POST …?digest=`, else POST + PUT).
async fn put_blob(server: &Server, name: &str, bytes: &[u8]) -> anyhow::Result<String> {
    let digest = sha256_of(bytes);
    let head = server.request(Method::HEAD, &format!("/v2/{name}/blobs/{digest}")).send().await;
    if head.is_ok_and(|r| r.status().is_success()) {
        return Ok(digest);
    }
    let post = server
        .request(Method::POST, &format!("/v2/{name}/blobs/uploads/?digest={digest}"))
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        .body(bytes.to_vec());
    let response = server.send(post, "uploading a blob").await?;
    if response.status() == StatusCode::CREATED {
        return Ok(digest);
    }
    let location = (response.headers().get(reqwest::header::LOCATION))
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| anyhow::anyhow!("blob upload: the server sent no Location"))?;
    let path = location.strip_prefix(&server.base).unwrap_or(location);
    let sep = if path.contains('?') { '&' } else { '?' };
    let put = server
        .request(Method::PUT, &format!("{path}{sep}digest={digest}"))
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        .body(bytes.to_vec());
    server.send(put, "uploading a blob").await?;
    Ok(digest)
}

/// Puts a manifest under `reference` (a tag, or its own digest); returns its digest.
async fn put_manifest(
    server: &Server,
    name: &str,
    reference: Option<&str>,
    manifest: &Value,
) -> anyhow::Result<String> {
    let body = serde_json::to_vec(manifest)?;
    let digest = sha256_of(&body);
    let put = server
        .request(Method::PUT, &format!("/v2/{name}/manifests/{}", reference.unwrap_or(&digest)))
        .header(reqwest::header::CONTENT_TYPE, OCI_MANIFEST)
        .body(body);
    server.send(put, &format!("pushing a manifest to {name}")).await?;
    Ok(digest)
}

async fn empty_config(server: &Server, name: &str) -> anyhow::Result<Value> {
    put_blob(server, name, b"{}").await?;
    Ok(json!({ "mediaType": EMPTY_CONFIG, "digest": EMPTY_CONFIG_DIGEST, "size": 2 }))
}

/// A layer to add to a cosign tag, and how to tell an equal one already there.
struct NewLayer {
    media_type: &'static str,
    bytes: Vec<u8>,
    annotations: Value,
}

/// Appends `layer` to the manifest of cosign tag `tag` (creating it), as cosign does; a layer for
/// which `same(existing descriptor, existing bytes)` holds makes it a no-op. Returns the manifest
/// digest and whether it changed.
async fn append_layer(
    server: &Server,
    name: &str,
    tag: &str,
    layer: NewLayer,
    same: impl Fn(&Value, &[u8]) -> bool,
) -> anyhow::Result<(String, bool)> {
    let existing = match manifest_opt(server, name, tag).await? {
        Some(body) => serde_json::from_slice::<Value>(&body).ok(),
        None => None,
    };
    let mut layers: Vec<Value> = existing.as_ref().and_then(|m| m["layers"].as_array().cloned()).unwrap_or_default();
    for old in &layers {
        let Some(digest) = old["digest"].as_str() else { continue };
        let Ok(bytes) = blob(server, name, digest).await else { continue };
        if same(old, &bytes) {
            let body = serde_json::to_vec(existing.as_ref().unwrap_or(&Value::Null))?;
            return Ok((sha256_of(&body), false));
        }
    }
    let digest = put_blob(server, name, &layer.bytes).await?;
    layers.push(json!({
        "mediaType": layer.media_type, "size": layer.bytes.len(), "digest": digest, "annotations": layer.annotations,
    }));
    let config = cosign_config(&layers);
    let config_digest = put_blob(server, name, &config).await?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": { "mediaType": IMAGE_CONFIG, "size": config.len(), "digest": config_digest },
        "layers": layers,
    });
    let digest = put_manifest(server, name, Some(tag), &manifest).await?;
    Ok((digest, true))
}

/// The image config cosign generates for a signature image: one diff id per layer.
fn cosign_config(layers: &[Value]) -> Vec<u8> {
    let diff_ids: Vec<&str> = layers.iter().filter_map(|l| l["digest"].as_str()).collect();
    let history: Vec<Value> = diff_ids.iter().map(|_| json!({ "created": "0001-01-01T00:00:00Z" })).collect();
    let config = json!({
        "architecture": "", "created": "0001-01-01T00:00:00Z", "history": history, "os": "",
        "rootfs": { "type": "layers", "diff_ids": diff_ids }, "config": {},
    });
    serde_json::to_vec(&config).unwrap_or_default()
}

fn now_rfc3339() -> String {
    arca_core::time::rfc3339(arca_core::now_millis())
}

// ---------------------------------------------------------------------------------------------
// sign

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  arca sign releases/tool@1.4.0 --key cosign.key            # cosign's sha256-<hex>.sig tag\n  \
arca sign releases/tool@1.4.0 --key cosign.key --bundle   # cosign v3: a Sigstore bundle referrer\n\n\
The key's password comes from COSIGN_PASSWORD, else it is asked for."
)]
pub struct SignArgs {
    /// `<repo>/<package>@<version|sha256:…>`.
    reference: String,
    /// The private key (cosign.key).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Push a Sigstore bundle v0.3 referrer (cosign v3's format) instead of a `.sig` signature.
    #[arg(long, alias = "new-bundle-format")]
    bundle: bool,
}

pub async fn sign(server: &Server, args: &SignArgs) -> anyhow::Result<()> {
    let r = VersionRef::parse(&args.reference)?;
    let key = load_signing_key(&args.key)?;
    let subject = resolve(server, &r).await?;
    let digest = if args.bundle {
        sign_bundle(server, &r.name(), &subject, &key).await?
    } else {
        sign_legacy(server, &r, &subject, &key).await?
    };
    println!("{digest}");
    Ok(())
}

async fn sign_legacy(server: &Server, r: &VersionRef, subject: &Subject, key: &SigningKey) -> anyhow::Result<String> {
    let (payload, signature) = arca_trust::simple_signing::sign(&docker_reference(server, r), &subject.digest, key)
        .map_err(|e| anyhow::anyhow!("signing: {e}"))?;
    let public = key.public_key().clone();
    let payload_digest = sha256_of(&payload);
    let layer = NewLayer {
        media_type: SIMPLE_SIGNING_MEDIA_TYPE,
        bytes: payload,
        annotations: json!({ SIGNATURE_ANNOTATION: signature }),
    };
    let same = |old: &Value, bytes: &[u8]| {
        old["digest"].as_str() == Some(payload_digest.as_str())
            && (old["annotations"][SIGNATURE_ANNOTATION].as_str())
                .and_then(b64_decode)
                .is_some_and(|sig| public.verify(bytes, &sig))
    };
    let (digest, changed) = append_layer(server, &r.name(), &subject.tag("sig"), layer, same).await?;
    if !changed {
        eprintln!("{} is signed by this key already", subject.digest);
    }
    Ok(digest)
}

async fn sign_bundle(server: &Server, name: &str, subject: &Subject, key: &SigningKey) -> anyhow::Result<String> {
    let bundle = arca_trust::cosign::sign_image(&subject.digest, key).map_err(|e| anyhow::anyhow!("signing: {e}"))?;
    push_referrer(
        server,
        name,
        subject,
        BUNDLE_MEDIA_TYPE,
        bundle.to_json().into_bytes(),
        None,
        &[(BUNDLE_CONTENT_ANNOTATION, "dsse-envelope"), (BUNDLE_PREDICATE_TYPE_ANNOTATION, SIGN_PREDICATE_TYPE)],
    )
    .await
}

/// Pushes an OCI 1.1 referrer of `subject`: empty config, one layer of `media_type`.
async fn push_referrer(
    server: &Server,
    name: &str,
    subject: &Subject,
    media_type: &str,
    bytes: Vec<u8>,
    title: Option<&str>,
    annotations: &[(&str, &str)],
) -> anyhow::Result<String> {
    let config = empty_config(server, name).await?;
    let layer_digest = put_blob(server, name, &bytes).await?;
    let mut layer = json!({ "mediaType": media_type, "digest": layer_digest, "size": bytes.len() });
    if let Some(title) = title {
        layer["annotations"] = json!({ "org.opencontainers.image.title": title });
    }
    let mut manifest_annotations = serde_json::Map::new();
    for (k, v) in annotations {
        manifest_annotations.insert((*k).to_owned(), json!(v));
    }
    manifest_annotations.insert("org.opencontainers.image.created".into(), json!(now_rfc3339()));
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": media_type,
        "config": config,
        "layers": [layer],
        "subject": subject.descriptor(),
        "annotations": manifest_annotations,
    });
    put_manifest(server, name, None, &manifest).await
}

// ---------------------------------------------------------------------------------------------
// verify

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  arca verify releases/tool@1.4.0 --key cosign.pub\n  \
arca verify releases/tool@sha256:… --key cosign.pub --output json\n\n\
Checks on this machine, trusting nothing the server says: every cosign signature in the \
sha256-<hex>.sig tag and every Sigstore bundle referrer, with the given key.\n\
Exit status: 0 at least one signature verifies, 5 none does (the reasons are printed).")]
pub struct VerifyArgs {
    /// `<repo>/<package>@<version|sha256:…>`.
    reference: String,
    /// The public key (cosign.pub).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    #[command(flatten)]
    out: OutputFlag,
}

/// One signature found and what checking it with the key said.
#[derive(Debug, Clone, serde::Serialize)]
struct Checked {
    kind: &'static str,
    /// The manifest holding it.
    manifest: String,
    #[serde(flatten)]
    verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

pub async fn verify(server: &Server, args: &VerifyArgs) -> anyhow::Result<()> {
    let r = VersionRef::parse(&args.reference)?;
    let key = load_public_key(&args.key)?;
    let subject = resolve(server, &r).await?;
    let name = r.name();
    let mut checked = legacy_signatures(server, &name, &subject, &key).await?;
    checked.extend(bundle_signatures(server, &name, &subject, &key).await?);
    let valid = checked.iter().filter(|c| c.verdict.is_valid()).count();
    match args.out.output {
        Output::Json => print_json(&json!({
            "repository": r.repo, "package": r.package, "reference": r.reference, "digest": subject.digest,
            "key": key.fingerprint(), "verified": valid > 0, "signatures": checked,
        }))?,
        Output::Text => print_checked(&subject, &checked),
    }
    if valid > 0 {
        return Ok(());
    }
    Err(Failure::new(Failure::VERIFICATION, format!("{}@{}: {}", name, r.reference, why_none(&checked))).into())
}

fn print_checked(subject: &Subject, checked: &[Checked]) {
    for c in checked.iter().filter(|c| c.verdict.is_valid()) {
        let signer = match &c.verdict {
            Verdict::Valid { signer } => signer.as_str(),
            _ => "",
        };
        let detail = c.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
        println!("verified {} of {} by {signer} in {}{detail}", c.kind, subject.digest, c.manifest);
    }
}

/// "no signature by this key: 1 signature by another key; 1 invalid: signed for another digest".
fn why_none(checked: &[Checked]) -> String {
    if checked.is_empty() {
        return "no signatures: no sha256-<hex>.sig tag and no Sigstore bundle referrer".to_owned();
    }
    let mut other_key = 0;
    let mut reasons: Vec<String> = Vec::new();
    for c in checked {
        match &c.verdict {
            Verdict::Invalid { reason } if reason.contains("does not verify under any trusted key") => other_key += 1,
            v => reasons.push(v.explain()),
        }
    }
    let mut parts = Vec::new();
    if other_key > 0 {
        let s = if other_key == 1 { "" } else { "s" };
        parts.push(format!("{other_key} signature{s} by another key (or altered)"));
    }
    let mut counted: Vec<(String, usize)> = Vec::new();
    for reason in reasons {
        match counted.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => counted.push((reason, 1)),
        }
    }
    parts.extend(counted.into_iter().map(|(reason, n)| format!("{n} {reason}")));
    format!("no signature by this key: {}", parts.join("; "))
}

/// The signatures of the `.sig` tag, each checked with `key`.
async fn legacy_signatures(
    server: &Server,
    name: &str,
    subject: &Subject,
    key: &PublicKey,
) -> anyhow::Result<Vec<Checked>> {
    let tag = subject.tag("sig");
    let Some(body) = manifest_opt(server, name, &tag).await? else { return Ok(Vec::new()) };
    let manifest: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut out = Vec::new();
    for layer in manifest["layers"].as_array().into_iter().flatten() {
        let Some(signature) = layer["annotations"][SIGNATURE_ANNOTATION].as_str() else { continue };
        let payload = match layer["digest"].as_str() {
            Some(digest) => blob(server, name, digest).await.map_err(|e| format!("{e:#}")),
            None => Err("a layer without a digest".to_owned()),
        };
        let (verdict, detail) = match payload {
            Ok(payload) => {
                let verdict =
                    arca_trust::simple_signing::verify(&payload, signature, &subject.digest, std::slice::from_ref(key));
                let claims = arca_trust::simple_signing::claims(&payload).and_then(|c| c.docker_reference);
                (verdict, claims.map(|r| format!("docker-reference {r}")))
            }
            Err(reason) => (Verdict::invalid(reason), None),
        };
        out.push(Checked { kind: "cosign-signature", manifest: tag.clone(), verdict, detail });
    }
    Ok(out)
}

/// The Sigstore bundle referrers of `subject`, each checked with `key`. Bundles of other predicate
/// types are attestations, not signatures: reported, never counted.
async fn bundle_signatures(
    server: &Server,
    name: &str,
    subject: &Subject,
    key: &PublicKey,
) -> anyhow::Result<Vec<Checked>> {
    let mut out = Vec::new();
    for referrer in referrers(server, name, &subject.digest).await? {
        let artifact_type = referrer["artifactType"].as_str().unwrap_or_default();
        let Some(digest) = referrer["digest"].as_str() else { continue };
        if !artifact_type.starts_with("application/vnd.dev.sigstore.bundle") {
            continue;
        }
        let verdict = match bundle_layer(server, name, digest).await {
            Ok(bundle) => check_bundle(&bundle, subject, key),
            Err(e) => Verdict::invalid(format!("{e:#}")),
        };
        out.push(Checked { kind: "sigstore-bundle", manifest: digest.to_owned(), verdict, detail: None });
    }
    Ok(out)
}

/// A bundle verifies as a signature when it is valid and of cosign's sign predicate type.
fn check_bundle(bundle: &Bundle, subject: &Subject, key: &PublicKey) -> Verdict {
    let outcome = arca_trust::bundle::verify(bundle, subject.hex(), std::slice::from_ref(key));
    match (&outcome.verdict, &outcome.statement) {
        (Verdict::Valid { .. }, Some(statement)) if statement.predicate_type != SIGN_PREDICATE_TYPE => {
            Verdict::unsupported(format!("an attestation ({}), not a signature", statement.predicate_type))
        }
        _ => outcome.verdict,
    }
}

/// The first layer of referrer `digest`, parsed as a Sigstore bundle.
async fn bundle_layer(server: &Server, name: &str, digest: &str) -> anyhow::Result<Bundle> {
    let body = manifest_opt(server, name, digest).await?.ok_or_else(|| anyhow::anyhow!("referrer {digest} is gone"))?;
    let manifest: Value = serde_json::from_slice(&body)?;
    let layer = manifest["layers"][0]["digest"].as_str().ok_or_else(|| anyhow::anyhow!("no bundle layer"))?;
    let bytes = blob(server, name, layer).await?;
    Bundle::parse(&bytes).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The descriptors of `GET /v2/<name>/referrers/<digest>`.
async fn referrers(server: &Server, name: &str, digest: &str) -> anyhow::Result<Vec<Value>> {
    let rb = server
        .request(Method::GET, &format!("/v2/{name}/referrers/{digest}"))
        .header(reqwest::header::ACCEPT, OCI_INDEX);
    let response = rb.send().await.map_err(|e| anyhow::anyhow!("listing referrers: {e}"))?;
    if response.status() == StatusCode::NOT_FOUND {
        return Ok(Vec::new());
    }
    if !response.status().is_success() {
        return Err(super::http::failure(response, "listing referrers").await.into());
    }
    let index: Value = response.json().await?;
    Ok(index["manifests"].as_array().cloned().unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// attest

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  arca attest releases/tool@1.4.0 --predicate provenance.json --type slsaprovenance1 --key cosign.key\n  \
arca attest releases/tool@1.4.0 --predicate bom.json --type cyclonedx --key cosign.key\n\n\
Types: slsaprovenance (https://slsa.dev/provenance/v0.2), slsaprovenance1 (…/v1), spdxjson \
(https://spdx.dev/Document), cyclonedx (https://cyclonedx.org/bom), vuln, custom, or any URI."
)]
pub struct AttestArgs {
    /// `<repo>/<package>@<version|sha256:…>`.
    reference: String,
    /// The predicate: a JSON file.
    #[arg(long, value_name = "FILE")]
    predicate: PathBuf,
    /// The predicate type: a shorthand or a URI.
    #[arg(long = "type", default_value = "custom")]
    predicate_type: String,
    /// The private key (cosign.key).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
}

/// cosign's predicate type shorthands (`cosign attest --type`).
pub fn predicate_type_uri(short: &str) -> String {
    match short {
        "slsaprovenance" | "slsaprovenance02" => "https://slsa.dev/provenance/v0.2",
        "slsaprovenance1" => "https://slsa.dev/provenance/v1",
        "spdx" | "spdxjson" => "https://spdx.dev/Document",
        "cyclonedx" => "https://cyclonedx.org/bom",
        "vuln" => "https://cosign.sigstore.dev/attestation/vuln/v1",
        "openvex" => "https://openvex.dev/ns",
        "link" => "https://in-toto.io/attestation/link/v0.3",
        "custom" => "https://cosign.sigstore.dev/attestation/v1",
        uri => uri,
    }
    .to_owned()
}

pub async fn attest(server: &Server, args: &AttestArgs) -> anyhow::Result<()> {
    let r = VersionRef::parse(&args.reference)?;
    let text = std::fs::read(&args.predicate)
        .map_err(|e| Failure::usage(format!("--predicate {}: {e}", args.predicate.display())))?;
    let predicate: Value = serde_json::from_slice(&text)
        .map_err(|e| Failure::usage(format!("--predicate {}: not JSON: {e}", args.predicate.display())))?;
    let predicate_type = predicate_type_uri(&args.predicate_type);
    let key = load_signing_key(&args.key)?;
    let subject = resolve(server, &r).await?;
    let statement = Statement::v1(&docker_reference(server, &r), subject.hex(), &predicate_type, predicate).to_json();
    let envelope =
        arca_trust::dsse::sign(IN_TOTO_PAYLOAD_TYPE, &statement, &key).map_err(|e| anyhow::anyhow!("signing: {e}"))?;
    let layer = NewLayer {
        media_type: DSSE_MEDIA_TYPE,
        bytes: envelope.to_json().into_bytes(),
        annotations: json!({ SIGNATURE_ANNOTATION: "", "predicateType": predicate_type }),
    };
    let public = key.public_key().clone();
    let same = |_: &Value, bytes: &[u8]| {
        Envelope::parse(bytes).is_ok_and(|old| {
            old.payload == statement && arca_trust::dsse::verify(&old, std::slice::from_ref(&public)).is_valid()
        })
    };
    let (digest, changed) = append_layer(server, &r.name(), &subject.tag("att"), layer, same).await?;
    if !changed {
        eprintln!("{} has this attestation by this key already", subject.digest);
    }
    println!("{digest}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// sbom attach

#[derive(clap::Subcommand, Debug)]
pub enum SbomCommand {
    /// Attach an SBOM (SPDX or CycloneDX JSON) to a version as an OCI 1.1 referrer.
    #[command(after_help = "Example:\n  arca sbom attach releases/tool@1.4.0 bom.cdx.json")]
    Attach {
        /// `<repo>/<package>@<version|sha256:…>`.
        reference: String,
        /// The SBOM file; its format is read from its content.
        file: PathBuf,
    },
}

pub async fn sbom(server: &Server, command: &SbomCommand) -> anyhow::Result<()> {
    let SbomCommand::Attach { reference, file } = command;
    let r = VersionRef::parse(reference)?;
    let bytes = std::fs::read(file).map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
    let media_type = sbom_media_type(&bytes).map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
    let subject = resolve(server, &r).await?;
    let title = file.file_name().and_then(|n| n.to_str());
    let digest = push_referrer(server, &r.name(), &subject, media_type, bytes, title, &[]).await?;
    println!("{digest}");
    Ok(())
}

/// The media type of an SBOM, from its content; why it is not one otherwise.
fn sbom_media_type(bytes: &[u8]) -> Result<&'static str, String> {
    let format = match arca_sbom::parse(bytes, None) {
        Ok(sbom) => Some(sbom.format),
        Err(e) if arca_sbom::sniff(bytes).is_none() => {
            return Err(format!("not an SBOM (SPDX or CycloneDX JSON): {e}"));
        }
        Err(e) => return Err(format!("the SBOM does not parse: {e}")),
    };
    Ok(match format {
        Some(arca_sbom::SbomFormat::CycloneDx) => "application/vnd.cyclonedx+json",
        _ => "application/spdx+json",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicate_types_follow_cosign() {
        assert_eq!(predicate_type_uri("slsaprovenance1"), "https://slsa.dev/provenance/v1");
        assert_eq!(predicate_type_uri("cyclonedx"), "https://cyclonedx.org/bom");
        assert_eq!(predicate_type_uri("https://example.com/p"), "https://example.com/p");
    }

    #[test]
    fn sboms_are_typed_by_content() {
        let cdx = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[]}"#;
        assert_eq!(sbom_media_type(cdx), Ok("application/vnd.cyclonedx+json"));
        assert!(sbom_media_type(b"{\"hello\": 1}").unwrap_err().starts_with("not an SBOM"));
        assert!(sbom_media_type(b"\x00\x01").is_err());
    }

    #[test]
    fn reasons_are_counted() {
        let c = |verdict| Checked { kind: "cosign-signature", manifest: "m".into(), verdict, detail: None };
        let why = why_none(&[
            c(Verdict::invalid("signature does not verify under any trusted key")),
            c(Verdict::invalid("signed for another digest: sha256:ab (expected sha256:cd)")),
        ]);
        assert_eq!(
            why,
            "no signature by this key: 1 signature by another key (or altered); \
1 invalid: signed for another digest: sha256:ab (expected sha256:cd)"
        );
        assert!(why_none(&[]).starts_with("no signatures"));
    }
}
