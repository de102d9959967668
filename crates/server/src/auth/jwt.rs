//! Short-lived registry tokens: JWTs signed with HS256 (HMAC-SHA256) under a server secret kept in
//! the metadata store, so every node and every restart accepts them. Encoding, decoding, the
//! algorithm allow-list (only `HS256`; `none` and every other algorithm are refused) and the
//! `aud`/`iss` checks are `jsonwebtoken`'s; its crypto is a provider of our own that knows HS256 only,
//! on the `hmac`/`sha2` crates the workspace already builds (the crate's `rust_crypto` feature would
//! also compile RSA, ECDSA and EdDSA, which arca never accepts — ARCHITECTURE.md, "Hand-written or
//! library"). Expiry is checked here against the caller's clock (`now`), never the wall clock.

use hmac::{KeyInit, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::signature;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

/// One `access` entry of a Docker registry token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Access {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The user name; empty for an anonymous token.
    pub sub: String,
    pub aud: String,
    /// Seconds since the Unix epoch.
    pub iat: i64,
    pub exp: i64,
    pub access: Vec<Access>,
}

/// The signing key.
#[derive(Clone)]
pub struct JwtKey(Vec<u8>);

impl std::fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKey(..)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("malformed token")]
    Malformed,
    #[error("bad signature")]
    Signature,
    #[error("expired token")]
    Expired,
    #[error("token issued by or for another service")]
    Audience,
}

impl JwtKey {
    pub fn new(secret: Vec<u8>) -> Self {
        Self(secret)
    }

    pub fn sign(&self, claims: &Claims) -> String {
        install_provider();
        let key = EncodingKey::from_secret(&self.0);
        key.and_then(|key| jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key)).unwrap_or_default()
    }

    /// The claims of a token this key signed (compared in constant time) that has not expired at `now`.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, JwtError> {
        install_provider();
        let mut validation = Validation::new(Algorithm::HS256);
        // A token for another service (`/token?service=other`) must not open this one.
        validation.set_audience(&[super::SERVICE]);
        validation.set_issuer(&[super::SERVICE]);
        validation.set_required_spec_claims(&["exp", "aud", "iss"]);
        // The library would read the wall clock (with a minute's leeway); `now` is the caller's clock.
        validation.validate_exp = false;
        let key = DecodingKey::from_secret(&self.0).map_err(|_| JwtError::Signature)?;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature => JwtError::Signature,
                ErrorKind::InvalidAudience | ErrorKind::InvalidIssuer => JwtError::Audience,
                _ => JwtError::Malformed,
            })?
            .claims;
        if claims.exp <= now {
            return Err(JwtError::Expired);
        }
        Ok(claims)
    }
}

/// jsonwebtoken's crypto for this process: HS256 and nothing else.
static HS256_ONLY: CryptoProvider = CryptoProvider {
    signer_factory: |alg, key| Ok(Box::new(Hs256::new(*alg, key.family(), key.as_bytes())?)),
    verifier_factory: |alg, key| Ok(Box::new(Hs256::new(*alg, key.family(), key.try_get_as_bytes()?)?)),
    key_utils: KeyUtils::new_unimplemented(),
};

fn install_provider() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    // Fails only if a provider is already installed, which then serves.
    INSTALLED.call_once(|| {
        let _ = HS256_ONLY.install_default();
    });
}

/// HMAC-SHA256 over the signing input; verification compares in constant time (`Mac::verify_slice`).
struct Hs256(HmacSha256);

impl Hs256 {
    fn new(alg: Algorithm, family: AlgorithmFamily, secret: &[u8]) -> jsonwebtoken::errors::Result<Self> {
        if alg != Algorithm::HS256 {
            return Err(ErrorKind::UnsupportedAlgorithm.into());
        }
        if family != AlgorithmFamily::Hmac {
            return Err(ErrorKind::InvalidKeyFormat.into());
        }
        let mac = <HmacSha256 as KeyInit>::new_from_slice(secret).map_err(|_| ErrorKind::InvalidKeyFormat)?;
        Ok(Self(mac))
    }
}

impl signature::Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        Ok(self.0.clone().chain_update(msg).finalize().into_bytes().to_vec())
    }
}

impl signature::Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        self.0.clone().chain_update(msg).verify_slice(signature).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

    fn claims(exp: i64) -> Claims {
        Claims {
            iss: "arca".into(),
            sub: "alice".into(),
            aud: "arca".into(),
            iat: 0,
            exp,
            access: vec![Access { kind: "repository".into(), name: "dev/app".into(), actions: vec!["pull".into()] }],
        }
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let key = JwtKey::new(b"secret".to_vec());
        let token = key.sign(&claims(100));
        assert_eq!(key.verify(&token, 99), Ok(claims(100)));
        assert_eq!(key.verify(&token, 100), Err(JwtError::Expired));
    }

    #[test]
    fn forged_or_mangled_tokens_are_refused() {
        let key = JwtKey::new(b"secret".to_vec());
        let token = key.sign(&claims(100));
        assert_eq!(JwtKey::new(b"other".to_vec()).verify(&token, 0), Err(JwtError::Signature));
        let (head, rest) = token.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        let mut forged = claims(100);
        forged.access[0].actions.push("push".into());
        let payload = B64.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(key.verify(&format!("{head}.{payload}.{sig}"), 0), Err(JwtError::Signature));
        let none = format!("{}.{payload}.", B64.encode(r#"{"alg":"none"}"#));
        assert_eq!(key.verify(&none, 0), Err(JwtError::Malformed));
        assert_eq!(key.verify("a.b", 0), Err(JwtError::Malformed));
    }

    #[test]
    fn tokens_for_another_audience_or_issuer_are_refused() {
        let key = JwtKey::new(b"secret".to_vec());
        let mut other = claims(100);
        other.aud = "not-arca".into();
        assert_eq!(key.verify(&key.sign(&other), 0), Err(JwtError::Audience));
        let mut other = claims(100);
        other.iss = "elsewhere".into();
        assert_eq!(key.verify(&key.sign(&other), 0), Err(JwtError::Audience));
    }

    #[test]
    fn only_hs256_is_accepted() {
        let key = JwtKey::new(b"secret".to_vec());
        let token = key.sign(&claims(100));
        let (_, rest) = token.split_once('.').unwrap();
        let (payload, _) = rest.split_once('.').unwrap();
        // The same key under HS512 (a valid MAC, another algorithm) and a header without `alg`.
        let header = B64.encode(r#"{"alg":"HS512","typ":"JWT"}"#);
        let input = format!("{header}.{payload}");
        let mac = <hmac::Hmac<sha2::Sha512> as KeyInit>::new_from_slice(b"secret").unwrap().chain_update(&input);
        let hs512 = format!("{input}.{}", B64.encode(mac.finalize().into_bytes()));
        assert_eq!(key.verify(&hs512, 0), Err(JwtError::Malformed));
        let no_alg = format!("{}.{payload}.{}", B64.encode(r#"{"typ":"JWT"}"#), token.rsplit_once('.').unwrap().1);
        assert_eq!(key.verify(&no_alg, 0), Err(JwtError::Malformed));
    }
}
