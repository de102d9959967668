//! Principals, roles and authorization decisions.
//!
//! A [`Principal`] is who a request acts as: anonymous, a user (with role grants on repository
//! patterns), or a token (its scopes, further limited by its owner's grants). [`Principal::allows`] is
//! the one place a decision is made; the server asks it for every route.
//!
//! Submodules: [`secret`] (argon2 passwords, random tokens, constant-time comparison), [`store`] (the
//! persistence port and the stored shapes), [`service`] (login, bootstrap, user and token
//! administration, all audited), [`throttle`] (back-off on failed logins).

mod need;
pub mod secret;
pub mod service;
pub mod store;
pub mod throttle;
pub mod verified;

pub use need::Need;
pub use service::{AuthService, IssuedToken, LoginError, LoginLimits};
pub use store::{AuthStore, Token, User};

use crate::registry::glob_match;

/// What a request does to a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Read,
    Publish,
    Delete,
    Promote,
    Admin,
}

impl Action {
    pub const ALL: [Self; 5] = [Self::Read, Self::Publish, Self::Delete, Self::Promote, Self::Admin];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Publish => "publish",
            Self::Delete => "delete",
            Self::Promote => "promote",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// A named set of actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Reader,
    Publisher,
    Promoter,
    Admin,
}

impl Role {
    pub const fn actions(self) -> &'static [Action] {
        match self {
            Self::Reader => &[Action::Read],
            Self::Publisher => &[Action::Read, Action::Publish],
            Self::Promoter => &[Action::Read, Action::Promote],
            Self::Admin => &Action::ALL,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Reader => "reader",
            Self::Publisher => "publisher",
            Self::Promoter => "promoter",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Reader, Self::Publisher, Self::Promoter, Self::Admin].into_iter().find(|r| r.as_str() == s)
    }
}

/// Actions on the repositories whose name matches a glob pattern (`*`, `dev-*`, `prod`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Permission {
    pub pattern: String,
    pub actions: Vec<Action>,
}

impl Permission {
    pub fn new(pattern: impl Into<String>, actions: &[Action]) -> Self {
        Self { pattern: pattern.into(), actions: actions.to_vec() }
    }

    /// A role granted on a pattern.
    pub fn role(role: Role, pattern: impl Into<String>) -> Self {
        Self::new(pattern, role.actions())
    }

    /// Parses `PATTERN:ACTION[,ACTION…]` or `PATTERN:ROLE` (`dev-*:read,publish`, `*:admin`).
    pub fn parse(text: &str) -> Option<Self> {
        let (pattern, what) = text.rsplit_once(':')?;
        if pattern.is_empty() {
            return None;
        }
        if let Some(role) = Role::parse(what) {
            return Some(Self::role(role, pattern));
        }
        let actions: Option<Vec<Action>> = what.split(',').map(Action::parse).collect();
        actions.filter(|a| !a.is_empty()).map(|actions| Self { pattern: pattern.to_owned(), actions })
    }

    fn allows(&self, action: Action, repository: &str) -> bool {
        self.actions.contains(&action) && glob_match(&self.pattern, repository)
    }

    /// Whether this permission covers every repository.
    fn is_global(&self, action: Action) -> bool {
        self.actions.contains(&action) && self.pattern == "*"
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let actions: Vec<&str> = self.actions.iter().map(|a| a.as_str()).collect();
        write!(f, "{}:{}", self.pattern, actions.join(","))
    }
}

/// Who a request acts as, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `None` for anonymous.
    pub name: Option<String>,
    /// Every layer must allow an action: a user has one (their grants); a token two (its owner's
    /// grants and its own scopes).
    layers: Vec<Vec<Permission>>,
}

impl Principal {
    /// Anonymous, with read access to the repositories matching `anonymous_read`.
    pub fn anonymous(anonymous_read: &[String]) -> Self {
        Self {
            name: None,
            layers: vec![anonymous_read.iter().map(|p| Permission::new(p.clone(), &[Action::Read])).collect()],
        }
    }

