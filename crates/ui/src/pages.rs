//! The pages: repositories, a repository, a package, a version, search, the audit log, the dashboard.
//! Each reads through `Registry` (the use cases the management API calls) and writes HTML with
//! [`crate::html`]; lists hold only what the caller may read.

use crate::html::{self, Html, esc, short_digest};
use crate::yank::Yank;
use crate::{Ctx, Ui, w};
use arca_core::meta::{Format, SearchHit};
use arca_core::registry::Registry;
use arca_core::{Error, ErrorKind, Result};
use arca_types::{Digest, OciName, QueryParams, Reference, RepoName};
use axum::extract::{Extension, Query};
use axum::response::Response;
use futures_util::{StreamExt, TryStreamExt};
use http::StatusCode;
use serde_json::Value;

/// Packages counted on the repositories page (more shows as "1000+").
const COUNT_LIMIT: usize = 1000;
/// Rows per page of packages and versions.
const PAGE: usize = 100;
/// Largest manifest read for a page (the registry caps manifests lower).
const MAX_MANIFEST: usize = 8 << 20;

fn link_repo(out: &mut Html, repo: &str) {
    w!(out, "<a href=\"/ui/repositories/{}\">{}</a>", esc(&html::path(repo)), esc(repo));
}

fn package_href(name: &OciName) -> String {
    format!("/ui/repositories/{}/packages/{}", html::path(name.repository.as_str()), html::path(name.package.as_str()))
}

pub(crate) fn version_href(repo: &str, package: &str, version: &str) -> String {
    format!("/ui/repositories/{}/packages/{}/versions/{}", html::path(repo), html::path(package), html::path(version))
}

fn crumbs(out: &mut Html, name: &OciName, version: Option<&str>) {
    out.raw("<nav class=\"crumbs\"><a href=\"/ui/\">Repositories</a> / ");
    link_repo(out, name.repository.as_str());
    w!(out, " / <a href=\"{}\">{}</a>", esc(&package_href(name)), esc(name.package.as_str()));
    if let Some(version) = version {
        w!(out, " / {}", esc(version));
    }
    out.raw("</nav>");
}

/// `GET /ui/`: every repository the caller may read, with its package count, and a search box.
pub(crate) async fn repositories(ui: &Ui, ctx: &Ctx) -> Result<Response> {
    let repos: Vec<_> =
        ui.registry.list_repositories().await?.into_iter().filter(|r| ctx.may_read(r.name.as_str())).collect();
    let mut out = Html::default();
    out.raw(
        "<h1>Repositories</h1><form method=\"get\" action=\"/ui/search\" class=\"filters\" role=\"search\">\
         <label>Package <input name=\"package\" placeholder=\"team/* or *tool*\"></label>\
         <label>Version <input name=\"version\" placeholder=\"1.*\"></label>\
         <label>Property <input name=\"property\" placeholder=\"key=value\"></label>\
         <button type=\"submit\">Search</button></form>",
    );
    if repos.is_empty() {
        out.raw(
            "<p class=\"muted\">No repositories yet (or none you may read). Push an image or a file to create one.</p>",
        );
        return Ok(ctx.page(StatusCode::OK, "Repositories", &out));
    }
    out.raw("<table><thead><tr><th>Repository</th><th>Format</th><th>Kind</th><th>Stage</th><th>Packages</th></tr></thead><tbody>");
    for repo in &repos {
        let listing = ui.registry.packages(&repo.name, COUNT_LIMIT, None).await?;
        let more = if listing.more { "+" } else { "" };
        out.raw("<tr><td>");
        link_repo(&mut out, repo.name.as_str());
        w!(
            out,
            "</td><td>{}</td><td>{}</td><td>{}</td><td>{}{more}</td></tr>",
            esc(repo.format.as_str()),
            esc(&format!("{:?}", repo.kind).to_lowercase()),
            esc(repo.stage.as_deref().unwrap_or("—")),
            listing.items.len()
        );
    }
    out.raw("</tbody></table>");
    Ok(ctx.page(StatusCode::OK, "Repositories", &out))
}

