//! The connection to a server: its base URL, the credentials to send, and HTTP statuses mapped to exit
//! codes. `https://` servers are verified against the system's CA certificates plus `--ca-cert`
//! (rustls on ring).

use super::credentials::{Credentials, Login, normalize};
use super::{ClientFlags, Failure};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use std::path::Path;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// A server and how to authenticate to it.
#[derive(Debug, Clone)]
pub struct Server {
    pub base: String,
    login: Option<Login>,
    http: reqwest::Client,
}

impl Server {
    /// A server at `base` (`http://…` or `https://…`); an https server is also trusted when its chain
    /// ends at a certificate of `ca_cert`.
    pub fn new(base: &str, login: Option<Login>, ca_cert: Option<&Path>) -> anyhow::Result<Self> {
        let base = normalize(base);
        if !base.starts_with("http://") && !base.starts_with("https://") {
            return Err(Failure::usage(format!("server {base:?}: use an http:// or https:// URL")));
        }
        // reqwest's TLS asks the process for its crypto provider (arca builds rustls with ring only).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder().user_agent(concat!("arca/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = ca_cert {
            builder = builder.tls_certs_merge(ca_certificates(path)?);
        }
        Ok(Self { base, login, http: builder.build()? })
    }

    /// The server named by the flags or the saved login, with the saved credentials (and CA) for it.
    pub fn from_flags(flags: &ClientFlags) -> anyhow::Result<Self> {
        let saved = Credentials::load()?;
        let base = saved.server(flags.server.as_deref()).ok_or_else(|| {
            Failure::usage("no server: pass --server URL, set ARCA_SERVER, or run `arca login URL` first")
        })?;
        let login = saved.login_for(&base).cloned();
        let ca_cert = flags.ca_cert.clone().or_else(|| login.as_ref().and_then(|l| l.ca_cert.clone()));
        Self::new(&base, login, ca_cert.as_deref())
    }

    /// Whether a server is configured (`--server`, `ARCA_SERVER`, or a saved login).
    pub fn configured(flags: &ClientFlags) -> anyhow::Result<bool> {
        Ok(flags.server.is_some() || Credentials::load()?.default.is_some())
    }

    /// A request to `path` (absolute, starting with `/`) with the credentials attached.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let rb = self.http.request(method, format!("{}{path}", self.base));
        match &self.login {
            Some(Login { token: Some(token), .. }) => rb.bearer_auth(token),
            Some(Login { username: Some(user), password, .. }) => rb.basic_auth(user, password.as_deref()),
            _ => rb,
        }
    }

    /// Sends `rb`; a non-success status becomes a [`Failure`] with the server's message.
    pub async fn send(&self, rb: RequestBuilder, what: &str) -> anyhow::Result<Response> {
        let response = rb.send().await.map_err(|e| {
            let mut message = format!("{what}: {}", chain(&e));
            if message.contains("invalid peer certificate") {
                message.push_str(" (a server with a certificate of a private CA needs --ca-cert FILE)");
            }
            Failure::new(Failure::ERROR, message)
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(failure(response, what).await.into())
    }

    /// The manifest of a version (`name` + tag or digest), as the server stores it.
    pub async fn manifest(&self, name: &str, reference: &str, what: &str) -> anyhow::Result<Vec<u8>> {
        let get = self
            .request(Method::GET, &format!("/v2/{name}/manifests/{reference}"))
            .header(reqwest::header::ACCEPT, OCI_MANIFEST);
        Ok(self.send(get, what).await?.bytes().await?.to_vec())
    }

    pub async fn get_json(&self, path: &str, what: &str) -> anyhow::Result<serde_json::Value> {
        let response = self.send(self.request(Method::GET, path), what).await?;
        Ok(response.json().await?)
    }
}

/// The certificates of a `--ca-cert` PEM file (one or several).
fn ca_certificates(path: &Path) -> anyhow::Result<Vec<reqwest::Certificate>> {
    let pem =
        std::fs::read(path).map_err(|e| Failure::new(Failure::USAGE, format!("--ca-cert {}: {e}", path.display())))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| Failure::new(Failure::USAGE, format!("--ca-cert {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Failure::usage(format!(
            "--ca-cert {}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it",
            path.display()
        )));
    }
    Ok(certs)
}

/// The failure an error response stands for.
pub async fn failure(response: Response, what: &str) -> Failure {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().or_else(|| v["errors"][0]["message"].as_str()).map(str::to_owned))
        .unwrap_or_else(|| body.trim().chars().take(200).collect());
    let code = match status {
        StatusCode::NOT_FOUND => Failure::NOT_FOUND,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Failure::DENIED,
        _ => Failure::ERROR,
    };
    Failure::new(code, format!("{what}: {status}: {message}"))
}

/// An error with its causes: reqwest's own message is only "error sending request for url (…)", the
/// reason (a certificate not trusted, a refused connection) is in its sources.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

/// Percent-encodes a query parameter value.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
