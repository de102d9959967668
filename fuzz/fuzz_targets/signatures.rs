//! `arca_trust` parsers of untrusted signature material: `Envelope::parse`, `Statement::parse`,
//! `Bundle::parse` (+ `bundle::verify`), `PublicKey::from_pem`/`from_spki_der`,
//! `SigningKey::from_pkcs8_der`/`from_sec1_der`, and `simple_signing::verify`. Never panics; what
//! parses re-encodes to something that parses back to the same value, and nothing random verifies.
//! Input: the whole input is offered to every parser; for `simple_signing::verify` the part before
//! the first newline is the base64 signature and the rest the payload.
#![no_main]

use arca_trust::{Bundle, Envelope, PublicKey, SigningKey, Statement, simple_signing};
use arca_types::Verdict;
use libfuzzer_sys::fuzz_target;

/// sigstore-go's example public key (`examples/public-key.pem`), a fixed trust root.
const ROOT: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGg6Hjxt2UNiJ1kwwq5XQIIwMZnJf
VQ3bF01uZKteMdcV/3qhCmWOecoxRqwrbYTshGg9NyXcBbve6zKwZVTLeg==
-----END PUBLIC KEY-----
";
const SUBJECT: &str = "sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172";

fuzz_target!(|data: &[u8]| {
    let roots = [PublicKey::from_pem(ROOT.as_bytes()).expect("the fixed root parses")];

    if let Ok(envelope) = Envelope::parse(data) {
        assert_eq!(Envelope::parse(envelope.to_json().as_bytes()).as_ref(), Ok(&envelope));
        let _ = arca_trust::dsse::verify(&envelope, &roots);
    }
    if let Ok(statement) = Statement::parse(data) {
        assert_eq!(Statement::parse(&statement.to_json()).as_ref(), Ok(&statement));
        let _ = statement.covers(SUBJECT);
        let _ = arca_trust::Provenance::from_statement(&statement);
    }
    if let Ok(bundle) = Bundle::parse(data) {
        assert_eq!(Bundle::parse(bundle.to_json().as_bytes()).as_ref(), Ok(&bundle));
        let outcome = arca_trust::bundle::verify(&bundle, SUBJECT, &roots);
        assert!(!outcome.verdict.is_valid(), "a fuzzed bundle verified: {outcome:?}");
        let _ = arca_trust::bundle::verify_artifact(&bundle, data, &roots);
    }
    if let Ok(key) = PublicKey::from_pem(data) {
        assert_eq!(PublicKey::from_pem(key.to_pem().as_bytes()).as_ref(), Ok(&key));
        let _ = key.verify(data, data);
    }
    let _ = PublicKey::from_spki_der(data);
    let _ = SigningKey::from_pkcs8_der(data);
    let _ = SigningKey::from_sec1_der(data);

    let (signature, payload) = match data.iter().position(|&b| b == b'\n') {
        Some(nl) => (String::from_utf8_lossy(&data[..nl]).into_owned(), &data[nl + 1..]),
        None => (String::new(), data),
    };
    let verdict = simple_signing::verify(payload, &signature, SUBJECT, &roots);
    assert!(!matches!(verdict, Verdict::Valid { .. }), "a fuzzed signature verified: {verdict:?}");
    let _ = simple_signing::claims(payload);
});
