//! The incremental publish parser against serde_json: random documents with random attachments,
//! written with random key order, whitespace and escapes, fed in random pieces, read to the same
//! document and the same bytes as a whole-body serde_json parse plus base64 decoding; random
//! corruptions accepted exactly when serde_json accepts them; arbitrary bytes never panic.

use arca_npm::publish::{Attachment, collect_attachments};
use arca_npm::{NpmError, PublishLimits, PublishParser};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// A tiny deterministic generator for the writer's choices, seeded by proptest.
struct Choices(u64);

impl Choices {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn ws(c: &mut Choices, out: &mut String) {
    for _ in 0..c.next(3) {
        out.push([' ', '\n', '\t', '\r'][c.next(4) as usize]);
    }
}

/// A JSON string, escaping some characters that need no escape.
fn write_str(s: &str, c: &mut Choices, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\u{8}' => out.push_str("\\b"),
            c2 if (c2 as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c2 as u32)),
            '/' if c.next(2) == 0 => out.push_str("\\/"),
            _ if c.next(6) == 0 => {
                let mut units = [0u16; 2];
                for u in ch.encode_utf16(&mut units) {
                    out.push_str(&if c.next(2) == 0 { format!("\\u{u:04X}") } else { format!("\\u{u:04x}") });
                }
            }
            _ => out.push(ch),
        }
    }
    out.push('"');
}

/// Serializes with object keys in a random order and random whitespace.
fn write_value(v: &Value, c: &mut Choices, out: &mut String) {
    ws(c, out);
    match v {
        Value::Object(map) => {
            out.push('{');
            let mut keys: Vec<&String> = map.keys().collect();
            for i in (1..keys.len()).rev() {
                keys.swap(i, c.next(i as u64 + 1) as usize);
            }
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(c, out);
                write_str(k, c, out);
                ws(c, out);
                out.push(':');
                write_value(&map[k], c, out);
            }
            ws(c, out);
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, c, out);
            }
            ws(c, out);
            out.push(']');
        }
        Value::String(s) => write_str(s, c, out),
        other => out.push_str(&other.to_string()),
    }
    ws(c, out);
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        "[\\x00-\\x1f\"\\\\/a]{0,6}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{0,4}|\\PC{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One attachment: a key and its decoded bytes; `.tgz` ones are written in base64.
fn attachment() -> impl Strategy<Value = (String, Vec<u8>, bool)> {
    prop_oneof![
        ("[a-z@/.-]{1,12}", proptest::collection::vec(any::<u8>(), 0..200), any::<bool>())
            .prop_map(|(k, bytes, unpadded)| (format!("{k}.tgz"), bytes, unpadded)),
        ("[a-z@/.-]{1,12}", "\\PC{0,40}").prop_map(|(k, s)| (format!("{k}.sigstore"), s.into_bytes(), false)),
    ]
}

/// A publish-shaped body: the document as sent, and what the parser must yield.
fn publish_body() -> impl Strategy<Value = (Value, Vec<(String, Vec<u8>)>, Value)> {
    (
        proptest::collection::btree_map("[a-z_-]{1,8}", json_value(), 0..6),
        proptest::collection::btree_map("[a-z@/.-]{1,12}", attachment(), 0..3),
        proptest::collection::btree_map("[a-z_]{1,8}", json_value(), 0..3),
    )
        .prop_map(|(root, attachments, extra)| {
            let mut sent = root.clone().into_iter().collect::<Map<_, _>>();
            let mut expected = sent.clone();
            let (mut sent_att, mut expected_att, mut bytes) = (Map::new(), Map::new(), Vec::new());
            for (_, (key, data, unpadded)) in attachments {
                let text = if key.ends_with(".tgz") {
                    let b64 = STANDARD.encode(&data);
                    if unpadded { b64.trim_end_matches('=').to_owned() } else { b64 }
                } else {
                    String::from_utf8(data.clone()).expect("generated from a string")
                };
                let mut a = extra.clone().into_iter().collect::<Map<_, _>>();
                a.insert("data".into(), Value::String(text));
                let mut e = a.clone();
                e.insert("data".into(), Value::Null);
                // A later attachment with the same key replaces the earlier one, bytes included.
                bytes.retain(|(k, _): &(String, Vec<u8>)| *k != key);
                bytes.push((key.clone(), data));
                sent_att.insert(key.clone(), Value::Object(a));
                expected_att.insert(key, Value::Object(e));
            }
            sent.insert("_attachments".into(), Value::Object(sent_att));
            expected.insert("_attachments".into(), Value::Object(expected_att));
            (Value::Object(sent), bytes, Value::Object(expected))
        })
}

