//! `arca_core::promotion::Gate::parse` and `parse_gates` (a repository's promotion gates, one per
//! line): never panics; an accepted gate's canonical text parses back to it and is its verdict's
//! `gate`; every gate but `cel=` fails for a version nothing is known about (a `cel=` gate holds, is
//! false or fails, and says which); the accepted gates of a repository are distinct (a repeated gate
//! counts once), one verdict each, in order.
#![no_main]

use arca_core::promotion::{
    Approval, Facts, Finding, Gate, Severity, VerifiedProvenance, VerifiedSignature, evaluate, parse_gates,
};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_800_000_000_000;
const DAY: i64 = 86_400_000;

/// A version that is signed, has an SBOM and provenance, was scanned, approved and arrived a week ago.
fn known() -> Facts {
    Facts {
        now: NOW,
        signatures: vec![VerifiedSignature { key_id: "ci-2026".into() }],
        sboms: vec!["application/spdx+json".into()],
        provenance: vec![VerifiedProvenance {
            builder_id: "https://github.com/actions/runner/github-hosted".into(),
            source_repository: Some("git+https://github.com/acme/app@refs/heads/main".into()),
        }],
        findings: vec![
            Finding { id: "CVE-2024-1234".into(), severity: Severity::Critical },
            Finding { id: "GHSA-abcd-efgh-ijkl".into(), severity: Severity::Medium },
        ],
        scanned: true,
        approvals: vec![Approval { principal: "alice".into(), at: NOW - DAY }],
        arrived_at: Some(NOW - 7 * DAY),
        ..Facts::default()
    }
}

fuzz_target!(|text: &str| {
    let (unknown, known) = (Facts { now: NOW, ..Facts::default() }, known());
    if let Ok(gate) = Gate::parse(text) {
        let canonical = gate.to_string();
        assert_eq!(Gate::parse(&canonical).as_ref(), Ok(&gate));
        assert_eq!(Gate::parse(&canonical).map(|g| g.to_string()).as_deref(), Ok(canonical.as_str()));
        let verdicts = evaluate(std::slice::from_ref(&gate), &unknown);
        assert_eq!(verdicts.len(), 1);
        assert_eq!(verdicts[0].gate, canonical);
        match &gate {
            // An expression may well hold with nothing known (`cel=size(signatures) == 0`).
            Gate::Cel(_) => {
                let reason = verdicts[0].reason.as_str();
                assert_eq!(verdicts[0].passed, reason == "expression holds", "{canonical}: {reason}");
                assert!(
                    verdicts[0].passed || reason == "expression is false" || reason.starts_with("expression failed: "),
                    "{canonical}: {reason}"
                );
            }
            _ => assert!(!verdicts[0].passed, "{canonical} passed with nothing known: {}", verdicts[0].reason),
        }
    }

    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if let Ok(gates) = parse_gates(&lines) {
        assert!(gates.len() <= lines.len());
        for (i, gate) in gates.iter().enumerate() {
            assert!(!gates[..i].contains(gate), "{gate} kept twice");
        }
        let verdicts = evaluate(&gates, &known);
        let shown: Vec<String> = verdicts.into_iter().map(|v| v.gate).collect();
        assert_eq!(shown, gates.iter().map(Gate::to_string).collect::<Vec<_>>());
    }
});
