//! Supply-chain coverage per repository: the share of its versions that are signed by a trusted key,
//! have an SBOM, have verified provenance, and are free of critical and high findings.
//!
//! Computed from the cached verdicts (verifying what is not cached yet), at most [`MAX_VERSIONS`]
//! versions per repository, newest first; cached for a minute so `/metrics` scrapes stay cheap.

use super::Registry;
use crate::meta::{Millis, SearchQuery};
use crate::{Result, meta::SearchCursor};
use arca_types::{OciName, Tag};
use std::sync::{Arc, Mutex};

/// Versions per repository looked at, newest first.
pub const MAX_VERSIONS: usize = 10_000;
const TTL_MS: Millis = 60_000;

/// One repository's coverage.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    pub repository: String,
    pub versions: u64,
    pub signed: u64,
    pub with_sbom: u64,
    pub with_provenance: u64,
    /// Scanned (an SBOM was indexed) and no critical or high finding.
    pub free_of_high: u64,
}

#[derive(Debug, Default)]
pub(super) struct CoverageCache(Mutex<Option<(Millis, Arc<Vec<Coverage>>)>>);

impl Registry {
    /// The coverage of every repository (cached for a minute).
    pub async fn coverage(&self) -> Result<Arc<Vec<Coverage>>> {
        let now = self.now();
        if let Some((at, cached)) = self.coverage_cache.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
            && (0..TTL_MS).contains(&(now - at))
        {
            return Ok(cached);
        }
        let mut all = Vec::new();
        for repo in self.list_repositories().await? {
            all.push(self.repository_coverage(repo.name.as_str()).await?);
        }
        let all = Arc::new(all);
        *self.coverage_cache.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((now, all.clone()));
        Ok(all)
    }

    async fn repository_coverage(&self, repository: &str) -> Result<Coverage> {
        let mut c = Coverage { repository: repository.to_owned(), ..Coverage::default() };
        let mut after: Option<SearchCursor> = None;
        let mut seen = 0;
        while seen < MAX_VERSIONS {
            let query = SearchQuery {
                repositories: Some(vec![repository.to_owned()]),
                after: after.clone(),
                limit: 500,
                ..SearchQuery::default()
            };
            let page = self.search(&query).await?;
            for hit in &page.hits {
                seen += 1;
                // cosign's `sha256-<hex>[.sig|.att|.sbom]` tags are attachments, not versions.
                if super::attachments::cosign_subject(&hit.version).is_some() {
                    continue;
                }
                let Ok(name) = OciName::parse(&format!("{}/{}", hit.repository, hit.package)) else { continue };
                let Ok(tag) = Tag::parse(&hit.version) else { continue };
                let record = self.manifest_record(&name, &arca_types::Reference::Tag(tag)).await?;
                if record.subject.is_some() {
                    continue;
                }
                let facts = self.artifact_facts(&name, &record, &name.repository).await?;
                c.versions += 1;
                c.signed += u64::from(!facts.signatures.is_empty());
                c.with_sbom += u64::from(!facts.sboms.is_empty());
                c.with_provenance += u64::from(!facts.provenance.is_empty());
                let high = facts.findings.iter().any(|f| f.severity >= crate::promotion::Severity::High);
                c.free_of_high += u64::from(facts.scanned && !high);
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        Ok(c)
    }
}
