//! Storage administration: `POST /api/v1/gc`, a garbage-collection sweep now (`arca gc run`), as a
//! run of the `gc` job, so never beside another node's sweep (body, optional: `{"grace": "0s"}`, the
//! grace period; default: the server's `gc.grace_secs`); `GET /api/v1/storage`, the storage report
//! (`arca storage report`).

use crate::repositories::object_body;
use crate::{ApiError, bad_request};
use arca_core::audit::Actor;
use arca_core::jobs::{JobRunner, RunReport};
use arca_core::registry::Registry;
use arca_core::registry::gc::GC_JOB;
use arca_core::retention::Age;
use arca_core::{Error, ErrorKind};
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
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
        Some(text) => {
            let age = Age::parse(&text).map_err(|e| bad_request(format!("grace: {e}")))?;
            Duration::from_millis(u64::try_from(age.millis()).unwrap_or(0))
        }
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
    let mut response = Json(report).into_response();
    response.extensions_mut().insert(arca_core::observe::RouteClass("api_gc"));
    Ok(response)
}

pub(crate) async fn storage(State(gc): State<Gc>) -> Result<Response, ApiError> {
    let mut response = Json(gc.registry.storage_report().await?).into_response();
    response.extensions_mut().insert(arca_core::observe::RouteClass("api_storage"));
    Ok(response)
}
