//! The real cargo against a server with auth on and a repository anonymous users may not read
//! (`auth-required`: cargo sends its token, raw, on every request): `cargo publish` of a library and
//! of a second crate depending on it (cargo's verify build downloads the first from arca), a binary
//! depending on the second built from arca alone, `cargo yank` and `--undo`, `cargo search`,
//! `cargo owner --add`, `--list` and `--remove`, the library found by search from the commit it was
//! packaged from. The registry is defined by environment variables only, with a private
//! `CARGO_HOME`. Needs cargo (it builds this workspace).

use crate::auth::setup;
use crate::support::{ok, run, text};
use arca_core::audit::Actor;
use arca_core::auth::Permission;
use arca_core::meta::Format;
use arca_core::registry::NewRepository;
use arca_server::testing::TestServer;
use arca_types::RepoName;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Cargo {
    home: PathBuf,
    target: PathBuf,
    index: String,
    token: String,
}

impl Cargo {
    /// `cargo <args>` in `dir`, knowing only the registry `arca` (by environment variables).
    fn cmd(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new("cargo");
        cmd.args(args).current_dir(dir).stdin(Stdio::null());
        for (key, _) in std::env::vars() {
            if key.starts_with("CARGO_") && key != "CARGO_HOME" || key == "RUSTFLAGS" {
                cmd.env_remove(key);
            }
        }
        cmd.env("CARGO_HOME", &self.home)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("CARGO_REGISTRIES_ARCA_INDEX", &self.index)
            .env("CARGO_REGISTRIES_ARCA_TOKEN", &self.token)
            // With `auth-required`, cargo refuses to send a token unless a credential provider is
            // named explicitly (the default one is not enough).
            .env("CARGO_REGISTRIES_ARCA_CREDENTIAL_PROVIDER", "cargo:token")
            .env("CARGO_TERM_COLOR", "never")
            .env("CARGO_BUILD_JOBS", "1");
        cmd
    }
}

