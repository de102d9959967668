//! OSV evaluation: is `(ecosystem, name, version)` affected by an advisory?
//!
//! Follows the schema's evaluation rules and osv-scanner's implementation (reference §5.2):
//!
//! - Withdrawn advisories never match.
//! - An `affected[]` entry applies when its ecosystem base matches (case-insensitively) and, if *both*
//!   sides carry a suffix (`Debian:12`, `Alpine:v3.20`), the suffixes match too (a leading `v` and a
//!   trailing `:LTS` are ignored). A component whose ecosystem has no suffix matches every release: we
//!   do not know its release, so we fail closed. Names are compared after per-ecosystem normalisation
//!   ([`normalize_name`]).
//! - The version is affected if it is listed in `versions` (textually, or equal under the ecosystem's
//!   ordering), or inside a `SEMVER`/`ECOSYSTEM` range. `GIT` ranges need the commit graph and are only
//!   honoured through `versions`.
//! - In a range, events are sorted (`introduced: "0"` first) and walked: while unaffected an
//!   `introduced` sets affected when `v >= introduced`; while affected a `fixed` keeps it only when
//!   `v < fixed` (exclusive) and a `last_affected` only when `v <= last_affected` (inclusive). A range
//!   with `limit` events applies only when `v < some limit` (`*` is infinity).
//! - Events whose version does not parse under the ordering are dropped; if the component's version
//!   does not parse, or the ecosystem has no known ordering ([`order_for`]), `ECOSYSTEM` ranges cannot
//!   be evaluated and only `versions` can match.
//!
//! **Policy for a component without a version** (empty string): it is reported as affected by every
//! advisory for its package, with [`Affected::version_unknown`] set and no `fixed`, like osv-scanner.
//! A registry gate must fail closed on unknowns; the flag lets a policy choose to warn instead.

use crate::model::{AffectedEntry, Event, Range};
use crate::order::{VersionOrder, order_for};
use crate::{Advisory, Severity};
use std::cmp::Ordering;

/// Ranges with more events than this are ignored (the sort is quadratic; real ranges have a handful).
const MAX_EVENTS: usize = 512;

/// The verdict for one component against one advisory.
#[derive(Debug, Clone, PartialEq)]
pub struct Affected {
    /// The smallest `fixed` version above the installed one, if any range names one.
    pub fixed: Option<String>,
    /// The advisory's severity (see [`Advisory::severity`]).
    pub severity: Severity,
    /// The highest CVSS base score among the advisory's vectors, if any could be computed.
    pub score: Option<f32>,
    /// The component had no version, so it was assumed affected (see the module docs).
    pub version_unknown: bool,
}

impl Advisory {
    /// Whether this advisory affects `version` of package `name` in OSV `ecosystem`; `None` if not.
    pub fn affects(&self, ecosystem: &str, name: &str, version: &str) -> Option<Affected> {
        if self.is_withdrawn() {
            return None;
        }
        let version = version.trim();
        let mut found = false;
        let mut fixed: Option<(String, Option<VersionOrder>)> = None;
        for entry in self.entries_for(ecosystem, name) {
            if version.is_empty() {
                found = true;
                continue;
            }
            let order = entry.package.as_ref().and_then(|p| order_for(&p.ecosystem));
            if listed(entry, order, version) || entry.ranges.iter().any(|r| in_range(r, order, version)) {
                found = true;
                if let Some(candidate) = smallest_fix(entry, order, version) {
                    fixed = Some(min_fix(fixed, candidate));
                }
            }
        }
        if !found {
            return None;
        }
        let (severity, score) = self.severity();
        Some(Affected { fixed: fixed.map(|(f, _)| f), severity, score, version_unknown: version.is_empty() })
    }

    /// The `affected[]` entries about this package.
    fn entries_for<'a>(&'a self, ecosystem: &'a str, name: &'a str) -> impl Iterator<Item = &'a AffectedEntry> {
        self.affected.iter().filter(move |entry| {
            entry.package.as_ref().is_some_and(|p| {
                ecosystem_matches(&p.ecosystem, ecosystem)
                    && normalize_name(&p.ecosystem, &p.name) == normalize_name(&p.ecosystem, name)
            })
        })
    }
}

/// Whether an advisory's ecosystem string covers a component's (see the module docs for suffixes).
pub fn ecosystem_matches(advisory: &str, component: &str) -> bool {
    let (a_base, a_suffix) = split_ecosystem(advisory);
    let (c_base, c_suffix) = split_ecosystem(component);
    if !a_base.eq_ignore_ascii_case(c_base) {
        return false;
    }
    match (a_suffix, c_suffix) {
        (Some(a), Some(c)) => normalize_suffix(a) == normalize_suffix(c),
        _ => true,
    }
}

fn split_ecosystem(ecosystem: &str) -> (&str, Option<&str>) {
    match ecosystem.trim().split_once(':') {
        Some((base, suffix)) if !suffix.trim().is_empty() => (base.trim(), Some(suffix.trim())),
        Some((base, _)) => (base.trim(), None),
        None => (ecosystem.trim(), None),
    }
}

fn normalize_suffix(suffix: &str) -> String {
    let lower = suffix.to_ascii_lowercase();
    let lower = lower.strip_suffix(":lts").unwrap_or(&lower);
    lower.strip_prefix('v').unwrap_or(lower).to_owned()
}

