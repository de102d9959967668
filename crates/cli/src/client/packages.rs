//! Language-package chores over the management API: `arca yank` marks a PyPI release yanked (PEP 592:
//! pip skips it unless pinned) by its property `pypi.yanked`, whose value is the reason;
//! `arca package-status` shows or sets a package's lifecycle state (PEP 792's project status).

use super::http::Server;
use super::reference::VersionRef;
use arca_types::{Ecosystem, PackageId, Pep440};
use reqwest::Method;
use serde_json::{Value, json};

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  arca yank py/requests@2.0.0 --reason \"breaks on Windows\"\n  \
arca yank py/requests@2.0.0 --undo")]
pub struct YankArgs {
    /// `<repo>/<project>@<version>` of a PyPI repository (any spelling of the name and version).
    release: String,
    /// Why (shown by pip when the release is installed pinned).
    #[arg(long, default_value = "")]
    reason: String,
    /// Un-yank the release instead.
    #[arg(long)]
    undo: bool,
}

/// The property path of a PyPI release: its project's PEP 503 name, its version as stored.
fn release_path(release: &VersionRef) -> anyhow::Result<String> {
    let project = PackageId::parse(Ecosystem::Pypi, &release.package)?;
    let stored = project.stored_name()?;
    let version = Pep440::parse(&release.reference)?.to_string();
    let tag = Ecosystem::Pypi.version_tag(&version)?;
    Ok(format!("/api/v1/repositories/{}/packages/{stored}/versions/{tag}/properties", release.repo))
}

pub async fn yank(server: &Server, args: &YankArgs) -> anyhow::Result<()> {
    let release = VersionRef::parse(&args.release)?;
    let value = if args.undo { Value::Null } else { json!(args.reason) };
    let rb = server
        .request(Method::PATCH, &release_path(&release)?)
        .json(&json!({ "properties": { "pypi.yanked": value } }));
    server.send(rb, "yanking").await?;
    match (args.undo, args.reason.is_empty()) {
        (true, _) => println!("un-yanked {}", args.release),
        (false, true) => println!("yanked {}", args.release),
        (false, false) => println!("yanked {} ({})", args.release, args.reason),
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  arca package-status py/requests\n  \
arca package-status py/requests archived --reason \"use httpx\"\n  arca package-status js/@team/ui active")]
pub struct PackageStatusArgs {
    /// `<repo>/<package>` (a PyPI or npm name in any spelling its registry accepts).
    package: String,
    /// The new state: `active`, `archived` (uploads refused), `quarantined` (uploads refused, a PyPI
    /// project's files withheld) or `deprecated`. Without it, the state is shown.
    status: Option<String>,
    /// Why (shown by the index, e.g. PyPI's `pypi:project-status-reason`).
    #[arg(long)]
    reason: Option<String>,
}

/// The package as the repository stores it: a PyPI project by its PEP 503 name, an npm `@scope/name`
/// as `scope/name`, anything else as given.
fn stored_package(format: &str, package: &str) -> anyhow::Result<String> {
    let ecosystem = match format {
        "pypi" => Ecosystem::Pypi,
        "npm" => Ecosystem::Npm,
        _ => return Ok(package.to_owned()),
    };
    Ok(PackageId::parse(ecosystem, package)?.stored_name()?.to_string())
}

pub async fn package_status(server: &Server, args: &PackageStatusArgs) -> anyhow::Result<()> {
    let (repo, package) = args.package.split_once('/').ok_or_else(|| anyhow::anyhow!("expected <repo>/<package>"))?;
    let format = server.get_json(&format!("/api/v1/repositories/{repo}"), "reading the repository").await?;
    let stored = stored_package(format["format"].as_str().unwrap_or_default(), package)?;
    let path = format!("/api/v1/repositories/{repo}/packages/{stored}/status");
    let now = match &args.status {
        None => server.get_json(&path, "reading the package status").await?,
        Some(status) => {
            let rb = server.request(Method::PUT, &path).json(&json!({ "status": status, "reason": args.reason }));
            server.send(rb, "setting the package status").await?.json().await?
        }
    };
    match now["reason"].as_str() {
        Some(reason) => println!("{}: {} ({reason})", args.package, now["status"].as_str().unwrap_or_default()),
        None => println!("{}: {}", args.package, now["status"].as_str().unwrap_or_default()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_are_addressed_as_stored() {
        let path = |s: &str| release_path(&VersionRef::parse(s).unwrap()).unwrap();
        assert_eq!(
            path("py/Arca_Demo@1.0-1"),
            "/api/v1/repositories/py/packages/arca-demo/versions/1.0.post1/properties"
        );
        assert_eq!(
            path("py/demo@1!2.0+local"),
            "/api/v1/repositories/py/packages/demo/versions/1-2.0_local/properties"
        );
    }

    #[test]
    fn packages_are_addressed_as_their_format_stores_them() {
        assert_eq!(stored_package("pypi", "Arca_Demo").unwrap(), "arca-demo");
        assert_eq!(stored_package("npm", "@team/ui").unwrap(), "team/ui");
        assert_eq!(stored_package("generic", "team/Tool").unwrap(), "team/Tool");
        assert!(stored_package("npm", "~bad").is_err());
    }
}
