//! The PyPI index over HTTP: legacy uploads as twine sends them (multipart, sha256_digest), the
//! simple API in HTML and JSON with core metadata, releases that grow a file per upload, names that
//! are never reused, yanking, and every refusal leaving nothing behind. Real clients: pypi_clients.rs.

use crate::support::{Client, sha256};
use arca_server::testing::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write;

/// A wheel of `dist` (the file-name spelling, `_` for `-`) at `version`, whose METADATA says
/// `meta_name`/`meta_version`, with `payload` as its module.
pub fn wheel_as(dist: &str, version: &str, meta_name: &str, meta_version: &str, payload: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let info = format!("{dist}-{version}.dist-info");
    let files = [
        (format!("{}/__init__.py", dist.to_lowercase()), payload.to_owned()),
        (
            format!("{info}/METADATA"),
            format!(
                "Metadata-Version: 2.1\nName: {meta_name}\nVersion: {meta_version}\nSummary: a test\n\
                 Requires-Python: >=3.8\n\nlong description\n"
            ),
        ),
        (
            format!("{info}/WHEEL"),
            "Wheel-Version: 1.0\nGenerator: arca-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n".into(),
        ),
        (format!("{info}/RECORD"), String::new()),
    ];
    for (name, body) in files {
        zip.start_file(name, options).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

pub fn wheel(dist: &str, version: &str, payload: &str) -> Vec<u8> {
    wheel_as(dist, version, &dist.replace('_', "-"), version, payload)
}

pub fn wheel_name(dist: &str, version: &str) -> String {
    format!("{dist}-{version}-py3-none-any.whl")
}

/// A multipart body as twine builds it: text fields first, then the `content` file part.
pub fn form(fields: &[(&str, &str)], filename: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "arca-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, value) in fields {
        write!(body, "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").unwrap();
    }
    write!(
        body,
        "--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; filename=\"{filename}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .unwrap();
    body.extend_from_slice(content);
    write!(body, "\r\n--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The fields twine sends for a wheel or an sdist.
pub fn twine_fields<'a>(name: &'a str, version: &'a str, sha: &'a str, sdist: bool) -> Vec<(&'a str, &'a str)> {
    vec![
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("name", name),
        ("version", version),
        ("filetype", if sdist { "sdist" } else { "bdist_wheel" }),
        ("pyversion", if sdist { "source" } else { "py3" }),
        ("metadata_version", "2.1"),
        ("summary", "a test"),
        ("requires_python", ">=3.8"),
        ("sha256_digest", sha),
    ]
}

pub async fn upload(
    c: &Client,
    repo: &str,
    fields: &[(&str, &str)],
    filename: &str,
    content: &[u8],
) -> reqwest::Response {
    let (content_type, body) = form(fields, filename, content);
    let url = c.url(&format!("/pypi/{repo}/legacy/"));
    c.http.post(url).header("content-type", content_type).body(body).send().await.unwrap()
}

async fn upload_wheel(c: &Client, repo: &str, dist: &str, version: &str, payload: &str) -> reqwest::Response {
    let bytes = wheel(dist, version, payload);
    let sha = sha256(&bytes)["sha256:".len()..].to_owned();
    let name = dist.replace('_', "-");
    upload(c, repo, &twine_fields(&name, version, &sha, false), &wheel_name(dist, version), &bytes).await
}

async fn pypi_repo(c: &Client, name: &str) {
    let r = c.http.post(c.url("/api/v1/repositories")).json(&json!({"name": name, "format": "pypi"})).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::CREATED);
}

async fn project_json(c: &Client, repo: &str, project: &str) -> Value {
    let url = c.url(&format!("/pypi/{repo}/simple/{project}/"));
    let r = c.http.get(url).header("accept", "application/vnd.pypi.simple.v1+json").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/vnd.pypi.simple.v1+json");
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_wheel_uploads_lists_and_downloads_with_its_core_metadata() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    pypi_repo(&c, "py").await;
    let bytes = wheel("Arca_Demo", "1.0", "x = 1\n");
    let r = upload_wheel(&c, "py", "Arca_Demo", "1.0", "x = 1\n").await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

    let html = c.get("/pypi/py/simple/").await.text().await.unwrap();
    assert!(html.contains("arca-demo"), "{html}");
    let page = project_json(&c, "py", "arca-demo").await;
    assert_eq!(page["meta"]["api-version"], "1.4");
    assert_eq!(page["name"], "arca-demo");
    assert_eq!(page["versions"], json!(["1.0"]));
    let file = &page["files"][0];
    assert_eq!(file["filename"], wheel_name("Arca_Demo", "1.0"));
    assert_eq!(file["hashes"]["sha256"], &sha256(&bytes)["sha256:".len()..]);
    assert_eq!(file["size"], bytes.len());
    assert_eq!(file["requires-python"], ">=3.8");
    assert!(file["upload-time"].as_str().unwrap().ends_with('Z'));
    let metadata_sha = file["core-metadata"]["sha256"].as_str().expect("core metadata advertised").to_owned();

    // URLs are relative to the project page.
    let url =
        reqwest::Url::parse(&c.url("/pypi/py/simple/arca-demo/")).unwrap().join(file["url"].as_str().unwrap()).unwrap();
    let got = c.http.get(url.clone()).send().await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), bytes.as_slice(), "byte for byte");
    let metadata = c.http.get(format!("{url}.metadata")).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(sha256(&metadata)["sha256:".len()..], metadata_sha, "the advertised hash");
    assert!(String::from_utf8_lossy(&metadata).contains("Name: Arca-Demo"));

    // The release is a manifest like any version: pullable through /v2/.
    let manifest: Value = c.get("/v2/py/arca-demo/manifests/1.0").await.json().await.unwrap();
    assert_eq!(manifest["artifactType"], "application/vnd.arca.pypi.v1");
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 2, "the wheel and its core metadata");
}

