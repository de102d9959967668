//! Whether a string is a node-semver range (`semver.validRange(s) !== null`), the test npm applies
//! before it sends a dist-tag: `npm publish --tag` and `npm dist-tag add` refuse "Tag name must not
//! be a valid SemVer range", because `npm install pkg@1.x` must never mean a tag. The registry
//! applies the same test to what reaches it from other clients.
//!
//! This follows node-semver's non-loose grammar (`||`-separated sets of hyphen ranges or
//! whitespace-separated comparators, each an optional `<`/`>`/`<=`/`>=`/`=`/`~`/`~>`/`^` then an
//! X-range `v?1.x.*` with optional pre-release and build), and agrees with node-semver 7 on the
//! vectors in `tests/fixtures/semver-valid-range.json`, produced by npm's own copy.

/// `semver.validRange(s) !== null` for node-semver's non-loose mode.
pub fn is_semver_range(s: &str) -> bool {
    s.trim().split("||").all(|set| comparator_set(strip_builds(set.trim()).trim()))
}

/// node-semver first deletes every `+build.metadata` of a set, wherever it is (`+rc` alone is the
/// empty set, which is `*`).
fn strip_builds(set: &str) -> String {
    let mut out = String::with_capacity(set.len());
    let mut rest = set;
    while let Some(c) = rest.chars().next() {
        let build = build_len(rest.as_bytes());
        if build > 0 {
            rest = &rest[build..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The length of a `+id(.id)*` at the start of `b` (ids of `[A-Za-z0-9-]`), 0 if none.
fn build_len(b: &[u8]) -> usize {
    let id = |from: usize| {
        b.get(from..).map_or(0, |s| s.iter().take_while(|&&c| c.is_ascii_alphanumeric() || c == b'-').count())
    };
    if b.first() != Some(&b'+') || id(1) == 0 {
        return 0;
    }
    let mut end = 1 + id(1);
    while b.get(end) == Some(&b'.') && id(end + 1) > 0 {
        end += 1 + id(end + 1);
    }
    end
}

fn comparator_set(set: &str) -> bool {
    if set.is_empty() {
        return true;
    }
    if let Some((low, high)) = hyphen(set) {
        return partial(low, false) && partial(high, false);
    }
    glue_operators(set).split_whitespace().all(comparator)
}

/// `A - B`: a dash with whitespace on both sides, one token on each.
fn hyphen(set: &str) -> Option<(&str, &str)> {
    let chars: Vec<(usize, char)> = set.char_indices().collect();
    let at = chars.windows(3).find(|w| w[1].1 == '-' && w[0].1.is_whitespace() && w[2].1.is_whitespace())?[1].0;
    let (low, high) = (set[..at].trim(), set[at + 1..].trim());
    let single = |s: &str| !s.is_empty() && !s.contains(char::is_whitespace);
    (single(low) && single(high)).then_some((low, high))
}

/// node-semver removes whitespace between an operator and its version (`>= 1.2` is `>=1.2`).
fn glue_operators(set: &str) -> String {
    let mut out = String::with_capacity(set.len());
    let mut chars = set.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if matches!(c, '<' | '>' | '=' | '~' | '^') {
            while chars.peek().is_some_and(|n| n.is_whitespace()) {
                chars.next();
            }
        }
    }
    out
}

fn comparator(token: &str) -> bool {
    if let Some(r) = token.strip_prefix("~>").or_else(|| token.strip_prefix(['~', '^'])) {
        return partial(r, false);
    }
    let r = token.strip_prefix(['<', '>']).unwrap_or(token);
    partial(r.strip_prefix('=').unwrap_or(r), true) || full_without_first_star(token)
}

/// A token no pattern matched loses its first `*` (with an operator right before it) and must then
/// be a full version comparator (`1.2.3*` and `*1.2.3` are `1.2.3`): node-semver's `replaceStars`.
fn full_without_first_star(token: &str) -> bool {
    let Some(star) = token.find('*') else { return false };
    let before = &token[..star];
    let op_len = [">=", "<=", ">", "<", "="].iter().find(|op| before.ends_with(*op)).map_or(0, |op| op.len());
    let stripped = format!("{}{}", &before[..star - op_len], &token[star + 1..]);
    let r = stripped.strip_prefix(['<', '>']).unwrap_or(&stripped);
    let r = r.strip_prefix('=').unwrap_or(r);
    let r = r.strip_prefix('v').unwrap_or(r);
    let (core, pre) = match r.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (r, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| number(p)) && pre.is_none_or(identifiers)
}

/// `[v=]*` then `xr(.xr(.xr pre?)?)?` (builds were stripped). Numbers before any wildcard end up
/// in a comparator, so they must fit a JavaScript number; parts after a wildcard are dropped,
/// except that a plain comparator (`x.1`, `>x.1`) refuses a number there (`strict_order`).
fn partial(s: &str, strict_order: bool) -> bool {
    let core = s.trim_start_matches(['v', '=']);
    let parts: Vec<&str> = core.splitn(3, '.').collect();
    let (patch, pre) = match parts.get(2) {
        Some(p) => match p.split_once('-') {
            Some((patch, pre)) => (Some(patch), Some(pre)),
            None => (Some(*p), None),
        },
        None => (None, None),
    };
    if pre.is_some() && patch.is_none() {
        return false;
    }
    let xrs = [Some(parts[0]), parts.get(1).copied(), patch];
    let mut wildcard = false;
    for xr in xrs.into_iter().flatten() {
        let is_x = matches!(xr, "x" | "X" | "*");
        let valid = if wildcard { is_x || (!strict_order && number_text(xr)) } else { is_x || number(xr) };
        if !valid {
            return false;
        }
        wildcard |= is_x;
    }
    pre.is_none_or(identifiers)
}

/// A number as node-semver reads it: no leading zero, at most `Number.MAX_SAFE_INTEGER`.
fn number(s: &str) -> bool {
    number_text(s) && s.parse::<u64>().is_ok_and(|n| n < (1 << 53))
}

/// Digits without a leading zero.
fn number_text(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

/// Pre-release identifiers: numeric ones without a leading zero.
fn identifiers(s: &str) -> bool {
    s.split('.').all(|id| {
        let charset = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let numeric = id.bytes().all(|b| b.is_ascii_digit());
        charset && (!numeric || id == "0" || !id.starts_with('0'))
    })
}
