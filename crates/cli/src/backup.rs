//! `arca backup DIR` and `arca restore DIR` on the local registry (`server::backup` does the work).

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
