//! `arca_core::manifest::parse`: never panics on any body and Content-Type. Input: the first byte
//! picks the Content-Type (none, one of the known ones, or the text up to the first newline), the
//! rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TYPES: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
    "application/json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let (content_type, body) = match selector as usize {
        0 => (None, rest),
        i if i <= TYPES.len() => (Some(TYPES[i - 1].to_owned()), rest),
        _ => match rest.iter().position(|&b| b == b'\n') {
            Some(nl) => (Some(String::from_utf8_lossy(&rest[..nl]).into_owned()), &rest[nl + 1..]),
            None => (None, rest),
        },
    };
    if let Ok(m) = arca_core::manifest::parse(body, content_type.as_deref()) {
        assert!(!m.media_type.is_empty());
    }
});