/// A list of names as text, `—` when empty.
fn list(items: &[String]) -> String {
    if items.is_empty() { "—".to_owned() } else { items.join(", ") }
}

/// The repository's line of the last storage report, never waiting for one: a report over a large
/// registry takes seconds, so a missing or stale one is refreshed in the background (one at a time,
/// off the runtime's workers) for the next view. `None`: no report yet; `Some(None)`: the repository
/// stores nothing.
fn usage_of(ui: &Ui, name: &RepoName) -> Option<Option<arca_core::registry::storage::RepositoryStorage>> {
    ui.registry.refresh_storage_report();
    let report = ui.registry.cached_storage_report()?;
    Some(report.repositories.into_iter().find(|r| r.repository == name.as_str()))
}

/// `GET /ui/repositories/<repo>`: its policy, usage and packages.
pub(crate) async fn repository(ui: &Ui, ctx: &Ctx, name: &RepoName, query: &str) -> Result<Response> {
    let repo = ui.registry.get_repository(name).await?;
    let all = ui.registry.list_repositories().await?;
    let onward: Vec<String> = all
        .iter()
        .filter(|r| r.promote_from.contains(name) && ctx.may_read(r.name.as_str()))
        .map(|r| r.name.to_string())
        .collect();
    let from: Vec<String> = repo.promote_from.iter().map(ToString::to_string).collect();
    let policy = ui.registry.retention_policy(name).await?;
    let usage = usage_of(ui, name);
    let mut out = Html::default();
    out.raw("<nav class=\"crumbs\"><a href=\"/ui/\">Repositories</a></nav>");
    w!(out, "<h1>{}</h1><dl>", esc(name.as_str()));
    w!(out, "<dt>Format</dt><dd>{}</dd>", esc(repo.format.as_str()));
    w!(out, "<dt>Kind</dt><dd>{}</dd>", esc(&format!("{:?}", repo.kind).to_lowercase()));
    w!(out, "<dt>Stage</dt><dd>{}</dd>", esc(repo.stage.as_deref().unwrap_or("—")));
    w!(out, "<dt>Promoted from</dt><dd>{}</dd>", esc(&list(&from)));
    w!(out, "<dt>Promotes to</dt><dd>{}</dd>", esc(&list(&onward)));
    w!(out, "<dt>Promotion gates</dt><dd>{}</dd>", esc(&list(&repo.gates)));
    w!(out, "<dt>Pull gates</dt><dd>{}</dd>", esc(&list(&repo.pull_gates)));
    w!(out, "<dt>Mutable tags</dt><dd>{}</dd>", esc(&list(&repo.mutable_tags)));
    let quota = repo.quota_bytes.map_or_else(|| "none".to_owned(), html::size);
    w!(out, "<dt>Quota</dt><dd>{}</dd>", esc(&quota));
    match &usage {
        Some(Some(u)) => w!(out, "<dt>Usage</dt><dd>{} in {} blobs</dd>", esc(&html::size(u.bytes)), u.blobs),
        Some(None) => out.raw("<dt>Usage</dt><dd>nothing stored</dd>"),
        None => out.raw("<dt>Usage</dt><dd class=\"muted\">being counted: reload in a moment</dd>"),
    }
    out.raw("<dt>Retention policy</dt><dd>");
    match &policy {
        Some(p) => {
            w!(out, "<pre>{}</pre>", esc(&p.policy));
            if let Some(free) = usage.as_ref().and_then(|u| u.as_ref()?.retention_would_free) {
                w!(out, "<span class=\"muted\">would free {} now</span>", esc(&html::size(free)));
            }
            w!(out, " <a href=\"/ui/retention/{}\">What it would delete</a>", esc(&html::path(name.as_str())));
        }
        None => out.raw("none: every version is kept"),
    }
    out.raw("</dd></dl><h2>Packages</h2>");
    let after = QueryParams::parse(query).get("after").filter(|a| !a.is_empty());
    let listing = ui.registry.packages(name, PAGE, after.as_deref()).await?;
    if listing.items.is_empty() {
        out.raw("<p class=\"muted\">No packages.</p>");
    } else {
        out.raw("<table><thead><tr><th>Package</th></tr></thead><tbody>");
        for package in &listing.items {
            let href = format!("/ui/repositories/{}/packages/{}", html::path(name.as_str()), html::path(package));
            w!(out, "<tr><td><a href=\"{}\">{}</a></td></tr>", esc(&href), esc(package));
        }
        out.raw("</tbody></table>");
    }
    if let (true, Some(last)) = (listing.more, listing.items.last()) {
        let href = format!("/ui/repositories/{}?{}", html::path(name.as_str()), html::query_string(&[("after", last)]));
        w!(out, "<p><a href=\"{}\">Next page</a></p>", esc(&href));
    }
    Ok(ctx.page(StatusCode::OK, name.as_str(), &out))
}

