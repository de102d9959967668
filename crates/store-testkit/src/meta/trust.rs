//! Supply-chain storage: trust roots per repository (audited), cached attachment verdicts per set of
//! roots, the component index and its searches, advisories (newer versions replace older ones and are
//! evaluated again) and findings (replaced, keeping when each was first found).

use super::*;
use arca_core::meta::{
    AttachmentVerdict, ComponentQuery, Finding, IndexedComponent, StoredAdvisory, TrustRoot, TrustRootKind,
};

fn root(name: &str, fingerprint: &str) -> TrustRoot {
    TrustRoot {
        name: name.to_owned(),
        kind: TrustRootKind::CosignKey,
        material: format!("-----BEGIN PUBLIC KEY-----\n{name}\n-----END PUBLIC KEY-----\n"),
        fingerprint: fingerprint.to_owned(),
        created_at: T0,
    }
}

pub(super) async fn trust_roots_are_kept_per_repository_and_audited(store: &dyn MetaStore) {
    create_repositories(store, &["dev", "prod"]).await;
    let dev = RepoName::parse("dev").unwrap();
    let head = store.audit_head().await.unwrap().seq;
    assert!(store.put_trust_root(&dev, &root("release", "sha256:aa"), &audit("trust_root.put")).await.unwrap());
    assert!(
        !store.put_trust_root(&dev, &root("release", "sha256:aa"), &audit("trust_root.put")).await.unwrap(),
        "the same root again changes nothing"
    );
    assert!(store.put_trust_root(&dev, &root("release", "sha256:bb"), &audit("trust_root.put")).await.unwrap());
    assert!(store.put_trust_root(&dev, &root("ci", "sha256:cc"), &audit("trust_root.put")).await.unwrap());
    let names: Vec<String> = store.trust_roots(&dev).await.unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["ci", "release"]);
    assert_eq!(store.trust_roots(&dev).await.unwrap()[1].fingerprint, "sha256:bb");
    assert!(store.trust_roots(&RepoName::parse("prod").unwrap()).await.unwrap().is_empty());
    assert!(store.delete_trust_root(&dev, "ci", &audit("trust_root.delete")).await.unwrap());
    assert!(!store.delete_trust_root(&dev, "ci", &audit("trust_root.delete")).await.unwrap());
    assert_eq!(store.audit_head().await.unwrap().seq, head + 4, "each change audited once, no-ops not at all");
}

fn verdict(attachment: &str, roots: &str, subject: &Digest, verdict: &str) -> AttachmentVerdict {
    AttachmentVerdict {
        attachment: digest(attachment),
        roots: roots.to_owned(),
        subject: subject.clone(),
        kind: "cosign-signature".to_owned(),
        verdict: verdict.to_owned(),
        facts: "{}".to_owned(),
        at: T0,
    }
}

