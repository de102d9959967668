//! The body of `cargo publish` (`PUT /api/v1/crates/new`): `u32 LE json_len ‖ JSON ‖ u32 LE
//! crate_len ‖ .crate` (crates-io's `Registry::publish`). [`PublishParser`] reads it as it arrives:
//! the metadata is held (it is bounded) and handed out checked once complete, the `.crate` bytes
//! are handed out as slices of the pieces fed, counted and hashed, never held.
//!
//! A body whose lengths lie is refused as soon as the lie shows: a length over its limit when the
//! length arrives, a byte after the declared `.crate` when it arrives, a body that stops early at
//! [`PublishParser::finish`]. cargo sends `Content-Length`, so the HTTP layer can also refuse a
//! body longer than [`PublishLimits::max_body_bytes`] before reading any of it.

use crate::error::BodyPart;
use crate::{CargoError, NewCrate};
use sha2::{Digest, Sha256};

/// Bounds on a publish body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishLimits {
    /// The metadata JSON, which carries the readme's text.
    pub max_metadata_bytes: u64,
    /// The `.crate` (crates.io's default is 10 MiB).
    pub max_crate_bytes: u64,
}

impl Default for PublishLimits {
    fn default() -> Self {
        Self { max_metadata_bytes: 1 << 20, max_crate_bytes: 64 << 20 }
    }
}

impl PublishLimits {
    /// The longest body these limits allow: both parts and their two lengths.
    pub const fn max_body_bytes(&self) -> u64 {
        8u64.saturating_add(self.max_metadata_bytes).saturating_add(self.max_crate_bytes)
    }
}

/// What a piece of the body completed, in body order: `Metadata`, `CrateLength`, then the
/// `.crate`'s bytes in one or more `CrateData`.
#[derive(Debug, PartialEq, Eq)]
pub enum PublishEvent<'c> {
    /// The metadata, read and checked.
    Metadata(Box<NewCrate>),
    /// The `.crate`'s declared length, within the limit.
    CrateLength(u64),
    /// `.crate` bytes: a slice of the piece fed, never empty.
    CrateData(&'c [u8]),
}

/// What the body carried besides the metadata, once it was read to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedCrate {
    pub crate_len: u64,
    /// SHA-256 of the `.crate`: the index's `cksum`.
    pub sha256: [u8; 32],
}

impl PublishedCrate {
    /// The index's `cksum`: lower-case hex of [`Self::sha256`].
    pub fn cksum(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// Where the parser is in the body.
enum State {
    /// Reading a `u32 LE`: the metadata's length, then the `.crate`'s.
    Length {
        part: BodyPart,
        bytes: [u8; 4],
        have: usize,
    },
    Metadata {
        len: u64,
        json: Vec<u8>,
    },
    Crate {
        len: u64,
        seen: u64,
    },
    Done {
        crate_len: u64,
    },
}

/// Reads a publish body given in arbitrary pieces. After an error every call fails again.
pub struct PublishParser {
    limits: PublishLimits,
    state: State,
    hasher: Sha256,
    failed: Option<CargoError>,
}

impl std::fmt::Debug for PublishParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishParser").field("failed", &self.failed).finish_non_exhaustive()
    }
}

impl PublishParser {
    pub fn new(limits: PublishLimits) -> Self {
        let state = State::Length { part: BodyPart::MetadataLength, bytes: [0; 4], have: 0 };
        Self { limits, state, hasher: Sha256::new(), failed: None }
    }

