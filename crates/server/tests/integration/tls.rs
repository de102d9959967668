//! HTTPS: a throw-away CA and a server certificate for 127.0.0.1 and localhost made at test time
//! (rcgen), real rustls, hyper and reqwest clients, and skopeo pushing with verification on. The
//! certificate is reloaded under open connections; stalled handshakes and idle HTTP/2 connections
//! are closed like silent HTTP/1.1 ones.

use crate::auth::{ADMIN_PASSWORD, auth_settings};
use arca_server::testing::TestServer;
use arca_server::{Settings, TlsFiles};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// A bound on waits that must end by themselves.
const BOUND: Duration = Duration::from_secs(20);

/// A throw-away certificate authority.
pub struct Ca {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pub pem: String,
    pub der: CertificateDer<'static>,
}

/// A server certificate issued by a [`Ca`].
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: CertificateDer<'static>,
}

impl Ca {
    pub fn new(name: &str) -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).unwrap();
        Self { issuer: rcgen::Issuer::new(params, key), pem: cert.pem(), der: cert.der().clone() }
    }

    /// A certificate for `127.0.0.1` and `localhost`, named `name`.
    pub fn issue(&self, name: &str) -> Issued {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Issued { cert_pem: cert.pem(), key_pem: key.serialize_pem(), der: cert.der().clone() }
    }
}

/// Writes `issued` as `cert.pem` and `key.pem` in `dir` (over what is there).
fn install(dir: &Path, issued: &Issued) -> TlsFiles {
    let files = TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
        poll_interval: arca_server::tls::POLL_INTERVAL,
    };
    std::fs::write(&files.cert, &issued.cert_pem).unwrap();
    std::fs::write(&files.key, &issued.key_pem).unwrap();
    files
}

fn with_tls(files: &TlsFiles) -> impl FnOnce(&mut Settings) + use<> {
    let files = files.clone();
    move |s: &mut Settings| s.tls = Some(files)
}

/// A rustls client trusting `roots`, offering `alpn`.
fn client_config(roots: &[&CertificateDer<'static>], alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add((*root).clone()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

async fn connect(server: &TestServer, config: Arc<rustls::ClientConfig>) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(server.host()).await?;
    let name = ServerName::try_from("127.0.0.1".to_owned()).unwrap();
    tokio_rustls::TlsConnector::from(config).connect(name, tcp).await
}

/// The certificate the server presented on `stream`.
fn presented(stream: &TlsStream<TcpStream>) -> CertificateDer<'static> {
    stream.get_ref().1.peer_certificates().expect("a server certificate")[0].clone()
}

type H2 = hyper::client::conn::http2::SendRequest<Empty<Bytes>>;
type H1 = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

