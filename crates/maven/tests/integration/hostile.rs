//! Hostile XML against every reader of client documents: POMs, maven-metadata.xml, plugin
//! descriptors. Nothing is expanded, fetched, or allowed to cost more than its bounds.

use arca_maven::{ErrorKind, MavenError, Metadata, PluginDescriptor, Pom, XmlLimits};

/// Each reader on `doc`.
fn all_readers(doc: &[u8]) -> [Result<(), MavenError>; 3] {
    [Pom::parse(doc).map(drop), Metadata::parse(doc).map(drop), PluginDescriptor::parse(doc).map(drop)]
}

fn refused_by_all(doc: &str, kind: ErrorKind) {
    for (reader, result) in ["POM", "metadata", "descriptor"].iter().zip(all_readers(doc.as_bytes())) {
        let e = result.expect_err(reader);
        assert_eq!(e.kind(), kind, "{reader}: {e}");
        assert!(e.to_string().bytes().all(|b| (b' '..=b'~').contains(&b)), "{e}");
    }
}

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE project [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<project><groupId>&lol9;</groupId><artifactId>a</artifactId><version>1</version></project>"#;

#[test]
fn billion_laughs() {
    refused_by_all(BILLION_LAUGHS, ErrorKind::Hostile);
}

#[test]
fn external_entities_and_dtds() {
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
        <project><groupId>&xxe;</groupId><artifactId>a</artifactId><version>1</version></project>"#;
    refused_by_all(xxe, ErrorKind::Hostile);
    let external_dtd = r#"<!DOCTYPE metadata SYSTEM "http://127.0.0.1:1/evil.dtd"><metadata/>"#;
    refused_by_all(external_dtd, ErrorKind::Hostile);
    let parameter = r#"<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd"> %p;]><x/>"#;
    refused_by_all(parameter, ErrorKind::Hostile);
    // An entity used without a DTD is refused too (it would need one).
    refused_by_all("<project><groupId>&xxe;</groupId></project>", ErrorKind::Hostile);
    // The five predefined ones and character references are plain text.
    let ok = b"<project><groupId>a&amp;b&#46;c&#x2E;</groupId><artifactId>a</artifactId><version>1</version></project>";
    assert_eq!(Pom::parse(ok).unwrap().group_id.as_deref(), Some("a&b.c."));
}

#[test]
fn deep_nesting() {
    let deep = format!("{}{}", "<project>".repeat(100_000), "</project>".repeat(100_000));
    refused_by_all(&deep, ErrorKind::Hostile);
    let unclosed = "<a>".repeat(1_000_000);
    refused_by_all(&unclosed, ErrorKind::Hostile);
}

#[test]
fn huge_documents_text_and_element_counts() {
    let huge = format!("<metadata><groupId>{}</groupId></metadata>", "x".repeat(5 << 20));
    refused_by_all(&huge, ErrorKind::TooLarge);
    let long_text = format!("<metadata><groupId>{}</groupId></metadata>", "x".repeat(5000));
    assert_eq!(Metadata::parse(long_text.as_bytes()).unwrap_err().kind(), ErrorKind::TooLarge);
    let split_text = format!("<metadata><groupId>{}</groupId></metadata>", "x&amp;".repeat(3000));
    assert_eq!(
        Metadata::parse(split_text.as_bytes()).unwrap_err().kind(),
        ErrorKind::TooLarge,
        "text is bounded across references"
    );
    let many = format!("<metadata>{}</metadata>", "<v/>".repeat(300_000));
    assert_eq!(Metadata::parse(many.as_bytes()).unwrap_err().kind(), ErrorKind::TooLarge);
    let tight = XmlLimits { max_bytes: 100, max_depth: 4, max_elements: 3, max_text_bytes: 10 };
    assert_eq!(
        Metadata::parse_with(b"<metadata><a/><b/><c/></metadata>", &tight).unwrap_err().kind(),
        ErrorKind::TooLarge
    );
    assert!(Metadata::parse_with(b"<metadata><a/><b/></metadata>", &tight).is_ok());
}

#[test]
fn malformed_documents() {
    for doc in [
        "",
        "<",
        "<project>",
        "<project></metadata>",
        "<project/><project/>",
        "<project a='1' a='2'/>",
        "<project a=1/>",
        "<project>&#xFFFFFFFF;</project>",
        "<project>&#0;</project>",
        "<project>&;</project>",
        "<project>&amp</project>",
        "\u{0}<project/>",
    ] {
        for (reader, result) in ["POM", "metadata", "descriptor"].iter().zip(all_readers(doc.as_bytes())) {
            let e = result.expect_err(&format!("{reader} {doc:?}"));
            assert!(matches!(e.kind(), ErrorKind::Invalid | ErrorKind::Hostile), "{reader} {doc:?}: {e:?}");
        }
    }
    assert_eq!(Metadata::parse(b"\xff\xfe<\0m\0/\0>\0").unwrap_err().kind(), ErrorKind::Invalid, "UTF-16 is refused");
}
