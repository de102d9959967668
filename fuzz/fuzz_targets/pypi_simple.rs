//! `arca_pypi::negotiate` (the `Accept` header and `?format=`) and the simple API renderers:
//! negotiation never panics and answers one of the three served types; a page built from
//! arbitrary values renders to JSON that parses back to them and to HTML whose only markup is
//! ours (every value escaped).
//! Input: lines: `Accept` value, `format` value, then a filename, a URL, a yank reason and a
//! requires-python (missing lines are empty; an empty reason means not yanked).
#![no_main]

use arca_pypi::simple::{CONTENT_TYPE_HTML, CONTENT_TYPE_JSON, CONTENT_TYPE_TEXT_HTML};
use arca_pypi::{ProjectFile, ProjectPage, ProjectStatus, SimpleFormat, negotiate, render_project};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.split('\n');
    let mut next = || lines.next().unwrap_or_default().to_owned();
    let (accept, format) = (next(), next());
    if let Ok((fmt, content_type)) = negotiate(Some(&accept), Some(format.as_str()).filter(|f| !f.is_empty())) {
        let expected = match fmt {
            SimpleFormat::Json => &[CONTENT_TYPE_JSON][..],
            SimpleFormat::Html => &[CONTENT_TYPE_HTML, CONTENT_TYPE_TEXT_HTML][..],
        };
        assert!(expected.contains(&content_type));
    }
    let (filename, url, reason, requires) = (next(), next(), next(), next());
    let file = ProjectFile {
        filename: filename.clone(),
        url,
        sha256: "ab".repeat(32),
        size: data.len() as u64,
        yanked: Some(reason.clone()).filter(|r| !r.is_empty()),
        requires_python: Some(requires),
        core_metadata_sha256: Some(reason.clone()),
        ..ProjectFile::default()
    };
    let page = ProjectPage {
        name: filename.clone(),
        versions: vec![reason.clone()],
        files: vec![file],
        status: Some(ProjectStatus { status: reason.clone(), reason: Some(filename.clone()) }),
    };
    let json: serde_json::Value = serde_json::from_slice(&render_project(&page, SimpleFormat::Json)).unwrap();
    assert_eq!(json["files"][0]["filename"].as_str(), Some(filename.as_str()));
    assert_eq!(json["project-status"]["status"].as_str(), Some(reason.as_str()));
    let html = String::from_utf8(render_project(&page, SimpleFormat::Html)).unwrap();
    assert_eq!(html.matches('<').count(), 18, "{html}");
    assert_eq!(html.matches('>').count(), 18, "{html}");
    assert!(!html.contains('\'') && html.matches('"').count() % 2 == 0, "{html}");
});