async fn h2(stream: TlsStream<TcpStream>) -> (H2, tokio::task::JoinHandle<()>) {
    let (send, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await.unwrap();
    (send, tokio::spawn(async move { connection.await.unwrap_or_else(|e| eprintln!("h2 connection: {e}")) }))
}

async fn h1(stream: TlsStream<TcpStream>) -> (H1, tokio::task::JoinHandle<()>) {
    let (send, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    (send, tokio::spawn(async move { connection.await.unwrap_or_else(|e| eprintln!("h1 connection: {e}")) }))
}

/// `GET https://HOST/path` for HTTP/2, which carries the authority in the URI (no `Host` header).
fn get_h2_request(server: &TestServer, path: &str) -> http::Request<Empty<Bytes>> {
    http::Request::get(format!("https://{}{path}", server.host())).body(Empty::new()).unwrap()
}

/// `GET path` with a `Host` header, for HTTP/1.1.
fn get_h1_request(server: &TestServer, path: &str) -> http::Request<Empty<Bytes>> {
    http::Request::get(path).header(http::header::HOST, server.host()).body(Empty::new()).unwrap()
}

/// `GET path` on an open HTTP/2 connection: status and body.
async fn get_h2(send: &mut H2, server: &TestServer, path: &str) -> (u16, String) {
    let response = send.send_request(get_h2_request(server, path)).await.unwrap();
    let status = response.status().as_u16();
    (status, String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes()).into_owned())
}

async fn get_h1(send: &mut H1, server: &TestServer, path: &str) -> u16 {
    send.ready().await.unwrap();
    let response = send.send_request(get_h1_request(server, path)).await.unwrap();
    let status = response.status().as_u16();
    response.into_body().collect().await.unwrap();
    status
}

#[tokio::test]
async fn a_client_trusting_the_ca_gets_http2_by_alpn_and_https_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("arca test CA");
    let files = install(dir.path(), &ca.issue("arca test server"));
    let server = TestServer::start_with(|s| {
        auth_settings(s);
        s.tls = Some(files);
    })
    .await;
    assert!(server.url().starts_with("https://"), "{}", server.url());

    // ALPN: h2 when offered.
    let stream = connect(&server, client_config(&[&ca.der], &[b"h2", b"http/1.1"])).await.unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut send, _) = h2(stream).await;
    assert_eq!(get_h2(&mut send, &server, "/healthz").await.0, 200);
    // Token realms name the scheme the client used (over HTTP/2: from the URI, there is no Host header).
    let response = send.send_request(get_h2_request(&server, "/v2/dev/app/tags/list")).await.unwrap();
    assert_eq!(response.status(), 401);
    let challenge = response.headers()[http::header::WWW_AUTHENTICATE].to_str().unwrap().to_owned();
    assert!(challenge.contains(&format!("realm=\"https://{}/token\"", server.host())), "{challenge}");

    // HTTP/1.1 when only that is offered; reqwest (HTTP/1.1 here) with the CA as its only root.
    let stream = connect(&server, client_config(&[&ca.der], &[b"http/1.1"])).await.unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca.pem.as_bytes()).unwrap()])
        .build()
        .unwrap();
    let response = http.get(format!("{}/v2/", server.url())).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let challenge = response.headers()[http::header::WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.contains(&format!("realm=\"https://{}/token\"", server.host())), "{challenge}");
    let token = http
        .get(format!("{}/token?service=arca&scope=repository:dev/app:pull", server.url()))
        .basic_auth("admin", Some(ADMIN_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    let ok = http.get(format!("{}/v2/", server.url())).basic_auth("admin", Some(ADMIN_PASSWORD)).send().await.unwrap();
    assert_eq!(ok.status(), 200);

    // Not trusting the CA: the handshake fails on the client's side, and reqwest with the system's
    // roots refuses too.
    let refused = connect(&server, client_config(&[&Ca::new("another CA").der], &[b"h2"])).await;
    let error = refused.expect_err("an unknown issuer is refused").to_string();
    assert!(error.contains("UnknownIssuer") || error.contains("invalid peer certificate"), "{error}");
    let error = reqwest::get(format!("{}/healthz", server.url())).await.expect_err("not trusted by the system");
    assert!(format!("{error:?}").contains("UnknownIssuer"), "{error:?}");
    // … and the server serves on.
    let stream = connect(&server, client_config(&[&ca.der], &[b"h2"])).await.unwrap();
    assert_eq!(get_h2(&mut h2(stream).await.0, &server, "/healthz").await.0, 200);
}

#[tokio::test]
async fn plain_http_to_the_tls_port_is_told_to_use_https_and_the_server_serves_on() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("arca test CA");
    let server = TestServer::start_with(with_tls(&install(dir.path(), &ca.issue("server")))).await;
    for _ in 0..3 {
        let mut plain = TcpStream::connect(server.host()).await.unwrap();
        plain.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", server.host()).as_bytes()).await.unwrap();
        let answer = crate::support::read_until_closed(&mut plain).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(answer.contains(&format!("use https://{}/", server.host())), "{answer}");
    }
    // Garbage that is neither: the handshake fails, the connection closes.
    let mut garbage = TcpStream::connect(server.host()).await.unwrap();
    garbage.write_all(&[0u8; 64]).await.unwrap();
    crate::support::read_until_closed(&mut garbage).await;
    let stream = connect(&server, client_config(&[&ca.der], &[b"h2"])).await.unwrap();
    assert_eq!(get_h2(&mut h2(stream).await.0, &server, "/healthz").await.0, 200);
}

