//! `arca_npm::PublishParser` on arbitrary bodies fed in arbitrary pieces, then
//! `PublishRequest::from_doc`: never panics; the events are well formed (each attachment's start,
//! data, end, in order, its bytes adding up to its `decoded_len`); every `_attachments.<key>.data`
//! of the document is `null`; reading the body whole gives the same document and bytes.
//! Input: 1 byte (piece size, 1–256), then the body.
#![no_main]

use arca_npm::publish::{Attachment, collect_attachments};
use arca_npm::{PublishDoc, PublishEvent, PublishLimits, PublishParser, PublishRequest};
use libfuzzer_sys::fuzz_target;

const LIMITS: PublishLimits =
    PublishLimits { max_document_bytes: 1 << 16, max_attachment_bytes: 1 << 16, max_attachments: 4, max_depth: 32 };

fn in_pieces(body: &[u8], piece: usize) -> Option<(PublishDoc, Vec<PublishEvent>)> {
    let mut parser = PublishParser::new(LIMITS);
    let mut events = Vec::new();
    for chunk in body.chunks(piece) {
        events.extend(parser.feed(chunk).ok()?);
    }
    Some((parser.finish().ok()?, events))
}

fn check_events(events: &[PublishEvent]) {
    let mut open: Option<&str> = None;
    for event in events {
        match event {
            PublishEvent::AttachmentStart { key } => assert!(open.replace(key).is_none(), "nested start"),
            PublishEvent::AttachmentData(bytes) => assert!(open.is_some() && !bytes.is_empty()),
            PublishEvent::AttachmentEnd { key } => assert_eq!(open.take(), Some(key.as_str())),
        }
    }
    assert!(open.is_none(), "an attachment was left open");
}

fuzz_target!(|data: &[u8]| {
    let Some((&piece, body)) = data.split_first() else { return };
    let Some((doc, events)) = in_pieces(body, usize::from(piece) + 1) else { return };
    check_events(&events);
    let attachments: Vec<Attachment> = collect_attachments(events);
    assert_eq!(attachments.len(), doc.attachments.len());
    for ((key, bytes), meta) in attachments.iter().zip(&doc.attachments) {
        assert_eq!(key, &meta.key);
        assert_eq!(bytes.len() as u64, meta.decoded_len);
        assert!(doc.doc["_attachments"][key]["data"].is_null());
    }
    let (whole, whole_bytes) = PublishDoc::parse_whole(body, LIMITS).expect("the same body read whole");
    assert_eq!(whole, doc);
    assert_eq!(whole_bytes, attachments);
    if let Some(name) = doc.doc.get("name").and_then(|n| n.as_str()) {
        let _ = PublishRequest::from_doc(name, &doc);
    }
});
