//! A minimal OCI client for the server's tests.

use arca_server::testing::TestServer;
use sha2::Digest as _;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub fn new(server: &TestServer) -> Self {
        Self { http: reqwest::Client::new(), base: server.url() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Monolithic `POST ?digest=`; returns the digest.
    pub async fn push_blob(&self, name: &str, bytes: &[u8]) -> String {
        let digest = sha256(bytes);
        let r = self
            .http
            .post(self.url(&format!("/v2/{name}/blobs/uploads/?digest={digest}")))
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "push blob: {}", r.text().await.unwrap());
        digest
    }

    /// Pushes a config and one layer, returns an image manifest referencing them.
    pub async fn push_image_parts(&self, name: &str, layer: &[u8]) -> String {
        let config = self.push_blob(name, b"{}").await;
        let layer_digest = self.push_blob(name, layer).await;
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{layer_digest}","size":{}}}]}}"#,
            layer.len()
        )
    }

    pub async fn put_manifest(&self, name: &str, reference: &str, manifest: &str) -> reqwest::Response {
        self.http
            .put(self.url(&format!("/v2/{name}/manifests/{reference}")))
            .header("content-type", OCI_MANIFEST)
            .body(manifest.to_owned())
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }
}

/// Status and OCI error code of a response that must be an OCI error.
pub async fn oci_error(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("not OCI error JSON: {body}"));
    let code = json["errors"][0]["code"].as_str().unwrap_or_else(|| panic!("no error code in {body}")).to_owned();
    assert!(json["errors"][0]["message"].is_string(), "no message in {body}");
    (status, code)
}

/// Files left under `<data>/uploads` (staged bytes that should not outlive a failed upload).
pub fn staged_files(data: &std::path::Path) -> Vec<String> {
    match std::fs::read_dir(data.join("uploads")) {
        Ok(dir) => dir.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => vec![],
    }
}

/// Reads until the server closes the connection (within 20 s); returns what it sent. Panics if it
/// never does.
pub async fn read_until_closed(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> String {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    });
    read.await.expect("the server closes the connection");
    String::from_utf8_lossy(&received).into_owned()
}

/// Runs a real client (twine, pip, npm, …) off the async runtime; panics, naming it, if it cannot
/// start.
pub async fn run(mut cmd: std::process::Command) -> std::process::Output {
    let shown = format!("{cmd:?}");
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("running {shown}: {e} (bash .ci/run installs the test clients)"))
}

/// Everything a command printed, stdout then stderr.
pub fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Runs a command that must succeed; its stdout.
pub async fn ok(cmd: std::process::Command) -> String {
    let shown = format!("{cmd:?}");
    let out = run(cmd).await;
    assert!(out.status.success(), "{shown} failed:\n{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A TCP proxy in front of a backend (the S3 server, PostgreSQL) that can be switched off (open
/// connections are cut, new ones refused) and on again: a backend that goes away and comes back.
pub struct Switch {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    on: tokio::sync::watch::Sender<bool>,
}

impl Switch {
    pub async fn start(target: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let (on, watching) = tokio::sync::watch::channel(true);
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { return };
                let mut off = watching.clone();
                if !*off.borrow() {
                    continue;
                }
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
                        _ = off.wait_for(|on| !*on) => {}
                    }
                });
            }
        });
        Self { endpoint, on }
    }

    pub fn set(&self, on: bool) {
        self.on.send_replace(on);
    }
}
