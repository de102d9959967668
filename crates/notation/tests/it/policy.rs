//! `trustpolicy.json` validation rules and policy selection.

use arca_notation::{Action, Check, Level, PolicyError, TrustPolicy, TrustedIdentity};

fn doc(policies: &str) -> String {
    format!(r#"{{"version":"1.0","trustPolicies":[{policies}]}}"#)
}

fn entry(name: &str, scopes: &str, level: &str) -> String {
    format!(
        r#"{{"name":"{name}","registryScopes":[{scopes}],"signatureVerification":{{"level":"{level}"}},
        "trustStores":["ca:acme"],"trustedIdentities":["*"]}}"#
    )
}

fn parse(s: &str) -> Result<TrustPolicy, PolicyError> {
    TrustPolicy::parse(s.as_bytes())
}

#[test]
fn parses_the_spec_example_and_selects_exact_before_global() {
    let p = parse(
        r#"{
        "version": "1.0",
        "trustPolicies": [
            {
                "name": "wabbit-networks-images",
                "registryScopes": [ "registry.acme-rockets.io/software/net-monitor", "registry.acme-rockets.io/software/net-logger" ],
                "signatureVerification": { "level": "strict", "override": { "expiry": "log", "revocation": "skip" } },
                "trustStores": [ "ca:acme-rockets", "tsa:acme-tsa" ],
                "trustedIdentities": [ "x509.subject: C=US, ST=WA, L=Seattle, O=wabbit-networks.io, OU=Security Tools" ]
            },
            {
                "name": "global-policy-for-all-other-images",
                "registryScopes": [ "*" ],
                "signatureVerification": { "level": "audit" },
                "trustStores": ["ca:acme-rockets", "ca:acme-rockets-ca2"],
                "trustedIdentities": [ "x509.subject: C=US, ST=WA, L=Seattle, O=acme-rockets.io, OU=Finance, CN=SecureBuilder" ]
            }
        ]}"#,
    )
    .unwrap();
    let exact = p.policy_for("registry.acme-rockets.io/software/net-logger").unwrap();
    assert_eq!(exact.name, "wabbit-networks-images");
    assert_eq!(exact.action(Check::Expiry), Action::Log);
    assert_eq!(exact.action(Check::Revocation), Action::Skip);
    assert_eq!(exact.action(Check::Authenticity), Action::Enforce);
    assert_eq!(exact.ca_stores().collect::<Vec<_>>(), ["acme-rockets"]);
    assert!(matches!(&exact.trusted_identities[0], TrustedIdentity::X509Subject(dn) if dn.attributes().len() == 5));
    let global = p.policy_for("docker.io/library/alpine").unwrap();
    assert_eq!(global.level, Level::Audit);
    assert_eq!(global.action(Check::Integrity), Action::Enforce);
    assert_eq!(global.action(Check::Authenticity), Action::Log);
}

