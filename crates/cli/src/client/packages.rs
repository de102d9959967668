//! Language-package chores over the management API: `arca yank` marks a PyPI release yanked (PEP 592:
//! pip skips it unless pinned) by its property `pypi.yanked`, whose value is the reason.

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
}
