//! notation's `trustpolicy.json` (version `1.0`), parsed then validated per the Notary Project
//! trust-store-trust-policy spec ("Trust Policy Properties", "Registry Scopes Constraints",
//! "Trusted Identities Constraints", "Custom Verification Level").
//!
//! Raw serde structs first, then validation into typed [`PolicyEntry`] values, so a policy that
//! parses is one `verify` can use without further checks.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::dn::{Dn, DnError};

/// How strictly a policy verifies (spec "Signature Verification details").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Strict,
    Permissive,
    Audit,
    Skip,
}

/// What happens when one validation fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Enforce,
    Log,
    Skip,
}

/// The validations notation names; `integrity` is always enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    Integrity,
    Authenticity,
    AuthenticTimestamp,
    Expiry,
    Revocation,
}

/// A trust store reference `ca:<name>`, `signingAuthority:<name>` or `tsa:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StoreRef {
    Ca(String),
    SigningAuthority(String),
    Tsa(String),
}

/// One entry of `trustedIdentities`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustedIdentity {
    /// `*`: any certificate chaining to the trust stores.
    Any,
    /// `x509.subject: …`: the leaf subject must contain these attributes.
    X509Subject(Dn),
}

/// A validated trust policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyEntry {
    pub name: String,
    /// `None` for the global scope `*`.
    pub registry_scopes: Option<Vec<String>>,
    pub level: Level,
    pub overrides: BTreeMap<Check, Action>,
    pub trust_stores: Vec<StoreRef>,
    pub trusted_identities: Vec<TrustedIdentity>,
}

/// A validated `trustpolicy.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicy {
    pub policies: Vec<PolicyEntry>,
}

/// Why a trust policy document is rejected. Codes are stable: `PolicyError::code`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("trust policy is not valid JSON for version 1.0: {0}")]
    Json(String),
    #[error("unsupported trust policy version {0:?} (supported: 1.0)")]
    Version(String),
    #[error("trust policy document has no trustPolicies")]
    Empty,
    #[error("a trust policy has an empty name")]
    EmptyName,
    #[error("trust policy name {0:?} is used more than once")]
    DuplicateName(String),
    #[error("trust policy {0:?}: {1}")]
    Scope(String, &'static str),
    #[error("registry scope {0:?} appears in more than one trust policy")]
    ScopeInTwoPolicies(String),
    #[error("more than one trust policy uses the global scope \"*\"")]
    TwoGlobalPolicies,
    #[error("trust policy {0:?}: unknown verification level {1:?}")]
    Level(String, String),
    #[error("trust policy {0:?}: invalid override {1:?}")]
    Override(String, String),
    #[error("trust policy {0:?}: invalid trust store {1:?}")]
    TrustStore(String, String),
    #[error("trust policy {0:?}: invalid trusted identity {1:?}: {2}")]
    Identity(String, String, String),
    #[error("trust policy {0:?}: {1}")]
    Shape(String, &'static str),
}

impl PolicyError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Json(_) => "policy_json",
            Self::Version(_) => "policy_version",
            Self::Empty => "policy_empty",
            Self::EmptyName | Self::DuplicateName(_) => "policy_name",
            Self::Scope(..) | Self::ScopeInTwoPolicies(_) | Self::TwoGlobalPolicies => "policy_scope",
            Self::Level(..) | Self::Override(..) => "policy_level",
            Self::TrustStore(..) => "policy_trust_store",
            Self::Identity(..) => "policy_identity",
            Self::Shape(..) => "policy_shape",
        }
    }
}

#[derive(Deserialize)]
struct RawDocument {
    version: String,
    #[serde(rename = "trustPolicies")]
    trust_policies: Vec<RawPolicy>,
}

#[derive(Deserialize)]
struct RawPolicy {
    name: String,
    #[serde(rename = "registryScopes")]
    registry_scopes: Vec<String>,
    #[serde(rename = "signatureVerification")]
    signature_verification: RawVerification,
    #[serde(rename = "trustStores", default)]
    trust_stores: Vec<String>,
    #[serde(rename = "trustedIdentities", default)]
    trusted_identities: Vec<String>,
}

#[derive(Deserialize)]
struct RawVerification {
    level: String,
    #[serde(rename = "override", default)]
    overrides: BTreeMap<String, String>,
}

