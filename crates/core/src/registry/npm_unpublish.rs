//! `npm unpublish`, within the repository's policy: off unless the repository says
//! `allow_unpublish` (versions are immutable by default). An unpublished version's tag goes, with
//! the dist-tags that pointed at it, and `latest` moves to the highest version left, as libnpmpublish
//! itself rewrites it; all in one unit of work, each version audited as `npm.unpublish`. The
//! manifest stays, untagged, until retention or GC removes it, and the version's tarball name stays
//! claimed in `published_files`: a version once published is never published again with other
//! bytes (the public registry refuses it too).

use super::Registry;
use super::npm::{MAX_VERSIONS, dist_tag, package_name};
use crate::audit::{Actor, Outcome};
use crate::meta::{Format, SearchHit, TagWrite};
use crate::{Error, ErrorKind, Result};
use arca_types::{Ecosystem, RepoName, SemVer, Tag};
use std::collections::BTreeSet;

/// What to unpublish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NpmUnpublish {
    /// These versions (npm's version text).
    Versions(Vec<String>),
    /// Every version: the package is gone.
    Package,
}

impl Registry {
    /// The versions of an npm package as stored (npm's version text), in no particular order.
    pub async fn npm_version_names(&self, repository: &RepoName, name: &str) -> Result<Vec<String>> {
        let stored = package_name(repository, name)?;
        let page = self.versions(&stored, MAX_VERSIONS, None).await?;
        Ok(page.hits.iter().filter_map(npm_version).map(|(version, _)| version).collect())
    }

    /// Unpublishes versions of a package (see the module's comment); returns those removed.
    /// `Unsupported` when the repository does not allow it, `NotFound` for a version it lacks.
    pub async fn unpublish_npm(
        &self,
        repository: &RepoName,
        name: &str,
        which: &NpmUnpublish,
        actor: &Actor,
    ) -> Result<Vec<String>> {
        let repo = self.get_repository(repository).await?;
        if repo.format != Format::Npm || !repo.allow_unpublish {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "{name}: versions in {repository} are immutable; unpublish is off for this repository \
                     (an administrator can allow it: arca repo update {repository} --allow-unpublish)"
                ),
            ));
        }
        let stored = package_name(repository, name)?;
        let page = self.versions(&stored, MAX_VERSIONS, None).await?;
        let (removed, kept) = split_versions(&page.hits, which, name)?;
        let gone: BTreeSet<_> = removed.iter().map(|(_, hit)| &hit.digest).collect();
        let now = self.now();
        let mut work = self.ports.transactions.begin().await?;
        for (version, hit) in &removed {
            work.delete_tag_at(&stored, &Tag::parse(&hit.version)?, &hit.digest).await?;
            let entry = actor.entry(now, "npm.unpublish", format!("{stored}:{}", hit.version), Outcome::Success);
            work.audit(&entry.with_detail(format!("{name}@{version}"))).await?;
        }
        let latest = kept.iter().max_by(|a, b| a.0.cmp(&b.0)).map(|(_, hit)| &hit.digest);
        for hit in page.hits.iter().filter(|h| npm_version(h).is_none() && gone.contains(&h.digest)) {
            let tag = Tag::parse(&hit.version)?;
            work.delete_tag_at(&stored, &tag, &hit.digest).await?;
            if let (true, Some(latest)) = (hit.version == "latest", latest) {
                work.tag_manifest(&stored, &TagWrite::new(dist_tag("latest")?, true), latest, now).await?;
            }
        }
        work.commit().await?;
        Ok(removed.into_iter().map(|(version, _)| version).collect())
    }
}

/// Versions with their listing hits: those to remove (npm's text) and those left (parsed, to find
/// the highest).
type Split<'a> = (Vec<(String, &'a SearchHit)>, Vec<(SemVer, &'a SearchHit)>);

/// The versions `which` names and those left; `NotFound` for a version the package lacks.
fn split_versions<'a>(hits: &'a [SearchHit], which: &NpmUnpublish, name: &str) -> Result<Split<'a>> {
    let versions: Vec<(String, &SearchHit)> = hits.iter().filter_map(npm_version).collect();
    if let NpmUnpublish::Versions(wanted) = which
        && let Some(missing) = wanted.iter().find(|w| !versions.iter().any(|(v, _)| v == *w))
    {
        return Err(Error::new(ErrorKind::NotFound, format!("{name} has no version {missing}")));
    }
    if versions.is_empty() {
        return Err(Error::new(ErrorKind::NotFound, format!("package {name} has no versions")));
    }
    let (removed, kept): (Vec<_>, Vec<_>) = versions.into_iter().partition(|(v, _)| match which {
        NpmUnpublish::Package => true,
        NpmUnpublish::Versions(wanted) => wanted.contains(v),
    });
    let kept = kept.into_iter().filter_map(|(v, hit)| Some((SemVer::parse(&v).ok()?, hit))).collect();
    Ok((removed, kept))
}

/// A listing hit that is a version (its tag reads as SemVer), with npm's version text; `None` for a
/// dist-tag.
fn npm_version(hit: &SearchHit) -> Option<(String, &SearchHit)> {
    let version = Ecosystem::Npm.tag_version(&hit.version);
    SemVer::parse(&version).is_ok().then_some((version, hit))
}
