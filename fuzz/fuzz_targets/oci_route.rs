//! `arca_proto_oci::route::parse`: never panics on any method, path and query; every name it accepts
//! is a valid OCI name with no traversal component, whatever the spelling of the path.
//! Input: the first byte picks the method, the rest is `path[?query]`.
#![no_main]

use arca_proto_oci::route::{Endpoint, parse};
use arca_types::OciName;
use http::Method;
use libfuzzer_sys::fuzz_target;

const METHODS: &[Method] =
    &[Method::GET, Method::HEAD, Method::PUT, Method::POST, Method::PATCH, Method::DELETE, Method::OPTIONS];

fuzz_target!(|data: &[u8]| {
    let Some((&m, rest)) = data.split_first() else { return };
    let Ok(target) = std::str::from_utf8(rest) else { return };
    let method = &METHODS[m as usize % METHODS.len()];
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let Ok(endpoint) = parse(method, path, query) else { return };
    let _ = endpoint.class();
    if let Some(name) = endpoint.name() {
        let text = name.to_string();
        assert_eq!(OciName::parse(&text).as_ref(), Ok(name));
        assert!(path.contains(&text), "name {text:?} is not spelled in the path {path:?}");
        for c in text.split('/') {
            assert!(!c.is_empty() && c != "." && c != ".." && !c.contains('%'), "{c:?} in {path:?}");
        }
    }
    if let Endpoint::StartUpload { from: Some(from), .. } = &endpoint {
        assert!(from.to_string().split('/').all(|c| c != ".." && c != "."));
    }
});
