//! Real clients through authentication: skopeo (containers/image, as podman uses it) logs in through
//! the Docker token flow and pushes where it is granted, and is refused where it is not. Needs
//! `skopeo` and `umoci` (installed by `.ci/run`).

use crate::auth::{USER_PASSWORD, auth_settings, setup};
use arca_core::audit::Actor;
use arca_core::auth::Permission;
use arca_server::testing::TestServer;
use std::path::Path;
use std::process::{Command, Output};

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("running {cmd:?}: {e} (is it installed? .ci/run installs it)"))
}

fn ok(out: &Output) -> bool {
    out.status.success()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// An empty image built offline: `layout:v1`.
fn image(dir: &Path) -> String {
    let layout = dir.join("layout");
    let layout = layout.to_str().unwrap();
    assert!(ok(&run(Command::new("umoci").args(["init", "--layout", layout]))));
    assert!(ok(&run(Command::new("umoci").args(["new", "--image", &format!("{layout}:v1")]))));
    format!("oci:{layout}:v1")
}

async fn blocking(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || run(&mut cmd)).await.unwrap()
}

fn skopeo(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("skopeo");
    cmd.env("HOME", dir).args(args);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skopeo_logs_in_and_pushes_only_where_granted() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = setup(dir.path()).await;
    let scopes = vec![Permission::parse("dev:read,publish").unwrap()];
    let ci = app.auth.create_token(&Actor::system(), "publisher", "ci", scopes, None).await.unwrap().text;
    drop(app);
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let host = server.host();
    let src = image(dir.path());
    let creds = format!("publisher:{USER_PASSWORD}");
    let dest = |repo: &str| format!("docker://{host}/{repo}/app:1.0");

    let pushed =
        blocking(skopeo(dir.path(), &["copy", "--dest-tls-verify=false", "--dest-creds", &creds, &src, &dest("dev")]))
            .await;
    assert!(ok(&pushed), "push to a granted repository: {}", text(&pushed));
    let refused =
        blocking(skopeo(dir.path(), &["copy", "--dest-tls-verify=false", "--dest-creds", &creds, &src, &dest("prod")]))
            .await;
    assert!(!ok(&refused), "push to prod must be refused");
    let why = text(&refused).to_lowercase();
    assert!(why.contains("denied") || why.contains("unauthorized") || why.contains("403"), "{why}");

    let reader = format!("reader:{USER_PASSWORD}");
    let inspect =
        blocking(skopeo(dir.path(), &["inspect", "--tls-verify=false", "--creds", &reader, &dest("dev")])).await;
    assert!(ok(&inspect), "a reader inspects: {}", text(&inspect));
    let anonymous = blocking(skopeo(dir.path(), &["inspect", "--tls-verify=false", "--no-creds", &dest("dev")])).await;
    assert!(!ok(&anonymous), "anonymous reads are refused");

    let authfile = dir.path().join("auth.json");
    let authfile = authfile.to_str().unwrap();
    let login = ["login", "--tls-verify=false", "--authfile", authfile, "-u", "publisher", "-p", USER_PASSWORD, &host];
    let login = blocking(skopeo(dir.path(), &login)).await;
    assert!(ok(&login), "skopeo login: {}", text(&login));
    let bad = ["login", "--tls-verify=false", "--authfile", authfile, "-u", "publisher", "-p", "wrong-password", &host];
    assert!(!ok(&blocking(skopeo(dir.path(), &bad)).await), "a wrong password does not log in");

    let with_token = format!("ci:{ci}");
    let dest2 = format!("docker://{host}/dev/app:2.0");
    let pushed =
        blocking(skopeo(dir.path(), &["copy", "--dest-tls-verify=false", "--dest-creds", &with_token, &src, &dest2]))
            .await;
    assert!(ok(&pushed), "an API token works as the password: {}", text(&pushed));
}

fn podman(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("podman");
    let root = dir.join("podman");
    cmd.env("HOME", dir)
        .env("XDG_RUNTIME_DIR", dir.join("run"))
        .args(["--root", root.join("root").to_str().unwrap(), "--runroot", root.join("run").to_str().unwrap()])
        .args(["--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none"])
        .args(args);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn podman_logs_in_pushes_where_granted_and_pulls_back() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let host = server.host();
    let d = dir.path();
    std::fs::create_dir_all(d.join("rootfs")).unwrap();
    std::fs::write(d.join("rootfs/hello"), "hello\n").unwrap();
    let tar = d.join("rootfs.tar");
    assert!(ok(&run(Command::new("tar").arg("-C").arg(d.join("rootfs")).arg("-cf").arg(&tar).arg("."))));
    let imported = blocking(podman(d, &["import", tar.to_str().unwrap(), "localhost/tiny:1"])).await;
    assert!(ok(&imported), "podman import: {}", text(&imported));
    let authfile = d.join("auth.json");
    let authfile = authfile.to_str().unwrap();
    let bad = ["login", "--tls-verify=false", "--authfile", authfile, "-u", "publisher", "-p", "wrong-password", &host];
    assert!(!ok(&blocking(podman(d, &bad)).await), "a wrong password does not log in");
    let login = ["login", "--tls-verify=false", "--authfile", authfile, "-u", "publisher", "-p", USER_PASSWORD, &host];
    let login = blocking(podman(d, &login)).await;
    assert!(ok(&login), "podman login: {}", text(&login));
    let push = |repo: &str| {
        let dest = format!("{host}/{repo}/tiny:1");
        blocking(podman(d, &["push", "--tls-verify=false", "--authfile", authfile, "localhost/tiny:1", &dest]))
    };
    let pushed = push("dev").await;
    assert!(ok(&pushed), "push to a granted repository: {}", text(&pushed));
    let refused = push("prod").await;
    assert!(!ok(&refused), "push to prod must be refused: {}", text(&refused));
    let pull = ["pull", "--tls-verify=false", "--authfile", authfile, &format!("{host}/dev/tiny:1")];
    let pulled = blocking(podman(d, &pull)).await;
    assert!(ok(&pulled), "pull back: {}", text(&pulled));
}
