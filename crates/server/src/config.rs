//! Configuration: defaults, then a TOML file, then `ARCA_…` environment variables, then flags (each
//! layer overrides the one before). Raw values are collected per key with their source, then
//! validated into typed [`Settings`]; `arca config show` prints both.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use toml::Value;

/// Where a configuration value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(String),
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::File(p) => write!(f, "file {}", p.display()),
            Self::Env(v) => write!(f, "env {v}"),
            Self::Flag(v) => write!(f, "flag {v}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// Every key, its default, and whether it is secret (masked when shown).
const KEYS: &[(&str, &str, bool)] = &[
    ("listen", "\"127.0.0.1:8080\"", false),
    ("data", "\"./arca-data\"", false),
    ("database", "\"\"", true),
    ("storage", "\"\"", false),
    ("s3.endpoint", "\"\"", false),
    ("s3.region", "\"us-east-1\"", false),
    ("s3.access_key_id", "\"\"", true),
    ("s3.secret_access_key", "\"\"", true),
    ("s3.session_token", "\"\"", true),
    ("s3.virtual_hosted", "false", false),
    ("s3.part_size_mib", "8", false),
    ("s3.redirect_downloads", "false", false),
    ("s3.redirect_expiry_secs", "300", false),
    ("auth.enabled", "false", false),
    ("auth.anonymous_read", "[]", false),
    ("auth.token_ttl_secs", "300", false),
    ("auth.max_failed_logins_per_user", "5", false),
    ("auth.max_failed_logins_per_address", "30", false),
    ("auth.trusted_proxies", "[]", false),
    ("insecure_no_auth", "false", false),
    ("http.header_read_timeout_secs", "30", false),
    ("http.body_idle_timeout_secs", "60", false),
    ("http.max_connections", "4096", false),
    ("http.tls_cert", "\"\"", false),
    ("http.tls_key", "\"\"", false),
    ("log.format", "\"text\"", false),
    ("log.level", "\"info\"", false),
    ("shutdown_grace_secs", "30", false),
    ("blobs.verify_reads_up_to_bytes", "4194304", false),
    ("blobs.scrub_mib_per_hour", "1024", false),
    ("gc.interval_secs", "86400", false),
    ("gc.grace_secs", "3600", false),
    ("promotion.rollback_window_secs", "2592000", false),
    ("maven.snapshot_keep", "0", false),
    ("promotion.approval_ttl_secs", "0", false),
    ("oci.auto_create", "true", false),
    ("oci.body_idle_timeout_secs", "60", false),
    ("oci.default_mutable_tags", "[\"latest\"]", false),
    ("oci.max_manifest_bytes", "4194304", false),
    ("oci.max_page", "1000", false),
    ("oci.upload_ttl_secs", "86400", false),
    ("oci.upload_reap_interval_secs", "60", false),
];

/// The AWS SDKs' environment variables and the keys they set; of two for one key, the later wins
/// (as in the SDKs: the S3-specific endpoint, `AWS_REGION`).
const AWS_ENV: &[(&str, &str)] = &[
    ("AWS_ENDPOINT_URL", "s3.endpoint"),
    ("AWS_ENDPOINT_URL_S3", "s3.endpoint"),
    ("AWS_DEFAULT_REGION", "s3.region"),
    ("AWS_REGION", "s3.region"),
    ("AWS_ACCESS_KEY_ID", "s3.access_key_id"),
    ("AWS_SECRET_ACCESS_KEY", "s3.secret_access_key"),
    ("AWS_SESSION_TOKEN", "s3.session_token"),
];

/// Raw values by key, each with its source.
#[derive(Debug, Clone)]
pub struct RawConfig {
    values: BTreeMap<&'static str, (Value, Source)>,
    repositories: BTreeMap<String, RepositoryConfig>,
    /// `ARCA_ADMIN_PASSWORD`: the bootstrap administrator's password (environment only, never shown).
    admin_password: Option<Secret>,
}

/// A repository declared in the configuration file (`[repositories.<name>]`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RepositoryConfig {
    #[serde(default = "default_format")]
    pub format: String,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub mutable_tags: Option<Vec<String>>,
    /// Bytes the repository may hold (each distinct blob once); absent: no quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_bytes: Option<u64>,
    /// Repositories whose versions may be promoted into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub promote_from: Vec<String>,
    /// Gates a promotion into this one must pass (`signed`, `approvals=2`, `soak=24h`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<String>,
    /// Gates a manifest pull from this one must pass (`signed`, `sbom`, `provenance`, `max-severity=…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pull_gates: Vec<String>,
    /// With auth enabled, anyone may read this repository without credentials.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anonymous_read: bool,
    /// npm repositories: `npm unpublish` may remove versions (off: versions are immutable).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_unpublish: bool,
    /// A Maven repository: complete timestamped builds each snapshot version keeps (overrides
    /// `maven.snapshot_keep`; 0: every build).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maven_snapshot_keep: Option<usize>,
}

