//! The Cargo sparse registry over HTTP with bodies cargo sent (captured in crates/cargo/tests/fixtures)
//! and crates built here: config.json, index lines (the server's cksum, features2, pubtime), ETag and
//! 304, downloads byte for byte, yank overlay, search, owners (kept, and binding new versions, yanks
//! and owner changes), and every refusal (lying lengths, a
//! `.crate` that is not one, a manifest disagreeing with the metadata, colliding names, a version
//! published again) answered in cargo's `{"errors":[{"detail"}]}` and leaving nothing. Real cargo:
//! cargo_clients.rs.

use crate::support::{Client, sha256, staged_files};
use arca_server::testing::TestServer;
use flate2::Compression;
use flate2::write::GzEncoder;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cargo/tests/fixtures").join(name);
    std::fs::read(path).unwrap()
}

/// `u32 LE ‖ JSON ‖ u32 LE ‖ .crate`, as cargo sends it.
pub(crate) fn publish_body(json: &[u8], krate: &[u8]) -> Vec<u8> {
    let len = |b: &[u8]| u32::try_from(b.len()).unwrap().to_le_bytes();
    [&len(json)[..], json, &len(krate)[..], krate].concat()
}

/// A tar entry (GNU header, as cargo writes them) for a regular file.
fn tar_file(path: &str, data: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..path.len()].copy_from_slice(path.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = b'0';
    h[257..265].copy_from_slice(b"ustar  \0");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

/// A gzipped tar of these regular files, as `cargo package` writes one.
pub(crate) fn gzip_tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar: Vec<u8> = files.iter().flat_map(|(path, data)| tar_file(path, data)).collect();
    tar.extend_from_slice(&[0u8; 1024]);
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

/// A `.crate` of `name` `version` whose Cargo.toml says `toml_name` `toml_version`.
fn crate_file(name: &str, version: &str, toml_name: &str, toml_version: &str) -> Vec<u8> {
    let root = format!("{name}-{version}");
    let toml = format!("[package]\nname = \"{toml_name}\"\nversion = \"{toml_version}\"\nedition = \"2021\"\n");
    gzip_tar(&[(&format!("{root}/Cargo.toml"), toml.as_bytes()), (&format!("{root}/src/lib.rs"), b"")])
}

fn metadata(name: &str, version: &str) -> Vec<u8> {
    json!({"name": name, "vers": version, "deps": [], "features": {}, "authors": [], "description": format!("{name}, for tests"),
           "keywords": [], "categories": [], "badges": {}, "links": null, "rust_version": null})
    .to_string()
    .into_bytes()
}

pub(crate) fn body_of(name: &str, version: &str) -> Vec<u8> {
    publish_body(&metadata(name, version), &crate_file(name, version, name, version))
}

pub async fn cargo_repo(c: &Client, name: &str) {
    let r = c.http.post(c.url("/api/v1/repositories")).json(&json!({"name": name, "format": "cargo"})).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::CREATED);
}

