//! A retention policy: parsed from TOML (a raw form, then validated into typed rules).

use super::cron::{CronError, Schedule};
use super::duration::Age;
use crate::registry::glob_match;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The longest policy text accepted.
pub const MAX_POLICY_BYTES: usize = 64 * 1024;
/// The most rules a policy may have.
pub const MAX_RULES: usize = 100;
/// The longest `version_regex` accepted.
pub const MAX_REGEX_BYTES: usize = 1024;

/// A validated retention policy and the text it came from (stored and shown verbatim).
#[derive(Debug, Clone)]
pub struct Policy {
    text: String,
    schedule: Option<Schedule>,
    rules: Vec<Rule>,
}

/// One `[[rule]]`: what it selects and what it does with it.
#[derive(Debug, Clone)]
pub struct Rule {
    select: Select,
    action: RuleAction,
}

/// What a rule selects; every condition given must hold. The default selects everything.
#[derive(Debug, Clone, Default)]
pub struct Select {
    versions: Vec<String>,
    version_regex: Option<regex_lite::Regex>,
    packages: Vec<String>,
    untagged: Option<bool>,
    properties: Vec<(String, String)>,
}

/// What a rule does with the versions it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleAction {
    /// Keeps the newest `count` per package; the rest are deleted, or with `delete_after` only
    /// those older than it.
    KeepLast {
        count: u32,
        order: Order,
        delete_after: Option<Age>,
    },
    DeleteAfter(Age),
    /// Keeps what was pulled within the age; decides nothing about the rest.
    KeepPulledWithin(Age),
    Keep,
}

/// How `keep_last` ranks versions, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// By the repository's version scheme (push time for OCI and generic repositories).
    #[default]
    Version,
    /// By when the tag was last set (the manifest's push time when untagged).
    Pushed,
}

/// Why a text is not a policy. `Display` is a message a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy is {len} bytes; at most {MAX_POLICY_BYTES} are allowed")]
    TooLarge { len: usize },
    #[error("the policy is not valid TOML: {0}")]
    Syntax(String),
    /// Something wrong outside the rules (an unknown top-level key, `rule` not a list of tables).
    #[error("{0}")]
    Invalid(String),
    #[error("the policy has {count} rules; at most {MAX_RULES} are allowed")]
    TooManyRules { count: usize },
    /// Rules are numbered from 1, in the order they are written.
    #[error("rule {rule}: {message}")]
    Rule { rule: usize, message: String },
    #[error("schedule: {0}")]
    Schedule(#[from] CronError),
}

impl PolicyError {
    /// Stable code (for the management API and logs).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "policy_too_large",
            Self::Syntax(_) => "policy_syntax",
            Self::Invalid(_) => "policy_invalid",
            Self::TooManyRules { .. } => "policy_too_many_rules",
            Self::Rule { .. } => "policy_rule_invalid",
            Self::Schedule(_) => "policy_schedule_invalid",
        }
    }
}