/// A manifest's bytes, parsed.
async fn manifest_json(registry: &Registry, name: &OciName, reference: &Reference) -> Result<(Digest, i64, Value)> {
    let read = registry.get_manifest(name, reference, true).await?;
    let mut bytes = Vec::new();
    if let Some(mut body) = read.body {
        while let Some(chunk) = body.next().await {
            bytes.extend_from_slice(&chunk?);
            if bytes.len() > MAX_MANIFEST {
                return Err(Error::new(ErrorKind::TooLarge, "manifest too large to show"));
            }
        }
    }
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok((read.record.digest, read.record.created_at, json))
}

/// What a manifest holds, in bytes: its layers (or the manifests of an index) and its config.
fn content_size(manifest: &Value) -> u64 {
    let sum = |key: &str| manifest[key].as_array().map_or(0, |a| a.iter().filter_map(|d| d["size"].as_u64()).sum());
    sum("layers") + sum("manifests") + manifest["config"]["size"].as_u64().unwrap_or(0)
}

fn search_hits_page(hits: &[SearchHit]) -> Vec<(String, Digest)> {
    hits.iter().map(|h| (h.version.clone(), h.digest.clone())).collect()
}

/// `GET /ui/repositories/<repo>/packages/<package>`: its versions, newest first.
pub(crate) async fn package(ui: &Ui, ctx: &Ctx, name: &OciName, query: &str) -> Result<Response> {
    let after = match QueryParams::parse(query).get("cursor").filter(|c| !c.is_empty()) {
        Some(cursor) => Some(arca_api::decode_cursor(&cursor).map_err(|e| e.0)?),
        None => None,
    };
    let first = after.is_none();
    let page = ui.registry.versions(name, PAGE, after).await?;
    if first && page.hits.is_empty() {
        return Err(Error::new(ErrorKind::NameUnknown, format!("package {name} has no versions")));
    }
    // Sizes from the manifests, a few at a time (kept parsed by the registry's content cache).
    let sizes: Vec<u64> = futures_util::stream::iter(search_hits_page(&page.hits))
        .map(|(_, digest)| async move {
            manifest_json(&ui.registry, name, &Reference::Digest(digest)).await.map(|(_, _, m)| content_size(&m))
        })
        .buffered(8)
        .try_collect()
        .await?;
    let mut out = Html::default();
    crumbs(&mut out, name, None);
    w!(out, "<h1>{}</h1>", esc(&name.to_string()));
    out.raw("<table><thead><tr><th>Version</th><th>Digest</th><th>Size</th><th>Published</th><th>Properties</th></tr></thead><tbody>");
    for (hit, size) in page.hits.iter().zip(sizes) {
        let href = version_href(&hit.repository, &hit.package, &hit.version);
        w!(out, "<tr><td><a href=\"{}\">{}</a></td><td>", esc(&href), esc(&hit.version));
        short_digest(&mut out, hit.digest.as_str());
        w!(out, "</td><td>{}</td><td>{}</td><td>", esc(&html::size(size)), esc(&html::time(hit.created_at)));
        properties_inline(&mut out, &hit.properties);
        out.raw("</td></tr>");
    }
    out.raw("</tbody></table>");
    if let Some(next) = &page.next {
        let href =
            format!("{}?{}", package_href(name), html::query_string(&[("cursor", &arca_api::encode_cursor(next))]));
        w!(out, "<p><a href=\"{}\">Older versions</a></p>", esc(&href));
    }
    Ok(ctx.page(StatusCode::OK, &name.to_string(), &out))
}

