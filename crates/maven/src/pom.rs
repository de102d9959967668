//! Reading a deployed POM: its coordinates (groupId and version inherited from `<parent>`), its
//! packaging, and what a `maven-plugin` contributes to its group's plugin-prefix metadata; and
//! checking that a POM agrees with the path it is deployed to.
//!
//! Only what a registry needs is read; this is not Maven's model builder. Coordinates may use
//! `${…}` expressions (CI-friendly `${revision}`): they are resolved from the POM's own
//! `<properties>` and the `project.*` built-ins, and a POM whose coordinates still hold an
//! expression is reported, since no consumer can resolve it either.

use crate::error::{MavenError, quote};
use crate::metadata::Plugin;
use crate::path::ArtifactFile;
use crate::xml::{self, Element, XmlLimits};

/// A POM's coordinates and what else the registry uses, as written (expressions unresolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pom {
    /// `<groupId>`, if the POM sets its own.
    pub group_id: Option<String>,
    pub artifact_id: String,
    /// `<version>`, if the POM sets its own.
    pub version: Option<String>,
    /// `<packaging>`, `jar` when absent.
    pub packaging: String,
    pub name: Option<String>,
    pub parent: Option<Parent>,
    /// `goalPrefix` configured for maven-plugin-plugin, if any.
    pub goal_prefix: Option<String>,
    /// `<scm>`, the POM's own (an inherited one is the parent's business).
    pub scm: Option<Scm>,
    properties: Vec<(String, String)>,
}

/// `<scm>`: where the project's sources are, as the POM says (expressions resolved when they can be).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scm {
    /// `<url>`: the browsable repository.
    pub url: Option<String>,
    /// `<connection>` (or `<developerConnection>`), without Maven SCM's `scm:<provider>:` prefix.
    pub connection: Option<String>,
    /// `<tag>`, unless it is Maven's placeholder `HEAD`.
    pub tag: Option<String>,
}

impl Scm {
    /// The repository's address: the connection (a clonable URL) before the browsable URL.
    pub fn repository(&self) -> Option<&str> {
        self.connection.as_deref().or(self.url.as_deref())
    }
}

/// `<parent>`: where an unset groupId or version comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parent {
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
}

/// Longest coordinate after resolving expressions: bounds what properties that expand into each
/// other can build.
const MAX_RESOLVED_LEN: usize = 1024;

impl Pom {
    pub fn parse(bytes: &[u8]) -> Result<Self, MavenError> {
        Self::parse_with(bytes, &XmlLimits::POM)
    }

    pub fn parse_with(bytes: &[u8], limits: &XmlLimits) -> Result<Self, MavenError> {
        let root = xml::parse(bytes, limits, "the POM")?;
        if root.name != "project" {
            return Err(MavenError::invalid(format!("the POM's root element is <{}>, not <project>", root.name)));
        }
        let parent = root.child("parent").map(read_parent).transpose()?;
        let artifact_id =
            root.child_text("artifactId").ok_or_else(|| MavenError::invalid("the POM has no <artifactId>"))?;
        let pom = Self {
            group_id: root.child_text("groupId").map(str::to_owned),
            artifact_id: artifact_id.to_owned(),
            version: root.child_text("version").map(str::to_owned),
            packaging: root.child_text("packaging").unwrap_or("jar").to_owned(),
            name: root.child_text("name").map(str::to_owned),
            goal_prefix: goal_prefix(&root),
            scm: None,
            properties: root
                .child("properties")
                .map(|p| p.children.iter().map(|c| (c.name.clone(), c.text.trim().to_owned())).collect())
                .unwrap_or_default(),
            parent,
        };
        let pom = Self { scm: root.child("scm").map(|scm| pom.read_scm(scm)), ..pom };
        if pom.group_id.is_none() && pom.parent.is_none() {
            return Err(MavenError::invalid("the POM has no <groupId> and no <parent> to inherit one from"));
        }
        if pom.version.is_none() && pom.parent.is_none() {
            return Err(MavenError::invalid("the POM has no <version> and no <parent> to inherit one from"));
        }
        Ok(pom)
    }

    /// The groupId, own or inherited, as written.
    pub fn group_id(&self) -> &str {
        self.group_id.as_deref().or(self.parent.as_ref().map(|p| p.group_id.as_str())).unwrap_or_default()
    }

    /// The version, own or inherited, as written.
    pub fn version(&self) -> &str {
        self.version.as_deref().or(self.parent.as_ref().map(|p| p.version.as_str())).unwrap_or_default()
    }

