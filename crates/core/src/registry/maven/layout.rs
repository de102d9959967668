//! A GAV's files as layers, pure: which stored file a layer is, the checksums it carries, when a
//! GAV (or a snapshot build) is complete, and which snapshot builds retention drops.
//!
//! Completeness is the visibility rule: a build is complete once its POM and the main artifact its
//! packaging implies are stored (packaging `pom`: the POM alone; `jar`, `maven-plugin`, `bundle`,
//! `ejb`: a `.jar`; `war`, `ear`, `rar`, `aar`: that extension; anything else — `deploy:deploy-file
//! -Dpackaging=bin` — the packaging as extension, with any classifier, since `deploy-file` may give
//! the only file one).

use super::super::package_manifest::Layer;
use arca_maven::{ArtifactFile, FileChecksums, MavenPath, Sidecar};
use arca_types::PackageId;
use std::collections::{BTreeMap, BTreeSet};

pub(super) const TITLE: &str = "org.opencontainers.image.title";
pub(super) const MD5: &str = "dev.arca.maven.md5";
pub(super) const SHA1: &str = "dev.arca.maven.sha1";
pub(super) const SHA512: &str = "dev.arca.maven.sha512";
/// When the file was stored, in milliseconds since the epoch.
pub(super) const UPLOADED: &str = "dev.arca.maven.uploaded";
/// On a POM's layer: its `<packaging>`.
pub(super) const PACKAGING: &str = "dev.arca.maven.packaging";
/// On a POM's layer: the repository its `<scm>` names (connection, else URL).
pub(super) const SCM: &str = "dev.arca.maven.scm";
/// On a POM's layer: its `<scm><tag>`.
pub(super) const SCM_TAG: &str = "dev.arca.maven.scm-tag";
/// The annotations a staged file keeps as media type parameters (see [`staged_media_type`]).
const STAGED_KEYS: [&str; 7] = [MD5, SHA1, SHA512, UPLOADED, PACKAGING, SCM, SCM_TAG];
/// The reserved properties a POM's `<scm>` fills (the names `arca push` uses for provenance).
const DECLARED: [(&str, &str); 2] = [(SCM, "vcs.url"), (SCM_TAG, "vcs.tag")];

/// The extension of the main artifact a packaging implies, and whether a classified file of it counts.
pub(super) fn main_artifact(packaging: &str) -> (&str, bool) {
    match packaging {
        "jar" | "maven-plugin" | "bundle" | "ejb" => ("jar", false),
        "war" | "ear" | "rar" | "aar" | "pom" => (packaging, false),
        other => (other, true),
    }
}

/// The artifact file a layer of the GAV `package`/`base_version` holds, read back from its title.
pub(super) fn file_of(package: &PackageId, base_version: &str, layer: &Layer) -> Option<ArtifactFile> {
    let (group, artifact) = package.maven_coordinates()?;
    let title = layer.annotation(TITLE)?;
    let path = format!("{}/{artifact}/{base_version}/{title}", group.replace('.', "/"));
    match MavenPath::parse(&path).ok()? {
        MavenPath::File(file) => Some(file),
        MavenPath::Metadata(_) => None,
    }
}

/// The checksums a layer carries (SHA-256 is its digest).
pub(super) fn checksums_of(layer: &Layer) -> FileChecksums {
    let get = |key: &str| layer.annotation(key).unwrap_or_default().to_owned();
    FileChecksums {
        size: layer.size,
        md5: get(MD5),
        sha1: get(SHA1),
        sha256: layer.digest.hex().to_owned(),
        sha512: get(SHA512),
    }
}

/// The builds (file versions: a timestamped snapshot, `X-SNAPSHOT`, or the release) that are complete.
pub(super) fn complete_builds(files: &[(ArtifactFile, &Layer)]) -> BTreeSet<String> {
    let mut packaging: BTreeMap<&str, &str> = BTreeMap::new();
    for (file, layer) in files {
        if file.sidecar().is_none() && file.classifier().is_none() && file.extension() == "pom" {
            packaging.insert(file.version(), layer.annotation(PACKAGING).unwrap_or("jar"));
        }
    }
    packaging
        .into_iter()
        .filter(|(version, packaging)| {
            let (extension, any_classifier) = main_artifact(packaging);
            extension == "pom"
                || files.iter().any(|(f, _)| {
                    f.version() == *version
                        && f.sidecar().is_none()
                        && f.extension() == extension
                        && (any_classifier || f.classifier().is_none())
                })
        })
        .map(|(version, _)| version.to_owned())
        .collect()
}

