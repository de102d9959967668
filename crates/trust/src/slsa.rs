//! SLSA build provenance, v1 and v0.2, normalised into one shape for policy.
//!
//! Both versions are in use: GitHub's `actions/attest-build-provenance` writes v1, while
//! slsa-github-generator's generic and container builders still write v0.2. Policy asks the same
//! questions of both — who built it (`builder.id`), how (`buildType`), from which source repository
//! and commit, in which run — so we answer them once here, following the spec's "Migrating from
//! 0.2" mapping. Missing optional fields are `None`, never an error; only a missing builder id or
//! build type makes a predicate unusable.

use serde_json::Value;

use crate::intoto::Statement;

/// `predicateType` of SLSA provenance v1.
pub const PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// `predicateType` of SLSA provenance v0.2.
pub const PROVENANCE_V02: &str = "https://slsa.dev/provenance/v0.2";

/// Which SLSA provenance version a [`Provenance`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlsaVersion {
    V02,
    V1,
}

/// A resolved dependency (v1) or material (v0.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    pub uri: String,
    /// `(algorithm, value)` pairs, e.g. `("gitCommit", "…")`, `("sha1", "…")`.
    pub digest: Vec<(String, String)>,
}

/// The questions policy asks of provenance, answered the same way for v0.2 and v1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub version: SlsaVersion,
    pub builder_id: String,
    pub build_type: String,
    /// The source repository without `git+` and `@ref`, e.g. `https://github.com/o/r`.
    pub source_repository: Option<String>,
    /// The source reference, e.g. `refs/heads/main`, when the provenance names one.
    pub source_ref: Option<String>,
    /// The source commit (v0.2 `configSource.digest.sha1`; v1 the dependency's `gitCommit`/`sha1`).
    pub commit: Option<String>,
    /// v0.2 `configSource.entryPoint`; v1 `externalParameters.workflow.path`.
    pub entry_point: Option<String>,
    /// v0.2 `metadata.buildInvocationId`; v1 `runDetails.metadata.invocationId`.
    pub invocation_id: Option<String>,
    pub started_on: Option<String>,
    pub finished_on: Option<String>,
    pub materials: Vec<Material>,
}

impl Provenance {
    /// The normalised provenance of a statement whose predicate type is SLSA v0.2 or v1; `None`
    /// for other predicate types or a predicate without builder id and build type.
    pub fn from_statement(statement: &Statement) -> Option<Self> {
        match statement.predicate_type.as_str() {
            PROVENANCE_V1 => from_v1(&statement.predicate),
            PROVENANCE_V02 => from_v02(&statement.predicate),
            _ => None,
        }
    }
}

