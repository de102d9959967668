//! The actions on a version, each two requests: a `GET` shows what will happen (for a promotion, the
//! gate checklist of a dry run), a `POST` carrying the form's CSRF token does it. Each calls the use
//! case the management API calls (`Registry::promote`, `approve_promotion`, `set_version_properties`),
//! so who may do it is decided, and what is done audited, in one place.

use crate::html::{self, Html, esc};
use crate::route::Step;
use crate::session::step_fields;
use crate::{Ctx, Ui, see_other, w};
use arca_core::audit::Actor;
use arca_core::registry::promotion::{ArtifactRef, Caller, Checklist};
use arca_core::{Error, ErrorKind, Result};
use arca_types::{OciName, QueryParams, Reference, RepoName, Tag};
use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use http::request::Parts;

/// Who acts: the request's actor (name and address) as the enforcement point recorded it.
pub(crate) fn actor_of(parts: &Parts) -> Actor {
    parts.extensions.get::<Actor>().cloned().unwrap_or_else(Actor::anonymous)
}

pub(crate) fn caller_of<'a>(ctx: &'a Ctx, actor: &'a Actor) -> Caller<'a> {
    Caller { actor, principal: ctx.principal.as_ref() }
}

/// `/ui/<verb>/<repo>/<package>/<version>`.
pub(crate) fn action_href(verb: &str, name: &OciName, version: &str) -> String {
    format!(
        "/ui/{verb}/{}/{}/{}",
        html::path(name.repository.as_str()),
        html::path(name.package.as_str()),
        html::path(version)
    )
}

pub(crate) fn history_href(name: &OciName) -> String {
    format!("/ui/history/{}/{}", html::path(name.repository.as_str()), html::path(name.package.as_str()))
}

/// The repositories `source` promotes to (the caller chooses one).
async fn targets(ui: &Ui, source: &RepoName) -> Result<Vec<String>> {
    let all = ui.registry.list_repositories().await?;
    Ok(all.into_iter().filter(|r| r.promote_from.contains(source)).map(|r| r.name.to_string()).collect())
}

/// A `GET` form choosing the target repository.
fn choose_target(out: &mut Html, action: &str, targets: &[String]) {
    if targets.is_empty() {
        out.raw("<p class=\"muted\">No repository is promoted into from this one.</p>");
        return;
    }
    w!(out, "<form method=\"get\" action=\"{}\" class=\"filters\"><label>Into <select name=\"to\">", esc(action));
    for t in targets {
        w!(out, "<option>{}</option>", esc(t));
    }
    out.raw("</select></label><button type=\"submit\">Continue</button></form>");
}

