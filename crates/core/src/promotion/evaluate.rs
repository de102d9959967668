//! Gates against what the registry verified about a version: one [`Verdict`] per gate, saying why.

use super::gate::{Allowed, Gate, Severity};
use crate::meta::Millis;
use crate::registry::glob_match;
use crate::retention::Age;
use serde::{Deserialize, Serialize};

/// How many names a reason lists before "and N more".
const LISTED: usize = 5;

/// What is known, verified, about one version being promoted. Filled by the registry; everything
/// here is trusted (signatures and provenance already verified against the server's trust roots).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub now: Millis,
    /// Only signatures verified against a trust root.
    pub signatures: Vec<VerifiedSignature>,
    /// The media or artifact types of the SBOM referrers present (`application/spdx+json`).
    pub sboms: Vec<String>,
    /// Only SLSA provenance verified against a trust root.
    pub provenance: Vec<VerifiedProvenance>,
    /// The findings of the version's scan results.
    pub findings: Vec<Finding>,
    /// Whether any scan result exists: an unscanned version fails `max-severity`.
    pub scanned: bool,
    /// Approvals by principals allowed to promote into the target repository (unexpired).
    pub approvals: Vec<Approval>,
    /// Approvals recorded but past their time to live (`promotion.approval_ttl_secs`): they no
    /// longer count, and the verdict says so.
    pub expired_approvals: Vec<Approval>,
    /// When the version arrived in the source repository (its stage), if known.
    pub arrived_at: Option<Millis>,
    /// The version promoted, as the source holds it (for `cel=` gates).
    pub artifact: ArtifactFacts,
    /// The repository it is promoted from.
    pub source: StageFacts,
    /// The repository it is promoted into.
    pub target: StageFacts,
}

/// Which version is promoted: the `artifact` of a `cel=` gate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArtifactFacts {
    pub repository: String,
    pub package: String,
    /// The tag it is promoted by; `None` when promoted by digest.
    pub version: Option<String>,
    pub digest: String,
    pub media_type: String,
    /// When the manifest was pushed to the source.
    pub created_at: Millis,
}

/// A repository on a promotion's path: the `source` and `target` of a `cel=` gate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageFacts {
    pub repository: String,
    pub stage: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// The id the trust root knows the signing key by (for keyless signing, the identity).
    pub key_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProvenance {
    /// SLSA `builder.id`.
    pub builder_id: String,
    /// The source repository the build says it came from, if it says.
    pub source_repository: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The advisory id (`CVE-2024-1234`, `GHSA-…`).
    pub id: String,
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub principal: String,
    pub at: Millis,
}

/// What a gate said about a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The gate's canonical text.
    pub gate: String,
    pub passed: bool,
    /// Why, for a person: what was found, what matched, what is missing.
    pub reason: String,
}

/// Evaluates each gate against the facts: one verdict per gate, in the gates' order.
pub fn evaluate(gates: &[Gate], facts: &Facts) -> Vec<Verdict> {
    (gates.iter())
        .map(|gate| {
            let (passed, reason) = match gate {
                Gate::Signed { key } => signed(key.as_deref(), facts),
                Gate::Sbom => sbom(facts),
                Gate::Provenance { builder, source } => provenance(builder.as_deref(), source.as_deref(), facts),
                Gate::MaxSeverity { at, allow } => max_severity(*at, allow, facts),
                Gate::Approvals(n) => approvals(*n, facts),
                Gate::Soak(age) => soak(age, facts),
                Gate::Cel(expression) => super::cel::judge(expression, facts),
            };
            Verdict { gate: gate.to_string(), passed, reason }
        })
        .collect()
}

fn signed(key: Option<&str>, facts: &Facts) -> (bool, String) {
    let keys = distinct(facts.signatures.iter().map(|s| s.key_id.as_str()));
    if keys.is_empty() {
        return (false, "no signature verified by a trust root".to_owned());
    }
    let Some(glob) = key else {
        return (true, format!("signed by {}, verified by a trust root", quoted(&keys)));
    };
    let matching: Vec<&str> = keys.iter().copied().filter(|k| glob_match(glob, k)).collect();
    if matching.is_empty() {
        let reason = format!("no key matching `{glob}` signed it (verified signatures by {})", quoted(&keys));
        return (false, reason);
    }
    (true, format!("signed by {}, verified by a trust root, matching `{glob}`", quoted(&matching)))
}

fn sbom(facts: &Facts) -> (bool, String) {
    let types = distinct(facts.sboms.iter().map(String::as_str));
    if types.is_empty() {
        return (false, "no SBOM refers to the version".to_owned());
    }
    (true, format!("SBOM present: {}", quoted(&types)))
}

