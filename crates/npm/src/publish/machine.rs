//! The push-down JSON reader behind [`super::PublishParser`]: one byte (or one run of string
//! characters) at a time, building a `serde_json::Value` for everything except the data of
//! `_attachments.<key>.data`, which goes out as events.
//!
//! It accepts exactly what `serde_json::from_slice::<Value>` accepts for an object (the property
//! tests compare the two), except duplicate keys: serde_json keeps the last, `JSON.parse` too, but
//! a registry that streamed the first `data` out cannot take it back, and two parsers disagreeing
//! on a document is how smuggling starts. npm never sends duplicates, so any object with one is
//! refused.

use super::strings::{DataSink, Step, StrError, StrState, Target};
use super::{AttachmentMeta, PublishEvent, PublishLimits};
use crate::NpmError;
use serde_json::{Map, Value};

/// What an object or array is, by where it sits.
#[derive(Debug, Clone, PartialEq)]
enum Role {
    Root,
    /// The root's `_attachments`.
    Attachments,
    /// One attachment, `_attachments.<key>`.
    Attachment {
        key: String,
        data_len: Option<u64>,
    },
    Other,
}

#[derive(Debug)]
enum Container {
    Object { map: Map<String, Value>, key: Option<String> },
    Array(Vec<Value>),
}

#[derive(Debug)]
struct Frame {
    container: Container,
    role: Role,
}

#[derive(Debug)]
enum State {
    Start,
    Value,
    ValueOrEnd,
    KeyOrEnd,
    Key,
    Colon,
    CommaOrEnd,
    Str(StrState),
    Number(String),
    Literal { word: &'static [u8], matched: usize, value: Value },
    Done(Value),
}

pub(super) struct Machine {
    limits: PublishLimits,
    state: State,
    stack: Vec<Frame>,
    pub(super) attachments: Vec<AttachmentMeta>,
    /// Bytes of the body outside attachment data.
    doc_bytes: u64,
    /// Bytes consumed so far (error offsets).
    offset: u64,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl Machine {
    pub(super) fn new(limits: PublishLimits) -> Self {
        Self { limits, state: State::Start, stack: Vec::new(), attachments: Vec::new(), doc_bytes: 0, offset: 0 }
    }

    /// Bytes consumed so far.
    pub(super) fn offset(&self) -> u64 {
        self.offset
    }

    fn syntax(&self, reason: &'static str) -> NpmError {
        NpmError::InvalidJson { offset: self.offset, reason }
    }

    /// Consumes all of `input`, appending attachment events to `events`.
    pub(super) fn feed(&mut self, mut input: &[u8], events: &mut Vec<PublishEvent>) -> Result<(), NpmError> {
        while !input.is_empty() {
            let in_data = matches!(&self.state, State::Str(s) if matches!(s.target, Target::Data(_)));
            let used = self.step(input, events)?;
            // Attachment data does not count towards the document; its closing quote does.
            if !(in_data && matches!(self.state, State::Str(_))) {
                self.doc_bytes += used as u64;
                if self.doc_bytes > self.limits.max_document_bytes {
                    return Err(NpmError::DocumentTooLarge(self.limits.max_document_bytes));
                }
            }
            self.offset += used as u64;
            input = &input[used..];
        }
        self.flush_data(events);
        Ok(())
    }

    /// The document, once the root object closed.
    pub(super) fn finish(self) -> Result<(Value, Vec<AttachmentMeta>), NpmError> {
        match self.state {
            State::Done(doc) => Ok((doc, self.attachments)),
            _ => Err(NpmError::Truncated),
        }
    }

    /// One transition; returns how many bytes of `input` it consumed (0 when a number ended at
    /// the byte after it, which the next state reads again).
    fn step(&mut self, input: &[u8], events: &mut Vec<PublishEvent>) -> Result<usize, NpmError> {
        let b = input[0];
        match &mut self.state {
            State::Str(_) => return self.string_step(input, events),
            State::Number(text) if matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') => {
                text.push(char::from(b));
                return Ok(1);
            }
            State::Number(_) => return self.end_number().map(|()| 0),
            State::Literal { .. } => return self.literal_step(b).map(|()| 1),
            _ if is_ws(b) => return Ok(1),
            _ => {}
        }
        match std::mem::replace(&mut self.state, State::Start) {
            State::Start if b == b'{' => self.open(Container::Object { map: Map::new(), key: None }, Role::Root)?,
            State::Start => return Err(NpmError::NotAnObject),
            State::Value => self.value(b, events)?,
            State::ValueOrEnd if b == b']' => self.close()?,
            State::ValueOrEnd => self.value(b, events)?,
            State::KeyOrEnd if b == b'}' => self.close()?,
            State::KeyOrEnd | State::Key if b == b'"' => {
                self.state = State::Str(StrState::new(Target::Key(Vec::new())))
            }
            State::Colon if b == b':' => self.state = State::Value,
            State::CommaOrEnd => self.comma_or_end(b)?,
            State::Done(_) => return Err(self.syntax("trailing characters after the document")),
            _ => return Err(self.syntax("unexpected character")),
        }
        Ok(1)
    }

