//! A full disk, for real: the data directory on a small tmpfs (the tests run as root in CI; mounting
//! failing fails the test). Writes fail cleanly in each protocol's format and leave nothing partial,
//! `/readyz` says the store cannot write, and everything resumes without a restart once space is freed.

use crate::support::{Client, oci_error, staged_files};
use arca_server::testing::TestServer;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted for the life of this value.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path, size: &str) -> Self {
        std::fs::create_dir_all(at).unwrap();
        let out = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(at).output();
        let out = out.expect("run mount");
        assert!(out.status.success(), "mounting a tmpfs (needs root): {}", String::from_utf8_lossy(&out.stderr));
        Self(at.to_owned())
    }

    /// Fills the disk up with one file; returns its path.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.0.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        // Smaller writes take the last partial page.
        while file.write_all(&[0u8; 512]).is_ok() {}
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[tokio::test]
async fn a_full_disk_fails_writes_cleanly_and_they_resume_once_space_is_freed() {
    let dir = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(&dir.path().join("small"), "16m");
    let data = disk.0.join("data");
    let server = TestServer::start_in(&data, |_| {}).await;
    let c = Client::new(&server);
    let before = random_bytes(100_000, 1);
    let before_digest = c.push_blob("dev/app", &before).await;
    let filler = disk.fill();

    // Blob bytes: 507 in OCI's format, nothing staged, nothing recorded.
    let blob = random_bytes(300_000, 2);
    let digest = crate::support::sha256(&blob);
    let r = c.http.post(c.url(&format!("/v2/dev/app/blobs/uploads/?digest={digest}"))).body(blob.clone()).send();
    let (status, code) = oci_error(r.await.unwrap()).await;
    assert_eq!((status, code.as_str()), (507, "UNKNOWN"));
    assert!(staged_files(&data).is_empty(), "staged bytes left: {:?}", staged_files(&data));
    assert_eq!(c.get(&format!("/v2/dev/app/blobs/{digest}")).await.status(), 404);
    // A client still writing its body when the write fails gets the answer, not a broken pipe.
    let big = random_bytes(2 << 20, 4);
    let head = format!(
        "POST /v2/dev/app/blobs/uploads/?digest={} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        crate::support::sha256(&big),
        big.len()
    );
    let mut tcp = tokio::net::TcpStream::connect(server.host()).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&big).await.expect("the whole body is read although the write failed");
    let mut answer = vec![0u8; 12];
    tcp.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 507");
    // Metadata only (a repository): the API's format; SQLite fails the commit.
    let body = serde_json::json!({ "name": "more", "format": "generic" });
    let r = c.http.post(c.url("/api/v1/repositories")).json(&body).send().await.unwrap();
    assert!(r.status().is_server_error(), "{}", r.status());
    let error: serde_json::Value = r.json().await.unwrap();
    assert!(error["error"]["code"].is_string(), "{error}");
    // A chunked upload's first chunk: a full disk, not a concurrency conflict (416).
    let r = c.http.post(c.url("/v2/dev/app/blobs/uploads/")).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let r = c.http.patch(c.url(&location)).body(random_bytes(200_000, 3)).send().await.unwrap();
    let (status, _) = oci_error(r).await;
    assert_eq!(status, 507, "the first chunk of a chunked upload on a full disk");
    let r = c.get("/readyz").await;
    assert_eq!(r.status(), 503, "a store that cannot write is not ready");

    std::fs::remove_file(&filler).unwrap();
    assert_eq!(c.get("/readyz").await.status(), 200, "ready again once space is freed");
    let r = c.http.post(c.url("/api/v1/repositories")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "metadata writes resume without a restart: {}", r.text().await.unwrap());
    assert_eq!(c.push_blob("dev/app", &blob).await, digest, "blob writes resume");
    let back = c.get(&format!("/v2/dev/app/blobs/{before_digest}")).await.bytes().await.unwrap();
    assert_eq!(back.as_ref(), before.as_slice(), "what was acknowledged before is intact");
    server.stop().await;
    drop(disk);
}
