//! Authentication and principal administration: logins (password or token, with back-off), the
//! bootstrap administrator, users and tokens. Every change and every failed login is audited.

use super::secret::{self, token_id};
use super::store::{Token, User};
use super::throttle::Throttle;
use super::verified::{HashGate, VerifiedCredentials};
use super::{Permission, Principal, Role};
use crate::audit::{Actor, NewAuditEntry, Outcome};
use crate::clock::Clock;
use crate::meta::{MetaStore, Millis};
use crate::{Error, ErrorKind, Result};
use std::sync::Arc;
use std::time::Duration;

/// Why a login failed. Deliberately vague towards the client: which part was wrong is not said.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("invalid credentials")]
    Invalid,
    #[error("too many failed logins: try again in {} s", .0.as_secs().max(1))]
    LockedOut(Duration),
    #[error(transparent)]
    Store(#[from] Error),
}

/// A token just created: the stored record and its text, shown this once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: Token,
    pub text: String,
}

/// Logins and principal administration over the metadata store.
pub struct AuthService {
    store: Arc<dyn MetaStore>,
    /// Failed logins per user (or token).
    users: Throttle,
    /// Failed logins per client address.
    addresses: Throttle,
    anonymous_read: Vec<String>,
    /// Passwords argon2 accepted recently.
    verified: VerifiedCredentials,
    /// Bounds concurrent password hashing.
    hashing: HashGate,
    clock: Arc<dyn Clock>,
}

/// Failed logins allowed before back-off starts.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub per_user: u32,
    pub per_address: u32,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self { per_user: super::throttle::FREE_FAILURES, per_address: 30 }
    }
}

/// Password logins that may wait for a hashing permit; more are refused with a retry delay.
const MAX_WAITING_LOGINS: usize = 64;

/// The name of the administrator created on first start.
pub const BOOTSTRAP_ADMIN: &str = "admin";

impl AuthService {
    /// `anonymous_read`: repository patterns anyone may read without credentials.
    pub fn new(store: Arc<dyn MetaStore>, anonymous_read: Vec<String>, limits: LoginLimits) -> Self {
        Self {
            store,
            users: Throttle::new(limits.per_user),
            addresses: Throttle::new(limits.per_address),
            anonymous_read,
            verified: VerifiedCredentials::new(secret::random_bytes(32).unwrap_or_else(|_| vec![0; 32])),
            hashing: HashGate::new(MAX_WAITING_LOGINS),
            clock: crate::clock::system(),
        }
    }

