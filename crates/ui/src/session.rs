//! Signing in and out, the cookies, and the CSRF check of every form that posts.
//!
//! The session cookie's value is made and checked by the server ([`Sessions`], signed with a key all
//! nodes share); this module sets and clears it. A form's CSRF token is [`Sessions::csrf_token`] of
//! the session cookie's value, or before sign-in of a random nonce cookie: a page of another site can
//! neither read it nor compute it, so its POSTs are refused.

use crate::html::{self, Html, esc};
use crate::{Ctx, Ui, see_other, w};
use arca_core::audit::{Actor, Outcome};
use arca_core::auth::LoginError;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, StatusCode, header};
use subtle::ConstantTimeEq;

/// The session cookie: sent by browsers to `/ui` only, accepted by the server on UI routes only.
pub const SESSION_COOKIE: &str = "arca_session";
/// The nonce the sign-in form's CSRF token is bound to before there is a session.
pub const NONCE_COOKIE: &str = "arca_csrf";
/// The largest form body read (a user name, a password, a token).
const MAX_FORM: usize = 16 * 1024;

/// Sessions as the server makes them: signed so that any node accepts them.
#[async_trait::async_trait]
pub trait Sessions: Send + Sync + 'static {
    /// The session cookie's value for `user`, valid for [`Self::lifetime_secs`].
    async fn issue(&self, user: &str) -> arca_core::Result<String>;
    /// The CSRF token of forms bound to `binding` (a session cookie's value or a nonce).
    fn csrf_token(&self, binding: &str) -> String;
    fn lifetime_secs(&self) -> u64;
}

/// Put in a request's extensions by the server's enforcement point when it authenticated the caller
/// by their session cookie: the user's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser(pub String);

