//! `cargo publish` (`PUT /api/v1/crates/new`): the body (`u32 LE ‖ metadata JSON ‖ u32 LE ‖
//! .crate`) is read by `arca_cargo::PublishParser` as it arrives; the `.crate`'s bytes are hashed
//! there and handed, as they come, to a task streaming them into storage, so a crate is never held
//! in memory. A body that lies about its lengths fails the stream, so nothing it carried is kept;
//! nothing is visible until the version is published as a whole.

use crate::errors::{CargoFailure, Reply};
use arca_cargo::{NewCrate, PublishEvent, PublishLimits, PublishParser, PublishWarnings};
use arca_core::audit::Actor;
use arca_core::registry::cargo::CargoPublish;
use arca_core::registry::cargo_owners::CrateCaller;
use arca_core::registry::{BlobInfo, Registry};
use arca_core::{Error, ErrorKind};
use arca_types::RepoName;
use axum::body::Body;
use axum::response::IntoResponse;
use bytes::Bytes;
use futures_util::StreamExt;
use http::StatusCode;
use http::request::Parts;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

type Chunk = std::io::Result<Bytes>;

/// The `.crate` on its way into storage.
struct CrateUpload {
    sender: mpsc::Sender<Chunk>,
    task: JoinHandle<arca_core::Result<BlobInfo>>,
}

impl CrateUpload {
    fn start(registry: &Arc<Registry>, repository: &RepoName, actor: &Actor, len: u64) -> Self {
        let (sender, receiver) = mpsc::channel::<Chunk>(8);
        let stream =
            futures_util::stream::unfold(receiver, |mut r| async { r.recv().await.map(|item| (item, r)) }).boxed();
        let (registry, repository, actor) = (registry.clone(), repository.clone(), actor.clone());
        let task = tokio::spawn(async move { registry.stage_cargo_crate(&repository, len, stream, &actor).await });
        Self { sender, task }
    }

    async fn send(&self, bytes: Bytes) {
        // A closed channel means the store refused the upload: its task says why at the end.
        let _ = self.sender.send(Ok(bytes)).await;
    }

    /// Fails the stream, so the store discards what it received.
    async fn abandon(self) {
        let _ = self.sender.send(Err(std::io::Error::other("the publish was refused"))).await;
        drop(self.sender);
        let _ = self.task.await;
    }

    async fn finish(self) -> Result<BlobInfo, CargoFailure> {
        drop(self.sender);
        let stored = self.task.await.map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
        Ok(stored?)
    }
}

/// What the body held once read to its end.
struct Received {
    krate: NewCrate,
    upload: CrateUpload,
    cksum: String,
}

pub(crate) async fn publish(registry: Arc<Registry>, repository: &RepoName, parts: &Parts, body: Body) -> Reply {
    let actor = arca_http::caller::actor(parts);
    let limits = PublishLimits::default();
    if let Some(len) = arca_http::body::content_length(&parts.headers).filter(|len| *len > limits.max_body_bytes()) {
        return Err(CargoFailure::status(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the publish body is {len} bytes, over this registry's limit of {} bytes", limits.max_body_bytes()),
        ));
    }
    registry.check_cargo_repository(repository, &actor).await?;
    let mut upload = None;
    let caller = CrateCaller { actor: &actor, admin: crate::api::is_admin(parts, repository) };
    let received = receive(&registry, repository, caller, limits, body, &mut upload).await;
    let Received { krate, upload, cksum } = match received {
        Ok(received) => received,
        Err(e) => {
            if let Some(upload) = upload {
                upload.abandon().await;
            }
            return Err(e);
        }
    };
    let blob = upload.finish().await?;
    registry
        .publish_cargo_crate(CargoPublish {
            repository,
            krate: &krate,
            blob,
            cksum,
            actor: &actor,
            admin: caller.admin,
        })
        .await?;
    let warnings = PublishWarnings::default();
    Ok((StatusCode::OK, axum::Json(arca_cargo::publish_ok_body(&warnings))).into_response())
}

/// Reads the body through the parser, starting the `.crate`'s upload (in `upload`, so the caller
/// can abandon it) when its length arrives. A publisher who is not the crate's owner is refused on
/// the metadata, before the `.crate` is stored.
async fn receive(
    registry: &Arc<Registry>,
    repository: &RepoName,
    caller: CrateCaller<'_>,
    limits: PublishLimits,
    body: Body,
    upload: &mut Option<CrateUpload>,
) -> Result<Received, CargoFailure> {
    let mut parser = PublishParser::new(limits);
    let mut krate = None;
    let mut body = body.into_data_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| CargoFailure::bad(format!("reading the publish body: {e}")))?;
        for event in parser.feed(&chunk)? {
            match event {
                PublishEvent::Metadata(metadata) => {
                    registry.check_cargo_owner(repository, &metadata.name, caller).await?;
                    krate = Some(*metadata);
                }
                PublishEvent::CrateLength(len) => {
                    *upload = Some(CrateUpload::start(registry, repository, caller.actor, len));
                }
                PublishEvent::CrateData(data) => {
                    if let Some(upload) = upload.as_ref() {
                        upload.send(chunk.slice_ref(data)).await;
                    }
                }
            }
        }
    }
    let published = parser.finish()?;
    let krate = krate.ok_or_else(|| CargoFailure::bad("the publish body carries no metadata"))?;
    let upload = upload.take().ok_or_else(|| CargoFailure::bad("the publish body carries no .crate"))?;
    Ok(Received { krate, upload, cksum: published.cksum() })
}
