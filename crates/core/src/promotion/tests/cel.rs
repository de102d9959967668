//! `cel=` gates: compiled when parsed (refused with the parser's message), bounded, and judged over
//! the fact schema — every example of `docs/cel.md` passing and failing.

use super::super::cel::{MAX_DEPTH, MAX_NESTED_MACROS};
use super::super::{
    Approval, ArtifactFacts, Facts, Finding, Gate, GateProblem, MAX_CEL_BYTES, Severity, StageFacts,
    VerifiedProvenance, VerifiedSignature, evaluate,
};
use super::{HOUR, NOW, facts, gate, judge};

const DAY: i64 = 24 * HOUR;

/// `app@1.2.3` of `staging`, pushed two days ago, on its way to `prod`.
fn promoted() -> Facts {
    Facts {
        artifact: ArtifactFacts {
            repository: "staging".into(),
            package: "team/app".into(),
            version: Some("1.2.3".into()),
            digest: format!("sha256:{}", "a".repeat(64)),
            media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            created_at: NOW - 2 * DAY,
        },
        source: StageFacts { repository: "staging".into(), stage: Some("staging".into()) },
        target: StageFacts { repository: "prod".into(), stage: None },
        arrived_at: Some(NOW - DAY),
        ..facts()
    }
}

fn problem(text: &str) -> String {
    match Gate::parse(text).unwrap_err().problem() {
        GateProblem::Cel(why) => why.clone(),
        other => panic!("{text}: {other}"),
    }
}

#[test]
fn an_expression_parses_and_shows_as_written() {
    for text in [
        "cel=size(signatures) >= 2",
        r#"cel=provenance.exists(p, p.builder_id.startsWith("https://github.com/acme/"))"#,
        r#"cel=!findings.exists(f, f.severity == "critical" && f.id.startsWith("CVE-2026"))"#,
        r#"cel=approvals.exists(a, a.principal == "release-manager")"#,
        r#"cel=artifact.version.matches("^[0-9]+\\.[0-9]+\\.[0-9]+$")"#,
        r#"cel=now - artifact.created_at > duration("24h")"#,
        "cel=true",
    ] {
        let parsed = gate(text);
        assert_eq!(parsed, Gate::Cel(text["cel=".len()..].to_owned()));
        assert_eq!(parsed.to_string(), text);
        assert_eq!(parsed.name(), "cel");
    }
    assert_eq!(gate("  cel=  scanned \n").to_string(), "cel=scanned", "trimmed");
    assert_eq!(gate("cel=a\n&& b").to_string(), "cel=a\n&& b", "whitespace inside is kept");
}

#[test]
fn a_bad_expression_is_refused_with_the_parsers_message() {
    assert_eq!(
        Gate::parse("cel=size(signatures >= 2").unwrap_err().to_string(),
        "gate `cel=size(signatures >= 2`: the expression does not parse: missing ')' at '<EOF>' (at 1:21)"
    );
    assert!(problem("cel=1 +").starts_with("the expression does not parse: "), "{}", problem("cel=1 +"));
    assert!(problem("cel=a.b(").starts_with("the expression does not parse: "));
    assert!(problem("cel='unterminated").starts_with("the expression does not parse: "));
}

