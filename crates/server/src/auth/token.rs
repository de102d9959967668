//! The Docker registry token endpoint (`GET /token?service=…&scope=…`), as docker, podman and skopeo
//! expect it after a `WWW-Authenticate: Bearer realm=…` challenge: the client authenticates with
//! Basic (user + password or API token) or not at all, and gets a short-lived JWT granting the
//! requested scopes it is allowed, and nothing else (an empty grant is still a token; the registry then
//! refuses what it does not cover).

use super::jwt::{Access, Claims};
use super::{Gate, SERVICE, credentials};
use arca_core::auth::{Action, LoginError, Permission, Principal};
use arca_types::OciName;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use credentials::Credentials;
use http::{StatusCode, header};
use std::sync::Arc;

pub async fn issue(State(gate): State<Arc<Gate>>, request: Request) -> Response {
    let addr = super::client_addr::of_request(&request, &gate.trusted_proxies);
    let headers = request.headers().clone();
    let principal = match token_principal(&gate, &headers, addr.as_deref()).await {
        Ok(p) => p,
        Err(response) => return response,
    };
    let query = request.uri().query().unwrap_or("");
    let mut service = SERVICE.to_owned();
    let mut access = Vec::new();
    for (key, value) in query_pairs(query) {
        match key.as_str() {
            "service" => service = value,
            "scope" => access.extend(value.split(' ').filter_map(|scope| grant(&gate, &principal, scope))),
            _ => {}
        }
    }
    if service != SERVICE {
        // The token would be refused anyway (its audience is checked); say why now.
        let message = format!("unknown service {service:?}: this registry is {SERVICE:?}");
        let body = serde_json::json!({ "errors": [{ "code": "UNSUPPORTED", "message": message }] });
        return (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/json")], body.to_string())
            .into_response();
    }
    let now = gate.service.clock().now() / 1000;
    let claims = Claims {
        iss: SERVICE.into(),
        sub: principal.name.clone().unwrap_or_default(),
        aud: service,
        iat: now,
        exp: now + gate.token_ttl_secs,
        access,
    };
    let token = gate.jwt.sign(&claims);
    let body = serde_json::json!({ "token": token, "access_token": token, "expires_in": gate.token_ttl_secs });
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], body.to_string())
        .into_response()
}

async fn token_principal(gate: &Gate, headers: &http::HeaderMap, addr: Option<&str>) -> Result<Principal, Response> {
    let login = match credentials::parse(headers) {
        Credentials::None => return Ok(gate.service.anonymous()),
        Credentials::Basic { user, secret } => gate.service.login(&user, &secret, addr).await,
        Credentials::Bearer(token) if arca_core::auth::secret::token_id(&token).is_some() => {
            gate.service.login_token(&token, addr).await
        }
        Credentials::Bearer(_) | Credentials::Malformed => Err(LoginError::Invalid),
    };
    login.map_err(|e| {
        let refusal = super::refusal_of(e);
        let body = serde_json::json!({ "errors": [{ "code": "UNAUTHORIZED", "message": refusal.message() }] });
        let challenge = format!("Basic realm=\"{SERVICE}\"");
        (
            refusal.status(),
            [(header::CONTENT_TYPE, "application/json".to_owned()), (header::WWW_AUTHENTICATE, challenge)],
            body.to_string(),
        )
            .into_response()
    })
}

/// The part of a requested scope (`repository:dev/app:pull,push`, `registry:catalog:*`) the principal
/// is allowed; `None` when nothing of it is.
fn grant(gate: &Gate, principal: &Principal, scope: &str) -> Option<Access> {
    let (kind, rest) = scope.split_once(':')?;
    let (name, actions) = rest.rsplit_once(':')?;
    let granted: Vec<String> = match (kind, name) {
        ("registry", "catalog") => {
            (!gate.enabled || principal.allows_everywhere(Action::Read)).then(|| vec!["*".to_owned()])?
        }
        ("repository", _) => {
            let repository = OciName::parse(name).ok()?.repository;
            let allowed = |a: Action| !gate.enabled || principal.allows(a, repository.as_str());
            let mut granted: Vec<String> = Vec::new();
            for requested in actions.split(',') {
                let covered: &[(&str, Action)] = match requested {
                    "pull" => &[("pull", Action::Read)],
                    "push" => &[("push", Action::Publish)],
                    "delete" => &[("delete", Action::Delete)],
                    "*" => &[("pull", Action::Read), ("push", Action::Publish), ("delete", Action::Delete)],
                    _ => &[],
                };
                for (docker, action) in covered {
                    if allowed(*action) && !granted.iter().any(|g| g == docker) {
                        granted.push((*docker).to_owned());
                    }
                }
            }
            granted
        }
        _ => return None,
    };
    (!granted.is_empty()).then(|| Access { kind: kind.to_owned(), name: name.to_owned(), actions: granted })
}

/// The principal a registry token stands for: exactly its access claims.
pub fn principal_of(claims: &Claims) -> Principal {
    let mut grants = Vec::new();
    for access in &claims.access {
        match access.kind.as_str() {
            "registry" if access.name == "catalog" => grants.push(Permission::new("*", &[Action::Read])),
            "repository" => {
                let Ok(name) = OciName::parse(&access.name) else { continue };
                let actions: Vec<Action> = access
                    .actions
                    .iter()
                    .flat_map(|a| match a.as_str() {
                        "pull" => &[Action::Read][..],
                        "push" => &[Action::Publish][..],
                        "delete" => &[Action::Delete][..],
                        _ => &[][..],
                    })
                    .copied()
                    .collect();
                grants.push(Permission::new(name.repository.as_str(), &actions));
            }
            _ => {}
        }
    }
    let name = (!claims.sub.is_empty()).then(|| claims.sub.clone());
    Principal::granted(name, grants)
}

/// `key=value` pairs of a query string, percent-decoded (`+` is a space).
fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode =
            |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
        (decode(k), decode(v))
    })
}
