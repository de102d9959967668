//! The server's own routes as a protocol: liveness, readiness, metrics and the Docker token
//! endpoint. Only these paths are named here; every other protocol's live in its crate.

use crate::auth::Gate;
use crate::metrics::{Gauges, Metrics};
use arca_core::auth::{Action, Need};
use arca_core::jobs::JobRunner;
use arca_core::observe::RouteClass;
use arca_core::registry::Registry;
use arca_http::{Access, Protocol, Refusal};
use async_trait::async_trait;
use axum::Router;
use axum::extract::{MatchedPath, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use std::sync::Arc;

pub const PATHS: [&str; 4] = ["/healthz", "/readyz", "/metrics", "/token"];

pub struct Ops {
    pub registry: Arc<Registry>,
    pub metrics: Arc<Metrics>,
    pub jobs: Arc<JobRunner>,
    pub gate: Arc<Gate>,
}

#[async_trait]
impl Protocol for Ops {
    fn name(&self) -> &'static str {
        "ops"
    }

    fn is_artifact_traffic(&self) -> bool {
        false
    }

    fn router(&self) -> Router {
        let stores = (self.registry.clone(), self.metrics.clone(), self.jobs.clone());
        Router::new()
            .route("/healthz", get(|| async { (StatusCode::OK, "ok\n") }))
            .route("/readyz", get(ready).with_state(stores.clone()))
            .route("/metrics", get(metrics).with_state(stores))
            .route("/token", get(crate::auth::token::issue).with_state(self.gate.clone()))
    }

    fn paths(&self) -> Vec<&'static str> {
        PATHS.to_vec()
    }

    async fn authorize(&self, parts: &mut Parts) -> Access {
        match parts.extensions.get::<MatchedPath>().map(MatchedPath::as_str) {
            // The token endpoint authenticates by itself.
            Some("/healthz" | "/readyz" | "/token") => Access::Public,
            Some("/metrics") => Access::Needs(vec![Need::Everywhere(Action::Admin)]),
            _ => Access::Unruled,
        }
    }

    fn refuse(&self, _: &Parts, refusal: &Refusal) -> Response {
        arca_api::refusal(refusal)
    }
}

type Stores = (Arc<Registry>, Arc<Metrics>, Arc<JobRunner>);

async fn ready(State((registry, _, _)): State<Stores>) -> Response {
    let mut response = match registry.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n".to_owned()).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {e}\n")).into_response(),
    };
    response.extensions_mut().insert(RouteClass("ops"));
    response
}

async fn metrics(State((registry, metrics, jobs)): State<Stores>) -> Response {
    let gauges = match registry.stats().await {
        Ok((blobs, blob_bytes, uploads)) => {
            let storage = match registry.recent_storage_report().await {
                Ok(report) => Some(report),
                Err(e) => {
                    tracing::warn!(error = %e, "metrics: storage report unavailable");
                    None
                }
            };
            Some(Gauges { blobs, blob_bytes, uploads, storage })
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: store gauges unavailable");
            None
        }
    };
    let mut text = metrics.render(gauges, &jobs.stats());
    crate::metrics::render_promotions(&mut text, &registry.promotion_stats());
    match registry.coverage().await {
        Ok(coverage) => crate::metrics::render_coverage(&mut text, &coverage, registry.finding_events()),
        Err(e) => tracing::warn!(error = %e, "metrics: supply-chain coverage unavailable"),
    }
    let mut response = text.into_response();
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    response.extensions_mut().insert(RouteClass("ops"));
    response
}
