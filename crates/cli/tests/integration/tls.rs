//! `arca serve --tls-cert … --tls-key …` and the client over HTTPS: a throw-away CA made at test time
//! (rcgen), the client trusting it with `--ca-cert` (remembered by `arca login`), SIGHUP reloading the
//! certificate under an open connection, and bad files refused at start with the file named.

use crate::harness::{Registry, arca};
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A throw-away CA, written to `ca.pem`, and the server certificate files it issues.
struct Ca {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    dir: PathBuf,
    der: CertificateDer<'static>,
}

impl Ca {
    fn new(dir: &Path) -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "arca test CA");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).unwrap();
        std::fs::write(dir.join("ca.pem"), cert.pem()).unwrap();
        Self { issuer: rcgen::Issuer::new(params, key), dir: dir.to_owned(), der: cert.der().clone() }
    }

    fn ca_pem(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    fn cert(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }

    fn key(&self) -> PathBuf {
        self.dir.join("key.pem")
    }

    /// Issues a certificate for 127.0.0.1 and localhost into `cert.pem` + `key.pem`; returns it.
    fn issue(&self, name: &str) -> CertificateDer<'static> {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        std::fs::write(self.cert(), cert.pem()).unwrap();
        std::fs::write(self.key(), key.serialize_pem()).unwrap();
        cert.der().clone()
    }

    fn serve(&self) -> Registry {
        Registry::serve(&["--tls-cert", path(&self.cert()), "--tls-key", path(&self.key())])
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A user of the client with their own config directory, pointed at `server`.
fn client(home: &Path, server: &str, args: &[&str]) -> Command {
    let mut cmd = arca();
    cmd.env("XDG_CONFIG_HOME", home.join("config")).env("HOME", home).env("ARCA_SERVER", server).args(args);
    for var in ["CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "TF_BUILD", "JENKINS_URL", "ARCA_CA_CERT"]
    {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

fn ok(mut cmd: Command) -> String {
    let out = cmd.output().expect("run arca");
    assert!(out.status.success(), "{cmd:?}: {}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_client_pushes_and_pulls_over_https_trusting_the_ca_given_with_ca_cert() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path());
    ca.issue("arca test server");
    let registry = ca.serve();
    let url = registry.url();
    assert!(url.starts_with("https://"), "the listening line says https: {url}");
    let home = tempfile::tempdir().unwrap();
    let ca_pem = path(&ca.ca_pem()).to_owned();

    // Without the CA: the system's roots do not know it; a clear error, exit code 1.
    let out = client(home.path(), &url, &["repo", "ls"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("certificate") || stderr.contains("UnknownIssuer"), "{stderr}");

    ok(client(home.path(), &url, &["--ca-cert", &ca_pem, "repo", "create", "rel", "--format", "generic"]));
    let file = dir.path().join("tool.bin");
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    std::fs::write(&file, &bytes).unwrap();
    ok(client(home.path(), &url, &["push", "rel/tool@1.0", path(&file), "--ca-cert", &ca_pem]));
    let out = dir.path().join("out");
    ok(client(home.path(), &url, &["pull", "rel/tool@1.0", "-o", path(&out), "--ca-cert", &ca_pem]));
    assert_eq!(std::fs::read(out.join("tool.bin")).unwrap(), bytes, "pulled byte for byte");
    let versions = ok(client(home.path(), &url, &["ls", "rel/tool", "--ca-cert", &ca_pem]));
    assert!(versions.contains("1.0"), "{versions}");

    // `arca login --ca-cert` remembers the CA (as an absolute path) for that server.
    let mut login = client(home.path(), &url, &["login", &url, "--ca-cert", "ca.pem"]);
    login.env_remove("ARCA_SERVER").current_dir(dir.path());
    ok(login);
    let saved = std::fs::read_to_string(home.path().join("config/arca/credentials.toml")).unwrap();
    assert!(saved.contains(&format!("ca_cert = \"{ca_pem}\"")), "{saved}");
    let mut info = client(home.path(), &url, &["info", "rel/tool@1.0", "--output", "json"]);
    info.env_remove("ARCA_SERVER");
    let shown = ok(info);
    assert!(shown.contains("tool.bin"), "{shown}");
}

/// A TLS connection that trusts `ca`, offering HTTP/1.1; returns it once the handshake is done.
fn connect(host: &str, ca: &CertificateDer<'static>) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let name = ServerName::try_from("127.0.0.1".to_owned()).unwrap();
    let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut stream = rustls::StreamOwned::new(connection, TcpStream::connect(host).unwrap());
    stream.sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    while stream.conn.is_handshaking() {
        stream.conn.complete_io(&mut stream.sock).expect("TLS handshake");
    }
    stream
}

fn presented(stream: &rustls::StreamOwned<rustls::ClientConnection, TcpStream>) -> CertificateDer<'static> {
    stream.conn.peer_certificates().expect("a certificate")[0].clone()
}

/// `GET /healthz` on a keep-alive connection; returns the status line.
fn healthz(stream: &mut rustls::StreamOwned<rustls::ClientConnection, TcpStream>, host: &str) -> String {
    stream.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes()).unwrap();
    let mut received = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = stream.read(&mut buf).expect("an answer");
        assert!(n > 0, "the connection closed: {}", String::from_utf8_lossy(&received));
        received.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap())
            });
            let complete = match length {
                Some(length) => body.len() >= length,
                None => body.ends_with("0\r\n\r\n"), // chunked
            };
            if complete {
                return head.lines().next().unwrap().to_owned();
            }
        }
    }
}

