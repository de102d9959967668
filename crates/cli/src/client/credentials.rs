//! Saved logins: `$XDG_CONFIG_HOME/arca/credentials.toml` (or `~/.config/arca/…`), file mode 0600 in a
//! directory of mode 0700, written whole through a temporary file and a rename.

use super::Failure;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

/// One server's credentials (a user and password, or an API token) and the CA it is trusted by.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Login {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `--ca-cert` given at login (an absolute path): trusted for this server from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
}

/// The credentials file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Credentials {
    /// The server used when neither `--server` nor `ARCA_SERVER` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default)]
    pub servers: BTreeMap<String, Login>,
}

/// `$XDG_CONFIG_HOME/arca` or `$HOME/.config/arca`.
pub fn config_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("arca"));
    }
    let home = std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .ok_or_else(|| Failure::new(Failure::ERROR, "neither XDG_CONFIG_HOME nor HOME is set"))?;
    Ok(PathBuf::from(home).join(".config/arca"))
}

pub fn path() -> anyhow::Result<PathBuf> {
    Ok(config_dir()?.join("credentials.toml"))
}

/// Server URLs are compared without a trailing `/`.
pub fn normalize(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

impl Credentials {
    /// The saved credentials (empty when there are none).
    pub fn load() -> anyhow::Result<Self> {
        let path = path()?;
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(anyhow::anyhow!("reading {}: {e}", path.display())),
        }
    }

    /// Writes the file (mode 0600; its directory 0700), or removes it when nothing is left.
    pub fn save(&self) -> anyhow::Result<()> {
        let dir = config_dir()?;
        let path = dir.join("credentials.toml");
        if self.servers.is_empty() {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => return Ok(()),
            }
        }
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        let tmp = dir.join(".credentials.toml.tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        file.write_all(toml::to_string(self)?.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(())
    }

    /// The server to talk to: `--server`/`ARCA_SERVER`, else the saved default.
    pub fn server(&self, flag: Option<&str>) -> Option<String> {
        flag.map(normalize).or_else(|| self.default.clone())
    }

    pub fn login_for(&self, server: &str) -> Option<&Login> {
        self.servers.get(&normalize(server))
    }
}