#[test]
fn expressions_are_bounded_in_length_depth_and_nesting() {
    let longest = format!("cel=true{}&& true", " ".repeat(MAX_CEL_BYTES - 11));
    assert_eq!(gate(&longest).to_string(), longest);
    let long = format!("cel=true{}", " ".repeat(MAX_CEL_BYTES - 3) + "|| true");
    assert_eq!(
        problem(&long),
        format!("the expression is {} bytes; at most {MAX_CEL_BYTES} are allowed", MAX_CEL_BYTES + 8)
    );

    // Each would overflow the stack when compiled or evaluated if it were long enough; refused first.
    let deep = format!("cel={}true{}", "(".repeat(120), ")".repeat(120));
    assert!(problem(&deep).contains("nested too deeply"), "{}", problem(&deep));
    let chain = format!("cel={} == 1000", ["1"; 1000].join("+"));
    assert_eq!(problem(&chain), format!("the expression is nested too deeply (at most {MAX_DEPTH} levels)"));
    let calls = format!("cel='a'{} == 1", ".size()".repeat(MAX_DEPTH));
    assert!(problem(&calls).contains("nested too deeply"));
    let shallow = format!("cel={} == 40", ["1"; 40].join("+"));
    assert_eq!(judge(&shallow, &facts()), (true, "expression holds".into()));

    let two = "cel=findings.all(f, approvals.exists(a, a.principal != f.id))";
    assert_eq!(gate(two).to_string(), two);
    let three = "cel=findings.all(f, approvals.exists(a, sboms.exists(s, s == a.principal)))";
    assert_eq!(
        problem(three),
        format!("at most {MAX_NESTED_MACROS} macros (exists, all, exists_one, map, filter) may be nested")
    );
    // One after the other is not nested.
    let chained = "cel=findings.filter(f, f.severity == 'high').map(f, f.id).exists(i, i == 'CVE-1')";
    assert_eq!(gate(chained).to_string(), chained);
}

#[test]
fn size_of_signatures() {
    let text = "cel=size(signatures) >= 2";
    assert_eq!(judge(text, &facts()), (false, "expression is false".into()));
    let signed =
        Facts { signatures: ["ci", "release"].map(|k| VerifiedSignature { key_id: k.into() }).to_vec(), ..facts() };
    assert_eq!(judge(text, &signed), (true, "expression holds".into()));
    let signers = r#"cel=signatures.exists(s, s.signer == "release")"#;
    assert!(judge(signers, &signed).0);
}

#[test]
fn provenance_by_builder_and_source() {
    let text = r#"cel=provenance.exists(p, p.builder_id.startsWith("https://github.com/acme/"))"#;
    assert_eq!(judge(text, &facts()), (false, "expression is false".into()));
    let built = |builder: &str, source: Option<&str>| Facts {
        provenance: vec![VerifiedProvenance { builder_id: builder.into(), source_repository: source.map(Into::into) }],
        ..facts()
    };
    assert!(judge(text, &built("https://github.com/acme/builder@v1", None)).0);
    assert!(!judge(text, &built("https://gitlab.com/acme/builder", None)).0);
    let source = r#"cel=provenance.exists(p, p.source_repository == "git+https://github.com/acme/app")"#;
    assert!(judge(source, &built("b", Some("git+https://github.com/acme/app"))).0);
    assert_eq!(judge(source, &built("b", None)), (false, "expression is false".into()), "null is not equal");
}

#[test]
fn findings_by_severity_and_id() {
    let text = r#"cel=!findings.exists(f, f.severity == "critical" && f.id.startsWith("CVE-2026"))"#;
    let scanned = |found: &[(&str, Severity)]| Facts {
        findings: found.iter().map(|(id, severity)| Finding { id: (*id).into(), severity: *severity }).collect(),
        scanned: true,
        ..facts()
    };
    assert!(judge(text, &facts()).0, "nothing found");
    assert!(judge(text, &scanned(&[("CVE-2026-1", Severity::High), ("CVE-2025-9", Severity::Critical)])).0);
    assert_eq!(judge(text, &scanned(&[("CVE-2026-1", Severity::Critical)])), (false, "expression is false".into()));
    let unscanned_fails = "cel=scanned && size(findings) == 0";
    assert!(!judge(unscanned_fails, &facts()).0);
    assert!(judge(unscanned_fails, &scanned(&[])).0);
}

