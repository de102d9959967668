//! Unbounded non-negative integers kept as their decimal text: versions carry numbers far beyond
//! `u64` (dates, hashes-as-numbers), and parsing them into a bignum is not needed to order them.

use std::cmp::Ordering;

/// Compares two all-digit strings by numeric value (`"007" == "7"`, `"10" > "9"`). An empty string is 0.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Whether `s` is a non-empty run of ASCII digits.
pub(crate) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Splits `s` after its leading run of ASCII digits.
pub(crate) fn split_digits(s: &str) -> (&str, &str) {
    s.split_at(s.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(s.len()))
}
