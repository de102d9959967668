//! Repositories: what a new one asks for ([`NewRepository`]), the one place one is made (hosted, the
//! format's default policy, created by the registry's clock) and recorded with its audit entry —
//! whether declared in configuration, created through the API or the CLI, or auto-created by the
//! first write to it — and their administration.

use super::Registry;
use crate::audit::{Actor, Outcome};
use crate::meta::{Format, Millis, RepoKind, Repository};
use crate::{Error, ErrorKind, Result};
use arca_types::{OciName, RepoName};
use std::collections::HashMap;
use std::sync::Mutex;

/// A repository to create, as its creator asks for it; what it leaves out is the format's default
/// policy ([`Registry::create_repository`], [`Registry::declare_repository`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRepository {
    pub name: RepoName,
    pub format: Format,
    /// Free-form stage label: dev, staging, prod.
    pub stage: Option<String>,
    /// Glob patterns of tags that may move. `None`: the format's default — OCI lets the configured
    /// `default_mutable_tags` move, every other format nothing (a generic version is immutable whole).
    pub mutable_tags: Option<Vec<String>>,
    /// Bytes it may reference (each distinct blob once); `None`: no quota.
    pub quota_bytes: Option<u64>,
    /// Repositories whose versions may be promoted into this one.
    pub promote_from: Vec<RepoName>,
    /// Gates a promotion into it must pass, as written (`signed`, `approvals=2`, …); checked and kept
    /// in their canonical text.
    pub gates: Vec<String>,
    /// Gates a manifest pull must pass: `signed`, `sbom`, `provenance`, `max-severity` (kept canonical).
    pub pull_gates: Vec<String>,
    /// Whether the format's client may remove published versions (npm only: `npm unpublish`).
    pub allow_unpublish: bool,
}

impl NewRepository {
    /// A repository of `format` with no stage, no quota and the format's default policy.
    pub fn new(name: RepoName, format: Format) -> Self {
        Self {
            name,
            format,
            stage: None,
            mutable_tags: None,
            quota_bytes: None,
            promote_from: Vec::new(),
            gates: Vec::new(),
            pull_gates: Vec::new(),
            allow_unpublish: false,
        }
    }

    /// From text (a request body, flags, a configuration table): `NameInvalid` for a bad name,
    /// `InvalidRequest` naming the formats for an unknown one.
    pub fn parse(name: &str, format: &str) -> Result<Self> {
        let name = RepoName::parse(name)?;
        let format = Format::parse(format).ok_or_else(|| {
            let known: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
            Error::new(ErrorKind::InvalidRequest, format!("unknown format {format:?} (one of {})", known.join(", ")))
        })?;
        Ok(Self::new(name, format))
    }
}

/// What an existing repository declares, to change a field of it and declare it again.
impl From<Repository> for NewRepository {
    fn from(repo: Repository) -> Self {
        Self {
            name: repo.name,
            format: repo.format,
            stage: repo.stage,
            mutable_tags: Some(repo.mutable_tags),
            quota_bytes: repo.quota_bytes,
            promote_from: repo.promote_from,
            gates: repo.gates,
            pull_gates: repo.pull_gates,
            allow_unpublish: repo.allow_unpublish,
        }
    }
}