#[tokio::test]
async fn stalled_handshakes_and_idle_http2_connections_are_closed_by_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("arca test CA");
    let files = install(dir.path(), &ca.issue("server"));
    let server = TestServer::start_with(|s| {
        s.tls = Some(files);
        s.connections.header_read_timeout = Duration::from_secs(1);
        s.connections.max_connections = 8;
    })
    .await;
    let started = Instant::now();
    // TCP open, nothing sent.
    let mut silent = TcpStream::connect(server.host()).await.unwrap();
    // Half a ClientHello: a handshake record header announcing 512 bytes, then nothing.
    let mut half = TcpStream::connect(server.host()).await.unwrap();
    half.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01]).await.unwrap();
    crate::support::read_until_closed(&mut silent).await;
    crate::support::read_until_closed(&mut half).await;
    assert!(started.elapsed() < Duration::from_secs(10), "closed by the 1 s timeout: {:?}", started.elapsed());

    // An HTTP/2 connection that served a request and then sits idle is closed too (GOAWAY).
    let stream = connect(&server, client_config(&[&ca.der], &[b"h2"])).await.unwrap();
    let (mut send, connection) = h2(stream).await;
    assert_eq!(get_h2(&mut send, &server, "/healthz").await.0, 200);
    tokio::time::timeout(BOUND, connection).await.expect("the idle HTTP/2 connection is closed").unwrap();

    // More stalled handshakes than the cap: they time out and the cap frees up for real clients.
    let mut stalled = Vec::new();
    for _ in 0..8 {
        stalled.push(TcpStream::connect(server.host()).await.unwrap());
    }
    let stream = tokio::time::timeout(BOUND, connect(&server, client_config(&[&ca.der], &[b"h2"])))
        .await
        .expect("served once the stalled handshakes time out")
        .unwrap();
    let (mut send, _) = h2(stream).await;
    // All of them are counted (the last ones a moment after the first freed a slot).
    let deadline = Instant::now() + BOUND;
    loop {
        let (status, metrics) = get_h2(&mut send, &server, "/metrics").await;
        assert_eq!(status, 200);
        let timed_out: u64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix("arca_http_connections_timed_out_total").and_then(|v| v.trim().parse().ok()))
            .expect("the timed-out counter");
        if timed_out >= 11 {
            break;
        }
        assert!(Instant::now() < deadline, "stalled handshakes and the idle connection are counted: {timed_out}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_reloaded_certificate_serves_new_connections_while_open_ones_keep_working() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("arca test CA");
    let first = ca.issue("first");
    let files = install(dir.path(), &first);
    let server = TestServer::start_with(with_tls(&files)).await;
    let tls = server.tls().expect("serving TLS").clone();

    // Keep-alive connections, HTTP/1.1 and HTTP/2, opened under the first certificate.
    let stream = connect(&server, client_config(&[&ca.der], &[b"http/1.1"])).await.unwrap();
    assert_eq!(presented(&stream), first.der);
    let (mut old_h1, old_h1_connection) = h1(stream).await;
    assert_eq!(get_h1(&mut old_h1, &server, "/healthz").await, 200);
    let stream = connect(&server, client_config(&[&ca.der], &[b"h2"])).await.unwrap();
    let (mut old_h2, _) = h2(stream).await;
    assert_eq!(get_h2(&mut old_h2, &server, "/healthz").await.0, 200);

    // Swap the files, reload: new handshakes present the second certificate.
    let second = ca.issue("second");
    install(dir.path(), &second);
    tls.reload().expect("reload");
    assert_eq!(tls.certificate_chain()[0], second.der);
    let stream = connect(&server, client_config(&[&ca.der], &[b"h2"])).await.unwrap();
    assert_eq!(presented(&stream), second.der);
    // The open connections were not dropped.
    assert_eq!(get_h1(&mut old_h1, &server, "/healthz").await, 200);
    assert_eq!(get_h2(&mut old_h2, &server, "/healthz").await.0, 200);
    assert!(!old_h1_connection.is_finished());

    // A bad new key: the reload fails, names the file, and the second certificate stays.
    std::fs::write(&files.key, "-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n").unwrap();
    let error = tls.reload().expect_err("a bad key is refused").to_string();
    assert!(error.contains(&files.key.display().to_string()), "{error}");
    // A key that is not the certificate's.
    std::fs::write(&files.key, ca.issue("third").key_pem).unwrap();
    let error = tls.reload().expect_err("a mismatched key is refused").to_string();
    assert!(error.contains("is not the key of the certificate"), "{error}");
    let stream = connect(&server, client_config(&[&ca.der], &[b"h2"])).await.unwrap();
    assert_eq!(presented(&stream), second.der, "the previous certificate is still served");
    assert_eq!(get_h1(&mut old_h1, &server, "/healthz").await, 200);
}

