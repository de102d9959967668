//! Who a request acts as: the enforcement point puts the audit actor and the principal in the
//! request's extensions.

use arca_core::audit::Actor;
use arca_core::auth::Principal;
use http::request::Parts;

/// The actor writes are audited as (anonymous when authentication is off).
pub fn actor(parts: &Parts) -> Actor {
    parts.extensions.get::<Actor>().cloned().unwrap_or_else(Actor::anonymous)
}

/// The authenticated principal, if the request carried credentials (or authentication is on).
pub fn principal(parts: &Parts) -> Option<&Principal> {
    parts.extensions.get::<Principal>()
}
