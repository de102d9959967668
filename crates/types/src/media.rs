//! Media types arca understands natively.

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

/// Manifest media types a registry accepts on PUT (Docker schema 1 is deliberately not among them).
pub const MANIFEST_TYPES: [&str; 4] = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST];

/// Whether a manifest of this media type lists other manifests (`manifests[]`) rather than blobs.
pub fn is_index(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_MANIFEST_LIST
}

/// Whether the string has the `type/subtype` shape of RFC 6838 (parameters allowed).
pub fn is_well_formed(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    let restricted = |s: &str| {
        !s.is_empty() && s.len() <= 127 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    matches!(essence.split_once('/'), Some((t, sub)) if restricted(t) && restricted(sub))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_shape() {
        assert!(is_well_formed(OCI_MANIFEST));
        assert!(is_well_formed("text/plain; charset=utf-8"));
        assert!(!is_well_formed("nonsense"));
        assert!(!is_well_formed("a/b/c"));
        assert!(!is_well_formed("/x"));
    }
}
