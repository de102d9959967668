//! The web UI under `/ui/`: server-rendered HTML over the registry's use cases (the ones the
//! management API calls), no JavaScript needed, no template engine (HTML written with [`html::esc`]).
//!
//! Shape, as every protocol: [`route::parse`] turns the request line into an [`route::Endpoint`]
//! (pure), [`route::needs`] says what it requires of the caller for the server's one enforcement
//! point, and one handler per page renders it.
//!
//! Sessions: `POST /ui/login` checks the user's password through `AuthService` (the API's users,
//! back-off and audit) and sets the cookie [`SESSION_COOKIE`] that [`Sessions`] issues — the server
//! signs it with a key every node shares and accepts it on `/ui/` routes only, never as a credential
//! for `/v2/`, `/api/v1/`, …. Every form that changes something carries a CSRF token bound to the
//! session (or, before sign-in, to the [`NONCE_COOKIE`]); a POST without the right one is refused.
//!
//! Architecture invariant: calls `arca-core` (and the API crate's query parsing), never a storage
//! crate.

mod actions;
mod chart;
pub mod dashboard;
pub mod html;
mod pages;
pub mod pull;
mod reports;
pub mod route;
mod session;
mod tokens;
mod yank;

use arca_core::auth::{AuthService, Principal};
use arca_core::registry::Registry;
use arca_http::{Access, Protocol, Refusal};
use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use route::{Endpoint, RouteError};
use std::sync::Arc;

pub use session::{NONCE_COOKIE, SESSION_COOKIE, SessionUser, Sessions, cookie};

/// The protocol's name (the enforcement point reads the session cookie for this protocol only).
pub const NAME: &str = "ui";

/// The paths this protocol serves; every request under them is parsed by [`route::parse`].
pub const PATHS: [&str; 3] = ["/ui", "/ui/", "/ui/{*rest}"];

/// The server's counters as `/metrics` shows them (Prometheus text), for the dashboard.
pub type MetricsText = Arc<dyn Fn() -> String + Send + Sync>;

/// What the pages need.
pub struct Ui {
    pub registry: Arc<Registry>,
    pub auth: Arc<AuthService>,
    pub sessions: Arc<dyn Sessions>,
    pub metrics: MetricsText,
    /// Whether authentication is on (sign-in, redirects).
    pub auth_enabled: bool,
}

/// `/ui/`.
pub struct UiProtocol {
    ui: Arc<Ui>,
}

impl UiProtocol {
    pub fn new(ui: Ui) -> Self {
        Self { ui: Arc::new(ui) }
    }
}

#[async_trait]
impl Protocol for UiProtocol {
    fn name(&self) -> &'static str {
        NAME
    }

    fn is_artifact_traffic(&self) -> bool {
        false
    }

    fn router(&self) -> Router {
        arca_http::serve_all(&PATHS, any(handle).with_state(self.ui.clone()))
    }

    fn paths(&self) -> Vec<&'static str> {
        PATHS.to_vec()
    }

    async fn authorize(&self, parts: &mut Parts) -> Access {
        let anonymous_reads = self.ui.auth.anonymous_reads();
        let mut access = Access::Unruled;
        arca_http::parse_once(parts, route::parse, |e| {
            access = route::needs(&Ok(e.clone()), anonymous_reads);
            Vec::new()
        });
        match access {
            // `parse_once` says "credentials" for a request naming no page; otherwise the page's rule.
            Access::Unruled => route::needs(&Err(RouteError::NotFound), anonymous_reads),
            access => access,
        }
    }

    fn refuse(&self, parts: &Parts, refusal: &Refusal) -> Response {
        refuse(&self.ui, parts, refusal)
    }
}

