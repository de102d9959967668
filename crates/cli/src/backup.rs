//! `arca backup DIR`, `arca restore DIR` and `arca fsck` on the local registry (`server::backup` and
//! `server::fsck` do the work).

use arca_server::Settings;
use std::path::Path;

pub async fn backup(dir: &Path, settings: Settings) -> anyhow::Result<()> {
    let copied = arca_server::backup::backup(&settings, dir).await?;
    println!(
        "backed up {} blobs ({} bytes) and {} audit entries into {}",
        copied.blobs,
        copied.bytes,
        copied.audit_entries,
        dir.display()
    );
    Ok(())
}

pub async fn restore(dir: &Path, settings: Settings) -> anyhow::Result<()> {
    let copied = arca_server::backup::restore(dir, &settings).await?;
    println!(
        "restored {} blobs ({} bytes) into {}; every blob's digest checked, {} audit entries verified",
        copied.blobs,
        copied.bytes,
        settings.data.display(),
        copied.audit_entries
    );
    Ok(())
}

/// `arca fsck`: every recorded blob present, of its size, hashing to its digest; every manifest
/// reference recorded. Exits non-zero when anything is wrong.
pub async fn fsck(json: bool, repair: bool, settings: Settings) -> anyhow::Result<()> {
    let report = arca_server::fsck::check(&settings, repair).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for problem in &report.problems {
            match problem {
                arca_server::fsck::Problem::Missing { digest } => println!("missing   {digest}"),
                arca_server::fsck::Problem::Damaged { digest, detail } => println!("damaged   {digest}: {detail}"),
                arca_server::fsck::Problem::UnrecordedReference { package, manifest, reference } => {
                    println!("dangling  {package}@{manifest} references {reference}, which is not recorded")
                }
            }
        }
        for digest in &report.removed {
            println!("removed   {digest} (damaged): push it again to restore it");
        }
        println!(
            "checked {} blobs ({} bytes): {} problem(s)",
            report.blobs_checked,
            report.bytes_checked,
            report.problems.len()
        );
    }
    anyhow::ensure!(report.problems.is_empty(), "{} problem(s) found", report.problems.len());
    Ok(())
}
