//! The body of `npm publish` (`PUT /<name>`): a packument-shaped JSON document whose
//! `_attachments.<name>-<version>.tgz.data` is the whole tarball in base64. A 200 MiB package makes
//! a 270 MiB body, so [`PublishParser`] reads it as it arrives: the document is built and fully
//! validated, the attachment data is decoded and handed out in pieces ([`PublishEvent`]) for the
//! caller to hash and store, and is never held whole, not even as base64.
//!
//! The same `PUT` without attachments is how npm deprecates, undeprecates and unpublishes a version:
//! [`PublishDoc::kind`] and [`deprecations`] tell these apart; [`PublishRequest::from_doc`] checks
//! a publish.

mod base64;
mod machine;
mod request;
mod strings;
mod utf8;

pub use base64::decode_tarball_base64;
pub use request::{DocKind, PublishRequest, deprecations, validate_dist_tag};

use crate::NpmError;
use machine::Machine;
use serde_json::Value;
use utf8::Utf8Stream;

/// Bounds on a publish body. The defaults fit any real package and keep a hostile body small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishLimits {
    /// Everything but attachment data: the manifest, readme, and the JSON around them.
    pub max_document_bytes: u64,
    /// Decoded bytes of one attachment.
    pub max_attachment_bytes: u64,
    /// npm sends one (the tarball) or two (with `--provenance`, the Sigstore bundle).
    pub max_attachments: usize,
    /// Nesting of objects and arrays, the root object being 1.
    pub max_depth: usize,
}

impl Default for PublishLimits {
    fn default() -> Self {
        Self { max_document_bytes: 16 << 20, max_attachment_bytes: 1 << 30, max_attachments: 4, max_depth: 64 }
    }
}

/// What a piece of the body carried, in body order. Every `AttachmentStart` is followed by zero or
/// more `AttachmentData` of that attachment, then its `AttachmentEnd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishEvent {
    AttachmentStart {
        key: String,
    },
    /// Decoded bytes: base64-decoded for a `.tgz` key, the unescaped string's UTF-8 otherwise.
    AttachmentData(Vec<u8>),
    AttachmentEnd {
        key: String,
    },
}

/// One entry of `_attachments`, as the client described it and as it decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachmentMeta {
    pub key: String,
    pub content_type: Option<String>,
    /// The client's `length`: the tarball's byte count; for the `.sigstore` bundle, the JavaScript
    /// string length (UTF-16 units).
    pub length: Option<u64>,
    /// Bytes handed out as `AttachmentData` for this key.
    pub decoded_len: u64,
}

/// A whole publish body once read: the document with each `_attachments.<key>.data` replaced by
/// `null`, and the attachments in body order.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishDoc {
    pub doc: Value,
    pub attachments: Vec<AttachmentMeta>,
}

/// Reads a publish body given in arbitrary pieces. After an error every call fails again.
pub struct PublishParser {
    machine: Machine,
    utf8: Utf8Stream,
    failed: Option<NpmError>,
}

impl std::fmt::Debug for PublishParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishParser").field("failed", &self.failed).finish_non_exhaustive()
    }
}

impl PublishParser {
    pub fn new(limits: PublishLimits) -> Self {
        Self { machine: Machine::new(limits), utf8: Utf8Stream::default(), failed: None }
    }

    /// Reads the next piece of the body; returns the attachment events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<PublishEvent>, NpmError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let mut events = Vec::new();
        let result = self
            .utf8
            .feed(chunk)
            .map_err(|at| NpmError::InvalidJson { offset: self.machine.offset() + at as u64, reason: "invalid UTF-8" })
            .and_then(|()| self.machine.feed(chunk, &mut events));
        match result {
            Ok(()) => Ok(events),
            Err(e) => {
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// The document, once the whole body was fed; a body that stopped early is
    /// [`NpmError::Truncated`].
    pub fn finish(self) -> Result<PublishDoc, NpmError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if !self.utf8.is_complete() {
            return Err(NpmError::Truncated);
        }
        let (doc, attachments) = self.machine.finish()?;
        Ok(PublishDoc { doc, attachments })
    }
}

impl PublishDoc {
    /// Reads a whole body held in memory (tests, small bodies); the attachment bytes are returned
    /// per key, in body order.
    pub fn parse_whole(body: &[u8], limits: PublishLimits) -> Result<(Self, Vec<Attachment>), NpmError> {
        let mut parser = PublishParser::new(limits);
        let events = parser.feed(body)?;
        Ok((parser.finish()?, collect_attachments(events)))
    }

    /// Publish when the body carries attachments, otherwise an update of the stored document.
    /// Telling a deprecation from an unpublish needs the stored versions: [`Self::kind_against`].
    pub fn kind(&self) -> DocKind {
        if self.attachments.is_empty() { DocKind::MetadataUpdate } else { DocKind::Publish }
    }

    /// [`Self::kind`], with the versions stored: a body without attachments that lacks some of
    /// them is an unpublish of those (libnpmpublish's `unpublish` re-sends the document without
    /// the version, to `PUT /<name>/-rev/<rev>`).
    pub fn kind_against<'a>(&self, stored_versions: impl IntoIterator<Item = &'a str>) -> DocKind {
        if !self.attachments.is_empty() {
            return DocKind::Publish;
        }
        let sent = self.doc.get("versions").and_then(Value::as_object);
        let removed: Vec<String> = stored_versions
            .into_iter()
            .filter(|v| !sent.is_some_and(|m| m.contains_key(*v)))
            .map(str::to_owned)
            .collect();
        if removed.is_empty() { DocKind::MetadataUpdate } else { DocKind::Unpublish { removed } }
    }

    /// `versions[v].deprecated` of every version sent: see [`deprecations`].
    pub fn deprecations(&self) -> Vec<(String, Option<String>)> {
        deprecations(&self.doc)
    }
}

/// An attachment's key and its decoded bytes, for bodies small enough to hold.
pub type Attachment = (String, Vec<u8>);

/// Joins a run of events into each attachment's bytes.
pub fn collect_attachments(events: impl IntoIterator<Item = PublishEvent>) -> Vec<Attachment> {
    let mut out: Vec<Attachment> = Vec::new();
    for event in events {
        match event {
            PublishEvent::AttachmentStart { key } => out.push((key, Vec::new())),
            PublishEvent::AttachmentData(bytes) => {
                if let Some((_, data)) = out.last_mut() {
                    data.extend_from_slice(&bytes);
                }
            }
            PublishEvent::AttachmentEnd { .. } => {}
        }
    }
    out
}
