//! Gates as written on a repository (`signed=release-*`, `max-severity=high;allow=CVE-2024-1234`):
//! parsed into [`Gate`], shown back in one canonical text.

use crate::meta::Millis;
use crate::retention::Age;
use crate::time::parse_rfc3339;
use std::fmt;
use std::str::FromStr;

/// The longest gate text accepted (an allowlist of a few hundred advisories).
pub const MAX_GATE_BYTES: usize = 8 * 1024;
/// The most approvals a gate may require.
pub const MAX_APPROVALS: u32 = 100;

/// The gate names, as listed when a gate is unknown.
const KNOWN: &str =
    "signed, sbom, provenance, max-severity=<severity>, approvals=<n>, soak=<duration>, cel=<expression>";

/// How severe a vulnerability finding is, lowest first. Written in lower case; `moderate` (OSV,
/// GitHub advisories) is read as [`Severity::Medium`], and any case is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "low" => Some(Self::Low),
            "medium" | "moderate" => Some(Self::Medium),
            "high" => Some(Self::High),
            "critical" => Some(Self::Critical),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Severity {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text).ok_or_else(|| format!("unknown severity `{text}`: expected low, medium, high or critical"))
    }
}

impl From<Severity> for &'static str {
    fn from(severity: Severity) -> Self {
        severity.as_str()
    }
}

/// One condition a version must meet to be promoted into a repository. Build gates with
/// [`Gate::parse`]; its [`Display`](fmt::Display) is the canonical text, which parses back to the
/// same gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// `signed`, `signed=<key glob>`: a signature verified by one of the server's trust roots,
    /// with the glob, by a key whose id matches it.
    Signed { key: Option<String> },
    /// `sbom`: an SBOM (SPDX, CycloneDX) refers to the version.
    Sbom,
    /// `provenance`, `provenance=<builder glob>`, `provenance=<builder glob>,<source glob>`: SLSA
    /// provenance verified by a trust root, with the globs, one whose `builder.id` matches the first
    /// and whose source repository matches the second. A glob cannot contain `,`.
    Provenance { builder: Option<String>, source: Option<String> },
    /// `max-severity=<severity>[;allow=<id>[@<expiry>],…]`: the scan found nothing **at or above**
    /// `at` (`max-severity=high` blocks high and critical findings, lets medium and low through).
    /// An unscanned version fails. Findings whose advisory id is allowlisted do not block until
    /// the entry expires.
    MaxSeverity { at: Severity, allow: Vec<Allowed> },
    /// `approvals=<n>`, 1 ≤ n ≤ [`MAX_APPROVALS`]: approved by at least n distinct principals
    /// allowed to promote into the repository.
    Approvals(u32),
    /// `soak=<duration>` (`24h`, `7d`; see [`Age`]): the version has been in the source
    /// repository at least that long.
    Soak(Age),
    /// `cel=<expression>`: a CEL expression over the facts (see [`super::cel`]) that must evaluate to
    /// `true`. [`Gate::parse`] compiles it, so a gate built by it holds an expression that parses;
    /// the text is kept as written (trimmed).
    Cel(String),
}

/// An allowlisted advisory of a `max-severity` gate: `CVE-2024-1234` or `CVE-2024-1234@2027-01-01`.
/// Ids compare without regard to ASCII case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// Letters, digits and `-_.:/` (`CVE-…`, `GHSA-…`, `RUSTSEC-…`, `RHSA-2024:1234`).
    pub id: String,
    pub until: Option<Expiry>,
}

/// When an allowlist entry stops allowing: `YYYY-MM-DD` (the start of that day, UTC) or an RFC 3339
/// time. The entry allows while `now < at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiry {
    at: Millis,
    text: String,
}

impl Expiry {
    pub fn parse(text: &str) -> Option<Self> {
        let at = if text.len() == 10 { parse_rfc3339(&format!("{text}T00:00:00Z")) } else { parse_rfc3339(text) }?;
        Some(Self { at, text: text.to_owned() })
    }

