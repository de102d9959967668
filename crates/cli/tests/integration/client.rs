//! The client commands (`login`, `push`, `pull`, `ls`, `info`, `search`, `repo`) against `arca serve`,
//! run as a user would: the binary, its exit code, its output.

use crate::harness::{Registry, arca, http_get};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Environment variables that make `arca push` detect a CI system (CI itself runs the tests).
const CI_VARS: [&str; 7] = ["CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "TF_BUILD", "JENKINS_URL"];

/// A user of the client: their own config directory, pointed at one registry.
struct User {
    home: tempfile::TempDir,
    server: String,
}

impl User {
    fn new(registry: &Registry) -> Self {
        Self::at(&format!("http://{}", registry.host()))
    }

    fn at(server: &str) -> Self {
        Self { home: tempfile::tempdir().unwrap(), server: server.to_owned() }
    }

    fn config(&self) -> PathBuf {
        self.home.path().join("config")
    }

    /// `arca ARGS` with this user's config dir and `ARCA_SERVER`, outside any CI.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = arca();
        cmd.args(args).env("XDG_CONFIG_HOME", self.config()).env("HOME", self.home.path());
        cmd.env("ARCA_SERVER", &self.server);
        for var in CI_VARS {
            cmd.env_remove(var);
        }
        cmd
    }

    fn output(&self, cmd: &mut Command) -> Output {
        cmd.stdin(Stdio::null()).output().expect("run arca")
    }

    /// Runs `arca ARGS`, asserting success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        self.ok_cmd(&mut self.cmd(args))
    }

    fn ok_cmd(&self, cmd: &mut Command) -> String {
        let out = self.output(cmd);
        assert!(out.status.success(), "{cmd:?} failed: {}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        serde_json::from_str(&self.ok(&all)).expect("JSON output")
    }

    /// The exit code of `arca ARGS`.
    fn code(&self, args: &[&str]) -> i32 {
        self.output(&mut self.cmd(args)).status.code().expect("exit code")
    }
}

/// A generic repository named `rel`, created through the API by the client.
fn generic(registry: &Registry) -> User {
    let user = User::new(registry);
    user.ok(&["repo", "create", "rel", "--format", "generic"]);
    user
}

/// Writes `len` pseudo-random bytes (xorshift) to `path`, a MiB at a time.
fn write_file(path: &Path, len: usize, seed: u64) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut x = (seed << 1) | 1;
    let mut left = len;
    let mut chunk = vec![0u8; 1 << 20];
    while left > 0 {
        for b in chunk.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let n = left.min(chunk.len());
        file.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    file.flush().unwrap();
}

fn sha256_file(path: &Path) -> String {
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(path).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

fn same_bytes(a: &Path, b: &Path) -> bool {
    let (mut x, mut y) = (std::fs::File::open(a).unwrap(), std::fs::File::open(b).unwrap());
    let (mut bx, mut by) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = x.read(&mut bx).unwrap();
        let mut m = 0;
        while m < n {
            let k = y.read(&mut by[m..n]).unwrap();
            if k == 0 {
                return false;
            }
            m += k;
        }
        if bx[..n] != by[..n] {
            return false;
        }
        if n == 0 {
            return y.read(&mut by).unwrap() == 0;
        }
    }
}

/// The large file's size: `ARCA_TEST_LARGE_MIB` MiB (default 64).
fn large_len() -> usize {
    std::env::var("ARCA_TEST_LARGE_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(64) << 20
}

#[test]
fn login_saves_credentials_0600_and_logout_removes_them() {
    use std::os::unix::fs::PermissionsExt;
    let registry = Registry::serve(&[]);
    let user = User::new(&registry);
    let url = format!("http://{}", registry.host());
    let mut login = user.cmd(&["login", &url]);
    login.env_remove("ARCA_SERVER");
    user.ok_cmd(&mut login);
    let file = user.config().join("arca/credentials.toml");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(user.config().join("arca")).unwrap().permissions().mode() & 0o777, 0o700);
    assert!(std::fs::read_to_string(&file).unwrap().contains(&url));

    // The saved login is the default server.
    let mut ls = user.cmd(&["repo", "ls", "--output", "json"]);
    ls.env_remove("ARCA_SERVER");
    let repos: Value = serde_json::from_str(&user.ok_cmd(&mut ls)).unwrap();
    assert!(repos.is_array() || repos.is_object(), "{repos}");

    let mut logout = user.cmd(&["logout"]);
    logout.env_remove("ARCA_SERVER");
    user.ok_cmd(&mut logout);
    assert!(!file.exists());
    let mut ls = user.cmd(&["ls", "rel"]);
    ls.env_remove("ARCA_SERVER");
    assert_eq!(user.output(&mut ls).status.code(), Some(2), "no server is a usage error");
}

