//! [`BlobStore`] on S3-compatible object storage (AWS S3, MinIO, Ceph RGW, Garage, moto, …).
//!
//! Architecture invariant: only this crate knows how blobs are laid out in the bucket. Keys under the
//! configured prefix:
//!
//! ```text
//! blobs/<algorithm>/<hex>   a blob: its bytes, or — for a blob that arrived as a multipart upload —
//!                           an empty *pointer* object whose metadata names its data object and size
//! data/<upload id>-<nonce>  the bytes of a blob uploaded in parts (a completed multipart upload)
//! uploads/<upload id>       an open upload's state: its multipart upload and parts, then the bytes
//!                           not yet sent as a part (the *tail*, under one part size)
//! ```
//!
//! Why pointers: the digest of an upload is known only when it is committed, after its parts are
//! stored, and S3 has no rename (a single-request copy also stops at 5 GiB). Committing a large upload
//! completes its multipart upload where it is and records the digest in a pointer, so no byte is
//! copied. Blobs that fit in one part (most layers, every manifest) are stored under their digest
//! directly, one request.
//!
//! Every node reads an upload's state from the bucket (S3 is strongly consistent), so the chunks of
//! one upload may arrive at different nodes. A chunk that fails is never recorded: the next one
//! starts from the state the last finished chunk saved, overwriting any part the failed one sent.
//! Bytes already sent as parts cannot be taken back (S3 parts are not readable before completion), so
//! an upload can be rewound only within its tail; further back is refused (`BLOB_UPLOAD_INVALID`).

mod error;
mod staging;

use arca_core::blob::{BlobContent, BlobStore, ByteStream, DownloadHeaders, UploadWriter};
use arca_core::{Error, ErrorKind, Result};
use arca_types::{ByteRange, Digest};
use async_trait::async_trait;
use bytes::Bytes;
use error::{is_not_found, storage_error};
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::signer::{SignedUrlOptions, Signer};
use object_store::{
    Attribute, AttributeValue, Attributes, ClientOptions, GetOptions, GetRange, GetResult, ObjectStore, ObjectStoreExt,
    PutOptions, PutPayload, RetryConfig,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The smallest part S3 accepts (every part but the last).
pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;
/// Parts of 8 MiB: an upload holds at most this much in memory, and 10 000 parts (S3's limit) make
/// 78 GiB.
pub const DEFAULT_PART_SIZE: usize = 8 * 1024 * 1024;

/// Blob lookups a batch delete runs at once.
const LOOKUPS_IN_FLIGHT: usize = 16;

/// Metadata of a pointer object: the key of the blob's data object, and its size.
const POINTER_DATA: &str = "arca-data";
const POINTER_SIZE: &str = "arca-size";

/// Where the bucket is and how to sign for it.
#[derive(Debug, Clone, Default)]
pub struct S3Config {
    pub bucket: String,
    /// Key prefix under which everything is stored (no leading or trailing `/`); may be empty.
    pub prefix: String,
    /// `http(s)://host:port` of an S3-compatible server; AWS's regional endpoint when `None`.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// `bucket.host` addressing instead of `host/bucket` (path style, what MinIO and moto expect).
    pub virtual_hosted: bool,
    /// Part size of multipart uploads; at least [`MIN_PART_SIZE`].
    pub part_size: usize,
}

/// Blobs in an S3 bucket. Cheap to clone; clones share the client.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    s3: Arc<AmazonS3>,
    prefix: String,
    part_size: usize,
    /// Uploads closed (not made durable) by a writer on this node for the commit that follows in
    /// the same request (`UploadWriter::close`).
    closed: Arc<Mutex<HashMap<String, staging::Staged>>>,
    /// Downloads are handed out as presigned URLs valid this long (`None`: served through the node).
    redirect: Option<Duration>,
}

