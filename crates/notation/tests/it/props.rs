//! Parsers never panic on arbitrary bytes; neither does `verify`, for either envelope type.

use arca_notation::{MEDIA_TYPE_COSE, MEDIA_TYPE_JWS, Subject, TrustPolicy, TrustStores, verify};
use proptest::prelude::*;

fn policy() -> TrustPolicy {
    TrustPolicy::parse(
        br#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],"signatureVerification":{"level":"strict"},"trustStores":["ca:a"],"trustedIdentities":["*"]}]}"#,
    )
    .unwrap()
}

fn subject() -> Subject {
    Subject { media_type: "application/vnd.oci.image.manifest.v1+json".into(), digest: "sha256:00".into(), size: 1 }
}

proptest! {
    #[test]
    fn policy_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = TrustPolicy::parse(&bytes);
    }

    #[test]
    fn policy_parse_never_panics_on_jsonish_text(s in r#"[\{\}\[\]":,a-z0-9 \*/.=]{0,200}"#) {
        let _ = TrustPolicy::parse(s.as_bytes());
    }

    #[test]
    fn store_add_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = TrustStores::new().add("ca:x", &bytes);
    }

    #[test]
    fn verify_never_panics_on_arbitrary_envelopes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        for mt in [MEDIA_TYPE_JWS, MEDIA_TYPE_COSE] {
            let v = verify(mt, &bytes, &subject(), "r.io/x", &policy(), &TrustStores::new(), 0);
            prop_assert!(!v.is_valid());
        }
    }

    #[test]
    fn verify_never_panics_on_mutated_envelopes(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let pki = crate::pki::Pki::new("Root");
        let signer = pki.leaf(crate::pki::LeafKind::Good);
        for (mt, mut env) in [(MEDIA_TYPE_JWS, crate::pki::good_jws(&signer)), (MEDIA_TYPE_COSE, crate::pki::good_cose(&signer))] {
            for (at, x) in &flips {
                let i = at % env.len();
                env[i] ^= x;
            }
            let _ = verify(mt, &env, &subject(), "r.io/x", &policy(), &TrustStores::new(), 0);
        }
    }
}