    /// Reads "now" from `clock` (tests move time instead of sleeping).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The clock every time this service records or compares comes from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn anonymous(&self) -> Principal {
        Principal::anonymous(&self.anonymous_read)
    }

    /// Whether anonymous callers may read some repository (`auth.anonymous_read` names a pattern).
    pub fn anonymous_reads(&self) -> bool {
        !self.anonymous_read.is_empty()
    }

    /// Logs in with a user name and a password or token (HTTP Basic, the token endpoint).
    ///
    /// A password argon2 accepted recently is recognised without hashing ([`VerifiedCredentials`]) and
    /// never throttled: back-off exists against guessing, and a success is no guess. Otherwise the
    /// attempt waits for a hashing permit ([`HashGate`]), then reserves its evaluation per user (so
    /// concurrent guesses cannot overshoot the limit) and per address. An address in back-off gets
    /// no evaluation for unknown users; known users stay limited by their own back-off, so a valid
    /// password from a shared address (a NAT, a proxy not listed in `auth.trusted_proxies`) still
    /// logs in while somebody else there guesses.
    pub async fn login(&self, username: &str, secret: &str, addr: Option<&str>) -> Result<Principal, LoginError> {
        if token_id(secret).is_some() {
            return self.login_token(secret, addr).await;
        }
        let keys = [format!("user:{username}"), format!("addr:{}", addr.unwrap_or("-"))];
        let user = self.store.get_user(username).await?;
        let phc = user.as_ref().and_then(|u| u.password_hash.clone());
        let fingerprint = self.verified.fingerprint(username, secret);
        let recalled = || phc.as_deref().is_some_and(|h| self.verified.is_verified(&fingerprint, h, self.clock.now()));
        if let (Some(user), true) = (&user, recalled()) {
            return Ok(Principal::user(user.name.clone(), user.grants.clone()));
        }
        let Some(_permit) = self.hashing.acquire().await else {
            return Err(LoginError::LockedOut(Duration::from_secs(1)));
        };
        // Another login may have verified the same pair while this one waited for its permit.
        if let (Some(user), true) = (&user, recalled()) {
            return Ok(Principal::user(user.name.clone(), user.grants.clone()));
        }
        let now = self.clock.now();
        self.users.begin(&keys[0], now).map_err(LoginError::LockedOut)?;
        let address_reserved = match self.addresses.begin(&keys[1], now) {
            Ok(()) => true,
            Err(wait) if user.is_none() => {
                self.users.release(&keys[0]);
                return Err(LoginError::LockedOut(wait));
            }
            Err(_) => false,
        };
        let password = secret.to_owned();
        let hash = phc.clone();
        let ok = tokio::task::spawn_blocking(move || {
            secret::verify_password(&password, hash.as_deref().unwrap_or(secret::dummy_password_hash()))
        })
        .await;
        let ok = match ok {
            Ok(ok) => ok,
            Err(e) => {
                self.users.release(&keys[0]);
                if address_reserved {
                    self.addresses.release(&keys[1]);
                }
                return Err(Error::internal("verifying a password", e).into());
            }
        };
        match (user, phc) {
            (Some(user), Some(phc)) if ok => {
                self.users.succeed(&keys[0]);
                if address_reserved {
                    self.addresses.release(&keys[1]);
                }
                self.verified.remember(fingerprint, &phc, self.clock.now());
                Ok(Principal::user(user.name, user.grants))
            }
            _ => {
                let failure =
                    self.failed(&keys, [true, address_reserved], username, addr, "bad password or unknown user").await;
                // While the address backs off, a failure looks the same for known and unknown users
                // (the failure that starts the back-off is still just a failure).
                match self.addresses.locked_for(&keys[1], self.clock.now()) {
                    Some(wait) if !address_reserved => Err(LoginError::LockedOut(wait)),
                    _ => Err(failure),
                }
            }
        }
    }

    /// Logs in with a token alone (`Authorization: Bearer arca_…`). Checking a token is cheap (a
    /// lookup and a SHA-256), and its secret unguessable, so a valid token is never refused: failures
    /// are throttled per presented secret (forgeries naming a real token's id do not lock it out) and
    /// per address.
    pub async fn login_token(&self, text: &str, addr: Option<&str>) -> Result<Principal, LoginError> {
        let id = token_id(text).unwrap_or("-");
        let keys = [format!("token:{}", &secret::sha256_hex(text)[..32]), format!("addr:{}", addr.unwrap_or("-"))];
        let who = format!("token {id}");
        if let Some(wait) = self.users.locked_for(&keys[0], self.clock.now()) {
            return Err(LoginError::LockedOut(wait));
        }
        let why = match self.store.get_token(id).await? {
            None => "unknown token",
            Some(token) if !secret::ct_eq(secret::sha256_hex(text).as_bytes(), token.hash.as_bytes()) => {
                "wrong token secret"
            }
            Some(token) if !token.is_live(self.clock.now()) => {
                if token.revoked_at.is_some() {
                    "revoked token"
                } else {
                    "expired token"
                }
            }
            Some(token) => match self.store.get_user(&token.owner).await? {
                None => "the token's owner is gone",
                Some(owner) => {
                    self.users.succeed(&keys[0]);
                    return Ok(Principal::token(owner.name, owner.grants, token.scopes));
                }
            },
        };
        if let Some(wait) = self.addresses.locked_for(&keys[1], self.clock.now()) {
            // Not audited: the failure that started the back-off is, and a flood must not flood the log.
            self.addresses.count_failure(&keys[1], self.clock.now());
            return Err(LoginError::LockedOut(wait));
        }
        Err(self.failed(&keys, [false, false], &who, addr, why).await)
    }

    /// Records a failed attempt (ending the reservations it held: `reserved` per key) and audits it.
    async fn failed(
        &self,
        keys: &[String; 2],
        reserved: [bool; 2],
        who: &str,
        addr: Option<&str>,
        why: &str,
    ) -> LoginError {
        let now = self.clock.now();
        let user_locked = self.users.failure(&keys[0], now, reserved[0]);
        let address_locked = self.addresses.failure(&keys[1], now, reserved[1]);
        let why = match (user_locked, address_locked) {
            (None, None) => why.to_owned(),
            (Some(d), _) | (None, Some(d)) => format!("{why}; backing off for {} s", d.as_secs()),
        };
        self.audit_login(who, addr, &why).await;
        LoginError::Invalid
    }

    async fn audit_login(&self, who: &str, addr: Option<&str>, why: &str) {
        let entry = Actor::new(who, addr.map(str::to_owned))
            .entry(self.clock.now(), "login", who, Outcome::Failed)
            .with_detail(why);
        if let Err(e) = self.store.append_audit(&entry).await {
            tracing::error!(error = %e, "recording a failed login in the audit log");
        }
    }

    /// Records a refused request.
    pub async fn record_denied(&self, principal: &Principal, addr: Option<&str>, target: &str, detail: &str) {
        let entry = Actor::new(principal.audit_name(), addr.map(str::to_owned))
            .entry(self.clock.now(), "request", target, Outcome::Denied)
            .with_detail(detail);
        if let Err(e) = self.store.append_audit(&entry).await {
            tracing::error!(error = %e, "recording a refused request in the audit log");
        }
    }

    /// With no users at all, creates `admin` (admin on `*`) with `password`, or a random password that
    /// is returned to be shown once.
    pub async fn bootstrap(&self, password: Option<&str>) -> Result<Option<String>> {
        if self.store.count_users().await? > 0 {
            return Ok(None);
        }
        let generated = match password {
            Some(_) => None,
            None => Some(secret::random_hex(16)?),
        };
        let password = password.or(generated.as_deref()).unwrap_or_default();
        let grants = vec![Permission::role(Role::Admin, "*")];
        self.add_user(&Actor::system(), BOOTSTRAP_ADMIN, Some(password), grants).await?;
        Ok(generated)
    }
}

