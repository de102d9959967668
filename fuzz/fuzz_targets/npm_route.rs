//! `arca_proto_npm::route::parse`: never panics on any method, path and query; every repository it
//! accepts is a valid repository name, every package name passes npm's rules and has an OCI
//! spelling, and every tarball name is a plain file name.
//! Input: the first byte picks the method, the rest is `path[?query]`.
#![no_main]

use arca_proto_npm::route::{Endpoint, parse};
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
    let name = match &endpoint {
        Endpoint::Packument { name, .. }
        | Endpoint::Tarball { name, .. }
        | Endpoint::Publish { name, .. }
        | Endpoint::Unpublish { name, .. }
        | Endpoint::DistTags { name, .. }
        | Endpoint::SetDistTag { name, .. }
        | Endpoint::RemoveDistTag { name, .. } => Some(name),
        _ => None,
    };
    if let Some(name) = name {
        let id = PackageId::parse(Ecosystem::Npm, name).expect("an accepted name is an npm name");
        assert!(id.stored_name().is_ok(), "{name:?} has an OCI spelling");
    }
    if let Endpoint::Tarball { file, .. } = &endpoint {
        assert!(!file.contains('/') && !file.contains("..") && file.ends_with(".tgz"), "{file:?}");
    }
});