impl TrustPolicy {
    /// Parses and validates a `trustpolicy.json` (or `trustpolicy.oci.json`) document.
    pub fn parse(bytes: &[u8]) -> Result<Self, PolicyError> {
        let raw: RawDocument = serde_json::from_slice(bytes).map_err(|e| PolicyError::Json(e.to_string()))?;
        if raw.version != "1.0" {
            return Err(PolicyError::Version(raw.version));
        }
        if raw.trust_policies.is_empty() {
            return Err(PolicyError::Empty);
        }
        let policies = raw.trust_policies.into_iter().map(validate_policy).collect::<Result<Vec<_>, _>>()?;
        check_across_policies(&policies)?;
        Ok(Self { policies })
    }

    /// The policy for a repository (`registry.example/ns/repo`): an exact scope match beats `*`.
    pub fn policy_for(&self, scope: &str) -> Option<&PolicyEntry> {
        let exact =
            self.policies.iter().find(|p| p.registry_scopes.as_ref().is_some_and(|s| s.iter().any(|x| x == scope)));
        exact.or_else(|| self.policies.iter().find(|p| p.registry_scopes.is_none()))
    }
}

impl PolicyEntry {
    /// What this policy does when `check` fails (level defaults, then `override`).
    pub fn action(&self, check: Check) -> Action {
        if let Some(action) = self.overrides.get(&check) {
            return *action;
        }
        use Action::{Enforce, Log, Skip};
        match (self.level, check) {
            (Level::Skip, _) => Skip,
            (_, Check::Integrity) | (Level::Strict, _) => Enforce,
            (Level::Permissive, Check::Authenticity) => Enforce,
            (Level::Permissive | Level::Audit, _) => Log,
        }
    }

    /// The names of the `ca:` trust stores this policy trusts.
    pub fn ca_stores(&self) -> impl Iterator<Item = &str> {
        self.trust_stores.iter().filter_map(|s| match s {
            StoreRef::Ca(name) => Some(name.as_str()),
            _ => None,
        })
    }
}

fn validate_policy(raw: RawPolicy) -> Result<PolicyEntry, PolicyError> {
    let name = raw.name;
    if name.trim().is_empty() {
        return Err(PolicyError::EmptyName);
    }
    let registry_scopes = validate_scopes(&name, raw.registry_scopes)?;
    let level = parse_level(&name, &raw.signature_verification.level)?;
    let overrides = parse_overrides(&name, level, &raw.signature_verification.overrides)?;
    let trust_stores = raw.trust_stores.iter().map(|s| parse_store(&name, s)).collect::<Result<Vec<_>, _>>()?;
    let trusted_identities = validate_identities(&name, &raw.trusted_identities)?;
    if level == Level::Skip {
        if registry_scopes.is_none() {
            return Err(PolicyError::Scope(name, "level skip cannot be used with the global scope \"*\""));
        }
        if !trust_stores.is_empty() || !trusted_identities.is_empty() {
            return Err(PolicyError::Shape(name, "level skip must not list trustStores or trustedIdentities"));
        }
    } else {
        if trust_stores.is_empty() {
            return Err(PolicyError::Shape(name, "trustStores is required unless the level is skip"));
        }
        if trusted_identities.is_empty() {
            return Err(PolicyError::Shape(name, "trustedIdentities is required unless the level is skip"));
        }
    }
    Ok(PolicyEntry { name, registry_scopes, level, overrides, trust_stores, trusted_identities })
}

fn validate_scopes(name: &str, scopes: Vec<String>) -> Result<Option<Vec<String>>, PolicyError> {
    let err = |why| Err(PolicyError::Scope(name.to_owned(), why));
    if scopes.is_empty() {
        return err("registryScopes must not be empty");
    }
    if scopes.iter().any(|s| s == "*") {
        return if scopes.len() == 1 { Ok(None) } else { err("the global scope \"*\" must be the only scope") };
    }
    for (i, scope) in scopes.iter().enumerate() {
        if !is_repository_uri(scope) {
            return err("a scope must be a fully qualified repository URI (host/repository, no tag, digest or *)");
        }
        if scopes.iter().skip(i + 1).any(|s| s == scope) {
            return err("a scope is listed twice");
        }
    }
    Ok(Some(scopes))
}

/// `host[:port]/path` with OCI repository path components and no tag, digest or wildcard.
fn is_repository_uri(scope: &str) -> bool {
    let Some((host, path)) = scope.split_once('/') else { return false };
    let host_ok = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    let path_ok = !path.is_empty()
        && path.split('/').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
                && part.starts_with(|c: char| c.is_ascii_alphanumeric())
                && part.ends_with(|c: char| c.is_ascii_alphanumeric())
        });
    host_ok && path_ok
}