#[test]
fn login_with_a_wrong_password_is_refused_with_exit_4_and_saves_nothing() {
    let registry = Registry::serve(&["--auth"]);
    let user = User::new(&registry);
    let url = format!("http://{}", registry.host());
    let mut login = user.cmd(&["login", &url, "--username", "admin", "--password-stdin"]);
    login.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = login.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"not-the-password\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!user.config().join("arca/credentials.toml").exists());
}

/// Runs an admin command on the server's data directory, with `stdin`; returns stdout.
fn admin(registry: &Registry, args: &[&str], stdin: &str) -> String {
    let mut cmd = arca();
    cmd.arg("--data").arg(registry.data_dir().expect("a registry started here")).args(args);
    run_with_stdin(cmd, args, stdin)
}

/// Runs `cmd` with `stdin`, asserting success; returns stdout.
fn run_with_stdin(mut cmd: std::process::Command, args: &[&str], stdin: &str) -> String {
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn with_auth_a_token_login_pushes_and_a_reader_is_denied_with_exit_4() {
    let registry = Registry::serve(&["--auth"]);
    admin(&registry, &["user", "add", "ci", "--service-account", "--grant", "*:admin"], "");
    let created = admin(&registry, &["token", "create", "--user", "ci", "--scope", "*:read,publish,admin"], "");
    let token = created.split_whitespace().find(|w| w.starts_with("arca_")).expect("a token");
    admin(&registry, &["user", "add", "rita", "--grant", "rel:reader", "--password-stdin"], "reader-password\n");

    let ci = User::new(&registry);
    let url = format!("http://{}", registry.host());
    let mut login = ci.cmd(&["login", &url, "--token-stdin"]);
    login.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = login.spawn().unwrap();
    child.stdin.take().unwrap().write_all(format!("{token}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ci.ok(&["repo", "create", "rel", "--format", "generic"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.bin");
    write_file(&file, 4096, 11);
    ci.ok(&["push", "rel/tool@1.0", file.to_str().unwrap()]);

    // Anonymous: unauthenticated; a reader: may pull, may not push.
    let anonymous = User::new(&registry);
    assert_eq!(anonymous.code(&["info", "rel/tool@1.0"]), 4);
    let rita = User::new(&registry);
    let mut login = rita.cmd(&["login", &url, "--username", "rita", "--password-stdin"]);
    login.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = login.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"reader-password\n").unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    rita.ok(&["pull", "rel/tool@1.0", "-o", dir.path().join("out").to_str().unwrap()]);
    assert!(same_bytes(&file, &dir.path().join("out/a.bin")));
    assert_eq!(rita.code(&["push", "rel/tool@2.0", file.to_str().unwrap()]), 4);
}

#[test]
fn a_multi_file_version_with_properties_round_trips_byte_for_byte() {
    let registry = Registry::serve(&[]);
    let user = generic(&registry);
    let dir = tempfile::tempdir().unwrap();
    let (empty, small, large) =
        (dir.path().join("empty.txt"), dir.path().join("small.bin"), dir.path().join("large.bin"));
    write_file(&empty, 0, 1);
    write_file(&small, 1024, 2);
    write_file(&large, large_len(), 3);
    let paths = [empty.to_str().unwrap(), small.to_str().unwrap(), large.to_str().unwrap()];
    let rss_before = registry.peak_rss().expect("the server's peak RSS");

    let mut args = vec!["push", "rel/team/tool@1.0"];
    args.extend(paths);
    args.extend([
        "--property",
        "channel=stable",
        "--property",
        "os=linux",
        "--property",
        "os=darwin",
        "--output",
        "json",
    ]);
    let pushed: Value = serde_json::from_str(&user.ok(&args)).unwrap();
    let digest = pushed["digest"].as_str().expect("version digest").to_owned();

    // info: digest, files with digests and sizes, multi-valued properties, no referrers outside CI.
    let info = user.json(&["info", "rel/team/tool@1.0"]);
    assert_eq!(info["digest"], digest.as_str());
    assert_eq!(info["size"], (1024 + large_len()) as u64);
    let files = info["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for path in [&empty, &small, &large] {
        let name = path.file_name().unwrap().to_str().unwrap();
        let f = files.iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("{name} in {info}"));
        assert_eq!(f["digest"], sha256_file(path).as_str());
    }
    assert_eq!(info["properties"]["channel"], serde_json::json!(["stable"]));
    let mut os: Vec<&str> = info["properties"]["os"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    os.sort();
    assert_eq!(os, ["darwin", "linux"]);
    assert!(info["properties"].get("build.builder").is_none(), "no CI, no build properties");
    assert_eq!(info["referrers"], serde_json::json!([]));
    assert!(user.ok(&["info", "rel/team/tool@1.0"]).contains("channel=stable"));

    // ls: packages of the repository, versions of the package.
    let single = dir.path().join("notes.md");
    write_file(&single, 100, 4);
    user.ok(&["push", "rel/team/tool@1.1", single.to_str().unwrap()]);
    let versions = user.json(&["ls", "rel/team/tool"]);
    assert_eq!(versions.as_array().map(Vec::len), Some(2), "{versions}");
    assert!(user.ok(&["ls", "rel/team/tool"]).lines().any(|l| l.split('\t').next() == Some("1.1")));
    assert!(user.ok(&["ls", "rel"]).contains("team/tool"));

    // pull by version and by digest, byte for byte.
    for reference in ["rel/team/tool@1.0".to_owned(), format!("rel/team/tool@{digest}")] {
        let out = tempfile::tempdir().unwrap();
        let pulled: Value = serde_json::from_str(&user.ok(&[
            "pull",
            &reference,
            "-o",
            out.path().to_str().unwrap(),
            "--output",
            "json",
        ]))
        .unwrap();
        assert_eq!(pulled["digest"], digest.as_str());
        for path in [&empty, &small, &large] {
            let got = out.path().join(path.file_name().unwrap());
            assert!(same_bytes(path, &got), "{} differs after pull", got.display());
        }
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 3, "only the files, no leftovers");
    }

    // The server streamed: its peak memory did not grow with the large file.
    let rss_after = registry.peak_rss().unwrap();
    eprintln!("server peak RSS: {} MiB before, {} MiB after", rss_before >> 20, rss_after >> 20);
    assert!(
        rss_after < rss_before + (32 << 20),
        "server peak RSS grew from {} to {} MiB moving a {} MiB file",
        rss_before >> 20,
        rss_after >> 20,
        large_len() >> 20
    );

    // info by digest: the same files and properties.
    let by_digest = user.json(&["info", &format!("rel/team/tool@{digest}")]);
    assert_eq!(by_digest["files"].as_array().map(Vec::len), Some(3), "{by_digest}");
    assert_eq!(by_digest["properties"]["channel"], serde_json::json!(["stable"]), "{by_digest}");

    // Exit codes: not found, usage.
    assert_eq!(user.code(&["info", "rel/team/tool@9.9"]), 3);
    assert_eq!(user.code(&["pull", "rel/team/tool@9.9", "-o", dir.path().to_str().unwrap()]), 3);
    assert_eq!(user.code(&["push", "not-a-reference", single.to_str().unwrap()]), 2);
    // Re-pushing identical content is idempotent; a different file into a published version is refused.
    user.ok(&["push", "rel/team/tool@1.1", single.to_str().unwrap()]);
    assert_ne!(user.code(&["push", "rel/team/tool@1.1", small.to_str().unwrap()]), 0);
}