fn properties_inline(out: &mut Html, properties: &[(String, String)]) {
    for (i, (k, v)) in properties.iter().enumerate() {
        if i > 0 {
            out.raw("<br>");
        }
        w!(out, "<code>{}={}</code>", esc(k), esc(v));
    }
}

/// What kind of attachment a referrer is, from its artifact type.
fn referrer_kind(artifact_type: &str) -> &'static str {
    let t = artifact_type.to_ascii_lowercase();
    if t.contains("promotion") {
        "promotion record"
    } else if t.contains("spdx") || t.contains("cyclonedx") || t.contains("sbom") {
        "SBOM"
    } else if t.contains("provenance") || t.contains("slsa") {
        "provenance"
    } else if t.contains("vuln") || t.contains("scan") || t.contains("sarif") {
        "scan report"
    } else if t.contains("in-toto") || t.contains("dsse") || t.contains("attestation") {
        "attestation"
    } else if t.contains("sig") || t.contains("notary") || t.contains("cosign") {
        "signature"
    } else {
        "artifact"
    }
}

/// `GET …/versions/<version>`: files or layers, properties, how to pull it, what is attached.
pub(crate) async fn version(ui: &Ui, ctx: &Ctx, name: &OciName, reference: &Reference) -> Result<Response> {
    let repo = ui.registry.get_repository(&name.repository).await?;
    let (digest, created_at, manifest) = manifest_json(&ui.registry, name, reference).await?;
    let label = reference.to_string();
    let properties = ui.registry.version_properties(&digest).await?;
    let referrers = ui.registry.referrers(name, &digest, None).await?;
    let mut out = Html::default();
    crumbs(&mut out, name, Some(&label));
    let (sep, title) = match reference {
        Reference::Tag(_) => (':', format!("{name}:{label}")),
        Reference::Digest(_) => ('@', format!("{name}@{label}")),
    };
    w!(out, "<h1>{}{sep}{}</h1><dl>", esc(&name.to_string()), esc(&label));
    w!(out, "<dt>Digest</dt><dd><code>{}</code></dd>", esc(digest.as_str()));
    let media_type = manifest["mediaType"].as_str().unwrap_or("—");
    w!(out, "<dt>Media type</dt><dd><code>{}</code></dd>", esc(media_type));
    if let Some(t) = manifest["artifactType"].as_str() {
        w!(out, "<dt>Artifact type</dt><dd><code>{}</code></dd>", esc(t));
    }
    let created = manifest["annotations"]["org.opencontainers.image.created"]
        .as_str()
        .map_or_else(|| html::time(created_at), str::to_owned);
    w!(out, "<dt>Published</dt><dd>{}</dd>", esc(&created));
    w!(out, "<dt>Size</dt><dd>{}</dd>", esc(&html::size(content_size(&manifest))));
    if let Some(subject) = manifest["subject"]["digest"].as_str() {
        w!(out, "<dt>Subject</dt><dd><code>{}</code></dd>", esc(subject));
    }
    // The format's yank, and whether this version is yanked (its reason).
    let yank = Yank::of(repo.format).map(|kind| {
        let reason = properties.iter().find(|(k, _)| k == kind.property()).map(|(_, v)| v.as_str());
        (kind, reason)
    });
    if let Some((kind, Some(reason))) = yank {
        w!(out, "<dt>{}</dt><dd><strong>yes</strong> {}</dd>", capitalized(kind.state()), esc(kind.reason(reason)));
    }
    out.raw("</dl>");
    let pull = match reference {
        Reference::Tag(tag) => {
            version_actions(&mut out, name, tag.as_str(), yank.map(|(kind, reason)| (kind, reason.is_some())));
            crate::pull::command(repo.format, &ctx.base, name, tag.as_str())
        }
        // A manifest without a version of its own (a signature, an SBOM): an OCI artifact in any format.
        Reference::Digest(digest) => crate::pull::by_digest(&ctx.base, name, digest),
    };
    out.raw("<h2>Pull</h2>");
    w!(out, "<pre>{}</pre>", esc(&pull));
    if let Some(layers) = manifest["layers"].as_array() {
        let heading = if repo.format == Format::Oci { "Layers" } else { "Files" };
        w!(out, "<h2>{heading}</h2>");
        out.raw("<table><thead><tr><th>Name</th><th>Media type</th><th>Digest</th><th>Size</th></tr></thead><tbody>");
        for (i, layer) in layers.iter().enumerate() {
            let title = layer["annotations"]["org.opencontainers.image.title"].as_str();
            let label = title.map_or_else(|| format!("layer {}", i + 1), str::to_owned);
            w!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&label),
                esc(layer["mediaType"].as_str().unwrap_or("")),
                esc(layer["digest"].as_str().unwrap_or("")),
                esc(&html::size(layer["size"].as_u64().unwrap_or(0)))
            );
        }
        out.raw("</tbody></table>");
    }
    if let Some(config) = manifest["config"].as_object() {
        w!(
            out,
            "<p class=\"muted\">Config <code>{}</code> ({}, {})</p>",
            esc(config.get("digest").and_then(Value::as_str).unwrap_or("")),
            esc(config.get("mediaType").and_then(Value::as_str).unwrap_or("")),
            esc(&html::size(config.get("size").and_then(Value::as_u64).unwrap_or(0)))
        );
    }
    if let Some(children) = manifest["manifests"].as_array() {
        out.raw("<h2>Manifests</h2><table><thead><tr><th>Platform</th><th>Media type</th><th>Digest</th><th>Size</th></tr></thead><tbody>");
        for child in children {
            let platform = format!(
                "{}/{}",
                child["platform"]["os"].as_str().unwrap_or("?"),
                child["platform"]["architecture"].as_str().unwrap_or("?")
            );
            w!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&platform),
                esc(child["mediaType"].as_str().unwrap_or("")),
                esc(child["digest"].as_str().unwrap_or("")),
                esc(&html::size(child["size"].as_u64().unwrap_or(0)))
            );
        }
        out.raw("</tbody></table>");
    }
    out.raw("<h2>Properties</h2>");
    if properties.is_empty() {
        out.raw("<p class=\"muted\">None.</p>");
    } else {
        out.raw("<table><thead><tr><th>Key</th><th>Value</th></tr></thead><tbody>");
        for (k, v) in &properties {
            w!(out, "<tr><td><code>{}</code></td><td>{}</td></tr>", esc(k), esc(v));
        }
        out.raw("</tbody></table>");
    }
    out.raw("<h2>Referrers</h2>");
    if referrers.is_empty() {
        out.raw("<p class=\"muted\">No signatures, SBOMs, attestations or reports attached.</p>");
    } else {
        out.raw("<table><thead><tr><th>Kind</th><th>Artifact type</th><th>Digest</th><th>Size</th><th>Attached</th></tr></thead><tbody>");
        for r in &referrers {
            let artifact_type = r.artifact_type.as_deref().unwrap_or("");
            w!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td><a href=\"{}\"><code>{}</code></a></td><td>{}</td><td>{}</td></tr>",
                referrer_kind(artifact_type),
                esc(artifact_type),
                esc(&format!("{}/versions/{}", package_href(name), html::path(r.digest.as_str()))),
                esc(r.digest.as_str()),
                esc(&html::size(r.size)),
                esc(&html::time(r.created_at))
            );
        }
        out.raw("</tbody></table>");
    }
    supply_chain(ui, &mut out, name, &digest).await?;
    Ok(ctx.page(StatusCode::OK, &title, &out))
}

