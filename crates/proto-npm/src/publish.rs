//! `npm publish` (and `npm deprecate`, which re-sends the document): the body is parsed as it
//! arrives; the tarball's base64 is decoded, hashed (SHA-1, SHA-512) and streamed into storage by a
//! task of its own, so a large package is never held in memory, not even once. Nothing is visible
//! until the version is published as a whole.

use crate::errors::{NpmFailure, Reply};
use crate::misc::json;
use arca_core::registry::npm::NpmPublish;
use arca_core::registry::{BlobInfo, Registry};
use arca_core::{Error, ErrorKind};
use arca_npm::{DocKind, PublishEvent, PublishLimits, PublishParser, PublishRequest, TarballHasher};
use arca_types::RepoName;
use axum::body::Body;
use bytes::Bytes;
use futures_util::StreamExt;
use http::StatusCode;
use http::request::Parts;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The largest provenance bundle kept in memory.
const MAX_BUNDLE: usize = 1 << 20;

/// The tarball on its way into storage.
struct Tarball {
    sender: Option<mpsc::Sender<std::io::Result<Bytes>>>,
    hasher: TarballHasher,
    task: JoinHandle<arca_core::Result<BlobInfo>>,
}

/// What the body's attachments became.
#[derive(Default)]
struct Attachments {
    tarball: Option<Tarball>,
    /// The attachment whose data is arriving: `true` for the tarball.
    current_is_tarball: Option<bool>,
    bundle: Option<Vec<u8>>,
}

impl Attachments {
    fn start(
        &mut self,
        registry: &Arc<Registry>,
        repository: &RepoName,
        actor: &arca_core::audit::Actor,
        key: &str,
    ) -> Result<(), NpmFailure> {
        if !key.ends_with(".tgz") {
            self.current_is_tarball = Some(false);
            self.bundle = Some(Vec::new());
            return Ok(());
        }
        if self.tarball.is_some() {
            return Err(NpmFailure::bad("a publish carries one tarball"));
        }
        let (sender, receiver) = mpsc::channel::<std::io::Result<Bytes>>(8);
        let stream =
            futures_util::stream::unfold(receiver, |mut r| async { r.recv().await.map(|item| (item, r)) }).boxed();
        let (registry, repository, actor) = (registry.clone(), repository.clone(), actor.clone());
        let task = tokio::spawn(async move { registry.stage_npm_tarball(&repository, stream, &actor).await });
        self.tarball = Some(Tarball { sender: Some(sender), hasher: TarballHasher::new(), task });
        self.current_is_tarball = Some(true);
        Ok(())
    }

    async fn data(&mut self, bytes: Vec<u8>) -> Result<(), NpmFailure> {
        match (self.current_is_tarball, &mut self.tarball, &mut self.bundle) {
            (Some(true), Some(t), _) => {
                t.hasher.update(&bytes);
                if let Some(sender) = &t.sender {
                    // A closed channel means the store refused the upload: its task says why at the end.
                    let _ = sender.send(Ok(Bytes::from(bytes))).await;
                }
                Ok(())
            }
            (Some(false), _, Some(bundle)) if bundle.len() + bytes.len() <= MAX_BUNDLE => {
                bundle.extend_from_slice(&bytes);
                Ok(())
            }
            (Some(false), _, _) => Err(NpmFailure::bad("the provenance bundle is larger than 1 MiB")),
            _ => Err(NpmFailure::bad("attachment data outside an attachment")),
        }
    }

    fn end(&mut self) {
        if let (Some(true), Some(t)) = (self.current_is_tarball, &mut self.tarball) {
            t.sender = None;
        }
        self.current_is_tarball = None;
    }
}

pub(crate) async fn publish(
    registry: Arc<Registry>,
    repository: &RepoName,
    name: &str,
    parts: &Parts,
    body: Body,
) -> Reply {
    let actor = arca_http::caller::actor(parts);
    let mut parser = PublishParser::new(PublishLimits::default());
    let mut attachments = Attachments::default();
    let mut body = body.into_data_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| NpmFailure::bad(format!("reading the body: {e}")))?;
        for event in parser.feed(&chunk)? {
            match event {
                PublishEvent::AttachmentStart { key } => attachments.start(&registry, repository, &actor, &key)?,
                PublishEvent::AttachmentData(bytes) => attachments.data(bytes).await?,
                PublishEvent::AttachmentEnd { .. } => attachments.end(),
            }
        }
    }
    let doc = parser.finish()?;
    match doc.kind() {
        DocKind::Publish => {
            let request = PublishRequest::from_doc(name, &doc)?;
            let tarball = attachments.tarball.ok_or_else(|| NpmFailure::bad("the publish carries no tarball"))?;
            drop(tarball.sender);
            let blob = tarball.task.await.map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))??;
            let digest = registry
                .publish_npm_version(NpmPublish {
                    repository,
                    request: &request,
                    tarball: blob,
                    digests: tarball.hasher.finish(),
                    sigstore: attachments.bundle,
                    actor: &actor,
                })
                .await?;
            Ok(json(
                StatusCode::CREATED,
                serde_json::json!({ "ok": true, "success": true, "id": name, "digest": digest.as_str() }),
            ))
        }
        _ => {
            let changes: Vec<(String, String)> =
                doc.deprecations().into_iter().filter_map(|(v, m)| Some((v, m?))).collect();
            if changes.is_empty() {
                return Err(NpmFailure::bad("nothing to change: only publishing and deprecating are supported"));
            }
            registry.deprecate_npm_versions(repository, name, &changes, &actor).await?;
            Ok(json(StatusCode::OK, serde_json::json!({ "ok": true, "id": name })))
        }
    }
}