#[test]
fn levels_map_to_actions_like_the_spec_table() {
    let p = parse(&doc(&entry("p", r#""*""#, "permissive"))).unwrap();
    let e = p.policy_for("a/b").unwrap();
    assert_eq!(e.action(Check::Authenticity), Action::Enforce);
    assert_eq!(e.action(Check::AuthenticTimestamp), Action::Log);
    assert_eq!(e.action(Check::Expiry), Action::Log);
    let none = parse(&doc(&entry("p", r#""a.io/x""#, "strict"))).unwrap();
    assert!(none.policy_for("a.io/y").is_none());
}

#[test]
fn rejects_what_the_spec_forbids() {
    let cases: Vec<(String, &str)> = vec![
        (r#"{"version":"2.0","trustPolicies":[]}"#.into(), "policy_version"),
        (doc(""), "policy_empty"),
        ("not json".into(), "policy_json"),
        (doc(&format!("{},{}", entry("a", r#""*""#, "strict"), entry("b", r#""*""#, "strict"))), "policy_scope"),
        (
            doc(&format!("{},{}", entry("a", r#""r.io/x""#, "strict"), entry("a", r#""r.io/y""#, "strict"))),
            "policy_name",
        ),
        (
            doc(&format!("{},{}", entry("a", r#""r.io/x""#, "strict"), entry("b", r#""r.io/x""#, "strict"))),
            "policy_scope",
        ),
        (doc(&entry("a", r#""*","r.io/x""#, "strict")), "policy_scope"),
        (doc(&entry("a", "", "strict")), "policy_scope"),
        (doc(&entry("a", r#""r.io/x:latest""#, "strict")), "policy_scope"),
        (doc(&entry("a", r#""norepo""#, "strict")), "policy_scope"),
        (doc(&entry("a", r#""r.io/x""#, "paranoid")), "policy_level"),
        (doc(&entry("", r#""r.io/x""#, "strict")), "policy_name"),
        (doc(r#"{"name":"s","registryScopes":["*"],"signatureVerification":{"level":"skip"}}"#), "policy_scope"),
        (
            doc(
                r#"{"name":"s","registryScopes":["r.io/x"],"signatureVerification":{"level":"skip"},"trustStores":["ca:a"]}"#,
            ),
            "policy_shape",
        ),
        (
            doc(
                r#"{"name":"s","registryScopes":["r.io/x"],"signatureVerification":{"level":"skip","override":{"expiry":"log"}}}"#,
            ),
            "policy_level",
        ),
        (
            doc(
                r#"{"name":"s","registryScopes":["r.io/x"],"signatureVerification":{"level":"strict","override":{"integrity":"log"}},"trustStores":["ca:a"],"trustedIdentities":["*"]}"#,
            ),
            "policy_level",
        ),
        (
            doc(
                r#"{"name":"s","registryScopes":["r.io/x"],"signatureVerification":{"level":"strict","override":{"expiry":"skip"}},"trustStores":["ca:a"],"trustedIdentities":["*"]}"#,
            ),
            "policy_level",
        ),
        (
            doc(
                r#"{"name":"s","registryScopes":["r.io/x"],"signatureVerification":{"level":"strict"},"trustedIdentities":["*"]}"#,
            ),
            "policy_shape",
        ),
        (
            doc(
                r#"{"name":"s","registryScopes":["r.io/x"],"signatureVerification":{"level":"strict"},"trustStores":["x509:a"],"trustedIdentities":["*"]}"#,
            ),
            "policy_trust_store",
        ),
        (
            doc(
                r#"{"name":"s","registryScopes":["r.io/x"],"signatureVerification":{"level":"strict"},"trustStores":["ca:a/b"],"trustedIdentities":["*"]}"#,
            ),
            "policy_trust_store",
        ),
        (
            doc(
                r#"{"name":"s","registryScopes":["r.io/x"],"signatureVerification":{"level":"strict"},"trustStores":["ca:a"],"trustedIdentities":["*","x509.subject: C=US, ST=WA, O=A"]}"#,
            ),
            "policy_identity",
        ),
        (
            doc(
                r#"{"name":"s","registryScopes":["r.io/x"],"signatureVerification":{"level":"strict"},"trustStores":["ca:a"],"trustedIdentities":["x509.subject: C=US, O=A"]}"#,
            ),
            "policy_identity",
        ),
        (
            doc(
                r#"{"name":"s","registryScopes":["r.io/x"],"signatureVerification":{"level":"strict"},"trustStores":["ca:a"],"trustedIdentities":["x509.subject: C=US, ST=WA, O=A","x509.subject: C=US, ST=WA, O=A, OU=B"]}"#,
            ),
            "policy_identity",
        ),
        (
            doc(
                r#"{"name":"s","registryScopes":["r.io/x"],"signatureVerification":{"level":"strict"},"trustStores":["ca:a"],"trustedIdentities":["email: a@b"]}"#,
            ),
            "policy_identity",
        ),
    ];
    for (input, code) in cases {
        match parse(&input) {
            Err(e) => assert_eq!(e.code(), code, "{input}: {e}"),
            Ok(_) => panic!("accepted {input}"),
        }
    }
}

#[test]
fn skip_policies_need_a_concrete_scope_and_nothing_else() {
    let p =
        parse(&doc(r#"{"name":"s","registryScopes":["r.io/x"],"signatureVerification":{"level":"skip"}}"#)).unwrap();
    assert_eq!(p.policy_for("r.io/x").unwrap().level, Level::Skip);
    assert_eq!(p.policy_for("r.io/x").unwrap().action(Check::Integrity), Action::Skip);
}
