//! Retention policies per repository: set and show their text, plan (a dry run that explains every
//! decision), apply (the same plan, committed: tags and manifests deleted in audited transactions,
//! then the blobs they alone used swept at once), and the scheduled runs (the `retention` job).
//!
//! The policy language and the planner are pure (`crate::retention`); this module feeds the planner
//! what the store knows and commits what it decides. Apply re-checks each deletion as it commits it:
//! a tag moved since the plan, or a manifest tagged again, stays.

use super::Registry;
use super::gc::GcReport;
use crate::audit::{Actor, Outcome};
use crate::jobs::{Job, RunContext, RunReport};
use crate::meta::StoredPolicy;
use crate::retention::{Item, Plan, PlanInput, Policy, plan};
use crate::{Error, ErrorKind, Result};
use arca_types::{Digest, OciName, PackageName, RepoName, Tag};
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// What an apply did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Applied {
    /// The plan it executed.
    #[serde(flatten)]
    pub plan: Plan,
    pub tags_deleted: u64,
    pub manifests_deleted: u64,
    /// The sweep of the blobs the deleted manifests alone used (those touched within the grace
    /// period wait for the next GC).
    pub gc: GcReport,
}

/// Deletions committed per transaction.
const BATCH: usize = 100;

impl Registry {
    /// Validates and stores a repository's policy (its text, verbatim).
    pub async fn set_retention_policy(&self, repo: &RepoName, text: &str, actor: &Actor) -> Result<Policy> {
        self.get_repository(repo).await?;
        let policy = Policy::parse(text).map_err(|e| Error::new(ErrorKind::InvalidRequest, e.to_string()))?;
        let now = self.now();
        let audit = actor.entry(now, "retention.set", repo.as_str(), Outcome::Success);
        self.ports.retention.set_retention_policy(repo, text, now, &audit).await?;
        Ok(policy)
    }

    /// The repository's policy, if it has one (without one, every version is kept).
    pub async fn retention_policy(&self, repo: &RepoName) -> Result<Option<StoredPolicy>> {
        self.get_repository(repo).await?;
        self.ports.retention.retention_policy(repo).await
    }

    /// Removes the repository's policy (absent already is fine).
    pub async fn delete_retention_policy(&self, repo: &RepoName, actor: &Actor) -> Result<()> {
        self.get_repository(repo).await?;
        let audit = actor.entry(self.now(), "retention.delete_policy", repo.as_str(), Outcome::Success);
        self.ports.retention.delete_retention_policy(repo, &audit).await?;
        Ok(())
    }

    /// What the repository's policy would do now: every version, kept or deleted, and why (nothing,
    /// without a policy).
    pub async fn retention_plan(&self, repo: &RepoName) -> Result<Plan> {
        Ok(self.plan_with_items(repo).await?.0)
    }

    /// The plan and the manifests it was made from.
    async fn plan_with_items(&self, repo: &RepoName) -> Result<(Plan, Vec<Item>)> {
        let Some(stored) = self.retention_policy(repo).await? else { return Ok((Plan::default(), Vec::new())) };
        let policy = Policy::parse(&stored.policy).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
        let repository = self.get_repository(repo).await?;
        self.flush_pulls().await?;
        let (mut items, shared) = self.ports.retention.retention_items(repo).await?;
        self.protect_promoted(repo, &mut items).await?;
        let input = PlanInput {
            items: &items,
            scheme: repository.format.version_scheme(),
            tags_of: repository.format,
            now: self.now(),
            shared_blobs: &shared,
        };
        Ok((plan(&policy, &input), items))
    }

    /// Marks what promotion needs kept: the current digest of each package promoted into the
    /// repository (a stage's running version), anything promoted out of or into it within the rollback
    /// window (a rollback's targets, in the source too), the newest deployment to each environment,
    /// and in a stage that promotes onward, the newest version of each package not promoted into it.
    async fn protect_promoted(&self, repo: &RepoName, items: &mut [Item]) -> Result<()> {
        let since = self.now().saturating_sub(self.config.rollback_window_ms);
        let mut why: HashMap<(String, String), String> = HashMap::new();
        // Packages something was promoted into here: their current version is the promoted one.
        let mut promoted_into = std::collections::HashSet::new();
        for record in self.ports.promotions.promotions_touching(repo, since).await? {
            let p = record.promotion;
            if p.target.repository == *repo {
                promoted_into.insert(p.target.package.to_string());
            }
            let reason = if p.at < since {
                format!("current in stage {} (promoted {})", p.target.repository, crate::time::rfc3339(p.at))
            } else if p.target.repository == *repo {
                format!("promoted into {} within the rollback window", p.target.repository)
            } else {
                format!("promoted to {} within the rollback window", p.target.repository)
            };
            let package = p.target.package.to_string();
            why.entry((package.clone(), p.digest.to_string())).or_insert(reason.clone());
            if let Some(previous) = p.previous.filter(|_| p.at >= since && p.target.repository == *repo) {
                why.entry((package, previous.to_string())).or_insert(format!("{reason} (a rollback target)"));
            }
        }
        for d in self.ports.promotions.deployments_in(repo).await? {
            why.insert((d.name.package.to_string(), d.digest.to_string()), format!("deployed to {}", d.environment));
        }
        self.protect_stage_candidates(repo, items, &promoted_into, &mut why).await?;
        for item in items.iter_mut() {
            if let Some(reason) = why.get(&(item.package.clone(), item.digest.clone())) {
                item.protected = Some(reason.clone());
            }
        }
        Ok(())
    }

