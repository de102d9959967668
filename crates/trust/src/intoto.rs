//! in-toto attestation Statements (v1, and v0.1 which cosign attest, buildx and
//! slsa-github-generator still emit): what was attested (`subject` digests), by what kind of claim
//! (`predicateType`), and the claim itself (`predicate`).
//!
//! Parsing is lenient where the spec says so (unknown fields ignored; unset, null and empty are
//! equivalent) and strict where matching depends on it: `_type` must be one of the two statement
//! URIs, and a subject matches only through its `sha256` digest compared as lowercase hex.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// `_type` of Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of Statement v0.1.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";

/// A statement; `type_` is [`STATEMENT_V1`] or [`STATEMENT_V01`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "_type")]
    pub type_: String,
    #[serde(rename = "subject", default, deserialize_with = "null_as_default")]
    pub subjects: Vec<Subject>,
    #[serde(rename = "predicateType", default, deserialize_with = "null_as_default")]
    pub predicate_type: String,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub predicate: Value,
}

/// One subject: an optional name and its digests by algorithm (`sha256`, `sha512`, `gitCommit`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub digest: BTreeMap<String, String>,
}

/// Why a statement could not be read. `code()` is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("not an in-toto statement: {0}")]
    Json(String),
    #[error("unknown statement type {0:?}")]
    UnknownType(String),
    #[error("statement has no predicateType")]
    NoPredicateType,
}

impl StatementError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Json(_) => "statement.json",
            Self::UnknownType(_) => "statement.unknown_type",
            Self::NoPredicateType => "statement.no_predicate_type",
        }
    }
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

impl Statement {
    /// Reads a statement from the exact bytes that were verified.
    pub fn parse(json: &[u8]) -> Result<Self, StatementError> {
        let statement: Statement = serde_json::from_slice(json).map_err(|e| StatementError::Json(e.to_string()))?;
        if statement.type_ != STATEMENT_V1 && statement.type_ != STATEMENT_V01 {
            return Err(StatementError::UnknownType(statement.type_));
        }
        if statement.predicate_type.is_empty() {
            return Err(StatementError::NoPredicateType);
        }
        Ok(statement)
    }

    /// A v1 statement about one artifact, named `subject_name` (may be empty), digest `sha256_hex`.
    pub fn v1(subject_name: &str, sha256_hex: &str, predicate_type: &str, predicate: Value) -> Self {
        let subject = Subject {
            name: subject_name.to_owned(),
            digest: BTreeMap::from([("sha256".to_owned(), strip_sha256(sha256_hex).to_ascii_lowercase())]),
        };
        Self { type_: STATEMENT_V1.into(), subjects: vec![subject], predicate_type: predicate_type.into(), predicate }
    }

    /// Compact JSON (`_type`, `subject`, `predicateType`, `predicate`; a null predicate is omitted).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Whether some subject's `sha256` digest equals `sha256_hex` (lowercase compare; a
    /// `sha256:` prefix is allowed). Other algorithms never match: sha256 is the only one allowed.
    pub fn covers(&self, sha256_hex: &str) -> bool {
        let wanted = strip_sha256(sha256_hex).to_ascii_lowercase();
        !wanted.is_empty()
            && self.subjects.iter().any(|s| s.digest.get("sha256").is_some_and(|d| d.to_ascii_lowercase() == wanted))
    }

    /// Whether the predicate type is `prefix` itself or a versioned form of it (`…/bom` matches
    /// `…/bom/v1.5`), because producers write both.
    pub fn predicate_type_matches(&self, prefix: &str) -> bool {
        let prefix = prefix.trim_end_matches('/');
        self.predicate_type == prefix
            || self.predicate_type.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
    }
}

fn strip_sha256(digest: &str) -> &str {
    digest.strip_prefix("sha256:").unwrap_or(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172";

    #[test]
    fn builder_round_trips_and_covers_its_subject() {
        let st = Statement::v1("img", HEX, "https://example.com/p", serde_json::json!({"a": 1}));
        let again = Statement::parse(&st.to_json()).unwrap();
        assert_eq!(again, st);
        assert!(again.covers(HEX) && again.covers(&HEX.to_uppercase()) && again.covers(&format!("sha256:{HEX}")));
        assert!(!again.covers(&HEX[1..]) && !again.covers(""));
    }

    #[test]
    fn nulls_are_empty_and_unknown_types_are_refused() {
        let st =
            Statement::parse(br#"{"_type":"https://in-toto.io/Statement/v0.1","subject":null,"predicateType":"x"}"#)
                .unwrap();
        assert!(st.subjects.is_empty() && st.predicate.is_null());
        let err = Statement::parse(br#"{"_type":"https://in-toto.io/Statement/v2","predicateType":"x"}"#).unwrap_err();
        assert_eq!(err.code(), "statement.unknown_type");
        let only_sha512 = br#"{"_type":"https://in-toto.io/Statement/v1","predicateType":"x","subject":[{"digest":{"sha512":"ab"}}]}"#;
        assert!(!Statement::parse(only_sha512).unwrap().covers("ab"));
    }

    #[test]
    fn predicate_types_match_by_prefix() {
        let st = Statement::v1("", HEX, "https://cyclonedx.org/bom/v1.5", Value::Null);
        assert!(st.predicate_type_matches("https://cyclonedx.org/bom"));
        assert!(!st.predicate_type_matches("https://cyclonedx.org/bo"));
    }
}
