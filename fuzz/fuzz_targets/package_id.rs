//! `PackageId::parse`: never panics for any ecosystem; an accepted name keeps its spelling, its
//! identity key is itself a valid name with the same key, and ids are equal exactly when keys are.
#![no_main]

use arca_types::{Ecosystem, PackageId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    for ecosystem in Ecosystem::ALL {
        if let Ok(id) = PackageId::parse(ecosystem, s) {
            assert_eq!(id.as_str(), s);
            assert_eq!(id.to_string(), s);
            let key = PackageId::parse(ecosystem, id.normalized()).expect("the key is a valid name");
            assert_eq!(key.normalized(), id.normalized());
            assert_eq!(key, id);
            assert!(!s.contains(['\0', ' ', '%', '\\']), "{ecosystem}: {s:?}");
        }
    }
});
