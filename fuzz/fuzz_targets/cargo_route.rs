//! `arca_proto_cargo::route::parse`: never panics on any method, path and query; every repository
//! it accepts is a valid repository name, every crate name passes crates.io's rules, an index path
//! names a crate in lower case, requested at its prefix, and a search's page size is within bounds.
//! Input: the first byte picks the method, the rest is `path[?query]`.
#![no_main]

use arca_proto_cargo::route::{Endpoint, parse};
use arca_types::{Ecosystem, PackageId, RepoName};
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
    let _ = endpoint.class();
    let repo = endpoint.repository();
    assert_eq!(RepoName::parse(repo.as_str()).as_ref(), Ok(repo));
    match &endpoint {
        Endpoint::Index { name, .. } => {
            assert_eq!(name.as_str(), name.as_str().to_ascii_lowercase(), "index names are lower case");
            let at = arca_cargo::parse_index_path(&arca_cargo::index_path(name.as_str()));
            assert_eq!(at.as_ref().map(PackageId::as_str), Ok(name.as_str()), "the path cargo requests for it");
        }
        Endpoint::Download { name, .. } | Endpoint::Yank { name, .. } | Endpoint::Owners { name, .. } => {
            assert!(PackageId::parse(Ecosystem::Cargo, name.as_str()).is_ok(), "{name:?}");
        }
        Endpoint::Search { query, .. } => assert!((1..=arca_cargo::api::MAX_PER_PAGE).contains(&query.per_page)),
        Endpoint::Config { .. } | Endpoint::Publish { .. } => {}
    }
});
