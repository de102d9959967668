//! `GET /api/v1/audit`: the audit log, filtered and paged.

use crate::search::parse_limit;
use crate::{ApiError, bad_request};
use arca_core::audit::{AuditFilter, AuditLog, Outcome};
use arca_core::auth::AuthService;
use arca_core::observe::RouteClass;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditQuery {
    pub actor: Option<String>,
    /// Exact action, or a prefix ending in `.`.
    pub action: Option<String>,
    /// Targets starting with this.
    pub target: Option<String>,
    pub outcome: Option<String>,
    /// Milliseconds since the epoch, inclusive.
    pub since: Option<i64>,
    /// Milliseconds since the epoch, exclusive.
    pub until: Option<i64>,
    /// Entries after this sequence number (the `next` of the previous page).
    pub after: Option<i64>,
    /// 1 to 1000 (larger asks are cut to 1000), as in search.
    pub limit: Option<String>,
}

/// The audit log's filters from `GET /api/v1/audit`'s parameters (the web UI's audit page reads its
/// form with it too).
pub fn audit_filter(q: AuditQuery) -> Result<AuditFilter, ApiError> {
    let outcome = match q.outcome.as_deref().map(Outcome::parse) {
        Some(None) => return Err(bad_request("outcome is success, denied or failed")),
        other => other.flatten(),
    };
    let limit = parse_limit(q.limit.as_deref())?;
    Ok(AuditFilter {
        actor: q.actor,
        action: q.action,
        target_prefix: q.target,
        outcome,
        since: q.since,
        until: q.until,
        after_seq: q.after,
        limit,
    })
}

/// `{"entries": [...], "next": seq | null}`, entries in sequence order.
pub(crate) async fn audit(
    State(auth): State<Arc<AuthService>>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    // A refused query is answered in the API's JSON, like every other error (not axum's text/plain).
    let Query(q) = query.map_err(|e| bad_request(format!("query: {}", e.body_text())))?;
    let filter = audit_filter(q)?;
    let limit = filter.limit;
    let log: &dyn AuditLog = auth.audit_log();
    let entries = log.list_audit(&filter).await?;
    let next = (entries.len() == limit).then(|| entries.last().map(|e| e.seq)).flatten();
    let mut response = Json(serde_json::json!({ "entries": entries, "next": next })).into_response();
    response.extensions_mut().insert(RouteClass("api_audit"));
    Ok(response)
}
