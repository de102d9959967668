//! zb's tests and the closed-loop runner: `c` workers, each with its own client, each running `n/c`
//! iterations back to back; RPS = n / wall time of the timed phase.

use crate::data::{DataSet, Size};
use crate::registry::{Pushed, Registry};
use crate::stats::{ServerProc, ServerUse, Summary};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Weights of sizes an iteration picks from.
pub type Mix = &'static [(Size, u32)];

const ONE: Mix = &[(Size::M1, 1)];
const TEN: Mix = &[(Size::M10, 1)];
const HUNDRED: Mix = &[(Size::M100, 1)];
const GIG: Mix = &[(Size::G1, 1)];
const MIX_20_70_10: Mix = &[(Size::M1, 20), (Size::M10, 70), (Size::M100, 10)];
const MIX_33: Mix = &[(Size::M1, 1), (Size::M10, 1), (Size::M100, 1)];
/// The images pushed before Get Catalog.
const MIX_CATALOG: Mix = &[(Size::M1, 70), (Size::M10, 20), (Size::M100, 10)];

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    PushMonolith(Mix),
    PushStreamed(Mix),
    Pull(Mix),
    Catalog(Mix),
    /// 75 % pull, 25 % monolithic push (a coin flip per iteration)
    PullPush(Mix),
}

#[derive(Debug, Clone, Copy)]
pub struct Test {
    pub name: &'static str,
    pub kind: Kind,
    /// Not one of zb's 15 offline tests (1 GiB): runs only when `-t` names it.
    pub extra: bool,
}

const fn t(name: &'static str, kind: Kind) -> Test {
    Test { name, kind, extra: false }
}

/// zb's tests, names and order as in zot's cmd/zb/perf.go (without the on-demand sync tests, which
/// need an upstream), then the 1 GiB tests for the physical-limit references.
pub const TESTS: &[Test] = &[
    t("Get Catalog", Kind::Catalog(MIX_CATALOG)),
    t("Push Monolith 1MB", Kind::PushMonolith(ONE)),
    t("Push Monolith 10MB", Kind::PushMonolith(TEN)),
    t("Push Monolith 100MB", Kind::PushMonolith(HUNDRED)),
    t("Push Chunk Streamed 1MB", Kind::PushStreamed(ONE)),
    t("Push Chunk Streamed 10MB", Kind::PushStreamed(TEN)),
    t("Push Chunk Streamed 100MB", Kind::PushStreamed(HUNDRED)),
    t("Pull 1MB", Kind::Pull(ONE)),
    t("Pull 10MB", Kind::Pull(TEN)),
    t("Pull 100MB", Kind::Pull(HUNDRED)),
    t("Pull Mixed 20% 1MB, 70% 10MB, 10% 100MB", Kind::Pull(MIX_20_70_10)),
    t("Push Monolith Mixed 20% 1MB, 70% 10MB, 10% 100MB", Kind::PushMonolith(MIX_20_70_10)),
    t("Push Chunk Mixed 33% 1MB, 33% 10MB, 33% 100MB", Kind::PushStreamed(MIX_33)),
    t("Pull 75% and Push 25% Mixed 1MB", Kind::PullPush(ONE)),
    t("Pull 75% and Push 25% Mixed 10MB", Kind::PullPush(TEN)),
    t("Pull 75% and Push 25% Mixed 100MB", Kind::PullPush(HUNDRED)),
    Test { name: "Push Monolith 1GB", kind: Kind::PushMonolith(GIG), extra: true },
    Test { name: "Pull 1GB", kind: Kind::Pull(GIG), extra: true },
];

/// The smoke mode's tests: 1 MiB only, every kind of request once.
pub const SMOKE: &[Test] = &[
    t("Push Monolith 1MB", Kind::PushMonolith(ONE)),
    t("Push Chunk Streamed 1MB", Kind::PushStreamed(ONE)),
    t("Pull 1MB", Kind::Pull(ONE)),
    t("Get Catalog", Kind::Catalog(ONE)),
    t("Pull 75% and Push 25% Mixed 1MB", Kind::PullPush(ONE)),
];

