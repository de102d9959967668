//! RubyGems version ordering (`Gem::Version#<=>`), as osv-scalibr's `version-rubygems.go`: a dot is
//! inserted between digit and non-digit runs, trailing zero segments are dropped, numeric segments
//! compare numerically and sort after string segments (`1.0.a < 1.0`).

use super::digits::{cmp_digits, is_digits};
use std::cmp::Ordering;

/// A RubyGems version.
#[derive(Debug, Clone)]
pub struct RubyGemsVersion {
    segments: Vec<String>,
}

impl RubyGemsVersion {
    /// Parses a version. Only an empty string is refused.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let canonical = canonicalize(s);
        let segments: Vec<&str> = canonical.split('.').collect();
        let split = segments.iter().position(|seg| !is_digits(seg)).unwrap_or(segments.len());
        let (numbers, build) = segments.split_at(split);
        let mut out = trim_zeros(numbers);
        out.extend(trim_zeros(build));
        Some(Self { segments: out })
    }
}

/// Inserts a `.` wherever a digit run meets a non-digit run (`1.0a1` → `1.0.a.1`).
fn canonicalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    let mut previous: Option<bool> = None;
    for c in s.chars() {
        if c == '.' {
            out.push('.');
            previous = None;
            continue;
        }
        let digit = c.is_ascii_digit();
        if previous.is_some_and(|was_digit| was_digit != digit) {
            out.push('.');
        }
        out.push(c);
        previous = Some(digit);
    }
    out
}

/// Drops trailing `"0"` segments.
fn trim_zeros(segments: &[&str]) -> Vec<String> {
    let keep = segments.iter().rposition(|seg| *seg != "0").map_or(0, |i| i + 1);
    segments[..keep].iter().map(|seg| (*seg).to_owned()).collect()
}

impl Ord for RubyGemsVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.segments.len().max(other.segments.len());
        for i in 0..n {
            let a = self.segments.get(i).map_or("0", String::as_str);
            let b = other.segments.get(i).map_or("0", String::as_str);
            let order = match (is_digits(a), is_digits(b)) {
                (true, true) => cmp_digits(a, b),
                (false, false) => a.cmp(b),
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for RubyGemsVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RubyGemsVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RubyGemsVersion {}
