//! Properties: parsers of untrusted input never panic, and PAE never encodes two different
//! (type, body) pairs the same way.

use arca_trust::dsse::{Envelope, pae};
use arca_trust::encoding::{b64_decode, b64_encode, b64_encode_url};
use arca_trust::{Bundle, PublicKey, SigningKey, Statement, simple_signing};
use proptest::prelude::*;

use crate::fixture;

fn seeds() -> Vec<Vec<u8>> {
    [
        "sigstore-rs/bundle_v03.trimmed.json",
        "sigstore-rs/dsse-2sigs.trimmed.json",
        "sigstore-go/bundle-public-key.json",
        "sigstore-go/public-key.pem",
        "slsa/github-attest-build-provenance.v1.json",
        "cosign/ec_p256.key",
    ]
    .iter()
    .map(|f| fixture(f))
    .collect()
}

fn parse_everything(bytes: &[u8]) {
    let _ = Envelope::parse(bytes);
    let _ = Statement::parse(bytes);
    let _ = Bundle::parse(bytes);
    let _ = PublicKey::from_pem(bytes);
    let _ = PublicKey::from_spki_der(bytes);
    let _ = SigningKey::from_pkcs8_der(bytes);
    let _ = SigningKey::from_sec1_der(bytes);
    let _ = simple_signing::claims(bytes);
    let text = String::from_utf8_lossy(bytes);
    let _ = simple_signing::verify(bytes, &text, &text, &[]);
    if let Ok(bundle) = Bundle::parse(bytes) {
        let _ = arca_trust::bundle::verify(&bundle, &text, &[]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        parse_everything(&bytes);
    }

    #[test]
    fn parsers_never_panic_on_mutated_fixtures(pick in 0usize..6, at in any::<usize>(), byte in any::<u8>(), cut in any::<usize>()) {
        let mut bytes = seeds()[pick].clone();
        let i = at % bytes.len();
        bytes[i] = byte;
        parse_everything(&bytes);
        bytes.truncate(cut % (bytes.len() + 1));
        parse_everything(&bytes);
    }

    #[test]
    fn pae_is_injective(t1 in ".{0,12}", b1 in proptest::collection::vec(any::<u8>(), 0..24),
                        t2 in ".{0,12}", b2 in proptest::collection::vec(any::<u8>(), 0..24)) {
        prop_assume!((&t1, &b1) != (&t2, &b2));
        prop_assert_ne!(pae(&t1, &b1), pae(&t2, &b2));
    }

    #[test]
    fn base64_decodes_both_alphabets(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(b64_decode(&b64_encode(&bytes)), Some(bytes.clone()));
        prop_assert_eq!(b64_decode(&b64_encode_url(&bytes)), Some(bytes));
    }
}
