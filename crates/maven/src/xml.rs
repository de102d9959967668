//! A small, bounded XML tree for the documents this crate reads from clients: POMs,
//! `maven-metadata.xml` and plugin descriptors. All of them are untrusted.
//!
//! Safety comes from what is refused, not from what is configured: any `<!DOCTYPE>` (so no DTD,
//! no entity declaration, no external subset) and any entity reference other than the five XML
//! predefines and character references. quick-xml never fetches or expands anything itself; it
//! hands us `&name;` as an event, and we refuse it. Bounds on bytes, depth, element count and text
//! per element keep a hostile document from costing more than its size.
//!
//! Names are local names (namespace prefixes dropped): POMs and metadata come with and without
//! the Maven namespaces, and Maven's own readers ignore them too. Attributes are kept for the root
//! element only (`<metadata modelVersion="1.1.0">`).

use crate::error::{MavenError, quote};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;
use std::borrow::Cow;

/// Bounds on one untrusted document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    pub max_bytes: usize,
    pub max_depth: usize,
    pub max_elements: usize,
    /// Text of one element, after decoding.
    pub max_text_bytes: usize,
}

impl XmlLimits {
    /// POMs: a large BOM or a POM with a long description is a few hundred KiB.
    pub const POM: Self = Self { max_bytes: 4 << 20, max_depth: 64, max_elements: 200_000, max_text_bytes: 1 << 20 };
    /// `maven-metadata.xml`: ~60 bytes per version, so thousands of versions fit many times over.
    pub const METADATA: Self = Self { max_bytes: 4 << 20, max_depth: 16, max_elements: 200_000, max_text_bytes: 4096 };
    /// `META-INF/maven/plugin.xml`: every mojo's parameters and their documentation.
    pub const PLUGIN_DESCRIPTOR: Self =
        Self { max_bytes: 4 << 20, max_depth: 32, max_elements: 200_000, max_text_bytes: 1 << 20 };
}

/// An element: its local name, its text (all text and CDATA directly inside it, concatenated),
/// its child elements, and, for the root only, its attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
    pub attributes: Vec<(String, String)>,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child called `name`, if it has any.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim()).filter(|t| !t.is_empty())
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Parses `bytes` into its root element. `what` names the document in messages ("the POM").
pub(crate) fn parse(bytes: &[u8], limits: &XmlLimits, what: &str) -> Result<Element, MavenError> {
    if bytes.len() > limits.max_bytes {
        return Err(MavenError::too_large(format!("{what} is larger than {} bytes", limits.max_bytes)));
    }
    let text = decode(bytes, what)?;
    let mut reader = Reader::from_str(&text);
    reader.config_mut().check_end_names = true;
    let mut tree = Tree { stack: Vec::new(), root: None, elements: 0, limits, what };
    loop {
        let event = reader.read_event().map_err(|e| {
            MavenError::invalid(format!("{what} is not well-formed XML at byte {}: {e}", reader.error_position()))
        })?;
        match event {
            Event::Eof => break,
            Event::Start(start) => tree.open(&start)?,
            Event::Empty(start) => {
                tree.open(&start)?;
                tree.close()?;
            }
            Event::End(_) => tree.close()?,
            Event::Text(t) => tree.text(&t.xml10_content())?,
            Event::CData(c) => tree.text(&c.xml10_content())?,
            Event::GeneralRef(r) => tree.text(&resolve_reference(&r, what)?)?,
            Event::DocType(_) => {
                return Err(MavenError::hostile(format!("{what} has a DOCTYPE: DTDs and entities are refused")));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    match (tree.root, tree.stack.is_empty()) {
        (Some(root), true) => Ok(root),
        _ => Err(MavenError::invalid(format!("{what} ended before its root element was closed"))),
    }
}

struct Tree<'l> {
    stack: Vec<Element>,
    root: Option<Element>,
    elements: usize,
    limits: &'l XmlLimits,
    what: &'l str,
}

impl Tree<'_> {
    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), MavenError> {
        if self.root.is_some() {
            return Err(MavenError::invalid(format!("{} has more than one root element", self.what)));
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(MavenError::hostile(format!(
                "{} nests deeper than {} elements",
                self.what, self.limits.max_depth
            )));
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(MavenError::too_large(format!(
                "{} has more than {} elements",
                self.what, self.limits.max_elements
            )));
        }
        let mut element = Element { name: start.local_name().as_ref().to_owned(), ..Element::default() };
        if self.stack.is_empty() {
            element.attributes = attributes(start, self.what)?;
        }
        self.stack.push(element);
        Ok(())
    }

    fn close(&mut self) -> Result<(), MavenError> {
        let element =
            self.stack.pop().ok_or_else(|| MavenError::invalid(format!("{} closes an unopened element", self.what)))?;
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(element),
            None => self.root = Some(element),
        }
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<(), MavenError> {
        let Some(element) = self.stack.last_mut() else {
            if text.trim().is_empty() {
                return Ok(());
            }
            return Err(MavenError::invalid(format!("{} has text outside its root element", self.what)));
        };
        // Indentation between child elements is no content, and counting it would make a long
        // list (thousands of <version>s) exceed the text bound of its parent.
        if text.trim().is_empty() && (element.text.is_empty() || !element.children.is_empty()) {
            return Ok(());
        }
        if element.text.len() + text.len() > self.limits.max_text_bytes {
            return Err(MavenError::too_large(format!(
                "{} has an element <{}> with more than {} bytes of text",
                self.what, element.name, self.limits.max_text_bytes
            )));
        }
        element.text.push_str(text);
        Ok(())
    }
}

