//! End-to-end `verify` outcomes, one per situation of the crate docs' table.

use arca_notation::{MEDIA_TYPE_COSE, MEDIA_TYPE_JWS, Subject, TrustPolicy, TrustStores, Verdict, verify};

use crate::pki::{self, DIGEST, LEAF_DN, LeafKind, MANIFEST, NOW, Pki, SIZE};

const SCOPE: &str = "registry.example/acme/app";

fn subject() -> Subject {
    Subject { media_type: MANIFEST.into(), digest: DIGEST.into(), size: SIZE }
}

fn policy_with(stores: &str, identities: &str) -> TrustPolicy {
    let doc = format!(
        r#"{{"version":"1.0","trustPolicies":[{{"name":"acme","registryScopes":["{SCOPE}"],
        "signatureVerification":{{"level":"strict"}},"trustStores":[{stores}],"trustedIdentities":[{identities}]}}]}}"#
    );
    TrustPolicy::parse(doc.as_bytes()).unwrap()
}

fn policy() -> TrustPolicy {
    policy_with(r#""ca:acme""#, r#""x509.subject: C=US, ST=WA, O=acme-rockets.io, CN=SecureBuilder""#)
}

fn stores(pki: &Pki) -> TrustStores {
    let mut s = TrustStores::new();
    assert_eq!(s.add("ca:acme", pki.root_pem.as_bytes()).unwrap(), 1);
    s
}

fn check(media_type: &str, envelope: &[u8], pki: &Pki) -> Verdict {
    verify(media_type, envelope, &subject(), SCOPE, &policy(), &stores(pki), NOW)
}

fn assert_invalid(v: &Verdict, needle: &str) {
    match v {
        Verdict::Invalid { reason } => assert!(reason.contains(needle), "{reason:?} does not mention {needle:?}"),
        other => panic!("expected Invalid({needle}), got {other:?}"),
    }
}

fn assert_unsupported(v: &Verdict, needle: &str) {
    match v {
        Verdict::Unsupported { reason } => assert!(reason.contains(needle), "{reason:?} does not mention {needle:?}"),
        other => panic!("expected Unsupported({needle}), got {other:?}"),
    }
}

#[test]
fn valid_jws_and_cose_for_p256_p384_and_rsa() {
    let pki = Pki::new("Root");
    for kind in [LeafKind::Good, LeafKind::P384, LeafKind::Rsa] {
        let signer = pki.leaf(kind);
        let valid = Verdict::Valid { signer: LEAF_DN.into() };
        assert_eq!(check(MEDIA_TYPE_JWS, &pki::good_jws(&signer), &pki), valid, "JWS {kind:?}");
        assert_eq!(check(MEDIA_TYPE_COSE, &pki::good_cose(&signer), &pki), valid, "COSE {kind:?}");
    }
}

#[test]
fn trust_store_may_hold_several_pem_certificates_or_der() {
    let pki = Pki::new("Root");
    let other = Pki::new("Other");
    let signer = pki.leaf(LeafKind::Good);
    let mut s = TrustStores::new();
    let bundle = format!("{}\n{}", other.root_pem, pki.root_pem);
    assert_eq!(s.add("ca:acme", bundle.as_bytes()).unwrap(), 2);
    let v = verify(MEDIA_TYPE_JWS, &pki::good_jws(&signer), &subject(), SCOPE, &policy(), &s, NOW);
    assert!(v.is_valid(), "{v:?}");
    let mut der = TrustStores::new();
    der.add("ca:acme", &pki.root_der).unwrap();
    let v = verify(MEDIA_TYPE_COSE, &pki::good_cose(&signer), &subject(), SCOPE, &policy(), &der, NOW);
    assert!(v.is_valid(), "{v:?}");
    assert!(TrustStores::new().add("acme", &pki.root_der).is_err());
    assert!(TrustStores::new().add("ca:acme", b"not a certificate").is_err());
}

#[test]
fn tampered_payload_fails_the_signature() {
    let pki = Pki::new("Root");
    let signer = pki.leaf(LeafKind::Good);
    let env: serde_json::Value = serde_json::from_slice(&pki::good_jws(&signer)).unwrap();
    let mut env = env.as_object().unwrap().clone();
    let forged = String::from_utf8(pki::payload(DIGEST)).unwrap().replace("123", "124");
    let other = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, forged);
    env.insert("payload".into(), other.into());
    let tampered = serde_json::to_vec(&env).unwrap();
    assert_invalid(&check(MEDIA_TYPE_JWS, &tampered, &pki), "signature does not verify");

    let mut cose = pki::good_cose(&signer);
    let at = cose.windows(6).position(|w| w == b"sha256").unwrap();
    cose[at + 10] ^= 1;
    assert_invalid(&check(MEDIA_TYPE_COSE, &cose, &pki), "signature does not verify");
}

