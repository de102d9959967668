//! `arca pull <repo>/<package>@<version|sha256:…> [-o DIR]`: reads the version's manifest through
//! `/v2/`, then streams each file (a layer titled with its file name) into DIR, hashing while writing.
//! A file is written as a hidden `.<name>.partial` and renamed only once its digest matches; a mismatch
//! deletes it and exits 5. File names come from the server and are refused unless they are plain
//! names (no `/`, `\`, `..`, NUL), so nothing is ever written outside DIR.

use super::http::Server;
use super::reference::VersionRef;
use super::{Failure, Output, print_json, progress};
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::json;
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    arca pull releases/tool@1.4.0 -o ./tool-1.4.0\n  \
    arca pull releases/tool@sha256:3f1c…  # by the version's manifest digest\n\n\
    Every file's SHA-256 is checked against the manifest; a mismatch deletes the file and exits 5.\n\n\
    Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 denied or unauthenticated, 5 verification failed.")]
pub struct PullArgs {
    #[command(flatten)]
    pub out: super::OutputFlag,
    /// <repo>/<package>@<version|sha256:…>
    pub reference: String,
    /// Directory to write the files into (created if missing).
    #[arg(short = 'o', long = "output-dir", default_value = ".")]
    pub dir: PathBuf,
}

/// A file name from the server that is safe to join to a directory.
pub fn safe_name(name: &str) -> anyhow::Result<&str> {
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && !name.chars().any(char::is_control);
    if ok { Ok(name) } else { Err(Failure::new(Failure::VERIFICATION, format!("refusing file name {name:?}")).into()) }
}

pub async fn run(server: &Server, args: &PullArgs) -> anyhow::Result<()> {
    let output = args.out.output;
    let r = VersionRef::parse(&args.reference)?;
    let name = r.name();
    let bytes =
        server.manifest(&name.to_string(), &r.reference.to_string(), &format!("{name}@{}", r.reference)).await?;
    let digest = format!("sha256:{}", hex::encode(Sha256::digest(&bytes)));
    if r.is_digest() && digest != r.reference {
        return Err(Failure::new(Failure::VERIFICATION, format!("manifest digest {digest} != {}", r.reference)).into());
    }
    let manifest: serde_json::Value = serde_json::from_slice(&bytes)?;
    let layers = manifest["layers"].as_array().cloned().unwrap_or_default();

    // Check every name before writing anything.
    let mut files = Vec::new();
    for layer in &layers {
        let title = layer["annotations"]["org.opencontainers.image.title"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("a layer has no file name (org.opencontainers.image.title)"))?;
        let file = safe_name(title)?.to_owned();
        let digest = layer["digest"].as_str().unwrap_or_default().to_owned();
        let hex = digest
            .strip_prefix("sha256:")
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| anyhow::anyhow!("{file}: unsupported digest {digest:?}"))?
            .to_owned();
        let size = layer["size"].as_u64().unwrap_or(0);
        if files.iter().any(|(f, _, _, _): &(String, String, String, u64)| *f == file) {
            return Err(Failure::new(Failure::VERIFICATION, format!("the manifest names {file:?} twice")).into());
        }
        files.push((file, digest, hex, size));
    }

    tokio::fs::create_dir_all(&args.dir).await?;
    let mut pulled = Vec::new();
    for (file, digest, hex, size) in &files {
        let target = args.dir.join(file);
        download(server, &name, file, digest, hex, *size, &target).await?;
        pulled.push(json!({ "name": file, "digest": digest, "size": size, "path": target }));
    }
    match output {
        Output::Json => print_json(&json!({ "reference": format!("{name}@{}", r.reference), "digest": digest,
            "files": pulled }))?,
        Output::Text => {
            for f in &pulled {
                println!("{}\t{}\t{}", f["digest"].as_str().unwrap_or(""), f["size"], f["name"].as_str().unwrap_or(""));
            }
            println!("pulled {name}@{} ({digest}) into {}", r.reference, args.dir.display());
        }
    }
    Ok(())
}

async fn download(
    server: &Server,
    name: &str,
    file: &str,
    digest: &str,
    hex: &str,
    size: u64,
    target: &Path,
) -> anyhow::Result<()> {
    let partial: PathBuf = target.with_file_name(format!(".{file}.partial"));
    let result = async {
        let response = server.send(server.request(Method::GET, &format!("/v2/{name}/blobs/{digest}")), file).await?;
        let bar = progress(size, file);
        let mut out = tokio::fs::File::create(&partial).await?;
        let mut hasher = Sha256::new();
        let mut stream = response.bytes_stream();
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            hasher.update(&chunk);
            out.write_all(&chunk).await?;
            written += chunk.len() as u64;
            bar.set_position(written);
        }
        out.flush().await?;
        out.sync_all().await?;
        bar.finish_and_clear();
        let actual = hex::encode(hasher.finalize());
        if actual != hex {
            return Err(
                Failure::new(Failure::VERIFICATION, format!("{file}: digest sha256:{actual} != {digest}")).into()
            );
        }
        if written != size {
            return Err(Failure::new(Failure::VERIFICATION, format!("{file}: {written} bytes, expected {size}")).into());
        }
        tokio::fs::rename(&partial, target).await?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&partial).await;
    }
    result
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_names_are_accepted() {
        for ok in ["a.zip", "tool-1.0.tar.gz", ".hidden", "a..b"] {
            assert!(super::safe_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "../x", "a/b", "/etc/passwd", "a\\b", "a\0b", "a\nb"] {
            assert!(super::safe_name(bad).is_err(), "{bad:?}");
        }
    }
}
