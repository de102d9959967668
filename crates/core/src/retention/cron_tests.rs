use super::{CronError, Schedule, civil_from_days, days_from_civil, weekday};
use crate::meta::Millis;
use crate::time::rfc3339;
use proptest::prelude::*;

/// Milliseconds of a UTC date and time.
fn at(year: i64, month: i64, day: i64, hour: i64, minute: i64) -> Millis {
    (days_from_civil(year, month, day) * 1_440 + hour * 60 + minute) * 60_000
}

fn next(schedule: &str, now: Millis) -> String {
    rfc3339(Schedule::parse(schedule).unwrap().next_after(now))
}

#[test]
fn civil_dates_and_weekdays_round_trip() {
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(weekday(0), 4, "1970-01-01 was a Thursday");
    assert_eq!(weekday(days_from_civil(2024, 1, 1)), 1, "2024-01-01 was a Monday");
    assert_eq!(weekday(days_from_civil(1969, 12, 28)), 0, "1969-12-28 was a Sunday");
    for day in (-800_000..800_000).step_by(997) {
        let (y, m, d) = civil_from_days(day);
        assert_eq!(days_from_civil(y, m, d), day);
    }
}

#[test]
fn daily_at_three() {
    let now = at(2026, 3, 10, 12, 0);
    assert_eq!(next("0 3 * * *", now), "2026-03-11T03:00:00Z");
    assert_eq!(next("0 3 * * *", at(2026, 3, 10, 2, 59) + 59_999), "2026-03-10T03:00:00Z");
    // Strictly after: exactly at a matching minute gives the next one.
    assert_eq!(next("0 3 * * *", at(2026, 3, 10, 3, 0)), "2026-03-11T03:00:00Z");
    assert_eq!(next("0 3 * * *", at(2026, 12, 31, 3, 0)), "2027-01-01T03:00:00Z");
}

#[test]
fn steps_lists_and_ranges() {
    let now = at(2026, 3, 10, 12, 7) + 30_000;
    assert_eq!(next("*/15 * * * *", now), "2026-03-10T12:15:00Z");
    assert_eq!(next("* * * * *", now), "2026-03-10T12:08:00Z");
    assert_eq!(next("1-30/5 * * * *", now), "2026-03-10T12:11:00Z");
    assert_eq!(next("5,50 9-17 * * *", now), "2026-03-10T12:50:00Z");
    assert_eq!(next("0 9-17/4 * * *", now), "2026-03-10T13:00:00Z");
    assert_eq!(next("0 0 1 jan,Jul *", now), "2026-07-01T00:00:00Z");
}

#[test]
fn weekdays_seven_and_zero_are_sunday() {
    // 2026-03-10 is a Tuesday.
    let now = at(2026, 3, 10, 12, 0);
    for dow in ["0", "7", "sun", "SUN", "6-7"] {
        let expected = if dow == "6-7" { "2026-03-14T00:00:00Z" } else { "2026-03-15T00:00:00Z" };
        assert_eq!(next(&format!("0 0 * * {dow}"), now), expected, "{dow}");
    }
    assert_eq!(next("0 8 * * mon-fri", at(2026, 3, 13, 9, 0)), "2026-03-16T08:00:00Z");
}

#[test]
fn restricted_day_of_month_and_day_of_week_match_either() {
    // The 20th (a Friday) or any Monday, from Tuesday 2026-03-10.
    let now = at(2026, 3, 10, 12, 0);
    assert_eq!(next("0 0 20 * 1", now), "2026-03-16T00:00:00Z");
    assert_eq!(next("0 0 11 * 1", now), "2026-03-11T00:00:00Z");
    // A day field starting with `*` is unrestricted: both must match (a Monday on an odd day).
    assert_eq!(next("0 0 */2 * 1", now), "2026-03-23T00:00:00Z");
    assert_eq!(next("0 0 * * 1", now), "2026-03-16T00:00:00Z");
}

#[test]
fn leap_day_is_found_years_ahead() {
    assert_eq!(next("0 0 29 2 *", at(2025, 1, 1, 0, 0)), "2028-02-29T00:00:00Z");
    assert_eq!(next("0 0 29 2 *", at(2096, 3, 1, 0, 0)), "2104-02-29T00:00:00Z");
    // Feb 29 on a Sunday, with `*/7` making day-of-week a filter (and): 2032 is the next.
    assert_eq!(next("0 0 29 2 */7", at(2026, 1, 1, 0, 0)), "2032-02-29T00:00:00Z");
}

#[test]
fn extreme_times_do_not_overflow() {
    let s = Schedule::parse("59 23 31 12 *").unwrap();
    assert!(s.next_after(Millis::MAX) > 0);
    assert!(s.next_after(Millis::MIN) < 0);
    assert!(!s.matches(Millis::MIN));
}

#[test]
fn schedules_that_never_match_are_refused() {
    for text in ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30-31 feb *"] {
        let e = Schedule::parse(text).unwrap_err();
        assert!(matches!(e, CronError::NeverMatches { .. }), "{text}: {e}");
        assert!(e.to_string().contains("never matches"), "{e}");
    }
    // Either day field can match when both are restricted: Feb 31 or any Monday.
    assert!(Schedule::parse("0 0 31 2 1").is_ok());
}

