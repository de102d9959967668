//! Yanking a version, in the way its format has one: a PyPI release yanked (PEP 592, with a reason),
//! a crate version yanked (`cargo yank`), an npm version deprecated (`npm deprecate`, with a
//! message: npm's yank). Each calls the use case the format's own client reaches (`arca yank` for
//! PyPI, `cargo yank`, `npm deprecate`), so the same rules decide who may — publish on the
//! repository, and for a crate its owners or an administrator — and the same audit entry records it.
//! Undone the same way (`undo`). OCI, generic and Maven versions have no yank: the link is not shown
//! and the page answers `unsupported`.

use crate::actions::{actor_of, confirm_form};
use crate::html::{Html, esc};
use crate::route::Step;
use crate::session::step_fields;
use crate::{Ctx, Ui, see_other, w};
use arca_core::auth::Action;
use arca_core::meta::Format;
use arca_core::registry::cargo_owners::CrateCaller;
use arca_core::registry::{cargo, npm, pypi};
use arca_core::{Error, ErrorKind, Result};
use arca_types::{OciName, PackageId, Reference, SemVer, Tag};
use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use http::request::Parts;

/// A format's yank: the property that records it and what it means to that format's clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Yank {
    Pypi,
    Cargo,
    Npm,
}

impl Yank {
    /// The yank of `format`, if it has one.
    pub(crate) fn of(format: Format) -> Option<Self> {
        match format {
            Format::Pypi => Some(Self::Pypi),
            Format::Cargo => Some(Self::Cargo),
            Format::Npm => Some(Self::Npm),
            Format::Oci | Format::Generic | Format::Maven => None,
        }
    }

    /// The version property that holds the yank (its value: the reason or message).
    pub(crate) fn property(self) -> &'static str {
        match self {
            Self::Pypi => pypi::YANKED,
            Self::Cargo => cargo::YANKED,
            Self::Npm => npm::DEPRECATED,
        }
    }

    /// `Yank` or `Deprecate`, and the words for undoing it.
    pub(crate) fn verbs(self) -> (&'static str, &'static str) {
        match self {
            Self::Pypi | Self::Cargo => ("Yank", "Un-yank"),
            Self::Npm => ("Deprecate", "Un-deprecate"),
        }
    }

    /// `yanked` or `deprecated`.
    pub(crate) fn state(self) -> &'static str {
        match self {
            Self::Pypi | Self::Cargo => "yanked",
            Self::Npm => "deprecated",
        }
    }

    /// The reason a yank's property value gives (a crate's is only `true`).
    pub(crate) fn reason(self, value: &str) -> &str {
        if self == Self::Cargo { "" } else { value }
    }

    /// What the yank does to the format's clients (HTML: this crate's own text).
    fn meaning(self) -> &'static str {
        match self {
            Self::Pypi => {
                "A yanked release (PEP 592) stays installable when pinned exactly (<code>==version</code>, \
                 a lock file), but pip and uv skip it when they resolve a range or the latest version. \
                 The index shows the reason. Nothing is deleted."
            }
            Self::Cargo => {
                "A yanked version stays downloadable for projects whose <code>Cargo.lock</code> already \
                 names it, but cargo never picks it for a new lock file, <code>cargo update</code> or \
                 <code>cargo add</code>. Only an owner of the crate or an administrator of the repository \
                 may yank it. Nothing is deleted."
            }
            Self::Npm => {
                "npm has no yank: deprecating is how a version is withdrawn. A deprecated version stays \
                 installable, pinned or in a range, but npm prefers a version that is not deprecated when \
                 a range allows one and prints the message as a warning on every install. Nothing is \
                 deleted."
            }
        }
    }

    /// Whether a reason (PyPI, optional) or a message (npm, required) is asked for.
    fn asks_reason(self) -> Option<(&'static str, bool)> {
        match self {
            Self::Pypi => Some(("Reason (shown by the index; may be empty)", false)),
            Self::Cargo => None,
            Self::Npm => Some(("Message (shown by npm on install)", true)),
        }
    }
}

fn no_yank(format: Format) -> Error {
    Error::new(ErrorKind::Unsupported, format!("{} versions have no yank", format.as_str()))
}

/// What one yank form asks: undo it, or do it with this reason.
#[derive(Debug, PartialEq, Eq)]
enum Change {
    Yank(String),
    Undo,
}

impl Change {
    fn of(fields: &arca_types::QueryParams) -> Self {
        if fields.get("undo").is_some_and(|u| !u.is_empty()) {
            return Self::Undo;
        }
        Self::Yank(fields.get("reason").unwrap_or_default().trim().to_owned())
    }
}

