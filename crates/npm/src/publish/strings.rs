//! JSON strings, unescaped as they arrive: keys and ordinary values into a buffer, attachment data
//! straight into a [`DataSink`] so that it is never held whole.

use super::base64::Base64Stream;

/// Where the unescaped bytes of the current string go.
#[derive(Debug)]
pub(super) enum Target {
    Key(Vec<u8>),
    Value(Vec<u8>),
    Data(DataSink),
}

/// An attachment's `data`: base64 decoded for a tarball, passed through for anything else (the
/// `.sigstore` bundle is a JSON text in a JSON string, not base64).
#[derive(Debug)]
pub(super) struct DataSink {
    pub(super) key: String,
    pub(super) base64: Option<Base64Stream>,
    /// Decoded bytes not yet handed out as an event.
    pub(super) out: Vec<u8>,
    pub(super) decoded_len: u64,
}

impl DataSink {
    pub(super) fn new(key: String) -> Self {
        let base64 = key.ends_with(".tgz").then(Base64Stream::default);
        Self { key, base64, out: Vec::new(), decoded_len: 0 }
    }

    fn push(&mut self, bytes: &[u8]) -> Result<(), StrError> {
        let before = self.out.len();
        match &mut self.base64 {
            Some(stream) => stream.push(bytes, &mut self.out).map_err(|_| StrError::Base64)?,
            None => self.out.extend_from_slice(bytes),
        }
        self.decoded_len += (self.out.len() - before) as u64;
        Ok(())
    }

    /// Decodes the last base64 group.
    pub(super) fn finish(&mut self) -> Result<(), StrError> {
        if let Some(stream) = self.base64.take() {
            let before = self.out.len();
            stream.finish(&mut self.out).map_err(|_| StrError::Base64)?;
            self.decoded_len += (self.out.len() - before) as u64;
        }
        Ok(())
    }
}

impl Target {
    fn push(&mut self, bytes: &[u8]) -> Result<(), StrError> {
        match self {
            Self::Key(buf) | Self::Value(buf) => {
                buf.extend_from_slice(bytes);
                Ok(())
            }
            Self::Data(sink) => sink.push(bytes),
        }
    }
}

/// Why a string was refused.
#[derive(Debug)]
pub(super) enum StrError {
    Json(&'static str),
    Base64,
}

/// Where inside an escape sequence the string is.
#[derive(Debug, Clone, Copy)]
enum Escape {
    None,
    Backslash,
    Unicode { digits: u8, unit: u16 },
}

/// A string being read; the opening quote was consumed.
#[derive(Debug)]
pub(super) struct StrState {
    pub(super) target: Target,
    escape: Escape,
    /// A leading surrogate waiting for its trailing half (`\uD83D\uDE00`).
    high: Option<u16>,
}

/// What one step of a string did.
pub(super) enum Step {
    /// Consumed this many bytes; the string goes on.
    More(usize),
    /// Consumed this many bytes, the last one the closing quote.
    Closed(usize),
}

impl StrState {
    pub(super) fn new(target: Target) -> Self {
        Self { target, escape: Escape::None, high: None }
    }

    /// Reads from `input` (non-empty): a run of plain characters at once, otherwise one byte.
    pub(super) fn step(&mut self, input: &[u8]) -> Result<Step, StrError> {
        if let (Escape::None, None) = (self.escape, self.high) {
            let run = input.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(input.len());
            if run > 0 {
                self.target.push(&input[..run])?;
                return Ok(Step::More(run));
            }
        }
        let byte = input[0];
        match self.escape {
            Escape::None => self.plain(byte),
            Escape::Backslash => self.after_backslash(byte).map(|()| Step::More(1)),
            Escape::Unicode { digits, unit } => self.hex_digit(byte, digits, unit).map(|()| Step::More(1)),
        }
    }

    fn plain(&mut self, byte: u8) -> Result<Step, StrError> {
        if self.high.is_some() && byte != b'\\' {
            return Err(StrError::Json("lone leading surrogate in a \\u escape"));
        }
        match byte {
            b'"' => Ok(Step::Closed(1)),
            b'\\' => {
                self.escape = Escape::Backslash;
                Ok(Step::More(1))
            }
            _ => Err(StrError::Json("control character in a string")),
        }
    }

    fn after_backslash(&mut self, byte: u8) -> Result<(), StrError> {
        if self.high.is_some() && byte != b'u' {
            return Err(StrError::Json("lone leading surrogate in a \\u escape"));
        }
        let plain = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0C,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                self.escape = Escape::Unicode { digits: 0, unit: 0 };
                return Ok(());
            }
            _ => return Err(StrError::Json("invalid escape in a string")),
        };
        self.escape = Escape::None;
        self.target.push(&[plain])
    }

    fn hex_digit(&mut self, byte: u8, digits: u8, unit: u16) -> Result<(), StrError> {
        let value = char::from(byte).to_digit(16).ok_or(StrError::Json("invalid \\u escape"))?;
        let unit = unit << 4 | value as u16;
        if digits < 3 {
            self.escape = Escape::Unicode { digits: digits + 1, unit };
            return Ok(());
        }
        self.escape = Escape::None;
        self.code_unit(unit)
    }

    /// A complete `\uXXXX`: a character, or one half of a surrogate pair.
    fn code_unit(&mut self, unit: u16) -> Result<(), StrError> {
        let code = match (self.high.take(), unit) {
            (Some(high), 0xDC00..=0xDFFF) => 0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00),
            (Some(_), _) => return Err(StrError::Json("lone leading surrogate in a \\u escape")),
            (None, 0xD800..=0xDBFF) => {
                self.high = Some(unit);
                return Ok(());
            }
            (None, 0xDC00..=0xDFFF) => return Err(StrError::Json("lone trailing surrogate in a \\u escape")),
            (None, _) => u32::from(unit),
        };
        let c = char::from_u32(code).ok_or(StrError::Json("invalid \\u escape"))?;
        self.target.push(c.encode_utf8(&mut [0; 4]).as_bytes())
    }
}
