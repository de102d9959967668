//! The publish body: real bodies captured from cargo 1.95, read whole and in pieces, the metadata
//! they carry, and every way a body's lengths can lie.

use crate::{DEMO_BODY, DEMO_CKSUM, DEMO_CRATE, MIN_BODY, MIN_CKSUM, MIN_CRATE, fixture, split_body};
use arca_cargo::{
    BodyPart, CargoError, DepKind, ErrorKind, NewCrate, PublishEvent, PublishLimits, PublishParser, PublishedCrate,
    parse_publish_body, publish_body,
};

/// Feeds `body` in pieces of `piece` bytes; the metadata, the `.crate` and the summary.
pub fn parse_in_pieces(
    body: &[u8],
    piece: usize,
    limits: PublishLimits,
) -> Result<(NewCrate, Vec<u8>, PublishedCrate), CargoError> {
    let mut parser = PublishParser::new(limits);
    let (mut metadata, mut crate_bytes, mut declared) = (None, Vec::new(), None);
    for chunk in body.chunks(piece.max(1)) {
        for event in parser.feed(chunk)? {
            match event {
                PublishEvent::Metadata(m) => {
                    assert!(metadata.is_none() && declared.is_none(), "the metadata comes once, first");
                    metadata = Some(*m);
                }
                PublishEvent::CrateLength(len) => {
                    assert!(metadata.is_some() && declared.replace(len).is_none());
                }
                PublishEvent::CrateData(data) => {
                    assert!(declared.is_some() && !data.is_empty());
                    crate_bytes.extend_from_slice(data);
                }
            }
        }
    }
    let published = parser.finish()?;
    assert_eq!(declared, Some(published.crate_len));
    Ok((metadata.expect("a finished body had metadata"), crate_bytes, published))
}

#[test]
fn real_bodies_read_the_same_in_any_piece_size() {
    for (body, crate_file, cksum) in [(DEMO_BODY, DEMO_CRATE, DEMO_CKSUM), (MIN_BODY, MIN_CRATE, MIN_CKSUM)] {
        let body = fixture(body);
        let whole = parse_publish_body(&body, PublishLimits::default()).unwrap();
        assert_eq!(whole.1, fixture(crate_file), "the .crate passes through unchanged");
        assert_eq!(whole.2.cksum(), cksum);
        assert_eq!(whole.2.crate_len, whole.1.len() as u64);
        for piece in [1, 2, 3, 4, 5, 7, 64, 1000, body.len()] {
            assert_eq!(parse_in_pieces(&body, piece, PublishLimits::default()).unwrap(), whole, "pieces of {piece}");
        }
    }
}

#[test]
fn the_demo_metadata_is_what_cargo_sent() {
    let (krate, _, _) = parse_publish_body(&fixture(DEMO_BODY), PublishLimits::default()).unwrap();
    assert_eq!((krate.name.as_str(), krate.vers.to_string().as_str()), ("arca_demo", "0.3.0"));
    assert_eq!(krate.crate_stem(), "arca_demo-0.3.0");
    assert_eq!(krate.links.as_deref(), Some("arcademo"));
    assert_eq!(krate.rust_version.as_deref(), Some("1.70"));
    assert_eq!(krate.readme.as_deref(), Some("# arca_demo\n\nCaptured by arca-cargo tests.\n"));
    assert_eq!(krate.readme_file.as_deref(), Some("README.md"));
    assert_eq!(krate.license.as_deref(), Some("MIT OR Apache-2.0"));
    assert_eq!(krate.license_file, None, "sent as null");
    assert_eq!(krate.keywords, ["demo", "registry"]);
    assert_eq!(krate.categories, ["development-tools"]);
    assert!(krate.badges.is_empty());
    assert_eq!(krate.features["serde"], ["dep:serde", "log?/std"]);

    let dep = |name: &str| krate.deps.iter().find(|d| d.name == name).unwrap_or_else(|| panic!("{name}"));
    let base = dep("arca-base");
    assert_eq!((base.registry.as_deref(), base.version_req.as_str()), (None, "^1.2"), "this registry: no `registry`");
    assert_eq!(base.features, ["std"]);
    let rng = dep("rand_core");
    assert_eq!(rng.explicit_name_in_toml.as_deref(), Some("rng"), "renamed in Cargo.toml");
    assert_eq!(rng.registry.as_deref(), Some("https://github.com/rust-lang/crates.io-index"));
    let serde = dep("serde");
    assert!(serde.optional && !serde.default_features);
    assert_eq!(
        (dep("hex").kind, dep("cc").kind, dep("cc").version_req.as_str()),
        (DepKind::Dev, DepKind::Build, "~1.0")
    );
    assert_eq!(dep("winapi-util").target.as_deref(), Some("cfg(windows)"));
    assert_eq!(dep("libc").target.as_deref(), Some("x86_64-unknown-linux-gnu"));
    assert_eq!(krate.deps.len(), 8);
}

#[test]
fn the_minimal_metadata_is_mostly_null() {
    let (krate, _, _) = parse_publish_body(&fixture(MIN_BODY), PublishLimits::default()).unwrap();
    assert_eq!((krate.name.as_str(), krate.vers.to_string().as_str()), ("Arca-Min", "0.1.0+build.5"));
    assert_eq!(krate.vers.build(), Some("build.5"));
    assert!(krate.deps.is_empty() && krate.features.is_empty() && krate.authors.is_empty());
    assert_eq!((krate.description, krate.license, krate.readme, krate.rust_version), (None, None, None, None));
}