/// Links to the actions on a version (each asks for confirmation) and to its promotion history;
/// the yank (or npm's deprecation) where the format has one.
fn version_actions(out: &mut Html, name: &OciName, version: &str, yank: Option<(Yank, bool)>) {
    use crate::actions::{action_href, history_href};
    w!(
        out,
        "<p class=\"actions\"><a href=\"{}\">Promote…</a> · <a href=\"{}\">Approve…</a> · \
         <a href=\"{}\">Edit properties…</a> · ",
        esc(&action_href("promote", name, version)),
        esc(&action_href("approve", name, version)),
        esc(&action_href("properties", name, version)),
    );
    if let Some((kind, yanked)) = yank {
        let (verb, undo) = kind.verbs();
        let label = if yanked { undo } else { verb };
        w!(out, "<a href=\"{}\">{label}…</a> · ", esc(&action_href("yank", name, version)));
    }
    w!(out, "<a href=\"{}\">Promotion history</a></p>", esc(&history_href(name)));
}

/// `yanked` → `Yanked`.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// What verifying the attachments found (signatures, provenance, SBOMs, against the repository's
/// trust roots), the SBOM components indexed and the findings by severity, as the API shows them.
async fn supply_chain(ui: &Ui, out: &mut Html, name: &OciName, digest: &Digest) -> Result<()> {
    let (_, attachments) = ui.registry.attachments(name, &Reference::Digest(digest.clone()), None).await?;
    if !attachments.is_empty() {
        out.raw("<h2>Verified attachments</h2><table><thead><tr><th>Kind</th><th>Digest</th><th>Verdict</th></tr></thead><tbody>");
        for a in &attachments {
            w!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&a.kind),
                esc(a.digest.as_str()),
                esc(&a.explanation)
            );
        }
        out.raw("</tbody></table>");
    }
    let components = ui.registry.components_of(digest).await?;
    if !components.is_empty() {
        w!(out, "<p>SBOM components indexed: {}</p>", components.len());
    }
    let findings = ui.registry.findings_of(digest).await?;
    if !findings.is_empty() {
        let mut by_severity: Vec<(String, usize)> = Vec::new();
        for f in &findings {
            match by_severity.iter_mut().find(|(s, _)| *s == f.severity) {
                Some((_, n)) => *n += 1,
                None => by_severity.push((f.severity.clone(), 1)),
            }
        }
        let counts: Vec<String> = by_severity.iter().map(|(s, n)| format!("{n} {s}")).collect();
        w!(out, "<h2>Findings</h2><p>{}</p>", esc(&counts.join(", ")));
        out.raw("<table><thead><tr><th>Severity</th><th>Advisory</th><th>Package</th><th>Installed</th><th>Fixed in</th></tr></thead><tbody>");
        for f in &findings {
            w!(
                out,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&f.severity),
                esc(&f.advisory),
                esc(&f.package),
                esc(&f.installed),
                esc(f.fixed.as_deref().unwrap_or("—"))
            );
        }
        out.raw("</tbody></table>");
    }
    Ok(())
}

