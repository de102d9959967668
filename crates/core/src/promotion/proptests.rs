//! Properties of gate texts and of evaluation over random gates and facts.

use super::{Approval, Facts, Finding, Gate, Severity, VerifiedProvenance, VerifiedSignature, evaluate};
use crate::meta::Millis;
use proptest::prelude::*;

const NOW: Millis = 1_800_000_000_000;
const DAY: Millis = 86_400_000;
const IDS: [&str; 5] = ["CVE-2024-1", "CVE-2024-2", "GHSA-abcd", "RUSTSEC-2024-0001", "cve-2024-1"];
const PRINCIPALS: [&str; 5] = ["alice", "bob", "carol", "ci", "dave"];

fn glob() -> impl Strategy<Value = String> {
    "[a-z0-9*?:/.@=+_-]{1,12}"
}

fn severity() -> impl Strategy<Value = Severity> {
    prop::sample::select(Severity::ALL.to_vec())
}

/// An allowlist entry's expiry, a day or an RFC 3339 time (2026–2027).
fn expiry() -> impl Strategy<Value = String> {
    prop_oneof![
        (2026..2028u32, 1..13u32, 1..29u32).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        (2026..2028u32, 1..13u32, 1..29u32, 0..24u32)
            .prop_map(|(y, m, d, h)| format!("{y}-{m:02}-{d:02}T{h:02}:30:00Z")),
    ]
}

/// The text of any gate this build accepts.
fn gate_text() -> impl Strategy<Value = String> {
    let allowed =
        prop::collection::vec(("[A-Za-z0-9._:/-]{1,10}", prop::option::of(expiry())), 0..4).prop_map(|entries| {
            let mut ids: Vec<String> = Vec::new();
            let mut list = Vec::new();
            for (id, until) in entries {
                if !ids.iter().any(|i| i.eq_ignore_ascii_case(&id)) {
                    list.push(until.map_or(id.clone(), |u| format!("{id}@{u}")));
                    ids.push(id);
                }
            }
            if list.is_empty() { String::new() } else { format!(";allow={}", list.join(",")) }
        });
    prop_oneof![
        Just("signed".to_owned()),
        glob().prop_map(|g| format!("signed={g}")),
        Just("sbom".to_owned()),
        Just("provenance".to_owned()),
        glob().prop_map(|g| format!("provenance={g}")),
        (glob(), glob()).prop_map(|(b, s)| format!("provenance={b},{s}")),
        (severity(), allowed).prop_map(|(s, a)| format!("max-severity={s}{a}")),
        (1..=100u32).prop_map(|n| format!("approvals={n}")),
        (0..1000u32, prop::sample::select(vec!["s", "m", "h", "d", "w"])).prop_map(|(n, u)| format!("soak={n}{u}")),
        cel_gate(),
    ]
}

/// CEL-looking text: names of the fact schema, operators, literals and macros in any order (most of
/// it does not parse).
fn cel_text() -> impl Strategy<Value = String> {
    const PARTS: &str = "signatures#findings#approvals#artifact.version#now#arrived_at#scanned#size(#(#)#[#]#,#.# #\n\
        #&&#||#!#==#>=#<#-#+#?#:#2#'a'#\"^[0-9]+$\"#true#null#.exists(f, #.all(a, #.map(x, #f.id#a.principal\
        #.matches(#duration(\"1h\")#timestamp(0)";
    let parts: Vec<&str> = PARTS.split('#').collect();
    prop::collection::vec(prop::sample::select(parts), 0..16).prop_map(|parts| format!("cel={}", parts.concat()))
}

/// Expressions that parse, over every variable of the fact schema.
fn cel_gate() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "cel=size(signatures) >= 1",
        "cel=signatures.exists(s, s.signer.startsWith('ci'))",
        "cel=provenance.all(p, p.source_repository != null)",
        "cel=sboms.size() > 0 && scanned",
        "cel=!findings.exists(f, f.severity == 'critical')",
        "cel=approvals.exists(a, a.principal == 'alice' && now - a.at < duration('48h'))",
        "cel=arrived_at != null && now - arrived_at > duration('1h')",
        "cel=artifact.version.matches('^[0-9]+$') || source.stage == target.stage",
        "cel=size(findings)",
        "cel=artifact.missing",
    ])
    .prop_map(str::to_owned)
}

