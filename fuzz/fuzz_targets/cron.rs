//! `arca_core::retention::Schedule::parse` (a retention policy's `schedule`): never panics; an
//! accepted schedule prints to a text that parses back to it, and its next run after a time is a
//! matching whole minute strictly after it, with no matching minute just before.
//! Input: 8 bytes of time in milliseconds (little endian), then the expression.
#![no_main]

use arca_core::retention::Schedule;
use libfuzzer_sys::fuzz_target;

/// Times within ±3 million years: well inside the range `next_after` handles.
const BOUND: i64 = 100_000_000_000_000_000;

fuzz_target!(|data: &[u8]| {
    let Some((now, text)) = data.split_first_chunk::<8>() else { return };
    let now = i64::from_le_bytes(*now);
    let Ok(text) = std::str::from_utf8(text) else { return };
    let Ok(schedule) = Schedule::parse(text) else { return };
    assert_eq!(Schedule::parse(schedule.as_str()).as_ref(), Ok(&schedule));
    for now in [now, now % BOUND, 0, -1, 1_800_000_000_000, i64::MIN, i64::MAX] {
        let next = schedule.next_after(now);
        if (-BOUND..BOUND).contains(&now) {
            assert!(next > now, "{schedule} after {now} gave {next}");
            assert_eq!(next.rem_euclid(60_000), 0);
            assert!(schedule.matches(next));
            assert!(next - 60_000 <= now || !schedule.matches(next - 60_000), "{schedule} after {now} skipped a minute");
        }
    }
});
