//! The management API, for now only the audit log: `GET /api/v1/audit` with filters and paging.
//! (A later issue builds the rest of `/api/v1`.)

use arca_core::audit::{AuditFilter, AuditLog, Outcome};
use arca_core::auth::AuthService;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use std::sync::Arc;

const MAX_LIMIT: usize = 1000;

#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    /// Exact action, or a prefix ending in `.`.
    action: Option<String>,
    /// Targets starting with this.
    target: Option<String>,
    outcome: Option<String>,
    /// Milliseconds since the epoch, inclusive.
    since: Option<i64>,
    /// Milliseconds since the epoch, exclusive.
    until: Option<i64>,
    /// Entries after this sequence number (the `next` of the previous page).
    after: Option<i64>,
    limit: Option<usize>,
}

/// `{"entries": [...], "next": seq | null}`, entries in sequence order.
pub async fn audit(State(auth): State<Arc<AuthService>>, Query(q): Query<AuditQuery>) -> Response {
    let outcome = match q.outcome.as_deref().map(Outcome::parse) {
        Some(None) => return error(StatusCode::BAD_REQUEST, "outcome is success, denied or failed"),
        other => other.flatten(),
    };
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_LIMIT);
    let filter = AuditFilter {
        actor: q.actor,
        action: q.action,
        target_prefix: q.target,
        outcome,
        since: q.since,
        until: q.until,
        after_seq: q.after,
        limit,
    };
    let log: &dyn AuditLog = auth.audit_log();
    match log.list_audit(&filter).await {
        Ok(entries) => {
            let next = (entries.len() == limit).then(|| entries.last().map(|e| e.seq)).flatten();
            let body = serde_json::json!({ "entries": entries, "next": next });
            ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
        }
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": status.as_u16(), "message": message } });
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}