#[tokio::test]
async fn changed_files_are_picked_up_without_a_signal() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("arca test CA");
    let first = ca.issue("first");
    let files = install(dir.path(), &first);
    let polled = TlsFiles { poll_interval: Duration::from_millis(100), ..files.clone() };
    let server = TestServer::start_with(with_tls(&polled)).await;
    let stream = connect(&server, client_config(&[&ca.der], &[b"http/1.1"])).await.unwrap();
    let (mut old, _) = h1(stream).await;
    assert_eq!(get_h1(&mut old, &server, "/healthz").await, 200);

    let second = ca.issue("second");
    install(dir.path(), &second);
    let deadline = Instant::now() + BOUND;
    loop {
        let stream = connect(&server, client_config(&[&ca.der], &[b"h2"])).await.unwrap();
        if presented(&stream) == second.der {
            break;
        }
        assert!(Instant::now() < deadline, "the changed files were not picked up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(get_h1(&mut old, &server, "/healthz").await, 200);
}

#[tokio::test]
async fn bad_certificate_files_stop_the_start_with_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("arca test CA");
    let good = ca.issue("server");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let cases: [(&str, &str, &str); 4] = [
        ("", &good.key_pem, "No such file"),
        ("not a certificate\n", &good.key_pem, "no PEM certificate"),
        (&good.cert_pem, &good.cert_pem, "no PEM private key"),
        (&good.cert_pem, &ca.issue("other").key_pem, "is not the key of the certificate"),
    ];
    for (cert_text, key_text, expected) in cases {
        let _ = std::fs::remove_file(&cert);
        if !cert_text.is_empty() {
            std::fs::write(&cert, cert_text).unwrap();
        }
        std::fs::write(&key, key_text).unwrap();
        let mut settings = Settings::for_tests(&dir.path().join("data"));
        settings.tls = Some(TlsFiles { cert: cert.clone(), key: key.clone(), poll_interval: Duration::from_secs(10) });
        let error = arca_server::run(settings, async {}, |_| panic!("must not listen")).await.expect_err(expected);
        let error = error.to_string();
        assert!(error.contains(expected), "{error}");
        let named = if expected.contains("key") { &key } else { &cert };
        assert!(error.contains(&named.display().to_string()), "{error}");
    }
}

