//! dpkg version ordering (`deb-version(7)`), as osv-scalibr's `version-debian.go`:
//! `[epoch:]upstream[-revision]`; `~` sorts before everything, even the end of the string.

use super::digits::{cmp_digits, is_digits, split_digits};
use std::cmp::Ordering;

/// A Debian/Ubuntu package version.
#[derive(Debug, Clone)]
pub struct DebianVersion {
    epoch: String,
    upstream: String,
    revision: String,
}

impl DebianVersion {
    /// Parses a version; `None` if the epoch is not a number.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (epoch, rest) = match s.split_once(':') {
            Some((epoch, rest)) if is_digits(epoch) => (epoch, rest),
            Some(_) => return None,
            None => ("0", s),
        };
        let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, "0"));
        Some(Self { epoch: epoch.to_owned(), upstream: upstream.to_owned(), revision: revision.to_owned() })
    }
}

impl Ord for DebianVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(&self.epoch, &other.epoch)
            .then_with(|| cmp_part(&self.upstream, &other.upstream))
            .then_with(|| cmp_part(&self.revision, &other.revision))
    }
}

impl PartialOrd for DebianVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DebianVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DebianVersion {}

/// dpkg's `verrevcmp`: alternate non-digit runs (by [`weight`]) and digit runs (numerically).
fn cmp_part(mut a: &str, mut b: &str) -> Ordering {
    while !a.is_empty() || !b.is_empty() {
        let (a_text, a_rest) = split_non_digits(a);
        let (b_text, b_rest) = split_non_digits(b);
        let len = a_text.len().max(b_text.len());
        for i in 0..len {
            let order = weight(a_text.as_bytes().get(i)).cmp(&weight(b_text.as_bytes().get(i)));
            if order != Ordering::Equal {
                return order;
            }
        }
        let (a_num, a_rest) = split_digits(a_rest);
        let (b_num, b_rest) = split_digits(b_rest);
        let order = cmp_digits(a_num, b_num);
        if order != Ordering::Equal {
            return order;
        }
        (a, b) = (a_rest, b_rest);
    }
    Ordering::Equal
}

fn split_non_digits(s: &str) -> (&str, &str) {
    s.split_at(s.bytes().position(|b| b.is_ascii_digit()).unwrap_or(s.len()))
}

/// `~` first, then the end of the string, then letters, then every other character.
fn weight(c: Option<&u8>) -> u32 {
    match c {
        Some(b'~') => 1,
        None => 2,
        Some(&c) if c.is_ascii_alphabetic() => u32::from(c),
        Some(&c) => u32::from(c) + 256,
    }
}
