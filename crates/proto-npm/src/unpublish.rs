//! `npm unpublish`, as libnpmpublish sends it: `pkg@version` re-sends the document without the
//! version (`PUT <name>/-rev/<rev>`) then deletes its tarball (`DELETE <name>/-/<file>/-rev/<rev>`);
//! the last version, or `--force` on a package, deletes the package (`DELETE <name>/-rev/<rev>`).
//! Allowed only where the repository's policy says so (`allow_unpublish`); elsewhere 405, the
//! status npm shows as "E405" with the message.

use crate::errors::{NpmFailure, Reply};
use crate::misc::json;
use crate::route::Unpublish;
use arca_core::registry::Registry;
use arca_core::registry::npm::tarball_version;
use arca_core::registry::npm_unpublish::NpmUnpublish;
use arca_core::{Error, ErrorKind};
use arca_npm::{DocKind, PublishEvent, PublishLimits, PublishParser};
use arca_types::RepoName;
use axum::body::Body;
use futures_util::StreamExt;
use http::StatusCode;
use http::request::Parts;

pub(crate) async fn unpublish(
    registry: &Registry,
    repository: &RepoName,
    name: &str,
    what: Unpublish,
    parts: &Parts,
    body: Body,
) -> Reply {
    let which = match what {
        Unpublish::Package => NpmUnpublish::Package,
        Unpublish::Rewrite => {
            let stored = registry.npm_version_names(repository, name).await?;
            match read_document(body).await?.kind_against(stored.iter().map(String::as_str)) {
                DocKind::Unpublish { removed } => NpmUnpublish::Versions(removed),
                DocKind::MetadataUpdate => {
                    return Err(NpmFailure::bad(format!(
                        "{name}: nothing to change (only removing versions is supported on this route)"
                    )));
                }
                DocKind::Publish => return Err(NpmFailure::bad("an unpublish carries no attachments")),
            }
        }
        Unpublish::Tarball(file) => {
            let version = tarball_version(name, &file)
                .ok_or_else(|| NpmFailure::status(StatusCode::NOT_FOUND, format!("{name} has no tarball {file}")))?;
            let stored = registry.npm_version_names(repository, name).await?;
            if !stored.iter().any(|v| v == version) {
                // The rewrite before it removed the version with its tarball.
                return Ok(done(name));
            }
            NpmUnpublish::Versions(vec![version.to_owned()])
        }
    };
    let actor = arca_http::caller::actor(parts);
    registry.unpublish_npm(repository, name, &which, &actor).await.map_err(refused_by_policy)?;
    Ok(done(name))
}

fn done(name: &str) -> axum::response::Response {
    json(StatusCode::OK, serde_json::json!({ "ok": true, "id": name }))
}

/// A repository that keeps its versions immutable answers 405, as the public registry does when
/// unpublishing is no longer allowed.
fn refused_by_policy(e: Error) -> NpmFailure {
    if e.kind == ErrorKind::Unsupported {
        return NpmFailure::status(StatusCode::METHOD_NOT_ALLOWED, e.message);
    }
    e.into()
}

/// The document of a rewrite, read with the publish parser's limits; attachments are refused.
async fn read_document(body: Body) -> Result<arca_npm::PublishDoc, NpmFailure> {
    let mut parser = PublishParser::new(PublishLimits::default());
    let mut body = body.into_data_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| NpmFailure::bad(format!("reading the body: {e}")))?;
        if parser.feed(&chunk)?.iter().any(|e| matches!(e, PublishEvent::AttachmentStart { .. })) {
            return Err(NpmFailure::bad("an unpublish carries no attachments"));
        }
    }
    Ok(parser.finish()?)
}
