//! Searching versions (tags with their manifests): one query, built from the filters that are set.
//!
//! The order (tag time desc, repository, package, version) is served by the `tags_by_time` index;
//! property and digest filters are `IN` subqueries the planner can drive from `properties_by_key`,
//! `manifest_refs_by_child` and `tags_by_manifest`. Globs are `GLOB` on SQLite and `LIKE` on
//! PostgreSQL (both case-sensitive, byte-wise): the only dialect difference.

use crate::SqlMetaStore;
use crate::db::{Dialect, Tx, col, corrupt, db_err, limit};
use crate::sql::query;
use arca_core::Result;
use arca_core::meta::{Format, SearchHit, SearchQuery, SearchStore};
use arca_types::Digest;
use async_trait::async_trait;
use std::collections::BTreeMap;

pub(crate) enum Arg {
    Text(String),
    Int(i64),
}

/// A WHERE clause under construction, with its numbered arguments.
#[derive(Default)]
pub(crate) struct Filter {
    pub(crate) clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Filter {
    /// Adds an argument; returns its placeholder.
    pub(crate) fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    pub(crate) fn text(&mut self, s: &str) -> String {
        self.arg(Arg::Text(s.to_owned()))
    }

    /// `WHERE a AND b …`, or nothing without clauses.
    pub(crate) fn where_clause(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!("WHERE {}", self.clauses.join(" AND ")) }
    }

    /// The statement with every argument bound, in order. Only placeholders and fixed text are
    /// formatted into `sql`; every value is bound.
    pub(crate) fn bind(self, sql: String) -> crate::sql::Query {
        let mut q = query(sql);
        for arg in self.args {
            q = match arg {
                Arg::Text(s) => q.bind(s),
                Arg::Int(i) => q.bind(i),
            };
        }
        q
    }
}

/// A `*`/`?` glob as the dialect's pattern operator and pattern.
fn glob(dialect: Dialect, pattern: &str) -> (&'static str, String) {
    let mut out = String::with_capacity(pattern.len() + 4);
    match dialect {
        // GLOB knows `*` and `?`; only `[` needs quoting.
        Dialect::Sqlite => {
            for c in pattern.chars() {
                match c {
                    '[' => out.push_str("[[]"),
                    c => out.push(c),
                }
            }
            ("GLOB", out)
        }
        Dialect::Postgres => {
            for c in pattern.chars() {
                match c {
                    '*' => out.push('%'),
                    '?' => out.push('_'),
                    '%' | '_' | '\\' => {
                        out.push('\\');
                        out.push(c);
                    }
                    c => out.push(c),
                }
            }
            ("LIKE", out)
        }
    }
}

/// `column` as a filter the planner must not drive the query from, on SQLite.
///
/// SQLite plans without value statistics: left alone, it drives a search from whichever index a
/// filter can use (say, every version with `env=prod`) and then sorts all of them. Hiding those
/// columns (`col || ''`) makes it walk `tags_by_time` in the result order and stop after `LIMIT`
/// rows, so a search costs at most one pass over that index. Digests and exact package names are
/// selective by nature and keep their indexes. PostgreSQL has statistics and chooses by itself.
fn hidden(dialect: Dialect, column: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("{column} || ''"),
        Dialect::Postgres => column.to_owned(),
    }
}

/// Below this many candidate manifests a property filter is selective: on SQLite it may drive the
/// query (fetch those versions by digest, then sort them); above it, it is checked row by row during
/// the ordered walk, which meets enough matches early.
const SELECTIVE: i64 = 2000;

/// Which property filters (`properties`, then `has_properties`) are selective. Only SQLite asks:
/// PostgreSQL's planner knows the value distribution.
async fn selective_filters(tx: &mut Tx, q: &SearchQuery) -> Result<Vec<bool>> {
    let mut out = Vec::new();
    let filters =
        q.properties.iter().map(|(k, v)| (k, Some(v))).chain(q.has_properties.iter().map(|k| (k, None::<&String>)));
    for (key, value) in filters {
        let count = |sql: &'static str| query(sql).bind(key.as_str());
        let count = match value {
            Some(v) => count(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM \
                 (SELECT 1 FROM properties WHERE key = $1 AND value = $2 LIMIT $3) c",
            )
            .bind(v.as_str())
            .bind(SELECTIVE),
            None => count("SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT 1 FROM properties WHERE key = $1 LIMIT $2) c")
                .bind(SELECTIVE),
        };
        let row = count.fetch_one(&mut *tx).await.map_err(db_err("estimating a property filter"))?;
        let count: i64 = col(&row, 0)?;
        out.push(count < SELECTIVE);
    }
    Ok(out)
}