/// A refusal as a page. A browser without a session is sent to the sign-in form (a navigation asks
/// for `text/html`); other clients get the 401 with a `Basic` challenge every protocol sends. A
/// signed-in user is told who they are and that they lack access, not offered to sign in.
fn refuse(ui: &Ui, parts: &Parts, refusal: &Refusal) -> Response {
    let browser = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if matches!(refusal, Refusal::Unauthenticated { .. }) && browser && parts.method == http::Method::GET {
        let next = parts.uri.path_and_query().map_or("/ui/", |p| p.as_str());
        let location = format!("/ui/login?{}", html::query_string(&[("next", next)]));
        return see_other(&location);
    }
    let ctx = Ctx::of(ui, parts);
    let mut body = html::Html::default();
    w!(body, "<h1>{}</h1><p class=\"error\">{}</p>", refusal.status().as_u16(), html::esc(&refusal.message()));
    match (&ctx.session_user, refusal) {
        (_, Refusal::Unauthenticated { .. }) => body.raw("<p><a href=\"/ui/login\">Sign in</a></p>"),
        (Some(user), Refusal::Forbidden(_)) => w!(
            body,
            "<p>You are signed in as <strong>{}</strong>, who may not see this page. \
             <a href=\"/ui/\">Back to the repositories you may read</a>, or sign out to sign in as \
             someone else:</p><form method=\"post\" action=\"/ui/logout\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">Sign out</button></form>",
            html::esc(user),
            html::esc(&ctx.csrf)
        ),
        _ => body.raw("<p><a href=\"/ui/\">Repositories</a></p>"),
    }
    let response = ctx.page(refusal.status(), "Refused", &body);
    arca_http::finish_refusal(response, refusal)
}

/// `303 See Other` to a path of this site.
fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().insert(header::LOCATION, arca_http::header_value(location));
    response
}

/// Headers of every page: HTML, never cached, not framed, no script or outside resource at all.
fn page_headers() -> [(header::HeaderName, HeaderValue); 4] {
    [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
            ),
        ),
    ]
}

/// The icon every page links to (`<link rel="icon">`: browsers then ask for it instead of
/// `/favicon.ico`, which nothing serves): the brand's "a", as SVG.
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">\
<rect width=\"32\" height=\"32\" rx=\"6\" fill=\"#1d2330\"/><text x=\"16\" y=\"23\" \
font-family=\"system-ui,sans-serif\" font-size=\"21\" font-weight=\"700\" fill=\"#fff\" \
text-anchor=\"middle\">a</text></svg>";

/// `GET /ui/favicon.svg`: the same bytes for everyone, cached a day; as an image it runs nothing.
fn favicon() -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml")),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'")),
    ];
    (StatusCode::OK, headers, FAVICON).into_response()
}

/// Who asks, and what every page of this request needs to render its frame.
pub(crate) struct Ctx {
    /// `None` with authentication off (everything is readable).
    pub principal: Option<Principal>,
    /// The signed-in user when the request came with a session (shows "sign out").
    pub session_user: Option<String>,
    /// The CSRF token of this request's forms.
    pub csrf: String,
    /// A new nonce cookie to set (a first visit without session).
    pub set_nonce: Option<String>,
    /// `http(s)://host[:port]` as the browser reached us.
    pub base: String,
    pub secure: bool,
    pub auth_enabled: bool,
}

impl Ctx {
    fn of(ui: &Ui, parts: &Parts) -> Self {
        let principal = parts.extensions.get::<Principal>().cloned();
        let session = cookie(&parts.headers, SESSION_COOKIE);
        let session_user = parts.extensions.get::<session::SessionUser>().map(|u| u.0.clone());
        let (binding, set_nonce) =
            match (session.filter(|_| session_user.is_some()), cookie(&parts.headers, NONCE_COOKIE)) {
                (Some(session), _) => (session, None),
                (None, Some(nonce)) => (nonce, None),
                (None, None) => {
                    let nonce = uuid::Uuid::new_v4().simple().to_string();
                    (nonce.clone(), Some(nonce))
                }
            };
        Self {
            principal,
            session_user,
            csrf: ui.sessions.csrf_token(&binding),
            set_nonce,
            base: arca_http::external_base(parts),
            secure: parts.extensions.get::<arca_http::ServedOverTls>().is_some(),
            auth_enabled: ui.auth_enabled,
        }
    }

    /// Whether the caller may read `repository` (everyone with authentication off).
    pub fn may_read(&self, repository: &str) -> bool {
        self.principal.as_ref().is_none_or(|p| p.allows(arca_core::auth::Action::Read, repository))
    }

