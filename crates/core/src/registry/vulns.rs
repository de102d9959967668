//! Components and vulnerabilities: the component index of attached SBOMs, OSV advisories imported
//! offline, and the findings matching them — per artifact (manifest digest), whatever repository or
//! stage holds it.
//!
//! Findings are computed when an SBOM is indexed (against the advisories stored then) and again when
//! advisories arrive: the `advisories` job matches each new or changed advisory against the stored
//! components (retroactive findings), with no blob read. A finding new on an artifact that sits in a
//! stage is an event: an audit entry `finding.new` and the `arca_findings_new_total` metric.

use super::Registry;
use crate::audit::{Actor, Outcome};
use crate::jobs::{Job, RunContext, RunReport};
use crate::meta::{ComponentHit, ComponentQuery, Finding, IndexedComponent, Millis, SearchQuery, StoredAdvisory};
use crate::{Error, ErrorKind, Result};
use arca_sbom::Sbom;
use arca_types::{Digest, RepoName};
use arca_vuln::Advisory;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The advisories job's name.
pub const ADVISORIES_JOB: &str = "advisories";
/// Advisories matched per page of the job.
const PAGE: usize = 200;
/// Advisories accepted in one import request.
pub const MAX_IMPORT_BATCH: usize = 1000;

/// Findings that appeared on artifacts already in a stage, since start.
#[derive(Debug, Default)]
pub struct FindingEvents(AtomicU64);

impl FindingEvents {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// What an import stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub received: usize,
    /// New advisories, or newer versions of known ones.
    pub stored: usize,
    /// Records refused, with why (`id` or position: reason).
    pub rejected: Vec<String>,
}

impl Registry {
    /// Indexes the components of an SBOM attached to `subject` and matches them against the stored
    /// advisories.
    pub(super) async fn index_sbom(&self, subject: &Digest, sbom_digest: &Digest, sbom: &Sbom) -> Result<()> {
        let components: Vec<IndexedComponent> = sbom.components.iter().map(indexed).collect();
        self.ports.attachment_index.put_components(subject, sbom_digest, &components).await?;
        self.match_components(subject).await
    }

    /// Matches every indexed component of `subject` against the stored advisories: its findings.
    async fn match_components(&self, subject: &Digest) -> Result<()> {
        let all = self.ports.attachment_index.components(subject).await?;
        let mut advisories = AdvisoryCache::default();
        let mut findings = Vec::new();
        for c in &all {
            for advisory in advisories.of(self, c).await? {
                findings.extend(finding(subject, c, &advisory, self.now()));
            }
        }
        let new = self.ports.advisories.replace_findings(subject, &findings).await?;
        self.announce(&new).await
    }

    /// Drops the components of `subject`'s SBOMs other than `keep` (no longer attached) and matches
    /// what remains again.
    pub(super) async fn forget_sboms_except(&self, subject: &Digest, keep: &[Digest]) -> Result<()> {
        if self.ports.attachment_index.forget_sboms_except(subject, keep).await? == 0 {
            return Ok(());
        }
        self.match_components(subject).await
    }

    /// The components of the SBOMs attached to `subject`.
    pub async fn components_of(&self, subject: &Digest) -> Result<Vec<IndexedComponent>> {
        self.ports.attachment_index.components(subject).await
    }

    /// Versions holding a component matching the query (purl with or without version, name,
    /// license), narrowed to versions whose component version lies in `range` when given.
    pub async fn find_components(&self, query: &ComponentQuery, range: Option<&str>) -> Result<Vec<ComponentHit>> {
        let Some(range) = range else { return self.ports.attachment_index.find_components(query).await };
        let range = VersionRange::parse(range)?;
        let mut wide = query.clone();
        wide.limit = query.limit.saturating_mul(20).max(1000);
        let mut hits = self.ports.attachment_index.find_components(&wide).await?;
        hits.retain(|h| range.holds(&h.component));
        hits.truncate(query.limit);
        Ok(hits)
    }

    /// The findings of an artifact, worst first.
    pub async fn findings_of(&self, subject: &Digest) -> Result<Vec<Finding>> {
        let mut findings = self.ports.advisories.findings(subject).await?;
        findings.sort_by_key(|f| std::cmp::Reverse(severity_rank(&f.severity)));
        Ok(findings)
    }

    /// Whether any SBOM attached to `subject` was indexed (the artifact was scanned).
    pub async fn scanned(&self, subject: &Digest) -> Result<bool> {
        self.ports.attachment_index.has_sbom(subject).await
    }