    /// Reads the next piece of the body; returns what it completed.
    pub fn feed<'c>(&mut self, chunk: &'c [u8]) -> Result<Vec<PublishEvent<'c>>, CargoError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let mut events = Vec::new();
        let mut rest = chunk;
        while !rest.is_empty() {
            match self.step(rest, &mut events) {
                Ok(consumed) => rest = &rest[consumed..],
                Err(e) => {
                    self.failed = Some(e.clone());
                    return Err(e);
                }
            }
        }
        Ok(events)
    }

    /// The `.crate`'s length and digest once the whole body was fed; a body that stopped early is
    /// [`CargoError::Truncated`], naming the part it stopped in.
    pub fn finish(self) -> Result<PublishedCrate, CargoError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let (part, expected, received) = match self.state {
            State::Done { crate_len } => {
                return Ok(PublishedCrate { crate_len, sha256: self.hasher.finalize().into() });
            }
            State::Length { part, have, .. } => (part, 4, have as u64),
            State::Metadata { len, json } => (BodyPart::Metadata, len, json.len() as u64),
            State::Crate { len, seen } => (BodyPart::Crate, len, seen),
        };
        Err(CargoError::Truncated { part, expected, received })
    }

    /// Consumes the start of `input` (never nothing), returning how much it took.
    fn step<'c>(&mut self, input: &'c [u8], events: &mut Vec<PublishEvent<'c>>) -> Result<usize, CargoError> {
        match &mut self.state {
            State::Length { part, bytes, have } => {
                let n = (4 - *have).min(input.len());
                bytes[*have..*have + n].copy_from_slice(&input[..n]);
                *have += n;
                if *have == 4 {
                    let (part, len) = (*part, u64::from(u32::from_le_bytes(*bytes)));
                    self.length_read(part, len, events)?;
                }
                Ok(n)
            }
            State::Metadata { len, json } => {
                let n = usize::try_from(*len - json.len() as u64).unwrap_or(usize::MAX).min(input.len());
                json.extend_from_slice(&input[..n]);
                if json.len() as u64 == *len {
                    self.metadata_read(events)?;
                }
                Ok(n)
            }
            State::Crate { len, seen } => {
                let n = usize::try_from(*len - *seen).unwrap_or(usize::MAX).min(input.len());
                let data = &input[..n];
                self.hasher.update(data);
                *seen += n as u64;
                events.push(PublishEvent::CrateData(data));
                if *seen == *len {
                    self.state = State::Done { crate_len: *len };
                }
                Ok(n)
            }
            State::Done { crate_len } => Err(CargoError::TrailingBytes { crate_len: *crate_len }),
        }
    }

    fn length_read(&mut self, part: BodyPart, len: u64, events: &mut Vec<PublishEvent<'_>>) -> Result<(), CargoError> {
        if part == BodyPart::MetadataLength {
            let max = self.limits.max_metadata_bytes;
            if len > max {
                return Err(CargoError::MetadataTooLarge { len, max });
            }
            let json = Vec::with_capacity(usize::try_from(len.min(64 << 10)).unwrap_or(0));
            self.state = State::Metadata { len, json };
            if len == 0 {
                self.metadata_read(events)?;
            }
            return Ok(());
        }
        let max = self.limits.max_crate_bytes;
        if len > max {
            return Err(CargoError::CrateTooLarge { len, max });
        }
        if len == 0 {
            return Err(CargoError::EmptyCrate);
        }
        events.push(PublishEvent::CrateLength(len));
        self.state = State::Crate { len, seen: 0 };
        Ok(())
    }

    fn metadata_read(&mut self, events: &mut Vec<PublishEvent<'_>>) -> Result<(), CargoError> {
        let State::Metadata { json, .. } = &self.state else { return Ok(()) };
        let metadata = NewCrate::parse(json)?;
        events.push(PublishEvent::Metadata(Box::new(metadata)));
        self.state = State::Length { part: BodyPart::CrateLength, bytes: [0; 4], have: 0 };
        Ok(())
    }
}

/// A whole publish body read at once (tests, tools): the metadata, the `.crate`'s bytes and its
/// length and digest.
pub fn parse_publish_body(
    body: &[u8],
    limits: PublishLimits,
) -> Result<(NewCrate, Vec<u8>, PublishedCrate), CargoError> {
    let mut parser = PublishParser::new(limits);
    let (mut metadata, mut crate_bytes) = (None, Vec::new());
    for event in parser.feed(body)? {
        match event {
            PublishEvent::Metadata(m) => metadata = Some(*m),
            PublishEvent::CrateLength(len) => crate_bytes.reserve(usize::try_from(len).unwrap_or(0)),
            PublishEvent::CrateData(data) => crate_bytes.extend_from_slice(data),
        }
    }
    let published = parser.finish()?;
    let metadata = metadata.ok_or(CargoError::Truncated { part: BodyPart::Metadata, expected: 0, received: 0 })?;
    Ok((metadata, crate_bytes, published))
}

/// The body cargo would send for `metadata_json` and `crate_bytes` (tests, tools).
pub fn publish_body(metadata_json: &[u8], crate_bytes: &[u8]) -> Vec<u8> {
    let len = |bytes: &[u8]| u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes();
    [&len(metadata_json)[..], metadata_json, &len(crate_bytes)[..], crate_bytes].concat()
}