/// Users and tokens.
impl AuthService {
    /// Adds a user (`password: None` makes a service account, reachable only through tokens).
    pub async fn add_user(
        &self,
        actor: &Actor,
        name: &str,
        password: Option<&str>,
        grants: Vec<Permission>,
    ) -> Result<()> {
        check_user_name(name)?;
        let password_hash = match password {
            Some(p) => {
                secret::check_password_strength(p)?;
                Some(hash_blocking(p).await?)
            }
            None => None,
        };
        let user = User { name: name.to_owned(), password_hash, grants, created_at: self.clock.now() };
        let detail = grants_text(&user.grants);
        let audit =
            actor.entry(self.clock.now(), "user.add", format!("user {name}"), Outcome::Success).with_detail(detail);
        if self.store.create_user(&user, &audit).await? {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::Conflict, format!("user {name} already exists")))
        }
    }

    pub async fn set_password(&self, actor: &Actor, name: &str, password: &str) -> Result<()> {
        secret::check_password_strength(password)?;
        let mut user = self.user(name).await?;
        user.password_hash = Some(hash_blocking(password).await?);
        let audit = actor.entry(self.clock.now(), "user.passwd", format!("user {name}"), Outcome::Success);
        self.store.update_user(&user, &audit).await?;
        Ok(())
    }

    pub async fn set_grants(&self, actor: &Actor, name: &str, grants: Vec<Permission>) -> Result<()> {
        let mut user = self.user(name).await?;
        user.grants = grants;
        let audit = actor
            .entry(self.clock.now(), "user.grants", format!("user {name}"), Outcome::Success)
            .with_detail(grants_text(&user.grants));
        self.store.update_user(&user, &audit).await?;
        Ok(())
    }

    pub async fn remove_user(&self, actor: &Actor, name: &str) -> Result<()> {
        let audit = actor.entry(self.clock.now(), "user.remove", format!("user {name}"), Outcome::Success);
        if self.store.delete_user(name, &audit).await? { Ok(()) } else { Err(unknown_user(name)) }
    }

    pub async fn user(&self, name: &str) -> Result<User> {
        self.store.get_user(name).await?.ok_or_else(|| unknown_user(name))
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        self.store.list_users().await
    }

    /// Creates a token for `owner` with `scopes`, valid for `ttl` (forever with `None`).
    pub async fn create_token(
        &self,
        actor: &Actor,
        owner: &str,
        description: &str,
        scopes: Vec<Permission>,
        ttl: Option<Duration>,
    ) -> Result<IssuedToken> {
        self.user(owner).await?;
        if scopes.is_empty() {
            return Err(Error::new(ErrorKind::InvalidRequest, "a token needs at least one scope (PATTERN:ACTIONS)"));
        }
        let (id, text) = secret::new_token()?;
        let now = self.clock.now();
        let expires_at = ttl.map(|t| now.saturating_add(Millis::try_from(t.as_millis()).unwrap_or(Millis::MAX)));
        let token = Token {
            id: id.clone(),
            owner: owner.to_owned(),
            description: description.to_owned(),
            hash: secret::sha256_hex(&text),
            scopes,
            created_at: now,
            expires_at,
            revoked_at: None,
        };
        let audit = actor
            .entry(self.clock.now(), "token.create", format!("token {id}"), Outcome::Success)
            .with_detail(format!("owner {owner}; scopes {}", grants_text(&token.scopes)));
        self.store.create_token(&token, &audit).await?;
        Ok(IssuedToken { token, text })
    }

    /// Refuses `scopes` beyond `owner`'s grants, for tokens created on request (API, UI). A token
    /// acts within its owner's grants anyway; asking for more is a mistake worth saying. (`npm
    /// login` asks for `admin:*` on purpose: "whatever the user may do".)
    pub async fn check_within_grants(&self, owner: &str, scopes: &[Permission]) -> Result<()> {
        let user = self.user(owner).await?;
        let holder = Principal::user(user.name.clone(), user.grants.clone());
        match scopes.iter().find(|s| !holder.holds(s)) {
            Some(beyond) => {
                Err(Error::new(ErrorKind::InvalidRequest, format!("scope {beyond} exceeds the grants of {owner}")))
            }
            None => Ok(()),
        }
    }

    pub async fn list_tokens(&self, owner: Option<&str>) -> Result<Vec<Token>> {
        self.store.list_tokens(owner).await
    }

    pub async fn revoke_token(&self, actor: &Actor, id: &str) -> Result<()> {
        let audit = actor.entry(self.clock.now(), "token.revoke", format!("token {id}"), Outcome::Success);
        if self.store.revoke_token(id, self.clock.now(), &audit).await? {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::NotFound, format!("no live token {id}")))
        }
    }

    /// The persisted server secret `name`, `default` on first use (a key whose format the caller
    /// knows, such as a PKCS#8 document).
    pub async fn server_secret_or(&self, name: &str, default: &[u8]) -> Result<Vec<u8>> {
        self.store.server_secret(name, default).await
    }

    /// The persisted server secret `name`, generated on first use.
    pub async fn server_secret(&self, name: &str) -> Result<Vec<u8>> {
        self.store.server_secret(name, &secret::random_bytes(32)?).await
    }

    /// The audit log (for listing and verifying).
    pub fn audit_log(&self) -> &dyn crate::audit::AuditLog {
        &*self.store
    }

    /// Appends an entry recording something outside the metadata ports.
    pub async fn record(&self, entry: &NewAuditEntry) -> Result<()> {
        self.store.append_audit(entry).await.map(|_| ())
    }
}

