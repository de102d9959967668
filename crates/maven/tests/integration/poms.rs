//! POMs: real ones (Debian's Maven repository, POMs embedded in published jars, what `mvn deploy`
//! generated), inheritance, expressions, plugin prefixes, and the check against the deploy path.

use crate::{file, fixture};
use arca_maven::{ErrorKind, Plugin, PluginDescriptor, Pom, goal_prefix_from_artifact_id};

fn pom(name: &str) -> Pom {
    Pom::parse(&fixture(&format!("poms/{name}"))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn coordinates(pom: &Pom) -> (String, String, String) {
    pom.coordinates().unwrap()
}

#[test]
fn real_poms_read_with_inheritance() {
    let cases = [
        ("guava.pom", ("com.google.guava", "guava", "33.4.0-jre"), "bundle"),
        ("slf4j-api.pom", ("org.slf4j", "slf4j-api", "1.7.36"), "jar"),
        ("netty-buffer.pom", ("io.netty", "netty-buffer", "4.1.118.Final"), "jar"),
        ("commons-lang3.pom", ("org.apache.commons", "commons-lang3", "3.14.0"), "jar"),
        ("jetty-quickstart.pom", ("org.eclipse.jetty", "jetty-quickstart", "9.4.57.v20241219"), "jar"),
        ("commons-io-2.11.0.pom", ("commons-io", "commons-io", "2.11.0"), "jar"),
        ("apache-29.pom", ("org.apache", "apache", "29"), "pom"),
        ("maven-deploy-plugin-3.0.0.pom", ("org.apache.maven.plugins", "maven-deploy-plugin", "3.0.0"), "maven-plugin"),
        ("greet-maven-plugin-1.0.0.pom", ("org.example.tb", "greet-maven-plugin", "1.0.0"), "maven-plugin"),
    ];
    for (name, (g, a, v), packaging) in cases {
        let pom = pom(name);
        assert_eq!(coordinates(&pom), (g.to_owned(), a.to_owned(), v.to_owned()), "{name}");
        assert_eq!(pom.packaging, packaging, "{name}");
    }
    let guava = pom("guava.pom");
    assert_eq!((guava.group_id.as_deref(), guava.version.as_deref()), (None, None), "both inherited");
    assert_eq!(guava.parent.as_ref().unwrap().artifact_id, "guava-parent");
    assert_eq!(guava.display_name(), "Guava: Google Core Libraries for Java");
}

#[test]
fn real_poms_check_against_their_paths() {
    pom("guava.pom").check_against(&file("com/google/guava/guava/33.4.0-jre/guava-33.4.0-jre.pom")).unwrap();
    let wrong_group = pom("guava.pom").check_against(&file("com/google/guava2/guava/33.4.0-jre/guava-33.4.0-jre.pom"));
    assert_eq!(wrong_group.unwrap_err().kind(), ErrorKind::Mismatch);
    let wrong_version = pom("slf4j-api.pom").check_against(&file("org/slf4j/slf4j-api/1.7.35/slf4j-api-1.7.35.pom"));
    let e = wrong_version.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Mismatch);
    assert_eq!(e.to_string(), "the POM's version is '1.7.36' but it was deployed as '1.7.35'");
    let snapshot = Pom::parse(&fixture("deploy/bodies/033_tb-demo-0.2.0-20261130.035510-2.pom")).unwrap();
    snapshot
        .check_against(&file("org/example/tb/tb-demo/0.2.0-SNAPSHOT/tb-demo-0.2.0-20261130.035510-2.pom"))
        .expect("a snapshot POM names its base version");
}

#[test]
fn expressions_in_coordinates() {
    let pom = |version: &str, extra: &str| {
        Pom::parse(
            format!(
                "<project><parent><groupId>p.g</groupId><artifactId>p</artifactId><version>7</version></parent>\
                 <artifactId>a</artifactId><version>{version}</version>{extra}</project>"
            )
            .as_bytes(),
        )
        .unwrap()
    };
    let v = |version: &str, extra: &str| pom(version, extra).coordinates().map(|c| c.2);
    assert_eq!(v("${revision}", "<properties><revision>1.2.3</revision></properties>").unwrap(), "1.2.3");
    assert_eq!(
        v(
            "${revision}${changelist}",
            "<properties><revision>1.2</revision><changelist>-SNAPSHOT</changelist></properties>"
        )
        .unwrap(),
        "1.2-SNAPSHOT"
    );
    assert_eq!(v("${project.parent.version}.1", "").unwrap(), "7.1");
    assert_eq!(v("${parent.version}", "").unwrap(), "7");
    assert_eq!(pom("1", "").coordinates().unwrap().0, "p.g");
    let unresolved = v("${revision}", "").unwrap_err();
    assert_eq!(unresolved.kind(), ErrorKind::Invalid);
    assert!(unresolved.to_string().contains("flattened POM"), "{unresolved}");
    assert_eq!(v("${a}", "<properties><a>${a}</a></properties>").unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(v("${unclosed", "").unwrap_err().kind(), ErrorKind::Invalid);
    let doubling = "<properties><a>${b}${b}${b}${b}</a><b>${c}${c}${c}${c}</b><c>${d}${d}${d}${d}</c>\
                    <d>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</d></properties>";
    assert_eq!(v("${a}", doubling).unwrap_err().kind(), ErrorKind::TooLarge, "expansion is bounded");
}

#[test]
fn incomplete_poms_are_refused() {
    let kind = |xml: &str| Pom::parse(xml.as_bytes()).unwrap_err().kind();
    assert_eq!(kind("<project><groupId>g</groupId><version>1</version></project>"), ErrorKind::Invalid);
    assert_eq!(kind("<project><artifactId>a</artifactId><version>1</version></project>"), ErrorKind::Invalid);
    assert_eq!(kind("<project><groupId>g</groupId><artifactId>a</artifactId></project>"), ErrorKind::Invalid);
    assert_eq!(
        kind("<project><artifactId>a</artifactId><parent><groupId>g</groupId></parent></project>"),
        ErrorKind::Invalid
    );
    assert_eq!(kind("<metadata><groupId>g</groupId></metadata>"), ErrorKind::Invalid);
    assert_eq!(kind("not xml"), ErrorKind::Invalid);
    let minimal =
        Pom::parse(b"<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version></project>").unwrap();
    assert_eq!((minimal.packaging.as_str(), minimal.display_name()), ("jar", "a"));
}

#[test]
fn plugin_prefixes_from_poms_and_descriptors() {
    assert_eq!(pom("slf4j-api.pom").plugin_entry(), None, "only maven-plugin packaging has a prefix");
    let deploy = pom("maven-deploy-plugin-3.0.0.pom").plugin_entry().unwrap();
    assert_eq!((deploy.prefix.as_str(), deploy.artifact_id.as_str()), ("deploy", "maven-deploy-plugin"));
    assert_eq!(deploy.name, "Apache Maven Deploy Plugin");
    let greet = pom("greet-maven-plugin-1.0.0.pom").plugin_entry().unwrap();
    assert_eq!(
        greet,
        Plugin {
            name: "Greeting Maven Plugin".into(),
            prefix: "greet".into(),
            artifact_id: "greet-maven-plugin".into()
        }
    );

    // What maven-plugin-plugin wrote into the jar says the same.
    let descriptor = PluginDescriptor::parse(&fixture("metadata/greet-maven-plugin.plugin.xml")).unwrap();
    assert_eq!(descriptor.plugin_entry(), greet);
    assert_eq!(descriptor.group_id, "org.example.tb");
    let upstream = PluginDescriptor::parse(&fixture("metadata/maven-deploy-plugin.plugin.xml")).unwrap();
    assert_eq!((upstream.goal_prefix.as_str(), upstream.artifact_id.as_str()), ("deploy", "maven-deploy-plugin"));
    assert_eq!(goal_prefix_from_artifact_id(&upstream.artifact_id), upstream.goal_prefix);

    let configured = Pom::parse(
        b"<project><groupId>g</groupId><artifactId>odd-maven-plugin</artifactId><version>1</version>\
          <packaging>maven-plugin</packaging><build><pluginManagement><plugins><plugin>\
          <artifactId>maven-plugin-plugin</artifactId><configuration><goalPrefix>custom</goalPrefix></configuration>\
          </plugin></plugins></pluginManagement></build></project>",
    )
    .unwrap();
    assert_eq!(configured.plugin_entry().unwrap().prefix, "custom");
    assert!(PluginDescriptor::parse(b"<plugin><groupId>g</groupId><artifactId>a</artifactId></plugin>").is_err());
}
