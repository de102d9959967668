//! The registry under test and the plumbing to run external clients against it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long `arca serve` may take to print its listening line.
const STARTUP: Duration = Duration::from_secs(30);

/// The workspace root (where `tests/e2e/` and `.ci/` live).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// `arca`, blind to the logins and server saved by whoever runs the tests (a saved login turns
/// `arca repo …` into a client of that server); commands that need a login set their own.
pub fn arca() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_arca"));
    cmd.env("XDG_CONFIG_HOME", Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-saved-login")).env_remove("ARCA_SERVER");
    cmd
}

/// A registry under test: a fresh `arca serve` on a temporary data directory, or the external
/// registry named by `ARCA_TEST_REGISTRY`.
pub struct Registry {
    host: String,
    /// `http` or `https` (`arca serve --tls-cert …`).
    scheme: String,
    referrers: bool,
    server: Option<Child>,
    log: Option<PathBuf>,
    _data: Option<tempfile::TempDir>,
}

impl Registry {
    pub fn start() -> Self {
        if let Ok(host) = std::env::var("ARCA_TEST_REGISTRY") {
            let referrers = std::env::var("ARCA_TEST_REFERRERS").map_or(true, |v| v != "0");
            return Self { host, scheme: "http".into(), referrers, server: None, log: None, _data: None };
        }
        Self::serve(&[])
    }

    /// `arca serve --listen 127.0.0.1:0 --data <tempdir> <extra args>`.
    pub fn serve(extra: &[&str]) -> Self {
        Self::serve_env(extra, &[])
    }

    /// [`Registry::serve`] with more environment variables (`AWS_ENDPOINT_URL`, …).
    pub fn serve_env(extra: &[&str], env: &[(&str, &str)]) -> Self {
        Self::serve_in(tempfile::tempdir().expect("temp dir"), extra, env)
    }

    /// Kills the server with SIGKILL, at once (a crash: no shutdown, requests cut mid-way).
    pub fn kill(&mut self) {
        if let Some(child) = &mut self.server {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.server = None;
    }

    /// Kills the server with SIGKILL (no shutdown at all) and starts a new one on the same data.
    pub fn kill_and_restart(mut self, extra: &[&str]) -> Self {
        self.kill();
        let data = self._data.take().expect("a registry this harness started");
        Self::serve_in(data, extra, &[])
    }

    fn serve_in(data: tempfile::TempDir, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let log = data.path().join("server.log");
        let stderr = std::fs::File::create(&log).expect("server log");
        let mut child = arca()
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--data"])
            .arg(data.path().join("data"))
            .args(extra)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn arca serve");

        // Read stdout on a thread: the listening line, then drain so the pipe never fills up.
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // `arca listening on http://127.0.0.1:PORT` or `https://…` (and possibly more words after it)
                let url =
                    line.trim().strip_prefix("arca listening on ").and_then(|rest| rest.split_whitespace().next());
                let parsed = url.and_then(|url| url.split_once("://"));
                if let Some((scheme, addr)) = parsed
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send((scheme.to_owned(), addr.trim_end_matches('/').to_owned()));
                }
            }
        });
        let mut registry = Self {
            host: String::new(),
            scheme: String::new(),
            referrers: true,
            server: Some(child),
            log: Some(log),
            _data: Some(data),
        };
        match rx.recv_timeout(STARTUP) {
            Ok((scheme, host)) => (registry.scheme, registry.host) = (scheme, host),
            Err(_) => {
                let status = registry.server.as_mut().and_then(|c| c.try_wait().ok().flatten());
                panic!(
                    "arca serve did not print `arca listening on http://…` within {STARTUP:?} (exited: {status:?})\n{}",
                    registry.log_tail()
                );
            }
        }
        registry
    }

    /// `host:port`, as clients spell it in image references.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `http://host:port` or `https://host:port`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }

    /// The process id of a registry started by [`Registry::serve`] (to signal it).
    pub fn pid(&self) -> Option<u32> {
        self.server.as_ref().map(Child::id)
    }

    /// The data directory of a registry started by [`Registry::serve`] (for admin commands beside it).
    pub fn data_dir(&self) -> Option<PathBuf> {
        self._data.as_ref().map(|d| d.path().join("data"))
    }

    /// The peak resident memory of the server process so far (`VmHWM`, bytes), on Linux.
    pub fn peak_rss(&self) -> Option<u64> {
        let pid = self.server.as_ref()?.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// Whether the registry implements the OCI 1.1 referrers API (arca does).
    pub fn referrers(&self) -> bool {
        self.referrers
    }

    /// The last lines the server wrote to stderr, for failure messages.
    pub fn log_tail(&self) -> String {
        let Some(log) = &self.log else { return String::new() };
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(60)..].join("\n");
        format!("--- arca serve stderr (last 60 lines) ---\n{tail}")
    }

    /// Runs an external client to completion and panics with its output (and the server's log) if it
    /// fails.
    pub fn run(&self, what: &str, cmd: &mut Command) -> String {
        let out = cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{what} failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n{}",
            out.status,
            self.log_tail()
        );
        print!("{stdout}");
        stdout.into_owned()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(child) = &mut self.server {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Panics with a pointer to `.ci/run` unless `tool` is on the PATH.
pub fn require_tool(tool: &str) {
    let found =
        std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()));
    assert!(found, "`{tool}` is not installed: run `bash .ci/run` (it installs the end-to-end test tools)");
}

/// The Python with the `oras` SDK: `ARCA_TEST_PYTHON`, default `.ci/venv/bin/python`.
pub fn python_with_oras() -> PathBuf {
    let root = workspace_root();
    let python =
        std::env::var_os("ARCA_TEST_PYTHON").map_or_else(|| root.join(".ci/venv/bin/python"), |p| root.join(p));
    let ok = Command::new(&python)
        .args(["-c", "import oras.client"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{} cannot import `oras`: run `bash .ci/run` (it creates .ci/venv with oras==0.2.43)",
        python.display()
    );
    python
}

/// A minimal HTTP/1.1 GET over a fresh connection: `(status, raw header block, body)`.
pub fn http_get(host: &str, path: &str) -> (u16, String, Vec<u8>) {
    http(host, "GET", path, &[], b"")
}

/// A minimal HTTP/1.1 request over a fresh connection: `(status, raw header block, body)`. Panics if
/// the server closes the connection without an answer (what a panicking handler looks like).
pub fn http(host: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String, Vec<u8>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut stream = TcpStream::connect(host).unwrap_or_else(|e| panic!("connect {host}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap_or_else(|e| panic!("read response of {method} {path}: {e}"));
    assert!(Instant::now() < deadline, "{method} {path} took too long");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("{method} {path}: no HTTP response (connection closed after {} bytes)", raw.len()));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status code");
    (status, head, raw[split + 4..].to_vec())
}

/// The value of header `name` (case-insensitive) in a raw header block.
pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}
