//! Each gate passing and failing on a version's facts, and the reason it gives.

use super::super::evaluate::{listed, span};
use super::super::{
    Approval, Facts, Finding, Severity, Verdict, VerifiedProvenance, VerifiedSignature, evaluate, parse_gates,
};
use super::{HOUR, NOW, facts, judge};

fn signed_by(keys: &[&str]) -> Facts {
    Facts { signatures: keys.iter().map(|k| VerifiedSignature { key_id: (*k).into() }).collect(), ..facts() }
}

fn built(provenance: &[(&str, Option<&str>)]) -> Facts {
    let provenance = (provenance.iter())
        .map(|(builder, source)| VerifiedProvenance {
            builder_id: (*builder).into(),
            source_repository: source.map(Into::into),
        })
        .collect();
    Facts { provenance, ..facts() }
}

fn scanned(findings: &[(&str, Severity)]) -> Facts {
    let findings = findings.iter().map(|(id, severity)| Finding { id: (*id).into(), severity: *severity }).collect();
    Facts { findings, scanned: true, ..facts() }
}

fn approved_by(principals: &[&str]) -> Facts {
    let approvals = principals.iter().map(|p| Approval { principal: (*p).into(), at: NOW - HOUR }).collect();
    Facts { approvals, ..facts() }
}

fn arrived(ago: i64) -> Facts {
    Facts { arrived_at: Some(NOW - ago), ..facts() }
}

#[test]
fn signed_needs_a_verified_signature_by_a_matching_key() {
    assert_eq!(judge("signed", &facts()), (false, "no signature verified by a trust root".into()));
    assert_eq!(judge("signed=ci-*", &facts()), (false, "no signature verified by a trust root".into()));
    let keys = signed_by(&["ci-2026", "alice", "ci-2026"]);
    assert_eq!(judge("signed", &keys), (true, "signed by `ci-2026`, `alice`, verified by a trust root".into()));
    assert_eq!(
        judge("signed=ci-*", &keys),
        (true, "signed by `ci-2026`, verified by a trust root, matching `ci-*`".into())
    );
    assert_eq!(
        judge("signed=release-?", &keys),
        (false, "no key matching `release-?` signed it (verified signatures by `ci-2026`, `alice`)".into())
    );
}

#[test]
fn sbom_needs_an_sbom_referrer() {
    assert_eq!(judge("sbom", &facts()), (false, "no SBOM refers to the version".into()));
    let sboms =
        Facts { sboms: vec!["application/spdx+json".into(), "application/vnd.cyclonedx+json".into()], ..facts() };
    assert_eq!(
        judge("sbom", &sboms),
        (true, "SBOM present: `application/spdx+json`, `application/vnd.cyclonedx+json`".into())
    );
}

#[test]
fn provenance_needs_a_matching_builder_and_source() {
    const GHA: &str = "https://github.com/actions/runner/github-hosted";
    let none = "no SLSA provenance verified by a trust root".to_owned();
    assert_eq!(judge("provenance", &facts()), (false, none.clone()));
    assert_eq!(judge("provenance=*", &facts()), (false, none));

    let one = built(&[(GHA, Some("git+https://github.com/acme/app@refs/heads/main"))]);
    let from = "from `git+https://github.com/acme/app@refs/heads/main`";
    assert_eq!(judge("provenance", &one), (true, format!("verified provenance built by `{GHA}` {from}")));
    assert_eq!(
        judge("provenance=https://github.com/actions/*", &one),
        (true, format!("verified provenance built by `{GHA}` (matches `https://github.com/actions/*`) {from}"))
    );
    assert_eq!(
        judge("provenance=*,git+https://github.com/acme/*", &one),
        (
            true,
            format!(
                "verified provenance built by `{GHA}` (matches `*`) {from} (matches `git+https://github.com/acme/*`)"
            )
        )
    );
    assert_eq!(
        judge("provenance=https://gitlab.com/*", &one),
        (false, format!("no verified provenance matches: builder `{GHA}` does not match `https://gitlab.com/*`"))
    );
    assert_eq!(
        judge("provenance=*,git+https://github.com/evil/*", &one),
        (
            false,
            "no verified provenance matches: source `git+https://github.com/acme/app@refs/heads/main` does not \
             match `git+https://github.com/evil/*`"
                .into()
        )
    );
    let unsourced = built(&[("jenkins", None), ("jenkins", None), (GHA, Some("x"))]);
    assert_eq!(
        judge("provenance=jenkins,*", &unsourced),
        (
            false,
            format!(
                "no verified provenance matches: built by `jenkins` with no source repository, builder `{GHA}` \
                 does not match `jenkins`"
            )
        )
    );
    assert_eq!(
        judge("provenance=jenkins", &unsourced),
        (true, "verified provenance built by `jenkins` (matches `jenkins`)".into())
    );
}