#[tokio::test]
async fn a_release_grows_a_file_per_upload_and_names_are_never_reused() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    pypi_repo(&c, "py").await;
    assert_eq!(upload_wheel(&c, "py", "demo", "2.0", "a").await.status(), StatusCode::OK);
    // The same bytes again: success, nothing changes (twine re-runs).
    assert_eq!(upload_wheel(&c, "py", "demo", "2.0", "a").await.status(), StatusCode::OK);
    // Other bytes under that name: 400 "File already exists" (twine --skip-existing matches it).
    let r = upload_wheel(&c, "py", "demo", "2.0", "b").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let text = r.text().await.unwrap();
    assert!(text.contains("already exist"), "{text}");

    // A second file of the release (another wheel tag) joins it.
    let other = wheel("demo", "2.0", "c");
    let sha = sha256(&other)["sha256:".len()..].to_owned();
    let r = upload(&c, "py", &twine_fields("demo", "2.0", &sha, false), "demo-2.0-py2.py3-none-any.whl", &other).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let page = project_json(&c, "py", "demo").await;
    assert_eq!(page["files"].as_array().unwrap().len(), 2, "{page}");

    // Delete the release: its file names stay taken.
    let r = c.http.delete(c.url("/api/v1/repositories/py/packages/demo/versions/2.0")).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let r = upload_wheel(&c, "py", "demo", "2.0", "a").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a deleted file's name cannot be reused");
    assert!(r.text().await.unwrap().contains("already exist"));
}

