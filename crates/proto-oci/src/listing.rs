//! Tag list, catalog and referrers, with `n`/`last` paging and `Link` headers.

use crate::errors::OciError;
use crate::{Reply, header_value, json_response};
use arca_core::registry::{Listing, Registry};
use arca_types::{Digest, OciName, media};
use axum::response::Response;
use http::{StatusCode, header};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

pub(crate) async fn tags(registry: &Registry, name: &OciName, n: Option<usize>, last: Option<String>) -> Reply {
    let listing = registry
        .list_tags(name, n, last)
        .await?
        .ok_or_else(|| OciError::new(StatusCode::NOT_FOUND, "NAME_UNKNOWN", format!("{name} is unknown")))?;
    let body = json!({ "name": name.to_string(), "tags": listing.items });
    Ok(paged(json_response(StatusCode::OK, body.to_string()), &format!("/v2/{name}/tags/list"), n, &listing))
}

pub(crate) async fn catalog(registry: &Registry, n: Option<usize>, last: Option<String>) -> Reply {
    let listing = registry.catalog(n, last).await?;
    let body = json!({ "repositories": listing.items });
    Ok(paged(json_response(StatusCode::OK, body.to_string()), "/v2/_catalog", n, &listing))
}

/// Adds `Link: <path?n=N&last=X>; rel="next"` when more entries follow.
fn paged(mut response: Response, path: &str, n: Option<usize>, listing: &Listing) -> Response {
    if let (true, Some(last)) = (listing.more, listing.items.last()) {
        let n = n.unwrap_or(listing.items.len());
        let link = format!("<{path}?n={n}&last={}>; rel=\"next\"", utf8_percent_encode(last, NON_ALPHANUMERIC));
        response.headers_mut().insert(header::LINK, header_value(&link));
    }
    response
}

pub(crate) async fn referrers(
    registry: &Registry,
    name: &OciName,
    subject: &Digest,
    artifact_type: Option<String>,
) -> Reply {
    let referrers = registry.referrers(name, subject, artifact_type.as_deref()).await?;
    let manifests: Vec<Value> = referrers
        .into_iter()
        .map(|r| {
            let mut d = Map::new();
            d.insert("mediaType".into(), r.media_type.into());
            d.insert("digest".into(), r.digest.to_string().into());
            d.insert("size".into(), r.size.into());
            if let Some(t) = r.artifact_type {
                d.insert("artifactType".into(), t.into());
            }
            if let Some(a) = r.annotations.and_then(|a| serde_json::from_str::<Value>(&a).ok()) {
                d.insert("annotations".into(), a);
            }
            Value::Object(d)
        })
        .collect();
    let body = json!({ "schemaVersion": 2, "mediaType": media::OCI_INDEX, "manifests": manifests });
    let mut response = json_response(StatusCode::OK, body.to_string());
    response.headers_mut().insert(header::CONTENT_TYPE, header_value(media::OCI_INDEX));
    if artifact_type.is_some() {
        response.headers_mut().insert("oci-filters-applied", header_value("artifactType"));
    }
    Ok(response)
}
