//! Writing metadata as Maven's `MetadataXpp3Writer` does: XML declaration, two-space indentation,
//! elements in the model's order, optional elements and empty lists left out, a newline at the
//! end. Byte-for-byte what `mvn deploy` PUT for artifact-level files (tests/fixtures).

use super::{Metadata, Plugin, Snapshot, SnapshotVersion, Versioning};

impl Metadata {
    /// The document, UTF-8.
    pub fn to_xml(&self) -> String {
        let mut w = Writer { out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"), depth: 0 };
        match &self.model_version {
            Some(v) => w.line(&format!("<metadata modelVersion=\"{}\">", escape(v, true))),
            None => w.line("<metadata>"),
        }
        w.depth += 1;
        w.opt("groupId", self.group_id.as_deref());
        w.opt("artifactId", self.artifact_id.as_deref());
        w.opt("version", self.version.as_deref());
        if let Some(versioning) = &self.versioning {
            w.versioning(versioning);
        }
        w.list("plugins", &self.plugins, Writer::plugin);
        w.depth -= 1;
        w.line("</metadata>");
        w.out
    }
}

struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn line(&mut self, text: &str) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn element(&mut self, name: &str, value: &str) {
        self.line(&format!("<{name}>{}</{name}>", escape(value, false)));
    }

    fn opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.element(name, value);
        }
    }

    fn open(&mut self, name: &str) {
        self.line(&format!("<{name}>"));
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.line(&format!("</{name}>"));
    }

    /// `<name>` around every item, or nothing for an empty list (Modello writes no empty lists).
    fn list<T>(&mut self, name: &str, items: &[T], write: fn(&mut Self, &T)) {
        if items.is_empty() {
            return;
        }
        self.open(name);
        for item in items {
            write(self, item);
        }
        self.close(name);
    }

    fn versioning(&mut self, v: &Versioning) {
        self.open("versioning");
        self.opt("latest", v.latest.as_deref());
        self.opt("release", v.release.as_deref());
        if let Some(snapshot) = &v.snapshot {
            self.snapshot(snapshot);
        }
        self.list("versions", &v.versions, |w, version| w.element("version", version));
        self.opt("lastUpdated", v.last_updated.as_deref());
        self.list("snapshotVersions", &v.snapshot_versions, Self::snapshot_version);
        self.close("versioning");
    }

    fn snapshot(&mut self, s: &Snapshot) {
        self.open("snapshot");
        self.opt("timestamp", s.timestamp.as_deref());
        if s.build_number != 0 {
            self.element("buildNumber", &s.build_number.to_string());
        }
        if s.local_copy {
            self.element("localCopy", "true");
        }
        self.close("snapshot");
    }

    fn snapshot_version(&mut self, sv: &SnapshotVersion) {
        self.open("snapshotVersion");
        self.opt("classifier", sv.classifier.as_deref().filter(|c| !c.is_empty()));
        self.element("extension", &sv.extension);
        self.element("value", &sv.value);
        self.opt("updated", sv.updated.as_deref());
        self.close("snapshotVersion");
    }

    fn plugin(&mut self, p: &Plugin) {
        self.open("plugin");
        self.element("name", &p.name);
        self.element("prefix", &p.prefix);
        self.element("artifactId", &p.artifact_id);
        self.close("plugin");
    }
}

/// XML escaping of text (`&`, `<`, `>`) and, in attributes, quotes. Control characters XML 1.0
/// cannot carry are dropped: they can only come from a hostile upload being echoed back.
fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_xml_needs() {
        assert_eq!(escape("a&b<c>\"\u{1}", false), "a&amp;b&lt;c&gt;\"");
        assert_eq!(escape("\"", true), "&quot;");
    }

    #[test]
    fn empty_metadata() {
        assert_eq!(
            Metadata::default().to_xml(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n</metadata>\n"
        );
    }
}
