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

    /// The calendar's own tests cover the arithmetic; this checks the milliseconds are passed through.
    #[test]
    fn milliseconds_round_trip_through_rfc3339() {
        assert_eq!(rfc3339(1_795_341_600_999), "2026-11-22T10:00:00Z");
        assert_eq!(parse_rfc3339("2026-11-22T10:00:00.25Z"), Some(1_795_341_600_250));
        assert_eq!(parse_rfc3339("2026-11-22"), None);
    }
}