/// A `POST` form confirming the action: the CSRF token and `fields` as hidden inputs.
pub(crate) fn confirm_form(out: &mut Html, ctx: &Ctx, action: &str, fields: &[(&str, &str)], button: &str) {
    w!(
        out,
        "<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(action),
        esc(&ctx.csrf)
    );
    for (k, v) in fields {
        w!(out, "<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(k), esc(v));
    }
    w!(out, "<button type=\"submit\">{}</button></form>", esc(button));
}

/// Every gate with its verdict and the reason.
fn checklist_table(out: &mut Html, checklist: &Checklist) {
    w!(out, "<p>Digest <code>{}</code> into <strong>{}</strong></p>", esc(&checklist.digest), esc(&checklist.target));
    if checklist.verdicts.is_empty() {
        out.raw("<p class=\"muted\">The target repository has no gates.</p>");
    } else {
        out.raw(
            "<table class=\"checklist\"><thead><tr><th>Gate</th><th>Result</th><th>Reason</th></tr></thead><tbody>",
        );
        for v in &checklist.verdicts {
            let result = if v.passed { "passed" } else { "FAILED" };
            w!(out, "<tr><td><code>{}</code></td><td>{result}</td><td>{}</td></tr>", esc(&v.gate), esc(&v.reason));
        }
        out.raw("</tbody></table>");
    }
    if !checklist.approvers.is_empty() {
        w!(out, "<p>Approved by {}</p>", esc(&checklist.approvers.join(", ")));
    }
}

fn target_of(value: Option<String>) -> Result<Option<RepoName>> {
    value.filter(|t| !t.is_empty()).map(|t| RepoName::parse(&t).map_err(Error::from)).transpose()
}

/// The repository a promotion or an approval is for (`to`, from the confirmation's query or the
/// form). `Err` holds the answer instead: the form's refusal, or — asked without one — the page that
/// lets the caller choose (`chooser`: the action's href, its title, and what a form lacking it is told).
async fn target(
    ui: &Ui,
    ctx: &Ctx,
    parts: &Parts,
    (step, body): (Step, Body),
    name: &OciName,
    out: &mut Html,
    (href, title, missing): (&str, &str, &str),
) -> Result<std::result::Result<RepoName, Response>> {
    let to = match step_fields(ctx, parts, step, body).await {
        Ok(fields) => target_of(fields.get("to"))?,
        Err(refused) => return Ok(Err(refused)),
    };
    if let Some(to) = to {
        return Ok(Ok(to));
    }
    if step == Step::Commit {
        return Err(Error::new(ErrorKind::InvalidRequest, missing));
    }
    choose_target(out, href, &targets(ui, &name.repository).await?);
    Ok(Err(ctx.page(StatusCode::OK, title, out)))
}

/// `/ui/promote/…`: the dry run's checklist, then the promotion.
pub(crate) async fn promote(
    ui: &Ui,
    ctx: &Ctx,
    parts: &Parts,
    (name, version, step): (OciName, Tag, Step),
    body: Body,
) -> Result<Response> {
    let actor = actor_of(parts);
    let artifact = ArtifactRef { name: name.clone(), reference: Reference::Tag(version.clone()) };
    let href = action_href("promote", &name, version.as_str());
    let mut out = Html::default();
    w!(out, "<h1>Promote {}:{}</h1>", esc(&name.to_string()), esc(version.as_str()));
    let chosen = (href.as_str(), "Promote", "name the repository to promote into");
    let to = match target(ui, ctx, parts, (step, body), &name, &mut out, chosen).await? {
        Ok(to) => to,
        Err(answer) => return Ok(answer),
    };
    let dry_run = step == Step::Confirm;
    let checklist = ui.registry.promote(&artifact, &to, dry_run, caller_of(ctx, &actor)).await?;
    checklist_table(&mut out, &checklist);
    let target = OciName::new(to.clone(), name.package.clone());
    if checklist.committed || (checklist.passed && !dry_run) {
        return Ok(see_other(&history_href(&target)));
    }
    if !checklist.passed {
        w!(out, "<p class=\"error\" role=\"alert\">Not promotable: {}</p>", esc(&checklist.failures().join("; ")));
        let approve = format!(
            "{}?{}",
            action_href("approve", &name, version.as_str()),
            html::query_string(&[("to", to.as_str())])
        );
        w!(out, "<p><a href=\"{}\">Approve this promotion</a></p>", esc(&approve));
        return Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, "Promote", &out));
    }
    out.raw("<p>Every gate passes. Promote now?</p>");
    confirm_form(&mut out, ctx, &href, &[("to", to.as_str())], "Promote");
    Ok(ctx.page(StatusCode::OK, "Promote", &out))
}

/// `/ui/approve/…`: the caller's approval of promoting this version's digest into a repository.
pub(crate) async fn approve(
    ui: &Ui,
    ctx: &Ctx,
    parts: &Parts,
    (name, version, step): (OciName, Tag, Step),
    body: Body,
) -> Result<Response> {
    let href = action_href("approve", &name, version.as_str());
    let mut out = Html::default();
    w!(out, "<h1>Approve {}:{}</h1>", esc(&name.to_string()), esc(version.as_str()));
    let chosen = (href.as_str(), "Approve", "name the repository the approval is for");
    let to = match target(ui, ctx, parts, (step, body), &name, &mut out, chosen).await? {
        Ok(to) => to,
        Err(answer) => return Ok(answer),
    };
    let promote =
        format!("{}?{}", action_href("promote", &name, version.as_str()), html::query_string(&[("to", to.as_str())]));
    if step == Step::Commit {
        let actor = actor_of(parts);
        let artifact = ArtifactRef { name: name.clone(), reference: Reference::Tag(version.clone()) };
        ui.registry.approve_promotion(&artifact, &to, caller_of(ctx, &actor)).await?;
        return Ok(see_other(&promote));
    }
    let digest = ui.registry.get_manifest(&name, &Reference::Tag(version.clone()), false).await?.record.digest;
    w!(
        out,
        "<p>You approve promoting <code>{}</code> (this version's digest) into <strong>{}</strong>. \
         The approval is recorded under your name and counts towards its <code>approvals</code> gate.</p>",
        esc(digest.as_str()),
        esc(to.as_str())
    );
    confirm_form(&mut out, ctx, &href, &[("to", to.as_str())], "Approve");
    w!(out, "<p><a href=\"{}\">See the gate checklist</a></p>", esc(&promote));
    Ok(ctx.page(StatusCode::OK, "Approve", &out))
}

/// The change one properties form asks for: `key` set to `value`, or removed.
struct PropertyChange {
    key: String,
    value: Option<String>,
}

impl PropertyChange {
    fn of(fields: &QueryParams) -> Option<Self> {
        let key = fields.get("key").filter(|k| !k.is_empty())?;
        let remove = fields.get("remove").is_some_and(|r| !r.is_empty());
        let value = if remove { None } else { Some(fields.get("value").unwrap_or_default()) };
        Some(Self { key, value })
    }