#[tokio::test]
async fn racing_uploads_to_one_release_both_land() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    pypi_repo(&c, "py").await;
    let uploads = (0..6).map(|i| {
        let c = Client::new(&server);
        async move {
            let bytes = wheel("race", "1.0", &format!("v = {i}"));
            let sha = sha256(&bytes)["sha256:".len()..].to_owned();
            let name = format!("race-1.0-py3-none-linux_{i}.whl");
            upload(&c, "py", &twine_fields("race", "1.0", &sha, false), &name, &bytes).await.status()
        }
    });
    let statuses = futures_util::future::join_all(uploads).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    let page = project_json(&c, "py", "race").await;
    assert_eq!(page["files"].as_array().unwrap().len(), 6, "no upload lost: {page}");
}

#[tokio::test]
async fn bad_uploads_are_refused_and_leave_nothing() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    pypi_repo(&c, "py").await;
    let good = wheel("demo", "1.0", "a");
    let sha = sha256(&good)["sha256:".len()..].to_owned();
    let name = wheel_name("demo", "1.0");
    let zeros = "0".repeat(64);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, String, Vec<u8>);
    let cases: Vec<Case<'_>> = vec![
        ("sha256 mismatch", twine_fields("demo", "1.0", &zeros, false), name.clone(), good.clone()),
        ("form name differs", twine_fields("other", "1.0", &sha, false), name.clone(), good.clone()),
        ("form version differs", twine_fields("demo", "1.1", &sha, false), name.clone(), good.clone()),
        ("truncated archive", twine_fields("demo", "1.0", "", false), name.clone(), good[..good.len() / 2].to_vec()),
        (
            "metadata disagrees",
            twine_fields("demo", "1.0", "", false),
            name.clone(),
            wheel_as("demo", "1.0", "demo", "9.9", "a"),
        ),
        (
            "path in the file name",
            twine_fields("demo", "1.0", &sha, false),
            "../demo-1.0-py3-none-any.whl".into(),
            good.clone(),
        ),
        ("not a distribution", twine_fields("demo", "1.0", "", false), "demo-1.0.exe".into(), good.clone()),
        ("not an archive", twine_fields("demo", "1.0", "", true), "demo-1.0.tar.gz".into(), b"plain text".to_vec()),
    ];
    for (why, mut fields, filename, content) in cases {
        fields.retain(|(k, v)| *k != "sha256_digest" || !v.is_empty());
        let r = upload(&c, "py", &fields, &filename, &content).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{why}: {}", r.text().await.unwrap());
    }
    let r = c.get("/pypi/py/simple/demo/").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "nothing was published");
    // A body that is not a form at all.
    let r = c.http.post(c.url("/pypi/py/legacy/")).body("{}").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // A repository of another format refuses PyPI uploads, with the reason.
    let r = c.http.post(c.url("/api/v1/repositories")).json(&json!({"name": "img", "format": "oci"})).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::CREATED);
    let r = upload(&c, "img", &twine_fields("demo", "1.0", &sha, false), &name, &good).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("oci"), "names the repository's format");
}

