//! Storage administration: `POST /api/v1/gc`, a garbage-collection sweep now (`arca gc run`), as a
//! run of the `gc` job, so never beside another node's sweep (body, optional: `{"grace": "0s"}`, the
//! grace period; default: the server's `gc.grace_secs`); `GET /api/v1/storage`, the storage report
//! (`arca storage report`).

use crate::repositories::object_body;
use crate::users::classed;
use crate::{ApiError, bad_request};
use arca_core::audit::Actor;
use arca_core::jobs::{JobRunner, RunReport};
use arca_core::registry::Registry;
use arca_core::registry::gc::GC_JOB;
use arca_core::{Error, ErrorKind};
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use std::sync::Arc;
use std::time::Duration;

pub const PATH: &str = "/api/v1/gc";
pub const STORAGE: &str = "/api/v1/storage";

/// What the route needs.
#[derive(Clone)]
pub(crate) struct Gc {
    pub registry: Arc<Registry>,
    pub jobs: Arc<JobRunner>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RunBody {
    grace: Option<String>,
}

pub(crate) async fn run(
    State(gc): State<Gc>,
    caller: Option<Extension<Actor>>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: RunBody = if body.iter().all(u8::is_ascii_whitespace) {
        RunBody::default()
    } else {
        object_body(serde_json::from_slice(&body).map_err(|e| bad_request(e.to_string()))?)?
    };
    let grace = match body.grace {
        Some(text) => parse_grace(&text).ok_or_else(|| {
            bad_request(format!("grace {text:?}: a number and a unit (s, m, h, d, w), e.g. 1h or 0s"))
        })?,
        None => gc.registry.config().gc_grace,
    };
    let actor = caller.map_or_else(Actor::anonymous, |Extension(a)| a);
    let registry = gc.registry.clone();
    let ran = gc
        .jobs
        .run_exclusive(GC_JOB, move |ctx| {
            Box::pin(async move {
                let report = registry.collect_garbage(grace, &actor, &ctx).await?;
                Ok((report, RunReport { items: report.blobs }))
            })
        })
        .await?;
    let Some(report) = ran else {
        return Err(ApiError(Error::new(
            ErrorKind::Conflict,
            "a garbage collection is running already (or its node died and its claim lapses within a minute); \
             try again later",
        )));
    };
    Ok(classed("api_gc", Json(report)))
}

/// `^[0-9]{1,12}[smhdw]$` (the OpenAPI pattern) as a duration; a grace longer than any blob's age
/// just collects nothing.
fn parse_grace(text: &str) -> Option<Duration> {
    let (number, unit) = text.split_at(text.len().checked_sub(1).filter(|_| text.is_ascii())?);
    if number.is_empty() || number.len() > 12 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    Some(Duration::from_secs(number.parse::<u64>().ok()?.saturating_mul(unit_secs)))
}

pub(crate) async fn storage(State(gc): State<Gc>) -> Result<Response, ApiError> {
    Ok(classed("api_storage", Json(gc.registry.storage_report_off_workers().await?)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn grace_is_a_number_and_a_unit() {
        use std::time::Duration;
        assert_eq!(super::parse_grace("0s"), Some(Duration::ZERO));
        assert_eq!(super::parse_grace("90m"), Some(Duration::from_secs(5400)));
        assert_eq!(super::parse_grace("999999999999w"), Some(Duration::from_secs(999_999_999_999 * 604_800)));
        for bad in ["", "s", "1", "1y", "-1s", "1.5h", "1 h", "1000000000000s", "1é", "é"] {
            assert_eq!(super::parse_grace(bad), None, "{bad:?}");
        }
    }
}