    pub fn at(&self) -> Millis {
        self.at
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Why a text is not a gate: names the text (cut to 100 characters) and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("gate `{text}`: {problem}")]
pub struct GateError {
    text: String,
    problem: GateProblem,
}

/// What is wrong with a gate's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateProblem {
    #[error("unknown gate; the gates are {KNOWN}")]
    Unknown,
    #[error("`{0}` takes no value")]
    UnexpectedValue(&'static str),
    #[error("{0}")]
    Invalid(String),
    /// A `cel=` expression that does not compile: the parser's message.
    #[error("{0}")]
    Cel(String),
    #[error("the gate is {len} bytes; at most {MAX_GATE_BYTES} are allowed")]
    TooLong { len: usize },
}

impl GateError {
    fn new(text: &str, problem: GateProblem) -> Self {
        let text = match text.char_indices().nth(100) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text.to_owned(),
        };
        Self { text, problem }
    }

    /// The gate text, cut to 100 characters.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn problem(&self) -> &GateProblem {
        &self.problem
    }
}

impl Gate {
    /// Parses one gate (surrounding whitespace is ignored; none is allowed inside).
    pub fn parse(text: &str) -> Result<Self, GateError> {
        let fail = |problem| GateError::new(text, problem);
        let invalid = |message: String| fail(GateProblem::Invalid(message));
        if text.len() > MAX_GATE_BYTES {
            return Err(fail(GateProblem::TooLong { len: text.len() }));
        }
        let trimmed = text.trim();
        let (name, value) = match trimmed.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (trimmed, None),
        };
        if name == "cel" {
            let expression = value.map(str::trim).unwrap_or_default();
            if expression.is_empty() {
                return Err(invalid("`cel` needs an expression: `cel=<expression>`".into()));
            }
            return match super::cel::compile(expression) {
                Ok(_) => Ok(Self::Cel(expression.to_owned())),
                Err(why) => Err(fail(GateProblem::Cel(why))),
            };
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("whitespace and control characters are not allowed in a gate".into()));
        }
        let required = |expected: &str| match value {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(invalid(format!("`{name}` needs a value: `{name}={expected}`"))),
        };
        let glob = |what: &str, glob: &str| match glob {
            "" => Err(invalid(format!("the {what} glob is empty"))),
            g => Ok(g.to_owned()),
        };
        match name {
            "signed" => Ok(Self::Signed { key: value.map(|k| glob("key id", k)).transpose()? }),
            "sbom" => match value {
                None => Ok(Self::Sbom),
                Some(_) => Err(fail(GateProblem::UnexpectedValue("sbom"))),
            },
            "provenance" => match value.map(|v| v.split(',').collect::<Vec<_>>()).as_deref() {
                None => Ok(Self::Provenance { builder: None, source: None }),
                Some([builder]) => Ok(Self::Provenance { builder: Some(glob("builder id", builder)?), source: None }),
                Some([builder, source]) => Ok(Self::Provenance {
                    builder: Some(glob("builder id", builder)?),
                    source: Some(glob("source repository", source)?),
                }),
                Some(_) => Err(invalid("expected `provenance=<builder id glob>[,<source repository glob>]`".into())),
            },
            "max-severity" => {
                let value = required("<low|medium|high|critical>[;allow=<advisory id>[@<expiry>],…]")?;
                let (severity, options) = value.split_once(';').map_or((value, None), |(s, o)| (s, Some(o)));
                let at = Severity::parse(severity).ok_or_else(|| {
                    invalid(format!("unknown severity `{severity}`: expected low, medium, high or critical"))
                })?;
                let allow = match options {
                    None => Vec::new(),
                    Some(options) => match options.strip_prefix("allow=") {
                        Some(list) => parse_allowlist(list).map_err(invalid)?,
                        None => return Err(invalid(format!("unknown option `{options}`: expected `allow=<ids>`"))),
                    },
                };
                Ok(Self::MaxSeverity { at, allow })
            }
            "approvals" => {
                let n = required("<n>")?;
                let count = Some(n)
                    .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|n| n.parse::<u32>().ok())
                    .filter(|n| (1..=MAX_APPROVALS).contains(n))
                    .ok_or_else(|| invalid(format!("`{n}` is not a number of approvals from 1 to {MAX_APPROVALS}")))?;
                Ok(Self::Approvals(count))
            }
            "soak" => Age::parse(required("<duration>")?).map(Self::Soak).map_err(|e| invalid(e.to_string())),
            _ => Err(fail(GateProblem::Unknown)),
        }
    }

    /// The gate's name: `signed`, `sbom`, `provenance`, `max-severity`, `approvals`, `soak` or `cel`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Signed { .. } => "signed",
            Self::Sbom => "sbom",
            Self::Provenance { .. } => "provenance",
            Self::MaxSeverity { .. } => "max-severity",
            Self::Approvals(_) => "approvals",
            Self::Soak(_) => "soak",
            Self::Cel(_) => "cel",
        }
    }
}