/// A fake registry that serves one manifest whose layers are `(title, digest, bytes)`.
fn fake_registry(layers: Vec<(&'static str, String, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": { "mediaType": "application/vnd.oci.empty.v1+json", "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "size": 2 },
        "layers": layers.iter().map(|(title, digest, bytes)| serde_json::json!({
            "mediaType": "application/octet-stream", "digest": digest, "size": bytes.len(),
            "annotations": { "org.opencontainers.image.title": title } })).collect::<Vec<_>>(),
    })
    .to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let body: Vec<u8> = if path.contains("/manifests/") {
                manifest.clone().into_bytes()
            } else if let Some((_, _, bytes)) = layers.iter().find(|(_, d, _)| path.ends_with(d.as_str())) {
                bytes.clone()
            } else {
                let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                continue;
            };
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}")
}

fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

#[test]
fn pull_refuses_a_file_whose_digest_does_not_match_and_leaves_nothing() {
    let good = b"the real content".to_vec();
    let server = fake_registry(vec![
        ("ok.txt", digest_of(&good), good.clone()),
        ("tampered.bin", digest_of(b"what the manifest promised"), b"what the server sent instead".to_vec()),
    ]);
    let user = User::at(&server);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("dl");
    assert_eq!(user.code(&["pull", "rel/tool@1.0", "-o", dir.to_str().unwrap()]), 5);
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("ok.txt")], "the bad file and its partial copy are gone");
}

