//! The one enforcement point: every routed request passes [`enforce`], which finds the route's rule
//! ([`rules::rule_for`]), authenticates the caller ([`credentials`]: Basic, Bearer API token, Bearer
//! registry JWT) and checks each need against the principal. Deny by default: a route without a rule
//! is refused. With auth disabled, every request is let through as `anonymous` (loopback only, or
//! `--insecure-no-auth`).
//!
//! HTTP details live here; the decisions themselves are `arca_core::auth::Principal::allows`.

pub mod client_addr;
pub mod credentials;
pub mod jwt;
pub mod rules;
pub mod token;

use arca_core::audit::Actor;
use arca_core::auth::{AuthService, LoginError, Principal};
use arca_proto_oci::RouteClass;
use arca_proto_oci::errors::OciError;
use axum::RequestExt;
use axum::extract::{MatchedPath, Path, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use credentials::Credentials;
use http::{HeaderValue, StatusCode, header};
use rules::{Need, Rule};
use std::collections::HashMap;
use std::sync::Arc;

/// The service name in challenges and registry tokens.
pub const SERVICE: &str = "arca";

/// What the enforcement point needs.
pub struct Gate {
    pub enabled: bool,
    pub service: Arc<AuthService>,
    pub jwt: jwt::JwtKey,
    /// Lifetime of registry tokens, in seconds.
    pub token_ttl_secs: i64,
    /// Proxies whose forwarding headers name the client (`auth.trusted_proxies`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// Why a request is refused.
enum Refusal {
    /// No or invalid credentials: 401 with a challenge.
    Unauthenticated {
        need: Option<Need>,
        message: &'static str,
    },
    /// Valid credentials, not enough rights: 403.
    Forbidden(String),
    /// Too many failed logins: 429.
    LockedOut(std::time::Duration),
    Unavailable,
}

pub async fn enforce(State(gate): State<Arc<Gate>>, mut request: Request, next: Next) -> Response {
    let addr = client_addr::of_request(&request, &gate.trusted_proxies);
    if !gate.enabled {
        request.extensions_mut().insert(Actor::new("anonymous", addr));
        return next.run(request).await;
    }
    let path = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_default();
    let Some(rule) = rules::rule_for(&path) else {
        tracing::error!(path, "route without an authorization rule: refused");
        return refuse(&request, Refusal::Forbidden("this route has no authorization rule".into()));
    };
    // The `{name}` parameter exactly as the handlers see it (percent-decoded by the same extractor):
    // deciding on the raw path let `dev-%61` pass a `dev-???` grant and act on `dev-a`.
    let name = match request.extract_parts::<Path<HashMap<String, String>>>().await {
        Ok(Path(params)) => params.get("name").cloned(),
        Err(_) => None,
    };
    let needs = rules::needs(rule, request.method(), request.uri().path(), request.uri().query(), name.as_deref());
    let principal = if rule == Rule::Public {
        gate.service.anonymous()
    } else {
        let headers = request.headers().clone();
        match gate.authenticate(&headers, addr.as_deref()).await {
            Ok(p) => p,
            Err(refusal) => return refuse(&request, refusal),
        }
    };
    if let Some(unmet) = needs.iter().find(|n| !n.is_met(&principal)) {
        let refusal = if principal.is_anonymous() {
            Refusal::Unauthenticated { need: Some(unmet.clone()), message: "authentication required" }
        } else {
            let target = format!("{} {}", request.method(), request.uri().path());
            gate.service.record_denied(&principal, addr.as_deref(), &target, &unmet.to_string()).await;
            Refusal::Forbidden(format!("{} may not do this: {unmet}", principal.audit_name()))
        };
        return refuse(&request, refusal);
    }
    request.extensions_mut().insert(Actor::new(principal.audit_name(), addr));
    request.extensions_mut().insert(principal);
    next.run(request).await
}

impl Gate {
    /// The principal of a request's credentials.
    async fn authenticate(&self, headers: &http::HeaderMap, addr: Option<&str>) -> Result<Principal, Refusal> {
        let result = match credentials::parse(headers) {
            Credentials::None => return Ok(self.service.anonymous()),
            Credentials::Malformed => {
                return Err(Refusal::Unauthenticated { need: None, message: "unreadable Authorization header" });
            }
            Credentials::Basic { user, secret } => self.service.login(&user, &secret, addr).await,
            Credentials::Bearer(token) if arca_core::auth::secret::token_id(&token).is_some() => {
                self.service.login_token(&token, addr).await
            }
            Credentials::Bearer(token) => return self.jwt_principal(&token),
        };
        result.map_err(|e| match e {
            LoginError::Invalid => Refusal::Unauthenticated { need: None, message: "invalid credentials" },
            LoginError::LockedOut(wait) => Refusal::LockedOut(wait),
            LoginError::Store(e) => {
                tracing::error!(error = %e, "authentication: metadata store");
                Refusal::Unavailable
            }
        })
    }

    fn jwt_principal(&self, token: &str) -> Result<Principal, Refusal> {
        let now = self.service.clock().now() / 1000;
        let claims = self
            .jwt
            .verify(token, now)
            .map_err(|_| Refusal::Unauthenticated { need: None, message: "invalid or expired registry token" })?;
        Ok(token::principal_of(&claims))
    }
}

/// The refusal in the protocol's own error format.
fn refuse(request: &Request, refusal: Refusal) -> Response {
    let oci = request.uri().path().starts_with("/v2");
    let (status, code, message) = match &refusal {
        Refusal::Unauthenticated { message, .. } => (StatusCode::UNAUTHORIZED, "UNAUTHORIZED", (*message).to_owned()),
        Refusal::Forbidden(m) => (StatusCode::FORBIDDEN, "DENIED", m.clone()),
        Refusal::LockedOut(wait) => (
            StatusCode::TOO_MANY_REQUESTS,
            "TOOMANYREQUESTS",
            format!("too many failed logins: retry in {} s", wait.as_secs().max(1)),
        ),
        Refusal::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "try again later".to_owned()),
    };
    let mut response = if oci {
        OciError::new(status, code, message).into_response()
    } else {
        let body = serde_json::json!({ "error": { "code": code.to_ascii_lowercase(), "message": message } });
        (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
    };
    let headers = response.headers_mut();
    match &refusal {
        Refusal::Unauthenticated { need, .. } => {
            let challenge = if oci {
                let base = credentials::external_base(request.headers());
                let scope =
                    need.as_ref().and_then(Need::docker_scope).map(|s| format!(",scope=\"{s}\"")).unwrap_or_default();
                format!("Bearer realm=\"{base}/token\",service=\"{SERVICE}\"{scope}")
            } else {
                format!("Basic realm=\"{SERVICE}\"")
            };
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                headers.insert(header::WWW_AUTHENTICATE, v);
            }
        }
        Refusal::LockedOut(wait) => {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
        }
        _ => {}
    }
    if oci {
        headers.insert("docker-distribution-api-version", HeaderValue::from_static("registry/2.0"));
    }
    response.extensions_mut().insert(RouteClass("auth_refused"));
    response
}