#[test]
fn signature_over_another_digest_is_invalid() {
    let pki = Pki::new("Root");
    let signer = pki.leaf(LeafKind::Good);
    let other = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let env = pki::jws(&signer, &pki::jws_protected("ES256"), &pki::payload(other));
    assert_invalid(&check(MEDIA_TYPE_JWS, &env, &pki), "digest mismatch");
    let env = pki::cose(&signer, &pki::cose_protected(-7, true), &pki::payload(other));
    assert_invalid(&check(MEDIA_TYPE_COSE, &env, &pki), "digest mismatch");
    let wrong_size = Subject { size: SIZE + 1, ..subject() };
    let v = verify(MEDIA_TYPE_JWS, &pki::good_jws(&signer), &wrong_size, SCOPE, &policy(), &stores(&pki), NOW);
    assert_invalid(&v, "size mismatch");
}

#[test]
fn wrong_trust_store_is_untrusted() {
    let pki = Pki::new("Root");
    let stranger = Pki::new("Stranger");
    let signer = stranger.leaf(LeafKind::Good);
    let untrusted = Verdict::UntrustedKey { signer: LEAF_DN.into() };
    assert_eq!(check(MEDIA_TYPE_JWS, &pki::good_jws(&signer), &pki), untrusted);
    assert_eq!(check(MEDIA_TYPE_COSE, &pki::good_cose(&signer), &pki), untrusted);
    // The policy names a store that is not configured at all.
    let p = policy_with(r#""ca:nobody""#, r#""*""#);
    let v =
        verify(MEDIA_TYPE_JWS, &pki::good_jws(&pki.leaf(LeafKind::Good)), &subject(), SCOPE, &p, &stores(&pki), NOW);
    assert_eq!(v, untrusted);
}

#[test]
fn identity_not_trusted_is_untrusted_and_wildcard_trusts_all() {
    let pki = Pki::new("Root");
    let env = pki::good_jws(&pki.leaf(LeafKind::Good));
    let p = policy_with(r#""ca:acme""#, r#""x509.subject: C=US, ST=WA, O=acme-rockets.io, CN=Someone""#);
    let v = verify(MEDIA_TYPE_JWS, &env, &subject(), SCOPE, &p, &stores(&pki), NOW);
    assert_eq!(v, Verdict::UntrustedKey { signer: LEAF_DN.into() });
    let p = policy_with(r#""ca:acme""#, r#""*""#);
    assert!(verify(MEDIA_TYPE_JWS, &env, &subject(), SCOPE, &p, &stores(&pki), NOW).is_valid());
    // Attribute order does not matter.
    let p = policy_with(r#""ca:acme""#, r#""x509.subject: CN=SecureBuilder, O=acme-rockets.io, ST=WA, C=US""#);
    assert!(verify(MEDIA_TYPE_JWS, &env, &subject(), SCOPE, &p, &stores(&pki), NOW).is_valid());
}

#[test]
fn no_applicable_policy_is_untrusted() {
    let pki = Pki::new("Root");
    let env = pki::good_jws(&pki.leaf(LeafKind::Good));
    let v = verify(MEDIA_TYPE_JWS, &env, &subject(), "registry.example/other", &policy(), &stores(&pki), NOW);
    assert_eq!(v, Verdict::UntrustedKey { signer: LEAF_DN.into() });
}

#[test]
fn expired_certificate_and_wrong_eku_are_invalid() {
    let pki = Pki::new("Root");
    let expired = pki.leaf(LeafKind::Expired);
    assert_invalid(&check(MEDIA_TYPE_JWS, &pki::good_jws(&expired), &pki), "certificate expired");
    assert_invalid(&check(MEDIA_TYPE_COSE, &pki::good_cose(&expired), &pki), "certificate expired");
    let server = pki.leaf(LeafKind::ServerAuthOnly);
    assert_invalid(&check(MEDIA_TYPE_JWS, &pki::good_jws(&server), &pki), "code-signing");
    // An untrusted chain is still Invalid when it is broken.
    let stranger = Pki::new("Stranger");
    assert_invalid(&check(MEDIA_TYPE_JWS, &pki::good_jws(&stranger.leaf(LeafKind::Expired)), &pki), "expired");
}

#[test]
fn certificate_requirements_are_enforced() {
    let pki = Pki::new("Root");
    let signer = pki.leaf(LeafKind::NoKeyUsage);
    assert_invalid(&check(MEDIA_TYPE_JWS, &pki::good_jws(&signer), &pki), "key usage");
}

/// `audit` and `permissive` only change what notation would log; the verdict still reports the
/// failure and the caller applies `PolicyEntry::action`.
#[test]
fn audit_level_still_reports_untrusted() {
    let pki = Pki::new("Root");
    let stranger = Pki::new("Stranger");
    let doc = format!(
        r#"{{"version":"1.0","trustPolicies":[{{"name":"a","registryScopes":["{SCOPE}"],
        "signatureVerification":{{"level":"audit"}},"trustStores":["ca:acme"],"trustedIdentities":["*"]}}]}}"#
    );
    let audit = TrustPolicy::parse(doc.as_bytes()).unwrap();
    let env = pki::good_jws(&stranger.leaf(LeafKind::Good));
    let v = verify(MEDIA_TYPE_JWS, &env, &subject(), SCOPE, &audit, &stores(&pki), NOW);
    assert_eq!(v, Verdict::UntrustedKey { signer: LEAF_DN.into() });
    let entry = audit.policy_for(SCOPE).unwrap();
    assert_eq!(entry.action(arca_notation::Check::Authenticity), arca_notation::Action::Log);
}