#[test]
fn max_severity_blocks_findings_at_or_above_it() {
    assert_eq!(judge("max-severity=critical", &facts()), (false, "no scan result".into()));
    assert_eq!(judge("max-severity=low", &scanned(&[])), (true, "no finding at or above low".into()));
    let found = scanned(&[("CVE-1", Severity::Medium), ("CVE-2", Severity::High), ("CVE-3", Severity::Critical)]);
    assert_eq!(
        judge("max-severity=critical", &found),
        (false, "1 finding at or above critical: CVE-3 (critical)".into())
    );
    assert_eq!(
        judge("max-severity=high", &found),
        (false, "2 findings at or above high: CVE-3 (critical), CVE-2 (high)".into())
    );
    let below = scanned(&[("CVE-1", Severity::Medium), ("CVE-4", Severity::Low)]);
    assert_eq!(judge("max-severity=high", &below), (true, "no finding at or above high".into()));
}

#[test]
fn max_severity_lists_five_findings_each_once() {
    let many: Vec<(String, Severity)> = (1..=9).map(|i| (format!("CVE-{i}"), Severity::High)).collect();
    let mut findings: Vec<(&str, Severity)> = many.iter().map(|(id, s)| (id.as_str(), *s)).collect();
    findings.push(("cve-1", Severity::Critical));
    assert_eq!(
        judge("max-severity=high", &scanned(&findings)).1,
        "9 findings at or above high: cve-1 (critical), CVE-2 (high), CVE-3 (high), CVE-4 (high), CVE-5 (high) \
         and 4 more"
    );
}

#[test]
fn an_allowlist_lets_findings_through_until_it_expires() {
    let found = scanned(&[("CVE-1", Severity::Critical), ("GHSA-x", Severity::High), ("CVE-2", Severity::Low)]);
    let gate = |allow: &str| format!("max-severity=high;allow={allow}");
    assert_eq!(
        judge(&gate("cve-1,GHSA-x@2027-01-16"), &found),
        (true, "no finding at or above high; allowlisted: CVE-1 (critical), GHSA-x (high, until 2027-01-16)".into())
    );
    assert_eq!(
        judge(&gate("CVE-1@2027-01-15,GHSA-x@2027-01-15T08:00:00.001Z"), &found),
        (
            false,
            "1 finding at or above high: CVE-1 (critical); allowlist entries expired: CVE-1 (expired 2027-01-15); \
             allowlisted: GHSA-x (high, until 2027-01-15T08:00:00.001Z)"
                .into()
        )
    );
    // Expired at the very millisecond it names.
    assert!(!judge(&gate("CVE-1,GHSA-x@2027-01-15T08:00:00Z"), &found).0);
    assert_eq!(
        judge(&gate("CVE-2,CVE-9"), &found),
        (false, "2 findings at or above high: CVE-1 (critical), GHSA-x (high)".into())
    );
}