impl S3BlobStore {
    /// A store on `config`'s bucket. Nothing is contacted yet (see [`BlobStore::ping`]).
    pub fn open(config: &S3Config) -> Result<Self> {
        if config.bucket.is_empty() {
            return Err(Error::new(ErrorKind::InvalidRequest, "the S3 bucket name is empty"));
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_virtual_hosted_style_request(config.virtual_hosted)
            .with_client_options(client_options())
            .with_retry(retries());
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(key) = &config.access_key_id {
            builder = builder.with_access_key_id(key);
        }
        if let Some(secret) = &config.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        if let Some(token) = &config.session_token {
            builder = builder.with_token(token);
        }
        let s3 =
            builder.build().map_err(|e| Error::new(ErrorKind::InvalidRequest, format!("S3 configuration: {e}")))?;
        Ok(Self {
            s3: Arc::new(s3),
            prefix: config.prefix.trim_matches('/').to_owned(),
            part_size: config.part_size.max(MIN_PART_SIZE),
            closed: Arc::default(),
            redirect: None,
        })
    }

    /// Hands out presigned download URLs valid for `expires_in` ([`BlobStore::download_url`]).
    pub fn with_download_redirects(mut self, expires_in: Duration) -> Self {
        self.redirect = Some(expires_in);
        self
    }

    /// Whether any blob is stored (to tell a lost metadata database from a new store).
    pub async fn holds_blobs(&self) -> Result<bool> {
        let mut listing = self.s3.list(Some(&self.key("blobs")));
        match listing.next().await {
            None => Ok(false),
            Some(Ok(_)) => Ok(true),
            Some(Err(e)) => Err(storage_error("listing blobs", e)),
        }
    }

    fn key(&self, rest: &str) -> Path {
        if self.prefix.is_empty() { Path::from(rest) } else { Path::from(format!("{}/{rest}", self.prefix)) }
    }

    fn blob_key(&self, digest: &Digest) -> Path {
        // A `Digest` is validated: a known algorithm and lowercase hex, so nothing here can escape.
        self.key(&format!("blobs/{}/{}", digest.algorithm().as_str(), digest.hex()))
    }

    /// Where a stored blob's bytes are and how many there are; `None` if it is absent.
    async fn locate(&self, digest: &Digest) -> Result<Option<(Path, u64)>> {
        let head = GetOptions { head: true, ..GetOptions::default() };
        match self.s3.get_opts(&self.blob_key(digest), head).await {
            Ok(found) => {
                Ok(Some(self.resolve(&found)?.unwrap_or_else(|| (found.meta.location.clone(), found.meta.size))))
            }
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(storage_error("reading a blob's metadata", e)),
        }
    }

    /// The data object a pointer names, and the blob's size; `None` for an object holding its bytes.
    fn resolve(&self, found: &GetResult) -> Result<Option<(Path, u64)>> {
        let Some(data) = found.attributes.get(&Attribute::Metadata(POINTER_DATA.into())) else { return Ok(None) };
        let size = found
            .attributes
            .get(&Attribute::Metadata(POINTER_SIZE.into()))
            .and_then(|s| s.as_ref().parse().ok())
            .ok_or_else(|| Error::internal("blob pointer", format!("{} has no size", found.meta.location)))?;
        Ok(Some((Path::from(data.as_ref()), size)))
    }

    /// Records `digest` as the bytes of the completed data object `data`: a pointer, no copy.
    async fn put_pointer(&self, digest: &Digest, data: &Path, size: u64) -> Result<()> {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::Metadata(POINTER_DATA.into()), AttributeValue::from(data.to_string()));
        attributes.insert(Attribute::Metadata(POINTER_SIZE.into()), AttributeValue::from(size.to_string()));
        let options = PutOptions { attributes, ..PutOptions::default() };
        let key = self.blob_key(digest);
        self.s3.put_opts(&key, PutPayload::new(), options).await.map_err(|e| storage_error("storing a blob", e))?;
        // Two uploads of one digest committing at once both write a pointer; the one that lost leaves
        // its data object unnamed. Read back, and remove ours if another pointer won.
        match self.locate(digest).await? {
            Some((named, _)) if &named != data => self.delete_object(data, "removing a duplicate blob").await,
            _ => Ok(()),
        }
    }

    async fn delete_object(&self, key: &Path, what: &'static str) -> Result<()> {
        match self.s3.delete(key).await {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(storage_error(what, e)),
        }
    }

    /// A presigned URL that downloads `digest` for `expires_in` without credentials; `None` if the
    /// blob is absent. The answer carries `headers` (S3's `response-content-*` parameters, signed).
    pub async fn presigned_get(
        &self,
        digest: &Digest,
        expires_in: Duration,
        headers: &DownloadHeaders,
    ) -> Result<Option<String>> {
        let Some((key, _)) = self.locate(digest).await? else { return Ok(None) };
        let mut query = vec![("response-content-type".to_owned(), headers.content_type.clone())];
        if let Some(disposition) = &headers.content_disposition {
            query.push(("response-content-disposition".to_owned(), disposition.clone()));
        }
        let options = SignedUrlOptions::new().with_query(query);
        let url = self
            .s3
            .signed_url_opts(object_store::signer::Method::GET, &key, expires_in, &options)
            .await
            .map_err(|e| storage_error("signing a download", e))?;
        Ok(Some(url.to_string()))
    }
}