fn default_format() -> String {
    "oci".into()
}

impl RawConfig {
    /// Layers file, environment and flags over the defaults.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        flags: &[(&'static str, String)],
    ) -> Result<Self, ConfigError> {
        let values = KEYS.iter().map(|(k, d, _)| (*k, (parse_literal(d), Source::Default))).collect();
        let mut raw = Self { values, repositories: BTreeMap::new(), admin_password: None };
        if let Some(path) = file {
            raw.apply_file(path)?;
        }
        let env: BTreeMap<String, String> =
            env.into_iter().filter(|(k, _)| k.starts_with("ARCA_") || k.starts_with("AWS_")).collect();
        // The AWS SDKs' standard variables, under arca's own (`ARCA_S3__…`) and flags.
        for (var, key) in AWS_ENV {
            if let Some(v) = env.get(*var).filter(|v| !v.is_empty()) {
                raw.set(key, v, Source::Env((*var).to_owned()))?;
            }
        }
        raw.admin_password = env.get("ARCA_ADMIN_PASSWORD").filter(|p| !p.is_empty()).map(|p| Secret(p.clone()));
        for (key, _, _) in KEYS {
            let var = env_var(key);
            if let Some(v) = env.get(&var) {
                raw.set(key, v, Source::Env(var))?;
            }
        }
        for (key, v) in flags {
            raw.set(key, v, Source::Flag(flag_name(key)))?;
        }
        Ok(raw)
    }

    fn apply_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError(format!("reading {}: {e}", path.display())))?;
        let mut table: toml::Table = text.parse().map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
        if let Some(repos) = table.remove("repositories") {
            self.repositories = repos.try_into().map_err(|e| ConfigError(format!("[repositories]: {e}")))?;
        }
        let mut flat = Vec::new();
        flatten("", Value::Table(table), &mut flat);
        for (key, value) in flat {
            let Some((k, _, _)) = KEYS.iter().find(|(k, _, _)| *k == key) else {
                return Err(ConfigError(format!("{}: unknown key {key:?}", path.display())));
            };
            let default = &self.values[k].0;
            if default.type_str() != value.type_str() {
                return Err(ConfigError(format!("{key} must be a {}, not a {}", default.type_str(), value.type_str())));
            }
            self.values.insert(k, (value, Source::File(path.to_owned())));
        }
        Ok(())
    }

    /// Sets a key from text (environment or flag), typed like its default.
    fn set(&mut self, key: &'static str, text: &str, source: Source) -> Result<(), ConfigError> {
        let default = &self.values.get(key).ok_or_else(|| ConfigError(format!("unknown key {key}")))?.0;
        let bad = || ConfigError(format!("{key} = {text:?} (from {source}) is not a valid {}", default.type_str()));
        let value = match default {
            Value::Boolean(_) => Value::Boolean(match text {
                "true" | "1" | "yes" | "on" => true,
                "false" | "0" | "no" | "off" => false,
                _ => return Err(bad()),
            }),
            Value::Integer(_) => Value::Integer(text.parse().map_err(|_| bad())?),
            Value::Array(_) => Value::Array(
                text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.into())).collect(),
            ),
            _ => Value::String(text.to_owned()),
        };
        self.values.insert(key, (value, source));
        Ok(())
    }

    fn str(&self, key: &str) -> &str {
        self.values[key].0.as_str().unwrap_or_default()
    }

    fn int(&self, key: &str) -> i64 {
        self.values[key].0.as_integer().unwrap_or_default()
    }

    fn bool(&self, key: &str) -> bool {
        self.values[key].0.as_bool().unwrap_or_default()
    }

    fn strings(&self, key: &str) -> Vec<String> {
        let items = self.values[key].0.as_array().map(Vec::as_slice).unwrap_or_default();
        items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
    }

    /// `key = value  # source` lines, secrets masked, with derived values resolved.
    pub fn show(&self) -> Result<String, ConfigError> {
        let settings = Settings::from_raw(self)?;
        let mut out = String::new();
        for (key, _, secret) in KEYS {
            let (value, source) = &self.values[key];
            let shown = match *key {
                "database" => Value::String(mask_url(&settings.database)),
                "storage" => Value::String(settings.storage.clone()),
                _ if *secret => Value::String("********".into()),
                _ => value.clone(),
            };
            let source = if matches!(*key, "database" | "storage") && value.as_str() == Some("") {
                "derived from data".to_owned()
            } else {
                source.to_string()
            };
            out.push_str(&format!("{key} = {shown}  # {source}\n"));
        }
        for (name, repo) in &self.repositories {
            let table = toml::to_string(repo).unwrap_or_default();
            out.push_str(&format!("\n[repositories.{name}]\n{table}"));
        }
        Ok(out)
    }
}