/// skopeo (containers/image, as podman and docker-style clients use it) pushes and pulls over HTTPS
/// with verification on: the CA is given as a certificate directory, the token realm is https.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skopeo_pushes_and_pulls_over_tls_with_verification_on() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("arca test CA");
    let files = install(dir.path(), &ca.issue("server"));
    let certs = dir.path().join("certs.d");
    std::fs::create_dir(&certs).unwrap();
    std::fs::write(certs.join("ca.crt"), &ca.pem).unwrap();
    let server = TestServer::start_with(|s| {
        auth_settings(s);
        s.tls = Some(files);
    })
    .await;
    let src = image_with_a_layer(dir.path());
    let dest = format!("docker://{}/dev/app:1.0", server.host());
    let creds = format!("admin:{ADMIN_PASSWORD}");
    let certs = certs.to_str().unwrap();

    let pushed = skopeo(dir.path(), &["copy", "--dest-cert-dir", certs, "--dest-creds", &creds, &src, &dest]).await;
    assert!(pushed.status.success(), "push over TLS: {}", text(&pushed));
    let back = format!("oci:{}:1.0", dir.path().join("back").display());
    let pulled = skopeo(dir.path(), &["copy", "--src-cert-dir", certs, "--src-creds", &creds, &dest, &back]).await;
    assert!(pulled.status.success(), "pull over TLS: {}", text(&pulled));
    let blobs = |layout: &str| {
        let mut names: Vec<_> = std::fs::read_dir(dir.path().join(layout).join("blobs/sha256"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    assert_eq!(blobs("layout"), blobs("back"), "the same blobs came back");

    // Without the CA, verification fails (and nothing asks to turn it off).
    let refused = skopeo(dir.path(), &["inspect", "--creds", &creds, &dest]).await;
    assert!(!refused.status.success(), "an untrusted certificate must be refused");
    let why = text(&refused);
    assert!(why.contains("certificate"), "{why}");
}

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

async fn skopeo(home: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new("skopeo");
    cmd.env("HOME", home).args(args);
    tokio::task::spawn_blocking(move || {
        cmd.output().unwrap_or_else(|e| panic!("running skopeo: {e} (is it installed? .ci/run installs it)"))
    })
    .await
    .unwrap()
}

/// An OCI layout `layout:1.0` with one layer (a file of random bytes), built offline with umoci.
fn image_with_a_layer(dir: &Path) -> String {
    let layout = dir.join("layout");
    let image = format!("{}:1.0", layout.display());
    let bundle = dir.join("bundle");
    let run = |args: &[&str]| {
        let out = Command::new("umoci").args(args).output().expect("umoci (installed by .ci/run)");
        assert!(out.status.success(), "umoci {args:?}: {}", text(&out));
    };
    run(&["init", "--layout", layout.to_str().unwrap()]);
    run(&["new", "--image", &image]);
    run(&["unpack", "--rootless", "--image", &image, bundle.to_str().unwrap()]);
    let random: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(bundle.join("rootfs/data.bin"), random).unwrap();
    run(&["repack", "--image", &image, bundle.to_str().unwrap()]);
    run(&["gc", "--layout", layout.to_str().unwrap()]);
    format!("oci:{image}")
}

/// curl (nghttp2) over HTTP/2: a 5 MiB blob pushed in one request body and read back, byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_pushes_and_pulls_a_blob_over_http2() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("arca test CA");
    let server = TestServer::start_with(with_tls(&install(dir.path(), &ca.issue("server")))).await;
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca.pem).unwrap();
    let blob: Vec<u8> = (0..5u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 17) as u8).collect();
    let digest = crate::support::sha256(&blob);
    let upload = dir.path().join("blob.bin");
    std::fs::write(&upload, &blob).unwrap();
    let url = format!("{}/v2/dev/blob/blobs/uploads/?digest={digest}", server.url());
    let body = format!("@{}", upload.display());
    let push = ["-o", "/dev/null", "-H", "Content-Type: application/octet-stream", "--data-binary", &body, &url];
    assert_eq!(curl(&ca_file, &push).await, "201 2", "pushed over HTTP/2");
    let download = dir.path().join("back.bin");
    let url = format!("{}/v2/dev/blob/blobs/{digest}", server.url());
    assert_eq!(curl(&ca_file, &["-o", download.to_str().unwrap(), &url]).await, "200 2", "pulled over HTTP/2");
    assert!(std::fs::read(&download).unwrap() == blob, "the same bytes came back");
}

/// `curl --http2 --cacert CA ARGS`; returns `STATUS HTTP-VERSION`.
async fn curl(ca: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--http2", "-w", "%{http_code} %{http_version}", "--cacert"]).arg(ca).args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("curl (installed by .ci/run)")).await.unwrap();
    assert!(out.status.success(), "curl: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}
