//! The real Maven (3.8.7, Debian's plugins from `/usr/share/maven-repo`, no network) against a
//! server with auth on, through an arca token as the `<server>` password: `mvn deploy` of a
//! library as a release (twice: the second is refused with the reason phrase shown) and as a
//! SNAPSHOT (twice: a new timestamped build), the release found by search from its deployment URL's
//! matrix parameters and its POM's `<scm>`, `mvn deploy:deploy-file`, and a consumer resolving
//! both from arca alone into a fresh local repository with checksum policy `fail` on arca's
//! repositories (`-C` cannot be used: Debian's file mirror has no checksum files at all).

use crate::auth::{auth_settings, setup};
use crate::support::{ok, run, text};
use arca_core::audit::Actor;
use arca_core::auth::Permission;
use arca_core::meta::Format;
use arca_core::registry::NewRepository;
use arca_server::testing::TestServer;
use arca_types::RepoName;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

const GROUP: &str = "org.example.tb";

fn settings(dir: &Path, local: &Path, token: &str) -> std::path::PathBuf {
    let path = dir.join("settings.xml");
    let server =
        |id: &str| format!("<server><id>{id}</id><username>ci</username><password>{token}</password></server>");
    std::fs::write(
        &path,
        format!(
            "<settings><localRepository>{}</localRepository>\
             <mirrors><mirror><id>debian</id><mirrorOf>*,!arca,!arca-snapshots</mirrorOf>\
             <url>file:///usr/share/maven-repo</url></mirror></mirrors>\
             <servers>{}{}</servers></settings>",
            local.display(),
            server("arca"),
            server("arca-snapshots")
        ),
    )
    .unwrap();
    path
}

fn pom(artifact: &str, version: &str, extra: &str) -> String {
    format!(
        "<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>\
         <groupId>{GROUP}</groupId><artifactId>{artifact}</artifactId><version>{version}</version>\
         <properties><maven.compiler.source>17</maven.compiler.source><maven.compiler.target>17</maven.compiler.target>\
         <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>{extra}</project>"
    )
}

fn mvn(dir: &Path, settings: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("mvn");
    cmd.current_dir(dir).arg("-B").arg("-s").arg(settings).args(args).stdin(Stdio::null());
    cmd.env_remove("MAVEN_OPTS").env("HOME", dir);
    cmd
}

