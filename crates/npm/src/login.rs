//! Accounts: the legacy CouchDB-style login (`PUT /-/user/org.couchdb.user:<name>`, what
//! `npm adduser --auth-type=legacy` and scripts send), `whoami` and `ping`.

use crate::NpmError;
use serde::Deserialize;
use serde_json::{Value, json};

/// The `PUT /-/user/org.couchdb.user:<name>` body: `{_id, name, password, email?, type, roles,
/// date}`. The password may be absent when a client only checks that the user exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouchUser {
    pub name: String,
    pub password: Option<String>,
    pub email: Option<String>,
}

#[derive(Deserialize)]
struct RawUser {
    #[serde(rename = "_id")]
    id: Option<String>,
    name: String,
    password: Option<String>,
    email: Option<String>,
}

const USER_PREFIX: &str = "org.couchdb.user:";

impl CouchUser {
    /// The body, its `_id` (when sent) agreeing with its `name`.
    pub fn parse(body: &[u8]) -> Result<Self, NpmError> {
        let raw: RawUser = serde_json::from_slice(body)
            .map_err(|_| NpmError::InvalidRequest("login: expected {\"name\": …, \"password\": …}".to_owned()))?;
        if raw.name.is_empty() || raw.name.len() > 256 {
            return Err(NpmError::field("name", "must have 1 to 256 bytes"));
        }
        if raw.id.as_deref().is_some_and(|id| id.strip_prefix(USER_PREFIX) != Some(raw.name.as_str())) {
            return Err(NpmError::field("_id", "must be org.couchdb.user:<name>"));
        }
        Ok(Self { name: raw.name, password: raw.password, email: raw.email })
    }

    /// The user named in the URL (`org.couchdb.user:<name>`, or the bare name) is this one.
    pub fn check_url_user(&self, url_segment: &str) -> Result<(), NpmError> {
        let user = url_segment.strip_prefix(USER_PREFIX).unwrap_or(url_segment);
        if user == self.name {
            Ok(())
        } else {
            Err(NpmError::NameMismatch { expected: user.to_owned(), found: self.name.clone() })
        }
    }
}

/// The 201 answer to a successful login: npm-profile reads `token`.
pub fn login_ok_body(name: &str, token: &str) -> Value {
    json!({ "ok": true, "id": format!("{USER_PREFIX}{name}"), "token": token })
}

/// `GET /-/whoami`.
pub fn whoami_body(username: &str) -> Value {
    json!({ "username": username })
}

/// `GET /-/ping`: npm only looks at the status.
pub fn ping_body() -> Value {
    json!({})
}
