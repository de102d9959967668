//! `arca push <repo>/<package>@<version> FILE… [--property k=v]…`.
//!
//! Each file is hashed first (one streaming read: the `X-Checksum-Sha256` header must precede the
//! body), then streamed to the server, which hashes it again while storing it and refuses a mismatch.
//! One file is a single `PUT`; several are a multi-file upload committed in one step, so the version
//! appears with all its files or not at all. In CI, the build properties are added and an in-toto
//! SLSA provenance statement is attached to the version as an OCI referrer.

use super::http::{OCI_MANIFEST, Server};
use super::reference::{VersionRef, parse_property};
use super::{Failure, Output, print_json, progress};
use arca_core::provenance::{self, BuildInfo};
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::json;
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

const IN_TOTO: &str = "application/vnd.in-toto+json";
const DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
const EMPTY_CONFIG: &str = "application/vnd.oci.empty.v1+json";

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    arca push releases/tool@1.4.0 dist/tool-linux-amd64 dist/tool-darwin-arm64 --property channel=stable\n  \
    arca --server http://arca.internal:8080 push firmware/board-a@2024.06 fw.bin --no-provenance\n\n\
    In CI (GitHub Actions, GitLab CI, Jenkins, Buildkite, CircleCI, Azure Pipelines, or CI=true) the \
    build properties vcs.*/build.* are added (--property wins on conflicts) and an in-toto SLSA v1 \
    provenance statement is attached to the version as an OCI referrer.\n\n\
    Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 denied or unauthenticated, 5 verification failed.")]
pub struct PushArgs {
    #[command(flatten)]
    pub out: super::OutputFlag,
    /// <repo>/<package>@<version>
    pub reference: String,
    /// The files of the version (their base names become the file names).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// A property key=value (repeatable; a key may have several values).
    #[arg(long = "property", short = 'p')]
    pub properties: Vec<String>,
    /// Do not detect CI or attach a provenance statement.
    #[arg(long)]
    pub no_provenance: bool,
    /// Sign the provenance statement (a DSSE envelope) with this cosign key (password from
    /// COSIGN_PASSWORD or a prompt), so a repository trusting its public key verifies it.
    #[arg(long, value_name = "FILE", env = "ARCA_SIGNING_KEY")]
    pub key: Option<PathBuf>,
    /// Upload at most this many bytes per second (e.g. 500K, 8M).
    #[arg(long, value_parser = parse_rate)]
    pub limit_rate: Option<u64>,
}

fn parse_rate(s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, ""),
    };
    let n: u64 = digits.parse().map_err(|_| format!("{s:?}: expected a number with an optional K, M or G"))?;
    let unit = match unit.to_ascii_uppercase().as_str() {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return Err(format!("{s:?}: unknown unit")),
    };
    n.checked_mul(unit).filter(|r| *r > 0).ok_or_else(|| format!("{s:?}: the rate must be > 0 and < 2^64"))
}

struct LocalFile {
    path: PathBuf,
    name: String,
    size: u64,
    sha256: String,
}

