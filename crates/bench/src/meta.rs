//! Metadata scaling: catalog and tag-list latency, paged (`n=100`), with a small and a large number of
//! repositories and tags. Populated quickly: one config blob pushed once and mounted everywhere, and a
//! manifest with no layers.

use crate::data::{Blob, image_config, manifest};
use crate::registry::Registry;
use crate::stats::Summary;
use anyhow::{Result, bail};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct MetaOptions {
    pub url: String,
    /// repository (and tag) counts to measure at, ascending
    pub counts: Vec<usize>,
    /// sequential requests per measurement
    pub iters: usize,
    /// workers while populating
    pub c: usize,
    pub repo_prefix: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct MetaResult {
    /// "catalog first page", "catalog middle page", "tags first page", "tags middle page"
    pub what: String,
    pub entries: usize,
    pub latency_ms: Summary,
}

fn repo_name(prefix: &str, run: &str, i: usize) -> String {
    format!("{prefix}/m{run}-{i:05}")
}

/// Populates, measures at each count, and returns one row per (query, count).
pub async fn run(opts: &MetaOptions) -> Result<Vec<MetaResult>> {
    let reg = Registry::new(&opts.url)?;
    let run = uuid::Uuid::new_v4().simple().to_string()[..6].to_string();
    let prefix = opts.repo_prefix.clone();
    let config = Arc::new(Blob::exact(image_config()));
    let manifest = Arc::new(Blob::exact(manifest(&config, None)));
    let seed = format!("{prefix}/m{run}-seed");
    reg.push_blob_monolith(&seed, &config).await?;
    let tag_repo = format!("{prefix}/m{run}-tags");
    reg.mount_or_push(&tag_repo, &seed, &config).await?;
    reg.push_manifest(&tag_repo, "seed", &manifest).await?;

    let mut out = Vec::new();
    let mut have = 0;
    for &count in &opts.counts {
        let (from, to) = (have, count);
        populate(opts, from, to, {
            let (prefix, run, seed, config, manifest) =
                (prefix.clone(), run.clone(), seed.clone(), config.clone(), manifest.clone());
            move |reg: Registry, i| {
                let (repo, seed, config, manifest) =
                    (repo_name(&prefix, &run, i), seed.clone(), config.clone(), manifest.clone());
                async move {
                    reg.mount_or_push(&repo, &seed, &config).await?;
                    reg.push_manifest(&repo, "v1", &manifest).await
                }
            }
        })
        .await?;
        populate(opts, from, to, {
            let (tag_repo, manifest) = (tag_repo.clone(), manifest.clone());
            move |reg: Registry, i| {
                let (tag_repo, manifest) = (tag_repo.clone(), manifest.clone());
                async move { reg.push_manifest(&tag_repo, &format!("t{i:05}"), &manifest).await }
            }
        })
        .await?;
        have = count;

        let middle = repo_name(&prefix, &run, count / 2);
        let queries = [
            ("catalog first page", None, "?n=100".to_string()),
            ("catalog middle page", None, format!("?n=100&last={middle}")),
            ("tags first page", Some(&tag_repo), "?n=100".to_string()),
            ("tags middle page", Some(&tag_repo), format!("?n=100&last=t{:05}", count / 2)),
        ];
        for (what, repo, query) in queries {
            let mut samples = Vec::with_capacity(opts.iters);
            for _ in 0..opts.iters.max(1) {
                let t0 = Instant::now();
                let body = match repo {
                    None => reg.catalog(&query).await?,
                    Some(repo) => reg.tags(repo, &query).await?,
                };
                samples.push(t0.elapsed());
                if body.is_empty() {
                    bail!("{what}: empty body");
                }
            }
            out.push(MetaResult { what: what.into(), entries: count, latency_ms: Summary::of(&samples) });
        }
    }
    Ok(out)
}

/// Runs `make(i)` for every i in `from..to`, `opts.c` at a time.
async fn populate<F, Fut>(opts: &MetaOptions, from: usize, to: usize, make: F) -> Result<()>
where
    F: Fn(Registry, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let next = Arc::new(AtomicUsize::new(from));
    let make = Arc::new(make);
    let mut handles = Vec::new();
    for _ in 0..opts.c.max(1) {
        let (next, make, reg) = (next.clone(), make.clone(), Registry::new(&opts.url)?);
        handles.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= to {
                    return anyhow::Ok(());
                }
                make(reg.clone(), i).await?;
            }
        }));
    }
    for h in handles {
        h.await??;
    }
    Ok(())
}