    /// In a stage that promotes onward (another repository lists it in `promote_from`), the version
    /// current there waits to be promoted: per package that nothing was promoted into, the newest
    /// tagged version is kept.
    async fn protect_stage_candidates(
        &self,
        repo: &RepoName,
        items: &[Item],
        promoted_into: &std::collections::HashSet<String>,
        why: &mut HashMap<(String, String), String>,
    ) -> Result<()> {
        let onward: Vec<String> = self
            .list_repositories()
            .await?
            .into_iter()
            .filter(|r| r.promote_from.contains(repo))
            .map(|r| r.name.to_string())
            .collect();
        if onward.is_empty() {
            return Ok(());
        }
        let mut newest: HashMap<&str, (i64, &str)> = HashMap::new();
        for item in items.iter().filter(|i| !promoted_into.contains(&i.package)) {
            let Some(at) = item.tags.iter().map(|t| t.updated_at).max() else { continue };
            let entry = newest.entry(item.package.as_str()).or_insert((at, item.digest.as_str()));
            if at > entry.0 {
                *entry = (at, item.digest.as_str());
            }
        }
        let reason = format!("the newest version in {repo}, which promotes onward to {}", onward.join(", "));
        let candidates: Vec<(String, String)> =
            newest.into_iter().map(|(package, (_, digest))| (package.to_owned(), digest.to_owned())).collect();
        for key in candidates {
            why.entry(key).or_insert_with(|| reason.clone());
        }
        Ok(())
    }

    /// Plans and executes the repository's policy, then sweeps the blobs it freed.
    pub async fn apply_retention(&self, repo: &RepoName, actor: &Actor) -> Result<Applied> {
        let (plan, items) = self.plan_with_items(repo).await?;
        let freed = freed_blobs(&plan, &items);
        let mut applied = Applied { plan, tags_deleted: 0, manifests_deleted: 0, gc: GcReport::default() };
        self.delete_versions(repo, &mut applied, actor).await?;
        applied.gc = self.collect_blobs(&freed, self.config.gc_grace, actor).await?;
        Ok(applied)
    }

    /// Deletes the plan's tags and manifests. A manifest goes in the same transaction as its tags, so a
    /// run that stops halfway (a crash) never leaves a manifest untagged by the plan but kept: a rerun
    /// plans from what is there and finishes. Tags of manifests that stay go afterwards. An index goes
    /// before its children (a child still listed by an index is skipped, then retried once it is gone).
    async fn delete_versions(&self, repo: &RepoName, applied: &mut Applied, actor: &Actor) -> Result<()> {
        let reasons = reasons(&applied.plan);
        // The planned tag deletions, by the manifest each tag points at.
        let mut tags_of: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for (package, tag) in applied.plan.tags_to_delete() {
            if let Some((digest, _)) = reasons.get(&(package.as_str(), Some(tag.as_str()))) {
                tags_of.entry((package.clone(), digest.to_string())).or_default().push(tag);
            }
        }
        let mut pending = applied.plan.manifests_to_delete();
        loop {
            let before = pending.len();
            let mut left = Vec::new();
            for batch in pending.chunks(BATCH) {
                let mut work = self.ports.transactions.begin().await?;
                for key in batch {
                    let name = oci_name(repo, &key.0)?;
                    let digest = Digest::parse(&key.1).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
                    for tag in tags_of.remove(key).unwrap_or_default() {
                        applied.tags_deleted +=
                            u64::from(self.delete_tag(work.as_mut(), &name, &tag, &reasons, actor).await?);
                    }
                    if work.delete_unused_manifest(&name, &digest).await? {
                        let target = format!("{name}@{digest}");
                        let entry = actor.entry(self.now(), "retention.delete", target, Outcome::Success);
                        work.audit(&entry.with_detail("manifest")).await?;
                        applied.manifests_deleted += 1;
                    } else {
                        left.push(key.clone());
                    }
                }
                work.commit().await?;
            }
            if left.is_empty() || left.len() == before {
                break;
            }
            pending = left;
        }
        // What is left: tags of manifests that stay.
        let kept: Vec<(String, String)> = tags_of
            .into_iter()
            .flat_map(|((package, _), tags)| tags.into_iter().map(move |t| (package.clone(), t)))
            .collect();
        for batch in kept.chunks(BATCH) {
            let mut work = self.ports.transactions.begin().await?;
            for (package, tag) in batch {
                let name = oci_name(repo, package)?;
                applied.tags_deleted += u64::from(self.delete_tag(work.as_mut(), &name, tag, &reasons, actor).await?);
            }
            work.commit().await?;
        }
        Ok(())
    }

