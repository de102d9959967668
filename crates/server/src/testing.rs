//! An arca server for tests: a fresh data directory, SQLite, a free loopback port.

use crate::{Listening, Seams, ServerTls, Settings, run_with};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;

/// A running server; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    tls: Option<Arc<ServerTls>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts with settings adjusted by `adjust` (data dir and listen address are already set).
    pub async fn start_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut server = Self::start_in(dir.path(), adjust).await;
        server._dir = Some(dir);
        server
    }

    /// Starts on an existing data directory (which outlives the server: for restart tests).
    pub async fn start_in(data: &std::path::Path, adjust: impl FnOnce(&mut Settings)) -> Self {
        Self::start_seamed(data, adjust, Seams::default()).await
    }

    /// Starts with parts replaced: `TestServer::start_seamed(dir, |_| {}, Seams { clock: Some(clock), ..Default::default() })`.
    pub async fn start_seamed(data: &std::path::Path, adjust: impl FnOnce(&mut Settings), seams: Seams) -> Self {
        // Logs show with `ARCA_LOG=debug` (captured per test like stdout).
        let filter = tracing_subscriber::EnvFilter::try_from_env("ARCA_LOG").unwrap_or_else(|_| "off".into());
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        // The tests' reqwest clients find their TLS crypto through the process default.
        crate::tls::install_default_provider();
        let mut settings = Settings::for_tests(data);
        adjust(&mut settings);
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = oneshot::channel();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = run_with(settings, seams, shutdown, |listening: &Listening| {
                let _ = ready_tx.send(listening.clone());
            })
            .await
            {
                panic!("test server failed: {e}");
            }
        });
        let Listening { addr, tls } = ready_rx.await.expect("test server started");
        Self { addr, tls, stop: Some(stop), task: Some(task), _dir: None }
    }

    /// `127.0.0.1:PORT`
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:PORT`, or `https://…` when serving TLS.
    pub fn url(&self) -> String {
        format!("{}://{}", if self.tls.is_some() { "https" } else { "http" }, self.addr)
    }

    /// The TLS state of a server started with `settings.tls` (to reload its certificate).
    pub fn tls(&self) -> Option<&Arc<ServerTls>> {
        self.tls.as_ref()
    }
}

impl TestServer {
    /// Stops the server and waits until in-flight requests are done and the stores are closed.
    pub async fn stop(mut self) {
        // The data directory must outlive the requests still being served.
        let _dir = self._dir.take();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("test server task");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The S3-compatible server of the tests: `ARCA_TEST_S3` (`.ci/run` starts moto there).
pub fn s3_endpoint() -> String {
    std::env::var("ARCA_TEST_S3").unwrap_or_else(|_| "http://127.0.0.1:19090".into())
}

/// The bucket every S3 test shares (each uses its own prefix).
pub const S3_BUCKET: &str = "arca-test";

/// Object storage on the test server under a fresh prefix, reached at `endpoint` (the test server's,
/// or a proxy in front of it); the bucket is made if needed (moto accepts an unsigned create).
pub async fn s3_storage(endpoint: &str) -> crate::config::S3Settings {
    crate::tls::install_default_provider();
    create_test_bucket().await;
    crate::config::S3Settings {
        config: arca_store_s3::S3Config {
            bucket: S3_BUCKET.into(),
            prefix: format!("t-{}", uuid::Uuid::new_v4().simple()),
            endpoint: Some(endpoint.to_owned()),
            region: "us-east-1".into(),
            access_key_id: Some("test".into()),
            secret_access_key: Some("test".into()),
            session_token: None,
            virtual_hosted: false,
            part_size: arca_store_s3::MIN_PART_SIZE,
        },
        redirect: None,
    }
}

/// Settings adjusted to keep blobs in `s3` instead of the data directory.
pub fn on_s3(settings: &mut Settings, s3: &crate::config::S3Settings) {
    settings.storage = format!("s3://{}/{}", s3.config.bucket, s3.config.prefix);
    settings.s3 = Some(s3.clone());
}

/// `PUT /<bucket>` on the test server, by hand (the server's dependencies have no HTTP client).
async fn create_test_bucket() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let endpoint = s3_endpoint();
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut stream = tokio::net::TcpStream::connect(&host)
        .await
        .unwrap_or_else(|e| panic!("no S3 server at {endpoint} (ARCA_TEST_S3; .ci/run starts one): {e}"));
    let request =
        format!("PUT /{S3_BUCKET} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("creating the test bucket");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("creating the test bucket");
    let status = answer.split(' ').nth(1).unwrap_or_default();
    assert!(status == "200" || status == "409", "creating the test bucket: {answer}");
}
