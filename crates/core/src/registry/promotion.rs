//! Promotion: a version moves from one repository (stage) to the next along a configured edge, after
//! the target's gates pass, as one metadata transaction — the manifest, its index children, its
//! referrers (signatures, SBOMs, attestations) and the tag are copied as pointers, never bytes, with
//! the history row and its audit entry. A release is several promotions in one transaction.
//!
//! - Gates are evaluated before the transaction opens, against verified facts only
//!   ([`crate::promotion::Facts`]); every verdict explains itself and the answer is the checklist.
//! - Idempotent: a version whose tag already points at the digest in the target is left as it is
//!   (success, `unchanged`), and nothing is recorded again.
//! - A tag already pointing elsewhere in the target is refused unless the target's tag is mutable;
//!   two promotions racing for one tag end with one winner (the store serializes the tag row) and a
//!   `tag_immutable` refusal for the other.

use super::Registry;
use super::promotion_record::{RecordInput, StoredRecord};
use crate::audit::{Actor, Outcome};
use crate::auth::{Action, Principal};
use crate::blob::BlobStore as _;
use crate::meta::{ManifestRecord, Millis, NewPromotion, PromotionKind, Repository, TagWrite, UnitOfWork};
use crate::promotion::{Approval, ArtifactFacts, Facts, StageFacts, Verdict, evaluate, parse_gates};
use crate::{Error, ErrorKind, Result};
use arca_types::{Digest, OciName, Reference, RepoName, Tag};
use serde::Serialize;

/// `<repo>/<package>@<version|digest>`: a version of a package, by tag or by digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactRef {
    pub name: OciName,
    pub reference: Reference,
}

impl ArtifactRef {
    /// `dev/team/app@1.0` or `dev/team/app@sha256:…`; `InvalidRequest` naming the expected form.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = |why: String| {
            Error::new(
                ErrorKind::InvalidRequest,
                format!("{text:?} is not <repository>/<package>@<version|digest>: {why}"),
            )
        };
        let (name, reference) = text.rsplit_once('@').ok_or_else(|| invalid("no `@`".to_owned()))?;
        let name = OciName::parse(name).map_err(|e| match e {
            // Well formed, but no stored name is that long: it names nothing.
            arca_types::NameError::TooLong => {
                Error::new(ErrorKind::NameUnknown, format!("{text:?} does not exist: {e}"))
            }
            e => invalid(e.to_string()),
        })?;
        let reference = Reference::parse(reference).map_err(|e| invalid(e.to_string()))?;
        Ok(Self { name, reference })
    }
}

impl std::fmt::Display for ArtifactRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.name, self.reference)
    }
}

/// Who asks: the audit actor and, with authentication on, the principal whose grants decide.
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    pub actor: &'a Actor,
    /// `None`: authentication is off (everything is allowed).
    pub principal: Option<&'a Principal>,
}

impl Caller<'_> {
    /// `Denied`, naming the action and repository, unless the caller may.
    pub fn may(&self, action: Action, repository: &RepoName) -> Result<()> {
        match self.principal {
            Some(p) if !p.allows(action, repository.as_str()) => Err(Error::new(
                ErrorKind::Denied,
                format!("{} may not {} in repository {repository}", self.actor.name, action.as_str()),
            )),
            _ => Ok(()),
        }
    }
}

impl Registry {
    /// [`Caller::may`], with a refusal audited as the enforcement point audits its own (action
    /// `request`, outcome denied): promotion decides on repositories named in the body, so its
    /// refusals are made here.
    pub(super) async fn permit(&self, caller: Caller<'_>, action: Action, repository: &RepoName) -> Result<()> {
        let Err(refusal) = caller.may(action, repository) else { return Ok(()) };
        let entry = caller.actor.entry(self.now(), "request", repository.as_str(), Outcome::Denied);
        if let Err(e) = self.ports.audit.append_audit(&entry.with_detail(refusal.message.clone())).await {
            tracing::error!(error = %e, "recording a refused promotion in the audit log");
        }
        Err(refusal)
    }
}

