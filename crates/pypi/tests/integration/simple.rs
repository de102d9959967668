//! The simple repository API: negotiation and rendering.

use arca_pypi::simple::{API_VERSION, CONTENT_TYPE_HTML, CONTENT_TYPE_JSON, CONTENT_TYPE_TEXT_HTML};
use arca_pypi::{
    NotAcceptable, ProjectFile, ProjectList, ProjectPage, ProjectStatus, SimpleFormat, negotiate, render_index,
    render_project,
};
use serde_json::{Value, json};

const SHA: &str = "92fcaa7ebd5f1948c2ed4f8758e6727380602dca6ef4be714b8da417966d57fa";
const EVIL: &str = r#""<>&'"#;

type Negotiated = Result<(SimpleFormat, &'static str), NotAcceptable>;

fn wheel() -> ProjectFile {
    ProjectFile {
        filename: "arca_demo-1.0.post1-py3-none-any.whl".into(),
        url: "../../files/arca-demo/arca_demo-1.0.post1-py3-none-any.whl".into(),
        sha256: SHA.into(),
        size: 1455,
        upload_time: "2026-01-02T03:04:05.123456Z".into(),
        requires_python: Some(">=3.8".into()),
        yanked: None,
        core_metadata_sha256: Some("ab".repeat(32)),
        gpg_sig: None,
        provenance_url: None,
    }
}

fn page(files: Vec<ProjectFile>) -> ProjectPage {
    ProjectPage { name: "arca-demo".into(), versions: vec!["1.0.post1".into()], files, status: None }
}

fn html(page: &ProjectPage) -> String {
    String::from_utf8(render_project(page, SimpleFormat::Html)).unwrap()
}

fn json_of(page: &ProjectPage) -> Value {
    serde_json::from_slice(&render_project(page, SimpleFormat::Json)).unwrap()
}

#[test]
fn negotiation_follows_pep_691() {
    let pip = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";
    let json = Ok((SimpleFormat::Json, CONTENT_TYPE_JSON));
    let v1_html = Ok((SimpleFormat::Html, CONTENT_TYPE_HTML));
    let text_html = Ok((SimpleFormat::Html, CONTENT_TYPE_TEXT_HTML));
    let cases: [(Option<&str>, Negotiated); 16] = [
        (None, text_html),
        (Some(""), text_html),
        (Some(pip), json),
        (Some("text/html"), text_html),
        (Some("*/*"), text_html),
        (Some("application/vnd.pypi.simple.latest+json"), json),
        (Some("application/vnd.pypi.simple.latest+html"), v1_html),
        (Some("application/vnd.pypi.simple.v1+html, application/vnd.pypi.simple.v1+json"), json),
        (Some("application/vnd.pypi.simple.v1+json;q=0.5, text/html"), text_html),
        (Some("application/*"), v1_html),
        (Some("text/html;q=0, */*"), v1_html),
        (Some("TEXT/HTML; charset=UTF-8"), text_html),
        (Some("text/html, */*;q=0.8"), text_html),
        (Some("application/json"), Err(NotAcceptable)),
        (Some("application/vnd.pypi.simple.v2+json"), Err(NotAcceptable)),
        (Some("application/vnd.pypi.simple.v1+json;q=0"), Err(NotAcceptable)),
    ];
    for (accept, expected) in cases {
        assert_eq!(negotiate(accept, None), expected, "{accept:?}");
    }
    // Malformed ranges are ignored; nothing acceptable left is 406.
    assert_eq!(negotiate(Some("text/html;q=2, garbage"), None), Err(NotAcceptable));
}

#[test]
fn the_format_query_overrides_the_header() {
    let json = Ok((SimpleFormat::Json, CONTENT_TYPE_JSON));
    assert_eq!(negotiate(Some("text/html"), Some("application/vnd.pypi.simple.v1+json")), json);
    assert_eq!(negotiate(None, Some("application/vnd.pypi.simple.v1 json")), json, "a form-decoded '+'");
    assert_eq!(negotiate(None, Some("application/vnd.pypi.simple.latest+json")), json);
    assert_eq!(negotiate(Some(CONTENT_TYPE_JSON), Some("")), json, "an empty format is no format");
    assert_eq!(negotiate(None, Some("text/plain")), Err(NotAcceptable));
}

#[test]
fn html_project_page_carries_every_pep_attribute() {
    let mut yanked = wheel();
    yanked.filename = "arca_demo-1.0.post1.tar.gz".into();
    yanked.url = "https://files.example/arca_demo-1.0.post1.tar.gz".into();
    yanked.yanked = Some(String::new());
    yanked.core_metadata_sha256 = None;
    yanked.gpg_sig = Some(false);
    yanked.provenance_url = Some("https://example/provenance".into());
    let mut page = page(vec![wheel(), yanked]);
    page.status = Some(ProjectStatus { status: "deprecated".into(), reason: Some("use arca-demo2".into()) });
    let html = html(&page);
    let expected = format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n    \
         <meta name=\"pypi:repository-version\" content=\"1.4\">\n    \
         <meta name=\"pypi:project-status\" content=\"deprecated\">\n    \
         <meta name=\"pypi:project-status-reason\" content=\"use arca-demo2\">\n    \
         <title>Links for arca-demo</title>\n  </head>\n  <body>\n    <h1>Links for arca-demo</h1>\n    \
         <a href=\"../../files/arca-demo/arca_demo-1.0.post1-py3-none-any.whl#sha256={SHA}\" \
         data-requires-python=\"&gt;=3.8\" data-dist-info-metadata=\"sha256={m}\" data-core-metadata=\"sha256={m}\">\
         arca_demo-1.0.post1-py3-none-any.whl</a><br />\n    \
         <a href=\"https://files.example/arca_demo-1.0.post1.tar.gz#sha256={SHA}\" data-requires-python=\"&gt;=3.8\" \
         data-yanked=\"\" data-gpg-sig=\"false\" data-provenance=\"https://example/provenance\">\
         arca_demo-1.0.post1.tar.gz</a><br />\n  </body>\n</html>\n",
        m = "ab".repeat(32)
    );
    assert_eq!(html, expected);
}