#[tokio::test]
async fn pages_negotiate_their_format_revalidate_and_show_yanked_releases() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    pypi_repo(&c, "py").await;
    assert_eq!(upload_wheel(&c, "py", "demo", "1.0", "a").await.status(), StatusCode::OK);
    let get = |accept: &'static str| c.http.get(c.url("/pypi/py/simple/demo/")).header("accept", accept).send();
    let html = get("text/html").await.unwrap();
    assert_eq!(html.headers()["content-type"], "text/html");
    let etag = html.headers()["etag"].clone();
    let body = html.text().await.unwrap();
    assert!(body.contains("data-requires-python=\"&gt;=3.8\""), "{body}");
    assert!(body.contains("data-core-metadata=\"sha256="), "{body}");
    assert_eq!(get("application/xml").await.unwrap().status(), StatusCode::NOT_ACCEPTABLE);
    let latest = get("application/vnd.pypi.simple.latest+json").await.unwrap();
    assert_eq!(latest.headers()["content-type"], "application/vnd.pypi.simple.v1+json");
    let again = c.http.get(c.url("/pypi/py/simple/demo/")).header("accept", "text/html");
    let again = again.header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // Non-normalized spellings redirect to the canonical page.
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = no_redirects.get(c.url("/pypi/py/simple/Demo/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers()["location"], "/pypi/py/simple/demo/");

    // Yank (PEP 592) through the properties API, with a reason; un-yank by removing it.
    let props = c.url("/api/v1/repositories/py/packages/demo/versions/1.0/properties");
    let r = c.http.patch(&props).json(&json!({"properties": {"pypi.yanked": "broken <build>"}})).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let page = project_json(&c, "py", "demo").await;
    assert_eq!(page["files"][0]["yanked"], "broken <build>");
    let html = get("text/html").await.unwrap().text().await.unwrap();
    assert!(html.contains("data-yanked=\"broken &lt;build&gt;\""), "{html}");
}

/// A PEP 740 attestation of `filename` with `sha256`, shaped as `pypi-attestations` writes it
/// (certificate and signature are placeholders: keyless Sigstore cannot be verified offline).
fn attestation(filename: &str, sha256: &str) -> Value {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let statement = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": filename, "digest": {"sha256": sha256}}],
        "predicateType": "https://docs.pypi.org/attestations/publish/v1",
        "predicate": null,
    });
    json!({
        "version": 1,
        "verification_material": {
            "certificate": b64(b"0\x82\x02\xec certificate DER"),
            "transparency_entries": [{"logIndex": "1", "kindVersion": {"kind": "dsse", "version": "0.0.1"}}],
        },
        "envelope": {"statement": b64(statement.to_string().as_bytes()), "signature": b64(b"0E\x02!signature")},
    })
}

#[tokio::test]
async fn attestations_are_checked_served_as_provenance_and_kept_as_referrers() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    pypi_repo(&c, "py").await;
    let bytes = wheel("demo", "3.0", "a");
    let sha = sha256(&bytes)["sha256:".len()..].to_owned();
    let name = wheel_name("demo", "3.0");
    let about_other = json!([attestation("demo-3.0-py3-none-any.whl", &"0".repeat(64))]).to_string();
    let mut fields = twine_fields("demo", "3.0", &sha, false);
    fields.push(("attestations", &about_other));
    let r = upload(&c, "py", &fields, &name, &bytes).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "an attestation of other bytes is refused");

    let good = json!([attestation(&name, &sha)]).to_string();
    let mut fields = twine_fields("demo", "3.0", &sha, false);
    fields.push(("attestations", &good));
    let r = upload(&c, "py", &fields, &name, &bytes).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let page = project_json(&c, "py", "demo").await;
    let url = page["files"][0]["provenance"].as_str().expect("a provenance URL").to_owned();
    let url = reqwest::Url::parse(&c.url("/pypi/py/simple/demo/")).unwrap().join(&url).unwrap();
    let provenance: Value = c.http.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(provenance["version"], 1);
    assert_eq!(provenance["attestation_bundles"][0]["attestations"], serde_json::from_str::<Value>(&good).unwrap());

    // A second file joins the release: the provenance referrer follows the release's new manifest.
    let sdist_name = "demo-3.0-py2.py3-none-any.whl";
    let other = wheel("demo", "3.0", "b");
    let other_sha = sha256(&other)["sha256:".len()..].to_owned();
    let r = upload(&c, "py", &twine_fields("demo", "3.0", &other_sha, false), sdist_name, &other).await;
    assert_eq!(r.status(), StatusCode::OK);
    let manifest = c.get("/v2/py/demo/manifests/3.0").await;
    let digest = manifest.headers()["docker-content-digest"].to_str().unwrap().to_owned();
    let referrers: Value = c.get(&format!("/v2/py/demo/referrers/{digest}")).await.json().await.unwrap();
    assert_eq!(referrers["manifests"].as_array().unwrap().len(), 1, "{referrers}");
    assert_eq!(referrers["manifests"][0]["artifactType"], "application/vnd.pypi.integrity.v1+json");
}