pub async fn run(server: &Server, args: &PushArgs) -> anyhow::Result<()> {
    let output = args.out.output;
    let r = VersionRef::parse(&args.reference)?;
    if r.is_digest() {
        return Err(Failure::usage("push needs a version, not a digest"));
    }
    let mut properties = args.properties.iter().map(|p| parse_property(p)).collect::<anyhow::Result<Vec<_>>>()?;
    let build = if args.no_provenance { None } else { provenance::detect(&|k| std::env::var(k).ok()) };
    let key = args.key.as_deref().map(super::sign::load_signing_key).transpose()?;
    if let Some(build) = &build {
        for (key, value) in build.properties() {
            if !properties.iter().any(|(k, _)| k == key) {
                properties.push((key.to_owned(), value));
            }
        }
    }

    let mut files = Vec::new();
    for path in &args.files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Failure::usage(format!("{}: not a file name", path.display())))?
            .to_owned();
        if files.iter().any(|f: &LocalFile| f.name == name) {
            return Err(Failure::usage(format!("two files are named {name:?}")));
        }
        let (sha256, size) = hash_file(path).await?;
        files.push(LocalFile { path: path.clone(), name, size, sha256 });
    }

    let base = format!("/generic/{}/{}", r.name(), r.reference);
    let published = if let [file] = files.as_slice() {
        let rb = with_properties(server.request(Method::PUT, &format!("{base}/{}", file.name)), &properties);
        put_file(server, rb, file, args.limit_rate).await?
    } else {
        multi(server, &base, &files, &properties, args.limit_rate).await?
    };

    let mut result = json!({
        "repository": r.repo, "package": r.package, "version": r.reference,
        "digest": published["digest"], "files": files.iter().map(|f| json!({
            "name": f.name, "size": f.size, "digest": format!("sha256:{}", f.sha256) })).collect::<Vec<_>>(),
    });
    if let Some(build) = &build {
        let referrer = attach_provenance(server, &r, build, key.as_ref()).await?;
        result["provenance"] = json!(referrer);
    }
    match output {
        Output::Json => print_json(&result)?,
        Output::Text => {
            println!("pushed {}@{} {}", r.name(), r.reference, result["digest"].as_str().unwrap_or("?"));
            if let Some(p) = result["provenance"].as_str() {
                println!("provenance {p}");
            }
        }
    }
    Ok(())
}

fn with_properties(mut rb: reqwest::RequestBuilder, properties: &[(String, String)]) -> reqwest::RequestBuilder {
    for (k, v) in properties {
        rb = rb.header("X-Arca-Property", format!("{k}={v}"));
    }
    rb
}

async fn multi(
    server: &Server,
    base: &str,
    files: &[LocalFile],
    properties: &[(String, String)],
    rate: Option<u64>,
) -> anyhow::Result<serde_json::Value> {
    let started = server.send(server.request(Method::POST, &format!("{base}?uploads")), "starting the upload").await?;
    let started: serde_json::Value = started.json().await?;
    let id = started["uploadId"].as_str().ok_or_else(|| anyhow::anyhow!("the server sent no uploadId"))?.to_owned();
    let result = async {
        for file in files {
            let rb = server.request(Method::PUT, &format!("{base}/{}?uploadId={id}", file.name));
            put_file(server, rb, file, rate).await?;
        }
        let commit = with_properties(server.request(Method::POST, &format!("{base}?uploadId={id}")), properties);
        let response = server.send(commit, "committing the version").await?;
        anyhow::Ok(response.json::<serde_json::Value>().await?)
    }
    .await;
    if result.is_err() {
        // Best effort: the server also expires abandoned uploads.
        let _ = server.request(Method::DELETE, &format!("{base}?uploadId={id}")).send().await;
    }
    result
}

/// Streams `file` as the body of `rb` with its checksum and length.
async fn put_file(
    server: &Server,
    rb: reqwest::RequestBuilder,
    file: &LocalFile,
    rate: Option<u64>,
) -> anyhow::Result<serde_json::Value> {
    let bar = progress(file.size, &file.name);
    let reader = tokio::fs::File::open(&file.path).await?;
    let stream = tokio_util::io::ReaderStream::with_capacity(reader, 64 * 1024);
    let start = Instant::now();
    let mut sent = 0u64;
    let bar2 = bar.clone();
    let stream = stream.then(move |chunk| {
        if let Ok(c) = &chunk {
            sent += c.len() as u64;
        }
        let (bar, position) = (bar2.clone(), sent);
        async move {
            bar.set_position(position);
            if let Some(rate) = rate {
                let due = Duration::from_secs_f64(position as f64 / rate as f64);
                if let Some(wait) = due.checked_sub(start.elapsed()) {
                    tokio::time::sleep(wait).await;
                }
            }
            chunk
        }
    });
    let rb = rb
        .header("X-Checksum-Sha256", &file.sha256)
        .header(reqwest::header::CONTENT_LENGTH, file.size)
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        .body(reqwest::Body::wrap_stream(stream));
    let response = server.send(rb, &format!("uploading {}", file.name)).await;
    bar.finish_and_clear();
    Ok(response?.json().await.unwrap_or(serde_json::Value::Null))
}