/// Connections fail fast (a 503 beats a hung push); a body may stream for as long as it streams.
fn client_options() -> ClientOptions {
    ClientOptions::new()
        .with_connect_timeout(Duration::from_secs(3))
        .with_timeout_disabled()
        .with_read_timeout(Duration::from_secs(60))
}

/// A few quick retries of idempotent requests, then the error (answered 503 with `Retry-After`).
fn retries() -> RetryConfig {
    RetryConfig { max_retries: 3, retry_timeout: Duration::from_secs(10), ..RetryConfig::default() }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn open_upload(&self, id: &str, offset: u64) -> Result<Box<dyn UploadWriter>> {
        staging::check_id(id)?;
        self.take_closed(id);
        let staged = if offset == 0 { staging::Staged::default() } else { self.load_staged(id).await? };
        Ok(Box::new(staging::S3UploadWriter::resume(self.clone(), id, staged, offset)?))
    }

    async fn read_upload(&self, id: &str) -> Result<ByteStream> {
        staging::check_id(id)?;
        // A closed upload stays closed for the commit that follows; one read from the bucket stays there.
        let (staged, closed) = match self.take_closed(id) {
            Some(staged) => (staged, true),
            None => (self.load_staged(id).await?, false),
        };
        let staged = self.complete_parts(id, staged).await?;
        let stream = match &staged.data_key {
            Some(data) if staged.completed => self.stream(&Path::from(data.as_str()), None).await?.1,
            _ => futures_util::stream::once(std::future::ready(Ok(staged.tail.clone()))).boxed(),
        };
        if closed {
            self.closed.lock().expect("closed uploads").insert(id.to_owned(), staged);
        }
        Ok(stream)
    }

    async fn commit_upload(&self, id: &str, digest: &Digest) -> Result<()> {
        staging::check_id(id)?;
        let staged = match self.take_closed(id) {
            Some(staged) => staged,
            None => self.load_staged(id).await?,
        };
        if self.locate(digest).await?.is_some_and(|(_, size)| size == staged.len()) {
            self.discard(&staged).await?;
        } else if staged.data_key.is_none() {
            let key = self.blob_key(digest);
            self.s3
                .put(&key, PutPayload::from(staged.tail.clone()))
                .await
                .map_err(|e| storage_error("storing a blob", e))?;
        } else {
            let staged = self.complete_parts(id, staged).await?;
            let data = Path::from(staged.data_key.clone().unwrap_or_default());
            self.put_pointer(digest, &data, staged.len()).await?;
        }
        self.delete_object(&self.upload_key(id), "removing an upload's state").await
    }

    async fn abort_upload(&self, id: &str) -> Result<()> {
        staging::check_id(id)?;
        let closed = self.take_closed(id);
        let stored = match self.load_staged(id).await {
            Ok(stored) => Some(stored),
            Err(e) if e.kind == ErrorKind::BlobUploadUnknown => None,
            Err(e) => return Err(e),
        };
        for staged in closed.iter().chain(stored.iter()) {
            self.discard(staged).await?;
        }
        self.delete_object(&self.upload_key(id), "removing an upload's state").await
    }

    async fn staged_uploads(&self, idle_for: Duration) -> Result<Vec<String>> {
        let listing: Vec<_> = self
            .s3
            .list(Some(&self.key("uploads")))
            .try_collect()
            .await
            .map_err(|e| storage_error("listing uploads", e))?;
        // A state object is written when a chunk finishes and when a multipart upload starts: a
        // single request sending parts for longer than `idle_for` looks idle (so reapers wait as long
        // as an upload session lives).
        let since = std::time::SystemTime::now() - idle_for;
        let idle = listing
            .into_iter()
            .filter(|meta| idle_for.is_zero() || system_time(meta.last_modified.timestamp_millis()) <= since);
        let ids = idle.filter_map(|meta| meta.location.filename().map(str::to_owned));
        Ok(ids.filter(|id| staging::check_id(id).is_ok()).collect())
    }

    async fn put_small(&self, digest: &Digest, content: Bytes) -> Result<()> {
        let key = self.blob_key(digest);
        self.s3.put(&key, PutPayload::from(content)).await.map_err(|e| storage_error("storing a blob", e))?;
        Ok(())
    }

    async fn get(&self, digest: &Digest, range: Option<ByteRange>) -> Result<Option<BlobContent>> {
        let Some(range) = range else {
            // One request for a blob stored whole; a pointer costs a second one for its data.
            let found = match self.s3.get_opts(&self.blob_key(digest), GetOptions::default()).await {
                Ok(found) => found,
                Err(e) if is_not_found(&e) => return Ok(None),
                Err(e) => return Err(storage_error("reading a blob", e)),
            };
            let (size, stream) = match self.resolve(&found)? {
                Some((data, _)) => self.stream(&data, None).await?,
                None => (found.meta.size, stream_of(found)),
            };
            return Ok(Some(BlobContent { size, stream }));
        };
        let Some((key, size)) = self.locate(digest).await? else { return Ok(None) };
        if range.start > range.end || range.end >= size {
            return Err(Error::new(
                ErrorKind::RangeNotSatisfiable,
                format!("range outside the {size} bytes of {digest}"),
            ));
        }
        let (_, stream) = self.stream(&key, Some(range.start..range.end + 1)).await?;
        Ok(Some(BlobContent { size, stream }))
    }

    async fn stat(&self, digest: &Digest) -> Result<Option<u64>> {
        Ok(self.locate(digest).await?.map(|(_, size)| size))
    }

    async fn delete(&self, digest: &Digest) -> Result<()> {
        let Some((data, _)) = self.locate(digest).await? else { return Ok(()) };
        let key = self.blob_key(digest);
        // The name first: a pointer never names a missing data object.
        self.delete_object(&key, "deleting a blob").await?;
        if data != key {
            self.delete_object(&data, "deleting a blob's data").await?;
        }
        Ok(())
    }

    async fn download_url(&self, digest: &Digest, headers: &DownloadHeaders) -> Result<Option<String>> {
        match self.redirect {
            Some(expires_in) => self.presigned_get(digest, expires_in, headers).await,
            None => Ok(None),
        }
    }

    /// Readiness means writes work: one small object written over and over (never under `blobs/`).
    /// The names first (one `DeleteObjects` per 1000 keys), then the data objects pointers named.
    async fn delete_many(&self, digests: &[Digest]) -> Result<()> {
        let mut located = Vec::with_capacity(digests.len());
        for batch in digests.chunks(LOOKUPS_IN_FLIGHT) {
            located.extend(futures_util::future::try_join_all(batch.iter().map(|d| self.locate(d))).await?);
        }
        let (mut names, mut data) = (Vec::new(), Vec::new());
        for (digest, found) in digests.iter().zip(located) {
            let Some((stored, _)) = found else { continue };
            let name = self.blob_key(digest);
            if stored != name {
                data.push(stored);
            }
            names.push(name);
        }
        self.delete_objects(names).await?;
        self.delete_objects(data).await
    }

    async fn ping(&self) -> Result<()> {
        let probe = PutPayload::from_static(b"ready");
        self.s3.put(&self.key("ping"), probe).await.map_err(|e| storage_error("writing to the bucket", e))?;
        Ok(())
    }
}