/// The answer to a promotion: each gate with its verdict, and what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checklist {
    /// As asked: `dev/team/app@1.0`.
    pub artifact: String,
    pub source: String,
    /// The target package: `prod/team/app`.
    pub target: String,
    pub version: Option<String>,
    pub digest: String,
    /// Every gate passed.
    pub passed: bool,
    pub dry_run: bool,
    /// The promotion was recorded now.
    pub committed: bool,
    /// The target already had this version at this digest: nothing to do.
    pub unchanged: bool,
    /// The history entry of the promotion, once committed.
    pub id: Option<u64>,
    pub verdicts: Vec<Verdict>,
    pub approvers: Vec<String>,
}

impl Checklist {
    /// The gates that failed, as `gate: reason`.
    pub fn failures(&self) -> Vec<String> {
        self.verdicts.iter().filter(|v| !v.passed).map(|v| format!("{}: {}", v.gate, v.reason)).collect()
    }
}

/// Several versions promoted to one target together: all or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseOutcome {
    pub release: String,
    pub target: String,
    pub passed: bool,
    pub dry_run: bool,
    pub committed: bool,
    pub promotions: Vec<Checklist>,
}

/// The repositories a promotion goes between, and the version (tag) it promotes, if by tag.
#[derive(Clone, Copy)]
struct Path<'a> {
    source: &'a Repository,
    target: &'a Repository,
    version: Option<&'a Tag>,
}

/// A promotion checked and ready to commit.
struct Prepared {
    source: OciName,
    /// The promoted manifest, as the source records it (its creation is when it was published).
    subject: crate::meta::ManifestRecord,
    target: OciName,
    tag: Option<TagWrite>,
    checklist: Checklist,
}

impl Registry {
    /// Promotes one version into `target` (or, with `dry_run`, only evaluates the gates). A failed gate
    /// is not an error: the checklist says `passed: false` and nothing is committed.
    pub async fn promote(
        &self,
        artifact: &ArtifactRef,
        target: &RepoName,
        dry_run: bool,
        caller: Caller<'_>,
    ) -> Result<Checklist> {
        let mut prepared = self.prepare_promotion(artifact, target, dry_run, caller, &mut Vec::new()).await?;
        if dry_run || !prepared.checklist.passed {
            self.audit_refusal(std::slice::from_ref(&prepared), None, caller).await?;
        } else {
            self.commit_promotions(std::slice::from_mut(&mut prepared), None, caller).await?;
        }
        self.count_promotion(&prepared, !prepared.checklist.passed);
        Ok(prepared.checklist)
    }

