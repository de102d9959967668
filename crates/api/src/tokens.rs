//! `/api/v1/tokens`: API tokens. The route's rule asks only for valid credentials; the rest is decided
//! here: anyone lists, creates and revokes their own tokens, an administrator of every repository
//! (`admin` on `*`) anyone's (`?user=`, `"user"`).
//!
//! A token never holds more than whoever creates it (for a token-authenticated caller: its own
//! scopes) nor more than its owner's grants; its text is in the creation's answer only, and listings
//! never show it or its hash.

use crate::repositories::present;
use crate::users::{AuditActor, Auth, Caller, actor, classed, is_admin, json_body, permission_texts, permissions};
use crate::{ApiError, bad_request};
use arca_core::audit::Actor;
use arca_core::auth::service::check_user_name;
use arca_core::auth::{AuthService, Token};
use arca_core::{Error, ErrorKind};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use http::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

pub(crate) const TOKENS: &str = "/api/v1/tokens";
pub(crate) const TOKEN: &str = "/api/v1/tokens/{id}";

/// Longest description kept.
const MAX_DESCRIPTION: usize = 1024;

pub(crate) fn routes() -> Router<Arc<AuthService>> {
    Router::new().route(TOKENS, get(list).post(create)).route(TOKEN, delete(revoke))
}

/// A token's lifetime: `30d`, `12h`, `15m`, `3600s` or plain seconds: 1 to 99 999 999 units (the
/// OpenAPI pattern `^[1-9][0-9]{0,7}[smhd]?$`).
pub fn parse_lifetime(text: &str) -> Result<Duration, ApiError> {
    let bad = || bad_request(format!("expires_in {text:?}: use 1 to 99999999 d, h, m or s (30d, 12h, 15m)"));
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    if number.is_empty() || number.len() > 8 || number.starts_with('0') {
        return Err(bad());
    }
    let n: u64 = number.parse().map_err(|_| bad())?;
    let unit = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(bad()),
    };
    // At most 99 999 999 days (about 270 000 years): it fits in epoch milliseconds.
    Ok(Duration::from_secs(n * unit))
}

fn token_json(token: &Token) -> Value {
    json!({
        "id": token.id,
        "owner": token.owner,
        "description": token.description,
        "scopes": permission_texts(&token.scopes),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    })
}

fn denied(message: String) -> ApiError {
    ApiError(Error::new(ErrorKind::Denied, message))
}

/// `result`, with a refusal recorded in the audit log (as the server's enforcement point records its own).
async fn audited<T>(
    auth: &AuthService,
    caller: &Caller,
    actor: &Actor,
    target: &str,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    if let (Err(ApiError(e)), Some(Extension(principal))) = (&result, caller)
        && e.kind == ErrorKind::Denied
    {
        auth.record_denied(principal, actor.addr.as_deref(), target, &e.message).await;
    }
    result
}

/// Whose tokens a request is about: `user` if given, else the caller's own. Someone else's need an
/// administrator; with authentication off there is no "own", so `user` is required (else `404`).
fn owner_of(caller: &Caller, user: Option<String>) -> Result<String, ApiError> {
    if let Some(user) = &user {
        check_user_name(user)?;
    }
    let own = caller.as_ref().and_then(|Extension(p)| p.name.clone());
    match (user, own) {
        (Some(user), Some(own)) if user != own && !is_admin(caller) => {
            Err(denied(format!("{own} may not manage the tokens of {user} (needs admin on every repository)")))
        }
        (Some(user), _) => Ok(user),
        (None, Some(own)) => Ok(own),
        // Nobody to own it: like a user that does not exist.
        (None, None) => Err(ApiError(Error::new(
            ErrorKind::NotFound,
            "authentication is off, so there is no caller to own the token: name its owner with \"user\"",
        ))),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensQuery {
    user: Option<String>,
}

/// `{"tokens": [...]}`, newest first: an administrator's call without `user` lists everyone's.
async fn list(
    State(auth): Auth,
    caller: Caller,
    who: AuditActor,
    query: Result<Query<TokensQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| bad_request(format!("query: {}", e.body_text())))?;
    let owner = match query.user {
        None if is_admin(&caller) => None,
        user => Some(audited(&auth, &caller, &actor(who), "GET /api/v1/tokens", owner_of(&caller, user)).await?),
    };
    let tokens: Vec<Value> = auth.list_tokens(owner.as_deref()).await?.iter().map(token_json).collect();
    Ok(classed("api_tokens", Json(json!({ "tokens": tokens }))))
}

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    /// `PATTERN:ACTION[,ACTION…]` or `PATTERN:ROLE`, at least one.
    scopes: Vec<String>,
    #[serde(default)]
    description: String,
    /// Absent or `null`: the token lives until revoked.
    #[serde(default)]
    expires_in: Option<String>,
    /// The owner (default: the caller); `null` is refused.
    #[serde(default, deserialize_with = "present")]
    user: Option<String>,
}

