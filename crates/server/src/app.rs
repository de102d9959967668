//! Building the service: stores, registry, routes and middleware.

use crate::auth::{Gate, jwt::JwtKey};
use crate::config::Settings;
use crate::metrics::Metrics;
use arca_core::audit::Actor;
use arca_core::auth::AuthService;
use arca_core::blob::BlobStore;
use arca_core::clock::Clock;
use arca_core::jobs::JobRunner;
use arca_core::observe::RouteClass;
use arca_core::registry::{NewRepository, Registry};
use arca_core::traffic::Traffic;
use arca_http::Protocol;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use http::{HeaderValue, StatusCode};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracing::Instrument;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartupError(pub String);

/// The assembled service.
pub struct App {
    pub registry: Arc<Registry>,
    pub auth: Arc<AuthService>,
    pub metrics: Arc<Metrics>,
    /// The background jobs (reapers), claimed per node through the metadata store.
    pub jobs: Arc<JobRunner>,
    body_idle_timeout: std::time::Duration,
    extra_protocols: Vec<Arc<dyn Protocol>>,
    gate: Arc<Gate>,
    /// The password of the administrator this start created, when it was generated (shown once).
    pub generated_admin_password: Option<String>,
}

/// The name of the server secret that signs registry tokens.
const JWT_SECRET: &str = "registry-token-hs256";
/// Names the key that signs upload ids (persisted, so uploads survive restarts and span nodes).
const UPLOAD_ID_SECRET: &str = "upload-ids-hmac";

/// What tests (and embedders) may replace when building an [`App`]: the clock, and the blob store
/// (an in-memory or fault-injecting one from `arca-store-testkit`). Unset, the configured ones.
#[derive(Default)]
pub struct Seams {
    pub clock: Option<Arc<dyn Clock>>,
    pub blobs: Option<Arc<dyn BlobStore>>,
    /// More protocols, served beside the built-in ones (a test-only protocol shows the seam).
    pub protocols: Vec<Arc<dyn Protocol>>,
}