    /// Stores OSV records (JSON, one each); the `advisories` job then matches them. Audited.
    pub async fn import_advisories(&self, records: &[serde_json::Value], actor: &Actor) -> Result<ImportReport> {
        if records.len() > MAX_IMPORT_BATCH {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("{} advisories in one request: send at most {MAX_IMPORT_BATCH}", records.len()),
            ));
        }
        let mut report = ImportReport { received: records.len(), ..ImportReport::default() };
        let mut stored = Vec::with_capacity(records.len());
        for (i, record) in records.iter().enumerate() {
            let text = record.to_string();
            match arca_vuln::parse_advisory(text.as_bytes()) {
                Ok(advisory) => stored.push(StoredAdvisory {
                    id: advisory.id.clone(),
                    modified: advisory.modified.clone().unwrap_or_default(),
                    packages: packages_of(&advisory),
                    record: text,
                }),
                Err(e) => report.rejected.push(format!("#{i}: {e}")),
            }
        }
        report.stored = self.ports.advisories.put_advisories(&stored, self.now()).await?;
        let mut entry = actor.entry(self.now(), "advisories.import", "advisories", Outcome::Success);
        entry.detail = Some(format!("{} received, {} stored", report.received, report.stored));
        self.ports.audit.append_audit(&entry).await?;
        Ok(report)
    }

    /// How many advisories are stored.
    pub async fn advisory_count(&self) -> Result<u64> {
        self.ports.advisories.advisory_count().await
    }

    /// Matches advisories not yet evaluated against the stored components, a page at a time.
    pub async fn evaluate_advisories(&self, ctx: &RunContext) -> Result<RunReport> {
        let mut report = RunReport::default();
        while !ctx.is_cancelled() {
            let page = self.ports.advisories.advisories_to_evaluate(PAGE).await?;
            if page.is_empty() {
                break;
            }
            for (id, record) in &page {
                let new = self.evaluate_advisory(id, record).await?;
                self.announce(&new).await?;
                report.items += 1;
                ctx.advance(1);
            }
        }
        Ok(report)
    }

    async fn evaluate_advisory(&self, id: &str, record: &str) -> Result<Vec<Finding>> {
        let Ok(advisory) = arca_vuln::parse_advisory(record.as_bytes()) else {
            return self.ports.advisories.settle_advisory(id, &[]).await;
        };
        let mut findings = Vec::new();
        for (ecosystem, name) in packages_of(&advisory) {
            for (subject, c) in self.ports.attachment_index.components_of_package(&ecosystem, &name).await? {
                findings.extend(finding(&subject, &c, &advisory, self.now()));
            }
        }
        self.ports.advisories.settle_advisory(id, &findings).await
    }

    /// New findings on artifacts in a stage: an audit entry each, and the metric.
    async fn announce(&self, new: &[Finding]) -> Result<()> {
        for f in new {
            let query = SearchQuery { digest: Some(f.subject.clone()), limit: 100, ..SearchQuery::default() };
            for hit in self.ports.search.search(&query).await? {
                let Ok(repo) = RepoName::parse(&hit.repository) else { continue };
                let Some(stage) = self.cached_repository(&repo).await?.and_then(|r| r.stage) else { continue };
                let target = format!("{}/{}@{}", hit.repository, hit.package, f.subject);
                let mut entry = Actor::system().entry(self.now(), "finding.new", target, Outcome::Success);
                entry.detail = Some(format!(
                    "{} ({}) in {} {} (stage {stage}, version {})",
                    f.advisory, f.severity, f.package, f.installed, hit.version
                ));
                self.ports.audit.append_audit(&entry).await?;
                self.finding_events.0.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    pub fn finding_events(&self) -> u64 {
        self.finding_events.count()
    }
}

/// Parsed advisories per OSV package, read once per evaluation.
#[derive(Default)]
struct AdvisoryCache(HashMap<(String, String), Vec<Arc<Advisory>>>);

impl AdvisoryCache {
    async fn of(&mut self, registry: &Registry, c: &IndexedComponent) -> Result<Vec<Arc<Advisory>>> {
        let (Some(ecosystem), Some(name)) = (&c.ecosystem, &c.osv_name) else { return Ok(Vec::new()) };
        let base = ecosystem.split(':').next().unwrap_or_default().to_owned();
        let key = (base, name.clone());
        if let Some(found) = self.0.get(&key) {
            return Ok(found.clone());
        }
        let records = registry.ports.advisories.advisories_for(&key.0, &key.1).await?;
        let parsed: Vec<Arc<Advisory>> =
            records.iter().filter_map(|r| arca_vuln::parse_advisory(r.as_bytes()).ok()).map(Arc::new).collect();
        self.0.insert(key, parsed.clone());
        Ok(parsed)
    }
}

/// (ecosystem base, normalised name) of each package an advisory names.
fn packages_of(advisory: &Advisory) -> Vec<(String, String)> {
    let mut packages: Vec<(String, String)> = (advisory.affected.iter())
        .filter_map(|a| a.package.as_ref())
        .map(|p| {
            let base = p.ecosystem.split(':').next().unwrap_or_default().to_owned();
            let name = arca_vuln::matching::normalize_name(&p.ecosystem, &p.name);
            (base, name)
        })
        .collect();
    packages.sort();
    packages.dedup();
    packages
}

/// A component of an SBOM as the index keeps it.
fn indexed(c: &arca_sbom::Component) -> IndexedComponent {
    let version = c.version.clone().or_else(|| c.purl.as_ref().and_then(|p| p.version.clone()));
    let osv =
        c.purl.as_ref().and_then(|p| arca_vuln::osv_package(&p.ty, p.namespace.as_deref(), &p.name, &p.qualifiers));
    let osv = osv.map(|(eco, name)| {
        let name = arca_vuln::matching::normalize_name(&eco, &name);
        (eco, name)
    });
    IndexedComponent {
        name: c.name.clone(),
        version,
        purl: c.purl.as_ref().map(arca_sbom::Purl::without_version),
        ecosystem: osv.as_ref().map(|(e, _)| e.clone()),
        osv_name: osv.map(|(_, n)| n),
        licenses: c.licenses.clone(),
    }
}

/// The finding, if the advisory affects this component.
fn finding(subject: &Digest, c: &IndexedComponent, advisory: &Advisory, now: Millis) -> Option<Finding> {
    let (ecosystem, name, version) = (c.ecosystem.as_deref()?, c.osv_name.as_deref()?, c.version.as_deref()?);
    let affected = advisory.affects(ecosystem, name, version)?;
    let package = match &c.purl {
        Some(purl) => format!("{purl}@{version}"),
        None => c.name.clone(),
    };
    Some(Finding {
        subject: subject.clone(),
        advisory: advisory.id.clone(),
        package,
        installed: version.to_owned(),
        fixed: affected.fixed,
        severity: affected.severity.as_str().to_owned(),
        score: affected.score.map(|s| format!("{s:.1}")),
        found_at: now,
    })
}

pub(super) fn severity_rank(severity: &str) -> u8 {
    match severity {
        "critical" => 5,
        "high" => 4,
        "medium" => 3,
        "low" => 2,
        "none" => 1,
        _ => 0,
    }
}

/// A version range over a component's own ecosystem ordering: `<1.2.3`, `>=1.0,<2.0`, `=1.4`.
struct VersionRange(Vec<(std::cmp::Ordering, bool, String)>);

impl VersionRange {
    fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::new(
                ErrorKind::InvalidRequest,
                format!("version range {text:?}: comparisons joined by commas, e.g. `>=1.0,<2.0` or `<4.17.21`"),
            )
        };
        let mut bounds = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (op, version) = ["<=", ">=", "<", ">", "="]
                .iter()
                .find_map(|op| part.strip_prefix(op).map(|v| (*op, v.trim())))
                .ok_or_else(bad)?;
            if version.is_empty() {
                return Err(bad());
            }
            let (ordering, inclusive) = match op {
                "<" => (std::cmp::Ordering::Less, false),
                "<=" => (std::cmp::Ordering::Less, true),
                ">" => (std::cmp::Ordering::Greater, false),
                ">=" => (std::cmp::Ordering::Greater, true),
                _ => (std::cmp::Ordering::Equal, true),
            };
            bounds.push((ordering, inclusive, version.to_owned()));
        }
        if bounds.is_empty() {
            return Err(bad());
        }
        Ok(Self(bounds))
    }

    /// Whether the component's version satisfies every bound (by its ecosystem's ordering; a version
    /// that ordering cannot read satisfies none).
    fn holds(&self, c: &IndexedComponent) -> bool {
        let Some(version) = c.version.as_deref() else { return false };
        let order = c.ecosystem.as_deref().and_then(arca_vuln::order_for);
        self.0.iter().all(|(wanted, inclusive, bound)| {
            let cmp = match &order {
                Some(order) => order.compare(version, bound),
                None => arca_types::SemVer::parse(version)
                    .ok()
                    .zip(arca_types::SemVer::parse(bound).ok())
                    .map(|(a, b)| a.cmp(&b)),
            };
            cmp.is_some_and(|c| c == *wanted || (*inclusive && c == std::cmp::Ordering::Equal))
        })
    }
}

/// Matches new advisories against stored components (retroactive findings).
pub struct AdvisoryEvaluator {
    pub registry: Arc<Registry>,
    pub interval: Duration,
}

#[async_trait]
impl Job for AdvisoryEvaluator {
    fn name(&self) -> &'static str {
        ADVISORIES_JOB
    }
    fn interval(&self) -> Duration {
        self.interval
    }
    async fn run_once(&self, ctx: &RunContext) -> Result<RunReport> {
        self.registry.evaluate_advisories(ctx).await
    }
}
