//! The header block of an RFC 822-style message, split as Python's `email` feed parser (policy
//! `compat32`, which `packaging.metadata` and warehouse use) splits it:
//!
//! - lines end in `\r\n`, `\n` or `\r`;
//! - a line starting with a space or tab continues the previous header (kept, after a `\n`);
//! - `Name: value` starts a header when the name is printable ASCII without `:`; leading spaces
//!   and tabs of the value are dropped;
//! - a line starting `From ` (an mbox envelope line) is skipped, as is a header with an empty
//!   name or a continuation line with no header before it;
//! - the headers end at the first empty line, or at the first line that is none of the above
//!   (Python then treats it as the start of the body); the body (the description) is not read.

/// One header: the name as written, the value with continuation lines joined by `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub name: String,
    pub value: String,
}

/// The headers of `text`, in order.
pub(crate) fn parse(text: &str) -> Vec<Header> {
    let mut headers: Vec<Header> = Vec::new();
    // Set when the line before was a header we skip, so its continuation lines are skipped too.
    let mut skipping = false;
    for line in lines(text) {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if !skipping && let Some(last) = headers.last_mut() {
                last.value.push('\n');
                last.value.push_str(line);
            }
            continue;
        }
        match header_name(line) {
            Some((name, value)) if !name.is_empty() => {
                skipping = false;
                headers.push(Header { name: name.to_owned(), value: value.trim_start_matches([' ', '\t']).to_owned() });
            }
            Some(_) => skipping = true,
            None if line.starts_with("From ") => skipping = true,
            None => break,
        }
    }
    headers
}

/// `(name, rest)` when `line` starts a header: `[\x21-\x39\x3b-\x7e]*:` (Python's `headerRE`).
fn header_name(line: &str) -> Option<(&str, &str)> {
    let colon = line.find(':')?;
    let name = &line[..colon];
    name.bytes().all(|b| (0x21..=0x7e).contains(&b)).then(|| (name, &line[colon + 1..]))
}

/// Lines without their terminators; `\r\n`, `\n` and `\r` each end a line.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let line = &rest[..end];
        let skip = if rest[end..].starts_with("\r\n") { 2 } else { usize::from(end < rest.len()) };
        rest = &rest[end + skip..];
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text).into_iter().map(|h| (h.name, h.value)).collect()
    }

    fn p(name: &str, value: &str) -> (String, String) {
        (name.to_owned(), value.to_owned())
    }

    #[test]
    fn continuation_lines_join_with_newlines() {
        let text = "Name: a\r\nLicense: MIT\r\n        Copyright\r\n\tline 2\r\nVersion:1\r\n\r\nbody: no\n";
        assert_eq!(pairs(text), [p("Name", "a"), p("License", "MIT\n        Copyright\n\tline 2"), p("Version", "1")]);
    }

    #[test]
    fn a_line_that_is_not_a_header_ends_the_headers() {
        assert_eq!(pairs("Name: a\nnot a header\nVersion: 1\n"), [p("Name", "a")]);
    }

    #[test]
    fn odd_lines_are_skipped_as_python_skips_them() {
        let text = " orphan continuation\nFrom someone\n: empty name\n  its continuation\nName: a\n";
        assert_eq!(pairs(text), [p("Name", "a")]);
    }

    #[test]
    fn bare_carriage_returns_end_lines() {
        assert_eq!(pairs("Name: a\rVersion: 2\r\rBody"), [p("Name", "a"), p("Version", "2")]);
    }
}