/// What a principal holds: shown by `whoami`, and the bound of the tokens it may hand out.
impl Principal {
    /// The grants it acts under: a user's own, an API token's owner's, a registry token's claims.
    pub fn grants(&self) -> &[Permission] {
        self.layers.first().map_or(&[], Vec::as_slice)
    }

    /// An API token's scopes (`None` for any other principal).
    pub fn token_scopes(&self) -> Option<&[Permission]> {
        self.layers.get(1).map(Vec::as_slice)
    }

    /// Why it may not create a token with `scopes` (one beyond what it holds: a token never exceeds
    /// who creates it — a token-authenticated caller stays within its own scopes); `None`: it may.
    pub fn may_hand_out(&self, scopes: &[Permission]) -> Option<String> {
        let beyond = scopes.iter().find(|s| !self.holds(s))?;
        Some(format!("{} may not hand out {beyond}: a token never exceeds who creates it", self.audit_name()))
    }

    /// Whether it holds all of `permission`: each action named, on every repository the pattern may
    /// match. Decided on the patterns, conservatively: `dev-*` holds `dev-a*` and `dev-?`, not `d*`.
    pub fn holds(&self, permission: &Permission) -> bool {
        !self.layers.is_empty()
            && self.layers.iter().all(|layer| {
                permission.actions.iter().all(|action| {
                    layer.iter().any(|p| p.actions.contains(action) && pattern_covers(&p.pattern, &permission.pattern))
                })
            })
    }
}