#[test]
fn approvals_by_principal_and_time() {
    let text = r#"cel=approvals.exists(a, a.principal == "release-manager")"#;
    let approved = |who: &str| Facts { approvals: vec![Approval { principal: who.into(), at: NOW - HOUR }], ..facts() };
    assert!(judge(text, &approved("release-manager")).0);
    assert!(!judge(text, &approved("alice")).0);
    let recent = r#"cel=approvals.all(a, now - a.at < duration("2h"))"#;
    assert!(judge(recent, &approved("alice")).0);
}

#[test]
fn artifact_version_stage_and_times() {
    let semver = r#"cel=artifact.version.matches("^[0-9]+\\.[0-9]+\\.[0-9]+$")"#;
    assert_eq!(judge(semver, &promoted()), (true, "expression holds".into()));
    let rc =
        Facts { artifact: ArtifactFacts { version: Some("1.2.3-rc1".into()), ..promoted().artifact }, ..promoted() };
    assert_eq!(judge(semver, &rc), (false, "expression is false".into()));
    let (passed, reason) =
        judge(semver, &Facts { artifact: ArtifactFacts { version: None, ..promoted().artifact }, ..promoted() });
    assert!(!passed && reason.starts_with("expression failed: "), "by digest, the version is null: {reason}");

    let aged = r#"cel=now - artifact.created_at > duration("24h")"#;
    assert!(judge(aged, &promoted()).0);
    let fresh = Facts { artifact: ArtifactFacts { created_at: NOW - HOUR, ..promoted().artifact }, ..promoted() };
    assert_eq!(judge(aged, &fresh), (false, "expression is false".into()));
    assert!(judge(r#"cel=arrived_at != null && now - arrived_at >= duration("24h")"#, &promoted()).0);
    assert!(!judge(r#"cel=arrived_at != null"#, &facts()).0);
    assert!(judge(r#"cel=now == timestamp("2027-01-15T08:00:00Z")"#, &promoted()).0);

    for holds in [
        r#"cel=source.stage == "staging" && target.repository == "prod" && target.stage == null"#,
        r#"cel=artifact.repository == "staging" && artifact.package == "team/app""#,
        r#"cel=artifact.digest.startsWith("sha256:") && artifact.media_type.endsWith("+json")"#,
        r#"cel=sboms == [] && signatures == [] && provenance == [] && !scanned"#,
    ] {
        assert_eq!(judge(holds, &promoted()), (true, "expression holds".into()), "{holds}");
    }
}

#[test]
fn anything_but_true_fails_and_says_why() {
    assert_eq!(judge("cel=false", &facts()), (false, "expression is false".into()));
    assert_eq!(judge("cel=size(signatures)", &facts()), (false, "expression failed: it gave int, not a bool".into()));
    assert_eq!(judge("cel='yes'", &facts()), (false, "expression failed: it gave string, not a bool".into()));
    assert_eq!(judge("cel=arrived_at", &facts()), (false, "expression failed: it gave null, not a bool".into()));
    for failing in [
        "cel=artifact.nope == 'x'",
        "cel=unknown_variable",
        "cel=1 / 0 == 1",
        "cel=9223372036854775807 + 1 > 0",
        "cel=signatures[0].signer == 'ci'",
        "cel='x'.matches('(')",
        r#"cel=now - timestamp("0001-01-01T00:00:00Z") > duration("1h")"#,
    ] {
        let (passed, reason) = judge(failing, &promoted());
        assert!(!passed, "{failing}");
        assert!(reason.starts_with("expression failed: ") && reason.len() > 20, "{failing}: {reason}");
    }
    // A gate not built by `parse` never panics either.
    let verdicts = evaluate(&[Gate::Cel("(".into()), Gate::Cel(String::new())], &facts());
    assert!(verdicts.iter().all(|v| !v.passed && v.reason.starts_with("expression failed: the expression")));
    // Times out of CEL's range are an error, not a panic.
    let far = Facts { now: i64::MAX, ..facts() };
    assert_eq!(
        judge("cel=true", &far),
        (false, format!("expression failed: the time {} ms is out of range", i64::MAX))
    );
}
