//! The owners of a crate, kept as crates.io and kellnr keep them: the first publish makes its
//! publisher (the arca user, `Actor::name`) the owner; owners add and remove other arca users
//! (`cargo owner --add/--remove`), never the last one; and only an owner, or an administrator of the
//! repository (the `admin` action on it), publishes a new version, yanks or changes owners.
//!
//! Owners are rows per crate (its stored name, the collision key, so every spelling shares them),
//! read through `ManifestStore::crate_owners` and written in the unit of work of the change they
//! belong to. A crate published before owners were kept has no rows: it stays open to anyone who may
//! publish to the repository, lists its publishers as owners, and its next publish records the
//! publisher; its first owner change records the publishers first, so the change applies to the
//! owners `cargo owner --list` showed.

use super::Registry;
use super::cargo::{CargoVersion, crate_name};
use crate::audit::{Actor, Outcome};
use crate::meta::{Millis, UnitOfWork};
use crate::{Error, ErrorKind, Result};
use arca_types::{OciName, PackageId, RepoName};

/// Who changes a crate: its actor (an owner is an actor's name) and whether they hold `admin` on
/// the repository, which owners do not restrict.
#[derive(Debug, Clone, Copy)]
pub struct CrateCaller<'a> {
    pub actor: &'a Actor,
    pub admin: bool,
}

/// A change of owners (`cargo owner --add` or `--remove`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerChange {
    Add,
    Remove,
}

impl Registry {
    /// A crate's owners, in byte order: those recorded, or, for a crate published before owners
    /// were kept, its publishers. `NotFound` for an unknown crate.
    pub async fn cargo_owners(&self, repository: &RepoName, name: &PackageId) -> Result<Vec<String>> {
        let versions = self.cargo_crate(repository, name).await?;
        let recorded = self.ports.manifests.crate_owners(&crate_name(repository, name)?).await?;
        Ok(if recorded.is_empty() { publishers(versions) } else { recorded })
    }

    /// Refuses a publish of `name` by a caller who is neither an owner nor an administrator, before
    /// its `.crate` is read (the publish checks again). A new crate accepts anyone.
    pub async fn check_cargo_owner(
        &self,
        repository: &RepoName,
        name: &PackageId,
        caller: CrateCaller<'_>,
    ) -> Result<()> {
        self.cargo_owner_check(&crate_name(repository, name)?, name.as_str(), caller).await.map(drop)
    }

    /// The crate's recorded owners, once the caller is found to be one of them or an administrator
    /// (or the crate has none): `Denied` otherwise, naming the owners and how to be added.
    pub(super) async fn cargo_owner_check(
        &self,
        name: &OciName,
        display: &str,
        caller: CrateCaller<'_>,
    ) -> Result<Vec<String>> {
        let owners = self.ports.manifests.crate_owners(name).await?;
        if owners.is_empty() || caller.admin || owners.contains(&caller.actor.name) {
            return Ok(owners);
        }
        Err(Error::new(
            ErrorKind::Denied,
            format!(
                "`{}` is not an owner of crate `{display}` (owners: {}): an owner adds you with `cargo owner --add {} {display}`, or an administrator of repository {} acts without being one",
                caller.actor.name,
                owners.join(", "),
                caller.actor.name,
                name.repository,
            ),
        ))
    }

    /// Adds or removes owners of a crate, audited as `cargo.owner.add` or `cargo.owner.remove`.
    /// Logins to add must be arca users (the caller checks: users are not this service's). A login
    /// to remove must be an owner, and a crate keeps at least one. `NotFound` for an unknown crate.
    pub async fn change_cargo_owners(
        &self,
        repository: &RepoName,
        name: &PackageId,
        change: OwnerChange,
        logins: &[String],
        caller: CrateCaller<'_>,
    ) -> Result<()> {
        let versions = self.cargo_crate(repository, name).await?;
        let stored = crate_name(repository, name)?;
        let recorded = self.cargo_owner_check(&stored, name.as_str(), caller).await?;
        let listed = if recorded.is_empty() { publishers(versions) } else { recorded.clone() };
        if change == OwnerChange::Remove
            && let Some(stranger) = logins.iter().find(|l| !listed.contains(l))
        {
            return Err(Error::new(ErrorKind::InvalidRequest, format!("could not find owner with login `{stranger}`")));
        }
        let now = self.now();
        let mut work = self.ports.transactions.begin().await?;
        if recorded.is_empty() {
            work.add_crate_owners(&stored, &listed, now).await?;
        }
        let action = match change {
            OwnerChange::Add => {
                work.add_crate_owners(&stored, logins, now).await?;
                "cargo.owner.add"
            }
            OwnerChange::Remove => {
                if work.remove_crate_owners(&stored, logins).await?.is_empty() {
                    return Err(Error::new(
                        ErrorKind::InvalidRequest,
                        format!("cannot remove all individual owners of a crate: add another owner of `{name}` first"),
                    ));
                }
                "cargo.owner.remove"
            }
        };
        let entry = caller.actor.entry(now, action, stored.to_string(), Outcome::Success).with_detail(logins.join(","));
        work.audit(&entry).await?;
        work.commit().await
    }
}

/// Who published a crate's versions, in byte order: the owners of a crate published before owners
/// were kept.
fn publishers(versions: Vec<CargoVersion>) -> Vec<String> {
    let mut publishers: Vec<String> = versions.into_iter().filter_map(|v| v.publisher).collect();
    publishers.sort();
    publishers.dedup();
    publishers
}

/// Records the publisher as the crate's owner when it has none (its first publish, or the first
/// since owners were kept), in the publish's unit of work.
pub(super) async fn record_first_owner(
    work: &mut dyn UnitOfWork,
    name: &OciName,
    recorded: &[String],
    actor: &Actor,
    now: Millis,
) -> Result<()> {
    if recorded.is_empty() {
        work.add_crate_owners(name, std::slice::from_ref(&actor.name), now).await?;
    }
    Ok(())
}
