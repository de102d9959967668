//! `arca_cargo::PublishParser` on arbitrary bodies fed in arbitrary pieces, then the index line of
//! what it accepted: never panics; the events are well formed (metadata once, first; the declared
//! length; data adding up to it); reading the body whole gives the same metadata, bytes and
//! digest; the index line reads back to the same value and bytes, and a rendered file changes only
//! `yanked`.
//! Input: 1 byte (piece size, 1–256), then the body.
#![no_main]

use arca_cargo::{
    IndexLine, NewCrate, PublishEvent, PublishLimits, PublishParser, PublishedCrate, Pubtime, crate_key,
    parse_publish_body, render_index_file, version_key,
};
use libfuzzer_sys::fuzz_target;

const LIMITS: PublishLimits = PublishLimits { max_metadata_bytes: 1 << 16, max_crate_bytes: 1 << 16 };

fn in_pieces(body: &[u8], piece: usize) -> Option<(NewCrate, Vec<u8>, PublishedCrate)> {
    let mut parser = PublishParser::new(LIMITS);
    let (mut metadata, mut declared, mut bytes) = (None, None, Vec::new());
    for chunk in body.chunks(piece) {
        for event in parser.feed(chunk).ok()? {
            match event {
                PublishEvent::Metadata(m) => {
                    assert!(metadata.is_none() && declared.is_none(), "metadata once, first");
                    metadata = Some(*m);
                }
                PublishEvent::CrateLength(len) => {
                    assert!(metadata.is_some() && declared.replace(len).is_none());
                    assert!(len > 0 && len <= LIMITS.max_crate_bytes);
                }
                PublishEvent::CrateData(data) => {
                    assert!(declared.is_some() && !data.is_empty());
                    bytes.extend_from_slice(data);
                }
            }
        }
    }
    let published = parser.finish().ok()?;
    assert_eq!(Some(published.crate_len), declared);
    assert_eq!(bytes.len() as u64, published.crate_len);
    Some((metadata.expect("a finished body had metadata"), bytes, published))
}

fn check_index_line(krate: &NewCrate, published: &PublishedCrate) {
    let line = IndexLine::from_publish(krate, &published.cksum(), Pubtime::from_unix_seconds(1_700_000_000));
    let text = line.to_json();
    let back = IndexLine::parse(&text).expect("a line this crate wrote reads back");
    assert_eq!(back, line);
    assert_eq!(back.to_json(), text);
    let file = render_index_file([(text.as_str(), true)]).expect("renders");
    assert_eq!(file, text.replacen(r#""yanked":false"#, r#""yanked":true"#, 1) + "\n");
    assert_eq!(crate_key(krate.name.as_str()).expect("a checked name"), krate.name.normalized());
    assert!(!version_key(&krate.vers).contains('+'));
}

fuzz_target!(|data: &[u8]| {
    let Some((&piece, body)) = data.split_first() else { return };
    let whole = parse_publish_body(body, LIMITS);
    let Some(pieces) = in_pieces(body, usize::from(piece) + 1) else {
        assert!(whole.is_err(), "the whole body was accepted, its pieces were not");
        return;
    };
    assert_eq!(whole.as_ref().ok(), Some(&pieces), "the same body read whole");
    check_index_line(&pieces.0, &pieces.2);
});