fn provenance(builder: Option<&str>, source: Option<&str>, facts: &Facts) -> (bool, String) {
    if facts.provenance.is_empty() {
        return (false, "no SLSA provenance verified by a trust root".to_owned());
    }
    let builder_ok = |p: &VerifiedProvenance| builder.is_none_or(|g| glob_match(g, &p.builder_id));
    let source_ok = |p: &VerifiedProvenance| {
        source.is_none_or(|g| p.source_repository.as_deref().is_some_and(|s| glob_match(g, s)))
    };
    if let Some(p) = facts.provenance.iter().find(|p| builder_ok(p) && source_ok(p)) {
        let mut reason = format!("verified provenance built by `{}`", p.builder_id);
        if let Some(glob) = builder {
            reason += &format!(" (matches `{glob}`)");
        }
        if let Some(repository) = &p.source_repository {
            reason += &format!(" from `{repository}`");
            if let Some(glob) = source {
                reason += &format!(" (matches `{glob}`)");
            }
        }
        return (true, reason);
    }
    let why_not = facts.provenance.iter().map(|p| match (&p.source_repository, builder_ok(p)) {
        (_, false) => format!("builder `{}` does not match `{}`", p.builder_id, builder.unwrap_or_default()),
        (None, true) => format!("built by `{}` with no source repository", p.builder_id),
        (Some(repository), true) => {
            format!("source `{repository}` does not match `{}`", source.unwrap_or_default())
        }
    });
    (false, format!("no verified provenance matches: {}", listed(distinct(why_not))))
}

fn max_severity(at: Severity, allow: &[Allowed], facts: &Facts) -> (bool, String) {
    if !facts.scanned {
        return (false, "no scan result".to_owned());
    }
    let mut findings: Vec<&Finding> = facts.findings.iter().filter(|f| f.severity >= at).collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut seen: Vec<&str> = Vec::new();
    findings.retain(|f| {
        let first = !seen.iter().any(|id| id.eq_ignore_ascii_case(&f.id));
        if first {
            seen.push(&f.id);
        }
        first
    });
    let (mut blocking, mut allowed, mut expired) = (Vec::new(), Vec::new(), Vec::new());
    for finding in findings {
        let shown = format!("{} ({})", finding.id, finding.severity);
        match allow.iter().find(|a| a.id.eq_ignore_ascii_case(&finding.id)) {
            None => blocking.push(shown),
            Some(Allowed { until: None, .. }) => allowed.push(shown),
            Some(Allowed { until: Some(until), .. }) if facts.now < until.at() => {
                allowed.push(format!("{} ({}, until {})", finding.id, finding.severity, until.as_str()))
            }
            Some(Allowed { until: Some(until), .. }) => {
                expired.push(format!("{} (expired {})", finding.id, until.as_str()));
                blocking.push(shown);
            }
        }
    }
    let passed = blocking.is_empty();
    let mut reason = match blocking.len() {
        0 => format!("no finding at or above {at}"),
        1 => format!("1 finding at or above {at}: {}", listed(blocking)),
        n => format!("{n} findings at or above {at}: {}", listed(blocking)),
    };
    if !expired.is_empty() {
        reason += &format!("; allowlist entries expired: {}", listed(expired));
    }
    if !allowed.is_empty() {
        reason += &format!("; allowlisted: {}", listed(allowed));
    }
    (passed, reason)
}

fn approvals(required: u32, facts: &Facts) -> (bool, String) {
    let principals = distinct(facts.approvals.iter().map(|a| a.principal.as_str()));
    let have = principals.len();
    let required_n = required as usize;
    let count = format!("{have} of {required} required approvals");
    let (passed, mut reason) = match have {
        0 => (false, format!("no approvals; {required} required")),
        _ if have >= required_n => (true, format!("approved by {}: {count}", quoted(&principals))),
        _ => (false, format!("approved by {}: {count}, {} missing", quoted(&principals), required_n - have)),
    };
    let expired = distinct(facts.expired_approvals.iter().map(|a| a.principal.as_str()));
    if !expired.is_empty() {
        reason += &format!("; expired: {}", quoted(&expired));
    }
    (passed, reason)
}

fn soak(age: &Age, facts: &Facts) -> (bool, String) {
    let Some(arrived) = facts.arrived_at else {
        return (false, "not known when the version arrived in the source stage".to_owned());
    };
    let elapsed = facts.now.saturating_sub(arrived).max(0);
    let stayed = format!("in the source stage for {} of the required {age}", span(elapsed / 1000));
    if elapsed >= age.millis() {
        return (true, stayed);
    }
    (false, format!("{stayed}; {} to go", span((age.millis() - elapsed + 999) / 1000)))
}

/// A duration for a person, in its largest unit and the next one if not zero: `0s`, `45s`,
/// `2h 5m`, `3d`, `400d 1h`.
pub(super) fn span(seconds: i64) -> String {
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let Some(first) = units.iter().position(|&(size, _)| seconds >= size) else {
        return "0s".to_owned();
    };
    let (size, unit) = units[first];
    let mut text = format!("{}{unit}", seconds / size);
    if let Some(&(next_size, next_unit)) = units.get(first + 1) {
        let next = seconds % size / next_size;
        if next > 0 {
            text += &format!(" {next}{next_unit}");
        }
    }
    text
}

/// Each item once, in order of first appearance.
fn distinct<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen: Vec<T> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// `` `a`, `b` `` and so on.
fn quoted(texts: &[&str]) -> String {
    listed(texts.iter().map(|t| format!("`{t}`")))
}

/// The first few items, then "and N more".
pub(super) fn listed(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    let shown = items[..items.len().min(LISTED)].join(", ");
    match items.len().saturating_sub(LISTED) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}