pub(super) async fn attachment_verdicts_are_cached_per_set_of_roots(store: &dyn MetaStore) {
    let subject = digest("image");
    let first = [verdict("sig", "roots-1", &subject, r#"{"verdict":"untrusted_key","signer":"k"}"#)];
    store.put_attachment_verdicts(&first).await.unwrap();
    store
        .put_attachment_verdicts(&[verdict("sig", "roots-2", &subject, r#"{"verdict":"valid","signer":"k"}"#)])
        .await
        .unwrap();
    assert_eq!(store.attachment_verdicts(&subject, "roots-1").await.unwrap(), first);
    let second = store.attachment_verdicts(&subject, "roots-2").await.unwrap();
    assert_eq!(second.len(), 1);
    assert!(second[0].verdict.contains("valid"));
    store
        .put_attachment_verdicts(&[verdict("sig", "roots-1", &subject, r#"{"verdict":"invalid","reason":"x"}"#)])
        .await
        .unwrap();
    let again = store.attachment_verdicts(&subject, "roots-1").await.unwrap();
    assert_eq!(again.len(), 1, "replaced, not added");
    assert!(again[0].verdict.contains("invalid"));
    assert!(store.attachment_verdicts(&digest("other"), "roots-1").await.unwrap().is_empty());
}

fn component(name: &str, version: &str, ecosystem: &str, licenses: &[&str]) -> IndexedComponent {
    IndexedComponent {
        name: name.to_owned(),
        version: Some(version.to_owned()),
        purl: Some(format!("pkg:{}/{name}", ecosystem.to_lowercase())),
        ecosystem: Some(ecosystem.to_owned()),
        osv_name: Some(name.to_owned()),
        licenses: strings(licenses),
    }
}

pub(super) async fn components_are_indexed_per_sbom_and_found_by_purl_name_and_license(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let image = manifest("dev/app", "image");
    put(store, &image, Some(immutable("1.0"))).await;
    let subject = &image.record.digest;
    let sbom = digest("sbom");
    assert!(!store.has_sbom(subject).await.unwrap());
    store.put_components(subject, &sbom, &[]).await.unwrap();
    assert!(store.has_sbom(subject).await.unwrap(), "an SBOM listing nothing still counts as indexed");
    assert!(store.sbom_indexed(subject, &sbom).await.unwrap());
    assert!(store.components(subject).await.unwrap().is_empty());

    let lodash = component("lodash", "4.17.20", "npm", &["MIT"]);
    let jinja = component("jinja2", "2.11.2", "PyPI", &["BSD-3-Clause", "MIT"]);
    store.put_components(subject, &sbom, &[lodash.clone(), jinja.clone()]).await.unwrap();
    store.put_components(subject, &digest("sbom-2"), std::slice::from_ref(&lodash)).await.unwrap();
    assert_eq!(store.components(subject).await.unwrap(), [jinja.clone(), lodash.clone()], "deduplicated");

    let find =
        |q: ComponentQuery| async move { store.find_components(&ComponentQuery { limit: 10, ..q }).await.unwrap() };
    let hits = find(ComponentQuery { purl: Some("pkg:npm/lodash".into()), ..Default::default() }).await;
    assert_eq!(hits.len(), 1, "one version, whichever SBOMs list it");
    assert_eq!(
        (hits[0].repository.as_str(), hits[0].package.as_str(), hits[0].version.as_str()),
        ("dev", "app", "1.0")
    );
    assert_eq!(hits[0].component, lodash);
    let by_version = find(ComponentQuery {
        purl: Some("pkg:npm/lodash".into()),
        version: Some("4.17.21".into()),
        ..Default::default()
    });
    assert!(by_version.await.is_empty());
    assert_eq!(find(ComponentQuery { license: Some("BSD-3-Clause".into()), ..Default::default() }).await.len(), 1);
    assert_eq!(find(ComponentQuery { license: Some("BSD".into()), ..Default::default() }).await.len(), 0, "whole ids");
    assert_eq!(find(ComponentQuery { license: Some("MIT".into()), ..Default::default() }).await.len(), 2);
    let elsewhere = ComponentQuery { name: Some("lodash".into()), repositories: Some(vec![]), ..Default::default() };
    assert!(find(elsewhere).await.is_empty(), "narrowed to the readable repositories");

    let of_package = store.components_of_package("npm", "lodash").await.unwrap();
    assert_eq!(of_package, [(subject.clone(), lodash)]);
    assert!(store.components_of_package("PyPI", "lodash").await.unwrap().is_empty());
}

fn advisory(id: &str, modified: &str) -> StoredAdvisory {
    StoredAdvisory {
        id: id.to_owned(),
        modified: modified.to_owned(),
        record: format!(r#"{{"id":"{id}","modified":"{modified}"}}"#),
        packages: vec![("npm".to_owned(), "lodash".to_owned())],
    }
}

fn finding(subject: &Digest, advisory: &str, at: Millis) -> Finding {
    Finding {
        subject: subject.clone(),
        advisory: advisory.to_owned(),
        package: "pkg:npm/lodash@4.17.20".to_owned(),
        installed: "4.17.20".to_owned(),
        fixed: Some("4.17.21".to_owned()),
        severity: "high".to_owned(),
        score: Some("7.5".to_owned()),
        found_at: at,
    }
}

pub(super) async fn advisories_are_replaced_by_newer_versions_and_findings_keep_their_first_time(
    store: &dyn MetaStore,
) {
    assert_eq!(store.put_advisories(&[advisory("GHSA-1", "2026-01-01T00:00:00Z")], T0).await.unwrap(), 1);
    assert_eq!(store.put_advisories(&[advisory("GHSA-1", "2026-01-01T00:00:00Z")], T0).await.unwrap(), 0, "same");
    assert_eq!(store.advisories_for("npm", "lodash").await.unwrap().len(), 1);
    assert_eq!(store.advisories_to_evaluate(10).await.unwrap().len(), 1);

    let subject = digest("image");
    let new = store.settle_advisory("GHSA-1", &[finding(&subject, "GHSA-1", T0)]).await.unwrap();
    assert_eq!(new.len(), 1);
    assert!(store.advisories_to_evaluate(10).await.unwrap().is_empty(), "evaluated");
    assert_eq!(store.put_advisories(&[advisory("GHSA-1", "2026-02-01T00:00:00Z")], T0).await.unwrap(), 1, "newer");
    assert_eq!(store.advisories_to_evaluate(10).await.unwrap().len(), 1, "to evaluate again");
    let again = store.settle_advisory("GHSA-1", &[finding(&subject, "GHSA-1", T0 + 5)]).await.unwrap();
    assert!(again.is_empty(), "not new");
    assert_eq!(store.findings(&subject).await.unwrap()[0].found_at, T0, "first found at, kept");

    let new = store.replace_findings(&subject, &[finding(&subject, "GHSA-2", T0 + 9)]).await.unwrap();
    assert_eq!(new.iter().map(|f| f.advisory.as_str()).collect::<Vec<_>>(), ["GHSA-2"]);
    assert_eq!(store.findings(&subject).await.unwrap().len(), 1, "replaced: GHSA-1 no longer applies");
    assert_eq!(store.advisory_count().await.unwrap(), 1);
}

pub(super) async fn forgetting_sboms_keeps_only_those_still_attached(store: &dyn MetaStore) {
    let subject = digest("image");
    let lodash = component("lodash", "4.17.20", "npm", &["MIT"]);
    let jinja = component("jinja2", "2.11.2", "PyPI", &["BSD-3-Clause"]);
    store.put_components(&subject, &digest("sbom-a"), std::slice::from_ref(&lodash)).await.unwrap();
    store.put_components(&subject, &digest("sbom-b"), std::slice::from_ref(&jinja)).await.unwrap();
    assert_eq!(store.forget_sboms_except(&subject, &[digest("sbom-a"), digest("sbom-b")]).await.unwrap(), 0);
    assert_eq!(store.forget_sboms_except(&subject, &[digest("sbom-a")]).await.unwrap(), 1);
    assert_eq!(store.components(&subject).await.unwrap(), [lodash]);
    assert_eq!(store.forget_sboms_except(&subject, &[]).await.unwrap(), 1);
    assert!(!store.has_sbom(&subject).await.unwrap(), "nothing attached: not scanned any more");
}

pub(super) async fn facts_of_artifacts_deleted_everywhere_are_forgotten(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let kept = manifest("dev/app", "kept");
    put(store, &kept, Some(immutable("1.0"))).await;
    let gone = digest("deleted long ago");
    for subject in [&kept.record.digest, &gone] {
        store.put_components(subject, &digest("sbom"), &[component("lodash", "1.0.0", "npm", &[])]).await.unwrap();
        store.replace_findings(subject, &[finding(subject, "GHSA-1", T0)]).await.unwrap();
    }
    let v = verdict("sig", "roots", &gone, r#"{"verdict":"valid","signer":"k"}"#);
    store.put_attachment_verdicts(&[v]).await.unwrap();
    assert_eq!(
        store.forget_orphans().await.unwrap(),
        4,
        "the deleted artifact's SBOM (its marker and component), finding, verdict"
    );
    assert!(!store.has_sbom(&gone).await.unwrap());
    assert!(store.findings(&gone).await.unwrap().is_empty());
    assert!(store.attachment_verdicts(&gone, "roots").await.unwrap().is_empty());
    assert!(store.has_sbom(&kept.record.digest).await.unwrap(), "what a repository holds stays");
    assert_eq!(store.findings(&kept.record.digest).await.unwrap().len(), 1);
}
