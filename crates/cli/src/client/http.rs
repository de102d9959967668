//! The connection to a server: its base URL, the credentials to send, and HTTP statuses mapped to exit
//! codes. Plain `http://` only for now (the binary carries no TLS stack); put a TLS-terminating proxy
//! in front of a remote server.

use super::credentials::{Credentials, Login, normalize};
use super::{ClientFlags, Failure};
use reqwest::{Method, RequestBuilder, Response, StatusCode};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// A server and how to authenticate to it.
#[derive(Debug, Clone)]
pub struct Server {
    pub base: String,
    login: Option<Login>,
    http: reqwest::Client,
}

impl Server {
    pub fn new(base: &str, login: Option<Login>) -> anyhow::Result<Self> {
        let base = normalize(base);
        if !base.starts_with("http://") {
            return Err(Failure::usage(format!(
                "server {base:?}: only http:// URLs are supported (terminate TLS in a proxy in front of arca)"
            )));
        }
        let http = reqwest::Client::builder().user_agent(concat!("arca/", env!("CARGO_PKG_VERSION"))).build()?;
        Ok(Self { base, login, http })
    }

    /// The server named by the flags or the saved login, with the saved credentials for it.
    pub fn from_flags(flags: &ClientFlags) -> anyhow::Result<Self> {
        let saved = Credentials::load()?;
        let base = saved.server(flags.server.as_deref()).ok_or_else(|| {
            Failure::usage("no server: pass --server URL, set ARCA_SERVER, or run `arca login URL` first")
        })?;
        let login = saved.login_for(&base).cloned();
        Self::new(&base, login)
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
        let response = rb.send().await.map_err(|e| Failure::new(Failure::ERROR, format!("{what}: {e}")))?;
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
