//! Single byte ranges (`Range: bytes=…`) and chunk ranges (`Content-Range: a-b`).

/// A parsed single range, not yet resolved against a size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeSpec {
    /// `bytes=a-b`
    FromTo(u64, u64),
    /// `bytes=a-`
    From(u64),
    /// `bytes=-n`: the last n bytes.
    Suffix(u64),
}

/// A resolved, satisfiable range: `start..=end` inside the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    /// Inclusive.
    pub end: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("range is not of the form bytes=a-b, bytes=a- or bytes=-n")]
    Malformed,
    #[error("range cannot be satisfied")]
    Unsatisfiable,
}

impl RangeSpec {
    /// Parses a `Range` header value with exactly one range.
    pub fn parse_header(value: &str) -> Result<Self, RangeError> {
        let spec = value.trim().strip_prefix("bytes=").ok_or(RangeError::Malformed)?;
        let (a, b) = spec.trim().split_once('-').ok_or(RangeError::Malformed)?;
        match (a.trim(), b.trim()) {
            ("", "") => Err(RangeError::Malformed),
            ("", n) => Ok(Self::Suffix(number(n)?)),
            (a, "") => Ok(Self::From(number(a)?)),
            (a, b) => Ok(Self::FromTo(number(a)?, number(b)?)),
        }
    }

    /// Resolves against a resource of `size` bytes (RFC 9110 §14.1.2). An inverted range (`500-0`),
    /// a start at or past the end, and any range of an empty resource are unsatisfiable.
    pub fn resolve(self, size: u64) -> Result<ByteRange, RangeError> {
        if size == 0 {
            return Err(RangeError::Unsatisfiable);
        }
        let (start, end) = match self {
            Self::FromTo(a, b) if a > b => return Err(RangeError::Unsatisfiable),
            Self::FromTo(a, b) => (a, b.min(size - 1)),
            Self::From(a) => (a, size - 1),
            Self::Suffix(0) => return Err(RangeError::Unsatisfiable),
            Self::Suffix(n) => (size.saturating_sub(n), size - 1),
        };
        if start >= size {
            return Err(RangeError::Unsatisfiable);
        }
        Ok(ByteRange { start, end })
    }
}

impl ByteRange {
    pub fn len(&self) -> u64 {
        self.end - self.start + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Parses an upload chunk's `Content-Range: <start>-<end>` (inclusive; the OCI spec's form, with an
    /// optional `bytes ` prefix and `/total` suffix that some clients send).
    pub fn parse_content_range(value: &str) -> Result<Self, RangeError> {
        let v = value.trim();
        let v = v.strip_prefix("bytes ").or_else(|| v.strip_prefix("bytes=")).unwrap_or(v);
        let v = v.split_once('/').map_or(v, |(r, _)| r);
        let (a, b) = v.split_once('-').ok_or(RangeError::Malformed)?;
        let (start, end) = (number(a.trim())?, number(b.trim())?);
        // `end == u64::MAX` would make the length overflow (found by fuzzing); no chunk is that large.
        if end < start || end == u64::MAX {
            return Err(RangeError::Malformed);
        }
        Ok(Self { start, end })
    }
}

fn number(s: &str) -> Result<u64, RangeError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RangeError::Malformed);
    }
    s.parse().map_err(|_| RangeError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn r(h: &str, size: u64) -> Result<(u64, u64), RangeError> {
        RangeSpec::parse_header(h)?.resolve(size).map(|r| (r.start, r.end))
    }

    #[test]
    fn conformance_range_cases() {
        assert_eq!(r("bytes=500-1499", 3000), Ok((500, 1499)));
        assert_eq!(r("bytes=500-", 3000), Ok((500, 2999)));
        assert_eq!(r("bytes=-500", 3000), Ok((2500, 2999)));
        assert_eq!(r("bytes=2000-5000", 3000), Ok((2000, 2999)));
        assert_eq!(r("bytes=500-0", 3000), Err(RangeError::Unsatisfiable));
        assert_eq!(r("bytes=5000-10000", 3000), Err(RangeError::Unsatisfiable));
        assert_eq!(r("bytes=-5000", 3000), Ok((0, 2999)));
        assert_eq!(r("bytes=0-0", 0), Err(RangeError::Unsatisfiable));
        assert_eq!(r("bytes=1-2,4-5", 10), Err(RangeError::Malformed));
        assert_eq!(r("items=1-2", 10), Err(RangeError::Malformed));
    }

    #[test]
    fn content_range_forms() {
        assert_eq!(ByteRange::parse_content_range("0-99"), Ok(ByteRange { start: 0, end: 99 }));
        assert_eq!(ByteRange::parse_content_range("bytes 100-199/*"), Ok(ByteRange { start: 100, end: 199 }));
        assert_eq!(ByteRange::parse_content_range("9-1"), Err(RangeError::Malformed));
        assert_eq!(ByteRange::parse_content_range("+1-2"), Err(RangeError::Malformed));
        assert_eq!(ByteRange::parse_content_range("0-18446744073709551615"), Err(RangeError::Malformed));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*", size in any::<u64>()) {
            if let Ok(spec) = RangeSpec::parse_header(&s) { let _ = spec.resolve(size); }
            if let Ok(r) = ByteRange::parse_content_range(&s) { let _ = r.len(); }
        }

        #[test]
        fn resolved_ranges_lie_inside(a in 0u64..10_000, b in 0u64..10_000, size in 0u64..10_000) {
            for spec in [RangeSpec::FromTo(a, b), RangeSpec::From(a), RangeSpec::Suffix(b)] {
                if let Ok(range) = spec.resolve(size) {
                    prop_assert!(range.start <= range.end && range.end < size);
                }
            }
        }
    }
}
