//! The one enforcement point: every routed request passes [`enforce`], in front of the protocol that
//! serves the route. The protocol parses the request once and says what it needs
//! ([`arca_http::Protocol::authorize`]); this authenticates the caller ([`credentials`]: Basic, Bearer
//! API token, Bearer registry JWT) and checks each need against the principal; a refusal is rendered
//! by the protocol in its own wire format. Deny by default: a route the protocol has no rule for
//! ([`Access::Unruled`]) is refused to everyone. With auth disabled, every request is let through as
//! `anonymous` (loopback only, or `--insecure-no-auth`).
//!
//! HTTP authentication lives here; the decisions themselves are `arca_core::auth::Principal::allows`.

pub mod client_addr;
pub mod credentials;
pub mod jwt;
pub mod session;
pub mod token;

use arca_core::audit::Actor;
use arca_core::auth::{AuthService, LoginError, Principal};
use arca_http::{Access, Protocol, Refusal};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use credentials::Credentials;
use std::sync::Arc;

/// The service name in challenges and registry tokens.
pub const SERVICE: &str = arca_proto_oci::SERVICE;

/// What the enforcement point needs.
pub struct Gate {
    pub enabled: bool,
    pub service: Arc<AuthService>,
    pub jwt: jwt::JwtKey,
    /// Lifetime of registry tokens, in seconds.
    pub token_ttl_secs: i64,
    /// Proxies whose forwarding headers name the client (`auth.trusted_proxies`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Web UI sessions: their cookie is a credential on the UI's routes only.
    pub sessions: Arc<session::SessionKey>,
}

/// The enforcement point in front of one protocol's routes.
pub async fn enforce(
    State((gate, protocol)): State<(Arc<Gate>, Arc<dyn Protocol>)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let addr = client_addr::of_request_parts(&parts, &gate.trusted_proxies);
    let access = protocol.authorize(&mut parts).await;
    if !gate.enabled {
        parts.extensions.insert(Actor::new("anonymous", addr));
        return next.run(Request::from_parts(parts, body)).await;
    }
    let needs = match access {
        Access::Unruled => {
            tracing::error!(
                path = parts.uri.path(),
                protocol = protocol.name(),
                "route without an authorization rule: refused"
            );
            return protocol.refuse(&parts, &Refusal::Forbidden("this route has no authorization rule".into()));
        }
        Access::Public => {
            parts.extensions.insert(Actor::new("anonymous", addr));
            return next.run(Request::from_parts(parts, body)).await;
        }
        Access::Needs(needs) => needs,
    };
    let principal = match gate.ui_session(&parts, protocol.as_ref()).await {
        Ok(Some(principal)) => {
            let name = principal.audit_name().to_owned();
            parts.extensions.insert(arca_ui::SessionUser(name));
            principal
        }
        Ok(None) => match gate.authenticate(&parts.headers, addr.as_deref()).await {
            Ok(p) => p,
            Err(refusal) => return protocol.refuse(&parts, &refusal),
        },
        Err(refusal) => return protocol.refuse(&parts, &refusal),
    };
    if let Some(unmet) = needs.iter().find(|n| !n.is_met(&principal)) {
        let refusal = if principal.is_anonymous() {
            Refusal::Unauthenticated { need: Some(unmet.clone()), message: "authentication required" }
        } else {
            let target = format!("{} {}", parts.method, parts.uri.path());
            gate.service.record_denied(&principal, addr.as_deref(), &target, &unmet.to_string()).await;
            Refusal::Forbidden(format!("{} may not do this: {unmet}", principal.audit_name()))
        };
        return protocol.refuse(&parts, &refusal);
    }
    parts.extensions.insert(Actor::new(principal.audit_name(), addr));
    parts.extensions.insert(principal);
    next.run(Request::from_parts(parts, body)).await
}

/// Why a login failed, as the enforcement point (and the token endpoint) refuse it.
pub(crate) fn refusal_of(e: LoginError) -> Refusal {
    match e {
        LoginError::Invalid => Refusal::Unauthenticated { need: None, message: "invalid credentials" },
        LoginError::LockedOut(wait) => Refusal::LockedOut(wait),
        LoginError::Store(e) => {
            tracing::error!(error = %e, "authentication: metadata store");
            Refusal::Unavailable
        }
    }
}

impl Gate {
    /// The principal of a web UI session cookie: only for the UI's routes (elsewhere a browser's
    /// ambient cookie is no credential: other sites could make it send one), and only when the request
    /// carries no `Authorization` header (which then decides alone). `None`: no live session.
    async fn ui_session(
        &self,
        parts: &http::request::Parts,
        protocol: &dyn Protocol,
    ) -> Result<Option<Principal>, Refusal> {
        if protocol.name() != arca_ui::NAME || parts.headers.contains_key(http::header::AUTHORIZATION) {
            return Ok(None);
        }
        let Some(value) = arca_ui::cookie(&parts.headers, arca_ui::SESSION_COOKIE) else { return Ok(None) };
        self.sessions.principal(&value).await.map_err(|e| {
            tracing::error!(error = %e, "authentication: metadata store");
            Refusal::Unavailable
        })
    }

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
        result.map_err(refusal_of)
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
