//! Finding versions: search across repositories, and the listings of a repository's packages and a
//! package's versions built on it.

use super::{Listing, Registry};
use crate::Result;
use crate::meta::{Page, SearchCursor, SearchHit, SearchQuery};
use arca_types::{OciName, RepoName};

/// One page of search results, and where the next one starts (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    pub next: Option<SearchCursor>,
}

impl Registry {
    /// Versions matching `query` (at most `query.limit`), and the cursor of the next page.
    pub async fn search(&self, query: &SearchQuery) -> Result<SearchPage> {
        if query.repositories.as_ref().is_some_and(Vec::is_empty) || query.limit == 0 {
            return Ok(SearchPage { hits: Vec::new(), next: None });
        }
        let mut hits = self.ports.search.search(&SearchQuery { limit: query.limit + 1, ..query.clone() }).await?;
        let next = if hits.len() > query.limit {
            hits.truncate(query.limit);
            hits.last().map(SearchHit::cursor)
        } else {
            None
        };
        Ok(SearchPage { hits, next })
    }

    /// Package names of a repository (without the repository), sorted, after `last`.
    pub async fn packages(&self, repo: &RepoName, limit: usize, last: Option<&str>) -> Result<Listing> {
        self.get_repository(repo).await?;
        let prefix = format!("{repo}/");
        let start = format!("{prefix}{}", last.unwrap_or_default());
        let names = self.ports.manifests.list_packages(&Page { last: Some(start), limit: limit + 1 }).await?;
        let items = names.into_iter().map_while(|n| n.strip_prefix(&prefix).map(str::to_owned)).collect();
        Ok(Listing::cut(items, limit))
    }

    /// Versions of one package, newest first (the search order), after `after`.
    pub async fn versions(&self, name: &OciName, limit: usize, after: Option<SearchCursor>) -> Result<SearchPage> {
        self.get_repository(&name.repository).await?;
        let query = SearchQuery {
            repositories: Some(vec![name.repository.as_str().to_owned()]),
            // Package names never contain `*` or `?`: the glob is the name itself.
            package: Some(name.package.as_str().to_owned()),
            after,
            limit,
            ..SearchQuery::default()
        };
        self.search(&query).await
    }
}
