//! Dist-tags that are semver ranges are refused, exactly as npm's node-semver `validRange` sees
//! them: the vectors were produced by npm 11.19.1's own semver (see tests/fixtures/README.md).

use crate::support::fixture;
use arca_npm::{is_semver_range, validate_dist_tag};
use proptest::prelude::*;

#[test]
fn agrees_with_node_semver_valid_range() {
    let vectors: Vec<(String, bool)> = serde_json::from_slice(&fixture("semver-valid-range.json")).unwrap();
    assert!(vectors.len() > 4000);
    // One known difference: node-semver refuses an X-range, tilde or caret whose computed upper
    // bound passes Number.MAX_SAFE_INTEGER (`9007199254740991` alone); here it is a range, which
    // only refuses more tags.
    let wrong: Vec<&(String, bool)> = vectors
        .iter()
        .filter(|(s, valid)| is_semver_range(s) != *valid)
        .filter(|(s, valid)| *valid || !s.contains("9007199254740991"))
        .collect();
    assert!(wrong.is_empty(), "{} disagreements, e.g. {:?}", wrong.len(), &wrong[..wrong.len().min(10)]);
}

#[test]
fn tags_npm_would_send_are_accepted_and_ranges_refused() {
    for ok in ["latest", "next", "beta", "canary-1", "rc1", "v", "next-1.x", "legacy", "release/2"] {
        assert!(validate_dist_tag(ok).is_ok(), "{ok}");
    }
    for bad in ["", "1.x", "1", "^1.2.3", "1.0.0", "*", "v1", "~1.2", " beta", "a b", "x"] {
        assert!(validate_dist_tag(bad).is_err(), "{bad:?}");
    }
}

proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,40}") {
        let _ = is_semver_range(&s);
        let _ = validate_dist_tag(&s);
    }
}
