//! What a request needs of its principal, as a protocol states it for the enforcement point.

use super::{Action, Principal};

/// One thing a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// Any valid credentials.
    Authenticated,
    /// `action` on `repository`; `name` is what the request names inside it (an OCI name such as
    /// `dev/team/app`, for token scopes), or the repository itself.
    On { action: Action, repository: String, name: String },
    /// `action` on every repository (`*` grants).
    Everywhere(Action),
}

impl Need {
    /// `action` on the repository `repository`, naming the repository itself.
    pub fn on(action: Action, repository: &str) -> Self {
        Self::On { action, repository: repository.to_owned(), name: repository.to_owned() }
    }

    pub fn is_met(&self, principal: &Principal) -> bool {
        match self {
            Self::Authenticated => !principal.is_anonymous(),
            Self::On { action, repository, .. } => principal.allows(*action, repository),
            Self::Everywhere(action) => principal.allows_everywhere(*action),
        }
    }
}

impl std::fmt::Display for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Authenticated => f.write_str("needs credentials"),
            Self::On { action, repository, .. } => write!(f, "needs {} on {repository}", action.as_str()),
            Self::Everywhere(action) => write!(f, "needs {} on every repository", action.as_str()),
        }
    }
}