impl S3BlobStore {
    /// Streams an object (or a range of it); returns the object's size with the stream.
    async fn stream(&self, key: &Path, range: Option<std::ops::Range<u64>>) -> Result<(u64, ByteStream)> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        match self.s3.get_opts(key, options).await {
            Ok(found) => Ok((found.meta.size, stream_of(found))),
            Err(e) if is_not_found(&e) => Err(Error::new(ErrorKind::BlobUnknown, format!("{key} is missing"))),
            Err(e) => Err(storage_error("reading a blob", e)),
        }
    }

    async fn delete_objects(&self, keys: Vec<Path>) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let keys = futures_util::stream::iter(keys.into_iter().map(Ok)).boxed();
        let mut deleted = self.s3.delete_stream(keys);
        while let Some(result) = deleted.next().await {
            match result {
                Ok(_) => {}
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(storage_error("deleting blobs", e)),
            }
        }
        Ok(())
    }

    fn take_closed(&self, id: &str) -> Option<staging::Staged> {
        self.closed.lock().expect("closed uploads").remove(id)
    }
}

fn stream_of(found: GetResult) -> ByteStream {
    found.into_stream().map_err(|e| std::io::Error::other(storage_error("reading a blob", e))).boxed()
}

/// An object's time (milliseconds since the epoch) as a `SystemTime`.
fn system_time(millis: i64) -> std::time::SystemTime {
    let millis = u64::try_from(millis).unwrap_or(0);
    std::time::UNIX_EPOCH + Duration::from_millis(millis)
}
