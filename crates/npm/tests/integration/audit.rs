//! `npm audit` bulk bodies and OSV ranges in npm's notation.

use arca_npm::{BulkAdvisory, BulkRequest, Cvss, OsvEvent, Severity, osv_range_to_npm, render_bulk};
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;

#[test]
fn bulk_requests_are_read_and_bounded() {
    let m = BulkRequest::parse(br#"{"lodash":["4.17.20","4.17.21","4.17.20"],"@s/p":["1.0.0"]}"#).unwrap();
    assert_eq!(m["lodash"], ["4.17.20", "4.17.21"]);
    assert!(BulkRequest::parse(br#"{"a":"1.0.0"}"#).is_err());
    assert!(BulkRequest::parse(br#"{"a":[""]}"#).is_err());
    assert!(BulkRequest::parse(b"[]").is_err());
    let many = (0..1001).map(|i| format!("\"{i}.0.0\"")).collect::<Vec<_>>().join(",");
    assert!(BulkRequest::parse(format!(r#"{{"a":[{many}]}}"#).as_bytes()).is_err());
}

#[test]
fn bulk_answers_have_metavuln_calculators_shape() {
    let advisory = BulkAdvisory {
        id: 1_094_499,
        url: "https://github.com/advisories/GHSA-35jh-r3h4-6jhm".into(),
        title: "Command Injection in lodash".into(),
        severity: Severity::High,
        vulnerable_versions: "<4.17.21".into(),
        cwe: vec!["CWE-77".into()],
        cvss: Cvss { score: 7.2, vector_string: Some("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H".into()) },
    };
    let body = render_bulk(BTreeMap::from([("lodash".into(), vec![advisory]), ("clean".into(), vec![])]));
    assert_eq!(
        body,
        json!({"lodash": [{"id": 1_094_499, "url": "https://github.com/advisories/GHSA-35jh-r3h4-6jhm",
            "title": "Command Injection in lodash", "severity": "high", "vulnerable_versions": "<4.17.21",
            "cwe": ["CWE-77"], "cvss": {"score": 7.2, "vectorString": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}}]})
    );
}

#[test]
fn osv_events_become_npm_ranges() {
    use OsvEvent::*;
    let s = |v: &str| v.to_owned();
    assert_eq!(osv_range_to_npm(&[Introduced(s("1.0.0")), Fixed(s("1.2.3"))]), ">=1.0.0 <1.2.3");
    assert_eq!(osv_range_to_npm(&[Introduced(s("0")), Fixed(s("2.0.0"))]), "<2.0.0");
    assert_eq!(osv_range_to_npm(&[Introduced(s("0"))]), ">=0");
    assert_eq!(osv_range_to_npm(&[Introduced(s("1.0.0")), LastAffected(s("1.4.0"))]), ">=1.0.0 <=1.4.0");
    assert_eq!(
        osv_range_to_npm(&[
            Introduced(s("0")),
            Fixed(s("1.0.1")),
            Introduced(s("2.0.0")),
            Fixed(s("2.0.3")),
            Limit(s("3"))
        ]),
        "<1.0.1 || >=2.0.0 <2.0.3"
    );
    assert_eq!(osv_range_to_npm(&[]), "<0.0.0-0");
    for range in [">=1.0.0 <1.2.3", "<2.0.0", ">=0", "<1.0.1 || >=2.0.0 <2.0.3", "<0.0.0-0"] {
        assert!(arca_npm::is_semver_range(range), "{range} is a range npm reads");
    }
}

proptest! {
    #[test]
    fn bulk_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = BulkRequest::parse(&bytes);
    }
}
