//! Real Python clients against a server with auth on: a project built with `python -m build`,
//! uploaded with twine (with and without `--skip-existing`), installed with pip and uv through an API
//! token, resolved through PEP 658 core metadata without downloading wheels (counted on `/metrics`),
//! and a yanked release skipped unless pinned. Needs twine, build, uv in the venv `.ci/run` makes
//! (`ARCA_TEST_PYTHON`, default `.ci/venv/bin/python`).

use crate::auth::{ADMIN_PASSWORD, auth_settings, setup};
use crate::support::{ok, run, text};
use arca_core::audit::Actor;
use arca_core::auth::Permission;
use arca_core::meta::Format;
use arca_core::registry::NewRepository;
use arca_server::testing::TestServer;
use arca_types::RepoName;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The Python of the test venv (see the module doc).
fn python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match std::env::var_os("ARCA_TEST_PYTHON") {
        Some(p) if !p.to_string_lossy().contains('/') => PathBuf::from(p),
        Some(p) => root.join(p),
        None => root.join(".ci/venv/bin/python"),
    }
}

struct Py {
    home: PathBuf,
}

/// twine 6.1, which allows `--skip-existing` for any index (6.2 and 7 only for pypi.org): `.ci/venv/twine6`
/// beside the venv's Python, or `ARCA_TEST_TWINE6`.
fn twine6() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::env::var_os("ARCA_TEST_TWINE6").map_or_else(|| root.join(".ci/venv/twine6"), |p| root.join(p))
}

impl Py {
    /// `python -m <module> <args>` with a private HOME and caches, no keyring, no config files.
    fn module(&self, module: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(python());
        cmd.arg("-m").arg(module).args(args).stdin(Stdio::null());
        cmd.env("HOME", &self.home)
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env("PIP_NO_INPUT", "1")
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
            .env("UV_CACHE_DIR", self.home.join("uv-cache"))
            .env("UV_NO_CONFIG", "1")
            .env_remove("PIP_INDEX_URL")
            .env_remove("UV_INDEX_URL");
        cmd
    }
}

/// Builds `name` at `version` (a wheel and an sdist) into `<dir>/dist-<name>-<version>`.
async fn build(py: &Py, dir: &Path, name: &str, version: &str, dependency: Option<&str>, payload: &str) -> PathBuf {
    let project = dir.join(format!("src-{name}-{version}-{}", payload.len()));
    let module = name.replace('-', "_");
    std::fs::create_dir_all(project.join(&module)).unwrap();
    let deps = dependency.map(|d| format!("\"{d}\"")).unwrap_or_default();
    std::fs::write(
        project.join("pyproject.toml"),
        format!(
            "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
             [project]\nname = \"{name}\"\nversion = \"{version}\"\nrequires-python = \">=3.8\"\n\
             dependencies = [{deps}]\n"
        ),
    )
    .unwrap();
    std::fs::write(project.join(&module).join("__init__.py"), format!("VALUE = {payload:?}\n")).unwrap();
    let out = project.join("dist");
    let mut cmd = py.module("build", &["--no-isolation", "--outdir", out.to_str().unwrap(), project.to_str().unwrap()]);
    cmd.current_dir(&project);
    ok(cmd).await;
    out
}

fn dist_files(dist: &Path) -> Vec<String> {
    let mut files: Vec<String> =
        std::fs::read_dir(dist).unwrap().map(|e| e.unwrap().path().to_str().unwrap().to_owned()).collect();
    files.sort();
    files
}

