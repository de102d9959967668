//! A lenient serde model of an OSV record (OSV schema 1.x).
//!
//! Lenient on purpose (see supply-chain reference §0 fact 12): unknown fields are ignored, the ecosystem
//! stays a string (the list keeps growing), every optional field may be missing, and an event with an
//! unknown key is kept as [`Event::Other`] rather than failing the record. Only a record that is not
//! JSON, lacks an `id`, or exceeds [`MAX_RECORD_BYTES`] is refused.

use crate::OsvError;
use serde::{Deserialize, Serialize};

/// Largest single record accepted. Real records are a few KiB; the biggest OSV records (kernel CVEs
/// with long `versions` lists) stay well under 2 MiB.
pub const MAX_RECORD_BYTES: u64 = 8 * 1024 * 1024;

/// One OSV advisory record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Advisory {
    #[serde(deserialize_with = "nullable")]
    pub id: String,
    pub modified: Option<String>,
    pub published: Option<String>,
    pub withdrawn: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub severity: Vec<SeverityEntry>,
    #[serde(deserialize_with = "nullable")]
    pub affected: Vec<AffectedEntry>,
    pub database_specific: Option<serde_json::Value>,
}

/// A `severity[]` item: `type` is `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, …; `score` is a vector
/// string (or a label for `Ubuntu`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeverityEntry {
    #[serde(rename = "type")]
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    #[serde(deserialize_with = "nullable")]
    pub score: String,
}

/// An `affected[]` item: one package and the versions of it the advisory covers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AffectedEntry {
    pub package: Option<Package>,
    #[serde(deserialize_with = "nullable")]
    pub severity: Vec<SeverityEntry>,
    #[serde(deserialize_with = "nullable")]
    pub ranges: Vec<Range>,
    #[serde(deserialize_with = "nullable")]
    pub versions: Vec<String>,
    pub ecosystem_specific: Option<serde_json::Value>,
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Package {
    #[serde(deserialize_with = "nullable")]
    pub ecosystem: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub purl: Option<String>,
}

/// A `ranges[]` item. `kind` is `SEMVER`, `ECOSYSTEM` or `GIT` (others are kept and ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Range {
    #[serde(rename = "type")]
    #[serde(deserialize_with = "nullable")]
    pub kind: String,
    pub repo: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub events: Vec<Event>,
}

/// One range event; each has exactly one key in the schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
    /// An event this model does not know (a newer schema, or a malformed record); never matches.
    #[serde(untagged)]
    Other(serde_json::Value),
}

impl Event {
    /// The version the event names, if it is a known kind.
    pub fn version(&self) -> Option<&str> {
        match self {
            Self::Introduced(v) | Self::Fixed(v) | Self::LastAffected(v) | Self::Limit(v) => Some(v),
            Self::Other(_) => None,
        }
    }
}

impl Advisory {
    /// Whether the record has been withdrawn (it then never matches).
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.as_deref().is_some_and(|w| !w.trim().is_empty())
    }

    /// `database_specific.severity` as a string (GHSA: `LOW`, `MODERATE`, `HIGH`, `CRITICAL`).
    pub fn database_severity(&self) -> Option<&str> {
        self.database_specific.as_ref()?.get("severity")?.as_str()
    }
}

/// Reads `null` as the type's default, so `"aliases": null` is an empty list rather than an error.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Parses one OSV JSON record, refusing records over [`MAX_RECORD_BYTES`] and records without an `id`.
pub fn parse_advisory(bytes: &[u8]) -> Result<Advisory, OsvError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > MAX_RECORD_BYTES {
        return Err(OsvError::TooLarge { size, limit: MAX_RECORD_BYTES });
    }
    let advisory: Advisory = serde_json::from_slice(bytes)?;
    if advisory.id.trim().is_empty() {
        return Err(OsvError::MissingId);
    }
    Ok(advisory)
}
