//! Promotion's storage: copying an artifact's pointers into another package (children, referrers,
//! cosign's tags, blob links; no bytes), the history of promotions and rollbacks, approvals and
//! deployments.

use super::*;
use arca_core::meta::{NewPromotion, PromotionKind};

/// An index in `name` listing `children` (already recorded there).
fn index(name: &str, seed: &str, children: &[&Digest]) -> NewManifest {
    let mut m = manifest(name, seed);
    m.record.media_type = "application/vnd.oci.image.index.v1+json".to_owned();
    m.references = children.iter().map(|d| ((*d).clone(), RefKind::Manifest)).collect();
    m
}

/// Records the config and layer blobs of `manifest(…, seed)`.
async fn record_parts(store: &dyn MetaStore, name: &str, seed: &str) {
    for part in ["config", "layer"] {
        let d = digest(&format!("{seed}/{part}"));
        store.record_blob(&d, 10, Some(&oci_name(name)), T0).await.expect("record_blob");
    }
}

pub(super) async fn copying_an_artifact_brings_its_children_referrers_and_blobs(store: &dyn MetaStore) {
    create_repositories(store, &["dev", "prod"]).await;
    let child = manifest("dev/app", "amd64");
    record_parts(store, "dev/app", "amd64").await;
    put(store, &child, None).await;
    let top = index("dev/app", "multi", &[&child.record.digest]);
    put(store, &top, Some(immutable("1.0"))).await;
    let sbom = referrer("dev/app", "sbom", &top.record.digest, "application/spdx+json");
    put(store, &sbom, None).await;
    let signature_of_sbom = referrer("dev/app", "sbom-sig", &sbom.record.digest, "application/vnd.dev.cosign");
    put(store, &signature_of_sbom, None).await;
    let cosign = manifest("dev/app", "cosign-sig");
    let cosign_tag = format!("sha256-{}.sig", top.record.digest.hex());
    put(store, &cosign, Some(mutable(&cosign_tag))).await;
    let unrelated = manifest("dev/app", "unrelated");
    put(store, &unrelated, Some(immutable("2.0"))).await;

    let (dev, prod) = (oci_name("dev/app"), oci_name("prod/app"));
    let mut work = store.begin().await.expect("begin");
    let copied = work.copy_artifact(&dev, &prod, &top.record.digest, T0 + 1).await.expect("copy_artifact");
    work.commit().await.expect("commit");
    assert_eq!((copied.manifests, copied.new), (5, 5), "index, child, SBOM, its signature, cosign's");
    for m in [&top, &child, &sbom, &signature_of_sbom, &cosign] {
        assert_eq!(by_digest(store, "prod/app", &m.record.digest).await, Some(m.record.clone()), "copied as it was");
    }
    assert_eq!(by_digest(store, "prod/app", &unrelated.record.digest).await, None, "only what travels with it");
    assert_eq!(by_tag(store, "prod/app", &cosign_tag).await, Some(cosign.record.clone()), "cosign's tag too");
    assert_eq!(by_tag(store, "prod/app", "1.0").await, None, "the caller points the version's tag");
    let layer = digest("amd64/layer");
    assert_eq!(store.linked_blob_size(&prod, &layer).await.expect("linked"), Some(10), "blobs linked");
    let referrers = store.referrers(&prod, &top.record.digest).await.expect("referrers");
    assert_eq!(referrers, vec![sbom.record.clone()]);

    let mut work = store.begin().await.expect("begin");
    let again = work.copy_artifact(&dev, &prod, &top.record.digest, T0 + 2).await.expect("again");
    assert_eq!((again.manifests, again.new), (5, 0), "nothing new the second time");
    let missing = work.copy_artifact(&dev, &prod, &digest("nothing"), T0).await;
    expect_error(missing, ErrorKind::ManifestUnknown, "copying what the source lacks");
}

