//! The HTML serialization (PEP 503, with the data attributes of PEP 592, 629, 658, 714, 740
//! and the meta tags of PEP 792), shaped like PyPI's own pages.

use super::{API_VERSION, ProjectFile, ProjectList, ProjectPage};
use arca_types::{Ecosystem, PackageId};
use std::fmt::Write as _;

pub(super) fn project(page: &ProjectPage) -> String {
    let name = escape(&page.name);
    let mut out = String::with_capacity(512 + page.files.len() * 320);
    head(&mut out);
    if let Some(status) = &page.status {
        meta(&mut out, "pypi:project-status", &status.status);
        if let Some(reason) = &status.reason {
            meta(&mut out, "pypi:project-status-reason", reason);
        }
    }
    let _ = write!(out, "    <title>Links for {name}</title>\n  </head>\n  <body>\n    <h1>Links for {name}</h1>\n");
    for file in &page.files {
        anchor(&mut out, file);
    }
    out.push_str("  </body>\n</html>\n");
    out
}

pub(super) fn index(list: &ProjectList) -> String {
    let mut out = String::with_capacity(256 + list.projects.len() * 64);
    head(&mut out);
    out.push_str("    <title>Simple index</title>\n  </head>\n  <body>\n");
    for name in &list.projects {
        let _ = writeln!(out, "    <a href=\"{}/\">{}</a><br />", escape(&href_segment(name)), escape(name));
    }
    out.push_str("  </body>\n</html>\n");
    out
}

fn head(out: &mut String) {
    out.push_str("<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n");
    meta(out, "pypi:repository-version", API_VERSION);
}

fn meta(out: &mut String, name: &str, content: &str) {
    let _ = writeln!(out, "    <meta name=\"{name}\" content=\"{}\">", escape(content));
}

/// `<a href="url#sha256=…" data-…>filename</a><br />`, attributes in PyPI's order.
fn anchor(out: &mut String, file: &ProjectFile) {
    out.push_str("    <a href=\"");
    out.push_str(&escape(&file.url));
    if !file.sha256.is_empty() {
        out.push_str("#sha256=");
        out.push_str(&escape(&file.sha256));
    }
    out.push('"');
    let mut attr = |name: &str, value: &str| {
        let _ = write!(out, " {name}=\"{}\"", escape(value));
    };
    if let Some(requires_python) = file.requires_python.as_deref().filter(|r| !r.is_empty()) {
        attr("data-requires-python", requires_python);
    }
    if let Some(reason) = &file.yanked {
        attr("data-yanked", reason);
    }
    if let Some(sha256) = &file.core_metadata_sha256 {
        let value = format!("sha256={sha256}");
        attr("data-dist-info-metadata", &value);
        attr("data-core-metadata", &value);
    }
    if let Some(gpg) = file.gpg_sig {
        attr("data-gpg-sig", if gpg { "true" } else { "false" });
    }
    if let Some(url) = &file.provenance_url {
        attr("data-provenance", url);
    }
    let _ = writeln!(out, ">{}</a><br />", escape(&file.filename));
}

/// The project's URL segment: its PEP 503 normalized name; a name that is not a valid project
/// name (never stored, but the list is the caller's) is percent-encoded instead.
fn href_segment(name: &str) -> String {
    if let Ok(id) = PackageId::parse(Ecosystem::Pypi, name) {
        return id.normalized().to_owned();
    }
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Escapes text for HTML content and double- or single-quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;");
    }

    #[test]
    fn index_links_use_normalized_names() {
        assert_eq!(href_segment("Friendly.Bar"), "friendly-bar");
        assert_eq!(href_segment("a b/#?"), "a%20b%2F%23%3F");
    }
}