#[test]
fn broken_chain_is_invalid() {
    let pki = Pki::new("Root");
    let other = Pki::new("Other");
    let mut signer = pki.leaf(LeafKind::Good);
    signer.chain[1] = other.leaf(LeafKind::Good).chain[1].clone(); // an unrelated intermediate
    signer.chain[2] = other.root_der.clone();
    assert_invalid(&check(MEDIA_TYPE_JWS, &pki::good_jws(&signer), &pki), "chain");
}

#[test]
fn crit_rules() {
    let pki = Pki::new("Root");
    let signer = pki.leaf(LeafKind::Good);
    let mut h = pki::jws_protected("ES256");
    h.as_object_mut().unwrap().remove("crit");
    assert_invalid(&check(MEDIA_TYPE_JWS, &pki::jws(&signer, &h, &pki::payload(DIGEST)), &pki), "crit");
    let env = pki::cose(&signer, &pki::cose_protected(-7, false), &pki::payload(DIGEST));
    assert_invalid(&check(MEDIA_TYPE_COSE, &env, &pki), "crit");
    let mut h = pki::jws_protected("ES256");
    h["crit"] = serde_json::json!(["io.cncf.notary.signingScheme", "io.example.mystery"]);
    h["io.example.mystery"] = "x".into();
    assert_invalid(&check(MEDIA_TYPE_JWS, &pki::jws(&signer, &h, &pki::payload(DIGEST)), &pki), "unknown critical");
    let mut h = pki::jws_protected("ES256");
    h["io.cncf.notary.expiry"] = "2030-01-01T00:00:00Z".into();
    assert_invalid(&check(MEDIA_TYPE_JWS, &pki::jws(&signer, &h, &pki::payload(DIGEST)), &pki), "expiry");
}

#[test]
fn signature_expiry() {
    let pki = Pki::new("Root");
    let signer = pki.leaf(LeafKind::Good);
    let mut h = pki::jws_protected("ES256");
    h["crit"] = serde_json::json!(["io.cncf.notary.signingScheme", "io.cncf.notary.expiry"]);
    h["io.cncf.notary.expiry"] = "2026-05-31T00:00:00Z".into();
    assert_invalid(&check(MEDIA_TYPE_JWS, &pki::jws(&signer, &h, &pki::payload(DIGEST)), &pki), "signature expired");
    h["io.cncf.notary.expiry"] = "2026-06-02T00:00:00Z".into();
    assert!(check(MEDIA_TYPE_JWS, &pki::jws(&signer, &h, &pki::payload(DIGEST)), &pki).is_valid());
}

#[test]
fn unknown_or_mismatched_algorithms() {
    let pki = Pki::new("Root");
    let signer = pki.leaf(LeafKind::Good);
    let env = pki::jws(&signer, &pki::jws_protected("HS256"), &pki::payload(DIGEST));
    assert_unsupported(&check(MEDIA_TYPE_JWS, &env, &pki), "HS256");
    let env = pki::cose(&signer, &pki::cose_protected(-8, true), &pki::payload(DIGEST));
    assert_unsupported(&check(MEDIA_TYPE_COSE, &env, &pki), "-8");
    let env = pki::jws(&signer, &pki::jws_protected("ES384"), &pki::payload(DIGEST));
    assert_invalid(&check(MEDIA_TYPE_JWS, &env, &pki), "does not match the signing key");
    let rsa = pki.leaf(LeafKind::Rsa);
    let env = pki::jws(&rsa, &pki::jws_protected("ES256"), &pki::payload(DIGEST));
    assert_invalid(&check(MEDIA_TYPE_JWS, &env, &pki), "does not match the signing key");
}