/// A crate made by `cargo new` in `dir`, publishable only to arca, with `deps` and `lib_rs`.
async fn new_crate(cargo: &Cargo, dir: &Path, name: &str, kind: &str, deps: &str, source: (&str, &str)) -> PathBuf {
    ok(cargo.cmd(dir, &["new", kind, "--vcs", "none", "-q", name])).await;
    let path = dir.join(name);
    let manifest = std::fs::read_to_string(path.join("Cargo.toml")).unwrap();
    let manifest = manifest
        .replace(
            "[package]\n",
            "[package]\ndescription = \"an arca test crate\"\nlicense = \"MIT\"\npublish = [\"arca\"]\n",
        )
        .replace("[dependencies]\n", &format!("[dependencies]\n{deps}\n"));
    std::fs::write(path.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(path.join("src").join(source.0), source.1).unwrap();
    path
}

/// Makes `dir` a git repository with one commit of everything in it; its hash.
async fn git_commit(dir: &Path) -> String {
    let git = |args: &[&str]| {
        let mut cmd = Command::new("git");
        cmd.args(["-c", "user.name=ci", "-c", "user.email=ci@example.com"]).args(args).current_dir(dir);
        cmd
    };
    ok(git(&["init", "-q"])).await;
    ok(git(&["add", "."])).await;
    ok(git(&["commit", "-q", "-m", "release"])).await;
    ok(git(&["rev-parse", "HEAD"])).await.trim().to_owned()
}

async fn index_line(http: &reqwest::Client, server: &TestServer, token: &str, path: &str) -> Value {
    let r = http.get(format!("{}/cargo/rs/index/{path}", server.url())).header("authorization", token).send().await;
    let file = r.unwrap().text().await.unwrap();
    serde_json::from_str(file.lines().last().unwrap_or_default()).unwrap_or_else(|_| panic!("{file}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cargo_publishes_builds_yanks_and_searches_through_an_arca_token() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = setup(dir.path()).await;
    let repo = RepoName::parse("rs").unwrap();
    app.registry.create_repository(NewRepository::new(repo, Format::Cargo), &Actor::system()).await.unwrap();
    for user in ["ci", "maintainer"] {
        let grants = vec![Permission::parse("rs:read,publish").unwrap()];
        app.auth.add_user(&Actor::system(), user, None, grants).await.unwrap();
    }
    let scopes = vec![Permission::parse("rs:read,publish").unwrap()];
    let issued = app.auth.create_token(&Actor::system(), "ci", "cargo", scopes, None).await.unwrap();
    drop(app);
    let server = TestServer::start_in(dir.path(), crate::auth::auth_settings).await;
    let http = reqwest::Client::new();

    // Without a token: 401 with cargo's challenge, so cargo knows to send one.
    let r = http.get(format!("{}/cargo/rs/index/config.json", server.url())).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Cargo login_url="), "{:?}", r.headers());
    let r = http.get(format!("{}/cargo/rs/index/config.json", server.url())).header("authorization", &issued.text);
    let config: Value = r.send().await.unwrap().json().await.unwrap();
    assert_eq!(config["auth-required"], true);

    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let cargo = Cargo {
        home: dir.path().join("cargo-home"),
        target: dir.path().join("target"),
        index: format!("sparse+{}/cargo/rs/index/", server.url()),
        token: issued.text.clone(),
    };

    // A library, then a crate depending on it (its verify build fetches the library from arca).
    let lib_rs = "pub fn add(a: u64, b: u64) -> u64 {\n    a + b\n}\n";
    let lib = new_crate(&cargo, &work, "arca-cargo-lib", "--lib", "", ("lib.rs", lib_rs)).await;
    let revision = git_commit(&lib).await;
    let published = ok(cargo.cmd(&lib, &["publish", "--registry", "arca", "--allow-dirty"])).await;
    // Its provenance: the commit cargo packaged it from, found by search.
    let search = format!("{}/api/v1/search?property=vcs.revision={revision}", server.url());
    let found: Value = http.get(search).bearer_auth(&issued.text).send().await.unwrap().json().await.unwrap();
    assert_eq!(found["results"][0]["package"], "arca_cargo_lib", "{found}");
    let again = run(cargo.cmd(&lib, &["publish", "--registry", "arca", "--allow-dirty", "--no-verify"])).await;
    assert!(!again.status.success(), "a version is published once: {published}");
    // cargo reads the index first and refuses by itself (the server's own refusal is in cargo.rs).
    assert!(text(&again).contains("already exists on `arca` index"), "{}", text(&again));
    let util_rs =
        "pub fn add3(a: u64, b: u64, c: u64) -> u64 {\n    arca_cargo_lib::add(arca_cargo_lib::add(a, b), c)\n}\n";
    let dep = "arca-cargo-lib = { version = \"0.1\", registry = \"arca\" }";
    let util = new_crate(&cargo, &work, "arca_cargo_util", "--lib", dep, ("lib.rs", util_rs)).await;
    ok(cargo.cmd(&util, &["publish", "--registry", "arca", "--allow-dirty"])).await;
    let line = index_line(&http, &server, &issued.text, "ar/ca/arca_cargo_util").await;
    assert_eq!(line["deps"][0]["name"], "arca-cargo-lib", "{line}");
    assert_eq!(line["deps"][0]["req"], "^0.1", "{line}");

    // A binary depending on the second crate, built from arca alone.
    let main_rs = "fn main() {\n    assert_eq!(arca_cargo_util::add3(1, 2, 3), 6);\n    println!(\"six\");\n}\n";
    let dep = "arca_cargo_util = { version = \"0.1\", registry = \"arca\" }";
    let app_dir = new_crate(&cargo, &work, "arca-cargo-app", "--bin", dep, ("main.rs", main_rs)).await;
    assert_eq!(ok(cargo.cmd(&app_dir, &["run", "-q"])).await.trim(), "six");
    let lock = std::fs::read_to_string(app_dir.join("Cargo.lock")).unwrap();
    assert!(lock.contains(&format!("source = \"{}\"", cargo.index)), "resolved from arca: {lock}");

    // Yank and undo: the index line follows.
    let yank = ["yank", "--registry", "arca", "--version", "0.1.0", "arca-cargo-lib"];
    ok(cargo.cmd(&work, &yank)).await;
    assert_eq!(index_line(&http, &server, &issued.text, "ar/ca/arca-cargo-lib").await["yanked"], true);
    let undo = ["yank", "--undo", "--registry", "arca", "--version", "0.1.0", "arca-cargo-lib"];
    ok(cargo.cmd(&work, &undo)).await;
    assert_eq!(index_line(&http, &server, &issued.text, "ar/ca/arca-cargo-lib").await["yanked"], false);

    // Search and owners.
    let found = ok(cargo.cmd(&work, &["search", "--registry", "arca", "arca-cargo"])).await;
    assert!(found.contains("arca-cargo-lib = \"0.1.0\""), "{found}");
    assert!(found.contains("arca_cargo_util = \"0.1.0\""), "{found}");
    let list = ["owner", "--registry", "arca", "--list", "arca-cargo-lib"];
    assert_eq!(ok(cargo.cmd(&work, &list)).await.trim(), "ci", "the first publisher owns the crate");

    // Owners: another arca user is added and removed; an unknown login and the last owner are refused.
    let added = run(cargo.cmd(&work, &["owner", "--registry", "arca", "--add", "maintainer", "arca-cargo-lib"])).await;
    let shown = text(&added);
    assert!(
        added.status.success() && shown.contains("user maintainer has been added as an owner of crate arca-cargo-lib"),
        "{shown}"
    );
    assert_eq!(ok(cargo.cmd(&work, &list)).await.lines().collect::<Vec<_>>(), ["ci", "maintainer"]);
    let unknown = run(cargo.cmd(&work, &["owner", "--registry", "arca", "--add", "nobody", "arca-cargo-lib"])).await;
    assert!(
        !unknown.status.success() && text(&unknown).contains("could not find user with login `nobody`"),
        "{}",
        text(&unknown)
    );
    ok(cargo.cmd(&work, &["owner", "--registry", "arca", "--remove", "maintainer", "arca-cargo-lib"])).await;
    assert_eq!(ok(cargo.cmd(&work, &list)).await.trim(), "ci");
    let last = run(cargo.cmd(&work, &["owner", "--registry", "arca", "--remove", "ci", "arca-cargo-lib"])).await;
    assert!(!last.status.success() && text(&last).contains("cannot remove all individual owners"), "{}", text(&last));

    // A token cargo cannot use is refused.
    let mut denied = cargo.cmd(&work, &["yank", "--registry", "arca", "--version", "0.1.0", "arca-cargo-lib"]);
    denied.env("CARGO_REGISTRIES_ARCA_TOKEN", "arca_nonesuch_secret");
    let denied = run(denied).await;
    assert!(!denied.status.success(), "{}", text(&denied));
}