    fn comma_or_end(&mut self, b: u8) -> Result<(), NpmError> {
        let in_object = matches!(self.stack.last().map(|f| &f.container), Some(Container::Object { .. }));
        match (b, in_object) {
            (b',', true) => self.state = State::Key,
            (b',', false) => self.state = State::Value,
            (b'}', true) | (b']', false) => self.close()?,
            _ => return Err(self.syntax("expected ',' or the end of the object or array")),
        }
        Ok(())
    }

    /// The first byte of a value.
    fn value(&mut self, b: u8, events: &mut Vec<PublishEvent>) -> Result<(), NpmError> {
        let role = self.child_role()?;
        if self.is_attachment_data() {
            let Role::Attachment { key, .. } = &self.stack.last().expect("inside an attachment").role else {
                unreachable!("is_attachment_data checked the role")
            };
            if b != b'"' {
                return Err(NpmError::InvalidAttachment(key.clone(), "data must be a string"));
            }
            events.push(PublishEvent::AttachmentStart { key: key.clone() });
            self.state = State::Str(StrState::new(Target::Data(DataSink::new(key.clone()))));
            return Ok(());
        }
        if role != Role::Other && b != b'{' {
            return Err(match role {
                Role::Attachment { key, .. } => NpmError::InvalidAttachment(key, "must be an object"),
                _ => NpmError::field("_attachments", "must be an object"),
            });
        }
        self.state = match b {
            b'{' => return self.open(Container::Object { map: Map::new(), key: None }, role),
            b'[' => return self.open(Container::Array(Vec::new()), role),
            b'"' => State::Str(StrState::new(Target::Value(Vec::new()))),
            b'-' | b'0'..=b'9' => State::Number(char::from(b).to_string()),
            b't' => State::Literal { word: b"true", matched: 1, value: Value::Bool(true) },
            b'f' => State::Literal { word: b"false", matched: 1, value: Value::Bool(false) },
            b'n' => State::Literal { word: b"null", matched: 1, value: Value::Null },
            _ => return Err(self.syntax("expected a value")),
        };
        Ok(())
    }

    fn pending_key(&self) -> Option<&str> {
        match self.stack.last().map(|f| &f.container) {
            Some(Container::Object { key, .. }) => key.as_deref(),
            _ => None,
        }
    }

    fn is_attachment_data(&self) -> bool {
        matches!(self.stack.last().map(|f| &f.role), Some(Role::Attachment { .. }))
            && self.pending_key() == Some("data")
    }

    /// The role of the value about to start, from its parent and key.
    fn child_role(&self) -> Result<Role, NpmError> {
        let Some(parent) = self.stack.last() else { return Ok(Role::Other) };
        Ok(match (&parent.role, self.pending_key()) {
            (Role::Root, Some("_attachments")) => Role::Attachments,
            (Role::Attachments, Some(key)) => {
                if self.attachments.len() + 1 > self.limits.max_attachments {
                    return Err(NpmError::TooManyAttachments(self.limits.max_attachments));
                }
                Role::Attachment { key: key.to_owned(), data_len: None }
            }
            _ => Role::Other,
        })
    }

