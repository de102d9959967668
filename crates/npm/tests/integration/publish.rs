//! The publish body: real bodies captured from npm 11.19.1 (`tests/fixtures/README.md`), read
//! whole and in pieces, checked, and the bodies of deprecate, undeprecate and unpublish told apart.

use crate::support::fixture;
use arca_npm::publish::{Attachment, collect_attachments, decode_tarball_base64};
use arca_npm::{
    DocKind, NpmError, PublishDoc, PublishEvent, PublishLimits, PublishParser, PublishRequest, TarballDigests,
    TarballLimits, check_tarball_agrees, inspect_tarball,
};
use serde_json::{Value, json};

/// What serde_json and a base64 decoder make of a whole body: the expected document and bytes.
fn reference(body: &[u8]) -> (Value, Vec<(String, Vec<u8>)>) {
    let mut doc: Value = serde_json::from_slice(body).expect("fixture is JSON");
    let mut attachments = Vec::new();
    if let Some(map) = doc.get_mut("_attachments").and_then(Value::as_object_mut) {
        for (key, a) in map.iter_mut() {
            let data = a["data"].take();
            let text = data.as_str().expect("data is a string");
            let bytes = if key.ends_with(".tgz") {
                decode_tarball_base64(text.as_bytes()).expect("base64")
            } else {
                text.as_bytes().to_vec()
            };
            attachments.push((key.clone(), bytes));
        }
    }
    (doc, attachments)
}

fn parse_in_pieces(body: &[u8], piece: usize) -> Result<(PublishDoc, Vec<Attachment>), NpmError> {
    let mut parser = PublishParser::new(PublishLimits::default());
    let mut events = Vec::new();
    for chunk in body.chunks(piece.max(1)) {
        events.extend(parser.feed(chunk)?);
    }
    Ok((parser.finish()?, collect_attachments(events)))
}

#[test]
fn real_bodies_read_like_serde_json_in_any_piece_size() {
    for name in ["publish-unscoped.json", "publish-scoped.json"] {
        let body = fixture(name);
        let (doc, bytes) = reference(&body);
        for piece in [1, 2, 3, 7, 64, 1000, body.len()] {
            let (parsed, attachments) = parse_in_pieces(&body, piece).unwrap();
            assert_eq!(parsed.doc, doc, "{name} in pieces of {piece}");
            assert_eq!(attachments, bytes, "{name} in pieces of {piece}");
            assert_eq!(parsed.kind(), DocKind::Publish);
        }
    }
}

#[test]
fn real_unscoped_publish_is_checked_and_its_tarball_agrees() {
    let body = fixture("publish-unscoped.json");
    let (doc, attachments) = PublishDoc::parse_whole(&body, PublishLimits::default()).unwrap();
    let req = PublishRequest::from_doc("arca-demo", &doc).unwrap();
    assert_eq!((req.name.as_str(), req.version.as_str()), ("arca-demo", "1.1.0"));
    assert_eq!(req.dist_tags, vec![("latest".to_owned(), "1.1.0".to_owned())]);
    assert_eq!(req.tarball_key, "arca-demo-1.1.0.tgz");
    assert_eq!(req.sigstore_key, None);
    assert_eq!(req.access, None, "npm sends access: null for an unscoped package");
    let meta = &doc.attachments[0];
    assert_eq!(meta.content_type.as_deref(), Some("application/octet-stream"));
    assert_eq!(meta.length, Some(meta.decoded_len));

    let tarball = &attachments[0].1;
    let digests = TarballDigests::of(tarball);
    assert!(digests.matches_claims(req.claimed_integrity.as_deref(), req.claimed_shasum.as_deref()));
    assert_eq!(Some(digests.integrity()), req.claimed_integrity);
    let info = inspect_tarball(&tarball[..], &TarballLimits::default()).unwrap();
    check_tarball_agrees(&req, &info).unwrap();
    assert_eq!(info.file_count, 3, "package.json, index.js, README.md");
    assert!(!info.has_shrinkwrap);
}