/// `id[@expiry],…`: at least one entry, no id twice.
fn parse_allowlist(list: &str) -> Result<Vec<Allowed>, String> {
    if list.is_empty() {
        return Err("`allow=` lists no advisory id".into());
    }
    let mut allowed: Vec<Allowed> = Vec::new();
    for entry in list.split(',') {
        let (id, until) = entry.split_once('@').map_or((entry, None), |(id, until)| (id, Some(until)));
        let id_chars = |c: char| c.is_ascii_alphanumeric() || "-_.:/".contains(c);
        if id.is_empty() || !id.chars().all(id_chars) {
            return Err(format!("`{id}` is not an advisory id (letters, digits and - _ . : /) in `allow=`"));
        }
        let until = until
            .map(|u| Expiry::parse(u).ok_or_else(|| format!("`{u}` is not an expiry date (YYYY-MM-DD or RFC 3339)")))
            .transpose()?;
        if allowed.iter().any(|a| a.id.eq_ignore_ascii_case(id)) {
            return Err(format!("`{id}` is allowlisted twice"));
        }
        allowed.push(Allowed { id: id.to_owned(), until });
    }
    Ok(allowed)
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Self::Signed { key: None } | Self::Sbom | Self::Provenance { builder: None, source: None } => Ok(()),
            Self::Signed { key: Some(key) } => write!(f, "={key}"),
            Self::Provenance { builder, source } => {
                write!(f, "={}", builder.as_deref().unwrap_or("*"))?;
                source.as_ref().map_or(Ok(()), |source| write!(f, ",{source}"))
            }
            Self::MaxSeverity { at, allow } => {
                write!(f, "={at}")?;
                for (i, allowed) in allow.iter().enumerate() {
                    f.write_str(if i == 0 { ";allow=" } else { "," })?;
                    f.write_str(&allowed.id)?;
                    if let Some(until) = &allowed.until {
                        write!(f, "@{}", until.as_str())?;
                    }
                }
                Ok(())
            }
            Self::Approvals(n) => write!(f, "={n}"),
            Self::Soak(age) => write!(f, "={age}"),
            Self::Cel(expression) => write!(f, "={expression}"),
        }
    }
}

impl FromStr for Gate {
    type Err = GateError;

    fn from_str(text: &str) -> Result<Self, GateError> {
        Self::parse(text)
    }
}

/// Parses a repository's gates, in order. A gate may appear with several values, each of which must
/// pass (`signed=ci-*` and `signed=release-*`: signed by both keys); the same gate twice counts once.
pub fn parse_gates(texts: &[String]) -> Result<Vec<Gate>, GateError> {
    let mut gates: Vec<Gate> = Vec::with_capacity(texts.len());
    for text in texts {
        let gate = Gate::parse(text)?;
        if !gates.contains(&gate) {
            gates.push(gate);
        }
    }
    Ok(gates)
}