    fn open(&mut self, container: Container, role: Role) -> Result<(), NpmError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(NpmError::TooDeep(self.limits.max_depth));
        }
        if matches!(role, Role::Attachment { .. }) {
            // Counted when it starts, so the limit holds before any of its data is read.
            self.attachments.push(AttachmentMeta::default());
        }
        self.state = match container {
            Container::Object { .. } => State::KeyOrEnd,
            Container::Array(_) => State::ValueOrEnd,
        };
        self.stack.push(Frame { container, role });
        Ok(())
    }

    fn close(&mut self) -> Result<(), NpmError> {
        let frame = self.stack.pop().expect("close is only reached inside a container");
        let value = match frame.container {
            Container::Object { map, .. } => {
                if let Role::Attachment { key, data_len } = frame.role {
                    self.record_attachment(key, data_len, &map)?;
                }
                Value::Object(map)
            }
            Container::Array(items) => Value::Array(items),
        };
        self.complete(value)
    }

    fn record_attachment(
        &mut self,
        key: String,
        data_len: Option<u64>,
        map: &Map<String, Value>,
    ) -> Result<(), NpmError> {
        let decoded_len = data_len.ok_or_else(|| NpmError::InvalidAttachment(key.clone(), "has no data"))?;
        let meta = self.attachments.last_mut().expect("pushed when the attachment opened");
        *meta = AttachmentMeta {
            key,
            content_type: map.get("content_type").and_then(Value::as_str).map(str::to_owned),
            length: map.get("length").and_then(Value::as_u64),
            decoded_len,
        };
        Ok(())
    }

    /// A value ended: into its parent, or the document is done.
    fn complete(&mut self, value: Value) -> Result<(), NpmError> {
        let Some(frame) = self.stack.last_mut() else {
            self.state = State::Done(value);
            return Ok(());
        };
        match &mut frame.container {
            Container::Object { map, key } => {
                map.insert(key.take().expect("a value in an object follows its key"), value);
            }
            Container::Array(items) => items.push(value),
        }
        self.state = State::CommaOrEnd;
        Ok(())
    }

    fn end_number(&mut self) -> Result<(), NpmError> {
        let State::Number(text) = std::mem::replace(&mut self.state, State::Start) else { unreachable!() };
        // serde_json itself reads the number, so both parsers agree on every value and every error.
        match serde_json::from_str::<Value>(&text) {
            Ok(number @ Value::Number(_)) => self.complete(number),
            _ => Err(NpmError::InvalidNumber(text.chars().take(40).collect())),
        }
    }

    fn literal_step(&mut self, b: u8) -> Result<(), NpmError> {
        let State::Literal { word, matched, .. } = &mut self.state else { unreachable!() };
        if word.get(*matched) != Some(&b) {
            return Err(self.syntax("invalid literal"));
        }
        *matched += 1;
        if *matched < word.len() {
            return Ok(());
        }
        let State::Literal { value, .. } = std::mem::replace(&mut self.state, State::Start) else { unreachable!() };
        self.complete(value)
    }

    fn string_step(&mut self, input: &[u8], events: &mut Vec<PublishEvent>) -> Result<usize, NpmError> {
        let State::Str(s) = &mut self.state else { unreachable!() };
        let step = s.step(input);
        let data_key = match &s.target {
            Target::Data(sink) => Some(sink.key.clone()),
            _ => None,
        };
        let step = step.map_err(|e| self.string_error(e, data_key.as_deref()))?;
        self.check_data_limit(data_key.as_deref())?;
        match step {
            Step::More(n) => Ok(n),
            Step::Closed(n) => self.end_string(events).map(|()| n),
        }
    }

    fn string_error(&self, e: StrError, data_key: Option<&str>) -> NpmError {
        match e {
            StrError::Json(reason) => self.syntax(reason),
            StrError::Base64 => NpmError::InvalidBase64(data_key.unwrap_or_default().to_owned()),
        }
    }

    fn check_data_limit(&self, data_key: Option<&str>) -> Result<(), NpmError> {
        if let (State::Str(s), Some(key)) = (&self.state, data_key)
            && let Target::Data(sink) = &s.target
            && sink.decoded_len > self.limits.max_attachment_bytes
        {
            return Err(NpmError::AttachmentTooLarge(key.to_owned(), self.limits.max_attachment_bytes));
        }
        Ok(())
    }

    fn end_string(&mut self, events: &mut Vec<PublishEvent>) -> Result<(), NpmError> {
        let State::Str(s) = std::mem::replace(&mut self.state, State::Start) else { unreachable!() };
        match s.target {
            Target::Key(bytes) => self.key_done(bytes),
            Target::Value(bytes) => self.complete(Value::String(utf8(bytes)?)),
            Target::Data(mut sink) => {
                sink.finish().map_err(|_| NpmError::InvalidBase64(sink.key.clone()))?;
                if sink.decoded_len > self.limits.max_attachment_bytes {
                    return Err(NpmError::AttachmentTooLarge(sink.key, self.limits.max_attachment_bytes));
                }
                if !sink.out.is_empty() {
                    events.push(PublishEvent::AttachmentData(std::mem::take(&mut sink.out)));
                }
                events.push(PublishEvent::AttachmentEnd { key: sink.key.clone() });
                if let Some(Frame { role: Role::Attachment { data_len, .. }, .. }) = self.stack.last_mut() {
                    *data_len = Some(sink.decoded_len);
                }
                self.complete(Value::Null)
            }
        }
    }

    fn key_done(&mut self, bytes: Vec<u8>) -> Result<(), NpmError> {
        let name = utf8(bytes)?;
        let Some(Frame { container: Container::Object { map, key }, .. }) = self.stack.last_mut() else {
            unreachable!("keys are read inside objects")
        };
        if map.contains_key(&name) {
            return Err(NpmError::DuplicateKey(name.chars().take(64).collect()));
        }
        *key = Some(name);
        self.state = State::Colon;
        Ok(())
    }

    /// Hands out the attachment bytes decoded so far in this feed.
    fn flush_data(&mut self, events: &mut Vec<PublishEvent>) {
        if let State::Str(s) = &mut self.state
            && let Target::Data(sink) = &mut s.target
            && !sink.out.is_empty()
        {
            events.push(PublishEvent::AttachmentData(std::mem::take(&mut sink.out)));
        }
    }
}

/// The stream was validated as UTF-8 as it arrived, so this only fails on a bug.
fn utf8(bytes: Vec<u8>) -> Result<String, NpmError> {
    String::from_utf8(bytes).map_err(|_| NpmError::InvalidJson { offset: 0, reason: "invalid UTF-8" })
}
