//! SLSA provenance v1 and v0.2 normalised into one shape.

use arca_trust::Statement;
use arca_trust::dsse::Envelope;
use arca_trust::slsa::{Provenance, SlsaVersion};

use crate::fixture;

#[test]
fn github_attest_build_provenance_v1() {
    let statement = Statement::parse(&fixture("slsa/github-attest-build-provenance.v1.json")).unwrap();
    let p = Provenance::from_statement(&statement).unwrap();
    assert_eq!(p.version, SlsaVersion::V1);
    assert_eq!(p.builder_id, "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.2.3");
    assert_eq!(p.build_type, "https://actions.github.io/buildtypes/workflow/v1");
    assert_eq!(p.source_repository.as_deref(), Some("https://github.com/example/app"));
    assert_eq!(p.source_ref.as_deref(), Some("refs/tags/v1.2.3"));
    assert_eq!(p.commit.as_deref(), Some("2a6b879b7a5ef59d7fb348d0b5d14314538ac0a6"));
    assert_eq!(p.entry_point.as_deref(), Some(".github/workflows/release.yml"));
    assert_eq!(p.invocation_id.as_deref(), Some("https://github.com/example/app/actions/runs/24177081968/attempts/1"));
    assert_eq!(
        (p.started_on.as_deref(), p.finished_on.as_deref()),
        (Some("2026-04-09T07:20:00Z"), Some("2026-04-09T07:23:29Z"))
    );
    assert_eq!(p.materials.len(), 1);
}

#[test]
fn slsa_github_generator_v02() {
    let statement = Statement::parse(&fixture("slsa/slsa-github-generator-container.v02.json")).unwrap();
    let p = Provenance::from_statement(&statement).unwrap();
    assert_eq!(p.version, SlsaVersion::V02);
    assert!(p.builder_id.contains("generator_container_slsa3.yml@refs/tags/v2.1.0"));
    assert_eq!(p.build_type, "https://github.com/slsa-framework/slsa-github-generator/container@v1");
    assert_eq!(p.source_repository.as_deref(), Some("https://github.com/example/app"));
    assert_eq!(p.source_ref.as_deref(), Some("refs/heads/main"));
    assert_eq!(p.commit.as_deref(), Some("29cff3dd65f780c3601bd457acb6fe4e5931c825"));
    assert_eq!(p.entry_point.as_deref(), Some(".github/workflows/build.yml"));
    assert_eq!(p.invocation_id.as_deref(), Some("3024091546-1"));
    assert_eq!(p.materials[0].digest, vec![("sha1".to_owned(), "29cff3dd65f780c3601bd457acb6fe4e5931c825".to_owned())]);
}

#[test]
fn npm_provenance_v02_from_a_published_bundle() {
    let bundle: serde_json::Value = serde_json::from_slice(&fixture("sigstore-rs/dsse-2sigs.trimmed.json")).unwrap();
    let envelope = Envelope::parse(bundle["dsseEnvelope"].to_string().as_bytes()).unwrap();
    let statement = Statement::parse(&envelope.payload).unwrap();
    assert_eq!(statement.type_, arca_trust::intoto::STATEMENT_V01);
    let p = Provenance::from_statement(&statement).unwrap();
    assert_eq!(p.builder_id, "https://github.com/npm/slsa-provenance@0.0.1");
    assert_eq!(p.source_repository.as_deref(), Some("https://github.com/github/slsa-provenance"));
    assert_eq!(p.commit.as_deref(), Some("29cff3dd65f780c3601bd457acb6fe4e5931c825"));
    assert_eq!(p.invocation_id.as_deref(), Some("3024091546-4"));
    // Its only subject digest is sha512: sha256 matching must not accept it.
    assert!(!statement.covers("bbfd372fc9beeb777fe35d05bb10c0c70a9733d366a75fed7dd18866c7391de3"));
}