#[test]
fn unsupported_media_type_scheme_and_skip() {
    let pki = Pki::new("Root");
    let signer = pki.leaf(LeafKind::Good);
    assert_unsupported(&check("application/json", &pki::good_jws(&signer), &pki), "media type");
    let mut h = pki::jws_protected("ES256");
    h["io.cncf.notary.signingScheme"] = "notary.x509.signingAuthority".into();
    assert_unsupported(&check(MEDIA_TYPE_JWS, &pki::jws(&signer, &h, &pki::payload(DIGEST)), &pki), "signingAuthority");
    let mut h = pki::jws_protected("ES256");
    h["io.cncf.notary.verificationPlugin"] = "com.example.plugin".into();
    assert_unsupported(&check(MEDIA_TYPE_JWS, &pki::jws(&signer, &h, &pki::payload(DIGEST)), &pki), "plugin");
    let skip = TrustPolicy::parse(
        format!(r#"{{"version":"1.0","trustPolicies":[{{"name":"s","registryScopes":["{SCOPE}"],"signatureVerification":{{"level":"skip"}}}}]}}"#)
            .as_bytes(),
    )
    .unwrap();
    let v = verify(MEDIA_TYPE_JWS, b"garbage", &subject(), SCOPE, &skip, &stores(&pki), NOW);
    assert_unsupported(&v, "skipped");
}

#[test]
fn malformed_envelopes_are_invalid() {
    let pki = Pki::new("Root");
    for junk in [&b""[..], b"{}", b"[1,2]", b"\xd2\x84\x40\xa0\x40\x40"] {
        for mt in [MEDIA_TYPE_JWS, MEDIA_TYPE_COSE] {
            assert!(matches!(check(mt, junk, &pki), Verdict::Invalid { .. }), "{mt} {junk:?}");
        }
    }
}

/// Published vector: notaryproject/notation-go `verifier/testdata/timestamp/sigEnv/withoutTimestamp.sig`.
#[test]
fn published_notation_go_jws_vector() {
    let env = include_bytes!("../fixtures/notation-go-withoutTimestamp.jws");
    let json: serde_json::Value = serde_json::from_slice(env).unwrap();
    let cert_b64 = json["header"]["x5c"][0].as_str().unwrap();
    let cert = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, cert_b64).unwrap();
    let mut stores = TrustStores::new();
    stores.add("ca:notary", &cert).unwrap();
    let subject = Subject {
        media_type: "application/vnd.docker.distribution.manifest.v2+json".into(),
        digest: "sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda".into(),
        size: 528,
    };
    let policy = TrustPolicy::parse(
        br#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],"signatureVerification":{"level":"strict"},
        "trustStores":["ca:notary"],"trustedIdentities":["x509.subject: C=US, ST=WA, O=Notary, CN=alpine"]}]}"#,
    )
    .unwrap();
    let v = verify(MEDIA_TYPE_JWS, env, &subject, "localhost:5000/net-monitor", &policy, &stores, NOW);
    assert_eq!(v, Verdict::Valid { signer: "C=US, ST=WA, L=Seattle, O=Notary, CN=alpine".into() });
    // After the certificate's notAfter (2033-05-10) there is no authentic timestamp to fall back on.
    let later = verify(MEDIA_TYPE_JWS, env, &subject, "localhost:5000/net-monitor", &policy, &stores, 2_001_196_800);
    assert_invalid(&later, "certificate expired");
}

/// Envelopes written by an independent implementation (Python `cryptography`, see fixtures/README.md).
#[test]
fn python_written_cose_and_jws_envelopes() {
    let mut stores = TrustStores::new();
    stores.add("ca:py", include_bytes!("../fixtures/python-selfsigned-p256.pem")).unwrap();
    let subject = Subject {
        media_type: "application/vnd.docker.distribution.manifest.v2+json".into(),
        digest: "sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda".into(),
        size: 528,
    };
    let policy = TrustPolicy::parse(
        br#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],"signatureVerification":{"level":"strict"},
        "trustStores":["ca:py"],"trustedIdentities":["x509.subject: O=arca-fuzz, C=US, ST=WA"]}]}"#,
    )
    .unwrap();
    let signer = Verdict::Valid { signer: "C=US, ST=WA, O=arca-fuzz, CN=seed".into() };
    let cose = include_bytes!("../fixtures/python-cose-es256.cose");
    assert_eq!(verify(MEDIA_TYPE_COSE, cose, &subject, "r.io/x", &policy, &stores, NOW), signer);
    let jws = include_bytes!("../fixtures/python-jws-es256-expiry.jws");
    assert_eq!(verify(MEDIA_TYPE_JWS, jws, &subject, "r.io/x", &policy, &stores, NOW), signer);
    let before_expiry = 1_903_000_000; // 2030-04-21; the expiry is 2030-05-01T08:00Z
    assert!(verify(MEDIA_TYPE_JWS, jws, &subject, "r.io/x", &policy, &stores, before_expiry).is_valid());
    let v = verify(MEDIA_TYPE_JWS, jws, &subject, "r.io/x", &policy, &stores, before_expiry + 12 * 86_400);
    assert_invalid(&v, "signature expired");
}
