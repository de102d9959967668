//! Writing HTML by hand, safely: every piece of text from outside (names, versions, properties, audit
//! details, error messages) goes through [`esc`] (element text and quoted attribute values alike) or,
//! inside a URL, through [`path`]/[`query`] first. Numbers and this crate's own literals are the only
//! things written raw.

use std::fmt::{self, Write};

/// Text escaped for HTML element content and double- or single-quoted attribute values.
pub struct Esc<'a>(pub &'a str);

/// `text`, escaped when displayed.
pub fn esc(text: &str) -> Esc<'_> {
    Esc(text)
}

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// Characters left as they are in a URL path built here (`/` separates a package's components).
const PATH: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');
/// A query component: everything but unreserved characters encoded.
const QUERY: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A path (or part of one) percent-encoded, `/` kept.
pub fn path(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, PATH).to_string()
}

/// A query component percent-encoded.
pub fn query(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, QUERY).to_string()
}

/// A query string of `pairs` (empty values left out).
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{}={}", query(k), query(v))).collect();
    parts.join("&")
}

/// A page being written: `w!(page, "<td>{}</td>", esc(name))`.
#[derive(Default)]
pub struct Html(pub String);

impl Html {
    /// Appends markup written here (never text from outside).
    pub fn raw(&mut self, markup: &str) {
        self.0.push_str(markup);
    }

    /// Appends text, escaped.
    pub fn text(&mut self, text: &str) {
        let _ = write!(self.0, "{}", esc(text));
    }
}

impl fmt::Write for Html {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.push_str(s);
        Ok(())
    }
}

/// `write!` into an [`Html`] that cannot fail.
#[macro_export]
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        use ::std::fmt::Write as _;
        let _ = $out.write_fmt(format_args!($($arg)*));
    }};
}

/// Bytes as people read them: `512 B`, `1.5 KiB`, `3.2 MiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Epoch milliseconds as RFC 3339 (UTC, seconds).
pub fn time(millis: i64) -> String {
    let text = arca_core::time::rfc3339(millis);
    // `2026-11-30T10:00:00.123Z` → `2026-11-30 10:00:00Z`: the page is for reading.
    match text.split_once('.') {
        Some((seconds, _)) => format!("{}Z", seconds.replacen('T', " ", 1)),
        None => text.replacen('T', " ", 1),
    }
}

/// A digest shortened for tables (`sha256:0123456789ab…`), the whole one in its `title`.
pub fn short_digest(out: &mut Html, digest: &str) {
    let short: String = digest.chars().take(19).collect();
    let ellipsis = if short.len() < digest.len() { "…" } else { "" };
    w!(out, "<code title=\"{}\">{}{ellipsis}</code>", esc(digest), esc(&short));
}

/// The stylesheet: small, inline (one request per page, no asset route).
const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}\
header{background:#1d2330;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:center;flex-wrap:wrap}\
header a{color:#fff;text-decoration:none}header .brand{font-weight:700;margin-right:1em}\
header form{margin:0 0 0 auto}main{padding:1em 1.5em;max-width:80em}\
table{border-collapse:collapse;width:100%;background:#fff;margin:.5em 0 1.2em}\
th,td{border-bottom:1px solid #e2e5ea;padding:.35em .6em;text-align:left;vertical-align:top}\
th{background:#eef0f4;font-weight:600}code,pre{font:13px ui-monospace,monospace}\
pre{background:#fff;border:1px solid #e2e5ea;padding:.6em;overflow-x:auto;white-space:pre-wrap}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1em}dt{font-weight:600}dd{margin:0}\
form.filters{display:flex;flex-wrap:wrap;gap:.5em;align-items:end;background:#fff;padding:.6em;border:1px solid #e2e5ea}\
form.filters label{display:flex;flex-direction:column;font-size:13px}\
.error{background:#fdecea;border:1px solid #f5c2bd;padding:.6em}.muted{color:#667}\
nav.crumbs{margin-bottom:.6em}";

/// What the frame of every page shows.
pub struct Frame<'a> {
    pub title: &'a str,
    /// The signed-in user, when the request came with a session (shows "sign out").
    pub user: Option<&'a str>,
    /// The CSRF token of the sign-out form.
    pub csrf: &'a str,
    /// Whether authentication is on (links to the audit log and sign-in).
    pub auth_enabled: bool,
}

/// The whole document: head, navigation, `body`.
pub fn page(frame: &Frame<'_>, body: &Html) -> String {
    let mut out = Html::default();
    w!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} · arca</title><link rel=\"icon\" href=\"/ui/favicon.svg\" type=\"image/svg+xml\">\
         <style>{STYLE}</style></head><body><header>\
         <a class=\"brand\" href=\"/ui/\">arca</a><a href=\"/ui/\">Repositories</a>\
         <a href=\"/ui/search\">Search</a><a href=\"/ui/dashboard\">Dashboard</a><a href=\"/ui/audit\">Audit log</a>\
         <a href=\"/ui/storage\">Storage</a>",
        esc(frame.title)
    );
    match frame.user {
        Some(user) => w!(
            out,
            "<form method=\"post\" action=\"/ui/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <a href=\"/ui/tokens\">{}</a> <button type=\"submit\">Sign out</button></form>",
            esc(frame.csrf),
            esc(user)
        ),
        None if frame.auth_enabled => out.raw("<a href=\"/ui/login\" style=\"margin-left:auto\">Sign in</a>"),
        None => {}
    }
    out.raw("</header><main>");
    out.raw(&body.0);
    out.raw("</main></body></html>");
    out.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        let hostile = "<script>alert('x')</script>&\"";
        assert_eq!(esc(hostile).to_string(), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
        assert_eq!(esc("plain é").to_string(), "plain é");
        let mut out = Html::default();
        out.text("<b>");
        w!(out, "<i>{}</i>", esc("a<b"));
        assert_eq!(out.0, "&lt;b&gt;<i>a&lt;b</i>");
    }

    #[test]
    fn urls_are_encoded() {
        assert_eq!(path("team/app"), "team/app");
        assert_eq!(path("a b/<x>\"'"), "a%20b/%3Cx%3E%22%27");
        assert_eq!(query("env=prod&x"), "env%3Dprod%26x");
        assert_eq!(query_string(&[("a", "1"), ("b", ""), ("c", "x y")]), "a=1&c=x%20y");
    }

    #[test]
    fn sizes_and_times_read_well() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(1023), "1023 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(time(0), "1970-01-01 00:00:00Z");
        let mut out = Html::default();
        short_digest(&mut out, "sha256:0123456789abcdef0123");
        assert!(out.0.contains("sha256:0123456789ab…"), "{}", out.0);
    }

    #[test]
    fn the_frame_escapes_the_title_and_the_user() {
        let frame = Frame { title: "<t>", user: Some("<u>"), csrf: "\"c\"", auth_enabled: true };
        let html = page(&frame, &Html::default());
        assert!(html.contains("&lt;t&gt;") && html.contains("&lt;u&gt;") && html.contains("&quot;c&quot;"));
        assert!(!html.contains("<t>") && !html.contains("<u>"));
    }
}