/// Follows a path of object keys; `None` at the first miss.
fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn text(value: &Value, path: &[&str]) -> Option<String> {
    at(value, path).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn materials(list: Option<&Value>) -> Vec<Material> {
    let Some(items) = list.and_then(Value::as_array) else { return Vec::new() };
    items
        .iter()
        .map(|item| Material {
            uri: text(item, &["uri"]).unwrap_or_default(),
            digest: item
                .get("digest")
                .and_then(Value::as_object)
                .map(|d| d.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
                .unwrap_or_default(),
        })
        .collect()
}

/// `git+https://github.com/o/r@refs/heads/main` → (`https://github.com/o/r`, `refs/heads/main`).
fn split_source_uri(uri: &str) -> (String, Option<String>) {
    let uri = uri.strip_prefix("git+").unwrap_or(uri);
    // The ref follows the last '@' in the path, so `ssh://git@host/r` keeps its user.
    let host_start = uri.find("://").map_or(0, |i| i + 3);
    let path_start = uri[host_start..].find('/').map_or(uri.len(), |i| host_start + i);
    match uri[path_start..].rfind('@') {
        Some(at) => {
            let at = path_start + at;
            (uri[..at].to_owned(), Some(uri[at + 1..].to_owned()).filter(|r| !r.is_empty()))
        }
        None => (uri.to_owned(), None),
    }
}

fn source_commit(material: &Material) -> Option<String> {
    ["gitCommit", "sha1"].iter().find_map(|alg| material.digest.iter().find(|(k, _)| k == alg).map(|(_, v)| v.clone()))
}

fn from_v02(p: &Value) -> Option<Provenance> {
    let builder_id = text(p, &["builder", "id"])?;
    let build_type = text(p, &["buildType"])?;
    let config = at(p, &["invocation", "configSource"]);
    let (source_repository, source_ref) = match config.and_then(|c| text(c, &["uri"])) {
        Some(uri) => {
            let (repo, r) = split_source_uri(&uri);
            (Some(repo), r)
        }
        None => (None, None),
    };
    let commit = config.and_then(|c| text(c, &["digest", "sha1"]).or_else(|| text(c, &["digest", "gitCommit"])));
    Some(Provenance {
        version: SlsaVersion::V02,
        builder_id,
        build_type,
        source_repository,
        source_ref,
        commit,
        entry_point: config.and_then(|c| text(c, &["entryPoint"])),
        // The spec writes buildInvocationId; slsa-github-generator writes buildInvocationID.
        invocation_id: text(p, &["metadata", "buildInvocationId"])
            .or_else(|| text(p, &["metadata", "buildInvocationID"])),
        started_on: text(p, &["metadata", "buildStartedOn"]),
        finished_on: text(p, &["metadata", "buildFinishedOn"]),
        materials: materials(p.get("materials")),
    })
}

fn from_v1(p: &Value) -> Option<Provenance> {
    let builder_id = text(p, &["runDetails", "builder", "id"])?;
    let build_type = text(p, &["buildDefinition", "buildType"])?;
    let external = at(p, &["buildDefinition", "externalParameters"]);
    let dependencies = materials(at(p, &["buildDefinition", "resolvedDependencies"]));
    // The source dependency: the first with a git commit (or sha1) digest.
    let source_dep = dependencies.iter().find(|m| source_commit(m).is_some());
    let dep_source = source_dep.map(|m| split_source_uri(&m.uri));
    let workflow_repo = external.and_then(|e| text(e, &["workflow", "repository"]));
    let declared_source = external.and_then(|e| text(e, &["source"]).or_else(|| text(e, &["source", "uri"])));
    let source_repository = workflow_repo
        .or_else(|| declared_source.as_deref().map(|s| split_source_uri(s).0))
        .or_else(|| dep_source.as_ref().map(|(repo, _)| repo.clone()))
        .filter(|s| !s.is_empty());
    let source_ref = external
        .and_then(|e| text(e, &["workflow", "ref"]))
        .or_else(|| dep_source.as_ref().and_then(|(_, r)| r.clone()));
    Some(Provenance {
        version: SlsaVersion::V1,
        builder_id,
        build_type,
        source_repository,
        source_ref,
        commit: source_dep.and_then(source_commit),
        entry_point: external.and_then(|e| text(e, &["workflow", "path"])),
        invocation_id: text(p, &["runDetails", "metadata", "invocationId"]),
        started_on: text(p, &["runDetails", "metadata", "startedOn"]),
        finished_on: text(p, &["runDetails", "metadata", "finishedOn"]),
        materials: dependencies,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_uris_split_into_repository_and_ref() {
        assert_eq!(
            split_source_uri("git+https://github.com/o/r@refs/heads/main"),
            ("https://github.com/o/r".into(), Some("refs/heads/main".into()))
        );
        assert_eq!(split_source_uri("https://github.com/o/r"), ("https://github.com/o/r".into(), None));
        assert_eq!(split_source_uri("git+ssh://git@host/r"), ("ssh://git@host/r".into(), None));
    }

    #[test]
    fn other_predicates_and_incomplete_ones_are_none() {
        let other = Statement::v1("", "ab", "https://spdx.dev/Document", serde_json::json!({}));
        assert!(Provenance::from_statement(&other).is_none());
        let empty = Statement::v1("", "ab", PROVENANCE_V1, serde_json::json!({"runDetails": {}}));
        assert!(Provenance::from_statement(&empty).is_none());
    }
}