fn facts() -> impl Strategy<Value = Facts> {
    (
        prop::collection::vec(glob(), 0..3),
        prop::collection::vec(
            prop::sample::select(vec!["application/spdx+json", "application/vnd.cyclonedx+json"]),
            0..2,
        ),
        prop::collection::vec((glob(), prop::option::of(glob())), 0..3),
        prop::collection::vec((prop::sample::select(IDS.to_vec()), severity()), 0..6),
        any::<bool>(),
        prop::collection::vec(prop::sample::select(PRINCIPALS.to_vec()), 0..8),
        prop::option::of(-DAY..30 * DAY),
    )
        .prop_map(|(keys, sboms, provenance, findings, scanned, approvers, arrived)| Facts {
            now: NOW,
            signatures: keys.into_iter().map(|key_id| VerifiedSignature { key_id }).collect(),
            sboms: sboms.into_iter().map(String::from).collect(),
            provenance: (provenance.into_iter())
                .map(|(builder_id, source_repository)| VerifiedProvenance { builder_id, source_repository })
                .collect(),
            findings: findings.into_iter().map(|(id, severity)| Finding { id: id.into(), severity }).collect(),
            scanned,
            approvals: approvers.into_iter().map(|p| Approval { principal: p.into(), at: NOW }).collect(),
            arrived_at: arrived.map(|ago| NOW - ago),
            ..Facts::default()
        })
}

proptest! {
    #[test]
    fn canonical_text_parses_back_to_the_same_gate(text in gate_text()) {
        let gate = Gate::parse(&text).unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(gate.to_string(), text);
        prop_assert_eq!(Gate::parse(&gate.to_string()).unwrap(), gate);
    }

    #[test]
    fn parsing_never_panics_and_what_parses_round_trips(
        text in prop_oneof![
            any::<String>(),
            "[a-z=;,@:*?.0-9 A-Z+-]{0,40}",
            gate_text().prop_map(|t| t.replace('1', ";")),
            cel_text(),
            "cel=[ -~\n\t]{0,40}",
        ]
    ) {
        if let Ok(gate) = Gate::parse(&text) {
            let canonical = gate.to_string();
            prop_assert_eq!(Gate::parse(&canonical).unwrap(), gate);
            prop_assert_eq!(Gate::parse(&canonical).unwrap().to_string(), canonical);
        }
    }

    #[test]
    fn every_gate_gets_one_verdict_in_order(texts in prop::collection::vec(gate_text(), 0..8), facts in facts()) {
        let gates: Vec<Gate> = texts.iter().map(|t| Gate::parse(t).unwrap()).collect();
        let verdicts = evaluate(&gates, &facts);
        prop_assert_eq!(verdicts.len(), gates.len());
        for (verdict, gate) in verdicts.iter().zip(&gates) {
            prop_assert_eq!(&verdict.gate, &gate.to_string());
            prop_assert!(!verdict.reason.is_empty());
        }
    }

    #[test]
    fn a_cel_gate_holds_is_false_or_fails_and_says_which(text in prop_oneof![cel_gate(), cel_text()], facts in facts()) {
        if let Ok(gate) = Gate::parse(&text) {
            let verdict = &evaluate(std::slice::from_ref(&gate), &facts)[0];
            let reason = verdict.reason.as_str();
            prop_assert_eq!(verdict.passed, reason == "expression holds", "{}", reason);
            prop_assert!(
                verdict.passed || reason == "expression is false" || reason.starts_with("expression failed: "),
                "{}", reason
            );
        }
    }

    #[test]
    fn approvals_pass_iff_enough_distinct_principals(n in 1..=6u32, facts in facts()) {
        let mut distinct: Vec<&str> = facts.approvals.iter().map(|a| a.principal.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let verdict = &evaluate(&[Gate::Approvals(n)], &facts)[0];
        prop_assert_eq!(verdict.passed, distinct.len() >= n as usize, "{}", verdict.reason);
    }

    #[test]
    fn an_unexpired_allowlist_entry_never_blocks(
        at in severity(),
        facts in facts(),
        expires_in in prop::option::of(1..400 * DAY),
    ) {
        let until = expires_in.map(|ms| format!("@{}", crate::time::rfc3339(NOW + ms + 999)));
        let allow: Vec<String> = IDS.iter().map(|id| format!("{id}{}", until.as_deref().unwrap_or(""))).collect();
        // `cve-2024-1` repeats `CVE-2024-1` in another case: the gate lists it once.
        let gate = Gate::parse(&format!("max-severity={at};allow={}", allow[..4].join(","))).unwrap();
        let verdict = &evaluate(&[gate], &facts)[0];
        prop_assert_eq!(verdict.passed, facts.scanned, "{}", verdict.reason);
    }

    #[test]
    fn an_expired_allowlist_entry_blocks(
        at in severity(),
        facts in facts(),
        expired_ago in 0..400 * DAY,
    ) {
        let until = crate::time::rfc3339(NOW - expired_ago);
        let gate = Gate::parse(&format!("max-severity={at};allow=CVE-2024-1@{until}")).unwrap();
        let blocks = facts.findings.iter().any(|f| f.severity >= at);
        let verdict = &evaluate(&[gate], &facts)[0];
        prop_assert_eq!(verdict.passed, facts.scanned && !blocks, "{}", verdict.reason);
        let expired = facts.findings.iter().any(|f| f.severity >= at && f.id.eq_ignore_ascii_case("CVE-2024-1"));
        if facts.scanned && expired {
            prop_assert!(verdict.reason.to_lowercase().contains("allowlist entries expired: cve-2024-1"), "{}", verdict.reason);
        }
    }
}