/// SHA-256 (hex) and size of a file, read in chunks.
pub async fn hash_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Failure::new(Failure::ERROR, format!("{}: {e}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

fn sha256_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Uploads the provenance statement of the version `r` as a referrer (a DSSE envelope when signed by
/// `key`); returns its manifest digest.
async fn attach_provenance(
    server: &Server,
    r: &VersionRef,
    build: &BuildInfo,
    key: Option<&arca_trust::SigningKey>,
) -> anyhow::Result<String> {
    let name = r.name();
    let head = server
        .request(Method::HEAD, &format!("/v2/{name}/manifests/{}", r.reference))
        .header(reqwest::header::ACCEPT, OCI_MANIFEST);
    let head = server.send(head, "reading the version's manifest").await?;
    let subject_digest = head
        .headers()
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| anyhow::anyhow!("the server sent no Docker-Content-Digest"))?
        .to_owned();
    let subject_size = head.content_length().unwrap_or(0);
    let subject = arca_types::Digest::parse(&subject_digest)?;
    let finished = arca_core::time::rfc3339(arca_core::now_millis());
    let statement = build.slsa_statement(&name, &subject, Some(&finished));
    let statement = serde_json::to_vec(&statement)?;
    let (statement, layer_type) = match key {
        Some(key) => {
            let envelope = arca_trust::dsse::sign(IN_TOTO, &statement, key)
                .map_err(|e| anyhow::anyhow!("signing the provenance statement: {e}"))?;
            (envelope.to_json().into_bytes(), DSSE_ENVELOPE)
        }
        None => (statement, IN_TOTO),
    };
    let config = b"{}".to_vec();
    let statement_digest = sha256_of(&statement);
    let config_digest = sha256_of(&config);
    upload_blob(server, &name, &config_digest, config.clone()).await?;
    upload_blob(server, &name, &statement_digest, statement.clone()).await?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": IN_TOTO,
        "config": { "mediaType": EMPTY_CONFIG, "digest": config_digest, "size": config.len(), "data": "e30=" },
        "layers": [{
            "mediaType": layer_type,
            "digest": statement_digest,
            "size": statement.len(),
            "annotations": {
                "org.opencontainers.image.title": "provenance.intoto.json",
                "in-toto.io/predicate-type": "https://slsa.dev/provenance/v1",
            },
        }],
        "subject": { "mediaType": OCI_MANIFEST, "digest": subject_digest, "size": subject_size },
    });
    let manifest = serde_json::to_vec(&manifest)?;
    let digest = sha256_of(&manifest);
    let put = server
        .request(Method::PUT, &format!("/v2/{name}/manifests/{digest}"))
        .header(reqwest::header::CONTENT_TYPE, OCI_MANIFEST)
        .body(manifest);
    server.send(put, "attaching the provenance statement").await?;
    Ok(digest)
}

/// A monolithic blob upload (`POST …/blobs/uploads/?digest=`), falling back to POST then PUT.
async fn upload_blob(server: &Server, name: &str, digest: &str, body: Vec<u8>) -> anyhow::Result<()> {
    let post = server
        .request(Method::POST, &format!("/v2/{name}/blobs/uploads/?digest={digest}"))
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        .body(body.clone());
    let response = server.send(post, "uploading a blob").await?;
    if response.status() == reqwest::StatusCode::CREATED {
        return Ok(());
    }
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| anyhow::anyhow!("blob upload: no Location"))?
        .to_owned();
    let sep = if location.contains('?') { '&' } else { '?' };
    let path = location.strip_prefix(&server.base).unwrap_or(&location).to_owned();
    let put = server
        .request(Method::PUT, &format!("{path}{sep}digest={digest}"))
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        .body(body);
    server.send(put, "uploading a blob").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn rates() {
        assert_eq!(super::parse_rate("8M"), Ok(8 << 20));
        assert_eq!(super::parse_rate("100"), Ok(100));
        assert!(super::parse_rate("0").is_err() && super::parse_rate("3X").is_err());
    }
}