#[test]
fn pull_never_writes_outside_the_target_directory() {
    let evil = b"owned".to_vec();
    for name in ["../escape.txt", "/tmp/abs.txt", ".."] {
        let server = fake_registry(vec![(name, digest_of(&evil), evil.clone())]);
        let user = User::at(&server);
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("dl");
        assert_eq!(user.code(&["pull", "rel/tool@1.0", "-o", dir.to_str().unwrap()]), 5, "{name}");
        assert!(!out.path().join("escape.txt").exists());
        assert!(!dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none());
    }
}

/// Whether version `v` of `rel/tool` is visible anywhere: the management API, the tag list, the files.
fn assert_no_version(registry: &Registry, user: &User, v: &str, files: &[&str]) {
    assert_eq!(user.code(&["info", &format!("rel/tool@{v}")]), 3, "version {v} must not exist");
    let (_, _, tags) = http_get(registry.host(), "/v2/rel/tool/tags/list");
    let tags: Value = serde_json::from_slice(&tags).unwrap_or(Value::Null);
    assert!(!tags["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == v)), "{tags}");
    for f in files {
        let (status, _, _) = http_get(registry.host(), &format!("/generic/rel/tool/{v}/{f}"));
        assert_eq!(status, 404, "{f} of {v} is visible");
    }
}

#[test]
fn an_interrupted_push_leaves_no_version_and_no_partial_file() {
    let registry = Registry::serve(&[]);
    let user = generic(&registry);
    let dir = tempfile::tempdir().unwrap();
    let (small, big) = (dir.path().join("small.txt"), dir.path().join("big.bin"));
    write_file(&small, 1024, 5);
    write_file(&big, 16 << 20, 6);
    let (small, big) = (small.to_str().unwrap(), big.to_str().unwrap());

    // Multi-file (the small file is staged, the big one is mid-upload) and single PUT.
    for (version, files) in [("1.0", vec![small, big]), ("2.0", vec![big])] {
        let reference = format!("rel/tool@{version}");
        let mut args = vec!["push", reference.as_str(), "--limit-rate", "2M"];
        args.extend(files.iter().copied());
        let mut child =
            user.cmd(&args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(2500));
        assert!(child.try_wait().unwrap().is_none(), "the push ended before it was interrupted");
        child.kill().unwrap();
        child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert_no_version(&registry, &user, version, &["small.txt", "big.bin"]);
    }
    // Nothing left over blocks a complete push of the same version.
    user.ok(&["push", "rel/tool@1.0", small, big]);
    assert_eq!(user.json(&["info", "rel/tool@1.0"])["files"].as_array().unwrap().len(), 2);
}

/// Pushes a file with `env` as the CI environment; returns `info --output json` of the version.
fn push_in_ci(registry: &Registry, user: &User, version: &str, env: &[(&str, &str)], extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.tar.gz");
    // Distinct content per version: identical versions share one manifest (and its properties).
    write_file(&file, 2048, version.bytes().fold(7, |h, b| h * 31 + u64::from(b)));
    let reference = format!("rel/tool@{version}");
    let mut args = vec!["push", reference.as_str(), file.to_str().unwrap()];
    args.extend(extra);
    let mut cmd = user.cmd(&args);
    cmd.envs(env.iter().copied());
    user.ok_cmd(&mut cmd);
    let _ = registry;
    user.json(&["info", &reference])
}

fn prop<'a>(info: &'a Value, key: &str) -> Option<&'a str> {
    info["properties"][key][0].as_str()
}

