//! Supply-chain trust in the management API:
//! - `GET|PUT|DELETE /api/v1/repositories/{name}/trust-roots[/{root}]`: the keys, certificates and
//!   notation trust policy a repository verifies attachments against;
//! - `…/versions/{version|digest}/attachments|components|vulnerabilities` (served through
//!   [`crate::versions`]): a version's attachments with their verdicts and provenance, the components
//!   of its SBOMs, its findings;
//! - `GET /api/v1/components?purl=|name=|license=[&range=]`: which versions hold a component;
//! - `POST /api/v1/advisories` (a JSON array of OSV records, as `arca advisories import` sends them)
//!   and `GET /api/v1/advisories` (how many are stored);
//! - `GET /api/v1/coverage`: per repository, the share of versions signed, with SBOM, with
//!   provenance, free of critical and high findings.

use crate::search::{Reader, parse_limit, readable};
use crate::users::classed;
use crate::{ApiError, bad_request};
use arca_core::audit::Actor;
use arca_core::jobs::JobRunner;
use arca_core::meta::{ComponentQuery, TrustRoot, TrustRootKind};
use arca_core::registry::Registry;
use arca_core::registry::vulns::ADVISORIES_JOB;
use arca_types::{OciName, QueryParams, Reference, RepoName};
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::{Extension, Json, Router};
use http::StatusCode;
use std::sync::Arc;

pub const TRUST_ROOTS: &str = "/api/v1/repositories/{name}/trust-roots";
pub const TRUST_ROOT: &str = "/api/v1/repositories/{name}/trust-roots/{root}";
pub const COMPONENTS: &str = "/api/v1/components";
pub const ADVISORIES: &str = "/api/v1/advisories";
pub const COVERAGE: &str = "/api/v1/coverage";

type Caller = Option<Extension<Actor>>;

/// What the advisories route needs: the registry, and the job runner to match what it stored.
#[derive(Clone)]
pub(crate) struct Advisories {
    pub registry: Arc<Registry>,
    pub jobs: Arc<JobRunner>,
}

pub(crate) fn routes() -> Router<Arc<Registry>> {
    use axum::routing::get;
    Router::new()
        .route(TRUST_ROOTS, get(list_roots))
        .route(TRUST_ROOT, get(get_root).put(put_root).delete(delete_root))
        .route(COMPONENTS, get(components))
        .route(COVERAGE, get(coverage))
}

/// A request of advisories carries at most this many bytes (1000 records; `arca advisories import`
/// sends 4 MiB at most).
const MAX_ADVISORY_REQUEST: usize = 16 << 20;

pub(crate) fn advisory_routes(state: Advisories) -> Router {
    Router::new()
        .route(ADVISORIES, axum::routing::get(advisory_count).post(import))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_ADVISORY_REQUEST))
        .with_state(state)
}

fn repository(name: &str) -> Result<RepoName, ApiError> {
    Ok(RepoName::parse(name)?)
}

fn root_json(root: &TrustRoot) -> serde_json::Value {
    serde_json::json!({
        "name": root.name,
        "kind": root.kind,
        "fingerprint": root.fingerprint,
        "material": root.material,
        "created": arca_core::time::rfc3339(root.created_at),
    })
}

async fn list_roots(State(registry): State<Arc<Registry>>, Path(name): Path<String>) -> Result<Response, ApiError> {
    let roots = registry.trust_roots(&repository(&name)?).await?;
    let roots: Vec<_> = roots.iter().map(root_json).collect();
    Ok(classed("api_trust", Json(serde_json::json!({ "trust_roots": roots }))))
}

async fn get_root(
    State(registry): State<Arc<Registry>>,
    Path((name, root)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let roots = registry.trust_roots(&repository(&name)?).await?;
    let found = roots.iter().find(|r| r.name == root).ok_or_else(|| {
        ApiError(arca_core::Error::new(
            arca_core::ErrorKind::NotFound,
            format!("{name} has no trust root named {root:?}"),
        ))
    })?;
    Ok(classed("api_trust", Json(root_json(found))))
}

/// Body of `PUT …/trust-roots/{root}`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RootBody {
    kind: TrustRootKind,
    material: String,
}

