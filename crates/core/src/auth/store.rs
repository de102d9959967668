//! The persistence port for users, tokens and server secrets. Every write takes the audit entry that
//! records it and appends it in the same transaction.

use super::Permission;
use crate::Result;
use crate::audit::NewAuditEntry;
use crate::meta::Millis;
use async_trait::async_trait;

/// A user or a service account (a user without a password, reached through its tokens).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub name: String,
    /// Argon2id PHC string; `None` for service accounts.
    #[serde(skip)]
    pub password_hash: Option<String>,
    /// Roles granted on repository patterns.
    pub grants: Vec<Permission>,
    pub created_at: Millis,
}

/// An API token as stored: never its text, only the SHA-256 of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Token {
    /// Public identifier (part of the token text), for listing and revoking.
    pub id: String,
    /// The user the token acts for.
    pub owner: String,
    pub description: String,
    #[serde(skip)]
    pub hash: String,
    /// What the token may do (within its owner's grants).
    pub scopes: Vec<Permission>,
    pub created_at: Millis,
    pub expires_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

impl Token {
    /// Usable at `now`: not revoked, not expired.
    pub fn is_live(&self, now: Millis) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|t| now < t)
    }
}

#[async_trait]
pub trait AuthStore: Send + Sync + 'static {
    /// `false` if a user of that name exists (left unchanged, nothing audited).
    async fn create_user(&self, user: &User, audit: &NewAuditEntry) -> Result<bool>;
    async fn get_user(&self, name: &str) -> Result<Option<User>>;
    async fn list_users(&self) -> Result<Vec<User>>;
    async fn count_users(&self) -> Result<u64>;
    /// Replaces the password hash and grants; `false` if absent.
    async fn update_user(&self, user: &User, audit: &NewAuditEntry) -> Result<bool>;
    /// Deletes the user and their tokens; `false` if absent.
    async fn delete_user(&self, name: &str, audit: &NewAuditEntry) -> Result<bool>;
    async fn create_token(&self, token: &Token, audit: &NewAuditEntry) -> Result<()>;
    async fn get_token(&self, id: &str) -> Result<Option<Token>>;
    /// Tokens of one owner, or of everyone, newest first.
    async fn list_tokens(&self, owner: Option<&str>) -> Result<Vec<Token>>;
    /// Marks a live token revoked at `now`; `false` if unknown or already revoked.
    async fn revoke_token(&self, id: &str, now: Millis, audit: &NewAuditEntry) -> Result<bool>;
    /// The server secret called `name`: stored on first call with `candidate`, then always the stored
    /// one (so every node and every restart signs with the same key).
    async fn server_secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>>;
}
