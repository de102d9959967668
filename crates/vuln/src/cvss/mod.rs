//! CVSS base scores computed from vector strings.
//!
//! OSV records carry vectors, not scores, so the score must be computed here: v3.0/v3.1 and v2 with the
//! specifications' formulas, v4.0 with FIRST's MacroVector lookup and interpolation (the reference
//! calculator's algorithm, see `v4.rs`). A vector that does not parse yields `None`, never a guess.

mod v2;
mod v3;
mod v4;

use crate::Severity;

/// A computed base score and its qualitative rating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub version: CvssVersion,
    pub value: f32,
    pub severity: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CvssVersion {
    V2,
    V3_0,
    V3_1,
    V4_0,
}

/// Longest vector accepted (a full v4.0 vector with every optional metric is under 200 bytes).
const MAX_VECTOR_LEN: usize = 512;

/// Scores a CVSS vector string of any supported version; `None` if it is not a valid vector.
pub fn score(vector: &str) -> Option<Score> {
    let vector = vector.trim();
    if vector.len() > MAX_VECTOR_LEN {
        return None;
    }
    let (version, value) = if let Some(rest) = vector.strip_prefix("CVSS:3.1/") {
        (CvssVersion::V3_1, v3::base_score(rest, true)?)
    } else if let Some(rest) = vector.strip_prefix("CVSS:3.0/") {
        (CvssVersion::V3_0, v3::base_score(rest, false)?)
    } else if let Some(rest) = vector.strip_prefix("CVSS:4.0/") {
        (CvssVersion::V4_0, v4::base_score(rest)?)
    } else {
        let rest = vector.strip_prefix('(').and_then(|v| v.strip_suffix(')')).unwrap_or(vector);
        (CvssVersion::V2, v2::base_score(rest.strip_prefix("CVSS:2.0/").unwrap_or(rest))?)
    };
    let value = value as f32;
    let severity = match version {
        CvssVersion::V2 if value >= 7.0 => Severity::High,
        _ => Severity::from_score(value),
    };
    Some(Score { version, value, severity })
}

/// Splits `K:V/K:V/…` into pairs, refusing empty parts, duplicate keys and keys outside `known`.
fn metrics<'a>(vector: &'a str, known: &[&str]) -> Option<Vec<(&'a str, &'a str)>> {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for part in vector.split('/') {
        let (key, value) = part.split_once(':')?;
        if value.is_empty() || !known.contains(&key) || pairs.iter().any(|(k, _)| *k == key) {
            return None;
        }
        pairs.push((key, value));
    }
    Some(pairs)
}

/// The value of metric `key`, mapped through `table` (`None` if missing or not in the table).
fn lookup(pairs: &[(&str, &str)], key: &str, table: &[(&str, f64)]) -> Option<f64> {
    let value = pairs.iter().find(|(k, _)| *k == key)?.1;
    table.iter().find(|(v, _)| *v == value).map(|(_, weight)| *weight)
}

#[cfg(test)]
#[path = "cvss_tests.rs"]
mod tests;