impl From<PolicyError> for crate::Error {
    fn from(e: PolicyError) -> Self {
        Self::new(crate::ErrorKind::InvalidRequest, e.to_string())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    schedule: Option<String>,
    #[serde(default)]
    rule: Vec<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    select: Option<toml::Table>,
    keep_last: Option<u32>,
    order: Option<Order>,
    delete_after: Option<String>,
    keep_pulled_within: Option<String>,
    keep: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelect {
    version: Option<Globs>,
    version_regex: Option<String>,
    package: Option<Globs>,
    untagged: Option<bool>,
    properties: Option<BTreeMap<String, String>>,
}

/// One glob or a list of them.
struct Globs(Vec<String>);

impl<'de> Deserialize<'de> for Globs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Globs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a glob or a list of globs")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Globs, E> {
                Ok(Globs(vec![v.to_owned()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Globs, A::Error> {
                let mut globs = Vec::new();
                while let Some(glob) = seq.next_element::<String>()? {
                    globs.push(glob);
                }
                Ok(Globs(globs))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Policy {
    /// Parses and validates a policy (see the [module docs](super) for the keys).
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge { len: text.len() });
        }
        let table: toml::Table = toml::from_str(text).map_err(|e| PolicyError::Syntax(located(text, &e)))?;
        if table.get("rule").is_some_and(|r| !r.as_array().is_some_and(|a| a.iter().all(toml::Value::is_table))) {
            return Err(PolicyError::Invalid(
                "`rule` must be a list of tables: write each rule under `[[rule]]`".into(),
            ));
        }
        let raw: RawPolicy = table.try_into().map_err(|e| PolicyError::Invalid(e.message().to_owned()))?;
        if raw.rule.len() > MAX_RULES {
            return Err(PolicyError::TooManyRules { count: raw.rule.len() });
        }
        let schedule = raw.schedule.as_deref().map(Schedule::parse).transpose()?;
        let rules = (raw.rule.into_iter().enumerate())
            .map(|(i, rule)| Rule::parse(rule).map_err(|message| PolicyError::Rule { rule: i + 1, message }))
            .collect::<Result<_, _>>()?;
        Ok(Self { text: text.to_owned(), schedule, rules })
    }

    /// The text it was parsed from, verbatim.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// When retention runs, if the policy says.
    pub fn schedule(&self) -> Option<&Schedule> {
        self.schedule.as_ref()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

/// A TOML error as `line L, column C: message`.
fn located(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {}", e.message().trim_end())
        }
        None => e.message().trim_end().to_owned(),
    }
}

impl Rule {
    fn parse(table: toml::Table) -> Result<Self, String> {
        let raw: RawRule = table.try_into().map_err(|e| e.message().trim_end().to_owned())?;
        let select = match raw.select {
            Some(select) => Select::parse(select).map_err(|e| format!("in `select`: {e}"))?,
            None => Select::default(),
        };
        if raw.keep == Some(false) {
            return Err("`keep = false` does nothing: remove it, or write `keep = true`".into());
        }
        let age = |key: &str, text: Option<String>| {
            text.map(|t| Age::parse(&t).map_err(|e| format!("`{key}`: {e}"))).transpose()
        };
        let delete_after = age("delete_after", raw.delete_after)?;
        let keep_pulled_within = age("keep_pulled_within", raw.keep_pulled_within)?;
        let given: Vec<&str> = [
            ("keep_last", raw.keep_last.is_some()),
            ("delete_after", delete_after.is_some()),
            ("keep_pulled_within", keep_pulled_within.is_some()),
            ("keep", raw.keep.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, given)| given.then_some(key))
        .collect();
        const ACTIONS: &str = "`keep_last`, `delete_after`, `keep_pulled_within` or `keep = true`";
        if raw.order.is_some() && raw.keep_last.is_none() {
            return Err("`order` applies only to `keep_last`".into());
        }
        let action = match (raw.keep_last, delete_after, keep_pulled_within, raw.keep) {
            (Some(count), delete_after, None, None) => {
                RuleAction::KeepLast { count, order: raw.order.unwrap_or_default(), delete_after }
            }
            (None, Some(age), None, None) => RuleAction::DeleteAfter(age),
            (None, None, Some(age), None) => RuleAction::KeepPulledWithin(age),
            (None, None, None, Some(_)) => RuleAction::Keep,
            (None, None, None, None) => return Err(format!("no action: give one of {ACTIONS}")),
            _ => {
                let given = given.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                return Err(format!(
                    "more than one action ({given}): a rule takes one of {ACTIONS} (only `keep_last` may be \
                     combined with `delete_after`)"
                ));
            }
        };
        Ok(Self { select, action })
    }

    pub fn select(&self) -> &Select {
        &self.select
    }

    pub fn action(&self) -> &RuleAction {
        &self.action
    }
}

impl Select {
    fn parse(table: toml::Table) -> Result<Self, String> {
        let raw: RawSelect = table.try_into().map_err(|e| e.message().trim_end().to_owned())?;
        let globs = |key: &str, globs: Option<Globs>| match globs {
            Some(Globs(g)) if g.is_empty() => Err(format!("`{key}` needs at least one glob")),
            Some(Globs(g)) => Ok(g),
            None => Ok(Vec::new()),
        };
        let versions = globs("version", raw.version)?;
        let packages = globs("package", raw.package)?;
        if raw.untagged == Some(true) && (!versions.is_empty() || raw.version_regex.is_some()) {
            return Err("`untagged = true` cannot be combined with `version` or `version_regex`: untagged \
                        manifests have no version"
                .into());
        }
        let version_regex = raw.version_regex.as_deref().map(whole_match_regex).transpose()?;
        let properties = raw.properties.unwrap_or_default().into_iter().collect();
        Ok(Self { versions, version_regex, packages, untagged: raw.untagged, properties })
    }

    /// Whether it selects a version (`None`: an untagged manifest) of `package` with `properties`.
    pub fn matches(&self, package: &str, version: Option<&str>, properties: &[(String, String)]) -> bool {
        let any = |globs: &[String], text: &str| globs.iter().any(|g| glob_match(g, text));
        (self.packages.is_empty() || any(&self.packages, package))
            && self.untagged.is_none_or(|untagged| untagged == version.is_none())
            && (self.versions.is_empty() || version.is_some_and(|v| any(&self.versions, v)))
            && (self.version_regex.as_ref().is_none_or(|re| version.is_some_and(|v| re.is_match(v))))
            && self.properties.iter().all(|(k, v)| properties.iter().any(|(pk, pv)| pk == k && pv == v))
    }
}

/// Compiles `pattern` to match whole strings only.
fn whole_match_regex(pattern: &str) -> Result<regex_lite::Regex, String> {
    if pattern.len() > MAX_REGEX_BYTES {
        return Err(format!("`version_regex` is {} bytes; at most {MAX_REGEX_BYTES} are allowed", pattern.len()));
    }
    let invalid = |e: regex_lite::Error| format!("`version_regex` is not a valid regex: {e}");
    // Alone first: a valid pattern has balanced groups, so the anchored wrapper cannot change it...
    regex_lite::Regex::new(pattern).map_err(invalid)?;
    // ...unless verbose mode turns the closing `)$` into a comment.
    let verbose = pattern
        .match_indices("(?")
        .any(|(i, _)| pattern[i + 2..].chars().take_while(char::is_ascii_alphabetic).any(|c| c == 'x'));
    if verbose {
        return Err("`version_regex` may not use verbose mode (the `x` flag)".into());
    }
    regex_lite::Regex::new(&format!("^(?:{pattern})$")).map_err(invalid)
}
