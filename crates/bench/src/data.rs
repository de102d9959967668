//! The benchmark's data, exactly as zb makes it: per size one blob of 4 KiB random bytes followed by
//! zeros (digest precomputed), and a small OCI image config. Blobs are generated while they are sent
//! (a random head and a shared buffer of zeros), so a 1 GiB blob never sits in memory.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use sha2::{Digest as _, Sha256};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

pub const MIB: u64 = 1024 * 1024;
pub const GIB: u64 = 1024 * MIB;
const HEAD: usize = 4096;
const CHUNK: usize = 256 * 1024;

fn zeros() -> Bytes {
    static ZEROS: OnceLock<Bytes> = OnceLock::new();
    ZEROS.get_or_init(|| Bytes::from(vec![0u8; CHUNK])).clone()
}

/// One of zb's sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Size {
    M1,
    M10,
    M100,
    G1,
}

impl Size {
    pub fn bytes(self) -> u64 {
        match self {
            Size::M1 => MIB,
            Size::M10 => 10 * MIB,
            Size::M100 => 100 * MIB,
            Size::G1 => GIB,
        }
    }

    /// zb's spelling, used in test names.
    pub fn label(self) -> &'static str {
        match self {
            Size::M1 => "1MB",
            Size::M10 => "10MB",
            Size::M100 => "100MB",
            Size::G1 => "1GB",
        }
    }
}

/// A blob that can be sent any number of times: `head` random bytes, then zeros up to `size`.
#[derive(Debug, Clone)]
pub struct Blob {
    pub head: Bytes,
    pub size: u64,
    pub digest: String,
}

impl Blob {
    /// zb's layer blob of `size` bytes: 4 KiB from the OS's random source, then zeros.
    pub fn random_head(size: u64) -> Self {
        let mut head = vec![0u8; HEAD.min(size as usize)];
        getrandom::fill(&mut head).expect("OS random source");
        Self::with_head(Bytes::from(head), size)
    }

    /// Like [`Blob::random_head`], but the head is kept in `dir` (`<size>.head`) and reused, so that
    /// several invocations in one comparison push the same bytes (zb makes one data set per run).
    pub fn stored_head(size: u64, dir: &std::path::Path) -> std::io::Result<Self> {
        let path = dir.join(format!("{size}.head"));
        match std::fs::read(&path) {
            Ok(head) if head.len() == HEAD.min(size as usize) => Ok(Self::with_head(Bytes::from(head), size)),
            _ => {
                let blob = Self::random_head(size);
                std::fs::create_dir_all(dir)?;
                std::fs::write(&path, &blob.head)?;
                Ok(blob)
            }
        }
    }

    /// A blob that is exactly `bytes` (config blobs, manifests).
    pub fn exact(bytes: Bytes) -> Self {
        let size = bytes.len() as u64;
        Self::with_head(bytes, size)
    }

    fn with_head(head: Bytes, size: u64) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(&head);
        let zeros = zeros();
        let mut left = size - head.len() as u64;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            hasher.update(&zeros[..n]);
            left -= n as u64;
        }
        let digest = format!("sha256:{}", hex::encode(hasher.finalize()));
        Self { head, size, digest }
    }

    /// The blob's bytes as a request body; `sized` announces the length (Content-Length), otherwise
    /// the body goes out chunked (a streamed PATCH).
    pub fn body(&self, sized: bool) -> reqwest::Body {
        reqwest::Body::wrap(BlobBody { head: Some(self.head.clone()), zeros: zeros(), left: self.size, sized })
    }

    /// Writes the blob's bytes to `path` (for the dd and nginx references).
    pub fn write_to(&self, path: &std::path::Path) -> std::io::Result<()> {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        file.write_all(&self.head)?;
        let zeros = zeros();
        let mut left = self.size - self.head.len() as u64;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            file.write_all(&zeros[..n])?;
            left -= n as u64;
        }
        file.flush()
    }
}

struct BlobBody {
    head: Option<Bytes>,
    zeros: Bytes,
    left: u64,
    sized: bool,
}

impl Body for BlobBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(head) = self.head.take()
            && !head.is_empty()
        {
            self.left -= head.len() as u64;
            return Poll::Ready(Some(Ok(Frame::data(head))));
        }
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let n = self.left.min(self.zeros.len() as u64) as usize;
        self.left -= n as u64;
        Poll::Ready(Some(Ok(Frame::data(self.zeros.slice(..n)))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0 && self.head.as_ref().is_none_or(|h| h.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        if self.sized { SizeHint::with_exact(self.left) } else { SizeHint::default() }
    }
}

/// zb's image config: `ispec.Image` with a fixed creation time, author "ZotUser", linux/amd64.
pub fn image_config() -> Bytes {
    Bytes::from_static(
        br#"{"created":"2011-01-01T01:01:01Z","author":"ZotUser","architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}"#,
    )
}

/// An OCI image manifest with one config and (optionally) one layer, indented with tabs like zb's
/// `json.MarshalIndent(manifest, "", "\t")`.
pub fn manifest(config: &Blob, layer: Option<&Blob>) -> Bytes {
    let layers: Vec<serde_json::Value> = layer
        .map(|l| {
            serde_json::json!({
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": l.digest, "size": l.size,
            })
        })
        .into_iter()
        .collect();
    let value = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": config.digest, "size": config.size },
        "layers": layers,
    });
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(&value, &mut ser).expect("manifest JSON");
    Bytes::from(out)
}

pub const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// The blobs of one run, made once per size on first use.
#[derive(Debug, Default)]
pub struct DataSet {
    blobs: std::sync::Mutex<std::collections::BTreeMap<Size, Arc<Blob>>>,
    config: OnceLock<Arc<Blob>>,
    /// where the random heads are kept between invocations (none: new ones per process)
    dir: Option<std::path::PathBuf>,
}

impl DataSet {
    pub fn new(dir: Option<std::path::PathBuf>) -> Self {
        Self { dir, ..Self::default() }
    }

    pub fn layer(&self, size: Size) -> Arc<Blob> {
        let mut blobs = self.blobs.lock().expect("data set lock");
        let make = || match &self.dir {
            Some(dir) => Blob::stored_head(size.bytes(), dir).expect("benchmark data directory"),
            None => Blob::random_head(size.bytes()),
        };
        blobs.entry(size).or_insert_with(|| Arc::new(make())).clone()
    }

    pub fn config(&self) -> Arc<Blob> {
        self.config.get_or_init(|| Arc::new(Blob::exact(image_config()))).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_written_bytes() {
        let blob = Blob::random_head(MIB + 17);
        let dir = std::env::temp_dir().join(format!("arca-bench-{}", uuid::Uuid::new_v4()));
        blob.write_to(&dir).unwrap();
        let bytes = std::fs::read(&dir).unwrap();
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(bytes.len() as u64, blob.size);
        assert!(bytes[HEAD..].iter().all(|b| *b == 0));
        assert_eq!(blob.digest, format!("sha256:{}", hex::encode(Sha256::digest(&bytes))));
    }

    #[test]
    fn stored_heads_are_reused() {
        let dir = std::env::temp_dir().join(format!("arca-bench-{}", uuid::Uuid::new_v4()));
        let (a, b) = (Blob::stored_head(MIB, &dir).unwrap(), Blob::stored_head(MIB, &dir).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(a.digest, b.digest);
        assert_ne!(a.digest, Blob::random_head(MIB).digest);
    }
}
