//! Documents rendered from a listing (an npm packument), kept by a digest of everything they were
//! rendered from: the listing's versions, digests and properties, and what else the rendering
//! takes (the document's kind, the base of its URLs). What a digest names never changes, so a key
//! that matches names the same document on every node; a publish, a yank or a dist-tag move
//! changes the listing, hence the key. It exists because rendering a 10 000-version packument (a
//! JSON tree per version, then serialising and hashing megabytes) cost more than the listing query.

use super::Registry;
use crate::hasher::digest_of;
use crate::meta::SearchHit;
use arca_types::{Digest, DigestAlgorithm};
use bytes::Bytes;
use sha2::{Digest as _, Sha256};
use std::sync::Arc;

/// Memory the rendered documents may hold: a few 10 000-version packuments.
pub(super) const RENDERED_CACHE_BYTES: usize = 64 << 20;

/// A rendered document and the digest of its bytes (its ETag).
#[derive(Debug)]
pub struct Rendered {
    pub body: Bytes,
    pub digest: Digest,
}

/// The key of what a listing renders to, `context` saying how it is rendered.
pub fn listing_key(hits: &[SearchHit], context: &str) -> Digest {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(context.as_bytes());
    for hit in hits {
        field(hit.version.as_bytes());
        field(hit.digest.as_str().as_bytes());
        for (key, value) in &hit.properties {
            field(key.as_bytes());
            field(value.as_bytes());
        }
        field(b"");
    }
    Digest::from_hash(DigestAlgorithm::Sha256, &hasher.finalize())
}

impl Registry {
    /// The document rendered for `key` before, if still kept.
    pub fn rendered(&self, key: &Digest) -> Option<Arc<Rendered>> {
        self.rendered_documents.get(key)
    }

    /// Keeps a document rendered for `key`; returns it with the digest of its bytes.
    pub fn keep_rendered(&self, key: &Digest, body: Vec<u8>) -> Arc<Rendered> {
        let digest = digest_of(DigestAlgorithm::Sha256, &body);
        let size = body.len();
        let rendered = Arc::new(Rendered { body: Bytes::from(body), digest });
        self.rendered_documents.put(key, rendered.clone(), size);
        rendered
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Format;

    fn hit(version: &str, digest_byte: u8, properties: &[(&str, &str)]) -> SearchHit {
        SearchHit {
            repository: "js".into(),
            format: Format::Npm,
            package: "p".into(),
            version: version.into(),
            digest: Digest::from_hash(DigestAlgorithm::Sha256, &[digest_byte; 32]),
            media_type: String::new(),
            artifact_type: None,
            created_at: 0,
            properties: properties.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        }
    }

    #[test]
    fn every_input_of_the_rendering_changes_the_key() {
        let base = [hit("1.0.0", 1, &[]), hit("latest", 1, &[])];
        let key = listing_key(&base, "full");
        assert_eq!(key, listing_key(&base, "full"), "the same listing, the same key");
        let variants = [
            listing_key(&base, "abbreviated"),
            listing_key(&[hit("1.0.0", 2, &[]), hit("latest", 1, &[])], "full"),
            listing_key(&[hit("1.0.0", 1, &[("npm.deprecated", "x")]), hit("latest", 1, &[])], "full"),
            listing_key(&[hit("1.0.0", 1, &[]), hit("beta", 1, &[])], "full"),
            listing_key(&[hit("1.0.0", 1, &[])], "full"),
            // Fields are length-prefixed: moving a boundary is not the same listing.
            listing_key(&[hit("1.0.0", 1, &[("a", "bc")]), hit("latest", 1, &[])], "full"),
            listing_key(&[hit("1.0.0", 1, &[("ab", "c")]), hit("latest", 1, &[])], "full"),
        ];
        for (i, other) in variants.iter().enumerate() {
            assert_ne!(&key, other, "variant {i}");
        }
        assert_ne!(variants[5], variants[6]);
    }
}
