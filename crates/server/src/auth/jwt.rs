//! Short-lived registry tokens: JWTs signed with HS256 (HMAC-SHA256) under a server secret kept in
//! the metadata store, so every node and every restart accepts them. Hand-rolled: header, claims and
//! signature, base64url without padding; only `HS256` is ever accepted.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

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

    fn mac(&self) -> HmacSha256 {
        <HmacSha256 as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length")
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        let signing_input = format!("{}.{}", B64.encode(HEADER), B64.encode(payload));
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        format!("{signing_input}.{}", B64.encode(mac.finalize().into_bytes()))
    }

    /// The claims of a token this key signed (compared in constant time) that has not expired at `now`.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, JwtError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed);
        };
        let header = B64.decode(header).map_err(|_| JwtError::Malformed)?;
        let alg: serde_json::Value = serde_json::from_slice(&header).map_err(|_| JwtError::Malformed)?;
        if alg.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
            return Err(JwtError::Malformed);
        }
        let signature = B64.decode(signature).map_err(|_| JwtError::Malformed)?;
        let mut mac = self.mac();
        let (signing_input, _) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
        mac.update(signing_input.as_bytes());
        mac.verify_slice(&signature).map_err(|_| JwtError::Signature)?;
        let claims: Claims = serde_json::from_slice(&B64.decode(payload).map_err(|_| JwtError::Malformed)?)
            .map_err(|_| JwtError::Malformed)?;
        if claims.exp <= now {
            return Err(JwtError::Expired);
        }
        // A token for another service (`/token?service=other`) must not open this one.
        if claims.aud != super::SERVICE || claims.iss != super::SERVICE {
            return Err(JwtError::Audience);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