#[test]
fn github_actions_push_records_properties_and_an_slsa_provenance_referrer() {
    let registry = Registry::serve(&[]);
    let user = generic(&registry);
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "acme/tool"),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
        ("GITHUB_REF", "refs/heads/main"),
        ("GITHUB_RUN_ID", "987654"),
        ("GITHUB_RUN_ATTEMPT", "1"),
        ("GITHUB_WORKFLOW_REF", "acme/tool/.github/workflows/release.yml@refs/heads/main"),
    ];
    let info = push_in_ci(&registry, &user, "1.0", &env, &["--property", "build.id=mine"]);
    assert_eq!(prop(&info, "vcs.revision"), Some("0123456789abcdef0123456789abcdef01234567"));
    assert_eq!(prop(&info, "vcs.url"), Some("https://github.com/acme/tool"));
    assert!(prop(&info, "build.url").is_some_and(|u| u.contains("987654")), "{info}");
    assert!(prop(&info, "build.builder").is_some());
    assert_eq!(info["properties"]["build.id"], serde_json::json!(["mine"]), "--property wins");

    let version_digest = info["digest"].as_str().unwrap();
    let referrers = info["referrers"].as_array().unwrap();
    assert_eq!(referrers.len(), 1, "{info}");
    assert_eq!(referrers[0]["artifactType"], "application/vnd.in-toto+json");
    let referrer = referrers[0]["digest"].as_str().unwrap();

    let (status, _, manifest) = http_get(registry.host(), &format!("/v2/rel/tool/manifests/{referrer}"));
    assert_eq!(status, 200);
    let manifest: Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(manifest["subject"]["digest"], version_digest);
    let layer = &manifest["layers"][0];
    assert_eq!(layer["annotations"]["in-toto.io/predicate-type"], "https://slsa.dev/provenance/v1");
    let (status, _, statement) =
        http_get(registry.host(), &format!("/v2/rel/tool/blobs/{}", layer["digest"].as_str().unwrap()));
    assert_eq!(status, 200);
    let statement: Value = serde_json::from_slice(&statement).unwrap();
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(statement["predicateType"], "https://slsa.dev/provenance/v1");
    assert_eq!(statement["subject"][0]["digest"]["sha256"], version_digest.strip_prefix("sha256:").unwrap());
    assert!(statement.to_string().contains("0123456789abcdef0123456789abcdef01234567"));

    // --no-provenance: no build properties, no referrer.
    let info = push_in_ci(&registry, &user, "1.1", &env, &["--no-provenance"]);
    assert!(prop(&info, "vcs.revision").is_none(), "{info}");
    assert_eq!(info["referrers"], serde_json::json!([]));
}

/// A push in the CI system of `env` records `revision` and `build_id`, and a provenance referrer.
fn ci_properties(env: &[(&str, &str)], revision: Option<&str>, build_id: Option<&str>) {
    let registry = Registry::serve(&[]);
    let user = generic(&registry);
    let info = push_in_ci(&registry, &user, "1.0", env, &[]);
    assert_eq!(prop(&info, "vcs.revision"), revision, "{info}");
    assert_eq!(prop(&info, "build.id"), build_id, "{info}");
    assert!(prop(&info, "build.builder").is_some(), "{info}");
    assert_eq!(info["referrers"][0]["artifactType"], "application/vnd.in-toto+json", "{info}");
}

#[test]
fn gitlab_ci_properties() {
    ci_properties(
        &[
            ("GITLAB_CI", "true"),
            ("CI_SERVER_URL", "https://gitlab.com"),
            ("CI_PROJECT_URL", "https://gitlab.com/acme/tool"),
            ("CI_COMMIT_SHA", "aaaa111"),
            ("CI_COMMIT_REF_NAME", "main"),
            ("CI_JOB_ID", "4242"),
            ("CI_JOB_URL", "https://gitlab.com/acme/tool/-/jobs/4242"),
            ("CI_RUNNER_ID", "7"),
        ],
        Some("aaaa111"),
        Some("4242"),
    );
}

