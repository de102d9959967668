//! The OCI Distribution requests zb makes, one keep-alive client per worker.

use crate::data::{Blob, MANIFEST_TYPE};
use anyhow::{Context as _, Result, bail};
use bytes::Bytes;
use reqwest::{Method, StatusCode, Url};
use std::time::{Duration, Instant};

/// One worker's connection to a registry.
#[derive(Debug, Clone)]
pub struct Registry {
    base: Url,
    http: reqwest::Client,
}

/// An image as pushed: where it lives and what to delete when cleaning up.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub repo: String,
    pub tag: String,
    pub manifest: String,
    pub blobs: Vec<String>,
}

/// Time to first byte of the GETs of one pull (response headers received).
#[derive(Debug, Clone, Copy, Default)]
pub struct PullTimes {
    pub manifest: Duration,
    pub config: Duration,
    pub layer: Duration,
    pub bytes: u64,
}

impl Registry {
    pub fn new(base: &str) -> Result<Self> {
        let base = Url::parse(base).with_context(|| format!("registry URL {base}"))?;
        let mut headers = reqwest::header::HeaderMap::new();
        // ARCA_BENCH_BASIC=user:password: every request authenticates with HTTP Basic (the cost of
        // password logins is what the password-auth row measures).
        if let Ok(credentials) = std::env::var("ARCA_BENCH_BASIC") {
            let value =
                format!("Basic {}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, credentials));
            headers.insert(reqwest::header::AUTHORIZATION, value.parse().context("ARCA_BENCH_BASIC")?);
        }
        // reqwest's TLS asks the process for its crypto provider (arca builds rustls with ring only).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .no_proxy()
            .pool_idle_timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .build()?;
        Ok(Self { base, http })
    }

    fn url(&self, path: &str) -> Result<Url> {
        Ok(self.base.join(path)?)
    }

    async fn send(&self, req: reqwest::RequestBuilder, want: StatusCode, what: &str) -> Result<reqwest::Response> {
        let resp = req.send().await.with_context(|| what.to_string())?;
        if resp.status() != want {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            bail!("{what}: {status} (want {want}): {}", body.chars().take(300).collect::<String>());
        }
        Ok(resp)
    }

    fn location(&self, resp: &reqwest::Response) -> Result<Url> {
        let loc = resp.headers().get("location").context("no Location header")?.to_str()?;
        Ok(self.base.join(loc)?)
    }

    async fn start_upload(&self, repo: &str) -> Result<Url> {
        let url = self.url(&format!("/v2/{repo}/blobs/uploads/"))?;
        let resp = self.send(self.http.post(url), StatusCode::ACCEPTED, "POST upload").await?;
        self.location(&resp)
    }

    /// POST, then PUT `?digest=` with the whole blob.
    pub async fn push_blob_monolith(&self, repo: &str, blob: &Blob) -> Result<()> {
        let mut loc = self.start_upload(repo).await?;
        loc.query_pairs_mut().append_pair("digest", &blob.digest);
        let req = self.http.put(loc).header("content-type", "application/octet-stream").body(blob.body(true));
        self.send(req, StatusCode::CREATED, "PUT blob").await?;
        Ok(())
    }

    /// POST, one PATCH streaming the whole blob (no Content-Range), then PUT `?digest=` with no body.
    pub async fn push_blob_streamed(&self, repo: &str, blob: &Blob) -> Result<()> {
        let loc = self.start_upload(repo).await?;
        let req = self.http.patch(loc).header("content-type", "application/octet-stream").body(blob.body(false));
        let resp = self.send(req, StatusCode::ACCEPTED, "PATCH blob").await?;
        let mut loc = self.location(&resp)?;
        loc.query_pairs_mut().append_pair("digest", &blob.digest);
        self.send(self.http.put(loc).header("content-length", 0), StatusCode::CREATED, "PUT close upload").await?;
        Ok(())
    }

    /// Mounts `digest` from `from`; falls back to pushing `blob` when the registry does not mount.
    pub async fn mount_or_push(&self, repo: &str, from: &str, blob: &Blob) -> Result<()> {
        let mut url = self.url(&format!("/v2/{repo}/blobs/uploads/"))?;
        url.query_pairs_mut().append_pair("mount", &blob.digest).append_pair("from", from);
        let resp = self.http.post(url).send().await.context("POST mount")?;
        match resp.status() {
            StatusCode::CREATED => Ok(()),
            StatusCode::ACCEPTED => {
                let mut loc = self.location(&resp)?;
                loc.query_pairs_mut().append_pair("digest", &blob.digest);
                let req = self.http.put(loc).body(blob.body(true));
                self.send(req, StatusCode::CREATED, "PUT blob after mount").await?;
                Ok(())
            }
            s => bail!("POST mount: {s}"),
        }
    }

    /// PUTs a manifest under `reference` (a tag or its digest).
    pub async fn push_manifest(&self, repo: &str, reference: &str, manifest: &Blob) -> Result<()> {
        let url = self.url(&format!("/v2/{repo}/manifests/{reference}"))?;
        let req = self.http.put(url).header("content-type", MANIFEST_TYPE).body(manifest.head.clone());
        self.send(req, StatusCode::CREATED, "PUT manifest").await?;
        Ok(())
    }

    /// zb's image push: layer, config, then the manifest under `tag`.
    pub async fn push_image(
        &self,
        repo: &str,
        tag: &str,
        layer: &Blob,
        config: &Blob,
        streamed: bool,
    ) -> Result<Pushed> {
        for blob in [layer, config] {
            if streamed {
                self.push_blob_streamed(repo, blob).await?;
            } else {
                self.push_blob_monolith(repo, blob).await?;
            }
        }
        let manifest = Blob::exact(crate::data::manifest(config, Some(layer)));
        self.push_manifest(repo, tag, &manifest).await?;
        Ok(Pushed {
            repo: repo.into(),
            tag: tag.into(),
            manifest: manifest.digest,
            blobs: vec![layer.digest.clone(), config.digest.clone()],
        })
    }

    async fn head(&self, path: &str, accept: Option<&str>) -> Result<()> {
        let mut req = self.http.head(self.url(path)?);
        if let Some(accept) = accept {
            req = req.header("accept", accept);
        }
        self.send(req, StatusCode::OK, "HEAD").await?;
        Ok(())
    }

    /// GETs `url` and drains the body; returns (time to first byte, bytes).
    pub async fn get_drain(&self, url: Url, accept: Option<&str>) -> Result<(Duration, u64)> {
        let start = Instant::now();
        let mut req = self.http.get(url);
        if let Some(accept) = accept {
            req = req.header("accept", accept);
        }
        let mut resp = self.send(req, StatusCode::OK, "GET").await?;
        let ttfb = start.elapsed();
        let mut n = 0u64;
        while let Some(chunk) = resp.chunk().await? {
            n += chunk.len() as u64;
        }
        Ok((ttfb, n))
    }

    /// zb's pull: HEAD+GET manifest by tag, HEAD+GET config, HEAD+GET layer, bodies drained.
    pub async fn pull_image(&self, image: &Pushed, layer: &Blob, config: &Blob) -> Result<PullTimes> {
        let repo = &image.repo;
        let manifest_path = format!("/v2/{repo}/manifests/{}", image.tag);
        self.head(&manifest_path, Some(MANIFEST_TYPE)).await?;
        let (manifest, _) = self.get_drain(self.url(&manifest_path)?, Some(MANIFEST_TYPE)).await?;
        let config_path = format!("/v2/{repo}/blobs/{}", config.digest);
        self.head(&config_path, None).await?;
        let (config_ttfb, _) = self.get_drain(self.url(&config_path)?, None).await?;
        let layer_path = format!("/v2/{repo}/blobs/{}", layer.digest);
        self.head(&layer_path, None).await?;
        let (layer_ttfb, bytes) = self.get_drain(self.url(&layer_path)?, None).await?;
        if bytes != layer.size {
            bail!("layer GET returned {bytes} bytes, want {}", layer.size);
        }
        Ok(PullTimes { manifest, config: config_ttfb, layer: layer_ttfb, bytes })
    }

    /// `GET /v2/_catalog` (with an optional query), body drained.
    pub async fn catalog(&self, query: &str) -> Result<Bytes> {
        let url = self.url(&format!("/v2/_catalog{query}"))?;
        Ok(self.send(self.http.get(url), StatusCode::OK, "GET catalog").await?.bytes().await?)
    }

    /// `GET /v2/<repo>/tags/list` (with an optional query), body drained.
    pub async fn tags(&self, repo: &str, query: &str) -> Result<Bytes> {
        let url = self.url(&format!("/v2/{repo}/tags/list{query}"))?;
        Ok(self.send(self.http.get(url), StatusCode::OK, "GET tags").await?.bytes().await?)
    }

    /// Deletes the manifest, then its blobs, by digest (zb's cleanup).
    pub async fn delete_image(&self, image: &Pushed) -> Result<()> {
        let repo = &image.repo;
        self.delete(&format!("/v2/{repo}/manifests/{}", image.manifest)).await?;
        for blob in &image.blobs {
            self.delete(&format!("/v2/{repo}/blobs/{blob}")).await?;
        }
        Ok(())
    }

    async fn delete(&self, path: &str) -> Result<()> {
        let resp = self.http.request(Method::DELETE, self.url(path)?).send().await?;
        // 404: a blob shared between images of one repository is already gone.
        if !(resp.status().is_success() || resp.status() == StatusCode::NOT_FOUND) {
            bail!("DELETE {path}: {}", resp.status());
        }
        Ok(())
    }
}
