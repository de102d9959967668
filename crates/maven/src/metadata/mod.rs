//! `maven-metadata.xml`: the model (maven-repository-metadata's `metadata.mdo`, model 1.1.0),
//! reading what clients upload (leniently: clients re-PUT it on every deploy and the server
//! regenerates it, so a document is read only to log disagreements or pick up a plugin prefix),
//! writing it exactly as Maven does ([`Metadata::to_xml`]), and generating the three kinds a
//! hosted repository serves ([`artifact_metadata`], [`snapshot_metadata`], [`group_metadata`]).

mod build;
mod render;

pub use build::{SnapshotFile, artifact_metadata, group_metadata, snapshot_metadata};

use crate::error::MavenError;
use crate::xml::{self, Element, XmlLimits};
use std::collections::BTreeSet;

/// The model version written on snapshot-level metadata (the only kind with `snapshotVersions`,
/// which appeared in 1.1.0). Artifact- and group-level files carry none, as Maven writes them.
pub const MODEL_VERSION: &str = "1.1.0";

/// One `maven-metadata.xml` document. Fields are in the model's order, which is the order
/// [`Metadata::to_xml`] writes them in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// The `modelVersion` attribute.
    pub model_version: Option<String>,
    pub group_id: Option<String>,
    pub artifact_id: Option<String>,
    /// Snapshot level only: the `X-SNAPSHOT` directory's version.
    pub version: Option<String>,
    pub versioning: Option<Versioning>,
    /// Group level only: plugin prefixes.
    pub plugins: Vec<Plugin>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Versioning {
    /// The highest version, snapshots included.
    pub latest: Option<String>,
    /// The highest release.
    pub release: Option<String>,
    /// Snapshot level: the newest build.
    pub snapshot: Option<Snapshot>,
    pub versions: Vec<String>,
    /// `yyyyMMddHHmmss`, UTC.
    pub last_updated: Option<String>,
    /// Snapshot level: the newest build of each classifier + extension.
    pub snapshot_versions: Vec<SnapshotVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// `yyyyMMdd.HHmmss`, UTC.
    pub timestamp: Option<String>,
    /// Maven writes it only when it is not 0.
    pub build_number: u32,
    /// Maven 2's local-repository flag; written only when true.
    pub local_copy: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotVersion {
    pub classifier: Option<String>,
    pub extension: String,
    /// The file's version: `X-<yyyyMMdd.HHmmss>-<N>`, or `X-SNAPSHOT` for a plain file.
    pub value: String,
    /// `yyyyMMddHHmmss`, UTC.
    pub updated: Option<String>,
}

/// A group-level plugin-prefix mapping: `mvn <prefix>:<goal>` runs `<artifactId>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Plugin {
    pub name: String,
    pub prefix: String,
    pub artifact_id: String,
}

impl Metadata {
    /// Reads a document a client uploaded. Lenient about content (unknown elements, any or no
    /// namespace, missing fields, an unparsable build number reads as 0), strict about safety
    /// (see [`XmlLimits`]: no DTD, no entities, bounded size).
    pub fn parse(bytes: &[u8]) -> Result<Self, MavenError> {
        Self::parse_with(bytes, &XmlLimits::METADATA)
    }

    pub fn parse_with(bytes: &[u8], limits: &XmlLimits) -> Result<Self, MavenError> {
        let root = xml::parse(bytes, limits, "maven-metadata.xml")?;
        if root.name != "metadata" {
            return Err(MavenError::invalid(format!("maven-metadata.xml's root is <{}>, not <metadata>", root.name)));
        }
        let text = |e: &Element, name: &str| e.child_text(name).map(str::to_owned);
        Ok(Self {
            model_version: root.attribute("modelVersion").map(str::to_owned),
            group_id: text(&root, "groupId"),
            artifact_id: text(&root, "artifactId"),
            version: text(&root, "version"),
            versioning: root.child("versioning").map(read_versioning),
            plugins: root
                .child("plugins")
                .map(|p| p.children_named("plugin").map(read_plugin).collect())
                .unwrap_or_default(),
        })
    }