/// The query's parameters with a value (an empty form field means "no filter").
fn filled(query: &str) -> Vec<(String, String)> {
    let uri: http::Uri = format!("/?{query}").parse().unwrap_or_else(|_| http::Uri::from_static("/"));
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&uri).unwrap_or(Query(Vec::new()));
    pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect()
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
}

fn input(out: &mut Html, label: &str, name: &str, value: &str, placeholder: &str) {
    w!(
        out,
        "<label>{label} <input name=\"{name}\" value=\"{}\" placeholder=\"{}\"></label>",
        esc(value),
        esc(placeholder)
    );
}

/// `GET /ui/search?…`: the API's search, with its parameters and the caller's read filter.
pub(crate) async fn search(ui: &Ui, ctx: &Ctx, query: &str) -> Result<Response> {
    let pairs = filled(query);
    let mut out = Html::default();
    out.raw("<h1>Search</h1><form method=\"get\" action=\"/ui/search\" class=\"filters\" role=\"search\">");
    input(&mut out, "Repository", "repository", first(&pairs, "repository"), "dev");
    out.raw("<label>Format <select name=\"format\"><option value=\"\">any</option>");
    for format in Format::ALL {
        let selected = if first(&pairs, "format") == format.as_str() { " selected" } else { "" };
        w!(out, "<option{selected}>{}</option>", format.as_str());
    }
    out.raw("</select></label>");
    input(&mut out, "Package", "package", first(&pairs, "package"), "team/*");
    input(&mut out, "Version", "version", first(&pairs, "version"), "1.*");
    input(&mut out, "Property", "property", first(&pairs, "property"), "key=value");
    input(&mut out, "Has property", "has_property", first(&pairs, "has_property"), "vcs.revision");
    input(&mut out, "Digest", "digest", first(&pairs, "digest"), "sha256:…");
    input(&mut out, "Created after", "created_after", first(&pairs, "created_after"), "2026-11-01T00:00:00Z");
    input(&mut out, "Created before", "created_before", first(&pairs, "created_before"), "");
    out.raw("<button type=\"submit\">Search</button></form>");
    let (mut q, repository) = match arca_api::parse_search_query(pairs.clone()) {
        Ok(parsed) => parsed,
        Err(e) => {
            w!(out, "<p class=\"error\" role=\"alert\">{}</p>", esc(&e.0.message));
            return Ok(ctx.page(StatusCode::BAD_REQUEST, "Search", &out));
        }
    };
    let reader = ctx.principal.clone().map(Extension);
    let readable = arca_api::readable(&ui.registry, &reader).await.map_err(|e| e.0)?;
    q.repositories = match (readable, repository) {
        (None, None) => None,
        (None, Some(one)) => Some(vec![one]),
        (Some(all), None) => Some(all),
        (Some(all), Some(one)) => Some(all.into_iter().filter(|r| *r == one).collect()),
    };
    let page = ui.registry.search(&q).await?;
    if page.hits.is_empty() {
        out.raw("<p class=\"muted\">Nothing found.</p>");
        return Ok(ctx.page(StatusCode::OK, "Search", &out));
    }
    out.raw("<table><thead><tr><th>Version</th><th>Format</th><th>Digest</th><th>Published</th><th>Properties</th></tr></thead><tbody>");
    for hit in &page.hits {
        let href = version_href(&hit.repository, &hit.package, &hit.version);
        let label = format!("{}/{}:{}", hit.repository, hit.package, hit.version);
        w!(out, "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>", esc(&href), esc(&label), esc(hit.format.as_str()));
        short_digest(&mut out, hit.digest.as_str());
        w!(out, "</td><td>{}</td><td>", esc(&html::time(hit.created_at)));
        properties_inline(&mut out, &hit.properties);
        out.raw("</td></tr>");
    }
    out.raw("</tbody></table>");
    if let Some(next) = &page.next {
        let cursor = arca_api::encode_cursor(next);
        let mut params: Vec<(&str, &str)> =
            pairs.iter().filter(|(k, _)| k != "cursor").map(|(k, v)| (k.as_str(), v.as_str())).collect();
        params.push(("cursor", &cursor));
        w!(out, "<p><a href=\"/ui/search?{}\">Next page</a></p>", esc(&html::query_string(&params)));
    }
    Ok(ctx.page(StatusCode::OK, "Search", &out))
}