    fn fields(&self) -> Vec<(&str, &str)> {
        match &self.value {
            Some(value) => vec![("key", self.key.as_str()), ("value", value.as_str())],
            None => vec![("key", self.key.as_str()), ("remove", "1")],
        }
    }
}

/// `/ui/properties/…`: one key added, changed or removed (its other keys untouched).
pub(crate) async fn properties(
    ui: &Ui,
    ctx: &Ctx,
    parts: &Parts,
    (name, version, step): (OciName, Tag, Step),
    body: Body,
) -> Result<Response> {
    let href = action_href("properties", &name, version.as_str());
    let fields = match step_fields(ctx, parts, step, body).await {
        Ok(fields) => fields,
        Err(refused) => return Ok(refused),
    };
    let change = PropertyChange::of(&fields);
    if let (Step::Commit, Some(change)) = (step, &change) {
        let add: Vec<(String, String)> = change.value.iter().map(|v| (change.key.clone(), v.clone())).collect();
        let clear = [change.key.clone()];
        ui.registry.set_version_properties(&name, &version, Some(&clear), &add, &actor_of(parts)).await?;
        let back = format!(
            "/ui/repositories/{}/packages/{}/versions/{}",
            html::path(name.repository.as_str()),
            html::path(name.package.as_str()),
            html::path(version.as_str())
        );
        return Ok(see_other(&back));
    }
    let Some(change) = change else {
        if step == Step::Commit {
            return Err(Error::new(ErrorKind::InvalidRequest, "name the property's key"));
        }
        return editor(ui, ctx, &name, &version, &href).await;
    };
    let digest = ui.registry.get_manifest(&name, &Reference::Tag(version.clone()), false).await?.record.digest;
    let now: Vec<String> = ui
        .registry
        .version_properties(&digest)
        .await?
        .into_iter()
        .filter(|(k, _)| *k == change.key)
        .map(|(_, v)| v)
        .collect();
    let mut out = Html::default();
    w!(out, "<h1>Change a property of {}:{}</h1>", esc(&name.to_string()), esc(version.as_str()));
    let before = if now.is_empty() { "(not set)".to_owned() } else { now.join(", ") };
    let after = change.value.clone().unwrap_or_else(|| "(removed)".to_owned());
    w!(
        out,
        "<dl><dt>Key</dt><dd><code>{}</code></dd><dt>Now</dt><dd>{}</dd><dt>After</dt><dd>{}</dd></dl>",
        esc(&change.key),
        esc(&before),
        esc(&after)
    );
    confirm_form(&mut out, ctx, &href, &change.fields(), "Save");
    Ok(ctx.page(StatusCode::OK, "Properties", &out))
}

/// The form choosing a key and its new value (or removing it).
async fn editor(ui: &Ui, ctx: &Ctx, name: &OciName, version: &Tag, href: &str) -> Result<Response> {
    let digest = ui.registry.get_manifest(name, &Reference::Tag(version.clone()), false).await?.record.digest;
    let properties = ui.registry.version_properties(&digest).await?;
    let mut out = Html::default();
    w!(out, "<h1>Properties of {}:{}</h1>", esc(&name.to_string()), esc(version.as_str()));
    if properties.is_empty() {
        out.raw("<p class=\"muted\">None yet.</p>");
    } else {
        out.raw("<table><thead><tr><th>Key</th><th>Value</th></tr></thead><tbody>");
        for (k, v) in &properties {
            w!(out, "<tr><td><code>{}</code></td><td>{}</td></tr>", esc(k), esc(v));
        }
        out.raw("</tbody></table>");
    }
    w!(
        out,
        "<form method=\"get\" action=\"{}\" class=\"filters\"><label>Key <input name=\"key\" required></label>\
         <label>Value <input name=\"value\"></label><label>Remove the key <input type=\"checkbox\" name=\"remove\" value=\"1\"></label>\
         <button type=\"submit\">Review the change</button></form>",
        esc(href)
    );
    Ok(ctx.page(StatusCode::OK, "Properties", &out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_property_change_is_a_key_and_a_value_or_a_removal() {
        let set = PropertyChange::of(&QueryParams::parse("key=env&value=prod")).unwrap();
        assert_eq!((set.key.as_str(), set.value.as_deref()), ("env", Some("prod")));
        assert_eq!(set.fields(), [("key", "env"), ("value", "prod")]);
        let removed = PropertyChange::of(&QueryParams::parse("key=env&value=x&remove=1")).unwrap();
        assert_eq!(removed.value, None);
        assert_eq!(removed.fields(), [("key", "env"), ("remove", "1")]);
        assert!(PropertyChange::of(&QueryParams::parse("key=&value=x")).is_none());
    }
}