    /// The listed versions (`versioning/versions`), in document order.
    pub fn versions(&self) -> &[String] {
        self.versioning.as_ref().map_or(&[], |v| &v.versions)
    }

    /// How a client's document (`self`) differs from what the server generated, one line each,
    /// for logs: a client that lists versions the server lacks deployed somewhere else first, one
    /// whose `release` is lower deployed an older line last (Maven sets `release` to whatever
    /// it just deployed: captured in tests/fixtures, `client-release-regression.xml`).
    pub fn differences(&self, generated: &Metadata) -> Vec<String> {
        let mut out = Vec::new();
        let fields = [
            ("groupId", &self.group_id, &generated.group_id),
            ("artifactId", &self.artifact_id, &generated.artifact_id),
            ("version", &self.version, &generated.version),
        ];
        for (name, ours, theirs) in fields {
            if ours != theirs {
                out.push(format!("{name}: client {ours:?}, server {theirs:?}"));
            }
        }
        let (mine, server) =
            (self.versioning.clone().unwrap_or_default(), generated.versioning.clone().unwrap_or_default());
        let set = |v: &Versioning| v.versions.iter().cloned().collect::<BTreeSet<String>>();
        let (client_versions, server_versions) = (set(&mine), set(&server));
        for v in client_versions.difference(&server_versions) {
            out.push(format!("version {v} is listed by the client only"));
        }
        for v in server_versions.difference(&client_versions) {
            out.push(format!("version {v} is listed by the server only"));
        }
        let pointers = [("release", &mine.release, &server.release), ("latest", &mine.latest, &server.latest)];
        for (name, client, server) in pointers {
            if client.is_some() && client != server {
                out.push(format!("{name}: client {client:?}, server {server:?}"));
            }
        }
        let stamp = |v: &Versioning| v.snapshot.as_ref().map(|s| (s.timestamp.clone(), s.build_number));
        if stamp(&mine) != stamp(&server) {
            out.push(format!("snapshot: client {:?}, server {:?}", stamp(&mine), stamp(&server)));
        }
        let prefixes =
            |m: &Metadata| m.plugins.iter().map(|p| (p.prefix.clone(), p.artifact_id.clone())).collect::<BTreeSet<_>>();
        for (prefix, artifact) in prefixes(self).difference(&prefixes(generated)) {
            out.push(format!("plugin prefix {prefix} -> {artifact} is listed by the client only"));
        }
        out
    }
}

fn read_versioning(v: &Element) -> Versioning {
    let text = |name: &str| v.child_text(name).map(str::to_owned);
    Versioning {
        latest: text("latest"),
        release: text("release"),
        snapshot: v.child("snapshot").map(|s| Snapshot {
            timestamp: s.child_text("timestamp").map(str::to_owned),
            build_number: s.child_text("buildNumber").and_then(|n| n.parse().ok()).unwrap_or(0),
            local_copy: s.child_text("localCopy") == Some("true"),
        }),
        versions: v
            .child("versions")
            .map(|vs| {
                vs.children_named("version").map(|e| e.text.trim().to_owned()).filter(|t| !t.is_empty()).collect()
            })
            .unwrap_or_default(),
        last_updated: text("lastUpdated"),
        snapshot_versions: v
            .child("snapshotVersions")
            .map(|svs| svs.children_named("snapshotVersion").map(read_snapshot_version).collect())
            .unwrap_or_default(),
    }
}

fn read_snapshot_version(sv: &Element) -> SnapshotVersion {
    SnapshotVersion {
        classifier: sv.child_text("classifier").map(str::to_owned),
        extension: sv.child_text("extension").unwrap_or_default().to_owned(),
        value: sv.child_text("value").unwrap_or_default().to_owned(),
        updated: sv.child_text("updated").map(str::to_owned),
    }
}

fn read_plugin(p: &Element) -> Plugin {
    let text = |name: &str| p.child_text(name).unwrap_or_default().to_owned();
    Plugin { name: text("name"), prefix: text("prefix"), artifact_id: text("artifactId") }
}
