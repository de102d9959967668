//! `arca_proto_pypi::route::parse`: never panics on any method, path and query; every repository it
//! accepts is a valid repository name, every project is in its PEP 503 form, every version PEP 440,
//! every file name passes the file-name check (no `/`, `\`, `..`, control characters; at most 255
//! bytes), and redirects stay on this server under `/pypi/`.
//! Input: the first byte picks the method, the rest is `path[?query]`.
#![no_main]

use arca_core::registry::generic::check_file_name;
use arca_proto_pypi::route::{Endpoint, normalize, parse};
use arca_types::{Pep440, RepoName};
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
        Endpoint::Project { project, .. } => assert_eq!(normalize(project).as_deref(), Ok(project.as_str())),
        Endpoint::Redirect { location, .. } => {
            assert!(location.starts_with("/pypi/") && !location.starts_with("//"), "{location:?}");
            assert!(!location.contains("..") && !location.contains(['\r', '\n']), "{location:?}");
        }
        Endpoint::File { project, version, file, .. } => {
            assert_eq!(normalize(project).as_deref(), Ok(project.as_str()));
            assert!(Pep440::parse(version).is_ok(), "{version:?}");
            assert!(check_file_name(file).is_ok() && !file.contains('/') && file.len() <= 255, "{file:?}");
        }
        Endpoint::Index { .. } | Endpoint::Upload { .. } => {}
    }
});