fn library(dir: &Path, version: &str, greeting: &str) {
    let src = dir.join("lib/src/main/java/org/example/tb");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("Hello.java"),
        format!(
            "package org.example.tb; public class Hello {{ public static String hello() {{ return \"{greeting}\"; }} }}"
        ),
    )
    .unwrap();
    let scm = "<scm><connection>scm:git:https://git.example/tb/demo.git</connection></scm>";
    std::fs::write(dir.join("lib/pom.xml"), pom("tb-demo", version, scm)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mvn_deploys_releases_and_snapshots_and_a_consumer_resolves_them_from_arca() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = setup(dir.path()).await;
    for repo in ["mvn-releases", "mvn-snapshots"] {
        let new = NewRepository::new(RepoName::parse(repo).unwrap(), Format::Maven);
        app.registry.create_repository(new, &Actor::system()).await.unwrap();
    }
    let scopes = vec![
        Permission::parse("mvn-releases:read,publish").unwrap(),
        Permission::parse("mvn-snapshots:read,publish").unwrap(),
    ];
    let admin = Permission::parse("*:admin").unwrap();
    app.auth.add_user(&Actor::system(), "ci", Some("ci-password-for-tests"), vec![admin]).await.unwrap();
    let token = app.auth.create_token(&Actor::system(), "ci", "ci", scopes, None).await.unwrap().text;
    drop(app);
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let releases = format!("{}/maven/mvn-releases", server.url());
    let snapshots = format!("{}/maven/mvn-snapshots", server.url());
    let deployer = settings(&work, &work.join("m2-deploy"), &token);
    // Artifactory's matrix parameters on the deployment URL: the build's provenance.
    let to_releases = format!("-DaltDeploymentRepository=arca::default::{releases};vcs.revision=c0ffee42;build.id=7");
    let to_snapshots = format!("-DaltDeploymentRepository=arca-snapshots::default::{snapshots}");

    // A release, deployed; deployed again with other bytes: refused, the reason shown by mvn.
    library(&work, "0.1.0", "hello from arca");
    ok(mvn(&work.join("lib"), &deployer, &["-q", "deploy", &to_releases])).await;
    library(&work, "0.1.0", "other bytes");
    let again = run(mvn(&work.join("lib"), &deployer, &["deploy", &to_releases])).await;
    assert!(!again.status.success(), "a second release deploy must fail");
    let log = text(&again);
    assert!(log.contains("409") && log.contains("is immutable"), "{log}");
    // Found by the commit it was built from, with the repository its POM names.
    let http = reqwest::Client::new();
    let search = format!("{}/api/v1/search?property=vcs.revision=c0ffee42", server.url());
    let found: Value = http.get(search).basic_auth("ci", Some(&token)).send().await.unwrap().json().await.unwrap();
    let hit = &found["results"][0];
    assert_eq!((hit["package"].as_str(), hit["version"].as_str()), (Some("org/example/tb/tb-demo"), Some("0.1.0")));
    assert_eq!(hit["properties"]["vcs.url"][0], "https://git.example/tb/demo.git", "{found}");
    assert_eq!(hit["properties"]["build.id"][0], "7", "{found}");

    // A SNAPSHOT, twice: two timestamped builds, the metadata pointing at the second.
    library(&work, "0.2.0-SNAPSHOT", "hello from a snapshot");
    for _ in 0..2 {
        ok(mvn(&work.join("lib"), &deployer, &["-q", "deploy", &to_snapshots])).await;
    }
    let snap = http
        .get(format!("{snapshots}/org/example/tb/tb-demo/0.2.0-SNAPSHOT/maven-metadata.xml"))
        .basic_auth("ci", Some(&token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(snap.contains("<buildNumber>2</buildNumber>"), "{snap}");

    // deploy:deploy-file: no project, packaging bin.
    std::fs::write(work.join("blob.bin"), vec![42u8; 4096]).unwrap();
    let deploy_file = [
        "-q",
        "deploy:deploy-file",
        "-Dfile=blob.bin",
        "-DgroupId=org.example.tb",
        "-DartifactId=raw-blob",
        "-Dversion=1.0",
        "-Dpackaging=bin",
        "-DrepositoryId=arca",
    ];
    let url = format!("-Durl={releases}");
    let mut args = deploy_file.to_vec();
    args.push(&url);
    ok(mvn(&work, &deployer, &args)).await;
    let blob = http
        .get(format!("{releases}/org/example/tb/raw-blob/1.0/raw-blob-1.0.bin"))
        .basic_auth("ci", Some(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(blob.status(), 200);
    assert_eq!(blob.bytes().await.unwrap().len(), 4096);

    // A consumer resolves both from arca alone: a fresh local repository, checksums enforced.
    let app_dir = work.join("app");
    std::fs::create_dir_all(app_dir.join("src/main/java/c")).unwrap();
    std::fs::write(
        app_dir.join("src/main/java/c/Main.java"),
        "package c; public class Main { public static void main(String[] a){ System.out.println(org.example.tb.Hello.hello()); } }",
    )
    .unwrap();
    for (version, expected) in [("0.1.0", "hello from arca"), ("0.2.0-SNAPSHOT", "hello from a snapshot")] {
        let local = work.join(format!("m2-consumer-{version}"));
        let consumer = settings(&app_dir, &local, &token);
        let strict = "<checksumPolicy>fail</checksumPolicy>";
        let repositories = format!(
            "<repositories>\
             <repository><id>arca</id><url>{releases}</url><releases>{strict}</releases><snapshots><enabled>false</enabled></snapshots></repository>\
             <repository><id>arca-snapshots</id><url>{snapshots}</url><releases><enabled>false</enabled></releases>\
             <snapshots><enabled>true</enabled>{strict}</snapshots></repository></repositories>\
             <dependencies><dependency><groupId>{GROUP}</groupId><artifactId>tb-demo</artifactId><version>{version}</version></dependency>\
             <dependency><groupId>{GROUP}</groupId><artifactId>raw-blob</artifactId><version>1.0</version><type>bin</type></dependency></dependencies>"
        );
        std::fs::write(app_dir.join("pom.xml"), pom("tb-app", "1.0", &repositories)).unwrap();
        ok(mvn(&app_dir, &consumer, &["-q", "-U", "compile"])).await;
        let jar = std::fs::read_dir(local.join(format!("org/example/tb/tb-demo/{version}")))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "jar"))
            .expect("the library's jar in the local repository");
        let classpath = format!("{}:{}", app_dir.join("target/classes").display(), jar.display());
        let mut java = Command::new("java");
        java.args(["-cp", &classpath, "c.Main"]);
        assert_eq!(ok(java).await.trim(), expected);
    }
}
