//! `arca_notation::TrustPolicy::parse` and `arca_notation::verify` on arbitrary JWS and COSE
//! envelopes: never panics; an accepted policy sends each of its scopes to itself (a scope belongs to
//! one policy only); `verify` only says `Valid` for the one certificate in the trust store (the
//! notation-go test vector's self-signed `CN=alpine`), since nothing else can sign.
//! Input: 1 selector byte (0 = policy, 1 = JWS envelope, 2 = COSE envelope), then the bytes.
#![no_main]

use std::sync::OnceLock;

use arca_notation::{MEDIA_TYPE_COSE, MEDIA_TYPE_JWS, Subject, TrustPolicy, TrustStores, Verdict, verify};
use libfuzzer_sys::fuzz_target;

/// The x5c certificate of notation-go `verifier/testdata/timestamp/sigEnv/withoutTimestamp.sig`.
const ALPINE_CERT_B64: &str = "MIIDPjCCAiagAwIBAgIBeTANBgkqhkiG9w0BAQsFADBOMQswCQYDVQQGEwJVUzELMAkGA1UECBMCV0ExEDAOBgNVBAcTB1NlYXR0bGUxDzANBgNVBAoTBk5vdGFyeTEPMA0GA1UEAxMGYWxwaW5lMB4XDTIzMDUwOTA0NTUxMloXDTMzMDUxMDA0NTUxMlowTjELMAkGA1UEBhMCVVMxCzAJBgNVBAgTAldBMRAwDgYDVQQHEwdTZWF0dGxlMQ8wDQYDVQQKEwZOb3RhcnkxDzANBgNVBAMTBmFscGluZTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAK5hpq1229GGLjMK6i9KZhuUO+SV7rUFnWIDiIPO5yWxYDkl+bGroeAvJYu6MVCMQ6FMRXD9jhnG6R+sAHwY7gVgcJ1OXak87PkLp/Ii1Cr7XkkySZeD+Br1vSQzfxs3pFG+iBCeVVkeZdsg+xqwnAlqAILXwIbTGRyJP1Xiu9nwOeuX1YmxPl2m29Pt1EtfVCL9COsVKt5LgOVyWP/9ISWevOBqSCU9bk35HFo9VTeUf6+ffhSMjv0Y9uwkFFOKXpcV8Sa3ArqyBmgQlUfGg1iwYlqiDE0fTYxiB3gLgETAlmTm50J+WB9LoDrnrQpbXFLoegm+JV+uSD8J8H7DL2sCAwEAAaMnMCUwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMDMA0GCSqGSIb3DQEBCwUAA4IBAQAt0Nvna1c4pPn8kzoN5VvmFmeIgdO/BJpmdhdg0WIQ9aeN/xPXXaVjPp1Mk7edXHAvBwQr0Gyzqyy7g/h0gdnAFG7f6blrRNzbrRBCq6cNqX8iwgK/9+2OYKxk1QWj8Gx0cvu1DN1aXjPPGgQ2j3tHjJvJv32J/zuZa8gU40RPPSLaBlc5ZjpFmyi29sKlTeeZ+F/Ssic51qXXw2CsYGGWK5yQ3xSCxbw6bb2G/s/YI7/KlWg9BktBJHzRu04ZNR77W7/dyJ3Lj17PlW1XKmMOFHsQivagXeRCbmYZ43fX4ugFRFKL7KE0EgmGOWpJ0xv+6ig93sqHzQ/0uv1YgFov";
const ALPINE_DN: &str = "C=US, ST=WA, L=Seattle, O=Notary, CN=alpine";
const NOW: i64 = 1_780_272_000; // 2026-06-01, inside the certificate's validity
const SCOPE: &str = "registry.example/ns/repo";
const POLICY: &[u8] = br#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["*"],
  "signatureVerification":{"level":"strict"},"trustStores":["ca:notary"],"trustedIdentities":["*"]}]}"#;

fn fixture() -> &'static (TrustPolicy, TrustStores, Subject) {
    static FIXTURE: OnceLock<(TrustPolicy, TrustStores, Subject)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let pem = format!("-----BEGIN CERTIFICATE-----\n{ALPINE_CERT_B64}\n-----END CERTIFICATE-----\n");
        let mut stores = TrustStores::new();
        stores.add("ca:notary", pem.as_bytes()).expect("fixture certificate");
        let subject = Subject {
            media_type: "application/vnd.docker.distribution.manifest.v2+json".into(),
            digest: "sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda".into(),
            size: 528,
        };
        (TrustPolicy::parse(POLICY).expect("fixture policy"), stores, subject)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    match selector % 3 {
        0 => {
            if let Ok(policy) = TrustPolicy::parse(rest) {
                for entry in &policy.policies {
                    for scope in entry.registry_scopes.iter().flatten() {
                        let chosen = policy.policy_for(scope).map(|p| p.name.as_str());
                        assert_eq!(chosen, Some(entry.name.as_str()), "{scope}");
                    }
                }
            }
        }
        n => {
            let (policy, stores, subject) = fixture();
            let media_type = if n == 1 { MEDIA_TYPE_JWS } else { MEDIA_TYPE_COSE };
            if let Verdict::Valid { signer } = verify(media_type, rest, subject, SCOPE, policy, stores, NOW) {
                assert_eq!(signer, ALPINE_DN);
            }
        }
    }
});