    /// The name Maven shows for the project: `<name>`, or the artifactId (as `MavenProject.getName`).
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.artifact_id)
    }

    /// `(groupId, artifactId, version)` with expressions resolved.
    pub fn coordinates(&self) -> Result<(String, String, String), MavenError> {
        Ok((self.resolve(self.group_id())?, self.resolve(&self.artifact_id)?, self.resolve(self.version())?))
    }

    /// Checks that the POM describes the artifact deployed at `file`: same groupId and artifactId,
    /// and a version equal to the file's base version (a snapshot POM says `1.0-SNAPSHOT` while its
    /// file is `a-1.0-20261130.035200-2.pom`) or, for a hand-made POM, to the file's own version.
    pub fn check_against(&self, file: &ArtifactFile) -> Result<(), MavenError> {
        let (group, artifact, version) = self.coordinates()?;
        let path_version = if version == file.version() { file.version() } else { file.base_version() };
        let expected = [("groupId", file.group_id(), group), ("artifactId", file.artifact_id(), artifact)];
        for (field, path, pom) in expected.iter().chain([&("version", path_version, version)]) {
            if path != pom {
                return Err(MavenError::mismatch(format!(
                    "the POM's {field} is {} but it was deployed as {}",
                    quote(pom),
                    quote(path)
                )));
            }
        }
        Ok(())
    }

    /// The group-level `<plugin>` entry of a `maven-plugin` POM: prefix from maven-plugin-plugin's
    /// `goalPrefix`, or derived from the artifactId as Maven derives it
    /// ([`goal_prefix_from_artifact_id`]); the name is [`Self::display_name`].
    pub fn plugin_entry(&self) -> Option<Plugin> {
        if self.packaging != "maven-plugin" {
            return None;
        }
        let artifact_id = self.resolve(&self.artifact_id).ok()?;
        let prefix = self.goal_prefix.clone().unwrap_or_else(|| goal_prefix_from_artifact_id(&artifact_id));
        Some(Plugin { name: self.display_name().to_owned(), prefix, artifact_id })
    }

    /// `<scm>`'s fields, each kept only when it is non-empty and its expressions resolve.
    fn read_scm(&self, scm: &Element) -> Scm {
        let field = |name: &str| {
            let text = scm.child_text(name).map(str::trim).filter(|t| !t.is_empty())?;
            self.resolve(text).ok().filter(|t| t.len() <= MAX_RESOLVED_LEN)
        };
        let connection = field("connection").or_else(|| field("developerConnection"));
        Scm {
            url: field("url"),
            connection: connection.map(|c| strip_scm_provider(&c).to_owned()),
            tag: field("tag").filter(|t| t != "HEAD"),
        }
    }

    /// `value` with `${…}` expressions replaced, refusing what stays unresolved.
    fn resolve(&self, value: &str) -> Result<String, MavenError> {
        let mut out = value.to_owned();
        for _ in 0..8 {
            if !out.contains("${") {
                return Ok(out);
            }
            out = self.expand_once(&out)?;
        }
        Err(unresolved(value))
    }

    fn expand_once(&self, value: &str) -> Result<String, MavenError> {
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            let end = rest[start..].find('}').map(|e| start + e).ok_or_else(|| unresolved(value))?;
            out.push_str(&rest[..start]);
            let replacement = self.lookup(&rest[start + 2..end]).ok_or_else(|| unresolved(value))?;
            out.push_str(replacement);
            rest = &rest[end + 1..];
            if out.len() > MAX_RESOLVED_LEN {
                return Err(MavenError::too_large("the POM's coordinates expand to more than 1024 bytes"));
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    /// `project.*` (and the deprecated `pom.*`) name the model; a bare key is a property first,
    /// then, as Maven 2 allowed, the model.
    fn lookup(&self, key: &str) -> Option<&str> {
        let model = key.strip_prefix("project.").or_else(|| key.strip_prefix("pom."));
        let property = || self.properties.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        if model.is_none()
            && let Some(value) = property()
        {
            return Some(value);
        }
        let parent = self.parent.as_ref();
        match model.unwrap_or(key) {
            "groupId" => Some(self.group_id()),
            "artifactId" => Some(&self.artifact_id),
            "version" => Some(self.version()),
            "parent.groupId" => parent.map(|p| p.group_id.as_str()),
            "parent.artifactId" => parent.map(|p| p.artifact_id.as_str()),
            "parent.version" => parent.map(|p| p.version.as_str()),
            _ => None,
        }
    }
}

/// `scm:git:https://…` → `https://…`: Maven SCM URLs name their provider first (`scm:<provider>:`).
fn strip_scm_provider(connection: &str) -> &str {
    let Some(rest) = connection.strip_prefix("scm:") else { return connection };
    match rest.split_once(':') {
        Some((provider, url)) if !provider.is_empty() && provider.chars().all(|c| c.is_ascii_alphanumeric()) => url,
        _ => rest,
    }
}

fn unresolved(value: &str) -> MavenError {
    MavenError::invalid(format!(
        "the POM's coordinate {} holds an expression it does not define; deploy a flattened POM",
        quote(value)
    ))
}

fn read_parent(parent: &Element) -> Result<Parent, MavenError> {
    let field = |name: &str| {
        parent
            .child_text(name)
            .map(str::to_owned)
            .ok_or_else(|| MavenError::invalid(format!("the POM's <parent> has no <{name}>")))
    };
    Ok(Parent { group_id: field("groupId")?, artifact_id: field("artifactId")?, version: field("version")? })
}

/// maven-plugin-plugin's `<configuration><goalPrefix>`, in `<build><plugins>` or
/// `<build><pluginManagement><plugins>`.
fn goal_prefix(root: &Element) -> Option<String> {
    let build = root.child("build")?;
    let lists = [build.child("plugins"), build.child("pluginManagement").and_then(|m| m.child("plugins"))];
    lists
        .into_iter()
        .flatten()
        .flat_map(|plugins| plugins.children_named("plugin"))
        .filter(|p| p.child_text("artifactId") == Some("maven-plugin-plugin"))
        .find_map(|p| p.child("configuration")?.child_text("goalPrefix").map(str::to_owned))
}

/// The prefix Maven gives a plugin without a configured one (`PluginDescriptor
/// .getGoalPrefixFromArtifactId`): `maven-plugin-plugin` is `plugin`; otherwise every `-?maven-?`
/// then every `-?plugin-?` is removed, so `maven-deploy-plugin` and `deploy-maven-plugin` are both
/// `deploy`.
pub fn goal_prefix_from_artifact_id(artifact_id: &str) -> String {
    if artifact_id == "maven-plugin-plugin" {
        return "plugin".to_owned();
    }
    remove_all(&remove_all(artifact_id, "maven"), "plugin")
}

/// Java's `replaceAll("-?<word>-?", "")`: leftmost matches, each taking a dash on either side.
fn remove_all(text: &str, word: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let after_dash = rest.strip_prefix('-').filter(|r| r.starts_with(word));
        let matched = after_dash.or_else(|| rest.strip_prefix(word).map(|_| rest));
        match matched {
            Some(at_word) => {
                let after = &at_word[word.len()..];
                rest = after.strip_prefix('-').unwrap_or(after);
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// `META-INF/maven/plugin.xml`, the descriptor inside a plugin's jar: what Maven 3.9+ reads to
/// write group-level metadata (`PluginsMetadataGenerator`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginDescriptor {
    pub group_id: String,
    pub artifact_id: String,
    pub goal_prefix: String,
    pub name: Option<String>,
}

impl PluginDescriptor {
    pub fn parse(bytes: &[u8]) -> Result<Self, MavenError> {
        let root = xml::parse(bytes, &XmlLimits::PLUGIN_DESCRIPTOR, "the plugin descriptor")?;
        if root.name != "plugin" {
            return Err(MavenError::invalid(format!("the plugin descriptor's root is <{}>, not <plugin>", root.name)));
        }
        let field = |name: &str| {
            root.child_text(name)
                .map(str::to_owned)
                .ok_or_else(|| MavenError::invalid(format!("the plugin descriptor has no <{name}>")))
        };
        Ok(Self {
            group_id: field("groupId")?,
            artifact_id: field("artifactId")?,
            goal_prefix: field("goalPrefix")?,
            name: root.child_text("name").map(str::to_owned),
        })
    }

    /// The group-level `<plugin>` entry; the name falls back to the artifactId.
    pub fn plugin_entry(&self) -> Plugin {
        Plugin {
            name: self.name.clone().unwrap_or_else(|| self.artifact_id.clone()),
            prefix: self.goal_prefix.clone(),
            artifact_id: self.artifact_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scm_is_read_with_expressions_resolved_and_providers_stripped() {
        let pom = Pom::parse(
            br#"<project><groupId>g</groupId><artifactId>a</artifactId><version>1.0</version>
            <properties><org>acme</org></properties>
            <scm><connection>scm:git:https://git.example/${org}/a.git</connection>
            <url>https://git.example/${org}/a</url><tag>v1.0</tag></scm></project>"#,
        )
        .unwrap();
        let scm = pom.scm.unwrap();
        assert_eq!(scm.connection.as_deref(), Some("https://git.example/acme/a.git"));
        assert_eq!(scm.url.as_deref(), Some("https://git.example/acme/a"));
        assert_eq!((scm.tag.as_deref(), scm.repository()), (Some("v1.0"), Some("https://git.example/acme/a.git")));
        let head = Pom::parse(
            br#"<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version>
            <scm><url>${undefined}/x</url><tag>HEAD</tag><developerConnection>scm:svn:svn://h/r</developerConnection></scm></project>"#,
        )
        .unwrap();
        assert_eq!(head.scm, Some(Scm { url: None, connection: Some("svn://h/r".into()), tag: None }));
        assert_eq!(strip_scm_provider("scm:git@host:x.git"), "git@host:x.git");
        assert_eq!(strip_scm_provider("https://h/x"), "https://h/x");
    }

    #[test]
    fn goal_prefixes_as_maven_derives_them() {
        for (artifact, prefix) in [
            ("maven-deploy-plugin", "deploy"),
            ("greet-maven-plugin", "greet"),
            ("maven-plugin-plugin", "plugin"),
            ("my-plugin", "my"),
            ("plugin-x", "x"),
            ("exec-maven-plugin", "exec"),
            ("mavenx", "x"),
            ("tool", "tool"),
        ] {
            assert_eq!(goal_prefix_from_artifact_id(artifact), prefix, "{artifact}");
        }
    }
}