fn where_clause(dialect: Dialect, q: &SearchQuery, selective: &[bool]) -> Filter {
    let mut f = Filter::default();
    let exact_package = q.package.as_deref().filter(|p| !p.contains(['*', '?']));
    let (repository, digest) = (hidden(dialect, "t.repository"), hidden(dialect, "t.digest"));
    if let Some(repos) = &q.repositories {
        let list: Vec<String> = repos.iter().map(|r| f.text(r)).collect();
        let list = if list.is_empty() { "NULL".to_owned() } else { list.join(", ") };
        let column = if exact_package.is_some() { "t.repository" } else { &repository };
        f.clauses.push(format!("{column} IN ({list})"));
    }
    if let Some(format) = q.format {
        let p = f.text(format.as_str());
        f.clauses.push(format!("{repository} IN (SELECT name FROM repositories WHERE format = {p})"));
    }
    if let Some(package) = exact_package {
        let p = f.text(package);
        f.clauses.push(format!("t.package = {p}"));
    }
    let globs = [("t.package", q.package.as_ref().filter(|_| exact_package.is_none())), ("t.name", q.version.as_ref())];
    for (column, pattern) in globs {
        if let Some(pattern) = pattern {
            let (op, pattern) = glob(dialect, pattern);
            let p = f.text(&pattern);
            let escape = if dialect == Dialect::Postgres { " ESCAPE '\\'" } else { "" };
            f.clauses.push(format!("{} {op} {p}{escape}", hidden(dialect, column)));
        }
    }
    let filters =
        q.properties.iter().map(|(k, v)| (k, Some(v))).chain(q.has_properties.iter().map(|k| (k, None::<&String>)));
    for (i, (key, value)) in filters.enumerate() {
        let k = f.text(key);
        let value = value.map(|v| format!(" AND value = {}", f.text(v))).unwrap_or_default();
        let clause = match (dialect, selective.get(i).copied().unwrap_or(true)) {
            (Dialect::Sqlite, false) => {
                format!("EXISTS (SELECT 1 FROM properties p WHERE p.manifest_digest = {digest} AND p.key = {k}{value})")
            }
            _ => format!("t.digest IN (SELECT manifest_digest FROM properties WHERE key = {k}{value})"),
        };
        f.clauses.push(clause);
    }
    if let Some(wanted) = &q.digest {
        let d = f.text(wanted.as_str());
        f.clauses.push(format!(
            "t.digest IN (SELECT {d} UNION SELECT manifest_digest FROM manifest_refs WHERE child_digest = {d})"
        ));
    }
    if let Some(after) = q.created_after {
        let p = f.arg(Arg::Int(after));
        f.clauses.push(format!("t.updated_at >= {p}"));
    }
    if let Some(before) = q.created_before {
        let p = f.arg(Arg::Int(before));
        f.clauses.push(format!("t.updated_at < {p}"));
    }
    if let Some(c) = &q.after {
        let (at, repo, package, version) =
            (f.arg(Arg::Int(c.created_at)), f.text(&c.repository), f.text(&c.package), f.text(&c.version));
        // The first term bounds the index range; the rest orders ties.
        f.clauses.push(format!(
            "t.updated_at <= {at} AND (t.updated_at < {at} OR t.repository > {repo} OR (t.repository = {repo} \
             AND (t.package > {package} OR (t.package = {package} AND t.name > {version}))))"
        ));
    }
    f
}

#[async_trait]
impl SearchStore for SqlMetaStore {
    async fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        let mut tx = self.db.read_tx().await?;
        let selective = match self.db.dialect {
            Dialect::Sqlite => selective_filters(&mut tx, q).await?,
            Dialect::Postgres => Vec::new(),
        };
        let mut f = where_clause(self.db.dialect, q, &selective);
        let where_ = f.where_clause();
        let n = f.arg(Arg::Int(limit(q.limit)));
        let sql = format!(
            "SELECT t.repository, t.package, t.name, t.digest, m.media_type, m.artifact_type, t.updated_at, r.format \
             FROM tags t \
             JOIN manifests m ON m.repository = t.repository AND m.package = t.package AND m.digest = t.digest \
             JOIN repositories r ON r.name = t.repository \
             {where_} ORDER BY t.updated_at DESC, t.repository, t.package, t.name LIMIT {n}"
        );
        let rows = f.bind(sql).fetch_all(&mut tx).await.map_err(db_err("searching versions"))?;
        let mut hits = rows
            .iter()
            .map(|row| {
                let digest: String = col(row, 3)?;
                let format: String = col(row, 7)?;
                Ok(SearchHit {
                    repository: col(row, 0)?,
                    package: col(row, 1)?,
                    version: col(row, 2)?,
                    digest: Digest::parse(&digest).map_err(|e| corrupt("digest", &digest, e))?,
                    media_type: col(row, 4)?,
                    artifact_type: col(row, 5)?,
                    created_at: col(row, 6)?,
                    format: Format::parse(&format).ok_or_else(|| corrupt("format", &format, "unknown format"))?,
                    properties: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if hits.is_empty() {
            return Ok(hits);
        }
        // The properties of every hit, in one query.
        let digests: std::collections::BTreeSet<&str> = hits.iter().map(|h| h.digest.as_str()).collect();
        let placeholders: Vec<String> = (1..=digests.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT manifest_digest, key, value FROM properties WHERE manifest_digest IN ({}) \
             ORDER BY manifest_digest, key, value",
            placeholders.join(", ")
        );
        // Only placeholders and fixed text are formatted in; every value is bound.
        let mut properties = query(sql);
        for d in &digests {
            properties = properties.bind(d.to_string());
        }
        let rows = properties.fetch_all(&mut tx).await.map_err(db_err("reading properties of search hits"))?;
        let mut by_digest: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for row in &rows {
            by_digest.entry(col(row, 0)?).or_default().push((col(row, 1)?, col(row, 2)?));
        }
        for hit in &mut hits {
            if let Some(props) = by_digest.get(hit.digest.as_str()) {
                hit.properties.clone_from(props);
            }
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_quote_what_each_dialect_treats_as_special() {
        assert_eq!(glob(Dialect::Sqlite, "team/*-v?[1]"), ("GLOB", "team/*-v?[[]1]".to_owned()));
        assert_eq!(glob(Dialect::Postgres, "a_b%c\\*?"), ("LIKE", "a\\_b\\%c\\\\%_".to_owned()));
    }
}