#[test]
fn real_scoped_publish_is_checked() {
    let body = fixture("publish-scoped.json");
    let (doc, attachments) = PublishDoc::parse_whole(&body, PublishLimits::default()).unwrap();
    for url_name in ["@arca/demo-scoped", "@arca%2fdemo-scoped"] {
        let req = PublishRequest::from_doc(url_name, &doc).unwrap();
        assert_eq!(req.version, "0.2.0-beta.1");
        assert_eq!(req.dist_tags, vec![("next".to_owned(), "0.2.0-beta.1".to_owned())]);
        assert_eq!(req.tarball_key, "@arca/demo-scoped-0.2.0-beta.1.tgz");
        assert_eq!(req.access.as_deref(), Some("public"));
        let info = inspect_tarball(&attachments[0].1[..], &TarballLimits::default()).unwrap();
        check_tarball_agrees(&req, &info).unwrap();
    }
    assert!(matches!(PublishRequest::from_doc("@arca/other", &doc), Err(NpmError::NameMismatch { .. })));
}

#[test]
fn deprecate_undeprecate_and_unpublish_bodies_are_told_apart() {
    let parse = |name| PublishDoc::parse_whole(&fixture(name), PublishLimits::default()).unwrap().0;
    let deprecate = parse("deprecate.json");
    assert_eq!(deprecate.kind(), DocKind::MetadataUpdate);
    assert_eq!(deprecate.deprecations(), vec![("1.0.0".to_owned(), Some("use something else".to_owned()))]);
    let undeprecate = parse("undeprecate.json");
    assert_eq!(undeprecate.deprecations(), vec![("1.0.0".to_owned(), Some(String::new()))]);
    let unpublish = parse("unpublish-version.json");
    assert_eq!(unpublish.kind_against(["1.0.0", "1.1.0"]), DocKind::Unpublish { removed: vec!["1.0.0".to_owned()] });
    assert_eq!(deprecate.kind_against(["1.0.0"]), DocKind::MetadataUpdate);
    assert_eq!(arca_npm::parse_dist_tag_body(&fixture("dist-tag-add.json")).unwrap(), "1.0.0");
}

fn body(doc: Value) -> Vec<u8> {
    serde_json::to_vec(&doc).unwrap()
}

/// A minimal valid publish of `name@version` with `tarball` (base64 of "x" by default).
fn publish_doc(name: &str, version: &str) -> Value {
    json!({
        "_id": name, "name": name, "dist-tags": {"latest": version},
        "versions": {version: {"name": name, "version": version}},
        "_attachments": {format!("{name}-{version}.tgz"): {"content_type": "application/octet-stream", "data": "eA==", "length": 1}}
    })
}

fn request(doc: Value) -> Result<PublishRequest, NpmError> {
    let (doc, _) = PublishDoc::parse_whole(&body(doc), PublishLimits::default())?;
    PublishRequest::from_doc("p", &doc)
}

#[test]
fn publish_checks_refuse_what_libnpmpublish_never_sends() {
    assert!(request(publish_doc("p", "1.0.0")).is_ok());
    let mut two = publish_doc("p", "1.0.0");
    two["versions"]["1.0.1"] = json!({"name": "p", "version": "1.0.1"});
    assert!(matches!(request(two), Err(NpmError::VersionCount(2))));
    assert!(matches!(request(publish_doc("p", "1.0")), Err(NpmError::InvalidVersion { .. })));
    let mut tag = publish_doc("p", "1.0.0");
    tag["dist-tags"] = json!({"1.x": "1.0.0"});
    assert!(matches!(request(tag), Err(NpmError::InvalidTag { .. })));
    let mut other = publish_doc("p", "1.0.0");
    other["dist-tags"] = json!({"latest": "0.9.0"});
    assert!(matches!(request(other), Err(NpmError::InvalidTag { .. })));
    let mut key = publish_doc("p", "1.0.0");
    key["_attachments"]["evil.tgz"] = json!({"data": "eA=="});
    assert!(matches!(request(key), Err(NpmError::UnexpectedAttachment(_))));
    let mut len = publish_doc("p", "1.0.0");
    len["_attachments"]["p-1.0.0.tgz"]["length"] = json!(2);
    assert!(matches!(request(len), Err(NpmError::InvalidAttachment(..))));
    let mut id = publish_doc("p", "1.0.0");
    id["_id"] = json!("q");
    assert!(matches!(request(id), Err(NpmError::NameMismatch { .. })));
    let mut integrity = publish_doc("p", "1.0.0");
    integrity["versions"]["1.0.0"]["dist"] = json!({"integrity": "sha1-abc"});
    assert!(matches!(request(integrity), Err(NpmError::InvalidIntegrity(_))));
    let mut sig = publish_doc("p", "1.0.0");
    sig["_attachments"]["p-1.0.0.sigstore"] =
        json!({"content_type": "application/vnd.dev.sigstore.bundle+json;version=0.2", "data": "{\"a\":1}"});
    assert_eq!(request(sig).unwrap().sigstore_key.as_deref(), Some("p-1.0.0.sigstore"));
    let mut missing = publish_doc("p", "1.0.0");
    missing["_attachments"] = json!({});
    assert!(matches!(request(missing), Err(NpmError::MissingTarball(_))));
}