/// PEP 792: a project's status, set through the management API, is on both page formats; archived
/// and quarantined refuse uploads (400, as Warehouse refuses); quarantined withholds every file; the
/// change is audited; active again restores everything.
#[tokio::test]
async fn a_project_status_is_shown_and_enforced() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    pypi_repo(&c, "py").await;
    assert_eq!(upload_wheel(&c, "py", "demo", "1.0", "a").await.status(), StatusCode::OK);
    let status_url = c.url("/api/v1/repositories/py/packages/demo/status");
    let set = |body: Value| c.http.put(&status_url).json(&body).send();
    let status: Value = c.http.get(&status_url).send().await.unwrap().json().await.unwrap();
    assert_eq!((status["status"].as_str(), &status["reason"]), (Some("active"), &Value::Null));
    assert_eq!(project_json(&c, "py", "demo").await.get("project-status"), None, "active goes unsaid");

    let r = set(json!({"status": "archived", "reason": "moved to <demo2>"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let page = project_json(&c, "py", "demo").await;
    assert_eq!(page["project-status"], json!({"status": "archived", "reason": "moved to <demo2>"}));
    assert_eq!(page["files"].as_array().unwrap().len(), 1, "an archived project is still served");
    let html = c.http.get(c.url("/pypi/py/simple/demo/")).header("accept", "text/html").send().await.unwrap();
    let html = html.text().await.unwrap();
    assert!(html.contains(r#"<meta name="pypi:project-status" content="archived">"#), "{html}");
    assert!(html.contains(r#"<meta name="pypi:project-status-reason" content="moved to &lt;demo2&gt;">"#), "{html}");
    let r = upload_wheel(&c, "py", "demo", "2.0", "b").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("archived"));

    assert_eq!(set(json!({"status": "quarantined"})).await.unwrap().status(), StatusCode::OK);
    let page = project_json(&c, "py", "demo").await;
    assert_eq!(page["project-status"], json!({"status": "quarantined"}));
    assert_eq!((page["files"].as_array().unwrap().len(), page["versions"].as_array().unwrap().len()), (0, 0));
    let file = c.url(&format!("/pypi/py/files/demo/1.0/{}", wheel_name("demo", "1.0")));
    assert_eq!(c.http.get(&file).send().await.unwrap().status(), StatusCode::NOT_FOUND, "files withheld");
    assert_eq!(upload_wheel(&c, "py", "demo", "2.0", "b").await.status(), StatusCode::BAD_REQUEST);

    assert_eq!(set(json!({"status": "active"})).await.unwrap().status(), StatusCode::OK);
    assert_eq!(c.http.get(&file).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(upload_wheel(&c, "py", "demo", "2.0", "b").await.status(), StatusCode::OK);
    assert_eq!(project_json(&c, "py", "demo").await["files"].as_array().unwrap().len(), 2);

    // Refusals: an unknown state or field, a reason with a line break, a package never published.
    for bad in [
        json!({"status": "gone"}),
        json!({"status": "archived", "why": "x"}),
        json!({"status": "archived", "reason": "a\nb"}),
    ] {
        assert_eq!(set(bad).await.unwrap().status(), StatusCode::BAD_REQUEST);
    }
    let r = c.http.put(c.url("/api/v1/repositories/py/packages/nothing/status")).json(&json!({"status": "archived"}));
    assert_eq!(r.send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let audit: Value = c.get("/api/v1/audit?action=package.status&limit=10").await.json().await.unwrap();
    let changes: Vec<_> = audit["entries"].as_array().unwrap().iter().map(|e| e["detail"].clone()).collect();
    assert_eq!(changes.len(), 3, "{audit}");
    for detail in ["archived: moved to <demo2>", "quarantined", "active"] {
        assert!(changes.contains(&json!(detail)), "{detail} in {audit}");
    }
}
