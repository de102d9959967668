//! `arca_proto_maven::route::parse`: never panics on any method, path and query; every repository
//! it accepts is a valid repository name; every layout path it accepts renders canonically (no
//! `..`, `.`, `%`, `\` or empty segment) and parses back to itself, and the route class is stable;
//! matrix parameters (`;k=v`) are taken off the path: none is left in it, each has a key.
//! Input: the first byte picks the method, the rest is `path[?query]`.
#![no_main]

use arca_maven::MavenPath;
use arca_proto_maven::route::parse;
use arca_types::RepoName;
use http::Method;
use libfuzzer_sys::fuzz_target;

const METHODS: &[Method] = &[Method::GET, Method::HEAD, Method::PUT, Method::POST, Method::DELETE, Method::OPTIONS];

fuzz_target!(|data: &[u8]| {
    let Some((&m, rest)) = data.split_first() else { return };
    let Ok(target) = std::str::from_utf8(rest) else { return };
    let method = &METHODS[m as usize % METHODS.len()];
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let Ok(endpoint) = parse(method, path, query) else { return };
    assert!(matches!(*method, Method::GET | Method::HEAD | Method::PUT));
    let _ = endpoint.class();
    assert_eq!(RepoName::parse(endpoint.repository.as_str()).as_ref(), Ok(&endpoint.repository));
    assert!(endpoint.properties.iter().all(|(k, _)| !k.is_empty()));
    assert!(endpoint.properties.len() <= arca_maven::MAX_MATRIX_PARAMS);
    if let Ok(parsed) = &endpoint.path {
        assert!(!parsed.path().contains(';'));
        let canonical = parsed.path();
        assert!(canonical.split('/').all(|s| !s.is_empty() && s != "." && s != ".."), "{canonical:?}");
        assert!(!canonical.contains(['%', '\\']), "{canonical:?}");
        assert_eq!(MavenPath::parse(&canonical).as_ref(), Ok(parsed));
    }
});
