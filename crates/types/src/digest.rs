//! Content digests (`algorithm:hex`), as the OCI image spec defines them.

use std::fmt;
use std::str::FromStr;

/// The hash algorithms arca stores content under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DigestAlgorithm {
    Sha256,
    Sha512,
}

impl DigestAlgorithm {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    /// Length of the hex-encoded hash.
    pub const fn hex_len(self) -> usize {
        match self {
            Self::Sha256 => 64,
            Self::Sha512 => 128,
        }
    }

    pub fn parse(s: &str) -> Result<Self, DigestError> {
        match s {
            "sha256" => Ok(Self::Sha256),
            "sha512" => Ok(Self::Sha512),
            other if is_algorithm_syntax(other) => Err(DigestError::UnsupportedAlgorithm(other.to_owned())),
            _ => Err(DigestError::Malformed),
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("digest is not of the form algorithm:hex")]
    Malformed,
    #[error("digest algorithm {0:?} is not supported (use sha256 or sha512)")]
    UnsupportedAlgorithm(String),
    #[error("digest hex has the wrong length or is not lowercase hex")]
    BadEncoding,
}

/// A validated digest such as `sha256:e3b0…`. Always lowercase hex of the algorithm's exact length.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Digest {
    text: String,
    algorithm: DigestAlgorithm,
}

impl Digest {
    pub fn parse(s: &str) -> Result<Self, DigestError> {
        let (algo, hex) = s.split_once(':').ok_or(DigestError::Malformed)?;
        let algorithm = DigestAlgorithm::parse(algo)?;
        if hex.len() != algorithm.hex_len() || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(DigestError::BadEncoding);
        }
        Ok(Self { text: s.to_owned(), algorithm })
    }

    /// Builds a digest from raw hash output.
    pub fn from_hash(algorithm: DigestAlgorithm, hash: &[u8]) -> Self {
        debug_assert_eq!(hash.len() * 2, algorithm.hex_len());
        Self { text: format!("{algorithm}:{}", hex::encode(hash)), algorithm }
    }

    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    /// The hex part, after `algorithm:`.
    pub fn hex(&self) -> &str {
        &self.text[self.algorithm.as_str().len() + 1..]
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn is_algorithm_syntax(s: &str) -> bool {
    // algorithm-component ([+._-] algorithm-component)*, component = [a-z0-9]+
    !s.is_empty()
        && s.split(['+', '.', '_', '-'])
            .all(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.text)
    }
}

impl FromStr for Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Digest {
    type Error = DigestError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Digest> for String {
    fn from(d: Digest) -> Self {
        d.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EMPTY: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parses_sha256_and_exposes_parts() {
        let d = Digest::parse(EMPTY).unwrap();
        assert_eq!(d.algorithm(), DigestAlgorithm::Sha256);
        assert_eq!(d.hex().len(), 64);
        assert_eq!(d.to_string(), EMPTY);
    }

    #[test]
    fn rejects_bad_digests() {
        assert_eq!(Digest::parse("sha256"), Err(DigestError::Malformed));
        assert_eq!(Digest::parse("sha256:abc"), Err(DigestError::BadEncoding));
        assert_eq!(Digest::parse(&EMPTY.to_uppercase().replace("SHA256", "sha256")), Err(DigestError::BadEncoding));
        assert!(matches!(Digest::parse("md5:abcd"), Err(DigestError::UnsupportedAlgorithm(_))));
        assert_eq!(Digest::parse("SHA256:abcd"), Err(DigestError::Malformed));
        assert_eq!(Digest::parse(":"), Err(DigestError::Malformed));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*") {
            let _ = Digest::parse(&s);
        }

        #[test]
        fn round_trips(bytes in proptest::collection::vec(any::<u8>(), 32..=32)) {
            let d = Digest::from_hash(DigestAlgorithm::Sha256, &bytes);
            prop_assert_eq!(Digest::parse(d.as_str()).unwrap(), d);
        }

        #[test]
        fn round_trips_sha512(bytes in proptest::collection::vec(any::<u8>(), 64..=64)) {
            let d = Digest::from_hash(DigestAlgorithm::Sha512, &bytes);
            prop_assert_eq!(Digest::parse(d.as_str()).unwrap(), d);
        }
    }
}
