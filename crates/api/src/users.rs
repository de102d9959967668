//! `/api/v1/users` (administration: `admin` on every repository, the route's rule) and
//! `/api/v1/whoami` (any valid credentials).
//!
//! Users are shown as `{"name", "service_account", "grants": ["PATTERN:ACTION[,ACTION]"], "created_at"}`;
//! password hashes never leave the service, and passwords sent here are never echoed.

use crate::repositories::{object_body, present};
use crate::{ApiError, bad_request};
use arca_core::audit::Actor;
use arca_core::auth::service::check_user_name;
use arca_core::auth::{Action, AuthService, Permission, Principal, Role, User};
use arca_core::observe::RouteClass;
use arca_core::{Error, ErrorKind};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use http::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) const USERS: &str = "/api/v1/users";
pub(crate) const USER: &str = "/api/v1/users/{name}";
pub(crate) const WHOAMI: &str = "/api/v1/whoami";

pub(crate) type Auth = State<Arc<AuthService>>;

/// The caller's principal, set by the server's authentication layer; absent when authentication is
/// off (everyone may do everything then).
pub(crate) type Caller = Option<Extension<Principal>>;

/// The caller as audit entries name it (`anonymous` when authentication is off).
pub(crate) type AuditActor = Option<Extension<Actor>>;

pub(crate) fn actor(actor: AuditActor) -> Actor {
    actor.map_or_else(Actor::anonymous, |Extension(a)| a)
}

/// Whether the caller administers every repository (always, with authentication off).
pub(crate) fn is_admin(caller: &Caller) -> bool {
    caller.as_ref().is_none_or(|Extension(p)| p.allows_everywhere(Action::Admin))
}

pub(crate) fn routes() -> Router<Arc<AuthService>> {
    Router::new()
        .route(USERS, get(list).post(create))
        .route(USER, get(show).patch(update).delete(remove))
        .route(WHOAMI, get(whoami))
}

pub(crate) fn classed(class: &'static str, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.extensions_mut().insert(RouteClass(class));
    response
}

/// A JSON body as `T` (an object with only the fields `T` accepts).
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(
    body: Result<Json<Value>, JsonRejection>,
) -> Result<T, ApiError> {
    let Json(body) = body.map_err(|e| bad_request(e.body_text()))?;
    object_body(body)
}

/// `PATTERN:ROLE` or `PATTERN:ACTION[,ACTION…]` texts; `what` names them in the error.
pub fn permissions(texts: &[String], what: &str) -> Result<Vec<Permission>, ApiError> {
    texts
        .iter()
        .map(|t| {
            Permission::parse(t).ok_or_else(|| {
                bad_request(format!(
                    "{what} {t:?}: use PATTERN:ROLE (reader, publisher, promoter, admin) or \
                     PATTERN:ACTION[,ACTION…] (read, publish, delete, promote, admin)"
                ))
            })
        })
        .collect()
}

pub(crate) fn permission_texts(permissions: &[Permission]) -> Vec<String> {
    permissions.iter().map(ToString::to_string).collect()
}

fn user_json(user: &User) -> Value {
    json!({
        "name": user.name,
        "service_account": user.password_hash.is_none(),
        "grants": permission_texts(&user.grants),
        "created_at": user.created_at,
    })
}

/// A user name from the path: `400` unless it could name a user.
fn user_name(name: &str) -> Result<&str, ApiError> {
    check_user_name(name)?;
    Ok(name)
}

/// Body of `POST /api/v1/users`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
    /// At least 8 characters; absent for a service account (reached only through its tokens).
    #[serde(default, deserialize_with = "present")]
    password: Option<String>,
    #[serde(default)]
    grants: Vec<String>,
}

/// Body of `PATCH /api/v1/users/{name}`: what to change (an absent field is unchanged).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct UserChange {
    #[serde(default, deserialize_with = "present")]
    password: Option<String>,
    /// Replaces every grant (`[]` removes them all).
    #[serde(default, deserialize_with = "present")]
    grants: Option<Vec<String>>,
}

async fn list(State(auth): Auth) -> Result<Response, ApiError> {
    let users: Vec<Value> = auth.list_users().await?.iter().map(user_json).collect();
    Ok(classed("api_users", Json(json!({ "users": users }))))
}