#[test]
fn data_may_come_first_and_other_attachments_pass_through_unescaped() {
    let text = r#"{"name":"p","_attachments":{"p-1.0.0.sigstore":{"data":"{\"x\":\"\u00e9\ud83d\ude00\"}","content_type":"b","length":12},"p-1.0.0.tgz":{"data":"QUJD","content_type":"application/octet-stream"}}}"#;
    let (doc, attachments) = PublishDoc::parse_whole(text.as_bytes(), PublishLimits::default()).unwrap();
    assert_eq!(attachments[0], ("p-1.0.0.sigstore".to_owned(), "{\"x\":\"é😀\"}".as_bytes().to_vec()));
    assert_eq!(attachments[1], ("p-1.0.0.tgz".to_owned(), b"ABC".to_vec()));
    assert_eq!(doc.attachments[0].content_type.as_deref(), Some("b"));
    assert_eq!(doc.attachments[1].decoded_len, 3);
    assert_eq!(
        doc.doc["_attachments"]["p-1.0.0.tgz"],
        json!({"data": null, "content_type": "application/octet-stream"})
    );
}

#[test]
fn events_come_as_the_data_arrives() {
    let mut parser = PublishParser::new(PublishLimits::default());
    let events = parser.feed(br#"{"_attachments":{"a.tgz":{"data":"QUJDREVG"#).unwrap();
    assert_eq!(
        events,
        vec![PublishEvent::AttachmentStart { key: "a.tgz".into() }, PublishEvent::AttachmentData(b"ABCDEF".to_vec())]
    );
    let events = parser.feed(br#"R0g="}}}"#).unwrap();
    assert_eq!(
        events,
        vec![PublishEvent::AttachmentData(b"GH".to_vec()), PublishEvent::AttachmentEnd { key: "a.tgz".into() }]
    );
    assert!(parser.finish().is_ok());
}

fn refusal(text: &str, limits: PublishLimits) -> NpmError {
    PublishDoc::parse_whole(text.as_bytes(), limits).expect_err(text)
}

#[test]
fn malformed_and_oversized_bodies_are_refused() {
    let d = PublishLimits::default();
    assert_eq!(refusal(r#"{"a":1,"a":2}"#, d), NpmError::DuplicateKey("a".into()));
    assert_eq!(refusal(r#"{"a":{"b":[1,{"c":1,"c":1}]}}"#, d), NpmError::DuplicateKey("c".into()));
    assert_eq!(
        refusal(r#"{"_attachments":{"a.tgz":{"data":"QQ==","data":"QQ=="}}}"#, d),
        NpmError::DuplicateKey("data".into())
    );
    assert_eq!(refusal(r#"{"a":1"#, d), NpmError::Truncated);
    assert_eq!(refusal(r#"{"_attachments":{"a.tgz":{"data":"QUJD"#, d), NpmError::Truncated);
    assert_eq!(refusal("[1]", d), NpmError::NotAnObject);
    assert_eq!(refusal(r#"{"_attachments":{"a.tgz":{"data":"QU JD"}}}"#, d), NpmError::InvalidBase64("a.tgz".into()));
    assert_eq!(
        refusal(r#"{"_attachments":{"a.tgz":{"data":7}}}"#, d),
        NpmError::InvalidAttachment("a.tgz".into(), "data must be a string")
    );
    assert_eq!(
        refusal(r#"{"_attachments":{"a.tgz":{"length":7}}}"#, d),
        NpmError::InvalidAttachment("a.tgz".into(), "has no data")
    );
    assert_eq!(
        refusal(r#"{"_attachments":[]}"#, d),
        NpmError::InvalidField { field: "_attachments".into(), reason: "must be an object" }
    );
    assert!(matches!(refusal(r#"{"a":"\ud800"}"#, d), NpmError::InvalidJson { .. }));
    assert!(matches!(refusal(r#"{"a":"\udc00"}"#, d), NpmError::InvalidJson { .. }));
    assert!(matches!(refusal(r#"{"a":01}"#, d), NpmError::InvalidNumber(_)));
    assert!(matches!(refusal(r#"{"a":1,}"#, d), NpmError::InvalidJson { .. }));
    assert!(matches!(refusal(r#"{"a":tru}"#, d), NpmError::InvalidJson { .. }));
    assert!(matches!(refusal(r#"{} x"#, d), NpmError::InvalidJson { .. }));
    let bad_utf8 = PublishDoc::parse_whole(b"{\"a\":\"\xff\"}", d).unwrap_err();
    assert_eq!(bad_utf8, NpmError::InvalidJson { offset: 6, reason: "invalid UTF-8" });

    let tight = PublishLimits { max_document_bytes: 40, max_attachment_bytes: 3, max_attachments: 1, max_depth: 3 };
    assert_eq!(refusal(r#"{"a":[[[1]]]}"#, tight), NpmError::TooDeep(3));
    assert_eq!(refusal(&format!(r#"{{"a":"{}"}}"#, "x".repeat(40)), tight), NpmError::DocumentTooLarge(40));
    assert_eq!(
        refusal(r#"{"_attachments":{"a.tgz":{"data":"QUJDRA=="}}}"#, tight),
        NpmError::AttachmentTooLarge("a.tgz".into(), 3)
    );
    assert_eq!(
        refusal(r#"{"_attachments":{"a":{"data":""},"b":{"data":""}}}"#, tight),
        NpmError::TooManyAttachments(1)
    );
    // Attachment data does not count towards the document: 1000 base64 bytes fit a 60-byte document.
    let big = PublishLimits { max_document_bytes: 60, ..d };
    let text = format!(r#"{{"_attachments":{{"a.tgz":{{"data":"{}"}}}}}}"#, "QUJD".repeat(250));
    assert!(PublishDoc::parse_whole(text.as_bytes(), big).is_ok());
}

#[test]
fn a_failed_parser_stays_failed() {
    let mut parser = PublishParser::new(PublishLimits::default());
    assert!(parser.feed(b"{\"a\":x").is_err());
    assert!(parser.feed(b"1}").is_err());
    assert!(parser.finish().is_err());
}

#[test]
fn a_large_tarball_streams_through_without_being_held() {
    use base64::Engine;
    let tarball: Vec<u8> = (0..4u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&tarball);
    let body = format!(
        r#"{{"name":"p","_attachments":{{"p-1.0.0.tgz":{{"content_type":"application/octet-stream","data":"{b64}","length":{}}}}}}}"#,
        tarball.len()
    );
    let mut parser = PublishParser::new(PublishLimits { max_document_bytes: 4096, ..PublishLimits::default() });
    let mut hasher = arca_npm::TarballHasher::new();
    for chunk in body.as_bytes().chunks(64 << 10) {
        for event in parser.feed(chunk).unwrap() {
            if let PublishEvent::AttachmentData(bytes) = event {
                assert!(bytes.len() <= (64 << 10) * 3 / 4 + 3, "one piece's worth at a time");
                hasher.update(&bytes);
            }
        }
    }
    let doc = parser.finish().unwrap();
    assert_eq!(doc.attachments[0].decoded_len, tarball.len() as u64);
    assert_eq!(hasher.finish(), TarballDigests::of(&tarball));
}
