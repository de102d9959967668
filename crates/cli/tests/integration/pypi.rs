//! A PyPI release through the CLI against `arca serve`: uploaded as twine sends it (the fields twine
//! 7.0.0 sent for the fixture wheel, captured), seen by `arca ls`, `arca info` and `arca search`, and
//! yanked and un-yanked with `arca yank` (PEP 592 on the JSON page); its status set with `arca
//! package-status` (PEP 792).

use crate::harness::{Registry, arca, http, workspace_root};
use serde_json::Value;
use std::io::Write;
use std::process::Output;

fn client(registry: &Registry, args: &[&str]) -> Output {
    arca().arg("--server").arg(registry.url()).args(args).output().expect("run arca")
}

fn ok(registry: &Registry, args: &[&str]) -> String {
    let out = client(registry, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "arca {args:?}: {}\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    stdout
}

/// The fixture wheel uploaded with the very fields twine sent for it.
fn upload_fixture(registry: &Registry) {
    let fixtures = workspace_root().join("crates/pypi/tests/fixtures");
    let wheel_name = "arca_demo-1.0.post1-py3-none-any.whl";
    let wheel = std::fs::read(fixtures.join(wheel_name)).unwrap();
    let fields: Vec<(String, String)> =
        serde_json::from_slice(&std::fs::read(fixtures.join("twine-7.0.0-wheel-fields.json")).unwrap()).unwrap();
    let boundary = "cli-test-boundary";
    let mut body = Vec::new();
    for (name, value) in &fields {
        write!(body, "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").unwrap();
    }
    write!(body, "--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; filename=\"{wheel_name}\"\r\n\r\n")
        .unwrap();
    body.extend_from_slice(&wheel);
    write!(body, "\r\n--{boundary}--\r\n").unwrap();
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let (status, head, answer) =
        http(registry.host(), "POST", "/pypi/py/legacy/", &[("Content-Type", &content_type)], &body);
    assert_eq!(status, 200, "{head}\n{}", String::from_utf8_lossy(&answer));
}

fn yanked(registry: &Registry) -> Value {
    let accept = [("Accept", "application/vnd.pypi.simple.v1+json")];
    let (status, _, body) = http(registry.host(), "GET", "/pypi/py/simple/arca-demo/", &accept, b"");
    assert_eq!(status, 200);
    let page: Value = serde_json::from_slice(&body).unwrap();
    page["files"][0]["yanked"].clone()
}

#[test]
fn a_pypi_release_is_listed_searched_and_yanked_by_the_cli() {
    let registry = Registry::serve(&[]);
    ok(&registry, &["repo", "create", "py", "--format", "pypi"]);
    upload_fixture(&registry);

    assert!(ok(&registry, &["ls", "py"]).contains("arca-demo"), "the project is listed");
    let info = ok(&registry, &["info", "py/arca-demo@1.0.post1"]);
    assert!(info.contains("arca_demo-1.0.post1-py3-none-any.whl"), "{info}");
    let found = ok(&registry, &["search", "--package", "arca-demo", "--output", "json"]);
    assert!(found.contains("application/vnd.arca.pypi.v1"), "{found}");

    assert_eq!(yanked(&registry), Value::Bool(false));
    // Any spelling of the name and version (PEP 503, PEP 440) addresses the release.
    ok(&registry, &["yank", "py/Arca_Demo@1.0-1", "--reason", "broken on Windows"]);
    assert_eq!(yanked(&registry), Value::String("broken on Windows".into()));
    ok(&registry, &["yank", "py/arca-demo@1.0.post1", "--undo"]);
    assert_eq!(yanked(&registry), Value::Bool(false));
    let refused = client(&registry, &["yank", "py/arca-demo@9.9"]);
    assert!(!refused.status.success(), "an unknown release cannot be yanked");
}

#[test]
fn a_project_status_is_shown_and_set_by_the_cli() {
    let registry = Registry::serve(&[]);
    ok(&registry, &["repo", "create", "py", "--format", "pypi"]);
    upload_fixture(&registry);
    assert_eq!(ok(&registry, &["package-status", "py/Arca_Demo"]).trim(), "py/Arca_Demo: active");
    let set = ok(&registry, &["package-status", "py/Arca_Demo", "deprecated", "--reason", "use arca-demo2"]);
    assert_eq!(set.trim(), "py/Arca_Demo: deprecated (use arca-demo2)");
    let accept = [("Accept", "application/vnd.pypi.simple.v1+json")];
    let (_, _, body) = http(registry.host(), "GET", "/pypi/py/simple/arca-demo/", &accept, b"");
    let page: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(page["project-status"], serde_json::json!({"status": "deprecated", "reason": "use arca-demo2"}));
    let refused = client(&registry, &["package-status", "py/arca-demo", "retired"]);
    assert!(!refused.status.success(), "not a PEP 792 status");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown variant"), "{refused:?}");
}