impl Registry {
    /// The repository `new` describes: hosted (the only kind yet), the format's default policy where it
    /// asks for none, created now by this registry's clock. The one place a [`Repository`] is made:
    /// `InvalidRequest` for a gate that does not parse, `Conflict` for a repository promoting from itself.
    fn make_repository(&self, new: NewRepository) -> Result<Repository> {
        let gates = crate::promotion::parse_gates(&new.gates)?;
        let pull_gates = super::pull_gates::parse(&new.pull_gates)?;
        if new.promote_from.contains(&new.name) {
            return Err(Error::new(ErrorKind::Conflict, format!("repository {} cannot promote from itself", new.name)));
        }
        if new.allow_unpublish && new.format != Format::Npm {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("allow_unpublish applies to npm repositories; {} holds {} packages", new.name, new.format),
            ));
        }
        let mut promote_from = new.promote_from;
        promote_from.sort();
        promote_from.dedup();
        let mutable_tags = new.mutable_tags.unwrap_or_else(|| match new.format {
            Format::Oci => self.config.default_mutable_tags.clone(),
            _ => Vec::new(),
        });
        Ok(Repository {
            name: new.name,
            format: new.format,
            kind: RepoKind::Hosted,
            stage: new.stage,
            mutable_tags,
            created_at: self.now(),
            quota_bytes: new.quota_bytes,
            promote_from,
            gates: gates.iter().map(ToString::to_string).collect(),
            pull_gates: pull_gates.iter().map(ToString::to_string).collect(),
            allow_unpublish: new.allow_unpublish,
        })
    }

    /// Records a new repository with its audit entry (`why` adds how it came to be); `false`, and
    /// nothing recorded, when one of that name exists already. Every creation goes through here.
    async fn insert_repository(&self, repo: &Repository, actor: &Actor, why: Option<&str>) -> Result<bool> {
        let detail = match why {
            Some(why) => format!("{}; {why}", policy(repo)),
            None => policy(repo),
        };
        let audit = actor.entry(self.now(), "repository.create", repo.name.as_str(), Outcome::Success);
        let created = self.ports.repositories.create_repository(repo, &audit.with_detail(detail)).await;
        self.repository_cache.forget(&repo.name);
        created
    }

    /// Creates a repository (the API, the CLI); `Conflict` if one of that name exists. Returns it as
    /// stored.
    pub async fn create_repository(&self, new: NewRepository, actor: &Actor) -> Result<Repository> {
        let repo = self.make_repository(new)?;
        if !self.insert_repository(&repo, actor, None).await? {
            return Err(Error::new(ErrorKind::Conflict, format!("repository {} already exists", repo.name)));
        }
        Ok(self.ports.repositories.get_repository(&repo.name).await?.unwrap_or(repo))
    }

    /// Creates a repository declared in configuration, or brings an existing one's policy in line with
    /// the declaration (a policy left out is the format's default); also how the API changes a policy.
    pub async fn declare_repository(&self, new: NewRepository, actor: &Actor) -> Result<()> {
        let repo = self.make_repository(new)?;
        match self.ports.repositories.get_repository(&repo.name).await? {
            None => {
                self.insert_repository(&repo, actor, None).await?;
            }
            Some(existing) if existing.format != repo.format => {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!("repository {} exists with format {}, not {}", repo.name, existing.format, repo.format),
                ));
            }
            Some(existing) => {
                // The policy is declared; what the repository is stays.
                let updated = Repository { kind: existing.kind, created_at: existing.created_at, ..repo };
                if updated != existing {
                    let audit = actor.entry(self.now(), "repository.update", updated.name.as_str(), Outcome::Success);
                    let audit = audit.with_detail(policy(&updated));
                    let changed = self.ports.repositories.update_repository(&updated, &audit).await;
                    self.repository_cache.forget(&updated.name);
                    changed?;
                }
            }
        }
        Ok(())
    }

    /// The repository a write of `format` content goes to — created on first use when `auto_create`
    /// is on, with the format's default policy — provided it holds one of `accepts`.
    pub(super) async fn repository_for(
        &self,
        name: &RepoName,
        format: Format,
        accepts: &[Format],
        actor: &Actor,
    ) -> Result<Repository> {
        let repo = match self.cached_repository(name).await? {
            Some(repo) => repo,
            None if self.config.auto_create => {
                let repo = self.make_repository(NewRepository::new(name.clone(), format))?;
                self.insert_repository(&repo, actor, Some("auto-created on first write")).await?;
                self.ports.repositories.get_repository(name).await?.unwrap_or(repo)
            }
            None => {
                return Err(Error::new(
                    ErrorKind::NameUnknown,
                    format!(
                        "repository {name} does not exist: create it with `arca repo create {name} --format {format}`"
                    ),
                ));
            }
        };
        if !accepts.contains(&repo.format) {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("repository {name} holds {} packages, not {format} content", repo.format),
            ));
        }
        Ok(repo)
    }

    /// The repository of an OCI write (generic repositories take OCI content too: their versions are
    /// OCI manifests).
    pub(super) async fn oci_repository(&self, name: &OciName, actor: &Actor) -> Result<Repository> {
        self.repository_for(&name.repository, Format::Oci, &[Format::Oci, Format::Generic], actor).await
    }

    pub async fn list_repositories(&self) -> Result<Vec<Repository>> {
        self.ports.repositories.list_repositories().await
    }

    pub async fn get_repository(&self, name: &RepoName) -> Result<Repository> {
        self.ports
            .repositories
            .get_repository(name)
            .await?
            .ok_or_else(|| Error::new(ErrorKind::NameUnknown, format!("repository {name} does not exist")))
    }

    /// Deletes an empty repository.
    pub async fn delete_repository(&self, name: &RepoName, actor: &Actor) -> Result<()> {
        let audit = actor.entry(self.now(), "repository.delete", name.as_str(), Outcome::Success);
        let deleted = self.ports.repositories.delete_repository(name, &audit).await;
        self.repository_cache.forget(name);
        if deleted? {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::NameUnknown, format!("repository {name} does not exist")))
        }
    }
}