    /// Deletes one planned tag if it still points where the plan saw it (audited); whether it did.
    async fn delete_tag(
        &self,
        work: &mut dyn crate::meta::UnitOfWork,
        name: &OciName,
        tag: &str,
        reasons: &Reasons<'_>,
        actor: &Actor,
    ) -> Result<bool> {
        let package = name.package.as_str();
        let Some((digest, reason)) = reasons.get(&(package, Some(tag))) else { return Ok(false) };
        let tag = Tag::parse(tag).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
        if !work.delete_tag_at(name, &tag, digest).await? {
            return Ok(false);
        }
        let entry = actor.entry(self.now(), "retention.delete", format!("{name}:{tag}"), Outcome::Success);
        work.audit(&entry.with_detail(format!("{digest}: {reason}"))).await?;
        Ok(true)
    }

    /// Sweeps these blobs now if collectable (see `gc`): what a deletion just freed.
    async fn collect_blobs(&self, digests: &[Digest], grace: Duration, actor: &Actor) -> Result<GcReport> {
        let mut report = GcReport::default();
        for batch in digests.chunks(BATCH) {
            self.sweep_page(batch, grace, actor, &mut report, None).await?;
        }
        Ok(report)
    }

    /// Applies every scheduled policy whose next run is due; how many ran.
    pub async fn run_scheduled_retention(&self, ctx: &RunContext) -> Result<u64> {
        let mut ran = 0;
        for stored in self.ports.retention.retention_policies().await? {
            if ctx.is_cancelled() {
                break;
            }
            let Ok(policy) = Policy::parse(&stored.policy) else { continue };
            let Some(schedule) = policy.schedule() else { continue };
            let now = self.now();
            if schedule.next_after(stored.last_run_at.unwrap_or(stored.updated_at)) > now {
                continue;
            }
            // Recorded first: a run that fails is not retried every tick, but at the next scheduled time.
            self.ports.retention.retention_ran(&stored.repository, now).await?;
            match self.apply_retention(&stored.repository, &Actor::system()).await {
                Ok(applied) => tracing::info!(
                    repository = %stored.repository,
                    tags = applied.tags_deleted,
                    manifests = applied.manifests_deleted,
                    bytes = applied.gc.bytes,
                    "retention applied"
                ),
                Err(e) => tracing::warn!(repository = %stored.repository, error = %e, "retention run failed"),
            }
            ran += 1;
            ctx.advance(1);
        }
        Ok(ran)
    }
}

/// Each planned deletion's digest and reason, by (package, version).
type Reasons<'a> = std::collections::HashMap<(&'a str, Option<&'a str>), (Digest, &'a str)>;

fn reasons(plan: &Plan) -> Reasons<'_> {
    plan.items
        .iter()
        .filter(|i| i.action == crate::retention::Action::Delete)
        .filter_map(|i| {
            let digest = Digest::parse(&i.digest).ok()?;
            Some(((i.package.as_str(), i.version.as_deref()), (digest, i.reason.as_str())))
        })
        .collect()
}

/// The blobs a plan's deletions may free: every blob of each manifest it deletes. The sweep re-checks
/// each (only those nothing else uses go).
fn freed_blobs(plan: &Plan, items: &[Item]) -> Vec<Digest> {
    let deleted: std::collections::HashSet<(String, String)> = plan.manifests_to_delete().into_iter().collect();
    let mut digests: Vec<Digest> = items
        .iter()
        .filter(|i| deleted.contains(&(i.package.clone(), i.digest.clone())))
        .flat_map(|i| i.blobs.iter().filter_map(|(d, _)| Digest::parse(d).ok()))
        .collect();
    digests.sort();
    digests.dedup();
    digests
}

fn oci_name(repo: &RepoName, package: &str) -> Result<OciName> {
    let package = PackageName::parse(package).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
    Ok(OciName::new(repo.clone(), package))
}

/// The scheduled retention runs: each minute, applies the policies whose `schedule` is due (one node
/// at a time, like every job).
pub struct RetentionScheduler {
    pub registry: Arc<Registry>,
}

#[async_trait]
impl Job for RetentionScheduler {
    fn name(&self) -> &'static str {
        "retention"
    }

    fn interval(&self) -> Duration {
        Duration::from_secs(60)
    }

    async fn run_once(&self, ctx: &RunContext) -> Result<RunReport> {
        Ok(RunReport { items: self.registry.run_scheduled_retention(ctx).await? })
    }
}
