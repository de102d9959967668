//! `/ui/tokens`: the caller's own API tokens — listed, created (the secret shown once, in the answer
//! to the `POST`), revoked after a confirmation. Issued and revoked by `AuthService`, which audits
//! both; as on `/api/v1/tokens`, a token never holds more than whoever creates it nor more than its
//! owner's grants, and only one's own live tokens can be revoked here.

use crate::actions::actor_of;
use crate::html::{self, Html, esc};
use crate::route::Step;
use crate::session::{checked_form, step_fields};
use crate::{Ctx, Ui, see_other, w};
use arca_core::auth::{Permission, Principal};
use arca_core::{Error, ErrorKind, Result};
use arca_types::QueryParams;
use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use http::request::Parts;

/// Longest description kept (as the API).
const MAX_DESCRIPTION: usize = 1024;

/// The signed-in caller, who owns the tokens this page is about.
fn owner(ctx: &Ctx) -> Result<(&Principal, String)> {
    let principal = ctx
        .principal
        .as_ref()
        .ok_or_else(|| Error::new(ErrorKind::NotFound, "authentication is off: there is no user to own a token"))?;
    let name = principal.name.clone().ok_or_else(|| Error::new(ErrorKind::Denied, "sign in to manage your tokens"))?;
    Ok((principal, name))
}

/// `GET /ui/tokens` (the list and the form), `POST /ui/tokens` (a new token, shown once).
pub(crate) async fn tokens(ui: &Ui, ctx: &Ctx, parts: &Parts, step: Step, body: Body) -> Result<Response> {
    let (principal, name) = owner(ctx)?;
    let mut out = Html::default();
    out.raw("<h1>Your API tokens</h1>");
    let mut status = StatusCode::OK;
    if step == Step::Commit {
        let fields = match checked_form(ctx, body).await {
            Ok(fields) => fields,
            Err(refused) => return Ok(refused),
        };
        match create(ui, principal, &name, parts, &fields).await {
            Ok(text) => {
                status = StatusCode::CREATED;
                w!(
                    out,
                    "<div role=\"status\"><p>Your new token — copy it now, it is not shown again:</p><pre class=\"secret\">{}</pre></div>",
                    esc(&text)
                );
            }
            Err(e) if e.kind == ErrorKind::InvalidRequest || e.kind == ErrorKind::Denied => {
                status = if e.kind == ErrorKind::Denied { StatusCode::FORBIDDEN } else { StatusCode::BAD_REQUEST };
                w!(out, "<p class=\"error\" role=\"alert\">{}</p>", esc(&e.message));
            }
            Err(e) => return Err(e),
        }
    }
    let list = ui.auth.list_tokens(Some(&name)).await?;
    let live: Vec<_> = list.iter().filter(|t| t.revoked_at.is_none()).collect();
    if live.is_empty() {
        out.raw("<p class=\"muted\">No live tokens.</p>");
    } else {
        out.raw("<table><thead><tr><th>Id</th><th>Description</th><th>Scopes</th><th>Created</th><th>Expires</th><th></th></tr></thead><tbody>");
        for t in live {
            let scopes: Vec<String> = t.scopes.iter().map(ToString::to_string).collect();
            let expires = t.expires_at.map_or_else(|| "never".to_owned(), html::time);
            let revoke = format!("/ui/tokens/revoke?{}", html::query_string(&[("id", &t.id)]));
            w!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"{}\">Revoke…</a></td></tr>",
                esc(&t.id),
                esc(&t.description),
                esc(&scopes.join(" ")),
                esc(&html::time(t.created_at)),
                esc(&expires),
                esc(&revoke)
            );
        }
        out.raw("</tbody></table>");
    }
    w!(
        out,
        "<h2>New token</h2><form method=\"post\" action=\"/ui/tokens\" class=\"filters\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label>Description <input name=\"description\"></label>\
         <label>Scopes (space-separated) <input name=\"scopes\" required placeholder=\"dev:publisher\"></label>\
         <label>Expires in <input name=\"expires_in\" placeholder=\"30d (empty: never)\"></label>\
         <button type=\"submit\">Create</button></form>",
        esc(&ctx.csrf)
    );
    Ok(ctx.page(status, "Tokens", &out))
}

/// Issues a token for the caller; its text.
async fn create(ui: &Ui, principal: &Principal, owner: &str, parts: &Parts, fields: &QueryParams) -> Result<String> {
    let texts: Vec<String> = fields.get("scopes").unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    let scopes: Vec<Permission> = arca_api::parse_permissions(&texts, "scope").map_err(|e| e.0)?;
    if scopes.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "a token needs at least one scope (PATTERN:ACTION[,ACTION…])",
        ));
    }
    let ttl = fields.get("expires_in").filter(|e| !e.is_empty());
    let ttl = ttl.as_deref().map(arca_api::parse_lifetime).transpose().map_err(|e| e.0)?;
    let description = fields.get("description").unwrap_or_default();
    if description.chars().count() > MAX_DESCRIPTION || description.chars().any(char::is_control) {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!("description: at most {MAX_DESCRIPTION} printable characters"),
        ));
    }
    let actor = actor_of(parts);
    // Never more than the caller holds, nor than the owner's grants.
    if let Some(why) = principal.may_hand_out(&scopes) {
        ui.auth.record_denied(principal, actor.addr.as_deref(), "POST /ui/tokens", &why).await;
        return Err(Error::new(ErrorKind::Denied, why));
    }
    ui.auth.check_within_grants(owner, &scopes).await?;
    Ok(ui.auth.create_token(&actor, owner, &description, scopes, ttl).await?.text)
}

/// `GET /ui/tokens/revoke?id=` asks, `POST` (with `id`) revokes — one of the caller's own live tokens.
pub(crate) async fn revoke(ui: &Ui, ctx: &Ctx, parts: &Parts, step: Step, body: Body) -> Result<Response> {
    let (_, name) = owner(ctx)?;
    let fields = match step_fields(ctx, parts, step, body).await {
        Ok(fields) => fields,
        Err(refused) => return Ok(refused),
    };
    let id = fields.get("id").unwrap_or_default();
    let list = ui.auth.list_tokens(Some(&name)).await?;
    let Some(token) = list.iter().find(|t| t.id == id && t.revoked_at.is_none()) else {
        return Err(Error::new(ErrorKind::NotFound, format!("you have no live token {id}")));
    };
    if step == Step::Commit {
        ui.auth.revoke_token(&actor_of(parts), &token.id).await?;
        return Ok(see_other("/ui/tokens"));
    }
    let mut out = Html::default();
    w!(
        out,
        "<h1>Revoke a token</h1><p>Token <code>{}</code> ({}) stops working at once, everywhere.</p>\
         <form method=\"post\" action=\"/ui/tokens/revoke\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"id\" value=\"{}\"><button type=\"submit\">Revoke</button></form>",
        esc(&token.id),
        esc(&token.description),
        esc(&ctx.csrf),
        esc(&token.id)
    );
    Ok(ctx.page(StatusCode::OK, "Revoke a token", &out))
}
