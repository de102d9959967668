//! A package's lifecycle state (PEP 792's project status: active, archived, quarantined,
//! deprecated), set by its maintainers for every version at once. PyPI's index shows it; publishing
//! to an archived or quarantined package is refused, and a quarantined PyPI project's files are not
//! offered.

use super::Registry;
use crate::audit::{Actor, Outcome};
use crate::meta::{Lifecycle, PackageStatus};
use crate::{Error, ErrorKind, Result};
use arca_types::OciName;

/// Longest reason accepted: a sentence or two for a client to show, not a document.
const MAX_REASON: usize = 1024;

fn unknown(name: &OciName) -> Error {
    Error::new(ErrorKind::NotFound, format!("package {name} is unknown"))
}

impl Registry {
    /// The package's lifecycle state (active unless set); `NotFound` for an unknown package.
    pub async fn package_status(&self, name: &OciName) -> Result<PackageStatus> {
        self.get_repository(&name.repository).await?;
        self.ports.manifests.package_status(name).await?.ok_or_else(|| unknown(name))
    }

    /// Sets the package's lifecycle state, audited as `package.status`; `NotFound` for an unknown
    /// package (a state is set on what was published, not reserved ahead).
    pub async fn set_package_status(&self, name: &OciName, status: &PackageStatus, actor: &Actor) -> Result<()> {
        self.get_repository(&name.repository).await?;
        if let Some(reason) = &status.reason {
            check_reason(reason)?;
        }
        let now = self.now();
        let mut work = self.ports.transactions.begin().await?;
        if !work.set_package_status(name, status).await? {
            return Err(unknown(name));
        }
        let detail = match &status.reason {
            Some(reason) => format!("{}: {reason}", status.status.as_str()),
            None => status.status.as_str().to_owned(),
        };
        work.audit(&actor.entry(now, "package.status", name.to_string(), Outcome::Success).with_detail(detail)).await?;
        work.commit().await
    }

    /// Refuses a publish to a package that accepts none (archived, quarantined); an unknown package
    /// accepts its first.
    pub(super) async fn check_accepts_uploads(&self, name: &OciName) -> Result<()> {
        let Some(status) = self.ports.manifests.package_status(name).await? else { return Ok(()) };
        if status.status.accepts_uploads() {
            return Ok(());
        }
        Err(Error::new(ErrorKind::Conflict, format!("{name} is {}: it accepts no new uploads", status.status.as_str())))
    }

    /// Whether the package's files are withheld (it is quarantined).
    pub(super) async fn is_quarantined(&self, name: &OciName) -> Result<bool> {
        let status = self.ports.manifests.package_status(name).await?;
        Ok(status.is_some_and(|s| s.status == Lifecycle::Quarantined))
    }
}

fn check_reason(reason: &str) -> Result<()> {
    if reason.len() > MAX_REASON {
        return Err(Error::new(ErrorKind::InvalidRequest, format!("a status reason is at most {MAX_REASON} bytes")));
    }
    if reason.chars().any(char::is_control) {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "a status reason is one line of text (no control characters)",
        ));
    }
    Ok(())
}