#[test]
fn malformed_fields_are_named() {
    let cases = [
        ("0 3 * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4"),
        ("0 3 * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 6"),
        ("60 * * * *", "minute field `60`: 60 is out of range 0-59"),
        ("* 24 * * *", "hour field `24`: 24 is out of range 0-23"),
        ("* * 0 * *", "day-of-month field `0`: 0 is out of range 1-31"),
        ("* * * 13 *", "month field `13`: 13 is out of range 1-12"),
        ("* * * * 8", "day-of-week field `8`: 8 is out of range 0-7"),
        ("*/0 * * * *", "minute field `*/0`: the step in `*/0` must be 1 or more"),
        ("5/10 * * * *", "minute field `5/10`: a step needs `*` or a range: write `5-59/…`"),
        ("5-1 * * * *", "minute field `5-1`: the range `5-1` goes backwards"),
        ("1,,2 * * * *", "minute field `1,,2`: an empty value (a stray `,` or `-`?)"),
        ("x * * * *", "minute field `x`: `x` is not a number"),
        ("+5 * * * *", "minute field `+5`: `+5` is not a number"),
        ("* * * foo *", "month field `foo`: `foo` is not a number"),
    ];
    for (text, message) in cases {
        assert_eq!(Schedule::parse(text).unwrap_err().to_string(), message, "{text}");
    }
}

#[test]
fn text_is_normalized_to_single_spaces() {
    assert_eq!(Schedule::parse("  0\t3  * * * ").unwrap().as_str(), "0 3 * * *");
}

/// One field for the property tests: its text, its values, and whether it starts with `*`.
fn field(min: u32, max: u32) -> impl Strategy<Value = (String, Vec<u32>, bool)> {
    prop_oneof![
        Just(("*".to_owned(), (min..=max).collect(), true)),
        (1..=max).prop_map(move |s| (format!("*/{s}"), (min..=max).step_by(s as usize).collect(), true)),
        prop::collection::btree_set(min..=max, 1..4).prop_map(|set| {
            let text = set.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            (text, set.into_iter().collect(), false)
        }),
        (min..=max, min..=max, 1..4u32).prop_map(|(a, b, s)| {
            let (a, b) = (a.min(b), a.max(b));
            (format!("{a}-{b}/{s}"), (a..=b).step_by(s as usize).collect(), false)
        }),
    ]
}

/// Whether the minute at `t` matches the fields, read from an RFC 3339 rendering of `t` (a calendar
/// independent of the one under test) and Zeller's congruence for the weekday.
fn reference_matches(fields: &[(String, Vec<u32>, bool)], t: Millis) -> bool {
    let text = rfc3339(t);
    let num = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap();
    let (year, month, day, hour, minute) = (num(0..4), num(5..7), num(8..10), num(11..13), num(14..16));
    let (m, y) = if month < 3 { (month + 12, year - 1) } else { (month, year) };
    let zeller = (day + 13 * (m + 1) / 5 + y + y / 4 - y / 100 + y / 400) % 7; // 0 = Saturday
    let weekday = (zeller + 6) % 7;
    let has = |i: usize, v: u32| fields[i].1.contains(&v) || (i == 4 && v == 0 && fields[4].1.contains(&7));
    let by_date = has(2, day);
    let by_weekday = has(4, weekday);
    let day_ok = if fields[2].2 || fields[4].2 { by_date && by_weekday } else { by_date || by_weekday };
    has(0, minute) && has(1, hour) && has(3, month) && day_ok
}

proptest! {
    #[test]
    fn next_after_is_the_first_matching_minute_after_now(
        fields in (field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 7)),
        now in at(1990, 1, 1, 0, 0)..at(2200, 1, 1, 0, 0),
    ) {
        let fields = [fields.0, fields.1, fields.2, fields.3, fields.4];
        let text = fields.iter().map(|f| f.0.as_str()).collect::<Vec<_>>().join(" ");
        let schedule = match Schedule::parse(&text) {
            Ok(s) => s,
            Err(CronError::NeverMatches { .. }) => return Ok(()),
            Err(e) => panic!("{text}: {e}"),
        };
        let next = schedule.next_after(now);
        prop_assert!(next > now);
        prop_assert_eq!(next % 60_000, 0);
        prop_assert!(schedule.matches(next));
        prop_assert!(reference_matches(&fields, next), "{} at {}", text, rfc3339(next));
        // No earlier minute matches, scanning up to three days.
        let first = (now.div_euclid(60_000) + 1) * 60_000;
        let scan_end = first + 3 * 86_400_000;
        let brute = (first..scan_end).step_by(60_000).find(|&t| reference_matches(&fields, t));
        match brute {
            Some(t) => prop_assert_eq!(next, t, "{} from {}", text, rfc3339(now)),
            None => prop_assert!(next >= scan_end),
        }
    }
}
