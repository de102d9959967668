//! How to get a version with its format's own client: the exact command (or snippet) a version page
//! shows. Pure; the base URL is the one the browser reached the server at.

use arca_core::meta::Format;
use arca_types::OciName;

/// The command (or build-file snippet) that fetches `version` of `name` from a `format` repository
/// served at `base` (`http://host:port`).
pub fn command(format: Format, base: &str, name: &OciName, tag: &str) -> String {
    let repo = name.repository.as_str();
    let host = base.split_once("://").map_or(base, |(_, host)| host);
    let package = format.package_from_stored(name.package.as_str());
    let version = format.tag_version(tag);
    match format {
        Format::Oci => format!("docker pull {host}/{repo}/{package}:{tag}"),
        Format::Generic => format!("arca pull {repo}/{package}@{version}"),
        Format::Pypi => format!("pip install --index-url {base}/pypi/{repo}/simple/ '{package}=={version}'"),
        Format::Npm => format!("npm install --registry {base}/npm/{repo}/ '{package}@{version}'"),
        Format::Cargo => format!(
            "# ~/.cargo/config.toml\n[registries.{repo}]\nindex = \"sparse+{base}/cargo/{repo}/index/\"\n\n\
             cargo add {package}@{version} --registry {repo}"
        ),
        Format::Maven => {
            let (group, artifact) = package.split_once(':').unwrap_or(("", package.as_str()));
            format!(
                "<!-- repository: {base}/maven/{repo}/ -->\n<dependency>\n  <groupId>{group}</groupId>\n  \
                 <artifactId>{artifact}</artifactId>\n  <version>{version}</version>\n</dependency>"
            )
        }
    }
}

/// The command that fetches a manifest by digest (a referrer: a signature, an SBOM, an attestation):
/// an OCI artifact under `/v2/` whatever the repository's format.
pub fn by_digest(base: &str, name: &OciName, digest: &arca_types::Digest) -> String {
    let host = base.split_once("://").map_or(base, |(_, host)| host);
    format!("oras pull {host}/{}/{}@{digest}", name.repository, name.package)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_types::{PackageName, RepoName};

    fn name(repo: &str, package: &str) -> OciName {
        OciName::new(RepoName::parse(repo).unwrap(), PackageName::parse(package).unwrap())
    }

    #[test]
    fn each_format_gets_its_own_client() {
        let base = "http://127.0.0.1:8080";
        assert_eq!(
            command(Format::Oci, base, &name("dev", "team/app"), "1.0"),
            "docker pull 127.0.0.1:8080/dev/team/app:1.0"
        );
        assert_eq!(command(Format::Generic, base, &name("rel", "team/tool"), "1.4.0"), "arca pull rel/team/tool@1.4.0");
        assert_eq!(
            command(Format::Pypi, base, &name("py", "requests"), "2.0"),
            "pip install --index-url http://127.0.0.1:8080/pypi/py/simple/ 'requests==2.0'"
        );
        assert_eq!(
            command(Format::Npm, base, &name("js", "scope/left-pad"), "1.0.0_build"),
            "npm install --registry http://127.0.0.1:8080/npm/js/ '@scope/left-pad@1.0.0+build'"
        );
        assert!(
            command(Format::Cargo, base, &name("crates", "serde"), "1.0.0")
                .ends_with("cargo add serde@1.0.0 --registry crates")
        );
        let maven = command(Format::Maven, base, &name("mvn", "org/example/lib"), "1.2");
        assert!(maven.contains("<groupId>org.example</groupId>") && maven.contains("<artifactId>lib</artifactId>"));
        assert!(maven.contains("<version>1.2</version>") && maven.contains("/maven/mvn/"));
    }
}
