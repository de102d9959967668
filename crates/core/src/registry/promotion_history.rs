//! After promotion: a package's history in a repository, rollback (re-pointing to a digest promoted
//! before, itself recorded and audited), deployments reported by CD systems, and "what runs where".

use super::Registry;
use super::promotion::{ArtifactRef, Caller};
use crate::audit::Outcome;
use crate::auth::Action;
use crate::meta::{Deployment, Millis, NewPromotion, PromotionKind, PromotionRecord, TagWrite};
use crate::promotion::Verdict;
use crate::{Error, ErrorKind, Result};
use arca_types::{Digest, OciName, RepoName, Tag};
use serde::Serialize;

/// One entry of a package's history in a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub id: u64,
    pub kind: PromotionKind,
    pub release: Option<String>,
    /// Where it came from (`null` for a rollback).
    pub source: Option<String>,
    pub target: String,
    pub version: Option<String>,
    pub digest: String,
    pub previous: Option<String>,
    pub actor: String,
    pub at: Millis,
    pub verdicts: Vec<Verdict>,
    pub approvers: Vec<String>,
}

impl From<PromotionRecord> for HistoryEntry {
    fn from(record: PromotionRecord) -> Self {
        let p = record.promotion;
        Self {
            id: record.id,
            kind: p.kind,
            release: p.release,
            source: p.source.map(|s| s.to_string()),
            target: p.target.to_string(),
            version: p.version,
            digest: p.digest.to_string(),
            previous: p.previous.map(|d| d.to_string()),
            actor: p.actor,
            at: p.at,
            verdicts: serde_json::from_str(&p.verdicts).unwrap_or_default(),
            approvers: p.approvers,
        }
    }
}

/// Where a rollback goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackTo {
    /// The digest that was current before the current one.
    Previous,
    /// A digest promoted into the package before.
    Digest(Digest),
}

impl RollbackTo {
    pub fn parse(text: &str) -> Result<Self> {
        if text == "previous" {
            return Ok(Self::Previous);
        }
        Digest::parse(text).map(Self::Digest).map_err(|e| {
            Error::new(ErrorKind::InvalidRequest, format!("roll back to `previous` or a digest, not {text:?}: {e}"))
        })
    }
}

/// A package in one stage: what is current there, since when, from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageView {
    pub repository: String,
    pub stage: Option<String>,
    pub digest: String,
    pub version: Option<String>,
    pub since: Millis,
    /// The repository it was promoted from; `null` after a rollback.
    pub from: Option<String>,
    pub kind: PromotionKind,
}

/// A deployment as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentView {
    pub id: u64,
    pub environment: String,
    pub repository: String,
    pub package: String,
    pub digest: String,
    pub actor: String,
    pub at: Millis,
}

impl From<Deployment> for DeploymentView {
    fn from(d: Deployment) -> Self {
        Self {
            id: d.id,
            environment: d.environment,
            repository: d.name.repository.to_string(),
            package: d.name.package.to_string(),
            digest: d.digest.to_string(),
            actor: d.actor,
            at: d.at,
        }
    }
}

/// Where a package runs: per stage (along the promotion path) and per environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhereView {
    pub package: String,
    pub stages: Vec<StageView>,
    pub environments: Vec<DeploymentView>,
}

/// History entries a listing returns at most.
pub const MAX_HISTORY: usize = 1000;

impl Registry {
    /// The package's promotions and rollbacks in its repository, newest first.
    pub async fn promotion_history(
        &self,
        name: &OciName,
        limit: usize,
        caller: Caller<'_>,
    ) -> Result<Vec<HistoryEntry>> {
        self.permit(caller, Action::Read, &name.repository).await?;
        self.get_repository(&name.repository).await?;
        let records = self.ports.promotions.promotions(name, limit.min(MAX_HISTORY)).await?;
        Ok(records.into_iter().map(HistoryEntry::from).collect())
    }

    /// Makes an earlier promoted digest current again (`tag`, if given, moves to it: it must be
    /// mutable); recorded in the history and audited.
    pub async fn rollback(
        &self,
        name: &OciName,
        tag: Option<&Tag>,
        to: &RollbackTo,
        caller: Caller<'_>,
    ) -> Result<HistoryEntry> {
        self.permit(caller, Action::Promote, &name.repository).await?;
        let repo = self.get_repository(&name.repository).await?;
        let history = self.ports.promotions.promotions(name, MAX_HISTORY).await?;
        let current = history.first().ok_or_else(|| {
            Error::new(ErrorKind::NotFound, format!("nothing was promoted into {name}: nothing to roll back"))
        })?;
        let digest = rollback_target(name, &history, to)?;
        if self.ports.manifests.manifest_by_digest(name, &digest).await?.is_none() {
            return Err(Error::new(ErrorKind::ManifestUnknown, format!("{digest} is no longer in {name}")));
        }
        if let Some(tag) = tag.filter(|t| !repo.is_mutable(t.as_str())) {
            return Err(Error::new(
                ErrorKind::TagImmutable,
                format!("tag {tag} of {name} is immutable; roll back without a tag, or make it mutable"),
            ));
        }
        let now = self.now();
        let record = NewPromotion {
            kind: PromotionKind::Rollback,
            release: None,
            source: None,
            target: name.clone(),
            version: tag.map(|t| t.to_string()),
            digest: digest.clone(),
            previous: Some(current.promotion.digest.clone()),
            actor: caller.actor.name.clone(),
            verdicts: "[]".to_owned(),
            approvers: Vec::new(),
            at: now,
        };
        let mut uow = self.ports.transactions.begin().await?;
        if let Some(tag) = tag {
            uow.tag_manifest(name, &TagWrite::new(tag.clone(), true), &digest, now).await?;
        }
        let target = tag.map_or_else(|| name.to_string(), |t| format!("{name}:{t}"));
        let audit = caller.actor.entry(now, "promotion.rollback", target, Outcome::Success);
        let audit = audit.with_detail(format!("from={} to={digest}", current.promotion.digest));
        let id = uow.record_promotion(&record, &audit).await?;
        uow.commit().await?;
        self.promotion_stats.rollback(name.repository.as_str());
        Ok(HistoryEntry::from(PromotionRecord { id, promotion: record }))
    }