async fn publish(c: &Client, repo: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let r = c.http.put(c.url(&format!("/cargo/{repo}/api/v1/crates/new"))).body(body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The refusal's detail, which must be there.
fn detail(answer: &Value) -> &str {
    answer["errors"][0]["detail"].as_str().unwrap_or_else(|| panic!("not a cargo error: {answer}"))
}

async fn packages(c: &Client, repo: &str) -> Value {
    c.get(&format!("/api/v1/repositories/{repo}/packages")).await.json::<Value>().await.unwrap()["packages"].clone()
}

#[tokio::test]
async fn a_captured_publish_is_indexed_and_downloaded_and_bad_bodies_leave_nothing() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(data.path(), |_| {}).await;
    let c = Client::new(&server);
    cargo_repo(&c, "rs").await;

    let config: Value = c.get("/cargo/rs/index/config.json").await.json().await.unwrap();
    let api = format!("{}/cargo/rs", server.url());
    assert_eq!(config, json!({"dl": format!("{api}/api/v1/crates"), "api": api, "auth-required": false}));
    assert_eq!(c.get("/cargo/rs/index/ar/ca/arca_demo").await.status(), StatusCode::NOT_FOUND);

    // Refused, each with a detail, nothing stored.
    let good = fixture("publish-arca_demo-0.3.0.bin");
    let krate = fixture("arca_demo-0.3.0.crate");
    let json_len = u32::from_le_bytes(good[..4].try_into().unwrap()) as usize;
    let json = good[4..4 + json_len].to_vec();
    let mut renamed: Value = serde_json::from_slice(&json).unwrap();
    renamed["vers"] = json!("0.3.1");
    let renamed = serde_json::to_vec(&renamed).unwrap();
    let lying_crate_len = [&good[..4 + json_len], &(krate.len() as u32 + 10).to_le_bytes()[..], &krate[..]].concat();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("a body cut short", good[..good.len() - 10].to_vec()),
        ("a .crate length longer than the body", lying_crate_len),
        ("bytes after the .crate", [&good[..], b"x"].concat()),
        ("a metadata length past the body", [&u32::MAX.to_le_bytes()[..], &good[4..]].concat()),
        ("a .crate that is not gzip", publish_body(&json, b"not a gzip tar at all")),
        ("metadata naming another version", publish_body(&renamed, &krate)),
        (
            "a Cargo.toml naming another crate",
            publish_body(&metadata("arca-x", "1.0.0"), &crate_file("arca-x", "1.0.0", "arca-y", "1.0.0")),
        ),
        (
            "a Cargo.toml naming another version",
            publish_body(&metadata("arca-x", "1.0.0"), &crate_file("arca-x", "1.0.0", "arca-x", "2.0.0")),
        ),
        ("metadata that is not JSON", publish_body(b"{nope", &krate)),
    ];
    for (why, body) in cases {
        let (status, answer) = publish(&c, "rs", body).await;
        assert!(status.is_client_error(), "{why}: {status} {answer}");
        assert!(!detail(&answer).is_empty(), "{why}");
    }
    assert_eq!(packages(&c, "rs").await, json!([]), "nothing was published");
    assert_eq!(staged_files(data.path()), Vec::<String>::new(), "no upload of a refused body is left staged");
    assert_eq!(c.get("/cargo/rs/index/ar/ca/arca_demo").await.status(), StatusCode::NOT_FOUND);

    // Published: the answer cargo expects, then the index line.
    let (status, answer) = publish(&c, "rs", good.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({"warnings": {"invalid_categories": [], "invalid_badges": [], "other": []}}));
    let r = c.get("/cargo/rs/index/ar/ca/arca_demo").await;
    assert_eq!(r.status(), StatusCode::OK);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let file = r.text().await.unwrap();
    assert_eq!(file.lines().count(), 1, "{file}");
    let line: Value = serde_json::from_str(file.trim_end()).unwrap();
    assert_eq!(line["name"], "arca_demo");
    assert_eq!(line["vers"], "0.3.0");
    assert_eq!(line["cksum"], sha256(&krate).trim_start_matches("sha256:"), "computed by the server");
    assert_eq!(line["rust_version"], "1.70");
    assert_eq!(line["links"], "arcademo");
    assert_eq!(line["v"], 2);
    assert_eq!(line["features2"]["serde"], json!(["dep:serde", "log?/std"]));
    assert_eq!(line["yanked"], false);
    let renamed_dep = line["deps"].as_array().unwrap().iter().find(|d| d["name"] == "rng").unwrap();
    assert_eq!(renamed_dep["package"], "rand_core");
    let pubtime = line["pubtime"].as_str().unwrap();
    assert!(arca_cargo::Pubtime::parse(pubtime).is_some() && pubtime.len() == 20, "{pubtime}");

    // Revalidation: 304 while unchanged.
    let again =
        c.http.get(c.url("/cargo/rs/index/ar/ca/arca_demo")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // Download from the dl URL config.json names, byte for byte.
    let dl = format!("{}/arca_demo/0.3.0/download", config["dl"].as_str().unwrap());
    let bytes = c.http.get(&dl).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), krate.as_slice());
    assert_eq!(c.get("/cargo/rs/api/v1/crates/arca_demo/9.9.9/download").await.status(), StatusCode::NOT_FOUND);

    // The same version again is refused; nothing changes.
    let (status, answer) = publish(&c, "rs", good).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(detail(&answer).contains("already uploaded"), "{answer}");

    // Yank: the line says so at once (a new ETag), and unyank takes it back.
    let yank = c.http.delete(c.url("/cargo/rs/api/v1/crates/arca_demo/0.3.0/yank")).send().await.unwrap();
    assert_eq!((yank.status(), yank.json::<Value>().await.unwrap()), (StatusCode::OK, json!({"ok": true})));
    let r = c.http.get(c.url("/cargo/rs/index/ar/ca/arca_demo")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the ETag changed with the yank");
    let yanked: Value = serde_json::from_str(r.text().await.unwrap().trim_end()).unwrap();
    assert_eq!(yanked["yanked"], true);
    assert_eq!(yanked["cksum"], line["cksum"], "nothing else changes");
    let unyank =
        c.http.put(c.url("/cargo/rs/api/v1/crates/arca_demo/0.3.0/unyank")).header("content-type", "application/json");
    assert_eq!(unyank.send().await.unwrap().status(), StatusCode::OK);
    let r = c.http.get(c.url("/cargo/rs/index/ar/ca/arca_demo")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "unyanked: the first file again");

    // A version of any format: visible through the management API and as an OCI manifest.
    assert_eq!(packages(&c, "rs").await, json!([{"name": "arca_demo"}]));
    let versions: Value = c.get("/api/v1/repositories/rs/packages/arca_demo/versions").await.json().await.unwrap();
    assert_eq!(versions["versions"][0]["version"], "0.3.0", "{versions}");
    assert_eq!(versions["versions"][0]["artifact_type"], "application/vnd.arca.cargo.v1", "{versions}");
    let manifest: Value = c.get("/v2/rs/arca_demo/manifests/0.3.0").await.json().await.unwrap();
    assert_eq!(manifest["layers"][0]["digest"], sha256(&krate));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_first_publishes_of_two_spellings_leave_one() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    cargo_repo(&c, "rs").await;
    let mut racers = Vec::new();
    for i in 0..8 {
        let (name, version) =
            if i % 2 == 0 { ("Race-Crate", format!("1.0.{i}")) } else { ("race_crate", format!("2.0.{i}")) };
        let c = Client::new(&server);
        racers.push(tokio::spawn(async move { publish(&c, "rs", body_of(name, &version)).await.0 }));
    }
    let mut won = 0;
    for racer in racers {
        let status = racer.await.unwrap();
        assert!(status == StatusCode::OK || status == StatusCode::CONFLICT, "{status}");
        won += usize::from(status == StatusCode::OK);
    }
    let r = c.get("/cargo/rs/index/ra/ce/race-crate").await;
    let (index, other) = if r.status() == StatusCode::OK {
        (r.text().await.unwrap(), "\"race_crate\"")
    } else {
        (c.get("/cargo/rs/index/ra/ce/race_crate").await.text().await.unwrap(), "\"Race-Crate\"")
    };
    assert_eq!(index.lines().count(), won, "{index}");
    assert!(!index.contains(other), "one spelling only: {index}");
}