/// `GET /ui/audit?…`: the audit log with the API's filters, in sequence order.
pub(crate) async fn audit(ui: &Ui, ctx: &Ctx, query: &str) -> Result<Response> {
    let pairs = filled(query);
    let mut out = Html::default();
    out.raw("<h1>Audit log</h1><form method=\"get\" action=\"/ui/audit\" class=\"filters\">");
    input(&mut out, "Actor", "actor", first(&pairs, "actor"), "alice");
    input(&mut out, "Action", "action", first(&pairs, "action"), "manifest.");
    input(&mut out, "Target", "target", first(&pairs, "target"), "dev/");
    out.raw("<label>Outcome <select name=\"outcome\"><option value=\"\">any</option>");
    for outcome in ["success", "denied", "failed"] {
        let selected = if first(&pairs, "outcome") == outcome { " selected" } else { "" };
        w!(out, "<option{selected}>{outcome}</option>");
    }
    out.raw("</select></label>");
    input(&mut out, "Since (epoch ms)", "since", first(&pairs, "since"), "");
    input(&mut out, "Until (epoch ms)", "until", first(&pairs, "until"), "");
    out.raw("<button type=\"submit\">Filter</button></form>");
    let refused = |out: &mut Html, message: &str| w!(out, "<p class=\"error\" role=\"alert\">{}</p>", esc(message));
    let uri: http::Uri =
        format!("/?{}", html::query_string(&pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>()))
            .parse()
            .unwrap_or_else(|_| http::Uri::from_static("/"));
    let filter = match Query::<arca_api::AuditQuery>::try_from_uri(&uri) {
        Ok(Query(q)) => arca_api::audit_filter(q).map_err(|e| e.0.message),
        Err(e) => Err(e.body_text()),
    };
    let filter = match filter {
        Ok(filter) => filter,
        Err(message) => {
            refused(&mut out, &message);
            return Ok(ctx.page(StatusCode::BAD_REQUEST, "Audit log", &out));
        }
    };
    let entries = ui.auth.audit_log().list_audit(&filter).await?;
    if entries.is_empty() {
        out.raw("<p class=\"muted\">No entries.</p>");
        return Ok(ctx.page(StatusCode::OK, "Audit log", &out));
    }
    out.raw("<table><thead><tr><th>#</th><th>Time</th><th>Actor</th><th>Address</th><th>Action</th><th>Target</th><th>Outcome</th><th>Detail</th></tr></thead><tbody>");
    for e in &entries {
        let entry = &e.entry;
        w!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.seq,
            esc(&html::time(entry.time)),
            esc(&entry.actor),
            esc(entry.client_addr.as_deref().unwrap_or("")),
            esc(&entry.action),
            esc(&entry.target),
            esc(entry.outcome.as_str()),
            esc(entry.detail.as_deref().unwrap_or(""))
        );
    }
    out.raw("</tbody></table>");
    if entries.len() == filter.limit
        && let Some(last) = entries.last()
    {
        let after = last.seq.to_string();
        let mut params: Vec<(&str, &str)> =
            pairs.iter().filter(|(k, _)| k != "after").map(|(k, v)| (k.as_str(), v.as_str())).collect();
        params.push(("after", &after));
        w!(out, "<p><a href=\"/ui/audit?{}\">Next page</a></p>", esc(&html::query_string(&params)));
    }
    Ok(ctx.page(StatusCode::OK, "Audit log", &out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referrers_are_named_by_their_artifact_type() {
        assert_eq!(referrer_kind("application/vnd.dev.cosign.simplesigning.v1+json"), "signature");
        assert_eq!(referrer_kind("application/vnd.cncf.notary.signature"), "signature");
        assert_eq!(referrer_kind("application/spdx+json"), "SBOM");
        assert_eq!(referrer_kind("application/vnd.cyclonedx+json"), "SBOM");
        assert_eq!(referrer_kind("application/vnd.in-toto+json"), "attestation");
        assert_eq!(referrer_kind("application/vnd.arca.promotion.v1+json"), "promotion record");
        assert_eq!(referrer_kind("text/plain"), "artifact");
    }

    #[test]
    fn sizes_count_layers_children_and_config() {
        let m = serde_json::json!({ "config": { "size": 2 }, "layers": [{ "size": 10 }, { "size": 5 }] });
        assert_eq!(content_size(&m), 17);
        let index = serde_json::json!({ "manifests": [{ "size": 100 }] });
        assert_eq!(content_size(&index), 100);
        assert_eq!(content_size(&Value::Null), 0);
    }

    #[test]
    fn empty_form_fields_are_no_filters() {
        let pairs = filled("repository=&package=team%2F*&format=&property=a%3Db");
        assert_eq!(pairs, [("package".to_owned(), "team/*".to_owned()), ("property".to_owned(), "a=b".to_owned())]);
        assert_eq!(first(&pairs, "package"), "team/*");
        assert_eq!(first(&pairs, "version"), "");
    }
}