#[test]
fn every_value_is_escaped_in_html() {
    let evil = ProjectFile {
        filename: format!("{EVIL}.whl"),
        url: format!("x{EVIL}"),
        sha256: EVIL.into(),
        size: 1,
        upload_time: EVIL.into(),
        requires_python: Some(EVIL.into()),
        yanked: Some(EVIL.into()),
        core_metadata_sha256: Some(EVIL.into()),
        gpg_sig: Some(true),
        provenance_url: Some(EVIL.into()),
    };
    let page = ProjectPage {
        name: EVIL.into(),
        versions: vec![EVIL.into()],
        files: vec![evil],
        status: Some(ProjectStatus { status: EVIL.into(), reason: Some(EVIL.into()) }),
    };
    let html = html(&page);
    assert!(!html.contains(EVIL) && !html.contains("<>") && !html.contains("'"), "{html}");
    assert_eq!(html.matches("&quot;&lt;&gt;&amp;&#x27;").count(), 12, "{html}");
    // Every `<` and `>` left is markup of ours.
    let tags = html.matches('<').count();
    assert_eq!(tags, html.matches('>').count());
    assert_eq!(tags, 18, "{html}");
    let index =
        String::from_utf8(render_index(&ProjectList { projects: vec![EVIL.into()] }, SimpleFormat::Html)).unwrap();
    assert!(index.contains("<a href=\"%22%3C%3E%26%27/\">&quot;&lt;&gt;&amp;&#x27;</a>"), "{index}");
}

#[test]
fn json_project_page_follows_pep_691_700_714_740_792() {
    let mut yanked = wheel();
    yanked.yanked = Some("broken build".into());
    yanked.core_metadata_sha256 = None;
    yanked.upload_time = String::new();
    yanked.requires_python = None;
    yanked.gpg_sig = Some(true);
    yanked.provenance_url = Some("https://example/provenance".into());
    let mut empty_reason = wheel();
    empty_reason.yanked = Some(String::new());
    empty_reason.sha256 = String::new();
    let mut page = page(vec![wheel(), yanked, empty_reason]);
    page.status = Some(ProjectStatus { status: "archived".into(), reason: None });
    let m = json!({"sha256": "ab".repeat(32)});
    assert_eq!(
        json_of(&page),
        json!({
            "meta": {"api-version": "1.4"},
            "name": "arca-demo",
            "versions": ["1.0.post1"],
            "project-status": {"status": "archived"},
            "files": [
                {
                    "filename": "arca_demo-1.0.post1-py3-none-any.whl",
                    "url": "../../files/arca-demo/arca_demo-1.0.post1-py3-none-any.whl",
                    "hashes": {"sha256": SHA}, "requires-python": ">=3.8", "size": 1455,
                    "upload-time": "2026-01-02T03:04:05.123456Z", "yanked": false,
                    "core-metadata": m, "dist-info-metadata": m, "provenance": null,
                },
                {
                    "filename": "arca_demo-1.0.post1-py3-none-any.whl",
                    "url": "../../files/arca-demo/arca_demo-1.0.post1-py3-none-any.whl",
                    "hashes": {"sha256": SHA}, "requires-python": null, "size": 1455,
                    "yanked": "broken build", "core-metadata": false, "dist-info-metadata": false,
                    "gpg-sig": true, "provenance": "https://example/provenance",
                },
                {
                    "filename": "arca_demo-1.0.post1-py3-none-any.whl",
                    "url": "../../files/arca-demo/arca_demo-1.0.post1-py3-none-any.whl",
                    "hashes": {}, "requires-python": ">=3.8", "size": 1455,
                    "upload-time": "2026-01-02T03:04:05.123456Z", "yanked": true,
                    "core-metadata": m, "dist-info-metadata": m, "provenance": null,
                },
            ],
        })
    );
}

#[test]
fn index_pages_in_both_formats() {
    let list = ProjectList { projects: vec!["Arca_Demo".into(), "zope.interface".into()] };
    let json: Value = serde_json::from_slice(&render_index(&list, SimpleFormat::Json)).unwrap();
    assert_eq!(
        json,
        json!({"meta": {"api-version": API_VERSION}, "projects": [{"name": "Arca_Demo"}, {"name": "zope.interface"}]})
    );
    let html = String::from_utf8(render_index(&list, SimpleFormat::Html)).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n"));
    assert!(html.contains("<meta name=\"pypi:repository-version\" content=\"1.4\">"));
    assert!(
        html.contains("<a href=\"arca-demo/\">Arca_Demo</a><br />\n    <a href=\"zope-interface/\">zope.interface</a>")
    );
}

#[test]
fn an_empty_requires_python_is_none() {
    let mut file = wheel();
    file.requires_python = Some(String::new());
    let page = page(vec![file]);
    assert!(!html(&page).contains("data-requires-python"));
    assert_eq!(json_of(&page)["files"][0]["requires-python"], Value::Null);
}