fn parse_level(name: &str, level: &str) -> Result<Level, PolicyError> {
    match level {
        "strict" => Ok(Level::Strict),
        "permissive" => Ok(Level::Permissive),
        "audit" => Ok(Level::Audit),
        "skip" => Ok(Level::Skip),
        other => Err(PolicyError::Level(name.to_owned(), other.to_owned())),
    }
}

fn parse_overrides(
    name: &str,
    level: Level,
    raw: &BTreeMap<String, String>,
) -> Result<BTreeMap<Check, Action>, PolicyError> {
    let mut out = BTreeMap::new();
    if level == Level::Skip && !raw.is_empty() {
        return Err(PolicyError::Override(name.to_owned(), "a skip level cannot be customized".to_owned()));
    }
    for (key, value) in raw {
        let bad = || PolicyError::Override(name.to_owned(), format!("{key}: {value}"));
        let check = match key.as_str() {
            "authenticity" => Check::Authenticity,
            "authenticTimestamp" => Check::AuthenticTimestamp,
            "expiry" => Check::Expiry,
            "revocation" => Check::Revocation,
            _ => return Err(bad()), // includes "integrity", which cannot be overridden
        };
        let action = match (value.as_str(), check) {
            ("enforce", _) => Action::Enforce,
            ("log", _) => Action::Log,
            ("skip", Check::Revocation) => Action::Skip,
            _ => return Err(bad()),
        };
        out.insert(check, action);
    }
    Ok(out)
}

fn parse_store(name: &str, s: &str) -> Result<StoreRef, PolicyError> {
    let bad = || PolicyError::TrustStore(name.to_owned(), s.to_owned());
    let (kind, store) = s.split_once(':').ok_or_else(bad)?;
    if !is_store_name(store) {
        return Err(bad());
    }
    match kind {
        "ca" => Ok(StoreRef::Ca(store.to_owned())),
        "signingAuthority" => Ok(StoreRef::SigningAuthority(store.to_owned())),
        "tsa" => Ok(StoreRef::Tsa(store.to_owned())),
        _ => Err(bad()),
    }
}

/// notation's store-name rule (a file name): `[A-Za-z0-9_.-]+`.
pub(crate) fn is_store_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn validate_identities(name: &str, raw: &[String]) -> Result<Vec<TrustedIdentity>, PolicyError> {
    let bad = |id: &str, why: String| PolicyError::Identity(name.to_owned(), id.to_owned(), why);
    if raw.iter().any(|i| i == "*") {
        return if raw.len() == 1 {
            Ok(vec![TrustedIdentity::Any])
        } else {
            Err(bad("*", "the wildcard must be the only trusted identity".to_owned()))
        };
    }
    let mut dns: Vec<Dn> = Vec::new();
    for id in raw {
        let (prefix, value) = id.split_once(':').ok_or_else(|| bad(id, "expected x509.subject: …".to_owned()))?;
        if prefix.trim() != "x509.subject" {
            return Err(bad(id, format!("unsupported identity type {prefix:?}")));
        }
        let dn = Dn::parse_identity(value.trim()).map_err(|e: DnError| bad(id, e.to_string()))?;
        if dns.iter().any(|d| d.is_subset_of(&dn) || dn.is_subset_of(d)) {
            return Err(bad(id, "overlaps another trusted identity".to_owned()));
        }
        dns.push(dn);
    }
    Ok(dns.into_iter().map(TrustedIdentity::X509Subject).collect())
}

fn check_across_policies(policies: &[PolicyEntry]) -> Result<(), PolicyError> {
    let mut seen_scopes: Vec<&str> = Vec::new();
    for (i, p) in policies.iter().enumerate() {
        if policies.iter().skip(i + 1).any(|q| q.name == p.name) {
            return Err(PolicyError::DuplicateName(p.name.clone()));
        }
        match &p.registry_scopes {
            None if policies.iter().skip(i + 1).any(|q| q.registry_scopes.is_none()) => {
                return Err(PolicyError::TwoGlobalPolicies);
            }
            None => {}
            Some(scopes) => {
                for s in scopes {
                    if seen_scopes.contains(&s.as_str()) {
                        return Err(PolicyError::ScopeInTwoPolicies(s.clone()));
                    }
                    seen_scopes.push(s);
                }
            }
        }
    }
    Ok(())
}
