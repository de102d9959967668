//! HTTPS: the certificate and key (`http.tls_cert`, `http.tls_key`), loaded at start and reloaded
//! without a restart.
//!
//! The handshake picks the certificate through [`ServerTls`]'s resolver, so a reload swaps what new
//! handshakes present while open connections keep theirs. Reloads happen on SIGHUP, when either file
//! changes (polled), and through [`ServerTls::reload`]; a reload that fails (a half-written file, a
//! key that does not match) keeps the previous certificate and logs why. The crypto is rustls on
//! `ring`; ALPN offers `h2` and `http/1.1`.

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{InconsistentKeys, ServerConfig};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// How often the files are checked for changes.
pub const POLL_INTERVAL: Duration = Duration::from_secs(10);

/// The certificate and key files of `http.tls_cert` / `http.tls_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM certificate chain, the server's certificate first.
    pub cert: PathBuf,
    /// PEM private key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC).
    pub key: PathBuf,
    /// How often the files are checked for changes ([`POLL_INTERVAL`]; tests shorten it).
    pub poll_interval: Duration,
}

#[derive(Debug, thiserror::Error)]
#[error("TLS: {0}")]
pub struct TlsError(String);

/// Makes `ring` the process's rustls crypto provider (idempotent). The server's own configuration
/// names its provider; reqwest (the `arca` client, tests, tools) asks the process default.
pub fn install_default_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The serving certificate, swapped by reloads; handshakes read it through [`ResolvesServerCert`].
#[derive(Debug)]
struct Current(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for Current {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().unwrap_or_else(PoisonError::into_inner).clone())
    }
}

/// The TLS side of a listener: its configuration and the certificate it serves.
pub struct ServerTls {
    files: TlsFiles,
    current: Arc<Current>,
    config: Arc<ServerConfig>,
    /// The files as they were at the last load attempt (a change triggers the next one).
    seen: Mutex<Option<Stamp>>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").field("files", &self.files).finish()
    }
}

impl ServerTls {
    /// Loads the files; an error names the file and what is wrong with it.
    pub fn load(files: &TlsFiles) -> Result<Arc<Self>, TlsError> {
        let seen = Stamp::of(files);
        let key = certified_key(files)?;
        let current = Arc::new(Current(RwLock::new(Arc::new(key))));
        let mut config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(Self { files: files.clone(), current, config: Arc::new(config), seen: Mutex::new(seen) }))
    }

    /// Reads the files again: new handshakes present the new certificate, open connections keep
    /// theirs. On an error the previous certificate stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = Stamp::of(&self.files);
        let key = certified_key(&self.files)?;
        *self.current.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(key);
        Ok(())
    }

    /// The certificate chain new handshakes present (DER, the server's certificate first).
    pub fn certificate_chain(&self) -> Vec<CertificateDer<'static>> {
        self.current.0.read().unwrap_or_else(PoisonError::into_inner).cert.clone()
    }

    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.config.clone())
    }

    /// Reloads when either file changed since the last attempt; `None` when neither did.
    fn reload_if_changed(&self) -> Option<Result<(), TlsError>> {
        let now = Stamp::of(&self.files);
        let changed = *self.seen.lock().unwrap_or_else(PoisonError::into_inner) != now;
        changed.then(|| self.reload())
    }

    /// Reloads on SIGHUP and when the files change, until `stop`. SIGHUP is caught from this call on
    /// (the returned future need not have started).
    pub(crate) fn reload_on_change(
        self: Arc<Self>,
        mut stop: watch::Receiver<bool>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .inspect_err(|e| tracing::warn!(error = %e, "no certificate reload on SIGHUP"))
            .ok();
        async move {
            let mut poll = tokio::time::interval(self.files.poll_interval);
            poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            poll.tick().await;
            loop {
                let signalled = tokio::select! {
                    _ = stop.wait_for(|s| *s) => return,
                    Some(()) = async { hangup.as_mut()?.recv().await } => true,
                    _ = poll.tick() => false,
                };
                let this = self.clone();
                let outcome =
                    tokio::task::spawn_blocking(
                        move || {
                            if signalled { Some(this.reload()) } else { this.reload_if_changed() }
                        },
                    )
                    .await;
                let why = if signalled { "SIGHUP" } else { "the files changed" };
                match outcome {
                    Ok(Some(Ok(()))) => {
                        tracing::info!(cert = %self.files.cert.display(), why, "TLS certificate reloaded")
                    }
                    Ok(Some(Err(e))) => {
                        tracing::warn!(error = %e, why, "TLS certificate not reloaded: still serving the previous one")
                    }
                    Ok(None) => {}
                    Err(e) => tracing::error!(error = %e, "TLS certificate reload"),
                }
            }
        }
    }
}

/// Reads and checks the certificate chain and its key.
fn certified_key(files: &TlsFiles) -> Result<CertifiedKey, TlsError> {
    let (cert_path, key_path) = (files.cert.display(), files.key.display());
    let chain = CertificateDer::pem_slice_iter(&read(&files.cert, "http.tls_cert")?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError(format!("http.tls_cert {cert_path}: not a PEM certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(TlsError(format!(
            "http.tls_cert {cert_path}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it"
        )));
    }
    let key = PrivateKeyDer::from_pem_slice(&read(&files.key, "http.tls_key")?).map_err(|e| {
        TlsError(format!("http.tls_key {key_path}: no PEM private key (PKCS#8, RSA or SEC1 EC) in it: {e}"))
    })?;
    let provider = provider();
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| TlsError(format!("http.tls_key {key_path}: unusable private key: {e}")))?;
    let certified = CertifiedKey::new(chain, signing_key);
    match certified.keys_match() {
        // A key that cannot tell its public half is taken on trust (the handshake would fail).
        Ok(()) | Err(rustls::Error::InconsistentKeys(InconsistentKeys::Unknown)) => Ok(certified),
        Err(rustls::Error::InconsistentKeys(_)) => Err(TlsError(format!(
            "http.tls_key {key_path} is not the key of the certificate in http.tls_cert {cert_path}"
        ))),
        Err(e) => Err(TlsError(format!("http.tls_cert {cert_path}: {e}"))),
    }
}

fn read(path: &Path, key: &str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| TlsError(format!("{key} {}: {e}", path.display())))
}

/// What tells a changed file: device, inode, size, modification and change times (a rename over the
/// file, as `mv` and Kubernetes' secret volumes do, changes the inode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp([(u64, u64, u64, i64, i64, i64, i64); 2]);

impl Stamp {
    fn of(files: &TlsFiles) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        let stamp = |path: &Path| {
            let m = std::fs::metadata(path).ok()?;
            Some((m.dev(), m.ino(), m.size(), m.mtime(), m.mtime_nsec(), m.ctime(), m.ctime_nsec()))
        };
        Some(Self([stamp(&files.cert)?, stamp(&files.key)?]))
    }
}
