//! Parsing and validating manifests (OCI image manifest and index, Docker schema 2 and manifest list).
//!
//! Manifests are untrusted input capped in size before they get here; parsing is strict about what
//! the registry relies on (descriptors, digests, subject) and keeps unknown fields (custom fields are
//! legal and the stored bytes are returned verbatim anyway).

use crate::meta::RefKind;
use crate::{Error, ErrorKind, Result};
use arca_types::{Digest, media};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<serde_json::Value>,
}

/// Union of the fields of every accepted manifest kind.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManifest {
    schema_version: Option<i64>,
    media_type: Option<String>,
    artifact_type: Option<String>,
    config: Option<Descriptor>,
    layers: Option<Vec<Descriptor>>,
    manifests: Option<Vec<Descriptor>>,
    subject: Option<Descriptor>,
    annotations: Option<BTreeMap<String, String>>,
}

/// What the registry needs to know of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedManifest {
    pub media_type: String,
    /// `artifactType`, else (image manifests) the config media type: what the referrers API reports.
    pub artifact_type: Option<String>,
    pub subject: Option<Digest>,
    pub annotations: Option<BTreeMap<String, String>>,
    /// Content this manifest requires to exist in the package.
    pub required: Vec<(Digest, RefKind)>,
    /// Content it refers to but that need not be present (non-distributable layers).
    pub foreign: Vec<Digest>,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::ManifestInvalid, msg)
}

/// Parses a manifest body; `content_type` is the request's Content-Type header, if any.
pub fn parse(bytes: &[u8], content_type: Option<&str>) -> Result<ParsedManifest> {
    let raw: RawManifest =
        serde_json::from_slice(bytes).map_err(|e| invalid(format!("manifest is not valid JSON: {e}")))?;
    let media_type = resolve_media_type(&raw, content_type)?;
    if raw.schema_version != Some(2) {
        return Err(invalid("schemaVersion must be 2"));
    }
    let subject = raw.subject.as_ref().map(|d| descriptor_digest(d, "subject")).transpose()?;
    let mut required = Vec::new();
    let mut foreign = Vec::new();
    let artifact_type = if media::is_index(&media_type) {
        if raw.config.is_some() || raw.layers.is_some() {
            return Err(invalid("an index has manifests, not config or layers"));
        }
        for d in raw.manifests.as_deref().ok_or_else(|| invalid("index has no manifests array"))? {
            required.push((descriptor_digest(d, "manifests[]")?, RefKind::Manifest));
        }
        raw.artifact_type.clone()
    } else {
        if raw.manifests.is_some() {
            return Err(invalid("an image manifest has config and layers, not manifests"));
        }
        let config = raw.config.as_ref().ok_or_else(|| invalid("manifest has no config descriptor"))?;
        required.push((descriptor_digest(config, "config")?, RefKind::Config));
        for layer in raw.layers.as_deref().ok_or_else(|| invalid("manifest has no layers array"))? {
            let digest = descriptor_digest(layer, "layers[]")?;
            if is_non_distributable(&layer.media_type) {
                foreign.push(digest)
            } else {
                required.push((digest, RefKind::Layer))
            }
        }
        raw.artifact_type.clone().or_else(|| Some(config.media_type.clone()))
    };
    if let Some(t) = &raw.artifact_type {
        check_media_type(t, "artifactType")?;
    }
    Ok(ParsedManifest { media_type, artifact_type, subject, annotations: raw.annotations, required, foreign })
}

fn resolve_media_type(raw: &RawManifest, content_type: Option<&str>) -> Result<String> {
    let header = content_type.map(|c| c.split(';').next().unwrap_or_default().trim()).filter(|c| !c.is_empty());
    let media_type = match (raw.media_type.as_deref(), header) {
        (Some(body), Some(header)) if body != header && media::MANIFEST_TYPES.contains(&header) => {
            return Err(invalid(format!("mediaType {body:?} does not match Content-Type {header:?}")));
        }
        (Some(body), _) => body.to_owned(),
        (None, Some(header)) => header.to_owned(),
        (None, None) if raw.manifests.is_some() => media::OCI_INDEX.to_owned(),
        (None, None) => media::OCI_MANIFEST.to_owned(),
    };
    if !media::MANIFEST_TYPES.contains(&media_type.as_str()) {
        return Err(Error::new(ErrorKind::Unsupported, format!("manifest media type {media_type:?} is not supported")));
    }
    Ok(media_type)
}

fn descriptor_digest(d: &Descriptor, field: &str) -> Result<Digest> {
    check_media_type(&d.media_type, field)?;
    Digest::parse(&d.digest).map_err(|e| invalid(format!("{field} digest {:?}: {e}", d.digest)))
}

fn check_media_type(t: &str, field: &str) -> Result<()> {
    if media::is_well_formed(t) { Ok(()) } else { Err(invalid(format!("{field} media type {t:?} is malformed"))) }
}

fn is_non_distributable(media_type: &str) -> bool {
    media_type.contains(".nondistributable.")
        || media_type == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const D: &str = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

    fn image(extra: &str) -> String {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{D}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{D}","size":2}}]{extra}}}"#,
            media::OCI_MANIFEST
        )
    }

    #[test]
    fn image_manifest_lists_config_and_layers() {
        let m = parse(image("").as_bytes(), Some(media::OCI_MANIFEST)).unwrap();
        assert_eq!(m.required.len(), 2);
        assert_eq!(m.artifact_type.as_deref(), Some(media::OCI_EMPTY));
        assert_eq!(m.subject, None);
    }

    #[test]
    fn subject_and_artifact_type() {
        let extra = format!(
            r#","artifactType":"application/x-sig","subject":{{"mediaType":"{}","digest":"{D}","size":9}}"#,
            media::OCI_MANIFEST
        );
        let m = parse(image(&extra).as_bytes(), None).unwrap();
        assert_eq!(m.artifact_type.as_deref(), Some("application/x-sig"));
        assert_eq!(m.subject.unwrap().as_str(), D);
    }

    #[test]
    fn rejects_mismatched_or_unknown_types() {
        assert_eq!(parse(image("").as_bytes(), Some(media::OCI_INDEX)).unwrap_err().kind, ErrorKind::ManifestInvalid);
        let weird = r#"{"schemaVersion":2,"mediaType":"application/x-weird","config":{"mediaType":"a/b","digest":"x","size":1},"layers":[]}"#;
        assert_eq!(parse(weird.as_bytes(), None).unwrap_err().kind, ErrorKind::Unsupported);
        assert_eq!(parse(b"not json", None).unwrap_err().kind, ErrorKind::ManifestInvalid);
        let bad_digest = image("").replace(D, "sha256:nothex");
        assert_eq!(parse(bad_digest.as_bytes(), None).unwrap_err().kind, ErrorKind::ManifestInvalid);
    }

    #[test]
    fn empty_index_is_valid() {
        let idx = format!(r#"{{"schemaVersion":2,"mediaType":"{}","manifests":[]}}"#, media::OCI_INDEX);
        let m = parse(idx.as_bytes(), Some(media::OCI_INDEX)).unwrap();
        assert!(m.required.is_empty());
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512), ct in proptest::option::of(".*")) {
            let _ = parse(&bytes, ct.as_deref());
        }
    }
}