/// `/ui/yank/<repo>/<package…>/<version>`: what yanking means for this format and the version's state
/// (GET), the yank or its undoing (POST).
pub(crate) async fn yank(
    ui: &Ui,
    ctx: &Ctx,
    parts: &Parts,
    (name, version, step): (OciName, Tag, Step),
    body: Body,
) -> Result<Response> {
    let format = ui.registry.get_repository(&name.repository).await?.format;
    let kind = Yank::of(format).ok_or_else(|| no_yank(format))?;
    let fields = match step_fields(ctx, parts, step, body).await {
        Ok(fields) => fields,
        Err(refused) => return Ok(refused),
    };
    let change = Change::of(&fields);
    if step == Step::Commit {
        apply(ui, ctx, parts, format, (&name, &version), &change).await?;
        return Ok(see_other(&crate::pages::version_href(
            name.repository.as_str(),
            name.package.as_str(),
            version.as_str(),
        )));
    }
    let digest = ui.registry.get_manifest(&name, &Reference::Tag(version.clone()), false).await?.record.digest;
    let now = ui.registry.version_properties(&digest).await?.into_iter().find(|(k, _)| k == kind.property());
    let (verb, undo_verb) = kind.verbs();
    let href = crate::actions::action_href("yank", &name, version.as_str());
    let mut out = Html::default();
    w!(out, "<h1>{verb} {}:{}</h1><p>{}</p>", esc(&name.to_string()), esc(version.as_str()), kind.meaning());
    match now {
        Some((_, reason)) => {
            let reason = match kind.reason(&reason) {
                "" => String::new(),
                reason => format!(": {reason}"),
            };
            w!(out, "<p>This version is <strong>{}</strong>{}.</p>", kind.state(), esc(&reason));
            confirm_form(&mut out, ctx, &href, &[("undo", "1")], undo_verb);
        }
        None => {
            w!(out, "<p>This version is not {}.</p>", kind.state());
            yank_form(&mut out, ctx, &href, kind, verb);
        }
    }
    Ok(ctx.page(StatusCode::OK, verb, &out))
}

/// The form that yanks: the CSRF token, and the reason or message the format asks for.
fn yank_form(out: &mut Html, ctx: &Ctx, href: &str, kind: Yank, verb: &str) {
    w!(
        out,
        "<form method=\"post\" action=\"{}\" class=\"filters\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(href),
        esc(&ctx.csrf)
    );
    if let Some((label, required)) = kind.asks_reason() {
        let required = if required { " required" } else { "" };
        w!(out, "<label>{label} <input name=\"reason\"{required}></label>");
    }
    w!(out, "<button type=\"submit\">{verb}</button></form>");
}

/// Yanks or un-yanks through the format's use case.
async fn apply(
    ui: &Ui,
    ctx: &Ctx,
    parts: &Parts,
    format: Format,
    (name, tag): (&OciName, &Tag),
    change: &Change,
) -> Result<()> {
    let actor = actor_of(parts);
    let repository = &name.repository;
    let package = format.package_from_stored(name.package.as_str());
    let version = format.tag_version(tag.as_str());
    let reason = match change {
        Change::Yank(reason) => Some(reason.as_str()),
        Change::Undo => None,
    };
    match format {
        Format::Pypi => ui.registry.yank_pypi_release(repository, &package, &version, reason, &actor).await,
        Format::Cargo => {
            let id = PackageId::parse(Format::Cargo, &package)
                .map_err(|e| Error::new(ErrorKind::NameInvalid, e.to_string()))?;
            let version = SemVer::parse(&version).map_err(|e| Error::new(ErrorKind::InvalidRequest, e.to_string()))?;
            // As `cargo yank`: an owner, or an administrator of the repository (everyone with auth off).
            let admin = ctx.principal.as_ref().is_none_or(|p| p.allows(Action::Admin, repository.as_str()));
            let caller = CrateCaller { actor: &actor, admin };
            ui.registry.yank_cargo_version(repository, &id, &version, reason.is_some(), caller).await
        }
        Format::Npm => {
            let message = reason.unwrap_or_default();
            if reason.is_some() && message.is_empty() {
                return Err(Error::new(ErrorKind::InvalidRequest, "a deprecation needs a message"));
            }
            let changes = [(version, message.to_owned())];
            ui.registry.deprecate_npm_versions(repository, &package, &changes, &actor).await.map(drop)
        }
        Format::Oci | Format::Generic | Format::Maven => Err(no_yank(format)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_types::QueryParams;

    #[test]
    fn only_pypi_cargo_and_npm_have_a_yank() {
        assert_eq!(Yank::of(Format::Pypi).map(Yank::property), Some("pypi.yanked"));
        assert_eq!(Yank::of(Format::Cargo).map(Yank::property), Some("cargo.yanked"));
        assert_eq!(Yank::of(Format::Npm).map(Yank::verbs), Some(("Deprecate", "Un-deprecate")));
        for format in [Format::Oci, Format::Generic, Format::Maven] {
            assert_eq!(Yank::of(format), None, "{format:?}");
        }
    }

    #[test]
    fn a_form_asks_to_yank_with_a_reason_or_to_undo() {
        assert_eq!(
            Change::of(&QueryParams::parse("reason=broken+on+Windows")),
            Change::Yank("broken on Windows".into())
        );
        assert_eq!(Change::of(&QueryParams::parse("")), Change::Yank(String::new()));
        assert_eq!(Change::of(&QueryParams::parse("undo=1&reason=x")), Change::Undo);
    }
}
