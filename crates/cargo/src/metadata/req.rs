//! Version requirements (`^1.2`, `~1.0`, `>=1.2.3, <2`, `1.*`, `*`): the grammar of the `semver`
//! crate's `VersionReq::from_str`, which cargo parses every index `req` with. A requirement cargo
//! cannot parse makes cargo drop the whole index line, so it is refused at publish.
//!
//! Written here rather than taken from `semver`: the workspace does not build that crate, and only
//! the syntax is needed, never the matching.

/// At most this many comma-separated comparators (`semver`'s own bound).
const MAX_COMPARATORS: usize = 32;

/// Checks that `req` parses as a `semver::VersionReq`; the error says why not.
pub fn validate_version_req(req: &str) -> Result<(), &'static str> {
    let text = req.trim_start_matches(' ');
    if let Some(rest) = wildcard(text) {
        let rest = rest.trim_start_matches(' ');
        return match rest.chars().next() {
            None => Ok(()),
            Some(',') => Err("a wildcard must be the only comparator"),
            Some(_) => Err("unexpected characters after a wildcard"),
        };
    }
    let mut text = text;
    for _ in 0..MAX_COMPARATORS {
        text = comparator(text)?;
        match text.strip_prefix(',') {
            None if text.is_empty() => return Ok(()),
            None => return Err("expected a comma between comparators"),
            Some(rest) => text = rest.trim_start_matches(' '),
        }
    }
    Err("more than 32 comparators")
}

/// `*`, `x` or `X`, and what follows it.
fn wildcard(text: &str) -> Option<&str> {
    text.strip_prefix(['*', 'x', 'X'])
}

/// One comparator (`op? major(.minor(.patch(-pre)?(+build)?)?)?`), returning the text after it and
/// the spaces that follow.
fn comparator(input: &str) -> Result<&str, &'static str> {
    let text = ["=", ">=", ">", "<=", "<", "~", "^"].into_iter().find_map(|op| input.strip_prefix(op)).unwrap_or(input);
    let text = text.trim_start_matches(' ');
    let mut text = numeric(text)?;
    let mut wildcard_seen = false;
    let mut patch = false;
    for part in 0..2 {
        let Some(rest) = text.strip_prefix('.') else { break };
        if let Some(rest) = wildcard(rest) {
            wildcard_seen = true;
            text = rest;
        } else if wildcard_seen {
            return Err("unexpected characters after a wildcard");
        } else {
            text = numeric(rest)?;
            patch = part == 1;
        }
    }
    if patch && let Some(rest) = text.strip_prefix('-') {
        text = identifiers(rest, true)?;
    }
    if patch && let Some(rest) = text.strip_prefix('+') {
        text = identifiers(rest, false)?;
    }
    Ok(text.trim_start_matches(' '))
}

/// A number without leading zeros that fits a `u64`.
fn numeric(text: &str) -> Result<&str, &'static str> {
    let len = text.bytes().take_while(u8::is_ascii_digit).count();
    match len {
        0 if text.is_empty() => Err("unexpected end of the requirement"),
        0 => Err("expected a version number"),
        _ if len > 1 && text.starts_with('0') => Err("version numbers must not have leading zeros"),
        _ if text[..len].parse::<u64>().is_err() => Err("a version number is too large"),
        _ => Ok(&text[len..]),
    }
}

/// Dot-separated `[0-9A-Za-z-]+` identifiers; pre-release numeric ones without leading zeros.
fn identifiers(text: &str, pre: bool) -> Result<&str, &'static str> {
    let len = text.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'.').count();
    let (ids, rest) = text.split_at(len);
    for id in ids.split('.') {
        if id.is_empty() {
            return Err("empty pre-release or build identifier");
        }
        if pre && id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit()) {
            return Err("numeric pre-release identifiers must not have leading zeros");
        }
    }
    Ok(rest)
}

#[cfg(test)]
mod tests {
    use super::validate_version_req as check;

    #[test]
    fn accepts_what_cargo_writes_and_semver_parses() {
        for ok in [
            "^1.2",
            "~1.0",
            "^0.4",
            "=1.2.3",
            ">=1.2.3, <2",
            ">= 1.2 , < 1.5",
            "*",
            " * ",
            "1.*",
            "1.*.*",
            "1.x",
            "1.2.X",
            "0",
            "^1.0.0-alpha.1+build.01",
            "1.2.3-rc.0",
            ">1",
            "<=0.0.1",
            "=1.0.0-x-y",
            "^1.0.100",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn refuses_what_semver_refuses() {
        for bad in [
            "",
            " ",
            "^",
            "1.2.3.4",
            "01.2",
            "1.02",
            "1.2.3-01",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-a..b",
            "*, 1.0",
            "* 1",
            "1.*.3",
            "1 2",
            ">=1,",
            "1.2,,1.3",
            "v1.2",
            "=>1.0",
            "1.2.3 - 2",
            "18446744073709551616",
            "1.0 || 2.0",
            "~>1.0",
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
        let many = vec![">=1"; 33].join(",");
        assert!(check(&many).is_err());
        assert_eq!(check(&vec![">=1"; 32].join(",")), Ok(()));
    }
}
