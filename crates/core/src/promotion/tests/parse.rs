//! Gate texts: what parses, its canonical text, and every way a text is refused.

use super::super::{Allowed, Gate, GateProblem, MAX_GATE_BYTES, Severity, Verdict, parse_gates};
use super::gate;
use crate::error::{Error, ErrorKind};
use crate::retention::Age;

#[test]
fn every_gate_parses_and_shows_as_written() {
    let cases = [
        ("signed", Gate::Signed { key: None }),
        ("signed=release-*", Gate::Signed { key: Some("release-*".into()) }),
        ("sbom", Gate::Sbom),
        ("provenance", Gate::Provenance { builder: None, source: None }),
        (
            "provenance=https://github.com/actions/runner/*",
            Gate::Provenance { builder: Some("https://github.com/actions/runner/*".into()), source: None },
        ),
        (
            "provenance=*,git+https://github.com/acme/*",
            Gate::Provenance { builder: Some("*".into()), source: Some("git+https://github.com/acme/*".into()) },
        ),
        ("max-severity=critical", Gate::MaxSeverity { at: Severity::Critical, allow: Vec::new() }),
        ("approvals=2", Gate::Approvals(2)),
        ("approvals=100", Gate::Approvals(100)),
        ("soak=24h", Gate::Soak(Age::parse("24h").unwrap())),
        ("signed=a=b", Gate::Signed { key: Some("a=b".into()) }),
    ];
    for (text, expected) in cases {
        let parsed = gate(text);
        assert_eq!((&parsed, parsed.to_string()), (&expected, text.to_owned()));
        assert_eq!(text.parse::<Gate>().unwrap(), expected);
    }
}

#[test]
fn an_allowlist_keeps_ids_and_expiries_as_written() {
    let text =
        "max-severity=high;allow=CVE-2024-1234@2027-01-01,GHSA-abcd-efgh-ijkl,RHSA-2024:1234@2027-02-01T12:00:00+01:00";
    let Gate::MaxSeverity { at, allow } = gate(text) else { panic!("not max-severity") };
    assert_eq!(at, Severity::High);
    let shown: Vec<(&str, Option<(i64, &str)>)> =
        allow.iter().map(|Allowed { id, until }| (id.as_str(), until.as_ref().map(|u| (u.at(), u.as_str())))).collect();
    assert_eq!(
        shown,
        [
            ("CVE-2024-1234", Some((1_798_761_600_000, "2027-01-01"))),
            ("GHSA-abcd-efgh-ijkl", None),
            ("RHSA-2024:1234", Some((1_801_479_600_000, "2027-02-01T12:00:00+01:00"))),
        ]
    );
    assert_eq!(gate(text).to_string(), text);
}

#[test]
fn canonical_text_lowers_severities_and_drops_padding() {
    for (text, canonical) in [
        ("  signed ", "signed"),
        ("max-severity=HIGH", "max-severity=high"),
        ("max-severity=moderate;allow=cve-1", "max-severity=medium;allow=cve-1"),
        ("approvals=007", "approvals=7"),
    ] {
        assert_eq!(gate(text).to_string(), canonical, "{text}");
    }
}

/// The problem of each refused text, as shown after "gate `<text>`: ".
#[test]
fn every_bad_gate_is_refused_with_what_is_wrong() {
    let known = "unknown gate; the gates are signed, sbom, provenance, max-severity=<severity>, approvals=<n>, \
                 soak=<duration>, cel=<expression>";
    let whitespace = "whitespace and control characters are not allowed in a gate";
    let severity_value = "`max-severity` needs a value: \
                          `max-severity=<low|medium|high|critical>[;allow=<advisory id>[@<expiry>],…]`";
    let cases = [
        ("", known),
        ("signd", known),
        ("Signed", known),
        ("=signed", known),
        ("sbom=spdx", "`sbom` takes no value"),
        ("sbom=", "`sbom` takes no value"),
        ("signed=", "the key id glob is empty"),
        ("signed=a b", whitespace),
        ("signed=a\u{7}", whitespace),
        ("provenance=", "the builder id glob is empty"),
        ("provenance=,github.com/*", "the builder id glob is empty"),
        ("provenance=b,", "the source repository glob is empty"),
        ("provenance=a,b,c", "expected `provenance=<builder id glob>[,<source repository glob>]`"),
        ("max-severity", severity_value),
        ("max-severity=", severity_value),
        ("max-severity=severe", "unknown severity `severe`: expected low, medium, high or critical"),
        ("max-severity=;allow=CVE-1", "unknown severity ``: expected low, medium, high or critical"),
        ("max-severity=high;deny=CVE-1", "unknown option `deny=CVE-1`: expected `allow=<ids>`"),
        ("max-severity=high;", "unknown option ``: expected `allow=<ids>`"),
        ("max-severity=high;allow=", "`allow=` lists no advisory id"),
        ("max-severity=high;allow=CVE-1,", "`` is not an advisory id (letters, digits and - _ . : /) in `allow=`"),
        ("max-severity=high;allow=CVE#1", "`CVE#1` is not an advisory id (letters, digits and - _ . : /) in `allow=`"),
        (
            "max-severity=high;allow=a;allow=b",
            "`a;allow=b` is not an advisory id (letters, digits and - _ . : /) in `allow=`",
        ),
        ("max-severity=high;allow=CVE-1@", "`` is not an expiry date (YYYY-MM-DD or RFC 3339)"),
        ("max-severity=high;allow=CVE-1@2027-13-01", "`2027-13-01` is not an expiry date (YYYY-MM-DD or RFC 3339)"),
        ("max-severity=high;allow=CVE-1@tomorrow", "`tomorrow` is not an expiry date (YYYY-MM-DD or RFC 3339)"),
        ("max-severity=high;allow=CVE-1,cve-1@2027-01-01", "`cve-1` is allowlisted twice"),
        ("max-severity=high;allow=CVE-1, CVE-2", whitespace),
        ("approvals", "`approvals` needs a value: `approvals=<n>`"),
        ("approvals=0", "`0` is not a number of approvals from 1 to 100"),
        ("approvals=101", "`101` is not a number of approvals from 1 to 100"),
        ("approvals=+1", "`+1` is not a number of approvals from 1 to 100"),
        ("approvals=1.5", "`1.5` is not a number of approvals from 1 to 100"),
        ("approvals=99999999999", "`99999999999` is not a number of approvals from 1 to 100"),
        ("soak", "`soak` needs a value: `soak=<duration>`"),
        (
            "soak=1y",
            "`1y` is not a duration: expected a whole number and a unit s, m, h, d or w (\"7d\", \"12h\", \"30m\")",
        ),
        ("soak=36501d", "`36501d` is not a duration: at most 100 years (36500d) is allowed"),
        ("cel", "`cel` needs an expression: `cel=<expression>`"),
        ("cel= ", "`cel` needs an expression: `cel=<expression>`"),
        ("cel=", "`cel` needs an expression: `cel=<expression>`"),
        (
            "cel=a ==",
            "the expression does not parse: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', \
             'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER} (at 1:5)",
        ),
    ];
    for (text, problem) in cases {
        let error = Gate::parse(text).unwrap_err();
        assert_eq!(error.to_string(), format!("gate `{text}`: {problem}"), "{text:?}");
        assert_eq!(error.text(), text);
    }
}