fn feed_in_pieces(text: &[u8], cuts: &[usize]) -> Result<(Value, Vec<Attachment>), NpmError> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c % (text.len() + 1)).collect();
    cuts.sort_unstable();
    let mut parser = PublishParser::new(PublishLimits::default());
    let (mut events, mut prev) = (Vec::new(), 0);
    for cut in cuts.into_iter().chain([text.len()]) {
        events.extend(parser.feed(&text[prev..cut])?);
        prev = cut;
    }
    let doc = parser.finish()?;
    Ok((doc.doc, collect_attachments(events)))
}

/// Bytes in body order: the attachments sorted as the writer wrote them is unknown, so compare
/// as sets keyed by attachment key.
fn sorted(mut v: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn reads_like_serde_json_in_any_pieces((sent, bytes, _) in publish_body(), seed in 1u64.., cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let mut text = String::new();
        write_value(&sent, &mut Choices(seed), &mut text);
        // serde_json's own reading of the text (its float parsing does not round-trip every value).
        let mut expected = serde_json::from_str::<Value>(&text).unwrap();
        for a in expected["_attachments"].as_object_mut().unwrap().values_mut() {
            a["data"] = Value::Null;
        }
        let (doc, attachments) = feed_in_pieces(text.as_bytes(), &cuts).unwrap();
        prop_assert_eq!(doc, expected);
        prop_assert_eq!(sorted(attachments), sorted(bytes));
    }

    #[test]
    fn accepts_a_corrupted_document_exactly_when_serde_json_does(doc in proptest::collection::btree_map("[a-z]{1,6}", json_value(), 1..5), seed in 1u64.., at in any::<usize>(), byte in any::<u8>(), how in 0u8..3) {
        let mut text = String::new();
        write_value(&Value::Object(doc.into_iter().collect()), &mut Choices(seed), &mut text);
        let mut bytes = text.into_bytes();
        let at = at % bytes.len();
        match how {
            0 => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            _ => { bytes.remove(at); }
        }
        let reference = serde_json::from_slice::<Value>(&bytes).ok().filter(Value::is_object);
        let ours = feed_in_pieces(&bytes, &[at, at / 2]);
        match (&ours, &reference) {
            (Ok((doc, _)), Some(value)) => prop_assert_eq!(doc, value),
            (Err(NpmError::DuplicateKey(_)), Some(_)) => {} // refused on purpose: see the machine's docs
            (Err(_), Some(v)) if v.get("_attachments").is_some() => {}
            (Err(_), None) => {}
            _ => prop_assert!(false, "ours {:?}, serde_json {:?}, text {:?}", ours, reference, String::from_utf8_lossy(&bytes)),
        }
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400), cuts in proptest::collection::vec(any::<usize>(), 0..4)) {
        let _ = feed_in_pieces(&bytes, &cuts);
    }

    #[test]
    fn never_panics_on_near_json(text in "[{}\\[\\]\",:a0-9.eE+\\-\\\\u _tfrnl]{0,80}") {
        let _ = feed_in_pieces(format!("{{\"_attachments\":{{\"a.tgz\":{{\"data\":{text}").as_bytes(), &[7, 30]);
        let _ = feed_in_pieces(text.as_bytes(), &[3]);
    }
}