/// A secret value: its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(********)")
    }
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data: PathBuf,
    /// `sqlite://…` or `postgres://…`.
    pub database: String,
    /// `file://<dir>` or `s3://<bucket>/<prefix>`.
    pub storage: String,
    /// The bucket of an `s3://` storage and how to reach it.
    pub s3: Option<S3Settings>,
    pub auth_enabled: bool,
    /// Repository patterns anyone may read without credentials (with auth enabled).
    pub auth_anonymous_read: Vec<String>,
    /// Lifetime of the registry tokens the token endpoint issues.
    pub auth_token_ttl_secs: u64,
    /// Failed logins allowed (per user, per address) before back-off starts.
    pub auth_login_limits: arca_core::auth::LoginLimits,
    /// The bootstrap administrator's password (`ARCA_ADMIN_PASSWORD`); random and printed once if unset.
    pub admin_password: Option<Secret>,
    pub insecure_no_auth: bool,
    pub log_json: bool,
    pub log_level: String,
    pub shutdown_grace_secs: u64,
    pub registry: arca_core::registry::RegistryConfig,
    pub upload_reap_interval_secs: u64,
    /// MiB of stored blobs the background scrub re-hashes per hour (0: no scrub).
    pub scrub_mib_per_hour: u64,
    /// How often the scheduled GC sweep runs (0: never; `arca gc run` still works).
    pub gc_interval_secs: u64,
    pub repositories: BTreeMap<String, RepositoryConfig>,
    /// Header-read (and idle keep-alive) timeout and the connection cap.
    pub connections: crate::ConnectionLimits,
    /// A request body that sends nothing for this long fails (every route).
    pub body_idle_timeout: std::time::Duration,
    /// Peers whose `X-Forwarded-For` / `Forwarded` header names the client (`auth.trusted_proxies`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// HTTPS: the certificate and key (`http.tls_cert`, `http.tls_key`); plain HTTP without.
    pub tls: Option<crate::TlsFiles>,
}

/// Object storage: the bucket, and whether downloads are redirected to presigned URLs.
#[derive(Debug, Clone)]
pub struct S3Settings {
    pub config: arca_store_s3::S3Config,
    /// Blob downloads answer `307` to a presigned URL valid this long (`s3.redirect_downloads`).
    pub redirect: Option<std::time::Duration>,
}

/// `s3://BUCKET/PREFIX` (`rest` is what follows `s3://`) with the `s3.*` keys.
fn s3_settings(raw: &RawConfig, rest: &str) -> Result<S3Settings, ConfigError> {
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(ConfigError(format!("storage \"s3://{rest}\": name the bucket (s3://BUCKET/PREFIX)")));
    }
    let text = |key: &str| Some(raw.str(key).to_owned()).filter(|v| !v.is_empty());
    let part_mib = u64::try_from(raw.int("s3.part_size_mib")).unwrap_or(0);
    if !(5..=5120).contains(&part_mib) {
        return Err(ConfigError("s3.part_size_mib must be between 5 and 5120 (S3's part sizes)".into()));
    }
    let config = arca_store_s3::S3Config {
        bucket: bucket.to_owned(),
        prefix: prefix.trim_matches('/').to_owned(),
        endpoint: text("s3.endpoint"),
        region: raw.str("s3.region").to_owned(),
        access_key_id: text("s3.access_key_id"),
        secret_access_key: text("s3.secret_access_key"),
        session_token: text("s3.session_token"),
        virtual_hosted: raw.bool("s3.virtual_hosted"),
        part_size: usize::try_from(part_mib << 20).unwrap_or(usize::MAX),
    };
    let expiry = u64::try_from(raw.int("s3.redirect_expiry_secs")).ok().filter(|s| (1..=604_800).contains(s));
    let Some(expiry) = expiry else {
        return Err(ConfigError("s3.redirect_expiry_secs must be between 1 and 604800 (7 days, S3's limit)".into()));
    };
    let redirect = raw.bool("s3.redirect_downloads").then(|| std::time::Duration::from_secs(expiry));
    Ok(S3Settings { config, redirect })
}