/// `201 {"id", "token", …}`: the token's text, shown this once.
async fn create(
    State(auth): Auth,
    caller: Caller,
    who: AuditActor,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let new: NewToken = json_body(body)?;
    let scopes = permissions(&new.scopes, "scope")?;
    if scopes.is_empty() {
        return Err(bad_request("a token needs at least one scope (PATTERN:ACTION[,ACTION…])"));
    }
    let ttl = new.expires_in.as_deref().map(parse_lifetime).transpose()?;
    if new.description.chars().count() > MAX_DESCRIPTION || new.description.chars().any(char::is_control) {
        return Err(bad_request(format!("description: at most {MAX_DESCRIPTION} printable characters")));
    }
    let actor = actor(who);
    let target = "POST /api/v1/tokens";
    let owner = audited(&auth, &caller, &actor, target, owner_of(&caller, new.user)).await?;
    // Never more than the caller holds, nor than the owner's grants.
    if let Some(Extension(principal)) = &caller
        && let Some(why) = principal.may_hand_out(&scopes)
    {
        return audited(&auth, &caller, &actor, target, Err(denied(why))).await;
    }
    auth.check_within_grants(&owner, &scopes).await?;
    let issued = auth.create_token(&actor, &owner, &new.description, scopes, ttl).await?;
    let mut body = token_json(&issued.token);
    body["token"] = Value::String(issued.text);
    Ok(classed("api_tokens", (StatusCode::CREATED, Json(body))))
}

/// `204`; a token that is not live (unknown, revoked) — or, for anyone but an administrator, not
/// theirs — is `404`.
async fn revoke(
    State(auth): Auth,
    caller: Caller,
    who: AuditActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !is_admin(&caller) {
        let own = owner_of(&caller, None)?;
        let mine = auth.list_tokens(Some(&own)).await?.iter().any(|t| t.id == id && t.revoked_at.is_none());
        if !mine {
            return Err(ApiError(Error::new(ErrorKind::NotFound, format!("no live token {id}"))));
        }
    }
    auth.revoke_token(&actor(who), &id).await?;
    Ok(classed("api_tokens", StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repositories::object_body;
    use arca_core::auth::Permission;
    use arca_core::auth::Principal;

    #[test]
    fn lifetimes_parse() {
        assert_eq!(parse_lifetime("30d").unwrap(), Duration::from_secs(30 * 86400));
        assert_eq!(parse_lifetime("12h").unwrap(), Duration::from_secs(12 * 3600));
        assert_eq!(parse_lifetime("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_lifetime("3600s").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_lifetime("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_lifetime("99999999d").unwrap(), Duration::from_secs(99_999_999 * 86400));
        for bad in ["", "0", "0d", "01d", "soon", "3w", "-1d", "1.5h", "d", "999999999d", "99999999999999999999", " 1d"]
        {
            assert!(parse_lifetime(bad).is_err(), "{bad:?} is refused");
        }
    }

    #[test]
    fn someone_elses_tokens_need_an_administrator() {
        let user = |grants| Some(Extension(Principal::user("alice", grants)));
        let alice = user(vec![Permission::parse("dev:publisher").unwrap()]);
        assert_eq!(owner_of(&alice, None).unwrap(), "alice");
        assert_eq!(owner_of(&alice, Some("alice".into())).unwrap(), "alice");
        assert_eq!(owner_of(&alice, Some("bob".into())).unwrap_err().0.kind, ErrorKind::Denied);
        let admin = user(vec![Permission::parse("*:admin").unwrap()]);
        assert_eq!(owner_of(&admin, Some("bob".into())).unwrap(), "bob");
        assert_eq!(owner_of(&None, Some("bob".into())).unwrap(), "bob", "authentication off");
        assert_eq!(owner_of(&None, None).unwrap_err().0.kind, ErrorKind::NotFound, "authentication off: nobody");
    }

    #[test]
    fn the_body_is_an_object_with_the_documented_fields() {
        let new: NewToken = object_body(json!({ "scopes": ["dev:read"] })).unwrap();
        assert!(new.description.is_empty() && new.expires_in.is_none() && new.user.is_none());
        for refused in [
            json!({}),
            json!({ "scopes": "dev:read" }),
            json!({ "scopes": [], "secret": "x" }),
            json!({ "scopes": ["dev:read"], "user": null }),
            json!([]),
        ] {
            assert!(object_body::<NewToken>(refused.clone()).is_err(), "{refused} is refused");
        }
    }
}