#[test]
fn sighup_reloads_the_certificate_while_an_open_connection_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path());
    let first = ca.issue("first");
    let registry = ca.serve();
    let mut open = connect(registry.host(), &ca.der);
    assert_eq!(presented(&open), first);
    assert!(healthz(&mut open, registry.host()).starts_with("HTTP/1.1 200"));

    let second = ca.issue("second");
    let pid = registry.pid().expect("a server process").to_string();
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(8); // sooner than the 10 s poll of the files
    while presented(&connect(registry.host(), &ca.der)) != second {
        assert!(Instant::now() < deadline, "SIGHUP did not reload the certificate\n{}", registry.log_tail());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(healthz(&mut open, registry.host()).starts_with("HTTP/1.1 200"), "the open connection still works");
    let log = registry.log_tail();
    assert!(log.lines().any(|l| l.contains("TLS certificate reloaded") && l.contains("SIGHUP")), "{log}");

    // A bad file and SIGHUP: logged, and the second certificate is still served.
    std::fs::write(ca.cert(), "garbage").unwrap();
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(8);
    while !registry.log_tail().contains("TLS certificate not reloaded") {
        assert!(Instant::now() < deadline, "no warning about the bad file\n{}", registry.log_tail());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(presented(&connect(registry.host(), &ca.der)), second);
    assert!(healthz(&mut open, registry.host()).starts_with("HTTP/1.1 200"));
}

/// Runs `arca serve` expecting it to refuse to start; returns its output (killed after 30 s if it
/// does start).
fn refused_start(args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    let mut child = arca()
        .args(["serve", "--listen", "127.0.0.1:0", "--data", path(data.path())])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("arca serve {args:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn bad_certificate_files_stop_arca_serve_with_the_file_named_and_config_show_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new(dir.path());
    ca.issue("server");
    let (cert, key, missing) = (ca.cert(), ca.key(), dir.path().join("missing.pem"));
    let cases: [(&[&str], &str); 3] = [
        (&["--tls-cert", path(&missing), "--tls-key", path(&key)], path(&missing)),
        (&["--tls-cert", path(&cert), "--tls-key", path(&cert)], path(&cert)),
        (&["--tls-cert", path(&cert)], "--tls-key"),
    ];
    for (args, named) in cases {
        let out = refused_start(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr.contains(named), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }

    let shown = ok({
        let mut cmd = arca();
        cmd.args(["config", "show", "--tls-cert", path(&cert), "--tls-key", path(&key)]);
        cmd
    });
    assert!(shown.contains(&format!("http.tls_cert = \"{}\"  # flag --tls-cert", path(&cert))), "{shown}");
    assert!(shown.contains(&format!("http.tls_key = \"{}\"  # flag --tls-key", path(&key))), "{shown}");
}