async fn create(
    State(auth): Auth,
    who: AuditActor,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let new: NewUser = json_body(body)?;
    let grants = permissions(&new.grants, "grant")?;
    auth.add_user(&actor(who), &new.name, new.password.as_deref(), grants).await?;
    let user = auth.user(&new.name).await?;
    Ok(classed("api_users", (StatusCode::CREATED, Json(user_json(&user)))))
}

async fn show(State(auth): Auth, Path(name): Path<String>) -> Result<Response, ApiError> {
    let user = auth.user(user_name(&name)?).await?;
    Ok(classed("api_users", Json(user_json(&user))))
}

async fn update(
    State(auth): Auth,
    who: AuditActor,
    Path(name): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let name = user_name(&name)?;
    let change: UserChange = json_body(body)?;
    let grants = change.grants.as_deref().map(|g| permissions(g, "grant")).transpose()?;
    let actor = actor(who);
    // Everything is checked before anything changes: an unknown user or a weak password changes nothing.
    let user = auth.user(name).await?;
    if let Some(password) = &change.password {
        auth.set_password(&actor, name, password).await?;
    }
    if let Some(grants) = grants {
        auth.set_grants(&actor, name, grants).await?;
    }
    let user = if change.password.is_none() && change.grants.is_none() { user } else { auth.user(name).await? };
    Ok(classed("api_users", Json(user_json(&user))))
}

async fn remove(
    State(auth): Auth,
    caller: Caller,
    who: AuditActor,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let name = user_name(&name)?;
    if caller.as_ref().is_some_and(|Extension(p)| p.name.as_deref() == Some(name)) {
        return Err(ApiError(Error::new(ErrorKind::Conflict, format!("{name} may not remove their own account"))));
    }
    auth.remove_user(&actor(who), name).await?;
    Ok(classed("api_users", StatusCode::NO_CONTENT))
}

/// `{"name", "grants", "scopes"}`: who the credentials are and what they hold (`scopes`: an API
/// token's, `null` otherwise). With authentication off: `anonymous`, who may do everything.
async fn whoami(caller: Caller) -> Response {
    let body = match &caller {
        Some(Extension(p)) => json!({
            "name": p.audit_name(),
            "grants": permission_texts(p.grants()),
            "scopes": p.token_scopes().map(permission_texts),
        }),
        None => json!({
            "name": "anonymous",
            "grants": permission_texts(&[Permission::role(Role::Admin, "*")]),
            "scopes": null,
        }),
    };
    classed("api_whoami", Json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_objects_with_the_documented_fields() {
        let new: NewUser = object_body(json!({ "name": "ci" })).unwrap();
        assert!(new.password.is_none() && new.grants.is_empty(), "a service account");
        for refused in [
            json!({ "name": "ci", "password": null }),
            json!({ "name": "ci", "role": "admin" }),
            json!({ "name": "ci", "service_account": true }),
            json!({ "name": "ci", "grants": "dev:reader" }),
            json!(["ci"]),
        ] {
            assert!(object_body::<NewUser>(refused.clone()).is_err(), "{refused} is refused");
        }
        let change: UserChange = object_body(json!({})).unwrap();
        assert!(change.password.is_none() && change.grants.is_none());
        let change: UserChange = object_body(json!({ "grants": [] })).unwrap();
        assert_eq!(change.grants, Some(Vec::new()), "[] removes every grant");
        assert!(object_body::<UserChange>(json!({ "grants": null })).is_err());
        assert!(object_body::<UserChange>(json!({ "name": "x" })).is_err());
    }

    #[test]
    fn permissions_parse_or_name_the_bad_one() {
        let ok = permissions(&["dev-*:publisher".into(), "prod:read,promote".into()], "grant").unwrap();
        assert_eq!(permission_texts(&ok), ["dev-*:read,publish", "prod:read,promote"]);
        let e = permissions(&["prod:fly".into()], "scope").unwrap_err();
        assert_eq!(e.0.kind, ErrorKind::InvalidRequest);
        assert!(e.0.message.starts_with("scope \"prod:fly\""), "{}", e.0.message);
    }
}