#[tokio::test]
async fn names_collide_as_on_crates_io_and_build_metadata_is_not_a_new_version() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    cargo_repo(&c, "rs").await;

    // The captured crate with build metadata: its index path is lower case, its dl URL keeps `+`.
    let (status, answer) = publish(&c, "rs", fixture("publish-Arca-Min-0.1.0+build.5.bin")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let file = c.get("/cargo/rs/index/ar/ca/arca-min").await.text().await.unwrap();
    let line: Value = serde_json::from_str(file.trim_end()).unwrap();
    assert_eq!((line["name"].as_str(), line["vers"].as_str()), (Some("Arca-Min"), Some("0.1.0+build.5")));
    let bytes = c.get("/cargo/rs/api/v1/crates/Arca-Min/0.1.0+build.5/download").await.bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), fixture("Arca-Min-0.1.0+build.5.crate").as_slice());
    // Another spelling is not served: cargo asks for `ar/ca/arca_min` when a manifest says so.
    assert_eq!(c.get("/cargo/rs/index/ar/ca/arca_min").await.status(), StatusCode::NOT_FOUND);

    // Another spelling of the crate is refused; so is the version with other build metadata.
    for (name, version, why) in [
        ("arca_min", "0.2.0", "`-` and `_` fold"),
        ("arca-min", "0.2.0", "case folds"),
        ("Arca-Min", "0.1.0", "build metadata is not a new version"),
        ("Arca-Min", "0.1.0+other", "other build metadata is not either"),
    ] {
        let (status, answer) = publish(&c, "rs", body_of(name, version)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{why}: {answer}");
        assert!(!detail(&answer).is_empty());
    }
    let versions: Value = c.get("/api/v1/repositories/rs/packages/arca_min/versions").await.json().await.unwrap();
    assert_eq!(versions["versions"].as_array().unwrap().len(), 1, "{versions}");

    // The same spelling publishes a new version; both are in the file, in version order.
    let (status, answer) = publish(&c, "rs", body_of("Arca-Min", "0.2.0")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let file = c.get("/cargo/rs/index/ar/ca/arca-min").await.text().await.unwrap();
    let versions: Vec<String> =
        file.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["vers"].as_str().unwrap().to_owned()).collect();
    assert_eq!(versions, ["0.1.0+build.5", "0.2.0"]);

    // Search finds it by any spelling, at its highest version; owners are its publishers.
    let found: Value = c.get("/cargo/rs/api/v1/crates?q=arca_MIN&per_page=5").await.json().await.unwrap();
    assert_eq!(
        found,
        json!({"crates": [{"name": "Arca-Min", "max_version": "0.2.0", "description": "Arca-Min, for tests"}], "meta": {"total": 1}})
    );
    let none: Value = c.get("/cargo/rs/api/v1/crates?q=nothing-like-it").await.json().await.unwrap();
    assert_eq!(none["meta"]["total"], 0);
    // Its first publisher owns it (anonymous, with authentication off); only arca users are added.
    let owners: Value = c.get("/cargo/rs/api/v1/crates/arca-min/owners").await.json().await.unwrap();
    assert_eq!(owners, json!({"users": [{"id": 1, "login": "anonymous", "name": null}]}));
    let add = c.http.put(c.url("/cargo/rs/api/v1/crates/arca-min/owners")).body(r#"{"users":["alice,bob"]}"#);
    let add = add.send().await.unwrap();
    assert_eq!(add.status(), StatusCode::NOT_FOUND);
    assert_eq!(detail(&add.json().await.unwrap()), "could not find user with login `alice`");
}

/// Who an owners test request acts as: arca users by password (cargo would send a token).
async fn as_user(
    http: &reqwest::Client,
    server: &TestServer,
    user: &str,
    method: reqwest::Method,
    path: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    use arca_server::auth::credentials::basic;
    let url = format!("{}/cargo/rs/{path}", server.url());
    let r = http.request(method, url).header("authorization", basic(user, crate::auth::USER_PASSWORD)).body(body);
    let r = r.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn owners_are_kept_and_bind_new_versions_yanks_and_owner_changes() {
    use arca_core::audit::Actor;
    use arca_core::auth::{Permission, Role};
    use reqwest::Method;
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = crate::auth::setup(dir.path()).await;
    let rs = arca_types::RepoName::parse("rs").unwrap();
    let repo = arca_core::registry::NewRepository::new(rs, arca_core::meta::Format::Cargo);
    app.registry.create_repository(repo, &Actor::system()).await.unwrap();
    for (user, role) in
        [("alice", Role::Publisher), ("bob", Role::Publisher), ("carol", Role::Admin), ("dave", Role::Reader)]
    {
        let grants = vec![Permission::role(role, "rs")];
        app.auth.add_user(&Actor::system(), user, Some(crate::auth::USER_PASSWORD), grants).await.unwrap();
    }
    drop(app);
    let server = TestServer::start_in(dir.path(), crate::auth::auth_settings).await;
    let http = reqwest::Client::new();
    let call = |user: &'static str, method: Method, path: &str, body: Vec<u8>| {
        let (http, server, path) = (&http, &server, path.to_owned());
        async move { as_user(http, server, user, method, &path, body).await }
    };
    let users = |logins: &[&str]| json!({ "users": logins }).to_string().into_bytes();
    let owners = || async {
        let (status, list) = call("bob", Method::GET, "api/v1/crates/arca-owned/owners", Vec::new()).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let logins: Vec<String> =
            list["users"].as_array().unwrap().iter().map(|u| u["login"].as_str().unwrap().to_owned()).collect();
        logins
    };
    const NEW: &str = "api/v1/crates/new";
    const OWNERS: &str = "api/v1/crates/arca-owned/owners";

    // The first publish makes its publisher the owner.
    assert_eq!(call("alice", Method::PUT, NEW, body_of("arca-owned", "1.0.0")).await.0, StatusCode::OK);
    assert_eq!(owners().await, ["alice"]);
    // Another publisher may neither publish a new version, nor yank, nor make themselves an owner:
    // 403, naming the owners and how to be added; nothing of the refused publish is staged.
    let (status, answer) = call("bob", Method::PUT, NEW, body_of("arca-owned", "1.1.0")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert!(detail(&answer).contains("owners: alice") && detail(&answer).contains("cargo owner --add bob"), "{answer}");
    assert!(staged_files(dir.path()).is_empty(), "nothing of the refused publish is left staged");
    let (status, answer) = call("bob", Method::DELETE, "api/v1/crates/arca-owned/1.0.0/yank", Vec::new()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(call("bob", Method::PUT, OWNERS, users(&["bob"])).await.0, StatusCode::FORBIDDEN);
    // Another spelling of the crate has the same owners.
    let (status, answer) = call("bob", Method::PUT, "api/v1/crates/Arca_Owned/owners", users(&["bob"])).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");

    // The owner adds arca users only, answered as crates.io answers.
    let (status, answer) = call("alice", Method::PUT, OWNERS, users(&["nobody"])).await;
    assert_eq!((status, detail(&answer)), (StatusCode::NOT_FOUND, "could not find user with login `nobody`"));
    let (status, answer) = call("alice", Method::PUT, OWNERS, users(&["bob"])).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({"ok": true, "msg": "user bob has been added as an owner of crate arca-owned"}));
    assert_eq!(owners().await, ["alice", "bob"]);
    // Now bob publishes and yanks.
    assert_eq!(call("bob", Method::PUT, NEW, body_of("arca-owned", "1.1.0")).await.0, StatusCode::OK);
    assert_eq!(call("bob", Method::DELETE, "api/v1/crates/arca-owned/1.0.0/yank", Vec::new()).await.0, StatusCode::OK);
    assert_eq!(call("bob", Method::PUT, "api/v1/crates/arca-owned/1.0.0/unyank", Vec::new()).await.0, StatusCode::OK);

    // Removing: never every owner, only owners; then the removed owner is refused.
    let (status, answer) = call("alice", Method::DELETE, OWNERS, users(&["alice", "bob"])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(detail(&answer).starts_with("cannot remove all individual owners of a crate"), "{answer}");
    assert_eq!(owners().await, ["alice", "bob"], "a refused removal removes nobody");
    let (status, answer) = call("alice", Method::DELETE, OWNERS, users(&["carol"])).await;
    assert_eq!((status, detail(&answer)), (StatusCode::BAD_REQUEST, "could not find owner with login `carol`"));
    let (status, answer) = call("bob", Method::DELETE, OWNERS, users(&["alice"])).await;
    assert_eq!((status, &answer), (StatusCode::OK, &json!({"ok": true, "msg": "owners successfully removed"})));
    assert_eq!(owners().await, ["bob"]);
    assert_eq!(call("alice", Method::PUT, NEW, body_of("arca-owned", "1.2.0")).await.0, StatusCode::FORBIDDEN);

    // An administrator of the repository acts without being an owner, and does not become one.
    assert_eq!(call("carol", Method::PUT, NEW, body_of("arca-owned", "1.2.0")).await.0, StatusCode::OK);
    assert_eq!(
        call("carol", Method::DELETE, "api/v1/crates/arca-owned/1.2.0/yank", Vec::new()).await.0,
        StatusCode::OK
    );
    assert_eq!(call("carol", Method::PUT, OWNERS, users(&["alice"])).await.0, StatusCode::OK);
    assert_eq!(owners().await, ["alice", "bob"]);
    // A reader may list owners but not change them (the route needs publish).
    assert_eq!(call("dave", Method::GET, OWNERS, Vec::new()).await.0, StatusCode::OK);
    assert_eq!(call("dave", Method::DELETE, OWNERS, users(&["bob"])).await.0, StatusCode::FORBIDDEN);

    // Every change is audited.
    let r = http.get(format!("{}/api/v1/audit?limit=500", server.url()));
    let r = r.header("authorization", arca_server::auth::credentials::basic("admin", crate::auth::ADMIN_PASSWORD));
    let audit: Value = r.send().await.unwrap().json().await.unwrap();
    let mut changes: Vec<[String; 3]> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().is_some_and(|a| a.starts_with("cargo.owner.")))
        .map(|e| {
            let field = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            [field("actor"), field("action"), field("detail")]
        })
        .collect();
    changes.sort();
    assert_eq!(
        changes,
        [
            ["alice", "cargo.owner.add", "bob"],
            ["bob", "cargo.owner.remove", "alice"],
            ["carol", "cargo.owner.add", "alice"]
        ]
    );
}

#[tokio::test]
async fn other_formats_refuse_crates_and_unknown_crates_are_404() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let r = c.http.post(c.url("/api/v1/repositories")).json(&json!({"name": "py", "format": "pypi"})).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::CREATED);
    let (status, answer) = publish(&c, "py", body_of("arca-x", "1.0.0")).await;
    assert!(status.is_client_error(), "{answer}");
    assert!(detail(&answer).contains("pypi"), "{answer}");
    assert_eq!(c.get("/cargo/py/index/config.json").await.status(), StatusCode::NOT_FOUND);
    cargo_repo(&c, "rs").await;
    let r = c.get("/cargo/rs/index/3/a/abc").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!detail(&r.json().await.unwrap()).is_empty());
    let yank = c.http.delete(c.url("/cargo/rs/api/v1/crates/abc/1.0.0/yank")).send().await.unwrap();
    assert_eq!(yank.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn auth_required_follows_what_anonymous_users_may_read() {
    use crate::auth::{ADMIN_PASSWORD, auth_settings};
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(data.path(), |s| {
        auth_settings(s);
        s.auth_anonymous_read = vec!["open".into()];
    })
    .await;
    let http = reqwest::Client::new();
    for name in ["open", "closed"] {
        let r = http.post(format!("{}/api/v1/repositories", server.url())).basic_auth("admin", Some(ADMIN_PASSWORD));
        let r = r.json(&json!({"name": name, "format": "cargo"})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    // Readable by anyone: auth-required is false, and search works without a token (as cargo sends it).
    let config: Value =
        http.get(format!("{}/cargo/open/index/config.json", server.url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(config["auth-required"], false);
    let search = http.get(format!("{}/cargo/open/api/v1/crates?q=x&per_page=5", server.url())).send().await.unwrap();
    assert_eq!(search.status(), StatusCode::OK);
    // Publishing still needs a token: 401 with cargo's challenge and a detail cargo prints.
    let r = http
        .put(format!("{}/cargo/open/api/v1/crates/new", server.url()))
        .body(body_of("arca-x", "1.0.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Cargo login_url=\""));
    assert!(!detail(&r.json().await.unwrap()).is_empty());
    // Not readable by anyone: 401 until a token comes; then auth-required is true.
    let r = http.get(format!("{}/cargo/closed/index/config.json", server.url())).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r =
        http.get(format!("{}/cargo/closed/index/config.json", server.url())).basic_auth("admin", Some(ADMIN_PASSWORD));
    let config: Value = r.send().await.unwrap().json().await.unwrap();
    assert_eq!(config["auth-required"], true);
}
