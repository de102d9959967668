//! RFC 3339 timestamps (UTC) to and from milliseconds since the Unix epoch, without a date library.

use crate::meta::Millis;
use arca_types::calendar;

/// `2026-11-22T10:00:00Z` (whole seconds, UTC) from milliseconds since the epoch.
pub fn rfc3339(millis: Millis) -> String {
    calendar::format_rfc3339(millis.div_euclid(1000))
}

/// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (`t` and a space are
/// accepted for `T`, `z` for `Z`); `None` if it is not such a timestamp.
pub fn parse_rfc3339(text: &str) -> Option<Millis> {
    calendar::parse_rfc3339(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_341_600_000), "2026-11-22T10:00:00Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn rfc3339_parses_back() {
        for millis in [0, 1_795_341_600_000, 951_782_400_000, -86_400_000, 4_102_444_799_000] {
            assert_eq!(parse_rfc3339(&rfc3339(millis)), Some(millis), "{millis}");
        }
        assert_eq!(parse_rfc3339("2026-11-22T10:00:00.25Z"), Some(1_795_341_600_250));
        assert_eq!(parse_rfc3339("2026-11-22T12:00:00+02:00"), Some(1_795_341_600_000));
        assert_eq!(parse_rfc3339("2026-11-22t09:30:00.5-00:30"), Some(1_795_341_600_500));
        for bad in [
            "",
            "2026-11-22",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-22T10:00:00",
            "2026-11-22T24:00:00Z",
            "2026-11-22T10:00:00.Z",
            "2026-11-22T10:00:00+0200",
            "x026-11-22T10:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