impl Settings {
    pub fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        let listen =
            raw.str("listen").parse().map_err(|e| ConfigError(format!("listen {:?}: {e}", raw.str("listen"))))?;
        let data = PathBuf::from(raw.str("data"));
        let database = match raw.str("database") {
            "" => format!("sqlite://{}", data.join("arca.db").display()),
            url if url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                url.to_owned()
            }
            url => return Err(ConfigError(format!("database {:?}: use sqlite://PATH or postgres://…", mask_url(url)))),
        };
        let storage = match raw.str("storage") {
            "" => format!("file://{}", data.display()),
            url if url.starts_with("file://") || url.starts_with("s3://") => url.to_owned(),
            url => return Err(ConfigError(format!("storage {url:?}: use file://DIR or s3://BUCKET/PREFIX"))),
        };
        let s3 = storage.strip_prefix("s3://").map(|bucket| s3_settings(raw, bucket)).transpose()?;
        let log_json = match raw.str("log.format") {
            "text" => false,
            "json" => true,
            other => return Err(ConfigError(format!("log.format {other:?}: use text or json"))),
        };
        let positive = |key: &str| -> Result<u64, ConfigError> {
            u64::try_from(raw.int(key))
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| ConfigError(format!("{key} must be positive")))
        };
        let tls = match (raw.str("http.tls_cert"), raw.str("http.tls_key")) {
            ("", "") => None,
            (cert, key) if !cert.is_empty() && !key.is_empty() => Some(crate::TlsFiles {
                cert: PathBuf::from(cert),
                key: PathBuf::from(key),
                poll_interval: crate::tls::POLL_INTERVAL,
            }),
            _ => {
                return Err(ConfigError(
                    "http.tls_cert and http.tls_key go together: give both (--tls-cert FILE --tls-key FILE) or neither"
                        .into(),
                ));
            }
        };
        for name in raw.repositories.keys() {
            arca_types::RepoName::parse(name).map_err(|e| ConfigError(format!("[repositories.{name}]: {e}")))?;
        }
        Ok(Self {
            listen,
            data,
            database,
            storage,
            s3,
            auth_enabled: raw.bool("auth.enabled"),
            auth_anonymous_read: raw
                .strings("auth.anonymous_read")
                .into_iter()
                .chain(raw.repositories.iter().filter(|(_, r)| r.anonymous_read).map(|(name, _)| name.clone()))
                .collect(),
            auth_token_ttl_secs: positive("auth.token_ttl_secs")?,
            auth_login_limits: arca_core::auth::LoginLimits {
                per_user: u32::try_from(positive("auth.max_failed_logins_per_user")?).unwrap_or(u32::MAX),
                per_address: u32::try_from(positive("auth.max_failed_logins_per_address")?).unwrap_or(u32::MAX),
            },
            admin_password: raw.admin_password.clone(),
            insecure_no_auth: raw.bool("insecure_no_auth"),
            log_json,
            log_level: raw.str("log.level").to_owned(),
            shutdown_grace_secs: positive("shutdown_grace_secs")?,
            registry: arca_core::registry::RegistryConfig {
                max_manifest_bytes: positive("oci.max_manifest_bytes")? as usize,
                upload_ttl_ms: positive("oci.upload_ttl_secs")? as i64 * 1000,
                auto_create: raw.bool("oci.auto_create"),
                default_mutable_tags: raw.strings("oci.default_mutable_tags"),
                max_page: positive("oci.max_page")? as usize,
                verify_reads_up_to_bytes: u64::try_from(raw.int("blobs.verify_reads_up_to_bytes"))
                    .map_err(|_| ConfigError("blobs.verify_reads_up_to_bytes must not be negative".into()))?,
                gc_grace: std::time::Duration::from_secs(
                    u64::try_from(raw.int("gc.grace_secs"))
                        .map_err(|_| ConfigError("gc.grace_secs must not be negative".into()))?,
                ),
                rollback_window_ms: positive("promotion.rollback_window_secs")? as i64 * 1000,
                approval_ttl_ms: Some(raw.int("promotion.approval_ttl_secs"))
                    .filter(|s| *s >= 0)
                    .ok_or_else(|| ConfigError("promotion.approval_ttl_secs must not be negative".into()))?
                    .saturating_mul(1000),
                maven_snapshot_keep: usize::try_from(raw.int("maven.snapshot_keep"))
                    .map_err(|_| ConfigError("maven.snapshot_keep must not be negative".into()))?,
                maven_snapshot_keep_by_repository: raw
                    .repositories
                    .iter()
                    .filter_map(|(name, r)| Some((name.clone(), r.maven_snapshot_keep?)))
                    .collect(),
            },
            upload_reap_interval_secs: positive("oci.upload_reap_interval_secs")?,
            scrub_mib_per_hour: u64::try_from(raw.int("blobs.scrub_mib_per_hour"))
                .map_err(|_| ConfigError("blobs.scrub_mib_per_hour must not be negative".into()))?,
            gc_interval_secs: u64::try_from(raw.int("gc.interval_secs"))
                .map_err(|_| ConfigError("gc.interval_secs must not be negative".into()))?,
            repositories: raw.repositories.clone(),
            connections: crate::ConnectionLimits {
                header_read_timeout: std::time::Duration::from_secs(positive("http.header_read_timeout_secs")?),
                max_connections: usize::try_from(positive("http.max_connections")?).unwrap_or(usize::MAX),
            },
            // `oci.body_idle_timeout_secs` predates the timeout on every route; the shorter one holds.
            body_idle_timeout: std::time::Duration::from_secs(
                positive("http.body_idle_timeout_secs")?.min(positive("oci.body_idle_timeout_secs")?),
            ),
            trusted_proxies: raw
                .strings("auth.trusted_proxies")
                .iter()
                .map(|p| parse_proxy(p))
                .collect::<Result<_, _>>()?,
            tls,
        })
    }

    /// Settings for tests: everything default, data in `dir`, a free port on loopback.
    pub fn for_tests(dir: &Path) -> Self {
        let raw = RawConfig::load(None, [], &[("data", dir.display().to_string()), ("listen", "127.0.0.1:0".into())])
            .expect("default configuration is valid");
        Self::from_raw(&raw).expect("default configuration is valid")
    }
}