impl App {
    /// Opens the stores, applies declared repositories and sweeps what a crash left behind.
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        Self::build_with(settings, Seams::default()).await
    }

    /// [`Self::build`] with some parts replaced.
    pub async fn build_with(settings: &Settings, seams: Seams) -> Result<Self, StartupError> {
        let (blobs, blobs_on_disk) = match seams.blobs {
            Some(blobs) => (blobs, false),
            None => open_blob_store(settings).await?,
        };
        let clock = seams.clock.unwrap_or_else(arca_core::clock::system);
        let meta = arca_store_sql::SqlMetaStore::connect(&settings.database).await.map_err(err("database"))?;
        let meta = meta.with_touch_window(settings.registry.touch_window());
        let meta: Arc<dyn arca_core::meta::MetaStore> = Arc::new(meta);
        let claims: Arc<dyn arca_core::jobs::JobClaims> = meta.clone();
        let auth = AuthService::new(meta.clone(), settings.auth_anonymous_read.clone(), settings.auth_login_limits);
        let auth = Arc::new(auth.with_clock(clock.clone()));
        let upload_key = auth.server_secret(UPLOAD_ID_SECRET).await.map_err(err("upload id key"))?;
        let seed =
            auth.server_secret(crate::signer::PROMOTION_KEY_SECRET).await.map_err(err("promotion signing key"))?;
        let seed = <[u8; 32]>::try_from(seed.as_slice())
            .map_err(|_| StartupError("the promotion signing key is not 32 bytes".into()))?;
        let signer = Arc::new(crate::signer::Ed25519Signer::from_seed(&seed));
        let registry = Registry::new(blobs, meta, settings.registry.clone()).with_upload_key(upload_key);
        let registry = registry.with_clock(clock.clone()).with_signer(signer).with_npm_key(npm_key(&auth).await?);
        let registry = Arc::new(registry);
        let metrics = Arc::<Metrics>::default();
        let jobs = Arc::new(jobs(&registry, claims, clock, settings).with_job(sli_sampler(&registry, &metrics)));
        refuse_lost_database(&auth, blobs_on_disk, settings).await?;
        let generated_admin_password = if settings.auth_enabled {
            let password = settings.admin_password.as_ref().map(|p| p.0.as_str());
            auth.bootstrap(password).await.map_err(err("creating the administrator"))?
        } else {
            None
        };
        let session_key = auth.server_secret(crate::auth::session::SECRET).await.map_err(err("UI session key"))?;
        let gate = Arc::new(Gate {
            enabled: settings.auth_enabled,
            sessions: Arc::new(crate::auth::session::SessionKey::new(session_key, auth.clone())),
            service: auth.clone(),
            jwt: JwtKey::new(auth.server_secret(JWT_SECRET).await.map_err(err("token signing key"))?),
            token_ttl_secs: i64::try_from(settings.auth_token_ttl_secs).unwrap_or(300),
            trusted_proxies: settings.trusted_proxies.clone(),
        });
        declare_repositories(&registry, settings).await.map_err(err("declared repositories"))?;
        // One node on SQLite owns its staging area: everything orphaned is a crash's leftover. Nodes
        // sharing PostgreSQL may be streaming uploads into shared storage right now.
        let idle_for =
            if settings.database.starts_with("sqlite:") { std::time::Duration::ZERO } else { registry.upload_ttl() };
        let reaped = registry.reap_orphan_staging(idle_for).await.map_err(err("sweeping staged uploads"))?;
        if reaped > 0 {
            tracing::info!(reaped, "removed staged uploads left by an earlier run");
        }
        Ok(Self {
            registry,
            auth,
            metrics,
            jobs,
            body_idle_timeout: settings.body_idle_timeout,
            extra_protocols: seams.protocols,
            gate,
            generated_admin_password,
        })
    }

    /// The protocols this server speaks, each with its routes behind the enforcement point. Adding a
    /// protocol is one line here (and tests add theirs through [`Seams::protocols`]).
    pub fn protocols(&self) -> Vec<Arc<dyn Protocol>> {
        let mut protocols: Vec<Arc<dyn Protocol>> = vec![
            Arc::new(crate::ops::Ops {
                registry: self.registry.clone(),
                metrics: self.metrics.clone(),
                jobs: self.jobs.clone(),
                gate: self.gate.clone(),
            }),
            Arc::new(arca_proto_oci::OciProtocol::new(self.registry.clone())),
            Arc::new(arca_proto_generic::GenericProtocol::new(self.registry.clone())),
            Arc::new(arca_proto_pypi::PypiProtocol::new(self.registry.clone())),
            Arc::new(arca_proto_npm::NpmProtocol::new(self.registry.clone(), self.auth.clone())),
            Arc::new(arca_proto_cargo::CargoProtocol::new(self.registry.clone(), self.auth.clone(), self.gate.enabled)),
            Arc::new(arca_proto_maven::MavenProtocol::new(self.registry.clone())),
            Arc::new(arca_api::ApiProtocol::new(self.registry.clone(), self.auth.clone(), self.jobs.clone())),
            Arc::new(arca_ui::UiProtocol::new(self.ui())),
        ];
        protocols.extend(self.extra_protocols.iter().cloned());
        protocols
    }

    /// What the web UI needs: the use cases, sessions, and the counters `/metrics` shows.
    fn ui(&self) -> arca_ui::Ui {
        let (metrics, jobs, registry) = (self.metrics.clone(), self.jobs.clone(), self.registry.clone());
        let metrics_text = move || {
            let mut text = metrics.render(None, &jobs.stats());
            crate::metrics::render_promotions(&mut text, &registry.promotion_stats());
            text
        };
        arca_ui::Ui {
            registry: self.registry.clone(),
            auth: self.auth.clone(),
            sessions: self.gate.sessions.clone(),
            metrics: Arc::new(metrics_text),
            auth_enabled: self.gate.enabled,
        }
    }

    /// The paths of every route, of every protocol.
    pub fn route_paths(&self) -> Vec<&'static str> {
        self.protocols().iter().flat_map(|p| p.paths()).collect()
    }

    /// The router: each protocol's routes behind the one enforcement point (`auth::enforce`, as a
    /// route layer, so it sees the matched route), then limits and request observation.
    pub fn router(&self) -> Router {
        self.protocols()
            .into_iter()
            .fold(Router::new(), |router, protocol| {
                let gate = (self.gate.clone(), protocol.clone());
                let mut routes =
                    protocol.router().route_layer(middleware::from_fn_with_state(gate, crate::auth::enforce));
                if protocol.is_artifact_traffic() {
                    let traffic = self.registry.traffic().clone();
                    routes = routes.route_layer(middleware::from_fn_with_state(traffic, count_traffic));
                }
                router.merge(routes)
            })
            .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
            .layer(middleware::from_fn(crate::limits::headers))
            .layer(middleware::from_fn_with_state(self.body_idle_timeout, crate::limits::body_idle))
            .layer(middleware::from_fn_with_state(self.metrics.clone(), observe))
    }
}