/// The value of the cookie `name` in a request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: HttpOnly, for `/ui` only, `Secure` over TLS; `max_age` `None` for the
/// browser session, `Some(0)` to clear it.
pub(crate) fn set_cookie(name: &str, value: &str, max_age: Option<u64>, secure: bool, same_site: &str) -> String {
    let mut cookie = format!("{name}={value}; Path=/ui; HttpOnly; SameSite={same_site}");
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

/// The sign-in form; `error` says why the last attempt failed.
pub(crate) fn login_form(ctx: &Ctx, query: &str, error: Option<&str>, status: StatusCode) -> Response {
    let mut body = Html::default();
    body.raw("<h1>Sign in</h1>");
    if !ctx.auth_enabled {
        body.raw("<p>Authentication is off on this server: every page is open. <a href=\"/ui/\">Repositories</a></p>");
        return ctx.page(status, "Sign in", &body);
    }
    if let Some(error) = error {
        w!(body, "<p class=\"error\" role=\"alert\">{}</p>", esc(error));
    }
    let next = arca_types::QueryParams::parse(query).get("next").unwrap_or_default();
    w!(
        body,
        "<form method=\"post\" action=\"/ui/login\" class=\"filters\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"next\" value=\"{}\">\
         <label>User name <input name=\"username\" autocomplete=\"username\" required></label>\
         <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">Sign in</button></form>",
        esc(&ctx.csrf),
        esc(&next)
    );
    ctx.page(status, "Sign in", &body)
}

/// The form fields of a POST, if its CSRF token is the one this request's binding gives.
/// What a confirm-then-commit action was given: the query of its confirmation page (`GET`), or the
/// fields of its form (`POST`, CSRF-checked; `Err`: the refusal to answer with).
pub(crate) async fn step_fields(
    ctx: &Ctx,
    parts: &Parts,
    step: crate::route::Step,
    body: Body,
) -> Result<arca_types::QueryParams, Response> {
    match step {
        crate::route::Step::Confirm => Ok(arca_types::QueryParams::parse(parts.uri.query().unwrap_or(""))),
        crate::route::Step::Commit => checked_form(ctx, body).await,
    }
}

pub(crate) async fn checked_form(ctx: &Ctx, body: Body) -> Result<arca_types::QueryParams, Response> {
    let refused = || {
        let mut page = Html::default();
        page.raw("<h1>403</h1><p class=\"error\">This form has expired or did not come from this site. Reload the page and try again.</p>");
        ctx.page(StatusCode::FORBIDDEN, "Refused", &page)
    };
    let bytes = axum::body::to_bytes(body, MAX_FORM).await.map_err(|_| refused())?;
    let form = arca_types::QueryParams::parse(std::str::from_utf8(&bytes).unwrap_or(""));
    let token = form.get("csrf").unwrap_or_default();
    // A binding made for this very response (no cookie came) cannot have issued the token.
    let fresh = ctx.set_nonce.is_some();
    if fresh || token.is_empty() || !bool::from(token.as_bytes().ct_eq(ctx.csrf.as_bytes())) {
        return Err(refused());
    }
    Ok(form)
}

/// Where to go after signing in: a page of the UI, nothing else (no open redirect).
fn next_page(next: Option<String>) -> String {
    match next {
        Some(next) if next.starts_with("/ui/") && !next.starts_with("//") && !next.contains('\\') => next,
        _ => "/ui/".to_owned(),
    }
}

/// `POST /ui/login`: the user's password checked as the API checks it (back-off, audit of failures).
pub(crate) async fn login(ui: &Ui, ctx: &Ctx, parts: &Parts, body: Body) -> Response {
    let form = match checked_form(ctx, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    if !ui.auth_enabled {
        return see_other("/ui/");
    }
    let next = form.get("next");
    let retry_query = html::query_string(&[("next", next.as_deref().unwrap_or(""))]);
    let user = form.get("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    // A session carries a user's own grants: a token (narrower scopes) never opens one.
    if user.is_empty() || password.is_empty() || arca_core::auth::secret::token_id(&password).is_some() {
        return login_form(ctx, &retry_query, Some("Invalid user name or password."), StatusCode::UNAUTHORIZED);
    }
    let addr = parts.extensions.get::<Actor>().and_then(|a| a.addr.clone());
    match ui.auth.login(&user, &password, addr.as_deref()).await {
        Ok(principal) => {
            let name = principal.name.unwrap_or(user);
            let entry =
                Actor::new(name.clone(), addr).entry(ui.auth.clock().now(), "ui.login", name.clone(), Outcome::Success);
            if let Err(e) = ui.auth.record(&entry).await {
                return ctx.error(e);
            }
            let value = match ui.sessions.issue(&name).await {
                Ok(value) => value,
                Err(e) => return ctx.error(e),
            };
            let cookie = set_cookie(SESSION_COOKIE, &value, Some(ui.sessions.lifetime_secs()), ctx.secure, "Lax");
            let mut response = see_other(&next_page(next));
            response.headers_mut().append(header::SET_COOKIE, arca_http::header_value(&cookie));
            response
        }
        Err(LoginError::Invalid) => {
            login_form(ctx, &retry_query, Some("Invalid user name or password."), StatusCode::UNAUTHORIZED)
        }
        Err(LoginError::LockedOut(wait)) => {
            let message = format!("Too many failed sign-ins: try again in {} s.", wait.as_secs().max(1));
            let mut response = login_form(ctx, &retry_query, Some(&message), StatusCode::TOO_MANY_REQUESTS);
            response.headers_mut().insert(header::RETRY_AFTER, http::HeaderValue::from(wait.as_secs().max(1)));
            response
        }
        Err(LoginError::Store(e)) => ctx.error(e),
    }
}

/// `POST /ui/logout`: the session cookie cleared.
pub(crate) async fn logout(_: &Ui, ctx: &Ctx, _: &Parts, body: Body) -> Response {
    if let Err(refused) = checked_form(ctx, body).await {
        return refused;
    }
    let mut response = see_other(if ctx.auth_enabled { "/ui/login" } else { "/ui/" });
    let cleared = set_cookie(SESSION_COOKIE, "", Some(0), ctx.secure, "Lax");
    response.headers_mut().append(header::SET_COOKIE, arca_http::header_value(&cleared));
    response.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_from_every_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, "a=1; arca_session=v1.x.y".parse().unwrap());
        headers.append(header::COOKIE, "arca_csrf=n".parse().unwrap());
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("v1.x.y"));
        assert_eq!(cookie(&headers, NONCE_COOKIE).as_deref(), Some("n"));
        assert_eq!(cookie(&headers, "b"), None);
    }

    #[test]
    fn set_cookies_are_http_only_for_the_ui() {
        assert_eq!(
            set_cookie(SESSION_COOKIE, "v", Some(60), true, "Lax"),
            "arca_session=v; Path=/ui; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert_eq!(
            set_cookie(NONCE_COOKIE, "n", None, false, "Strict"),
            "arca_csrf=n; Path=/ui; HttpOnly; SameSite=Strict"
        );
    }

    #[test]
    fn only_ui_pages_are_places_to_return_to() {
        assert_eq!(next_page(Some("/ui/repositories/dev".into())), "/ui/repositories/dev");
        for bad in ["https://evil.example/", "//evil.example/ui/", "/api/v1/tokens", "/ui/\\evil", ""] {
            assert_eq!(next_page(Some(bad.into())), "/ui/", "{bad}");
        }
        assert_eq!(next_page(None), "/ui/");
    }
}