fn attributes(start: &BytesStart<'_>, what: &str) -> Result<Vec<(String, String)>, MavenError> {
    let mut out = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| MavenError::invalid(format!("{what} has a malformed attribute: {e}")))?;
        let value = attribute.normalized_value(XmlVersion::Implicit1_0).map_err(|_| {
            MavenError::hostile(format!("{what} has an attribute with an entity other than XML's five"))
        })?;
        out.push((attribute.key.local_name().as_ref().to_owned(), value.into_owned()));
    }
    Ok(out)
}

/// `&#NN;`, `&#xNN;` and XML's five predefined entities; anything else would need a DTD.
fn resolve_reference(reference: &BytesRef<'_>, what: &str) -> Result<Cow<'static, str>, MavenError> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) if c != '\0' => Ok(Cow::Owned(c.to_string())),
            _ => Err(MavenError::invalid(format!("{what} has an invalid character reference"))),
        };
    }
    let name = reference.xml10_content();
    let c = match name.as_ref() {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => {
            return Err(MavenError::hostile(format!(
                "{what} references the entity {}: entities other than XML's five are refused",
                quote(&name)
            )));
        }
    };
    Ok(Cow::Borrowed(c))
}

/// The document as text: UTF-8 (a BOM is dropped), or ISO-8859-1 when the declaration says so
/// (old POMs do). UTF-16 and other encodings are refused; Maven has written UTF-8 for 15 years.
fn decode<'a>(bytes: &'a [u8], what: &str) -> Result<Cow<'a, str>, MavenError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    if declared_latin1(bytes) {
        return Ok(Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()));
    }
    Err(MavenError::invalid(format!("{what} is neither UTF-8 nor declared ISO-8859-1")))
}

/// Whether the XML declaration (the first line, if it is one) names ISO-8859-1 / Latin-1.
fn declared_latin1(bytes: &[u8]) -> bool {
    if !bytes.starts_with(b"<?xml") {
        return false;
    }
    let end = bytes.iter().position(|&b| b == b'>').unwrap_or(bytes.len()).min(200);
    let decl = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase().replace(' ', "");
    ["iso-8859-1", "iso8859-1", "latin1", "latin-1"]
        .iter()
        .any(|enc| decl.contains(&format!("encoding=\"{enc}\"")) || decl.contains(&format!("encoding='{enc}'")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn parsed(xml: &str) -> Element {
        parse(xml.as_bytes(), &XmlLimits::METADATA, "the document").unwrap()
    }

    #[test]
    fn text_entities_and_cdata() {
        let root = parsed(
            "<?xml version='1.0'?><!-- c --><a x:b='1' xmlns:x='u'><x:b>t&amp;&#65;&#x42;<![CDATA[<c>]]></x:b><e/></a>",
        );
        assert_eq!(root.name, "a");
        assert_eq!(root.attribute("b"), Some("1"));
        assert_eq!(root.child("b").unwrap().text, "t&AB<c>");
        assert!(root.child("e").is_some());
        let spaced = parsed("<a>\n  <b> x&amp; &amp;y </b>\n  <c/>\n</a>");
        assert_eq!((spaced.text.as_str(), spaced.child("b").unwrap().text.as_str()), ("", " x& &y "));
    }

    #[test]
    fn refusals() {
        let kind = |xml: &str| parse(xml.as_bytes(), &XmlLimits::METADATA, "d").unwrap_err().kind();
        assert_eq!(kind("<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>"), ErrorKind::Hostile);
        assert_eq!(kind("<a>&e;</a>"), ErrorKind::Hostile);
        assert_eq!(kind("<a>&#0;</a>"), ErrorKind::Invalid);
        assert_eq!(kind("<a></b>"), ErrorKind::Invalid);
        assert_eq!(kind("<a>"), ErrorKind::Invalid);
        assert_eq!(kind("<a/><b/>"), ErrorKind::Invalid);
        assert_eq!(kind("x<a/>"), ErrorKind::Invalid);
        assert_eq!(kind(""), ErrorKind::Invalid);
        assert_eq!(kind(&"<a>".repeat(17)), ErrorKind::Hostile);
        assert_eq!(kind(&format!("<a>{}</a>", "x".repeat(4097))), ErrorKind::TooLarge);
    }

    #[test]
    fn latin1_when_declared() {
        let doc = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>";
        assert_eq!(parse(doc, &XmlLimits::POM, "d").unwrap().text, "café");
        assert!(parse(b"<a>caf\xe9</a>", &XmlLimits::POM, "d").is_err());
        assert_eq!(parse(b"\xEF\xBB\xBF<a>x</a>", &XmlLimits::POM, "d").unwrap().text, "x");
    }
}
