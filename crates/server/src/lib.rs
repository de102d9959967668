//! The composition root: configuration, stores, middleware, listeners and background workers.
//!
//! Architecture invariant: this is the only library crate that names concrete storage crates; it
//! builds them and hands them to `arca-core` as ports.

mod app;
pub mod auth;
pub mod backup;
pub mod config;
pub mod fsck;
pub mod limits;
mod listener;
mod metrics;
mod ops;
pub mod signer;
pub mod testing;
pub mod tls;

pub use app::{App, Seams, StartupError};
pub use config::{RawConfig, Settings};
pub use listener::ConnectionLimits;
pub use tls::{ServerTls, TlsFiles};

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Refuses to expose an unauthenticated registry beyond loopback (DESIGN.md, principle 7).
pub fn check_exposure(settings: &Settings) -> Result<(), StartupError> {
    if settings.auth_enabled || settings.listen.ip().is_loopback() {
        return Ok(());
    }
    if settings.insecure_no_auth {
        tracing::warn!(listen = %settings.listen, "serving WITHOUT authentication beyond loopback (--insecure-no-auth): anyone who can reach this address can read, push and delete");
        return Ok(());
    }
    Err(StartupError(format!(
        "refusing to listen on {} without authentication: anyone on the network could push and delete. \
         Listen on loopback (--listen 127.0.0.1:8080), enable authentication (--auth or auth.enabled = true: \
         the first start creates user admin with the password in ARCA_ADMIN_PASSWORD, or prints a random one; \
         add users with `arca user add`), or pass --insecure-no-auth to accept the risk",
        settings.listen
    )))
}

/// What [`run`] tells its caller once connections are accepted.
#[derive(Debug, Clone)]
pub struct Listening {
    pub addr: SocketAddr,
    /// The certificate being served, when the listener speaks HTTPS (reload it with [`ServerTls::reload`]).
    pub tls: Option<Arc<ServerTls>>,
}

impl Listening {
    /// `http://ADDR` or `https://ADDR`.
    pub fn url(&self) -> String {
        format!("{}://{}", if self.tls.is_some() { "https" } else { "http" }, self.addr)
    }
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish for up to the grace period.
/// `on_listening` learns the bound address (and the TLS state) once connections are accepted.
pub async fn run(
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_listening: impl FnOnce(&Listening),
) -> Result<(), StartupError> {
    run_with(settings, Seams::default(), shutdown, on_listening).await
}

/// [`run`] with some parts of the app replaced (tests: a manual clock, a fault-injecting store).
pub async fn run_with(
    settings: Settings,
    seams: Seams,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_listening: impl FnOnce(&Listening),
) -> Result<(), StartupError> {
    check_exposure(&settings)?;
    // A bad certificate or key stops the start before anything is opened.
    let tls = settings.tls.as_ref().map(ServerTls::load).transpose().map_err(|e| StartupError(e.to_string()))?;
    let app = App::build_with(&settings, seams).await?;
    if let Some(password) = &app.generated_admin_password {
        // Straight to the terminal, never through the logger: shown once, stored only as a hash.
        eprintln!(
            "arca: created user admin with password {password}\n\
             arca: it is shown only this once; change it with `arca user passwd admin`"
        );
    }
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|e| StartupError(format!("listen on {}: {e}", settings.listen)))?;
    let addr = listener.local_addr().map_err(|e| StartupError(e.to_string()))?;
    let limits = settings.connections.fitted_to(listener::raise_nofile_limit());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut grace_rx = stop_rx.clone();
    let jobs = tokio::spawn(app.jobs.clone().run(stop_rx.clone()));
    if let Some(tls) = &tls {
        tokio::spawn(tls.clone().reload_on_change(stop_rx.clone()));
    }
    let serving = listener::serve(listener, app.router(), limits, tls.clone(), app.metrics.clone(), stop_rx);
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stop_tx.send(true);
    });
    on_listening(&Listening { addr, tls });
    let grace = Duration::from_secs(settings.shutdown_grace_secs);
    tokio::pin!(serving);
    tokio::select! {
        // Connections drained, then the jobs (asked to stop at their next safe point).
        () = async { (&mut serving).await; let _ = jobs.await; } => Ok(()),
        () = async { let _ = grace_rx.wait_for(|s| *s).await; tokio::time::sleep(grace).await } => {
            tracing::warn!("grace period over: dropping connections still open");
            Ok(())
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

/// Installs the global log subscriber (text or JSON lines on stderr).
pub fn init_logging(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ARCA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&settings.log_level));
    // Colours only for a person at a terminal: escape codes in a log file or a collector are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr);
    let _ = if settings.log_json { builder.json().try_init() } else { builder.try_init() };
}