fn promotion(
    kind: PromotionKind,
    target: &str,
    digest: &Digest,
    previous: Option<&Digest>,
    at: Millis,
) -> NewPromotion {
    NewPromotion {
        kind,
        release: None,
        source: (kind == PromotionKind::Promote).then(|| arca_types::RepoName::parse("dev").expect("name")),
        target: oci_name(target),
        version: Some("1.0".into()),
        digest: digest.clone(),
        previous: previous.cloned(),
        actor: "tester".into(),
        verdicts: r#"[{"gate":"approvals=1","passed":true,"reason":"alice"}]"#.into(),
        approvers: vec!["alice".into()],
        at,
    }
}

pub(super) async fn promotions_approvals_and_deployments_round_trip(store: &dyn MetaStore) {
    create_repositories(store, &["dev", "staging", "prod"]).await;
    let (a, b) = (digest("a"), digest("b"));
    let records = [
        promotion(PromotionKind::Promote, "staging/app", &a, None, T0),
        promotion(PromotionKind::Promote, "prod/app", &a, None, T0 + 10),
        promotion(PromotionKind::Promote, "prod/app", &b, Some(&a), T0 + 20),
        promotion(PromotionKind::Rollback, "prod/app", &a, Some(&b), T0 + 30),
    ];
    let mut ids = Vec::new();
    for record in &records {
        let mut work = store.begin().await.expect("begin");
        ids.push(work.record_promotion(record, &audit("promotion")).await.expect("record_promotion"));
        work.commit().await.expect("commit");
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow: {ids:?}");
    let history = store.promotions(&oci_name("prod/app"), 10).await.expect("promotions");
    let got: Vec<&NewPromotion> = history.iter().map(|r| &r.promotion).collect();
    assert_eq!(got, [&records[3], &records[2], &records[1]], "newest first, every field kept");
    assert_eq!(store.promotions(&oci_name("prod/app"), 1).await.expect("limit").len(), 1);
    let current = store.current_promotions("app").await.expect("current_promotions");
    let current: Vec<(String, Digest)> =
        current.into_iter().map(|r| (r.promotion.target.repository.to_string(), r.promotion.digest)).collect();
    assert_eq!(current, [("prod".into(), a.clone()), ("staging".into(), a.clone())]);
    assert_eq!(store.arrived(&oci_name("prod/app"), &a).await.expect("arrived"), Some(T0 + 30), "the newest");
    assert_eq!(store.arrived(&oci_name("prod/app"), &digest("other")).await.expect("arrived"), None);
    let dev = arca_types::RepoName::parse("dev").expect("name");
    assert_eq!(store.promotions_touching(&dev, T0 + 15).await.expect("touching").len(), 1, "out of dev since then");

    let prod = oci_name("prod/app");
    assert!(store.approve(&prod, &b, "alice", T0, &audit("approve")).await.expect("approve"));
    assert!(!store.approve(&prod, &b, "alice", T0, &audit("approve")).await.expect("again"), "once each");
    assert!(store.approve(&prod, &b, "bob", T0 + 1, &audit("approve")).await.expect("bob"));
    assert!(store.approve(&prod, &b, "alice", T0 + 5, &audit("approve")).await.expect("renewed"), "renewed");
    let approvals = store.approvals(&prod, &b).await.expect("approvals");
    assert_eq!(approvals, [("bob".to_owned(), T0 + 1), ("alice".to_owned(), T0 + 5)]);
    assert!(store.approvals(&prod, &a).await.expect("approvals").is_empty(), "per digest");

    for (env, d) in [("eu", &a), ("us", &a), ("eu", &b)] {
        store.record_deployment(env, &prod, d, &audit("deploy")).await.expect("record_deployment");
    }
    let deployed = store.current_deployments("app").await.expect("current_deployments");
    let deployed: Vec<(&str, &Digest)> = deployed.iter().map(|d| (d.environment.as_str(), &d.digest)).collect();
    assert_eq!(deployed, [("eu", &b), ("us", &a)], "the newest per environment");
    let prod_repo = arca_types::RepoName::parse("prod").expect("name");
    assert_eq!(store.deployments_in(&prod_repo).await.expect("deployments_in").len(), 2);
}
