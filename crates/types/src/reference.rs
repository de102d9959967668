//! Manifest references: a tag or a digest.

use crate::{Digest, DigestError};
use std::fmt;

pub const MAX_TAG_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error("tag is invalid: use [a-zA-Z0-9_][a-zA-Z0-9._-]{{0,127}}")]
    BadTag,
    #[error(transparent)]
    Digest(#[from] DigestError),
}

/// A tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub fn parse(s: &str) -> Result<Self, ReferenceError> {
        let b = s.as_bytes();
        let ok_first = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let ok_rest = |c: u8| ok_first(c) || c == b'.' || c == b'-';
        if b.is_empty() || b.len() > MAX_TAG_LEN || !ok_first(b[0]) || !b[1..].iter().all(|&c| ok_rest(c)) {
            return Err(ReferenceError::BadTag);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({})", self.0)
    }
}

impl TryFrom<String> for Tag {
    type Error = ReferenceError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Tag> for String {
    fn from(t: Tag) -> String {
        t.0
    }
}

/// What a manifest URL names: `…/manifests/<tag>` or `…/manifests/<digest>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reference {
    Tag(Tag),
    Digest(Digest),
}

impl Reference {
    /// A reference containing `:` is a digest (tags cannot contain `:`), anything else a tag.
    pub fn parse(s: &str) -> Result<Self, ReferenceError> {
        if s.contains(':') { Ok(Self::Digest(Digest::parse(s)?)) } else { Ok(Self::Tag(Tag::parse(s)?)) }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tag(t) => t.fmt(f),
            Self::Digest(d) => d.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tags_and_digests() {
        assert!(matches!(Reference::parse("v1.0_rc-1"), Ok(Reference::Tag(_))));
        assert!(matches!(Reference::parse(&format!("sha256:{}", "a".repeat(64))), Ok(Reference::Digest(_))));
        assert!(Reference::parse("sha256:zz").is_err());
        assert!(Tag::parse(".hidden").is_err());
        assert!(Tag::parse("-x").is_err());
        assert!(Tag::parse(&"a".repeat(129)).is_err());
        assert!(Tag::parse(&"a".repeat(128)).is_ok());
        assert!(Tag::parse("..").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*") {
            let _ = Reference::parse(&s);
        }

        #[test]
        fn valid_tags_round_trip(s in "[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}") {
            let tag = Tag::parse(&s).unwrap();
            prop_assert_eq!(tag.as_str(), s.as_str());
        }
    }
}