/// Whether every repository name the glob `inner` matches is matched by the glob `outer`: `outer`'s
/// `*` takes any run of `inner` (wildcards included), its `?` one character or `?` (never a `*`), a
/// literal only itself.
fn pattern_covers(outer: &str, inner: &str) -> bool {
    let (o, i): (Vec<char>, Vec<char>) = (outer.chars().collect(), inner.chars().collect());
    // covers[a][b]: outer[a..] covers inner[b..].
    let mut covers = vec![vec![false; i.len() + 1]; o.len() + 1];
    covers[o.len()][i.len()] = true;
    for a in (0..o.len()).rev() {
        for b in (0..=i.len()).rev() {
            covers[a][b] = match o[a] {
                '*' => covers[a + 1][b] || (b < i.len() && covers[a][b + 1]),
                _ if b == i.len() => false,
                '?' => i[b] != '*' && covers[a + 1][b + 1],
                c => i[b] == c && covers[a + 1][b + 1],
            };
        }
    }
    covers[0][0]
}

async fn hash_blocking(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || secret::hash_password(&password))
        .await
        .map_err(|e| Error::internal("hashing a password", e))?
}

fn grants_text(grants: &[Permission]) -> String {
    grants.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

fn unknown_user(name: &str) -> Error {
    Error::new(ErrorKind::NotFound, format!("user {name} does not exist"))
}

/// User names: 1–64 of `a-z A-Z 0-9 . _ -`, not starting with a punctuation mark.
pub fn check_user_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && name.as_bytes()[0].is_ascii_alphanumeric();
    if ok { Ok(()) } else { Err(Error::new(ErrorKind::InvalidRequest, format!("invalid user name {name:?}"))) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Action;

    #[test]
    fn a_pattern_covers_only_what_it_surely_matches() {
        for (outer, inner) in [
            ("*", "*"),
            ("*", "dev"),
            ("dev-*", "dev-*"),
            ("dev-*", "dev-a*"),
            ("dev-*", "dev-?"),
            ("dev-?", "dev-?"),
            ("dev", "dev"),
            ("*-eu", "dev-*-eu"),
            ("d*v", "dev"),
        ] {
            assert!(pattern_covers(outer, inner), "{outer} covers {inner}");
        }
        for (outer, inner) in [
            ("dev-*", "d*"),
            ("dev-*", "*"),
            ("?", "*"),
            ("a?c", "a*c"),
            ("dev", "dev?"),
            ("dev", "de*"),
            ("dev-?", "dev-??"),
            ("dev*", "prod"),
        ] {
            assert!(!pattern_covers(outer, inner), "{outer} does not cover {inner}");
        }
    }

    #[test]
    fn a_principal_holds_what_every_layer_allows() {
        let p = |t: &str| Permission::parse(t).unwrap();
        let alice = Principal::user("alice", vec![p("dev-*:publisher"), p("prod:reader")]);
        assert!(alice.holds(&p("dev-a*:read,publish")));
        assert!(alice.holds(&p("prod:read")));
        assert!(!alice.holds(&p("prod:publish")));
        assert!(!alice.holds(&p("*:read")));
        assert_eq!((alice.grants().len(), alice.token_scopes()), (2, None));
        let token = Principal::token("alice", alice.grants().to_vec(), vec![p("dev-eu:read")]);
        assert!(token.holds(&p("dev-eu:read")));
        assert!(!token.holds(&p("dev-eu:publish")), "beyond the token's scopes");
        assert_eq!(token.token_scopes(), Some(&[p("dev-eu:read")][..]));
        let admin = Principal::user("root", vec![Permission::role(Role::Admin, "*")]);
        assert!(admin.holds(&Permission::new("any?thing*", &Action::ALL)));
        assert!(!Principal::anonymous(&[]).holds(&p("dev:read")));
    }
}