#[derive(Debug, Clone)]
pub struct Options {
    /// The registry's base URL; several, comma-separated, for nodes of one registry (worker `i` uses
    /// node `i mod nodes`; setup and cleanup the first).
    pub url: String,
    pub n: usize,
    pub c: usize,
    pub repo_prefix: String,
    pub skip_cleanup: bool,
    pub server: Option<ServerProc>,
    /// keep the blobs' random heads here and reuse them (see [`crate::data::Blob::stored_head`])
    pub data_dir: Option<std::path::PathBuf>,
    /// every push sends a layer with a new random head (new bytes: the write path), instead of zb's
    /// one layer per size pushed again and again (which a content-addressed registry only hashes)
    pub unique: bool,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct TestResult {
    pub name: String,
    pub n: usize,
    pub c: usize,
    pub ok: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    pub wall_s: f64,
    pub rps: f64,
    /// layer bytes moved per second (pushes and pulls), MiB/s
    pub mib_s: f64,
    pub latency_ms: Summary,
    /// time to first byte of the pull GETs: manifest, config, layer
    pub ttfb_ms: BTreeMap<String, Summary>,
    pub server: Option<ServerUse>,
}

/// Which tests `filter` selects; without a filter, zb's set (no 1 GiB tests).
pub fn select(tests: &'static [Test], filter: Option<&regex_lite::Regex>) -> Vec<Test> {
    tests.iter().filter(|t| filter.map_or(!t.extra, |re| re.is_match(t.name))).copied().collect()
}

/// A small xorshift generator per worker (sizes and coin flips need no more).
struct Rng(u64);

impl Rng {
    fn new() -> Self {
        let mut seed = [0u8; 8];
        getrandom::fill(&mut seed).expect("OS random source");
        Self(u64::from_le_bytes(seed) | 1)
    }

    fn below(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % u64::from(n)) as u32
    }

    fn pick(&mut self, mix: Mix) -> Size {
        let mut r = self.below(mix.iter().map(|(_, w)| w).sum());
        for (size, w) in mix {
            if r < *w {
                return *size;
            }
            r -= w;
        }
        mix[0].0
    }
}

fn new_repo(prefix: &str) -> String {
    format!("{prefix}/{}", uuid::Uuid::new_v4().simple())
}

/// What one worker recorded.
#[derive(Default)]
struct Worker {
    latencies: Vec<Duration>,
    ttfb: BTreeMap<&'static str, Vec<Duration>>,
    errors: usize,
    first_error: Option<String>,
    bytes: u64,
    pushed: Vec<Pushed>,
}

struct Shared {
    data: Arc<DataSet>,
    /// a new layer per push (see [`Options::unique`])
    unique: bool,
    /// images pushed in setup that pulls read, by size
    images: BTreeMap<Size, Pushed>,
    prefix: String,
}

async fn iteration(reg: &Registry, sh: &Shared, kind: Kind, rng: &mut Rng, k: usize, w: &mut Worker) -> Result<()> {
    let config = sh.data.config();
    let push = |size: Size, streamed: bool| {
        let layer =
            if sh.unique { Arc::new(crate::data::Blob::random_head(size.bytes())) } else { sh.data.layer(size) };
        let config = config.clone();
        let repo = new_repo(&sh.prefix);
        async move { reg.push_image(&repo, &format!("tag{k}"), &layer, &config, streamed).await }
    };
    match kind {
        Kind::PushMonolith(mix) | Kind::PushStreamed(mix) => {
            let size = rng.pick(mix);
            let image = push(size, matches!(kind, Kind::PushStreamed(_))).await?;
            w.pushed.push(image);
            w.bytes += size.bytes();
        }
        Kind::Pull(mix) => pull(reg, sh, rng.pick(mix), w).await?,
        Kind::PullPush(mix) => {
            let size = rng.pick(mix);
            if rng.below(4) == 0 {
                w.pushed.push(push(size, false).await?);
                w.bytes += size.bytes();
            } else {
                pull(reg, sh, size, w).await?;
            }
        }
        Kind::Catalog(_) => {
            reg.catalog("").await?;
        }
    }
    Ok(())
}

async fn pull(reg: &Registry, sh: &Shared, size: Size, w: &mut Worker) -> Result<()> {
    let image = &sh.images[&size];
    let times = reg.pull_image(image, &sh.data.layer(size), &sh.data.config()).await?;
    w.ttfb.entry("manifest").or_default().push(times.manifest);
    w.ttfb.entry("config").or_default().push(times.config);
    w.ttfb.entry("layer").or_default().push(times.layer);
    w.bytes += times.bytes;
    Ok(())
}

impl Options {
    /// The node worker `i` talks to.
    pub fn node(&self, i: usize) -> &str {
        let nodes: Vec<&str> = self.url.split(',').collect();
        nodes[i % nodes.len()]
    }
}

