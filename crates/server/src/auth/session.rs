//! Web UI sessions: a cookie signed with a server secret (so every node sharing the database accepts
//! it, with nothing stored per session), naming the user and an expiry, and bound to the user's
//! current password hash (changing the password, or removing the user, ends every session).
//!
//! The enforcement point accepts the cookie for the UI's routes only ([`arca_ui::NAME`]): on `/v2/`,
//! `/api/v1/`, … a browser's ambient cookie is no credential, so other sites cannot ride on it.
//!
//! Value: `v1.<user, base64url>.<expiry, epoch ms>.<HMAC-SHA256, base64url>`.

use arca_core::auth::{AuthService, Principal};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{KeyInit, Mac};
use std::sync::Arc;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The server secret that signs sessions and CSRF tokens.
pub const SECRET: &str = "ui-session-hmac";
/// How long a session lasts.
pub const LIFETIME_SECS: u64 = 12 * 3600;

/// Issues and checks UI sessions.
pub struct SessionKey {
    key: Vec<u8>,
    auth: Arc<AuthService>,
}

impl SessionKey {
    pub fn new(key: Vec<u8>, auth: Arc<AuthService>) -> Self {
        Self { key, auth }
    }

    fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        for part in parts {
            // Length-prefixed, so no two different part lists hash alike.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }

    fn session_mac(&self, user: &str, expires: i64, password_hash: &str) -> Vec<u8> {
        self.mac(&[b"session", user.as_bytes(), expires.to_string().as_bytes(), password_hash.as_bytes()])
    }

    /// The principal of a session cookie's value: `Ok(None)` when it is not a live session of an
    /// existing user with the password it was opened with; `Err` when the user store is unreachable.
    pub async fn principal(&self, value: &str) -> arca_core::Result<Option<Principal>> {
        let mut parts = value.split('.');
        let (Some("v1"), Some(user), Some(expires), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Ok(None);
        };
        let (Some(user), Ok(expires), Ok(mac)) =
            (B64.decode(user).ok().and_then(|u| String::from_utf8(u).ok()), expires.parse::<i64>(), B64.decode(mac))
        else {
            return Ok(None);
        };
        if expires <= self.auth.clock().now() {
            return Ok(None);
        }
        let user = match self.auth.user(&user).await {
            Ok(user) => user,
            Err(e) if matches!(e.kind, arca_core::ErrorKind::Unavailable | arca_core::ErrorKind::Internal) => {
                return Err(e);
            }
            Err(_) => return Ok(None),
        };
        let Some(hash) = user.password_hash.as_deref() else { return Ok(None) };
        let expected = self.session_mac(&user.name, expires, hash);
        if !arca_core::auth::secret::ct_eq(&expected, &mac) {
            return Ok(None);
        }
        Ok(Some(Principal::user(user.name, user.grants)))
    }
}

#[async_trait]
impl arca_ui::Sessions for SessionKey {
    async fn issue(&self, user: &str) -> arca_core::Result<String> {
        let record = self.auth.user(user).await?;
        let hash = record.password_hash.unwrap_or_default();
        let lifetime = i64::try_from(LIFETIME_SECS * 1000).unwrap_or(i64::MAX);
        let expires = self.auth.clock().now().saturating_add(lifetime);
        let mac = self.session_mac(&record.name, expires, &hash);
        Ok(format!("v1.{}.{expires}.{}", B64.encode(record.name.as_bytes()), B64.encode(mac)))
    }

    fn csrf_token(&self, binding: &str) -> String {
        B64.encode(self.mac(&[b"csrf", binding.as_bytes()]))
    }

    fn lifetime_secs(&self) -> u64 {
        LIFETIME_SECS
    }
}