    /// Records that the artifact runs in `environment` now (a CD system reports it).
    pub async fn record_deployment(
        &self,
        environment: &str,
        artifact: &ArtifactRef,
        caller: Caller<'_>,
    ) -> Result<DeploymentView> {
        check_environment(environment)?;
        self.permit(caller, Action::Promote, &artifact.name.repository).await?;
        let (digest, _) = self.resolve(artifact).await?;
        let now = self.now();
        let audit =
            caller.actor.entry(now, "deployment.record", format!("{}@{digest}", artifact.name), Outcome::Success);
        let audit = audit.with_detail(format!("environment={environment}"));
        let id = self.ports.promotions.record_deployment(environment, &artifact.name, &digest, &audit).await?;
        Ok(DeploymentView::from(Deployment {
            id,
            environment: environment.to_owned(),
            name: artifact.name.clone(),
            digest,
            actor: caller.actor.name.clone(),
            at: now,
        }))
    }

    /// What is current for packages named `package` in every stage the caller may read (ordered along
    /// the promotion path) and what runs in every environment.
    pub async fn where_is(&self, package: &str, caller: Caller<'_>) -> Result<WhereView> {
        let repos = self.list_repositories().await?;
        let readable = |repo: &RepoName| caller.may(Action::Read, repo).is_ok();
        let mut stages: Vec<StageView> = Vec::new();
        for record in self.ports.promotions.current_promotions(package).await? {
            let p = record.promotion;
            if !readable(&p.target.repository) {
                continue;
            }
            let stage = repos.iter().find(|r| r.name == p.target.repository).and_then(|r| r.stage.clone());
            stages.push(StageView {
                repository: p.target.repository.to_string(),
                stage,
                digest: p.digest.to_string(),
                version: p.version,
                since: p.at,
                from: p.source.map(|s| s.to_string()),
                kind: p.kind,
            });
        }
        stages.sort_by_key(|s| (path_depth(&repos, &s.repository), s.repository.clone()));
        let environments = self
            .ports
            .promotions
            .current_deployments(package)
            .await?
            .into_iter()
            .filter(|d| readable(&d.name.repository))
            .map(DeploymentView::from)
            .collect();
        Ok(WhereView { package: package.to_owned(), stages, environments })
    }
}

/// How many promotion edges lead into `repository` at most (dev 0, staging 1, prod 2): stages in
/// promotion order. Cycles are cut at the number of repositories.
fn path_depth(repos: &[crate::meta::Repository], repository: &str) -> usize {
    let mut depth = 0;
    let mut frontier = vec![repository.to_owned()];
    while depth < repos.len() {
        let sources: Vec<String> = repos
            .iter()
            .filter(|r| frontier.iter().any(|f| f == r.name.as_str()))
            .flat_map(|r| r.promote_from.iter().map(|s| s.to_string()))
            .collect();
        if sources.is_empty() {
            break;
        }
        frontier = sources;
        depth += 1;
    }
    depth
}

/// The digest a rollback makes current.
fn rollback_target(name: &OciName, history: &[PromotionRecord], to: &RollbackTo) -> Result<Digest> {
    let current = &history[0].promotion;
    match to {
        RollbackTo::Previous => current.previous.clone().ok_or_else(|| {
            Error::new(ErrorKind::Conflict, format!("{name} has no previous digest: only one was ever promoted"))
        }),
        RollbackTo::Digest(digest) if history.iter().any(|r| r.promotion.digest == *digest) => Ok(digest.clone()),
        RollbackTo::Digest(digest) => Err(Error::new(
            ErrorKind::NotFound,
            format!("{digest} was never promoted into {name}: roll back to a digest of its history"),
        )),
    }
}

/// An environment name: 1–64 of `[a-z0-9._-]`, starting with a letter or digit.
fn check_environment(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::InvalidRequest, format!("environment {name:?}: use 1 to 64 of [a-z0-9._-]")))
    }
}
