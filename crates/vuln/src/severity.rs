//! Qualitative severity of an advisory.
//!
//! One scale for every source: CVSS base scores map onto FIRST's bands (0 none, 0.1–3.9 low, 4.0–6.9
//! medium, 7.0–8.9 high, 9.0–10 critical; v2 has no critical band, as NVD rates it); database labels
//! map by name, with GHSA's `MODERATE` as medium. The record's severity is the maximum over all its CVSS
//! vectors (top-level and per `affected[]`), else `database_specific.severity`, else the other labels
//! OSV carries (Ubuntu's `severity[].score`, RustSec's `ecosystem_specific.severity`).

use crate::{Advisory, cvss};
use std::fmt;
use std::str::FromStr;

/// Qualitative severity, ordered from least to most severe (`Unknown` lowest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Severity {
    #[default]
    Unknown,
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// FIRST's CVSS v3/v4 qualitative rating of a base score.
    pub fn from_score(score: f32) -> Self {
        if !(0.0..=10.0).contains(&score) {
            Self::Unknown
        } else if score == 0.0 {
            Self::None
        } else if score < 4.0 {
            Self::Low
        } else if score < 7.0 {
            Self::Medium
        } else if score < 9.0 {
            Self::High
        } else {
            Self::Critical
        }
    }
}

/// A label that is not a known severity name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity label {0:?}")]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;

    /// Case-insensitive; `moderate` (GHSA) and `important` (Red Hat) are accepted as medium and high.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "unknown" => Ok(Self::Unknown),
            "none" | "negligible" => Ok(Self::None),
            "low" => Ok(Self::Low),
            "medium" | "moderate" => Ok(Self::Medium),
            "high" | "important" => Ok(Self::High),
            "critical" => Ok(Self::Critical),
            _ => Err(UnknownSeverity(s.to_owned())),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Advisory {
    /// The record's severity and highest CVSS base score (see the module docs for the precedence).
    pub fn severity(&self) -> (Severity, Option<f32>) {
        let entries = self.severity.iter().chain(self.affected.iter().flat_map(|a| a.severity.iter()));
        let mut best: Option<cvss::Score> = None;
        let mut labels = Severity::Unknown;
        for entry in entries {
            match cvss::score(&entry.score) {
                Some(score) if best.is_none_or(|b| (score.severity, score.value) > (b.severity, b.value)) => {
                    best = Some(score)
                }
                Some(_) => {}
                None => labels = labels.max(entry.score.parse().unwrap_or(Severity::Unknown)),
            }
        }
        if let Some(best) = best {
            return (best.severity, Some(best.value));
        }
        if let Some(label) = self.database_severity().and_then(|s| s.parse().ok()) {
            return (label, None);
        }
        (labels.max(self.ecosystem_labels()), None)
    }

    /// `affected[].ecosystem_specific.severity` and `affected[].database_specific.severity` labels.
    fn ecosystem_labels(&self) -> Severity {
        self.affected
            .iter()
            .flat_map(|a| [&a.ecosystem_specific, &a.database_specific])
            .filter_map(|v| v.as_ref()?.get("severity")?.as_str()?.parse().ok())
            .max()
            .unwrap_or(Severity::Unknown)
    }
}