async fn put_root(
    State(registry): State<Arc<Registry>>,
    caller: Caller,
    Path((name, root)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let value = serde_json::from_slice(&body).map_err(|e| bad_request(e.to_string()))?;
    let body: RootBody = crate::repositories::object_body(value)?;
    let actor = caller.map_or_else(Actor::anonymous, |Extension(a)| a);
    let stored = registry.put_trust_root(&repository(&name)?, &root, body.kind, body.material, &actor).await?;
    Ok(classed("api_trust", Json(root_json(&stored))))
}

async fn delete_root(
    State(registry): State<Arc<Registry>>,
    caller: Caller,
    Path((name, root)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let actor = caller.map_or_else(Actor::anonymous, |Extension(a)| a);
    registry.delete_trust_root(&repository(&name)?, &root, &actor).await?;
    Ok(classed("api_trust", StatusCode::NO_CONTENT))
}

/// The supply-chain views of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aspect {
    Attachments,
    Components,
    Vulnerabilities,
}

impl Aspect {
    /// Each view by the path suffix that asks for it.
    pub(crate) const ALL: [(&'static str, Aspect); 3] = [
        ("/attachments", Aspect::Attachments),
        ("/components", Aspect::Components),
        ("/vulnerabilities", Aspect::Vulnerabilities),
    ];
}

/// A version's attachments (verified against its repository's roots), components or findings.
pub(crate) async fn version_view(
    registry: &Registry,
    name: &OciName,
    reference: &Reference,
    aspect: Aspect,
) -> Result<serde_json::Value, ApiError> {
    let (subject, attachments) = registry.attachments(name, reference, None).await?;
    let head = |key: &str, value: serde_json::Value| {
        serde_json::json!({
            "repository": name.repository.as_str(),
            "package": name.package.as_str(),
            "reference": reference.to_string(),
            "digest": subject.digest.as_str(),
            key: value,
        })
    };
    Ok(match aspect {
        Aspect::Attachments => {
            let provenance: Vec<_> = attachments.iter().filter_map(|a| a.verified_provenance()).collect();
            let signed_by: Vec<String> = (attachments.iter())
                .filter(|a| a.is_valid_signature())
                .filter_map(|a| match &a.verdict {
                    arca_types::Verdict::Valid { signer } => Some(signer.clone()),
                    _ => None,
                })
                .collect();
            let mut view = head("attachments", serde_json::to_value(&attachments).unwrap_or_default());
            view["signed_by"] = serde_json::json!(signed_by);
            view["provenance"] = serde_json::json!(provenance);
            view
        }
        Aspect::Components => {
            let components = registry.components_of(&subject.digest).await?;
            let mut view = head("components", serde_json::to_value(&components).unwrap_or_default());
            view["scanned"] = serde_json::json!(registry.scanned(&subject.digest).await?);
            view
        }
        Aspect::Vulnerabilities => {
            let findings = registry.findings_of(&subject.digest).await?;
            let findings: Vec<_> = (findings.iter())
                .map(|f| {
                    serde_json::json!({
                        "advisory": f.advisory, "package": f.package, "installed": f.installed,
                        "fixed": f.fixed, "severity": f.severity, "score": f.score,
                        "found": arca_core::time::rfc3339(f.found_at),
                    })
                })
                .collect();
            let mut view = head("findings", serde_json::json!(findings));
            view["scanned"] = serde_json::json!(registry.scanned(&subject.digest).await?);
            view
        }
    })
}

/// `GET /api/v1/components`: versions holding a component, in the repositories the caller may read.
async fn components(
    State(registry): State<Arc<Registry>>,
    reader: Reader,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = QueryParams::parse(query.as_deref().unwrap_or(""));
    for (key, max) in [("purl", 1000), ("name", 1000), ("license", 200), ("range", 200)] {
        if params.get(key).is_some_and(|v| v.len() > max) {
            return Err(bad_request(format!("{key} is longer than {max} bytes")));
        }
    }
    let mut q = ComponentQuery {
        name: params.get("name"),
        license: params.get("license"),
        repositories: readable(&registry, &reader).await?,
        limit: parse_limit(params.get("limit").as_deref())?,
        ..ComponentQuery::default()
    };
    if let Some(purl) = params.get("purl") {
        let parsed = arca_sbom::Purl::parse(&purl).map_err(|e| bad_request(format!("purl {purl:?}: {e}")))?;
        q.version = parsed.version.clone();
        q.purl = Some(parsed.without_version());
    }
    if q.purl.is_none() && q.name.is_none() && q.license.is_none() {
        return Err(bad_request("give purl, name or license"));
    }
    let hits = registry.find_components(&q, params.get("range").as_deref()).await?;
    let hits: Vec<_> = (hits.iter())
        .map(|h| {
            serde_json::json!({
                "repository": h.repository, "stage": h.stage, "package": h.package, "version": h.version,
                "digest": h.digest.as_str(), "component": h.component,
            })
        })
        .collect();
    Ok(classed("api_components", Json(serde_json::json!({ "results": hits }))))
}

/// `GET /api/v1/coverage`: the coverage of the repositories the caller may read.
async fn coverage(State(registry): State<Arc<Registry>>, reader: Reader) -> Result<Response, ApiError> {
    let allowed = readable(&registry, &reader).await?;
    let all = registry.coverage().await?;
    let shown: Vec<_> =
        all.iter().filter(|c| allowed.as_ref().is_none_or(|a| a.contains(&c.repository))).cloned().collect();
    Ok(classed("api_coverage", Json(serde_json::json!({ "repositories": shown }))))
}

async fn advisory_count(State(a): State<Advisories>) -> Result<Response, ApiError> {
    let count = a.registry.advisory_count().await?;
    Ok(classed("api_advisories", Json(serde_json::json!({ "advisories": count }))))
}

/// `POST /api/v1/advisories`: stores OSV records, then runs the `advisories` job so findings on stored
/// versions appear before the answer (unless another node runs it: then on its next run).
async fn import(State(a): State<Advisories>, caller: Caller, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let records: Vec<serde_json::Value> = match serde_json::from_slice(&body) {
        Ok(serde_json::Value::Array(records)) if records.iter().all(serde_json::Value::is_object) => records,
        Ok(serde_json::Value::Array(_)) => return Err(bad_request("every OSV record must be a JSON object")),
        Ok(_) => return Err(bad_request("expected a JSON array of OSV records")),
        Err(e) => return Err(bad_request(e.to_string())),
    };
    let actor = caller.map_or_else(Actor::anonymous, |Extension(a)| a);
    let report = a.registry.import_advisories(&records, &actor).await?;
    let evaluated = a.jobs.run_now(ADVISORIES_JOB).await?.map(|r| r.items);
    let mut body = serde_json::to_value(&report).unwrap_or_default();
    body["evaluated"] = serde_json::json!(evaluated);
    Ok(classed("api_advisories", Json(body)))
}