impl Registry {
    /// The repository as read at most [`REPOSITORY_CACHE_MS`] ago (by this registry's clock): a push
    /// looks its repository up several times. This node's own changes drop the entry at once; another
    /// node's show within that time (a deleted repository is still refused by the store's write).
    pub(super) async fn cached_repository(&self, name: &RepoName) -> Result<Option<Repository>> {
        let now = self.now();
        if let Some(repo) = self.repository_cache.get(name, now) {
            return Ok(Some(repo));
        }
        let repo = self.ports.repositories.get_repository(name).await?;
        if let Some(repo) = &repo {
            self.repository_cache.put(repo.clone(), now);
        }
        Ok(repo)
    }
}

/// How long a repository read serves later writes (see `Registry::cached_repository`).
pub const REPOSITORY_CACHE_MS: Millis = 1_000;

/// Repositories recently read, by name.
#[derive(Debug, Default)]
pub(super) struct RepositoryCache {
    entries: Mutex<HashMap<RepoName, (Repository, Millis)>>,
}

/// Entries kept at most; past it the cache starts over (a registry has far fewer repositories).
const REPOSITORY_CACHE_ENTRIES: usize = 4096;

impl RepositoryCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<RepoName, (Repository, Millis)>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, name: &RepoName, now: Millis) -> Option<Repository> {
        let entries = self.entries();
        let (repo, read_at) = entries.get(name)?;
        // A clock moved back counts as stale too.
        (0..REPOSITORY_CACHE_MS).contains(&(now - read_at)).then(|| repo.clone())
    }

    fn put(&self, repo: Repository, now: Millis) {
        let mut entries = self.entries();
        if entries.len() >= REPOSITORY_CACHE_ENTRIES {
            entries.clear();
        }
        entries.insert(repo.name.clone(), (repo, now));
    }

    fn forget(&self, name: &RepoName) {
        self.entries().remove(name);
    }
}

/// A repository's policy, as the detail of the audit entry of its creation or change.
fn policy(repo: &Repository) -> String {
    let stage = repo.stage.as_deref().unwrap_or("-");
    let quota = repo.quota_bytes.map_or_else(|| "-".to_owned(), |q| q.to_string());
    let tags = repo.mutable_tags.join(",");
    let from: Vec<&str> = repo.promote_from.iter().map(RepoName::as_str).collect();
    format!(
        "format={} kind={} stage={stage} mutable_tags={tags} quota_bytes={quota} promote_from={} gates={}{}",
        repo.format,
        repo.kind,
        from.join(","),
        repo.gates.join(" "),
        if repo.pull_gates.is_empty() { String::new() } else { format!(" pull_gates={}", repo.pull_gates.join(" ")) },
    ) + if repo.allow_unpublish { " allow_unpublish=true" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(name: &str) -> Repository {
        Repository {
            name: RepoName::parse(name).unwrap(),
            format: Format::Oci,
            kind: RepoKind::Hosted,
            stage: None,
            mutable_tags: Vec::new(),
            created_at: 0,
            quota_bytes: None,
            promote_from: Vec::new(),
            gates: Vec::new(),
            pull_gates: Vec::new(),
            allow_unpublish: false,
        }
    }

    #[test]
    fn cached_repositories_expire_and_are_forgotten() {
        let cache = RepositoryCache::default();
        let dev = RepoName::parse("dev").unwrap();
        assert_eq!(cache.get(&dev, 0), None);
        cache.put(repo("dev"), 1_000);
        assert_eq!(cache.get(&dev, 1_000 + REPOSITORY_CACHE_MS - 1), Some(repo("dev")));
        assert_eq!(cache.get(&dev, 1_000 + REPOSITORY_CACHE_MS), None, "expired");
        assert_eq!(cache.get(&dev, 999), None, "a clock moved back");
        cache.forget(&dev);
        assert_eq!(cache.get(&dev, 1_000), None, "forgotten");
    }

    #[test]
    fn new_repositories_parse_from_text() {
        let new = NewRepository::parse("dev", "generic").unwrap();
        assert_eq!(new, NewRepository::new(RepoName::parse("dev").unwrap(), Format::Generic));
        assert_eq!(new.mutable_tags, None, "the format's default unless asked");
        assert_eq!(NewRepository::parse("Dev!", "oci").unwrap_err().kind, ErrorKind::NameInvalid);
        let e = NewRepository::parse("dev", "zip").unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidRequest);
        assert!(e.message.contains("\"zip\"") && e.message.contains("oci, generic"), "{}", e.message);
    }
}
