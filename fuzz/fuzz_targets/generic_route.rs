//! `arca_proto_generic::route::parse`: never panics on any method, path and query; every name it
//! accepts is a valid OCI name with no traversal component, every version a valid tag, and every file
//! name passes the file-name check (no `/`, `\`, `..`, control characters; at most 255 bytes).
//! Input: the first byte picks the method, the rest is `path[?query]`.
#![no_main]

use arca_core::registry::generic::check_file_name;
use arca_proto_generic::route::{Endpoint, parse};
use arca_types::{OciName, Tag};
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
    let name = endpoint.name().to_string();
    assert_eq!(OciName::parse(&name).as_ref(), Ok(endpoint.name()));
    assert!(path.contains(&name), "name {name:?} is not spelled in the path {path:?}");
    for c in name.split('/') {
        assert!(!c.is_empty() && c != "." && c != ".." && !c.contains('%'), "{c:?} in {path:?}");
    }
    assert_eq!(Tag::parse(endpoint.version().as_str()).as_ref(), Ok(endpoint.version()));
    if let Endpoint::GetFile { file, .. } | Endpoint::PutFile { file, .. } | Endpoint::DeleteFile { file, .. } = &endpoint {
        assert!(check_file_name(file).is_ok(), "{file:?} from {path:?}");
        assert!(!file.contains('/') && !file.contains("..") && file.len() <= 255, "{file:?}");
    }
});