#[test]
fn approvals_count_distinct_principals() {
    assert_eq!(judge("approvals=2", &facts()), (false, "no approvals; 2 required".into()));
    assert_eq!(
        judge("approvals=2", &approved_by(&["alice", "alice"])),
        (false, "approved by `alice`: 1 of 2 required approvals, 1 missing".into())
    );
    assert_eq!(
        judge("approvals=2", &approved_by(&["alice", "bob", "alice", "carol"])),
        (true, "approved by `alice`, `bob`, `carol`: 3 of 2 required approvals".into())
    );
    let crowd: Vec<String> = (1..=7).map(|i| format!("p{i}")).collect();
    let crowd: Vec<&str> = crowd.iter().map(String::as_str).collect();
    assert_eq!(
        judge("approvals=10", &approved_by(&crowd)),
        (false, "approved by `p1`, `p2`, `p3`, `p4`, `p5` and 2 more: 7 of 10 required approvals, 3 missing".into())
    );
}

#[test]
fn soak_needs_the_time_in_the_source_stage() {
    assert_eq!(judge("soak=24h", &facts()), (false, "not known when the version arrived in the source stage".into()));
    assert_eq!(
        judge("soak=24h", &arrived(2 * HOUR + 500)),
        (false, "in the source stage for 2h of the required 24h; 22h to go".into())
    );
    assert_eq!(
        judge("soak=1d", &arrived(24 * HOUR - 1)),
        (false, "in the source stage for 23h 59m of the required 1d; 1s to go".into())
    );
    assert_eq!(judge("soak=1d", &arrived(24 * HOUR)), (true, "in the source stage for 1d of the required 1d".into()));
    assert_eq!(
        judge("soak=1w", &arrived(9 * 24 * HOUR + 3 * HOUR + 1)),
        (true, "in the source stage for 9d 3h of the required 1w".into())
    );
    assert_eq!(judge("soak=0s", &arrived(-HOUR)), (true, "in the source stage for 0s of the required 0s".into()));
    assert_eq!(
        judge("soak=1h", &arrived(-HOUR)),
        (false, "in the source stage for 0s of the required 1h; 1h to go".into())
    );
}

#[test]
fn every_gate_gets_a_verdict_in_order() {
    let texts: Vec<String> =
        ["soak=1h", "signed", "max-severity=high", "sbom", "approvals=1", "provenance"].map(String::from).to_vec();
    let gates = parse_gates(&texts).unwrap();
    let passing = Facts {
        signatures: vec![VerifiedSignature { key_id: "k".into() }],
        sboms: vec!["application/spdx+json".into()],
        provenance: vec![VerifiedProvenance { builder_id: "b".into(), source_repository: None }],
        scanned: true,
        approvals: vec![Approval { principal: "alice".into(), at: NOW }],
        arrived_at: Some(NOW - 2 * HOUR),
        ..facts()
    };
    let verdicts = evaluate(&gates, &passing);
    let shown: Vec<(&str, bool)> = verdicts.iter().map(|v| (v.gate.as_str(), v.passed)).collect();
    assert_eq!(shown, texts.iter().map(|t| (t.as_str(), true)).collect::<Vec<_>>());
    assert!(evaluate(&gates, &facts()).iter().all(|Verdict { passed, .. }| !passed));
    assert_eq!(evaluate(&[], &passing), []);
}

#[test]
fn spans_read_in_two_units_at_most() {
    for (seconds, text) in [
        (0, "0s"),
        (45, "45s"),
        (60, "1m"),
        (61, "1m 1s"),
        (3_600 + 5 * 60 + 9, "1h 5m"),
        (86_400 + 59, "1d"),
        (400 * 86_400 + 3_600, "400d 1h"),
    ] {
        assert_eq!(span(seconds), text, "{seconds}");
    }
    assert_eq!(listed((1..=5).map(|i| i.to_string())), "1, 2, 3, 4, 5");
    assert_eq!(listed((1..=6).map(|i| i.to_string())), "1, 2, 3, 4, 5 and 1 more");
    assert_eq!(listed(Vec::new()), "");
}