/// The complete builds of a GAV's layers (see [`complete_builds`]).
pub(super) fn complete_builds_of(package: &PackageId, base_version: &str, layers: &[Layer]) -> BTreeSet<String> {
    let files: Vec<(ArtifactFile, &Layer)> =
        layers.iter().filter_map(|l| file_of(package, base_version, l).map(|f| (f, l))).collect();
    complete_builds(&files)
}

/// Snapshot retention: the layers of `layers` left once only the newest `keep` complete timestamped
/// builds remain (0: keep every build). Files of plain `X-SNAPSHOT` builds are never dropped here.
pub(super) fn retain_snapshots(package: &PackageId, base_version: &str, layers: Vec<Layer>, keep: usize) -> Vec<Layer> {
    if keep == 0 {
        return layers;
    }
    let complete = complete_builds_of(package, base_version, &layers);
    let drop: BTreeSet<String> =
        arca_maven::snapshots_to_drop(complete.iter().map(String::as_str), keep).into_iter().collect();
    layers
        .into_iter()
        .filter(|l| file_of(package, base_version, l).is_none_or(|f| !drop.contains(f.version())))
        .collect()
}

/// The file a checksum sidecar is the checksum of: the artifact, or its `.asc`.
pub(super) fn checksummed(file: &ArtifactFile) -> ArtifactFile {
    match file.sidecar() {
        Some(Sidecar::SignatureChecksum(_)) => file.with_sidecar(Some(Sidecar::Signature)),
        _ => file.with_sidecar(None),
    }
}

/// A staged file's media type: the file's own, with its annotations as parameters
/// (`application/java-archive; dev.arca.maven.md5=…`), since a staged file keeps only a media type.
pub(super) fn staged_media_type(layer: &Layer) -> String {
    let mut out = layer.media_type.clone();
    for key in STAGED_KEYS {
        if let Some(value) = layer.annotation(key) {
            // `%` and `;` escaped: a POM's `<scm>` text may hold either.
            out.push_str(&format!("; {key}={}", value.replace('%', "%25").replace(';', "%3B")));
        }
    }
    out
}

/// The layer of a staged file (see [`staged_media_type`]).
pub(super) fn staged_layer(title: &str, digest: arca_types::Digest, size: u64, media_type: &str) -> Layer {
    let mut parts = media_type.split("; ");
    let media = parts.next().unwrap_or_default().to_owned();
    let mut annotations = BTreeMap::from([(TITLE.to_owned(), title.to_owned())]);
    for part in parts {
        if let Some((key, value)) = part.split_once('=')
            && STAGED_KEYS.contains(&key)
        {
            annotations.insert(key.to_owned(), value.replace("%3B", ";").replace("%25", "%"));
        }
    }
    Layer { media_type: media, digest, size, annotations }
}

