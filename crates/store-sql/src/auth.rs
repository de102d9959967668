//! Users, tokens and server secrets. Grants and scopes are stored as JSON arrays.

use crate::db::{col, corrupt, db_err};
use crate::sql::{Row, query};
use crate::{SqlMetaStore, audit};
use arca_core::Result;
use arca_core::audit::NewAuditEntry;
use arca_core::auth::{AuthStore, Permission, Token, User};
use arca_core::meta::Millis;
use async_trait::async_trait;

macro_rules! user_columns {
    () => {
        "name, password_hash, grants, created_at"
    };
}
macro_rules! token_columns {
    () => {
        "id, owner, description, hash, scopes, created_at, expires_at, revoked_at"
    };
}

#[async_trait]
impl AuthStore for SqlMetaStore {
    async fn create_user(&self, user: &User, entry: &NewAuditEntry) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let done = query(
            "INSERT INTO users (name, password_hash, grants, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(user.name.as_str())
        .bind(user.password_hash.as_deref())
        .bind(permissions_json(&user.grants))
        .bind(user.created_at)
        .execute(&mut tx)
        .await
        .map_err(db_err("creating a user"))?;
        crate::audit::commit_audited(tx, done == 1, entry, "creating a user").await
    }

    async fn get_user(&self, name: &str) -> Result<Option<User>> {
        let row = query(concat!("SELECT ", user_columns!(), " FROM users WHERE name = $1"))
            .bind(name)
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading a user"))?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let rows = query(concat!("SELECT ", user_columns!(), " FROM users ORDER BY name"))
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(db_err("listing users"))?;
        rows.iter().map(user_from_row).collect()
    }

    async fn count_users(&self) -> Result<u64> {
        let n: i64 = query("SELECT CAST(COUNT(*) AS BIGINT) FROM users")
            .fetch_one(&mut self.db.read().await?)
            .await
            .and_then(|row| row.get(0))
            .map_err(db_err("counting users"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn update_user(&self, user: &User, entry: &NewAuditEntry) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let done = query("UPDATE users SET password_hash = $1, grants = $2 WHERE name = $3")
            .bind(user.password_hash.as_deref())
            .bind(permissions_json(&user.grants))
            .bind(user.name.as_str())
            .execute(&mut tx)
            .await
            .map_err(db_err("updating a user"))?;
        crate::audit::commit_audited(tx, done == 1, entry, "updating a user").await
    }

    async fn delete_user(&self, name: &str, entry: &NewAuditEntry) -> Result<bool> {
        let mut tx = self.db.write().await?;
        query("DELETE FROM tokens WHERE owner = $1")
            .bind(name)
            .execute(&mut tx)
            .await
            .map_err(db_err("deleting a user's tokens"))?;
        let done = query("DELETE FROM users WHERE name = $1")
            .bind(name)
            .execute(&mut tx)
            .await
            .map_err(db_err("deleting a user"))?;
        crate::audit::commit_audited(tx, done == 1, entry, "deleting a user").await
    }

    async fn create_token(&self, token: &Token, entry: &NewAuditEntry) -> Result<()> {
        let mut tx = self.db.write().await?;
        query(concat!("INSERT INTO tokens (", token_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
            .bind(token.id.as_str())
            .bind(token.owner.as_str())
            .bind(token.description.as_str())
            .bind(token.hash.as_str())
            .bind(permissions_json(&token.scopes))
            .bind(token.created_at)
            .bind(token.expires_at)
            .bind(token.revoked_at)
            .execute(&mut tx)
            .await
            .map_err(db_err("creating a token"))?;
        audit::append(&mut tx, entry).await?;
        tx.commit().await.map_err(db_err("creating a token"))
    }

    async fn get_token(&self, id: &str) -> Result<Option<Token>> {
        let row = query(concat!("SELECT ", token_columns!(), " FROM tokens WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading a token"))?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn list_tokens(&self, owner: Option<&str>) -> Result<Vec<Token>> {
        let rows = query(concat!(
            "SELECT ",
            token_columns!(),
            " FROM tokens WHERE ($1 IS NULL OR owner = $1) ORDER BY created_at DESC, id"
        ))
        .bind(owner)
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("listing tokens"))?;
        rows.iter().map(token_from_row).collect()
    }

    async fn revoke_token(&self, id: &str, now: Millis, entry: &NewAuditEntry) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let done = query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut tx)
            .await
            .map_err(db_err("revoking a token"))?;
        crate::audit::commit_audited(tx, done == 1, entry, "revoking a token").await
    }

    async fn server_secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>> {
        let mut tx = self.db.write().await?;
        query("INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .bind(arca_core::now_millis())
            .execute(&mut tx)
            .await
            .map_err(db_err("storing a server secret"))?;
        let value: Vec<u8> = query("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&mut tx)
            .await
            .and_then(|row| row.get(0))
            .map_err(db_err("reading a server secret"))?;
        tx.commit().await.map_err(db_err("storing a server secret"))?;
        Ok(value)
    }
}

fn permissions_json(permissions: &[Permission]) -> String {
    serde_json::to_string(permissions).unwrap_or_else(|_| "[]".to_owned())
}

fn permissions(text: &str) -> Result<Vec<Permission>> {
    serde_json::from_str(text).map_err(|e| corrupt("permissions", text, e))
}

fn user_from_row(row: &Row) -> Result<User> {
    let grants: String = col(row, 2)?;
    Ok(User {
        name: col(row, 0)?,
        password_hash: col(row, 1)?,
        grants: permissions(&grants)?,
        created_at: col(row, 3)?,
    })
}

fn token_from_row(row: &Row) -> Result<Token> {
    let scopes: String = col(row, 4)?;
    Ok(Token {
        id: col(row, 0)?,
        owner: col(row, 1)?,
        description: col(row, 2)?,
        hash: col(row, 3)?,
        scopes: permissions(&scopes)?,
        created_at: col(row, 5)?,
        expires_at: col(row, 6)?,
        revoked_at: col(row, 7)?,
    })
}