/// An address (`10.0.0.1`) or a network (`10.0.0.0/8`, `fd00::/8`).
fn parse_proxy(text: &str) -> Result<ipnet::IpNet, ConfigError> {
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| ConfigError(format!("auth.trusted_proxies: {text:?} is neither an IP address nor a network")))
}

/// The command-line flag that sets `key`: `--tls-cert` for `http.tls_cert`, else the key spelled as a
/// flag (`log.format` → `--log-format`).
fn flag_name(key: &str) -> String {
    match key {
        "http.tls_cert" => "--tls-cert".into(),
        "http.tls_key" => "--tls-key".into(),
        key => format!("--{}", key.replace(['.', '_'], "-")),
    }
}

/// `ARCA_` + the key in capitals, nested keys joined by `__` (`auth.enabled` → `ARCA_AUTH__ENABLED`).
pub fn env_var(key: &str) -> String {
    format!("ARCA_{}", key.to_uppercase().replace('.', "__"))
}

fn parse_literal(s: &str) -> Value {
    toml::from_str::<toml::Table>(&format!("v = {s}")).expect("valid default")["v"].clone()
}

fn flatten(prefix: &str, value: Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() { k } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        v => out.push((prefix.to_owned(), v)),
    }
}

/// Hides the password of a URL such as `postgres://user:secret@host/db`.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    match rest.split_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:********@{host}")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_storage_takes_the_aws_variables_under_arcas_own_and_the_flags() {
        let env =
            |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>();
        let aws = env(&[
            ("AWS_ENDPOINT_URL", "http://generic:9000"),
            ("AWS_ENDPOINT_URL_S3", "http://s3-specific:9000"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("AWS_REGION", "eu-central-1"),
            ("AWS_ACCESS_KEY_ID", "AKIA"),
            ("AWS_SECRET_ACCESS_KEY", "hunter2"),
            ("ARCA_S3__PART_SIZE_MIB", "16"),
        ]);
        let raw = RawConfig::load(None, aws, &[("storage", "s3://bucket/some/prefix/".into())]).unwrap();
        let s3 = Settings::from_raw(&raw).unwrap().s3.expect("s3 settings");
        assert_eq!((s3.config.bucket.as_str(), s3.config.prefix.as_str()), ("bucket", "some/prefix"));
        assert_eq!(s3.config.endpoint.as_deref(), Some("http://s3-specific:9000"), "the S3-specific endpoint wins");
        assert_eq!(s3.config.region, "eu-central-1", "AWS_REGION wins over AWS_DEFAULT_REGION");
        assert_eq!(s3.config.access_key_id.as_deref(), Some("AKIA"));
        assert_eq!(s3.config.part_size, 16 << 20);
        assert_eq!(s3.redirect, None, "downloads stream through the node unless asked");
        let shown = raw.show().unwrap();
        assert!(!shown.contains("hunter2") && !shown.contains("AKIA"), "credentials are masked: {shown}");
        assert!(shown.contains("env AWS_SECRET_ACCESS_KEY"), "and their source named: {shown}");

        let arca_wins = env(&[("AWS_REGION", "eu-central-1"), ("ARCA_S3__REGION", "us-west-2")]);
        let raw = RawConfig::load(None, arca_wins, &[("storage", "s3://b".into())]).unwrap();
        let s3 = Settings::from_raw(&raw).unwrap().s3.unwrap();
        assert_eq!((s3.config.region.as_str(), s3.config.prefix.as_str()), ("us-west-2", ""));

        let redirect = env(&[("ARCA_S3__REDIRECT_DOWNLOADS", "true"), ("ARCA_S3__REDIRECT_EXPIRY_SECS", "60")]);
        let raw = RawConfig::load(None, redirect, &[("storage", "s3://b/p".into())]).unwrap();
        assert_eq!(Settings::from_raw(&raw).unwrap().s3.unwrap().redirect, Some(std::time::Duration::from_secs(60)));
        let file = RawConfig::load(None, [], &[]).unwrap();
        assert!(Settings::from_raw(&file).unwrap().s3.is_none(), "file storage by default");
    }

    #[test]
    fn bad_s3_settings_are_refused_with_what_to_write() {
        let refused = |storage: &str, env: &[(&str, &str)]| {
            let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            let raw = RawConfig::load(None, env, &[("storage", storage.to_owned())]).unwrap();
            Settings::from_raw(&raw).unwrap_err().0
        };
        assert!(refused("s3://", &[]).contains("name the bucket"));
        assert!(refused("s3:///prefix", &[]).contains("name the bucket"));
        assert!(refused("gs://bucket", &[]).contains("use file://DIR or s3://BUCKET/PREFIX"));
        assert!(refused("s3://b", &[("ARCA_S3__PART_SIZE_MIB", "4")]).contains("between 5 and 5120"));
        assert!(refused("s3://b", &[("ARCA_S3__REDIRECT_EXPIRY_SECS", "0")]).contains("604800"));
    }

    #[test]
    fn precedence_is_default_file_env_flag() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("arca.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:1\"\ndata = \"/file\"\n[oci]\nauto_create = false\n[repositories.dev]\nmutable_tags = [\"dev-*\"]\n").unwrap();
        let env = [("ARCA_DATA".to_owned(), "/env".to_owned()), ("ARCA_OCI__MAX_PAGE".to_owned(), "50".to_owned())];
        let raw = RawConfig::load(Some(&file), env, &[("data", "/flag".into())]).unwrap();
        let s = Settings::from_raw(&raw).unwrap();
        assert_eq!(s.listen.port(), 1);
        assert_eq!(s.data, PathBuf::from("/flag"));
        assert!(!s.registry.auto_create);
        assert_eq!(s.registry.max_page, 50);
        assert_eq!(s.database, "sqlite:///flag/arca.db");
        assert_eq!(s.repositories["dev"].mutable_tags.as_deref(), Some(&["dev-*".to_owned()][..]));
        let shown = raw.show().unwrap();
        assert!(shown.contains("data = \"/flag\"  # flag --data"), "{shown}");
        assert!(shown.contains("oci.max_page = 50  # env ARCA_OCI__MAX_PAGE"), "{shown}");
        assert!(shown.contains("oci.auto_create = false  # file"), "{shown}");
        assert!(shown.contains("shutdown_grace_secs = 30  # default"), "{shown}");
    }

    #[test]
    fn anonymous_read_comes_from_patterns_and_repositories() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("arca.toml");
        std::fs::write(
            &file,
            "[auth]\nanonymous_read = [\"pub-*\"]\n[repositories.public]\nanonymous_read = true\n[repositories.dev]\n",
        )
        .unwrap();
        let s = Settings::from_raw(&RawConfig::load(Some(&file), [], &[]).unwrap()).unwrap();
        assert_eq!(s.auth_anonymous_read, ["pub-*", "public"]);
    }

    #[test]
    fn maven_snapshot_retention_is_global_or_per_repository() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("arca.toml");
        std::fs::write(
            &file,
            "[maven]\nsnapshot_keep = 5\n[repositories.snaps]\nformat = \"maven\"\nmaven_snapshot_keep = 2\n",
        )
        .unwrap();
        let s = Settings::from_raw(&RawConfig::load(Some(&file), [], &[]).unwrap()).unwrap();
        assert_eq!(s.registry.maven_snapshot_keep_for("snaps"), 2);
        assert_eq!(s.registry.maven_snapshot_keep_for("other"), 5);
    }

    #[test]
    fn secrets_are_masked() {
        let raw = RawConfig::load(None, [("ARCA_DATABASE".into(), "postgres://u:hunter2@h/db".into())], &[]).unwrap();
        let shown = raw.show().unwrap();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://u:********@h/db"));
    }

    #[test]
    fn tls_files_come_in_pairs_from_flags_env_or_file() {
        let flags =
            [("http.tls_cert", "/etc/arca/cert.pem".to_owned()), ("http.tls_key", "/etc/arca/key.pem".to_owned())];
        let raw = RawConfig::load(None, [], &flags).unwrap();
        let tls = Settings::from_raw(&raw).unwrap().tls.expect("TLS on");
        assert_eq!((tls.cert.to_str(), tls.key.to_str()), (Some("/etc/arca/cert.pem"), Some("/etc/arca/key.pem")));
        let shown = raw.show().unwrap();
        assert!(shown.contains("http.tls_cert = \"/etc/arca/cert.pem\"  # flag --tls-cert"), "{shown}");
        assert!(shown.contains("http.tls_key = \"/etc/arca/key.pem\"  # flag --tls-key"), "{shown}");

        let env = [
            ("ARCA_HTTP__TLS_CERT".to_owned(), "c.pem".to_owned()),
            ("ARCA_HTTP__TLS_KEY".to_owned(), "k.pem".to_owned()),
        ];
        assert!(Settings::from_raw(&RawConfig::load(None, env, &[]).unwrap()).unwrap().tls.is_some());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("arca.toml");
        std::fs::write(&file, "[http]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n").unwrap();
        assert!(Settings::from_raw(&RawConfig::load(Some(&file), [], &[]).unwrap()).unwrap().tls.is_some());

        assert!(
            Settings::from_raw(&RawConfig::load(None, [], &[]).unwrap()).unwrap().tls.is_none(),
            "plain HTTP by default"
        );
        let half = RawConfig::load(None, [], &[("http.tls_cert", "c.pem".into())]).unwrap();
        assert!(Settings::from_raw(&half).unwrap_err().0.contains("go together"));
    }

    #[test]
    fn errors_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("arca.toml");
        std::fs::write(&file, "lisen = \"x\"").unwrap();
        assert!(RawConfig::load(Some(&file), [], &[]).unwrap_err().0.contains("unknown key \"lisen\""));
        let err = RawConfig::load(None, [("ARCA_AUTH__ENABLED".into(), "maybe".into())], &[]).unwrap_err();
        assert!(err.0.contains("auth.enabled"), "{}", err.0);
        let raw = RawConfig::load(None, [], &[("listen", "nowhere".into())]).unwrap();
        assert!(Settings::from_raw(&raw).is_err());
    }
}