/// How many requests of a route class `/metrics` counted (any status).
async fn requests(server: &TestServer, class: &str) -> u64 {
    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", server.url()))
        .basic_auth("admin", Some(ADMIN_PASSWORD))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("arca_http_requests_total{{class=\"{class}\",");
    metrics.lines().filter(|l| l.starts_with(&prefix)).filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twine_pip_and_uv_publish_and_install_through_an_api_token() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = setup(dir.path()).await;
    let repo = RepoName::parse("pyrepo").unwrap();
    app.registry.create_repository(NewRepository::new(repo, Format::Pypi), &Actor::system()).await.unwrap();
    let scopes = vec![Permission::parse("pyrepo:read,publish").unwrap()];
    let admin = Permission::parse("*:admin").unwrap();
    app.auth.add_user(&Actor::system(), "ci", Some("ci-password-for-tests"), vec![admin]).await.unwrap();
    let token = app.auth.create_token(&Actor::system(), "ci", "ci", scopes, None).await.unwrap().text;
    drop(app);
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let py = Py { home: dir.path().join("home") };
    std::fs::create_dir_all(&py.home).unwrap();
    let upload_url = format!("{}/pypi/pyrepo/legacy/", server.url());
    let index = format!("http://__token__:{token}@{}/pypi/pyrepo/simple/", server.host());
    let twine = |files: &[String], extra: &[&str]| {
        let mut args = vec!["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", &upload_url];
        args.extend(["-u", "__token__", "-p", &token]);
        args.extend(extra);
        args.extend(files.iter().map(String::as_str));
        let mut cmd = py.module("twine", &args);
        if extra.contains(&"--skip-existing") {
            cmd.env("PYTHONPATH", twine6());
        }
        cmd
    };

    // twine uploads a wheel and an sdist; the same files again are accepted unchanged.
    let lib = dist_files(&build(&py, dir.path(), "arca-demo-lib", "1.0.0", None, "one").await);
    assert_eq!(lib.len(), 2, "{lib:?}");
    ok(twine(&lib, &[])).await;
    ok(twine(&lib, &[])).await;
    // Other bytes under the same file names: refused, unless --skip-existing (twine 6.1: 6.2 and 7 refuse
    // the flag itself for any index but pypi.org).
    let rebuilt = dist_files(&build(&py, dir.path(), "arca-demo-lib", "1.0.0", None, "other bytes").await);
    let refused = run(twine(&rebuilt, &[])).await;
    assert!(!refused.status.success(), "different bytes must be refused");
    assert!(text(&refused).contains("already exist"), "{}", text(&refused));
    ok(twine(&rebuilt, &["--skip-existing"])).await;
    // A wrong token is refused.
    let mut wrong = py.module("twine", &["upload", "--non-interactive", "--repository-url", &upload_url]);
    wrong.args(["-u", "__token__", "-p", "arca_wrong_token", &lib[0]]);
    assert!(!run(wrong).await.status.success());

    // pip download gets the very bytes twine sent.
    let downloads = dir.path().join("downloads");
    let d = downloads.to_str().unwrap();
    ok(py.module("pip", &["download", "--no-deps", "--index-url", &index, "-d", d, "arca-demo-lib==1.0.0"])).await;
    let wheel = lib.iter().find(|f| f.ends_with(".whl")).unwrap();
    let got = downloads.join(Path::new(wheel).file_name().unwrap());
    assert_eq!(std::fs::read(&got).unwrap(), std::fs::read(wheel).unwrap(), "byte for byte");

    // An app depending on the library: pip resolves through core metadata without fetching wheels.
    let app_dist =
        dist_files(&build(&py, dir.path(), "arca-demo-app", "0.1.0", Some("arca-demo-lib>=1.0"), "app").await);
    ok(twine(&app_dist, &[])).await;
    let (files_before, metadata_before) =
        (requests(&server, "pypi_file").await, requests(&server, "pypi_metadata").await);
    let report = dir.path().join("report.json");
    let dry =
        ["install", "--dry-run", "--ignore-installed", "--report", report.to_str().unwrap(), "--index-url", &index];
    ok(py.module("pip", &[&dry[..], &["arca-demo-app"]].concat())).await;
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let resolved: Vec<&str> =
        report["install"].as_array().unwrap().iter().filter_map(|i| i["metadata"]["name"].as_str()).collect();
    assert!(resolved.contains(&"arca-demo-lib") && resolved.contains(&"arca-demo-app"), "{resolved:?}");
    assert_eq!(requests(&server, "pypi_file").await, files_before, "no wheel downloaded to resolve");
    assert!(requests(&server, "pypi_metadata").await >= metadata_before + 2, "both resolved from .metadata");

    // pip and uv install the app and its dependency.
    let target = dir.path().join("pip-target");
    ok(py.module("pip", &["install", "--index-url", &index, "--target", target.to_str().unwrap(), "arca-demo-app"]))
        .await;
    assert!(target.join("arca_demo_lib/__init__.py").exists() && target.join("arca_demo_app/__init__.py").exists());
    let uv_target = dir.path().join("uv-target");
    let uv = ["pip", "install", "--index-url", &index, "--target", uv_target.to_str().unwrap(), "arca-demo-app"];
    ok(py.module("uv", &uv)).await;
    assert!(uv_target.join("arca_demo_lib/__init__.py").exists(), "uv installed the dependency");

    // A yanked release is skipped unless pinned (PEP 592).
    let newer = dist_files(&build(&py, dir.path(), "arca-demo-lib", "2.0.0", None, "two").await);
    ok(twine(&newer, &[])).await;
    let props = format!("{}/api/v1/repositories/pyrepo/packages/arca-demo-lib/versions/2.0.0/properties", server.url());
    let yank = serde_json::json!({"properties": {"pypi.yanked": "broken"}});
    let r = reqwest::Client::new()
        .patch(props)
        .basic_auth("ci", Some("ci-password-for-tests"))
        .json(&yank)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let latest = dir.path().join("latest");
    let l = latest.to_str().unwrap();
    ok(py.module("pip", &["download", "--no-deps", "--index-url", &index, "-d", l, "arca-demo-lib"])).await;
    let names: Vec<String> =
        std::fs::read_dir(&latest).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(names.iter().all(|n| n.contains("1.0.0")), "the yanked 2.0.0 is skipped: {names:?}");
    let pinned = dir.path().join("pinned");
    let p = pinned.to_str().unwrap();
    ok(py.module("pip", &["download", "--no-deps", "--index-url", &index, "-d", p, "arca-demo-lib==2.0.0"])).await;
    assert_eq!(std::fs::read_dir(&pinned).unwrap().count(), 1, "a pinned yanked release still installs");
}
