//! apk version ordering, as osv-scalibr's `version-alpine.go`:
//! `number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}`.
//!
//! Like apk itself, every string parses: what does not fit the grammar is kept as a remainder and marks
//! the version invalid. The parsed parts decide first; then an invalid tail sorts lowest, and two
//! invalid tails compare as text.

use super::digits::{cmp_digits, split_digits};
use std::cmp::Ordering;

/// Suffixes in ascending order; the empty suffix sits between `rc` and `cvs`, `p` is highest.
const SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
/// The weight of "no suffix" (a missing suffix compares as this).
const NO_SUFFIX: u8 = 4;

/// An Alpine (apk) package version.
#[derive(Debug, Clone)]
pub struct AlpineVersion {
    invalid: bool,
    components: Vec<String>,
    letter: Option<u8>,
    suffixes: Vec<(u8, String)>,
    build: String,
    remainder: String,
}

impl AlpineVersion {
    /// Parses a version. Only an empty string is refused.
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() {
            return None;
        }
        let (components, rest) = parse_components(s);
        let (letter, rest) = match rest.as_bytes().first() {
            Some(&c) if c.is_ascii_lowercase() => (Some(c), &rest[1..]),
            _ => (None, rest),
        };
        let (suffixes, rest) = parse_suffixes(rest);
        let rest = skip_hash(&rest);
        let (build, rest, invalid) = parse_build(rest);
        Some(Self { invalid, components, letter, suffixes, build: build.to_owned(), remainder: rest.to_owned() })
    }

    /// Whether the whole string fits apk's grammar.
    pub fn is_valid(&self) -> bool {
        !self.invalid && self.remainder.is_empty()
    }

    fn cmp_components(&self, other: &Self) -> Ordering {
        for (i, (a, b)) in self.components.iter().zip(&other.components).enumerate() {
            // After the first component a leading zero makes the number a decimal fraction: compare text.
            let order = if i != 0 && (a.starts_with('0') || b.starts_with('0')) { a.cmp(b) } else { cmp_digits(a, b) };
            if order != Ordering::Equal {
                return order;
            }
        }
        // Equal so far: more components is greater (`1 < 1.0`, as apk).
        self.components.len().cmp(&other.components.len())
    }

    /// Where the leftovers rank: an invalid tail lowest, nothing left, then a tail after a valid `-r`.
    fn tail_rank(&self) -> u8 {
        match (self.invalid, self.remainder.is_empty()) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2,
        }
    }

    fn cmp_suffixes(&self, other: &Self) -> Ordering {
        let none = (NO_SUFFIX, String::new());
        let n = self.suffixes.len().max(other.suffixes.len());
        for i in 0..n {
            let (aw, an) = self.suffixes.get(i).unwrap_or(&none);
            let (bw, bn) = other.suffixes.get(i).unwrap_or(&none);
            let order = aw.cmp(bw).then_with(|| cmp_digits(an, bn));
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }
}

/// `^((\d+)\.?)*`: digit runs each optionally followed by one dot.
fn parse_components(s: &str) -> (Vec<String>, &str) {
    let mut components = Vec::new();
    let mut rest = s;
    loop {
        let (digits, after) = split_digits(rest);
        if digits.is_empty() {
            break;
        }
        components.push(digits.to_owned());
        rest = after;
        match rest.strip_prefix('.') {
            Some(after_dot) => rest = after_dot,
            None => return (components, rest),
        }
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            // A dot not followed by a number still counts as a (lowest) component: `1 < 1.`.
            components.push(String::new());
            return (components, rest);
        }
    }
    (components, rest)
}

/// Finds every `_(suffix)(\d*)` in `s` (leftmost-first, like the reference's unanchored regex) and strips
/// those that follow one another from the front.
fn parse_suffixes(s: &str) -> (Vec<(u8, String)>, String) {
    let mut suffixes = Vec::new();
    let mut rest = s.to_owned();
    let mut i = 0;
    while let Some(offset) = s[i..].find('_') {
        let start = i + offset;
        let after = &s[start + 1..];
        let Some((weight, name)) = SUFFIXES.iter().enumerate().find(|(_, name)| after.starts_with(**name)) else {
            i = start + 1;
            continue;
        };
        let (number, _) = split_digits(&after[name.len()..]);
        let matched = &s[start..start + 1 + name.len() + number.len()];
        let weight = u8::try_from(weight).unwrap_or(u8::MAX);
        suffixes.push((if weight >= NO_SUFFIX { weight + 1 } else { weight }, number.to_owned()));
        if let Some(stripped) = rest.strip_prefix(matched) {
            rest = stripped.to_owned();
        }
        i = start + matched.len();
    }
    (suffixes, rest)
}

/// `~[0-9a-f]+`: a commit hash, ignored by the ordering.
fn skip_hash(s: &str) -> &str {
    match s.strip_prefix('~') {
        Some(after) => {
            let end = after.bytes().position(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f')).unwrap_or(after.len());
            if end == 0 { s } else { &after[end..] }
        }
        None => s,
    }
}

/// `-r\d*` at the end; anything else left over makes the version invalid.
fn parse_build(s: &str) -> (&str, &str, bool) {
    if s.is_empty() {
        return ("0", s, false);
    }
    match s.strip_prefix("-r") {
        Some(after) => {
            let (digits, rest) = split_digits(after);
            (digits, rest, false)
        }
        None => ("0", s, true),
    }
}

impl Ord for AlpineVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_components(other)
            .then_with(|| match (self.letter, other.letter) {
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (a, b) => a.cmp(&b),
            })
            .then_with(|| self.cmp_suffixes(other))
            .then_with(|| cmp_digits(&self.build, &other.build))
            .then_with(|| self.tail_rank().cmp(&other.tail_rank()))
            .then_with(|| {
                if self.invalid && other.invalid { self.remainder.cmp(&other.remainder) } else { Ordering::Equal }
            })
    }
}

impl PartialOrd for AlpineVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for AlpineVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for AlpineVersion {}