fn body_with(json_len: u32, json: &[u8], crate_len: u32, crate_bytes: &[u8]) -> Vec<u8> {
    [&json_len.to_le_bytes()[..], json, &crate_len.to_le_bytes()[..], crate_bytes].concat()
}

fn parse(body: &[u8], limits: PublishLimits) -> Result<(NewCrate, Vec<u8>, PublishedCrate), CargoError> {
    parse_publish_body(body, limits)
}

#[test]
fn lying_lengths_are_told_apart() {
    let real = fixture(MIN_BODY);
    let (json, crate_bytes) = split_body(&real);
    let (j, c) = (json.len() as u32, crate_bytes.len() as u32);
    let limits = PublishLimits::default();
    let truncated = |part, expected, received| Err(CargoError::Truncated { part, expected, received });

    assert_eq!(parse(&[], limits), truncated(BodyPart::MetadataLength, 4, 0));
    assert_eq!(parse(&real[..3], limits), truncated(BodyPart::MetadataLength, 4, 3));
    assert_eq!(parse(&real[..10], limits), truncated(BodyPart::Metadata, u64::from(j), 6));
    assert_eq!(parse(&real[..4 + j as usize + 2], limits), truncated(BodyPart::CrateLength, 4, 2));
    // The body is shorter than the .crate it declares.
    let short = body_with(j, json, c + 10, crate_bytes);
    assert_eq!(parse(&short, limits), truncated(BodyPart::Crate, u64::from(c) + 10, u64::from(c)));
    // The body goes on after the declared .crate.
    let long = body_with(j, json, c - 1, crate_bytes);
    assert_eq!(parse(&long, limits), Err(CargoError::TrailingBytes { crate_len: u64::from(c) - 1 }));
    let mut extra = real.clone();
    extra.push(0);
    assert_eq!(parse(&extra, limits), Err(CargoError::TrailingBytes { crate_len: u64::from(c) }));
    // A metadata length that swallows the .crate length makes the JSON invalid.
    let swallowed = body_with(j + 4, json, c, crate_bytes);
    assert!(matches!(parse(&swallowed, limits), Err(CargoError::InvalidMetadata(_))));
    assert_eq!(parse(&body_with(j, json, 0, b""), limits), Err(CargoError::EmptyCrate));
    assert!(matches!(parse(&body_with(0, b"", c, crate_bytes), limits), Err(CargoError::InvalidMetadata(_))));
}

#[test]
fn limits_are_checked_when_the_lengths_arrive() {
    let real = fixture(DEMO_BODY);
    let (json, crate_bytes) = split_body(&real);
    let limits = PublishLimits { max_metadata_bytes: json.len() as u64 - 1, max_crate_bytes: 1 << 20 };
    let mut parser = PublishParser::new(limits);
    let err = parser.feed(&real[..4]).unwrap_err();
    assert_eq!(err, CargoError::MetadataTooLarge { len: json.len() as u64, max: json.len() as u64 - 1 });
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert_eq!(parser.feed(&real[4..]), Err(err.clone()), "a failed parser keeps failing");
    assert_eq!(parser.finish(), Err(err));

    let limits = PublishLimits { max_metadata_bytes: 1 << 20, max_crate_bytes: crate_bytes.len() as u64 - 1 };
    let mut parser = PublishParser::new(limits);
    let upto_crate_len = 8 + json.len();
    let err = parser.feed(&real[..upto_crate_len]).unwrap_err();
    assert_eq!(err, CargoError::CrateTooLarge { len: crate_bytes.len() as u64, max: crate_bytes.len() as u64 - 1 });
    assert_eq!(limits.max_body_bytes(), 8 + (1 << 20) + crate_bytes.len() as u64 - 1);
    let exact = PublishLimits { max_metadata_bytes: json.len() as u64, max_crate_bytes: crate_bytes.len() as u64 };
    assert!(parse(&real, exact).is_ok());
    assert_eq!(exact.max_body_bytes(), real.len() as u64);
}

#[test]
fn the_metadata_is_checked_before_any_crate_byte() {
    let real = fixture(MIN_BODY);
    let (json, crate_bytes) = split_body(&real);
    let text = String::from_utf8(json.to_vec()).unwrap().replace("\"0.1.0+build.5\"", "\"0.1\"");
    let body = publish_body(text.as_bytes(), crate_bytes);
    let mut parser = PublishParser::new(PublishLimits::default());
    let err = parser.feed(&body[..4 + text.len()]).unwrap_err();
    assert!(matches!(err, CargoError::InvalidVersion { .. }), "{err}");
    assert_eq!(err.to_string(), "invalid version `0.1`: not a SemVer version: expected MAJOR.MINOR.PATCH");
}

#[test]
fn publish_body_writes_what_cargo_writes() {
    let real = fixture(DEMO_BODY);
    let (json, crate_bytes) = split_body(&real);
    assert_eq!(publish_body(json, crate_bytes), real);
}