#[test]
fn jenkins_properties() {
    ci_properties(
        &[
            ("JENKINS_URL", "https://jenkins.acme.dev/"),
            ("BUILD_TAG", "jenkins-tool-17"),
            ("BUILD_NUMBER", "17"),
            ("BUILD_URL", "https://jenkins.acme.dev/job/tool/17/"),
            ("GIT_URL", "https://github.com/acme/tool.git"),
            ("GIT_COMMIT", "bbbb222"),
            ("GIT_BRANCH", "origin/main"),
        ],
        Some("bbbb222"),
        Some("jenkins-tool-17"),
    );
}

#[test]
fn buildkite_properties() {
    ci_properties(
        &[
            ("BUILDKITE", "true"),
            ("BUILDKITE_ORGANIZATION_SLUG", "acme"),
            ("BUILDKITE_AGENT_ID", "agent-1"),
            ("BUILDKITE_BUILD_ID", "01890000-aaaa"),
            ("BUILDKITE_BUILD_URL", "https://buildkite.com/acme/tool/builds/5"),
            ("BUILDKITE_REPO", "git@github.com:acme/tool.git"),
            ("BUILDKITE_COMMIT", "cccc333"),
            ("BUILDKITE_BRANCH", "main"),
        ],
        Some("cccc333"),
        Some("01890000-aaaa"),
    );
}

#[test]
fn circleci_properties() {
    ci_properties(
        &[
            ("CIRCLECI", "true"),
            ("CIRCLE_WORKFLOW_JOB_ID", "job-uuid-1"),
            ("CIRCLE_BUILD_NUM", "99"),
            ("CIRCLE_BUILD_URL", "https://circleci.com/gh/acme/tool/99"),
            ("CIRCLE_REPOSITORY_URL", "git@github.com:acme/tool.git"),
            ("CIRCLE_SHA1", "dddd444"),
            ("CIRCLE_BRANCH", "main"),
        ],
        Some("dddd444"),
        Some("job-uuid-1"),
    );
}

#[test]
fn azure_pipelines_properties() {
    ci_properties(
        &[
            ("TF_BUILD", "True"),
            ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/acme/"),
            ("SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", "https://dev.azure.com/acme/"),
            ("SYSTEM_TEAMPROJECT", "tool"),
            ("BUILD_BUILDID", "314"),
            ("BUILD_REPOSITORY_URI", "https://dev.azure.com/acme/tool/_git/tool"),
            ("BUILD_SOURCEVERSION", "eeee555"),
            ("BUILD_SOURCEBRANCH", "refs/heads/main"),
        ],
        Some("eeee555"),
        Some("314"),
    );
}

#[test]
fn generic_ci_properties() {
    ci_properties(&[("CI", "true")], None, None);
}