/// Blobs on disk but a database that never recorded anything (every write appends to the audit log):
/// the metadata database was lost or replaced (deleted, a wrong `database` URL, an empty PostgreSQL).
/// Serving would show an empty registry whose audit log verifies, and new pushes would bury the old
/// content; refuse, and say how to recover. (A crash during the very first push has audited its
/// repository's creation already, so it is not mistaken for a lost database.)
async fn refuse_lost_database(
    auth: &AuthService,
    blobs_on_disk: bool,
    settings: &Settings,
) -> Result<(), StartupError> {
    let head = auth.audit_log().audit_head().await.map_err(|e| StartupError(format!("database: {e}")))?;
    if head.seq > 0 || !blobs_on_disk {
        return Ok(());
    }
    Err(StartupError(format!(
        "the blob store {} holds blobs but the metadata database {} has never recorded anything: the database \
         was lost or replaced. Restore it from a backup (or point `database` at the right one) and start again; to start \
         over instead, move the blob store's `blobs` directory away",
        settings.storage,
        crate::config::mask_url(&settings.database)
    )))
}

/// The jobs every node runs (each claims a job before running it; see `arca_core::jobs`).
fn jobs(
    registry: &Arc<Registry>,
    claims: Arc<dyn arca_core::jobs::JobClaims>,
    clock: Arc<dyn Clock>,
    settings: &Settings,
) -> JobRunner {
    use arca_core::registry::gc::GarbageCollector;
    use arca_core::registry::jobs::{AuditSealer, GenericUploadReaper, UploadReaper};
    use arca_core::registry::retention::RetentionScheduler;
    use arca_core::registry::scrub::Scrubber;
    use arca_core::registry::vulns::AdvisoryEvaluator;
    let interval = std::time::Duration::from_secs(settings.upload_reap_interval_secs);
    let node = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let runner = JobRunner::new(node, claims, clock)
        .with_job(Arc::new(UploadReaper { registry: registry.clone(), interval }))
        .with_job(Arc::new(GenericUploadReaper { registry: registry.clone(), interval }))
        .with_job(Arc::new(AuditSealer { registry: registry.clone() }));
    // Always registered, so that `arca gc run` claims it; never due when the interval is 0.
    let gc_interval = match settings.gc_interval_secs {
        0 => arca_core::jobs::UNSCHEDULED,
        secs => std::time::Duration::from_secs(secs),
    };
    let runner = runner
        .with_job(Arc::new(GarbageCollector { registry: registry.clone(), interval: gc_interval }))
        .with_job(Arc::new(RetentionScheduler { registry: registry.clone() }))
        .with_job(Arc::new(AdvisoryEvaluator {
            registry: registry.clone(),
            interval: std::time::Duration::from_secs(ADVISORY_INTERVAL_SECS),
        }));
    if settings.scrub_mib_per_hour == 0 {
        return runner;
    }
    // Six runs an hour, each a sixth of the hourly budget: a bounded, low rate.
    let bytes_per_run = (settings.scrub_mib_per_hour << 20) / SCRUB_RUNS_PER_HOUR;
    let every = std::time::Duration::from_secs(3600 / SCRUB_RUNS_PER_HOUR);
    runner.with_job(Arc::new(Scrubber::new(registry.clone(), every, bytes_per_run.max(1))))
}

/// The job that keeps the SLI history the dashboard draws, from the figures `/metrics` shows.
fn sli_sampler(registry: &Arc<Registry>, metrics: &Arc<Metrics>) -> Arc<arca_core::sli::SliSampler> {
    let (metrics, promotions) = (metrics.clone(), registry.clone());
    let figures = move || {
        let mut text = metrics.render(None, &Default::default());
        crate::metrics::render_promotions(&mut text, &promotions.promotion_stats());
        arca_ui::dashboard::sli_figures(&text)
    };
    Arc::new(arca_core::sli::SliSampler { registry: registry.clone(), figures: Arc::new(figures) })
}

const SCRUB_RUNS_PER_HOUR: u64 = 6;
/// How often each node looks for advisories no node has matched yet (an import runs the job at once;
/// this catches imports whose run another node held).
const ADVISORY_INTERVAL_SECS: u64 = 300;

/// The server secret holding the npm registry's signing key (PKCS#8, ECDSA P-256).
const NPM_KEY_SECRET: &str = "npm-registry-signing-key";

/// The npm registry's signing key: made on first start, then the same on every node and restart, so
/// `dist.signatures` made once stay valid under the keys `/-/npm/v1/keys` publishes.
async fn npm_key(auth: &AuthService) -> Result<arca_npm::RegistryKey, StartupError> {
    let bad = |e: arca_npm::NpmError| StartupError(format!("npm signing key: {e}"));
    let (_, fresh) = arca_npm::RegistryKey::generate().map_err(bad)?;
    let pkcs8 = auth.server_secret_or(NPM_KEY_SECRET, &fresh).await.map_err(err("npm signing key"))?;
    arca_npm::RegistryKey::from_pkcs8(&pkcs8).map_err(bad)
}

