//! Read-only reports: a package's promotion history with what runs where (`Registry::promotion_history`,
//! `where_is`), a repository's retention plan (`retention_plan`: what its policy would delete now) and
//! the storage report (`storage_report`: bytes per repository, by age) — as the API shows them.

use crate::actions::{actor_of, caller_of};
use crate::html::{self, Html, esc, short_digest};
use crate::{Ctx, Ui, w};
use arca_core::Result;
use arca_core::meta::AGE_BUCKETS;
use arca_types::{OciName, RepoName};
use axum::response::Response;
use http::StatusCode;
use http::request::Parts;

/// Entries of the history shown.
const HISTORY: usize = 100;

/// `GET /ui/history/<repo>/<package>`: promotions and rollbacks into it, newest first; then what is
/// current in each stage and what runs in each environment.
pub(crate) async fn history(ui: &Ui, ctx: &Ctx, parts: &Parts, name: &OciName) -> Result<Response> {
    let actor = actor_of(parts);
    let entries = ui.registry.promotion_history(name, HISTORY, caller_of(ctx, &actor)).await?;
    let view = ui.registry.where_is(name.package.as_str(), caller_of(ctx, &actor)).await?;
    let mut out = Html::default();
    w!(out, "<h1>Promotion history of {}</h1>", esc(&name.to_string()));
    if entries.is_empty() {
        out.raw("<p class=\"muted\">Nothing was promoted into this package.</p>");
    } else {
        out.raw("<table><thead><tr><th>#</th><th>Kind</th><th>When</th><th>By</th><th>From</th><th>Version</th><th>Digest</th><th>Gates</th><th>Approvers</th></tr></thead><tbody>");
        for e in &entries {
            let gates: Vec<String> =
                e.verdicts.iter().map(|v| format!("{} {}", v.gate, if v.passed { "✓" } else { "✗" })).collect();
            w!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>",
                e.id,
                esc(e.kind.as_str()),
                esc(&html::time(e.at)),
                esc(&e.actor),
                esc(e.source.as_deref().unwrap_or("—")),
                esc(e.version.as_deref().unwrap_or("—"))
            );
            short_digest(&mut out, &e.digest);
            w!(out, "</td><td>{}</td><td>{}</td></tr>", esc(&gates.join(", ")), esc(&e.approvers.join(", ")));
        }
        out.raw("</tbody></table>");
    }
    w!(out, "<h2>What runs where: {}</h2>", esc(&view.package));
    if view.stages.is_empty() {
        out.raw("<p class=\"muted\">No stage holds a promoted version of it.</p>");
    } else {
        out.raw("<table><thead><tr><th>Repository</th><th>Stage</th><th>Version</th><th>Digest</th><th>Since</th><th>From</th></tr></thead><tbody>");
        for s in &view.stages {
            w!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>",
                esc(&s.repository),
                esc(s.stage.as_deref().unwrap_or("—")),
                esc(s.version.as_deref().unwrap_or("—"))
            );
            short_digest(&mut out, &s.digest);
            w!(
                out,
                "</td><td>{}</td><td>{}</td></tr>",
                esc(&html::time(s.since)),
                esc(s.from.as_deref().unwrap_or("—"))
            );
        }
        out.raw("</tbody></table>");
    }
    if view.environments.is_empty() {
        out.raw("<p class=\"muted\">No deployment recorded.</p>");
    } else {
        out.raw("<table><thead><tr><th>Environment</th><th>Repository</th><th>Digest</th><th>By</th><th>When</th></tr></thead><tbody>");
        for d in &view.environments {
            w!(out, "<tr><td>{}</td><td>{}</td><td>", esc(&d.environment), esc(&d.repository));
            short_digest(&mut out, &d.digest);
            w!(out, "</td><td>{}</td><td>{}</td></tr>", esc(&d.actor), esc(&html::time(d.at)));
        }
        out.raw("</tbody></table>");
    }
    Ok(ctx.page(StatusCode::OK, "Promotion history", &out))
}

