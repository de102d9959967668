//! The publish parser under arbitrary piecing, truncation and bytes: any piecing reads the same as
//! one piece; a body cut anywhere is `Truncated` (never a panic, never a success); a body with
//! anything appended is refused; arbitrary bytes never panic.

use crate::publish::parse_in_pieces;
use crate::{DEMO_BODY, MIN_BODY, fixture, split_body};
use arca_cargo::{
    BodyPart, CargoError, NewCrate, PublishEvent, PublishLimits, PublishParser, PublishedCrate, parse_publish_body,
    publish_body,
};
use proptest::prelude::*;

/// Feeds `body` cut at the given points (taken modulo its length, in any order).
fn parse_cut(body: &[u8], cuts: &[usize]) -> Result<(NewCrate, Vec<u8>, PublishedCrate), CargoError> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    points.extend([0, body.len()]);
    points.sort_unstable();
    let mut parser = PublishParser::new(PublishLimits::default());
    let (mut metadata, mut crate_bytes) = (None, Vec::new());
    for pair in points.windows(2) {
        for event in parser.feed(&body[pair[0]..pair[1]])? {
            match event {
                PublishEvent::Metadata(m) => metadata = Some(*m),
                PublishEvent::CrateLength(_) => {}
                PublishEvent::CrateData(data) => crate_bytes.extend_from_slice(data),
            }
        }
    }
    let published = parser.finish()?;
    Ok((metadata.expect("metadata before the end"), crate_bytes, published))
}

/// A body for a random `.crate` payload (the framing does not look inside it).
fn body_for(payload: &[u8]) -> Vec<u8> {
    let real = fixture(MIN_BODY);
    let (json, _) = split_body(&real);
    publish_body(json, payload)
}

proptest! {
    #[test]
    fn any_piecing_reads_like_one_piece(
        payload in proptest::collection::vec(any::<u8>(), 1..3000),
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
        real in any::<bool>(),
    ) {
        let body = if real { fixture(DEMO_BODY) } else { body_for(&payload) };
        let whole = parse_publish_body(&body, PublishLimits::default()).unwrap();
        prop_assert_eq!(parse_cut(&body, &cuts).unwrap(), whole.clone());
        let piece = cuts.first().map_or(1, |c| c % 97 + 1);
        prop_assert_eq!(parse_in_pieces(&body, piece, PublishLimits::default()).unwrap(), whole);
    }

    #[test]
    fn a_body_cut_anywhere_is_truncated(
        payload in proptest::collection::vec(any::<u8>(), 1..500),
        at in any::<usize>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let body = body_for(&payload);
        let cut = &body[..at % body.len()];
        let result = parse_cut(cut, &cuts);
        prop_assert!(matches!(result, Err(CargoError::Truncated { .. })), "{:?}", result.err());
        if let Err(CargoError::Truncated { part, expected, received }) = result {
            prop_assert!(received < expected);
            let json_end = body.len() - payload.len() - 4;
            let expected_part = match cut.len() {
                n if n < 4 => BodyPart::MetadataLength,
                n if n < json_end => BodyPart::Metadata,
                n if n < json_end + 4 => BodyPart::CrateLength,
                _ => BodyPart::Crate,
            };
            prop_assert_eq!(part, expected_part);
        }
    }

    #[test]
    fn anything_after_the_crate_is_refused(payload in proptest::collection::vec(any::<u8>(), 1..300), tail in proptest::collection::vec(any::<u8>(), 1..50)) {
        let mut body = body_for(&payload);
        body.extend_from_slice(&tail);
        let err = parse_publish_body(&body, PublishLimits::default()).unwrap_err();
        prop_assert_eq!(err, CargoError::TrailingBytes { crate_len: payload.len() as u64 });
    }

    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..600), piece in 1usize..50) {
        let limits = PublishLimits { max_metadata_bytes: 300, max_crate_bytes: 300 };
        let mut parser = PublishParser::new(limits);
        for chunk in body.chunks(piece) {
            if parser.feed(chunk).is_err() {
                break;
            }
        }
        let _ = parser.finish();
    }

    #[test]
    fn lengths_within_small_limits_never_panic(json_len in any::<u32>(), crate_len in any::<u32>(), rest in proptest::collection::vec(any::<u8>(), 0..64)) {
        let limits = PublishLimits { max_metadata_bytes: 64, max_crate_bytes: 64 };
        let body = [&json_len.to_le_bytes()[..], &rest, &crate_len.to_le_bytes()[..], &rest].concat();
        match parse_publish_body(&body, limits) {
            Err(CargoError::MetadataTooLarge { len, .. }) => prop_assert!(len > 64),
            Err(CargoError::CrateTooLarge { len, .. }) => prop_assert!(len > 64),
            _ => {}
        }
    }
}
