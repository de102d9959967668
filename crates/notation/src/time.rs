//! RFC 3339 timestamps (`io.cncf.notary.signingTime`/`expiry` in JWS) to Unix seconds. Fractional
//! seconds are truncated.

/// Parses `2024-06-18T17:08:35+08:00` / `…Z` / `…​.123Z` into Unix seconds; `None` if malformed
/// (the date and time must be joined by `T`).
pub(crate) fn parse_rfc3339(s: &str) -> Option<i64> {
    if s.as_bytes().get(10) == Some(&b' ') {
        return None;
    }
    arca_types::calendar::parse_rfc3339(s).map(|millis| millis.div_euclid(1000))
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339;

    #[test]
    fn parses_offsets_and_fractions() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2024-06-18T17:08:35+08:00"), Some(1_718_701_715));
        assert_eq!(parse_rfc3339("2024-06-18T09:08:35.999Z"), Some(1_718_701_715));
        assert_eq!(parse_rfc3339("2024-02-30T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2024-06-18 09:08:35Z"), None);
        assert_eq!(parse_rfc3339("2024-06-18T09:08:35+8:00"), None);
    }
}