/// `GET /ui/retention/<repo>`: the policy and what it would delete now (nothing is deleted here).
pub(crate) async fn retention(ui: &Ui, ctx: &Ctx, repo: &RepoName) -> Result<Response> {
    ui.registry.get_repository(repo).await?;
    let policy = ui.registry.retention_policy(repo).await?;
    let mut out = Html::default();
    w!(out, "<h1>Retention plan of {}</h1>", esc(repo.as_str()));
    let Some(policy) = policy else {
        out.raw("<p class=\"muted\">No retention policy: every version is kept.</p>");
        return Ok(ctx.page(StatusCode::OK, "Retention plan", &out));
    };
    w!(out, "<pre>{}</pre>", esc(&policy.policy));
    let plan = ui.registry.retention_plan(repo).await?;
    let deletes = plan.items.iter().filter(|i| i.action == arca_core::retention::Action::Delete).count();
    w!(
        out,
        "<p>Applied now, it would delete <strong>{deletes}</strong> of {} versions and free <strong>{}</strong>.</p>",
        plan.items.len(),
        esc(&html::size(plan.bytes_freed))
    );
    if !plan.items.is_empty() {
        out.raw("<table><thead><tr><th>Package</th><th>Version</th><th>Digest</th><th>Decision</th><th>Why</th><th>Frees</th></tr></thead><tbody>");
        for i in &plan.items {
            let delete = i.action == arca_core::retention::Action::Delete;
            w!(
                out,
                "<tr><td>{}</td><td>{}</td><td>",
                esc(&i.package),
                esc(i.version.as_deref().unwrap_or("(untagged)"))
            );
            short_digest(&mut out, &i.digest);
            w!(
                out,
                "</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                if delete { "delete" } else { "keep" },
                esc(&i.reason),
                esc(&html::size(i.bytes))
            );
        }
        out.raw("</tbody></table>");
    }
    Ok(ctx.page(StatusCode::OK, "Retention plan", &out))
}

/// `GET /ui/storage`: every repository's bytes by age, and what GC and retention would free — from
/// the last report, at most a minute old: a report reads every blob's record (seconds at 100 000
/// versions), so a stale or missing one is made in the background, as the repository page does.
pub(crate) async fn storage(ui: &Ui, ctx: &Ctx) -> Result<Response> {
    ui.registry.refresh_storage_report();
    let mut out = Html::default();
    out.raw("<h1>Storage</h1>");
    let Some(report) = ui.registry.cached_storage_report() else {
        out.raw("<p class=\"muted\">Being counted: reload in a moment.</p>");
        return Ok(ctx.page(StatusCode::OK, "Storage", &out));
    };
    w!(out, "<p class=\"muted\">Counted at {}.</p><dl>", esc(&html::time(report.generated_at)));
    w!(out, "<dt>Stored</dt><dd>{} in {} blobs</dd>", esc(&html::size(report.bytes)), report.blobs);
    w!(
        out,
        "<dt>Unreferenced</dt><dd>{} in {} blobs (the next garbage collection frees them)</dd></dl>",
        esc(&html::size(report.unreferenced_bytes)),
        report.unreferenced_blobs
    );
    let buckets: Vec<&str> = AGE_BUCKETS.iter().map(|(b, _)| *b).chain(["ge_90d"]).collect();
    out.raw("<table><thead><tr><th>Repository</th><th>Bytes</th>");
    for label in ["&lt; 1 day", "1–7 days", "7–30 days", "30–90 days", "≥ 90 days"] {
        w!(out, "<th>{label}</th>");
    }
    out.raw("<th>Retention would free</th><th>Quota</th></tr></thead><tbody>");
    for r in &report.repositories {
        w!(
            out,
            "<tr><td><a href=\"/ui/repositories/{}\">{}</a></td><td>{}</td>",
            esc(&html::path(&r.repository)),
            esc(&r.repository),
            esc(&html::size(r.bytes))
        );
        for bucket in &buckets {
            w!(out, "<td>{}</td>", esc(&html::size(r.bytes_by_age.get(bucket).copied().unwrap_or(0))));
        }
        let free = r.retention_would_free.map_or_else(|| "no policy".to_owned(), html::size);
        let quota = r.quota_bytes.map_or_else(|| "none".to_owned(), html::size);
        w!(out, "<td>{}</td><td>{}</td></tr>", esc(&free), esc(&quota));
    }
    out.raw("</tbody></table>");
    Ok(ctx.page(StatusCode::OK, "Storage", &out))
}