fn err(what: &'static str) -> impl Fn(arca_core::Error) -> StartupError {
    move |e| StartupError(format!("{what}: {e}"))
}

/// The configured blob store (`file://` or `s3://`), and whether it holds blobs already.
pub(crate) async fn open_blob_store(settings: &Settings) -> Result<(Arc<dyn BlobStore>, bool), StartupError> {
    // The data directory holds the SQLite database (and the blobs, on the filesystem): made here, once.
    std::fs::create_dir_all(&settings.data)
        .map_err(|e| StartupError(format!("data directory {}: {e}", settings.data.display())))?;
    let Some(s3) = &settings.s3 else {
        let blobs = open_file_store(settings)?;
        let on_disk = blobs.holds_blobs().map_err(err("blob store"))?;
        return Ok((Arc::new(blobs), on_disk));
    };
    let mut blobs = arca_store_s3::S3BlobStore::open(&s3.config).map_err(err("object storage"))?;
    if let Some(expiry) = s3.redirect {
        blobs = blobs.with_download_redirects(expiry);
    }
    let stored = blobs.holds_blobs().await.map_err(err("object storage"))?;
    Ok((Arc::new(blobs), stored))
}

fn open_file_store(settings: &Settings) -> Result<arca_store_fs::FsBlobStore, StartupError> {
    let root = settings.storage.strip_prefix("file://").unwrap_or(&settings.storage);
    arca_store_fs::FsBlobStore::open(root.into()).map_err(err("blob store"))
}

async fn declare_repositories(registry: &Registry, settings: &Settings) -> arca_core::Result<()> {
    for (name, declared) in &settings.repositories {
        let new = NewRepository::parse(name, &declared.format)
            .map_err(|e| arca_core::Error::new(e.kind, format!("[repositories.{name}]: {}", e.message)))?;
        let promote_from = declared
            .promote_from
            .iter()
            .map(|r| arca_types::RepoName::parse(r))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                arca_core::Error::new(
                    arca_core::ErrorKind::InvalidRequest,
                    format!("[repositories.{name}] promote_from: {e}"),
                )
            })?;
        let new = NewRepository {
            stage: declared.stage.clone(),
            mutable_tags: declared.mutable_tags.clone(),
            quota_bytes: declared.quota_bytes,
            promote_from,
            gates: declared.gates.clone(),
            pull_gates: declared.pull_gates.clone(),
            allow_unpublish: declared.allow_unpublish,
            ..new
        };
        registry.declare_repository(new, &Actor::system()).await?;
    }
    Ok(())
}

/// One log line and the metrics of every request; counts body bytes as they flow.
async fn observe(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let method = request.method().clone();
    // The path only: queries may one day carry tokens, and paths never do.
    let path = request.uri().path().to_owned();
    let counted = metrics.clone();
    let request = request.map(|b| Body::new(b.map_frame(move |f| count(&counted.bytes_in, f))));
    // Every line logged while handling the request carries its id (an internal error's cause too).
    let span = tracing::info_span!("request", id = %request_id);
    let mut response = next.run(request).instrument(span).await;
    let status = response.status().as_u16();
    let class = response.extensions().get::<RouteClass>().map_or("other", |c| c.0);
    let elapsed = started.elapsed();
    metrics.observe(class, status, elapsed);
    tracing::info!(request_id, %method, path, status, class, ms = elapsed.as_secs_f64() * 1000.0, "request");
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    let counted = metrics.clone();
    response.map(|b| Body::new(b.map_frame(move |f| count(&counted.bytes_out, f))))
}

/// Counts an artifact request as this node's traffic (`arca_core::traffic`) until its response body
/// is dropped — a pull's bytes are still streaming after the handler returns.
async fn count_traffic(State(traffic): State<Arc<Traffic>>, request: Request, next: Next) -> Response {
    let guard = traffic.enter();
    let response = next.run(request).await;
    response.map(move |body| {
        Body::new(body.map_frame(move |frame| {
            let _counted = &guard;
            frame
        }))
    })
}

fn count(counter: &AtomicU64, frame: http_body::Frame<bytes::Bytes>) -> http_body::Frame<bytes::Bytes> {
    if let Some(data) = frame.data_ref() {
        counter.fetch_add(data.len() as u64, Ordering::Relaxed);
    }
    frame
}