    /// Promotes every artifact of a release into `target` in one transaction, or none of them when a
    /// gate of any fails.
    pub async fn promote_release(
        &self,
        release: &str,
        artifacts: &[ArtifactRef],
        target: &RepoName,
        dry_run: bool,
        caller: Caller<'_>,
    ) -> Result<ReleaseOutcome> {
        check_release_name(release)?;
        if artifacts.is_empty() || artifacts.len() > MAX_RELEASE_ARTIFACTS {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("a release holds 1 to {MAX_RELEASE_ARTIFACTS} artifacts, not {}", artifacts.len()),
            ));
        }
        let started = std::time::Instant::now();
        let mut prepared = Vec::with_capacity(artifacts.len());
        let mut seen = Vec::new();
        for artifact in artifacts {
            prepared.push(self.prepare_promotion(artifact, target, dry_run, caller, &mut seen).await?);
        }
        tracing::debug!(promotions = prepared.len(), prepare_ms = ms(started.elapsed()), "release prepared");
        let passed = prepared.iter().all(|p| p.checklist.passed);
        if dry_run || !passed {
            self.audit_refusal(&prepared, Some(release), caller).await?;
        } else {
            self.commit_promotions(&mut prepared, Some(release), caller).await?;
        }
        for p in &prepared {
            self.count_promotion(p, !passed);
        }
        Ok(ReleaseOutcome {
            release: release.to_owned(),
            target: target.to_string(),
            passed,
            dry_run,
            committed: passed && !dry_run,
            promotions: prepared.into_iter().map(|p| p.checklist).collect(),
        })
    }

    /// Records `caller`'s approval of promoting the artifact's digest into `target`; the approvals
    /// recorded so far.
    pub async fn approve_promotion(
        &self,
        artifact: &ArtifactRef,
        target: &RepoName,
        caller: Caller<'_>,
    ) -> Result<Vec<(String, crate::meta::Millis)>> {
        self.permit(caller, Action::Read, &artifact.name.repository).await?;
        self.permit(caller, Action::Promote, target).await?;
        let target_repo = self.get_repository(target).await?;
        self.check_edge(&artifact.name.repository, &target_repo)?;
        let (digest, _) = self.resolve(artifact).await?;
        let target_name = OciName { repository: target.clone(), package: artifact.name.package.clone() };
        let principal = caller.actor.name.as_str();
        let audit = caller.actor.entry(self.now(), "promotion.approve", target_name.to_string(), Outcome::Success);
        let audit = audit.with_detail(format!("{artifact} digest={digest}"));
        self.ports.promotions.approve(&target_name, &digest, principal, self.now(), &audit).await?;
        self.ports.promotions.approvals(&target_name, &digest).await
    }

    /// A repository, read once per promotion or release (its gates as they are now, not as cached).
    async fn repository_once(&self, seen: &mut Vec<Repository>, name: &RepoName) -> Result<Repository> {
        if let Some(repo) = seen.iter().find(|r| r.name == *name) {
            return Ok(repo.clone());
        }
        let repo = self.get_repository(name).await?;
        seen.push(repo.clone());
        Ok(repo)
    }

    async fn prepare_promotion(
        &self,
        artifact: &ArtifactRef,
        target: &RepoName,
        dry_run: bool,
        caller: Caller<'_>,
        seen: &mut Vec<Repository>,
    ) -> Result<Prepared> {
        self.permit(caller, Action::Read, &artifact.name.repository).await?;
        self.permit(caller, Action::Promote, target).await?;
        let source_repo = self.repository_once(seen, &artifact.name.repository).await?;
        let target_repo = self.repository_once(seen, target).await?;
        self.check_edge(&source_repo.name, &target_repo)?;
        if source_repo.format != target_repo.format {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!(
                    "{} holds {} packages and {target} {}",
                    source_repo.name, source_repo.format, target_repo.format
                ),
            ));
        }
        let (record, version) = self.resolve_record(artifact).await?;
        let digest = record.digest.clone();
        let target_name = OciName { repository: target.clone(), package: artifact.name.package.clone() };
        let gates = parse_gates(&target_repo.gates)?;
        let path = Path { source: &source_repo, target: &target_repo, version: version.as_ref() };
        let facts = self.promotion_facts(&artifact.name, &target_name, &record, &gates, path).await?;
        let verdicts = evaluate(&gates, &facts);
        let tag = version.as_ref().map(|tag| TagWrite::new(tag.clone(), target_repo.is_mutable(tag.as_str())));
        Ok(Prepared {
            source: artifact.name.clone(),
            subject: record,
            checklist: Checklist {
                artifact: artifact.to_string(),
                source: source_repo.name.to_string(),
                target: target_name.to_string(),
                version: version.map(|t| t.to_string()),
                digest: digest.to_string(),
                passed: verdicts.iter().all(|v| v.passed),
                dry_run,
                committed: false,
                unchanged: false,
                id: None,
                verdicts,
                approvers: facts.approvals.iter().map(|a| a.principal.clone()).collect(),
            },
            target: target_name,
            tag,
        })
    }

    /// `InvalidRequest` unless `target` promotes from `source`.
    fn check_edge(&self, source: &RepoName, target: &Repository) -> Result<()> {
        if target.promote_from.contains(source) {
            return Ok(());
        }
        let from: Vec<&str> = target.promote_from.iter().map(RepoName::as_str).collect();
        let allowed =
            if from.is_empty() { "from no repository".to_owned() } else { format!("only from {}", from.join(", ")) };
        Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "no promotion path {source} → {}: it promotes {allowed} (set it with `arca repo update {} --promote-from {source}`)",
                target.name, target.name
            ),
        ))
    }

    /// The artifact's digest and, when asked by tag, that tag.
    pub(super) async fn resolve(&self, artifact: &ArtifactRef) -> Result<(Digest, Option<Tag>)> {
        let (record, tag) = self.resolve_record(artifact).await?;
        Ok((record.digest, tag))
    }

    /// The artifact's manifest and, when asked by tag, that tag.
    async fn resolve_record(&self, artifact: &ArtifactRef) -> Result<(crate::meta::ManifestRecord, Option<Tag>)> {
        let record = self.manifest_record(&artifact.name, &artifact.reference).await?;
        let tag = match &artifact.reference {
            Reference::Tag(tag) => Some(tag.clone()),
            Reference::Digest(_) => None,
        };
        Ok((record, tag))
    }

    /// What is known and verified about `digest` of `source` on its way to `target`: signatures and
    /// provenance verified against the target's trust roots, SBOMs, findings (only when a gate judges
    /// the artifact itself: a release of many artifacts gated on approvals reads no attachment),
    /// approvals, arrival, and which version goes from which stage to which (for `cel=` gates).
    async fn promotion_facts(
        &self,
        source: &OciName,
        target: &OciName,
        subject: &ManifestRecord,
        gates: &[crate::promotion::Gate],
        path: Path<'_>,
    ) -> Result<Facts> {
        use crate::promotion::Gate;
        let digest = &subject.digest;
        let judges_artifact = gates.iter().any(|g| !matches!(g, Gate::Approvals(_) | Gate::Soak(_)));
        let mut facts = if judges_artifact {
            self.artifact_facts(source, subject, &target.repository).await?
        } else {
            Facts { now: self.now(), ..Facts::default() }
        };
        let approvals = self.ports.promotions.approvals(target, digest).await?;
        let ttl = self.config.approval_ttl_ms;
        let now = self.now();
        (facts.approvals, facts.expired_approvals) = (approvals.into_iter())
            .map(|(principal, at)| Approval { principal, at })
            .partition(|a| ttl == 0 || now.saturating_sub(a.at) < ttl);
        // In the source since it was promoted there, or, if it was pushed there, since then.
        facts.arrived_at = self.ports.promotions.arrived(source, digest).await?.or(Some(subject.created_at));
        facts.artifact = ArtifactFacts {
            repository: source.repository.to_string(),
            package: source.package.to_string(),
            version: path.version.map(ToString::to_string),
            digest: digest.to_string(),
            media_type: subject.media_type.clone(),
            created_at: subject.created_at,
        };
        let stage = |repo: &Repository| StageFacts { repository: repo.name.to_string(), stage: repo.stage.clone() };
        facts.source = stage(path.source);
        facts.target = stage(path.target);
        Ok(facts)
    }

    /// Commits prepared promotions in one transaction: pointers copied, tags pointed, history rows and
    /// their audit entries. Fills in each checklist's outcome.
    async fn commit_promotions(
        &self,
        prepared: &mut [Prepared],
        release: Option<&str>,
        caller: Caller<'_>,
    ) -> Result<()> {
        let now = self.now();
        let inputs: Vec<RecordInput> = prepared
            .iter()
            .map(|p| RecordInput {
                source: &p.source,
                target: &p.target,
                subject: &p.subject,
                version: p.checklist.version.as_deref(),
                verdicts: &p.checklist.verdicts,
                approvers: &p.checklist.approvers,
            })
            .collect();
        let started = std::time::Instant::now();
        let (records, blobs) = self.make_records(&inputs, release, &caller.actor.name, now)?;
        drop(inputs);
        let mut uow = self.ports.transactions.begin().await?;
        // The records' bytes are made durable (I/O, on the blob store's threads) while the
        // transaction is written (CPU, here); it commits only once they are. On SQLite the writer is
        // held meanwhile: for the longer of the two, instead of the transaction after the files.
        let store = async {
            let stored = self.blobs.put_small_many(blobs).await;
            (stored, started.elapsed())
        };
        let write = async {
            let written = self.write_promotions(uow.as_mut(), prepared, &records, release, caller, now).await;
            (written, started.elapsed())
        };
        let ((stored, stored_at), (written, written_at)) = tokio::join!(store, write);
        stored?;
        self.check_records(&written?).await?;
        let both = started.elapsed();
        uow.commit().await?;
        // Where a release's time goes (bench/promotion.sh prints these; logged with
        // `ARCA_LOG=arca_core::registry::promotion=debug`): records and writes run side by side.
        tracing::debug!(
            promotions = prepared.len(),
            records_ms = ms(stored_at),
            transaction_ms = ms(written_at),
            commit_ms = ms(started.elapsed() - both),
            "promotions committed"
        );
        for p in prepared.iter_mut().filter(|p| p.checklist.unchanged) {
            p.checklist.committed = false;
        }
        Ok(())
    }

    /// Writes prepared promotions into `uow`: pointers copied, tags pointed, history rows, audit
    /// entries and records. The blobs it recorded as new, to check once the records are stored.
    async fn write_promotions(
        &self,
        uow: &mut dyn UnitOfWork,
        prepared: &mut [Prepared],
        records: &[Option<StoredRecord>],
        release: Option<&str>,
        caller: Caller<'_>,
        now: Millis,
    ) -> Result<Vec<(Digest, u64)>> {
        let mut recorded_new = Vec::new();
        for (p, record) in prepared.iter_mut().zip(records) {
            let digest = Digest::parse(&p.checklist.digest)?;
            let previous = uow.promoted_digest(&p.target).await?;
            let current = match &p.tag {
                Some(tag) => uow.tag_target(&p.target, &tag.tag).await?,
                None => previous.clone(),
            };
            if current.as_ref() == Some(&digest) {
                p.checklist.unchanged = true;
                continue;
            }
            uow.copy_artifact(&p.source, &p.target, &digest, now).await?;
            if let Some(tag) = &p.tag {
                uow.tag_manifest(&p.target, tag, &digest, now).await?;
            }
            let history = NewPromotion {
                kind: PromotionKind::Promote,
                release: release.map(str::to_owned),
                source: Some(p.source.repository.clone()),
                target: p.target.clone(),
                version: p.checklist.version.clone(),
                digest: digest.clone(),
                previous,
                actor: caller.actor.name.clone(),
                verdicts: serde_json::to_string(&p.checklist.verdicts).unwrap_or_else(|_| "[]".to_owned()),
                approvers: p.checklist.approvers.clone(),
                at: now,
            };
            let target = match &p.tag {
                Some(tag) => format!("{}:{}", p.target, tag.tag),
                None => format!("{}@{digest}", p.target),
            };
            let audit = caller.actor.entry(now, "promotion.promote", target, Outcome::Success);
            let audit = audit.with_detail(promotion_detail(&p.checklist, release));
            p.checklist.id = Some(uow.record_promotion(&history, &audit).await?);
            if let Some(signed) = record {
                recorded_new.extend(self.record_record(uow, signed, now).await?);
            }
            p.checklist.committed = true;
        }
        Ok(recorded_new)
    }

    /// Counts a promotion's outcome for metrics (`refused`: its gates, or its release's, failed).
    fn count_promotion(&self, p: &Prepared, refused: bool) {
        let c = &p.checklist;
        let target = p.target.repository.as_str();
        let (outcome, lead) = match (c.dry_run, refused, c.committed) {
            (true, _, _) => ("dry_run", None),
            (false, true, _) => ("refused", None),
            (false, false, true) => ("promoted", Some(self.now() - p.subject.created_at)),
            (false, false, false) => ("unchanged", None),
        };
        let failed: Vec<&str> = match outcome {
            "refused" => c.verdicts.iter().filter(|v| !v.passed).map(|v| v.gate.as_str()).collect(),
            _ => Vec::new(),
        };
        self.promotion_stats.promotion(target, outcome, &failed, lead);
    }

    /// Audits a dry run or a promotion its gates refused (nothing else is written).
    async fn audit_refusal(&self, prepared: &[Prepared], release: Option<&str>, caller: Caller<'_>) -> Result<()> {
        let mut uow = self.ports.transactions.begin().await?;
        for p in prepared {
            let (action, outcome) = if p.checklist.dry_run {
                ("promotion.dry_run", Outcome::Success)
            } else {
                ("promotion.refused", Outcome::Denied)
            };
            let audit = caller.actor.entry(self.now(), action, p.checklist.target.clone(), outcome);
            uow.audit(&audit.with_detail(promotion_detail(&p.checklist, release))).await?;
        }
        uow.commit().await
    }
}

/// Promotions a release may hold.
pub const MAX_RELEASE_ARTIFACTS: usize = 1000;

/// A release name: 1–128 of `[A-Za-z0-9._-]`, starting with a letter or digit.
fn check_release_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::InvalidRequest, format!("release name {name:?}: use 1 to 128 of [A-Za-z0-9._-]")))
    }
}

/// The audit detail of a promotion: where from, which digest, each verdict.
fn promotion_detail(checklist: &Checklist, release: Option<&str>) -> String {
    let verdicts: Vec<String> =
        checklist.verdicts.iter().map(|v| format!("{}={}", v.gate, if v.passed { "pass" } else { "fail" })).collect();
    let release = release.map(|r| format!(" release={r}")).unwrap_or_default();
    format!("from={} digest={}{release} gates=[{}]", checklist.artifact, checklist.digest, verdicts.join(" "))
}

/// A duration in milliseconds, for logs.
fn ms(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