#[test]
fn search_finds_a_version_by_property() {
    let registry = Registry::serve(&[]);
    let user = generic(&registry);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
    write_file(&a, 10, 8);
    write_file(&b, 10, 9);
    user.ok(&["push", "rel/tool@1.0", a.to_str().unwrap(), "--property", "channel=stable"]);
    user.ok(&["push", "rel/tool@2.0", b.to_str().unwrap(), "--property", "channel=beta"]);
    let page = user.json(&["search", "--property", "channel=stable"]);
    let results = page["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{page}");
    assert_eq!(results[0]["version"], "1.0");
    assert_eq!(results[0]["properties"]["channel"], serde_json::json!(["stable"]));

    let page = user.json(&[
        "search",
        "--repository",
        "rel",
        "--package",
        "to*",
        "--version",
        "2.*",
        "--has-property",
        "channel",
    ]);
    assert_eq!(page["results"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["results"][0]["version"], "2.0");
    // By the digest of a file inside the version.
    let page = user.json(&["search", "--digest", &sha256_file(&b)]);
    assert_eq!(page["results"][0]["version"], "2.0", "{page}");
    assert!(user.ok(&["search", "--has-property", "channel"]).contains("rel/tool@1.0"));
    assert_eq!(user.json(&["search", "--property", "channel=none"])["results"], serde_json::json!([]));
}

/// Runs `arca ARGS` as `user` with `stdin`, asserting success; returns stdout.
fn ok_with_stdin(user: &User, args: &[&str], stdin: &str) -> String {
    run_with_stdin(user.cmd(args), args, stdin)
}

#[test]
fn users_and_tokens_are_administered_against_a_server() {
    let registry = Registry::serve(&["--auth"]);
    admin(&registry, &["user", "add", "root", "--grant", "*:admin", "--password-stdin"], "root-password\n");
    let url = format!("http://{}", registry.host());
    let root = User::new(&registry);
    ok_with_stdin(&root, &["login", &url, "--username", "root", "--password-stdin"], "root-password\n");

    // Users, over the API.
    ok_with_stdin(
        &root,
        &["user", "add", "alice", "--grant", "dev-*:publisher", "--password-stdin"],
        "alice-password\n",
    );
    root.ok(&["user", "add", "ci", "--service-account", "--grant", "dev:publisher"]);
    let listed = root.ok(&["user", "ls"]);
    assert!(listed.contains("alice\tuser\tdev-*:read,publish") && listed.contains("ci\tservice-account"), "{listed}");
    let users = root.json(&["user", "ls"]);
    let names: Vec<&str> = users.as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "alice", "ci", "root"]);
    assert!(root.json(&["whoami"])["grants"][0].as_str().unwrap().starts_with("*:"));

    // A token for the service account: shown once, usable, listed without its secret.
    let scope = ["--scope", "dev:read,publish", "--expires-in", "30d", "--description", "pipeline"];
    let created = root.ok(&[&["token", "create", "--user", "ci"][..], &scope].concat());
    let token = created.split_whitespace().find(|w| w.starts_with("arca_")).expect("the token, once").to_owned();
    let id = token.split('_').nth(1).unwrap().to_owned();
    let ci = User::new(&registry);
    ok_with_stdin(&ci, &["login", &url, "--token-stdin"], &format!("{token}\n"));
    let me = ci.json(&["whoami"]);
    assert_eq!((&me["name"], &me["scopes"]), (&serde_json::json!("ci"), &serde_json::json!(["dev:read,publish"])));
    ci.ok(&["repo", "ls"]);
    // The token makes its own, within its scopes only.
    assert!(ci.ok(&["token", "create", "--scope", "dev:read", "--expires-in", "1h"]).contains("arca_"));
    assert_eq!(ci.code(&["token", "create", "--scope", "dev:delete"]), 4, "beyond the creator: denied");
    let listed = root.ok(&["token", "ls", "--user", "ci"]);
    assert!(listed.contains(&id) && listed.contains("pipeline") && !listed.contains(&token), "{listed}");
    let tokens = ci.json(&["token", "ls"]);
    assert_eq!(tokens.as_array().unwrap().len(), 2, "ci lists its own: {tokens}");
    assert!(!tokens.to_string().contains(&token));

    // Someone else's tokens and users are an administrator's business.
    let alice = User::new(&registry);
    ok_with_stdin(&alice, &["login", &url, "--username", "alice", "--password-stdin"], "alice-password\n");
    assert_eq!(alice.code(&["user", "ls"]), 4);
    assert_eq!(alice.code(&["token", "ls", "--user", "ci"]), 4);
    assert_eq!(alice.code(&["token", "revoke", &id]), 3, "not hers: no such token");
    assert_eq!(alice.json(&["token", "ls"]), serde_json::json!([]));

    // Revoked: refused from then on.
    root.ok(&["token", "revoke", &id]);
    assert_eq!(ci.code(&["whoami"]), 4);
    assert!(root.ok(&["token", "ls", "--user", "ci"]).contains(&format!("{id}\tci\trevoked")));

    // Passwords and grants, then removal.
    ok_with_stdin(&root, &["user", "passwd", "alice", "--password-stdin"], "alice-new-password\n");
    assert_eq!(alice.code(&["whoami"]), 4, "the old password no longer works");
    root.ok(&["user", "grant", "alice", "--grant", "prod:reader"]);
    assert!(root.ok(&["user", "ls"]).contains("alice\tuser\tprod:read\n"));
    root.ok(&["user", "rm", "alice"]);
    assert_eq!(root.code(&["user", "rm", "alice"]), 3);

    // The local database, as before: the same tokens, made over the API.
    assert!(admin(&registry, &["token", "ls"], "").contains(&format!("{id}\tci\trevoked")));
    assert!(!admin(&registry, &["user", "ls"], "").contains("alice"));
}