#[test]
fn a_bad_gate_is_an_invalid_request_for_the_api() {
    let error = Gate::parse("cel=true &&").unwrap_err();
    assert!(matches!(error.problem(), GateProblem::Cel(_)), "{error}");
    assert_eq!(Error::from(error).kind, ErrorKind::InvalidRequest);
    let error = Error::from(Gate::parse("signd").unwrap_err());
    assert_eq!(error.kind, ErrorKind::InvalidRequest);
    assert!(error.message.starts_with("gate `signd`: unknown gate"), "{}", error.message);
}

#[test]
fn a_long_gate_is_refused_and_shown_cut() {
    let text = format!("signed={}", "é".repeat(MAX_GATE_BYTES));
    let error = Gate::parse(&text).unwrap_err();
    assert_eq!(error.problem(), &GateProblem::TooLong { len: MAX_GATE_BYTES * 2 + 7 });
    assert_eq!(error.text(), format!("signed={}…", "é".repeat(93)));
    let longest = format!("signed={}", "k".repeat(MAX_GATE_BYTES - 7));
    assert_eq!(gate(&longest).to_string(), longest);
}

#[test]
fn a_gate_may_have_several_values_and_repeats_count_once() {
    let texts = |list: &[&str]| list.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>();
    let gates = parse_gates(&texts(&["soak=1d", "signed", "approvals=2", "max-severity=high"])).unwrap();
    let names: Vec<&str> = gates.iter().map(Gate::name).collect();
    assert_eq!(names, ["soak", "signed", "approvals", "max-severity"]);
    assert_eq!(parse_gates(&[]).unwrap(), []);

    let gates = parse_gates(&texts(&["signed=a*", "sbom", "signed=b*", "sbom"])).unwrap();
    let shown: Vec<String> = gates.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["signed=a*", "sbom", "signed=b*"], "both keys must sign; sbom once");
    let error = parse_gates(&texts(&["sbom", "approvals=0"])).unwrap_err();
    assert_eq!(error.text(), "approvals=0");
}

#[test]
fn severities_order_and_read_osv_labels() {
    assert!(
        Severity::Low < Severity::Medium && Severity::Medium < Severity::High && Severity::High < Severity::Critical
    );
    for severity in Severity::ALL {
        assert_eq!(Severity::parse(severity.as_str()), Some(severity));
        assert_eq!(Severity::parse(&severity.as_str().to_uppercase()), Some(severity));
    }
    assert_eq!(Severity::parse("MODERATE"), Some(Severity::Medium));
    assert_eq!(Severity::parse("unknown"), None);
    assert_eq!(Severity::parse(""), None);

    assert_eq!(serde_json::to_string(&Severity::Critical).unwrap(), r#""critical""#);
    let read: Vec<Severity> = serde_json::from_str(r#"["low","MODERATE","High","critical"]"#).unwrap();
    assert_eq!(read, Severity::ALL);
    let error = serde_json::from_str::<Severity>(r#""none""#).unwrap_err().to_string();
    assert!(error.contains("unknown severity `none`"), "{error}");
}

#[test]
fn verdicts_are_json_objects() {
    let verdict = Verdict { gate: "sbom".into(), passed: false, reason: "no SBOM refers to the version".into() };
    let json = serde_json::to_value(&verdict).unwrap();
    assert_eq!(json, serde_json::json!({ "gate": "sbom", "passed": false, "reason": "no SBOM refers to the version" }));
    assert_eq!(serde_json::from_value::<Verdict>(json).unwrap(), verdict);
}