    /// Exactly `grants`, for `name` (anonymous with `None`): a registry token's access claims.
    pub fn granted(name: Option<String>, grants: Vec<Permission>) -> Self {
        Self { name, layers: vec![grants] }
    }

    pub fn user(name: impl Into<String>, grants: Vec<Permission>) -> Self {
        Self { name: Some(name.into()), layers: vec![grants] }
    }

    /// A token: its scopes, never beyond its owner's grants.
    pub fn token(owner: impl Into<String>, owner_grants: Vec<Permission>, scopes: Vec<Permission>) -> Self {
        Self { name: Some(owner.into()), layers: vec![owner_grants, scopes] }
    }

    pub fn is_anonymous(&self) -> bool {
        self.name.is_none()
    }

    /// Whether `action` is allowed on `repository`.
    pub fn allows(&self, action: Action, repository: &str) -> bool {
        !self.layers.is_empty() && self.layers.iter().all(|layer| layer.iter().any(|p| p.allows(action, repository)))
    }

    /// Whether `action` is allowed on every repository (`*` grants): catalog, user and audit admin.
    pub fn allows_everywhere(&self, action: Action) -> bool {
        !self.layers.is_empty() && self.layers.iter().all(|layer| layer.iter().any(|p| p.is_global(action)))
    }

    /// The actions allowed on `repository`.
    pub fn actions_on(&self, repository: &str) -> Vec<Action> {
        Action::ALL.into_iter().filter(|a| self.allows(*a, repository)).collect()
    }

    /// The name for audit entries.
    pub fn audit_name(&self) -> &str {
        self.name.as_deref().unwrap_or("anonymous")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_their_actions_on_matching_repositories() {
        let p = Principal::user(
            "alice",
            vec![Permission::role(Role::Publisher, "dev-*"), Permission::role(Role::Reader, "prod")],
        );
        assert!(p.allows(Action::Publish, "dev-team"));
        assert!(p.allows(Action::Read, "prod"));
        assert!(!p.allows(Action::Publish, "prod"));
        assert!(!p.allows(Action::Delete, "dev-team"));
        assert!(!p.allows_everywhere(Action::Read));
        let admin = Principal::user("root", vec![Permission::role(Role::Admin, "*")]);
        assert!(admin.allows_everywhere(Action::Admin));
    }

    #[test]
    fn a_token_never_exceeds_its_owner() {
        let t = Principal::token(
            "ci",
            vec![Permission::role(Role::Publisher, "dev")],
            vec![Permission::new("*", &[Action::Read, Action::Publish, Action::Delete])],
        );
        assert!(t.allows(Action::Publish, "dev"));
        assert!(!t.allows(Action::Delete, "dev"), "the owner may not delete");
        assert!(!t.allows(Action::Read, "prod"), "the owner may not read prod");
    }

    #[test]
    fn anonymous_reads_only_what_is_opened() {
        assert!(!Principal::anonymous(&[]).allows(Action::Read, "dev"));
        let open = Principal::anonymous(&["public-*".into()]);
        assert!(open.allows(Action::Read, "public-images"));
        assert!(!open.allows(Action::Publish, "public-images"));
    }

    #[test]
    fn permissions_parse_from_text() {
        assert_eq!(
            Permission::parse("dev-*:read,publish"),
            Some(Permission::new("dev-*", &[Action::Read, Action::Publish]))
        );
        assert_eq!(Permission::parse("*:admin"), Some(Permission::role(Role::Admin, "*")));
        assert_eq!(Permission::parse("prod:reader"), Some(Permission::role(Role::Reader, "prod")));
        assert_eq!(Permission::parse("prod"), None);
        assert_eq!(Permission::parse("prod:fly"), None);
        assert_eq!(Permission::parse(":read"), None);
    }
}