    /// A complete page.
    pub fn page(&self, status: StatusCode, title: &str, body: &html::Html) -> Response {
        let frame = html::Frame {
            title,
            user: self.session_user.as_deref(),
            csrf: &self.csrf,
            auth_enabled: self.auth_enabled,
        };
        let mut response = (status, page_headers(), html::page(&frame, body)).into_response();
        if let Some(nonce) = &self.set_nonce {
            let value = session::set_cookie(NONCE_COOKIE, nonce, None, self.secure, "Strict");
            response.headers_mut().append(header::SET_COOKIE, arca_http::header_value(&value));
        }
        response
    }

    /// An error as a page: its status from the API's one mapping, the message unless internal.
    pub fn error(&self, e: arca_core::Error) -> Response {
        let internal = e.kind == arca_core::ErrorKind::Internal;
        let message = if internal { "internal error (see the server log)".to_owned() } else { e.message.clone() };
        let status = arca_api::ApiError(e).into_response().status();
        let mut body = html::Html::default();
        w!(body, "<h1>{}</h1><p class=\"error\">{}</p>", status.as_u16(), html::esc(&message));
        self.page(status, "Error", &body)
    }
}

async fn handle(State(ui): State<Arc<Ui>>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let parsed = arca_http::parsed(&mut parts, route::parse);
    let ctx = Ctx::of(&ui, &parts);
    let mut response = match parsed {
        Ok(endpoint) => dispatch(&ui, &ctx, &parts, endpoint, body).await,
        Err(RouteError::NotFound) => ctx.error(arca_core::Error::new(arca_core::ErrorKind::NotFound, "no such page")),
        Err(RouteError::BadName(name)) => {
            ctx.error(arca_core::Error::new(arca_core::ErrorKind::NotFound, format!("{name:?} names nothing here")))
        }
        Err(RouteError::MethodNotAllowed(allow)) => {
            let mut r = ctx.error(arca_core::Error::new(arca_core::ErrorKind::Unsupported, "method not allowed"));
            *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            r.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
            r
        }
    };
    response.extensions_mut().insert(arca_core::observe::RouteClass("ui"));
    response
}

async fn dispatch(ui: &Ui, ctx: &Ctx, parts: &Parts, endpoint: Endpoint, body: Body) -> Response {
    let query = parts.uri.query().unwrap_or("");
    let result = match endpoint {
        Endpoint::Home => return see_other("/ui/"),
        Endpoint::Repositories => pages::repositories(ui, ctx).await,
        Endpoint::Repository(repo) => pages::repository(ui, ctx, &repo, query).await,
        Endpoint::Package(name) => pages::package(ui, ctx, &name, query).await,
        Endpoint::Version(name, version) => pages::version(ui, ctx, &name, &version).await,
        Endpoint::Search => pages::search(ui, ctx, query).await,
        Endpoint::Audit => pages::audit(ui, ctx, query).await,
        Endpoint::Dashboard => dashboard::page(ui, ctx, query).await,
        Endpoint::Favicon => return favicon(),
        Endpoint::LoginForm => return session::login_form(ctx, query, None, StatusCode::OK),
        Endpoint::Login => return session::login(ui, ctx, parts, body).await,
        Endpoint::Logout => return session::logout(ui, ctx, parts, body).await,
        Endpoint::Promote(name, version, step) => actions::promote(ui, ctx, parts, (name, version, step), body).await,
        Endpoint::Approve(name, version, step) => actions::approve(ui, ctx, parts, (name, version, step), body).await,
        Endpoint::Properties(name, version, step) => {
            actions::properties(ui, ctx, parts, (name, version, step), body).await
        }
        Endpoint::Yank(name, version, step) => yank::yank(ui, ctx, parts, (name, version, step), body).await,
        Endpoint::History(name) => reports::history(ui, ctx, parts, &name).await,
        Endpoint::Retention(repo) => reports::retention(ui, ctx, &repo).await,
        Endpoint::Storage => reports::storage(ui, ctx).await,
        Endpoint::Tokens(step) => tokens::tokens(ui, ctx, parts, step, body).await,
        Endpoint::RevokeToken(step) => tokens::revoke(ui, ctx, parts, step, body).await,
    };
    result.unwrap_or_else(|e| ctx.error(e))
}
