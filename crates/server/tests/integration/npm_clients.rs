//! The real npm client against a server with auth on: `npm login`'s CouchDB request issues a token;
//! `npm publish` (unscoped, and scoped with a dist-tag), `npm view`, `npm whoami`, `npm dist-tag`,
//! `npm deprecate`; a project with a lockfile installs identically twice (`npm install`, `npm ci`);
//! registry signatures verify against `/-/npm/v1/keys`; `npm audit` answers from imported OSV
//! advisories, offline. Needs node and npm (on the machine; `.ci/run` checks them).

use crate::auth::{ADMIN_PASSWORD, auth_settings, setup};
use crate::support::{ok, run, text};
use arca_core::audit::Actor;
use arca_core::auth::Permission;
use arca_core::meta::Format;
use arca_core::registry::NewRepository;
use arca_server::testing::TestServer;
use arca_types::RepoName;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CI_PASSWORD: &str = "ci-password-for-npm-tests";

/// What `npm audit signatures` does for registry signatures (npm/lib/utils/verify-signatures.js
/// after its TUF lookup falls back to the registry's keys): fetch `/-/npm/v1/keys`, then ask npm's
/// pacote for each manifest with `verifySignatures`. `key` = `stranger` swaps in another key.
/// Arguments: npm's directory, the registry URL, a token, `registry|stranger`, specs.
const VERIFY_SIGNATURES: &str = r#"
const [npmDir, registry, token, key, ...specs] = process.argv.slice(2)
const pacote = require(`${npmDir}/node_modules/pacote`)
const fetch = require(`${npmDir}/node_modules/npm-registry-fetch`)
const crypto = require('crypto')
const url = new URL(registry)
const regKey = `//${url.host}${url.pathname}`
const opts = { registry, [`${regKey}:_authToken`]: token }
const pem = (k) => `-----BEGIN PUBLIC KEY-----\n${k}\n-----END PUBLIC KEY-----`
;(async () => {
  let { keys } = await fetch.json('/-/npm/v1/keys', opts)
  if (key === 'stranger') {
    const { publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
    keys = keys.map((k) => ({ ...k, key: der }))
  }
  keys = keys.map((k) => ({ ...k, pemkey: pem(k.key) }))
  for (const spec of specs) {
    const m = await pacote.manifest(spec, { ...opts, verifySignatures: true, [`${regKey}:_keys`]: keys })
    console.log(`verified registry signature of ${m._id}`)
  }
})().catch((e) => { console.error(e.code, e.message); process.exit(1) })
"#;

struct Npm {
    home: PathBuf,
    registry: String,
}

impl Npm {
    /// `npm <args>` in `dir`, with a private HOME, cache and user config naming only arca.
    fn cmd(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new("npm");
        cmd.args(args).current_dir(dir).stdin(Stdio::null());
        cmd.env("HOME", &self.home)
            .env("npm_config_userconfig", self.home.join(".npmrc"))
            .env("npm_config_cache", self.home.join("npm-cache"))
            .env("npm_config_registry", &self.registry)
            .env("npm_config_update_notifier", "false")
            .env("npm_config_fund", "false")
            .env("npm_config_audit", "false")
            .env_remove("NODE_OPTIONS");
        cmd
    }
}

fn package(dir: &Path, name: &str, version: &str, extra: Value) -> PathBuf {
    let path = dir.join(format!("pkg-{}-{version}", name.replace('/', "-")));
    std::fs::create_dir_all(&path).unwrap();
    let mut manifest = json!({ "name": name, "version": version, "main": "index.js", "description": "an arca test" });
    if let (Some(m), Some(e)) = (manifest.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    std::fs::write(path.join("package.json"), serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    std::fs::write(path.join("index.js"), format!("module.exports = {:?};\n", format!("{name}@{version}"))).unwrap();
    path
}

/// A server with auth on and an npm repository `js` in which `ci` may do `grants`.
async fn server_with_ci(dir: &Path, grants: &str) -> TestServer {
    let (app, _) = setup(dir).await;
    let repo = RepoName::parse("js").unwrap();
    app.registry.create_repository(NewRepository::new(repo, Format::Npm), &Actor::system()).await.unwrap();
    let grants = vec![Permission::parse(grants).unwrap()];
    app.auth.add_user(&Actor::system(), "ci", Some(CI_PASSWORD), grants).await.unwrap();
    drop(app);
    TestServer::start_in(dir, auth_settings).await
}

/// `npm login --auth-type=legacy` as `ci` (that request: the password for a token), and an npm
/// configured with the token.
async fn login_as_ci(server: &TestServer, dir: &Path) -> (Npm, String) {
    let registry = format!("{}/npm/js/", server.url());
    let login = format!("{registry}-/user/org.couchdb.user:ci");
    let body =
        json!({"_id": "org.couchdb.user:ci", "name": "ci", "password": CI_PASSWORD, "type": "user", "roles": []});
    let r = reqwest::Client::new().put(&login).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let token = r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let npm = Npm { home: dir.join("home"), registry };
    std::fs::create_dir_all(&npm.home).unwrap();
    let auth_line = format!("//{}/npm/js/:_authToken={token}\n", server.host());
    std::fs::write(npm.home.join(".npmrc"), auth_line).unwrap();
    (npm, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_publishes_installs_tags_deprecates_and_audits_through_a_login_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_ci(dir.path(), "js:read,publish").await;
    let http = reqwest::Client::new();
    let registry = format!("{}/npm/js/", server.url());

    let wrong = json!({"name": "ci", "password": "wrong"});
    let login = format!("{registry}-/user/org.couchdb.user:ci");
    assert_eq!(http.put(&login).json(&wrong).send().await.unwrap().status(), 401);
    let (npm, token) = login_as_ci(&server, dir.path()).await;
    let here = dir.path();
    assert_eq!(ok(npm.cmd(here, &["whoami"])).await.trim(), "ci");

    // Publish: unscoped, then scoped with a dist-tag; the same version again is refused (403).
    let lib = package(here, "arca-npm-lib", "1.0.0", json!({}));
    ok(npm.cmd(&lib, &["publish"])).await;
    let again = run(npm.cmd(&lib, &["publish"])).await;
    assert!(!again.status.success(), "a version is published once");
    assert!(text(&again).contains("cannot publish over the previously published versions"), "{}", text(&again));
    let scoped = package(here, "@arca/util", "2.0.0-beta.1", json!({"dependencies": {"arca-npm-lib": "^1.0.0"}}));
    ok(npm.cmd(&scoped, &["publish", "--tag", "beta", "--access", "public"])).await;
    let newer = package(here, "arca-npm-lib", "1.1.0", json!({}));
    ok(npm.cmd(&newer, &["publish"])).await;

    let shown = ok(npm.cmd(here, &["view", "arca-npm-lib", "--json"])).await;
    let view: Value = serde_json::from_str(&shown).unwrap_or_else(|e| panic!("{e}: {shown:?}"));
    assert_eq!(view["dist-tags"]["latest"], "1.1.0");
    assert_eq!(view["versions"], json!(["1.0.0", "1.1.0"]));
    assert!(view["dist"]["integrity"].as_str().unwrap().starts_with("sha512-"));
    assert_eq!(view["dist"]["signatures"][0]["keyid"].as_str().unwrap().len(), "SHA256:".len() + 43);
    let view: Value = serde_json::from_str(&ok(npm.cmd(here, &["view", "@arca/util", "--json"])).await).unwrap();
    assert_eq!(view["dist-tags"]["beta"], "2.0.0-beta.1");

    // dist-tags and deprecation.
    ok(npm.cmd(here, &["dist-tag", "add", "arca-npm-lib@1.0.0", "stable"])).await;
    let tags = ok(npm.cmd(here, &["dist-tag", "ls", "arca-npm-lib"])).await;
    assert!(tags.contains("stable: 1.0.0") && tags.contains("latest: 1.1.0"), "{tags}");
    ok(npm.cmd(here, &["dist-tag", "rm", "arca-npm-lib", "stable"])).await;
    assert!(!ok(npm.cmd(here, &["dist-tag", "ls", "arca-npm-lib"])).await.contains("stable"));
    ok(npm.cmd(here, &["deprecate", "arca-npm-lib@1.0.0", "use 1.1"])).await;
    let deprecated = ok(npm.cmd(here, &["view", "arca-npm-lib@1.0.0", "deprecated"])).await;
    assert_eq!(deprecated.trim(), "use 1.1");

    // A project with a lockfile installs, then installs identically again from the lockfile.
    let app_dir = package(here, "arca-npm-app", "0.0.1", json!({"dependencies": {"@arca/util": "2.0.0-beta.1"}}));
    ok(npm.cmd(&app_dir, &["install"])).await;
    let lock = std::fs::read_to_string(app_dir.join("package-lock.json")).unwrap();
    assert!(lock.contains("/npm/js/arca-npm-lib/-/arca-npm-lib-1.1.0.tgz"), "resolved from arca: {lock}");
    std::fs::remove_dir_all(app_dir.join("node_modules")).unwrap();
    ok(npm.cmd(&app_dir, &["ci"])).await;
    assert_eq!(std::fs::read_to_string(app_dir.join("package-lock.json")).unwrap(), lock, "the same lockfile");
    let loaded =
        Command::new("node").arg("-e").arg("console.log(require('arca-npm-lib'))").current_dir(&app_dir).output();
    assert_eq!(String::from_utf8_lossy(&loaded.unwrap().stdout).trim(), "arca-npm-lib@1.1.0");

    // Registry signatures verify against the keys the registry publishes, the way `npm audit
    // signatures` checks them (its own pacote and npm-registry-fetch, its key handling); the command
    // itself first fetches Sigstore's TUF root from the internet, which this machine cannot reach.
    let script = here.join("verify.js");
    std::fs::write(&script, VERIFY_SIGNATURES).unwrap();
    let npm_root = String::from_utf8(Command::new("npm").args(["root", "-g"]).output().unwrap().stdout).unwrap();
    let npm_dir = format!("{}/npm", npm_root.trim());
    let verify = |key: &str| {
        let mut cmd = Command::new("node");
        cmd.arg(&script).args([npm_dir.as_str(), registry.as_str(), token.as_str(), key]);
        cmd.args(["arca-npm-lib@1.1.0", "@arca/util@2.0.0-beta.1"]).current_dir(here);
        cmd
    };
    let verified = ok(verify("registry")).await;
    assert!(verified.contains("verified registry signature of arca-npm-lib@1.1.0"), "{verified}");
    assert!(verified.contains("verified registry signature of @arca/util@2.0.0-beta.1"), "{verified}");
    let stranger = run(verify("stranger")).await;
    assert!(!stranger.status.success() && text(&stranger).contains("EINTEGRITYSIGNATURE"), "{}", text(&stranger));

    // npm audit, offline, from an OSV advisory imported into arca.
    let advisory = json!({
        "id": "GHSA-arca-test-0001", "modified": "2026-11-01T00:00:00Z", "summary": "arca-npm-lib leaks",
        "affected": [{"package": {"ecosystem": "npm", "name": "arca-npm-lib"},
                      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.0"}]}]}],
        "database_specific": {"severity": "HIGH"}
    });
    let r = http
        .post(format!("{}/api/v1/advisories", server.url()))
        .basic_auth("admin", Some(ADMIN_PASSWORD))
        .json(&json!([advisory]))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let audit = run(npm.cmd(&app_dir, &["audit", "--json"])).await;
    let report: Value = serde_json::from_slice(&audit.stdout).unwrap_or_else(|_| panic!("{}", text(&audit)));
    assert_eq!(report["vulnerabilities"]["arca-npm-lib"]["severity"], "high", "{report}");
}

/// `npm unpublish` is refused (E405) while the repository keeps versions immutable; once it allows
/// unpublishing, `pkg@version` removes the version (latest moves back), the version can never be
/// published again, and `--force` removes the package.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_unpublishes_only_where_the_repository_allows_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_ci(dir.path(), "js:read,publish,delete").await;
    let (npm, _) = login_as_ci(&server, dir.path()).await;
    let here = dir.path();
    for version in ["1.0.0", "1.1.0"] {
        ok(npm.cmd(&package(here, "arca-npm-gone", version, json!({})), &["publish"])).await;
    }

    let refused = run(npm.cmd(here, &["unpublish", "arca-npm-gone@1.1.0"])).await;
    assert!(!refused.status.success(), "immutable by default");
    assert!(text(&refused).contains("E405") && text(&refused).contains("immutable"), "{}", text(&refused));

    let policy = reqwest::Client::new()
        .patch(format!("{}/api/v1/repositories/js", server.url()))
        .basic_auth("admin", Some(ADMIN_PASSWORD))
        .json(&json!({"allow_unpublish": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(policy.status(), 200);
    assert_eq!(policy.json::<Value>().await.unwrap()["allow_unpublish"], true);

    ok(npm.cmd(here, &["unpublish", "arca-npm-gone@1.1.0"])).await;
    let view: Value = serde_json::from_str(&ok(npm.cmd(here, &["view", "arca-npm-gone", "--json"])).await).unwrap();
    assert_eq!(view["versions"], json!(["1.0.0"]));
    assert_eq!(view["dist-tags"]["latest"], "1.0.0", "latest moved back");
    let tarball = format!("{}/npm/js/arca-npm-gone/-/arca-npm-gone-1.1.0.tgz", server.url());
    let fetched = reqwest::Client::new().get(&tarball).basic_auth("admin", Some(ADMIN_PASSWORD)).send().await;
    assert_eq!(fetched.unwrap().status(), 404);
    let again = run(npm.cmd(&package(here, "arca-npm-gone", "1.1.0", json!({"description": "other"})), &["publish"]));
    let again = again.await;
    assert!(!again.status.success(), "an unpublished version is never published again");
    assert!(text(&again).contains("cannot publish over the previously published versions"), "{}", text(&again));

    ok(npm.cmd(here, &["unpublish", "arca-npm-gone", "--force"])).await;
    let gone = run(npm.cmd(here, &["view", "arca-npm-gone", "--json"])).await;
    assert!(!gone.status.success() && text(&gone).contains("E404"), "{}", text(&gone));
}