/// A GAV's properties after a deploy: `previous` with the keys the deploy's request gave
/// (`given`, its matrix parameters) replaced by their values, then the provenance the newest POM
/// declares (`vcs.url`, `vcs.tag`) for the keys still missing. Sorted by key, then value.
pub(super) fn gav_properties(
    previous: Vec<(String, String)>,
    given: &[(String, String)],
    layers: &[Layer],
) -> Vec<(String, String)> {
    let mut properties: Vec<(String, String)> =
        previous.into_iter().filter(|(k, _)| !given.iter().any(|(g, _)| g == k)).collect();
    properties.extend(given.iter().cloned());
    let pom = layers.iter().rev().find(|l| l.annotation(TITLE).is_some_and(|t| t.ends_with(".pom")));
    for (annotation, key) in DECLARED {
        let declared = pom.and_then(|l| l.annotation(annotation));
        if let Some(value) = declared.filter(|_| !properties.iter().any(|(k, _)| k == key))
            && crate::registry::generic::check_property(key, value).is_ok()
        {
            properties.push((key.to_owned(), value.to_owned()));
        }
    }
    properties.sort();
    properties.dedup();
    properties
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hasher::digest_of;
    use arca_types::{DigestAlgorithm, Ecosystem};

    fn layer(title: &str, packaging: Option<&str>) -> Layer {
        let mut annotations = BTreeMap::from([(TITLE.to_owned(), title.to_owned())]);
        if let Some(p) = packaging {
            annotations.insert(PACKAGING.to_owned(), p.to_owned());
        }
        Layer {
            media_type: "application/octet-stream".into(),
            digest: digest_of(DigestAlgorithm::Sha256, title.as_bytes()),
            size: 1,
            annotations,
        }
    }

    fn package() -> PackageId {
        PackageId::parse(Ecosystem::Maven, "org.example:lib").unwrap()
    }

    #[test]
    fn a_gav_is_complete_with_its_pom_and_main_artifact() {
        let builds = |layers: &[Layer], base: &str| complete_builds_of(&package(), base, layers);
        let pom = layer("lib-1.0.pom", Some("jar"));
        assert!(builds(std::slice::from_ref(&pom), "1.0").is_empty());
        assert!(builds(&[layer("lib-1.0.jar", None)], "1.0").is_empty(), "a jar without its POM");
        assert!(builds(&[pom.clone(), layer("lib-1.0-sources.jar", None)], "1.0").is_empty());
        assert_eq!(builds(&[pom, layer("lib-1.0.jar", None)], "1.0"), BTreeSet::from(["1.0".to_owned()]));
        assert_eq!(builds(&[layer("lib-2.0.pom", Some("pom"))], "2.0").len(), 1);
        let blob = [layer("lib-3.0.pom", Some("tar.gz")), layer("lib-3.0-linux.tar.gz", None)];
        assert_eq!(builds(&blob, "3.0").len(), 1, "deploy-file's classified main artifact counts");
    }

    #[test]
    fn retention_keeps_the_newest_complete_builds() {
        let mut layers = Vec::new();
        for build in ["20261130.101010-1", "20261130.111010-2", "20261130.121010-3"] {
            layers.push(layer(&format!("lib-1.0-{build}.pom"), Some("jar")));
            layers.push(layer(&format!("lib-1.0-{build}.jar"), None));
        }
        layers.push(layer("lib-1.0-20261130.131010-4.pom", Some("jar")));
        let kept = retain_snapshots(&package(), "1.0-SNAPSHOT", layers.clone(), 2);
        let titles: Vec<&str> = kept.iter().filter_map(|l| l.annotation(TITLE)).collect();
        assert_eq!(titles.len(), 5, "{titles:?}");
        assert!(!titles.iter().any(|t| t.contains("101010-1.")), "{titles:?}");
        assert_eq!(retain_snapshots(&package(), "1.0-SNAPSHOT", layers.clone(), 0), layers);
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn properties_take_the_request_first_then_the_pom() {
        let mut pom = layer("lib-1.0.pom", Some("jar"));
        pom.annotations.insert(SCM.into(), "https://git.example/lib.git".into());
        pom.annotations.insert(SCM_TAG.into(), "v1.0".into());
        let layers = [pom, layer("lib-1.0.jar", None)];
        let previous = pairs(&[("vcs.revision", "old"), ("team", "a")]);
        let given = pairs(&[("vcs.revision", "new"), ("vcs.tag", "release-1")]);
        assert_eq!(
            gav_properties(previous, &given, &layers),
            pairs(&[
                ("team", "a"),
                ("vcs.revision", "new"),
                ("vcs.tag", "release-1"),
                ("vcs.url", "https://git.example/lib.git")
            ])
        );
        assert!(gav_properties(vec![], &[], &layers[1..]).is_empty(), "no POM, nothing declared");
    }

    #[test]
    fn staged_files_keep_their_annotations() {
        let mut l = layer("lib-1.0.pom", Some("jar"));
        l.annotations.insert(SHA1.into(), "ab".into());
        l.annotations.insert(SCM.into(), "svn://h/r;x=%41 ; y".into());
        let back = staged_layer("lib-1.0.pom", l.digest.clone(), 1, &staged_media_type(&l));
        assert_eq!(back, l);
    }
}
