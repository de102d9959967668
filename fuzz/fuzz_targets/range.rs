//! `RangeSpec::parse_header` + `resolve`: never panic; a resolved range lies inside the resource.
//! Input: 8 bytes of resource size (little endian), then the header value.
#![no_main]

use arca_types::RangeSpec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((size, header)) = data.split_first_chunk::<8>() else { return };
    let size = u64::from_le_bytes(*size);
    let Ok(header) = std::str::from_utf8(header) else { return };
    let Ok(spec) = RangeSpec::parse_header(header) else { return };
    for size in [size, size % 4096, 0, 1, u64::MAX] {
        if let Ok(r) = spec.resolve(size) {
            assert!(r.start <= r.end && r.end < size, "{spec:?} on {size} bytes gave {r:?}");
            assert_eq!(r.len(), r.end - r.start + 1);
        }
    }
});