/// Runs one test: setup, the timed closed loop, cleanup.
pub async fn run_test(opts: &Options, data: &Arc<DataSet>, test: &Test) -> Result<TestResult> {
    let c = opts.c.max(1);
    let per_worker = (opts.n / c).max(1);
    let n = per_worker * c;
    let setup = Registry::new(opts.node(0))?;
    let mut sh =
        Shared { data: data.clone(), unique: opts.unique, images: BTreeMap::new(), prefix: opts.repo_prefix.clone() };
    let mut setup_pushed = Vec::new();

    // Setup: the images pulls read (one per size), or the catalog's n/c images per worker.
    match test.kind {
        Kind::Pull(mix) | Kind::PullPush(mix) => {
            for (size, _) in mix {
                let image =
                    setup.push_image(&new_repo(&sh.prefix), "tag0", &data.layer(*size), &data.config(), false).await?;
                if test.extra {
                    // The physical-limit pull is compared with nginx serving a file from the page
                    // cache: read the image once so the registry serves it from there too.
                    setup.pull_image(&image, &data.layer(*size), &data.config()).await?;
                }
                sh.images.insert(*size, image.clone());
                setup_pushed.push(image);
            }
        }
        Kind::Catalog(mix) => {
            let workers = (0..c).map(|i| {
                let (url, data, prefix) = (opts.node(i).to_owned(), data.clone(), sh.prefix.clone());
                tokio::spawn(async move {
                    let reg = Registry::new(&url)?;
                    let mut rng = Rng::new();
                    let mut pushed = Vec::new();
                    for k in 0..per_worker {
                        let layer = data.layer(rng.pick(mix));
                        pushed.push(
                            reg.push_image(&new_repo(&prefix), &format!("tag{k}"), &layer, &data.config(), false)
                                .await?,
                        );
                    }
                    anyhow::Ok(pushed)
                })
            });
            for worker in workers.collect::<Vec<_>>() {
                setup_pushed.extend(worker.await??);
            }
        }
        Kind::PushMonolith(mix) | Kind::PushStreamed(mix) => {
            for (size, _) in mix {
                data.layer(*size); // make the data before the clock starts
            }
        }
    }

    let sh = Arc::new(sh);
    let cpu_before = opts.server.and_then(|s| {
        s.reset_peak();
        s.cpu_seconds()
    });
    let start = Instant::now();
    let mut handles = Vec::new();
    for i in 0..c {
        let (sh, reg, kind) = (sh.clone(), Registry::new(opts.node(i))?, test.kind);
        handles.push(tokio::spawn(async move {
            let mut w = Worker::default();
            let mut rng = Rng::new();
            for k in 0..per_worker {
                let t0 = Instant::now();
                match iteration(&reg, &sh, kind, &mut rng, k, &mut w).await {
                    Ok(()) => w.latencies.push(t0.elapsed()),
                    Err(e) => {
                        w.errors += 1;
                        w.first_error.get_or_insert_with(|| format!("{e:#}"));
                    }
                }
            }
            w
        }));
    }
    let mut all = Worker::default();
    for h in handles {
        let w = h.await?;
        all.latencies.extend(w.latencies);
        for (k, v) in w.ttfb {
            all.ttfb.entry(k).or_default().extend(v);
        }
        all.errors += w.errors;
        all.first_error = all.first_error.or(w.first_error);
        all.bytes += w.bytes;
        all.pushed.extend(w.pushed);
    }
    let wall = start.elapsed().as_secs_f64();
    let server = opts.server.and_then(|s| {
        let cpu_s = s.cpu_seconds()? - cpu_before?;
        Some(ServerUse {
            cpu_s,
            cpu_ms_per_op: cpu_s * 1e3 / n as f64,
            peak_rss_kib: s.status_kib("VmHWM").unwrap_or(0),
            rss_kib: s.status_kib("VmRSS").unwrap_or(0),
        })
    });

    if !opts.skip_cleanup {
        all.pushed.extend(setup_pushed);
        cleanup(opts.node(0), c, all.pushed).await?;
    }
    Ok(TestResult {
        name: result_name(test, opts.unique),
        n,
        c,
        ok: all.latencies.len(),
        errors: all.errors,
        first_error: all.first_error,
        wall_s: wall,
        rps: n as f64 / wall,
        mib_s: all.bytes as f64 / (1024.0 * 1024.0) / wall,
        latency_ms: Summary::of(&all.latencies),
        ttfb_ms: all.ttfb.into_iter().map(|(k, v)| (k.to_string(), Summary::of(&v))).collect(),
        server,
    })
}

/// Deletes every image by digest, `c` at a time.
async fn cleanup(url: &str, c: usize, images: Vec<Pushed>) -> Result<()> {
    let images = Arc::new(std::sync::Mutex::new(images));
    let mut handles = Vec::new();
    for _ in 0..c {
        let (images, reg) = (images.clone(), Registry::new(url)?);
        handles.push(tokio::spawn(async move {
            loop {
                let Some(image) = images.lock().expect("cleanup lock").pop() else { return anyhow::Ok(()) };
                reg.delete_image(&image).await?;
            }
        }));
    }
    for h in handles {
        h.await??;
    }
    Ok(())
}

/// What a test's results are called: with `--unique`, pushes say so (they measure another path).
pub const UNIQUE_SUFFIX: &str = ", new layer bytes every push";

fn result_name(test: &Test, unique: bool) -> String {
    let pushes = matches!(test.kind, Kind::PushMonolith(_) | Kind::PushStreamed(_) | Kind::PullPush(_));
    if unique && pushes { format!("{}{UNIQUE_SUFFIX}", test.name) } else { test.name.to_owned() }
}