/// A package name in the form OSV compares it for `ecosystem`: PEP 503 for PyPI, case-folded for
/// case-insensitive registries (crates.io also folds `_` into `-`), unchanged elsewhere.
pub fn normalize_name(ecosystem: &str, name: &str) -> String {
    let name = name.trim();
    match split_ecosystem(ecosystem).0 {
        "PyPI" => pep503(name),
        "crates.io" => name.to_ascii_lowercase().replace('_', "-"),
        "NuGet" | "Packagist" => name.to_ascii_lowercase(),
        _ => name.to_owned(),
    }
}

/// PEP 503: lowercase, and every run of `-`, `_`, `.` becomes one `-`.
fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator {
                out.push('-');
            }
            in_separator = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_separator = false;
        }
    }
    out
}

/// `version` is in the entry's explicit `versions` list.
fn listed(entry: &AffectedEntry, order: Option<VersionOrder>, version: &str) -> bool {
    entry
        .versions
        .iter()
        .any(|listed| listed == version || order.is_some_and(|o| o.compare(listed, version) == Some(Ordering::Equal)))
}

/// The ordering a range is evaluated with, if it can be evaluated at all.
fn range_order(range: &Range, ecosystem_order: Option<VersionOrder>) -> Option<VersionOrder> {
    match range.kind.as_str() {
        "SEMVER" => Some(VersionOrder::SemVer),
        "ECOSYSTEM" => ecosystem_order,
        _ => None,
    }
}

/// Whether `version` falls inside `range` (the state machine of the module docs).
fn in_range(range: &Range, ecosystem_order: Option<VersionOrder>, version: &str) -> bool {
    let Some(order) = range_order(range, ecosystem_order) else { return false };
    if !order.is_valid(version) || range.events.len() > MAX_EVENTS {
        return false;
    }
    let cmp = |a: &str, b: &str| order.compare(a, b).unwrap_or(Ordering::Equal);
    let limits: Vec<&str> =
        range.events.iter().filter_map(|e| if let Event::Limit(l) = e { Some(l.as_str()) } else { None }).collect();
    if !limits.is_empty() && !limits.iter().any(|l| *l == "*" || (order.is_valid(l) && cmp(version, l).is_lt())) {
        return false;
    }
    let mut affected = false;
    for event in sorted_events(range, order) {
        match event {
            Event::Introduced(v) if !affected => affected = v == "0" || cmp(version, v).is_ge(),
            Event::Fixed(v) if affected => affected = cmp(version, v).is_lt(),
            Event::LastAffected(v) if affected => affected = cmp(version, v).is_le(),
            _ => {}
        }
    }
    affected
}

/// The range's introduced/fixed/last_affected events whose versions parse, `introduced: "0"` first,
/// then ascending. An insertion sort: it cannot panic whatever the comparator does, and n is small.
fn sorted_events(range: &Range, order: VersionOrder) -> Vec<&Event> {
    let mut events: Vec<&Event> = range
        .events
        .iter()
        .filter(|e| match e {
            Event::Introduced(v) => v == "0" || order.is_valid(v),
            Event::Fixed(v) | Event::LastAffected(v) => order.is_valid(v),
            Event::Limit(_) | Event::Other(_) => false,
        })
        .collect();
    let key_cmp = |a: &Event, b: &Event| -> Ordering {
        match (a, b) {
            (Event::Introduced(x), Event::Introduced(y)) if x == "0" && y == "0" => Ordering::Equal,
            (Event::Introduced(x), _) if x == "0" => Ordering::Less,
            (_, Event::Introduced(y)) if y == "0" => Ordering::Greater,
            _ => order.compare(a.version().unwrap_or(""), b.version().unwrap_or("")).unwrap_or(Ordering::Equal),
        }
    };
    for i in 1..events.len() {
        let mut j = i;
        while j > 0 && key_cmp(events[j - 1], events[j]).is_gt() {
            events.swap(j - 1, j);
            j -= 1;
        }
    }
    events
}

/// The smallest `fixed` event above `version` in the entry's evaluable ranges.
fn smallest_fix(
    entry: &AffectedEntry,
    ecosystem_order: Option<VersionOrder>,
    version: &str,
) -> Option<(String, Option<VersionOrder>)> {
    let mut best: Option<(String, Option<VersionOrder>)> = None;
    for range in &entry.ranges {
        let Some(order) = range_order(range, ecosystem_order) else { continue };
        for event in &range.events {
            if let Event::Fixed(f) = event
                && order.compare(version, f) == Some(Ordering::Less)
            {
                best = Some(min_fix(best, (f.clone(), Some(order))));
            }
        }
    }
    best
}

/// The smaller of two fix candidates (the current one wins when they cannot be compared).
fn min_fix(
    current: Option<(String, Option<VersionOrder>)>,
    candidate: (String, Option<VersionOrder>),
) -> (String, Option<VersionOrder>) {
    let Some(current) = current else { return candidate };
    let order = candidate.1.or(current.1);
    match order.and_then(|o| o.compare(&candidate.0, &current.0)) {
        Some(Ordering::Less) => candidate,
        _ => current,
    }
}
