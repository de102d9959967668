//! The named data sets of upstream `GenerateData` (`run.go`), each built exactly as
//! upstream builds it.

use crate::data::*;
use crate::digest::Algorithm;
use crate::encode::random_bytes;
use std::collections::BTreeMap;

/// A data set of the upstream suite, by its upstream `tdName`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataSet {
    Image,
    ImageUncompressed,
    LargeManifest,
    Index,
    NestedIndex,
    EmptyIndex,
    Artifact,
    ArtifactIndex,
    ArtifactWithoutLayers,
    ArtifactsWithSubject,
    IndexWithSubject,
    MissingSubject,
    DataField,
    NonDistributableLayers,
    CustomFields,
    NoLayers,
    /// Off by default upstream (`OCI_DATA_SPARSE=false`); built for completeness.
    Sparse,
    Sha512,
    /// dev only (`APIs.Manifests.TagParam`).
    TagParamSha256,
    /// dev only (`APIs.Manifests.TagParam`).
    TagParamSha512,
    BadDigestImage,
}

impl DataSet {
    /// The upstream `tdName`.
    pub fn id(self) -> &'static str {
        match self {
            DataSet::Image => "image",
            DataSet::ImageUncompressed => "image-uncompressed",
            DataSet::LargeManifest => "large-manifest",
            DataSet::Index => "index",
            DataSet::NestedIndex => "nested-index",
            DataSet::EmptyIndex => "empty-index",
            DataSet::Artifact => "artifact",
            DataSet::ArtifactIndex => "artifact-index",
            DataSet::ArtifactWithoutLayers => "artifact-without-layers",
            DataSet::ArtifactsWithSubject => "artifacts-with-subject",
            DataSet::IndexWithSubject => "index-with-subject",
            DataSet::MissingSubject => "missing-subject",
            DataSet::DataField => "data-field",
            DataSet::NonDistributableLayers => "non-distributable-layers",
            DataSet::CustomFields => "custom-fields",
            DataSet::NoLayers => "no-layers",
            DataSet::Sparse => "sparse",
            DataSet::Sha512 => "sha512",
            DataSet::TagParamSha256 => "tag-param-sha256",
            DataSet::TagParamSha512 => "tag-param-sha512",
            DataSet::BadDigestImage => "bad-digest-image",
        }
    }

    /// Whether the data set needs `OCI_VERSION=dev`.
    pub fn dev_only(self) -> bool {
        matches!(self, DataSet::TagParamSha256 | DataSet::TagParamSha512)
    }

    /// Builds the data set's content.
    pub fn build(self) -> TestData {
        let mut td = TestData::new(self.id());
        let two_platforms = || vec![Platform::linux_amd64(), Platform::linux_arm64()];
        let conformance_annotation = [("org.opencontainers.conformance", "hello conformance test")];
        match self {
            DataSet::Image => {
                td.gen_manifest_full(&Gen::new().tag("image"));
            }
            DataSet::ImageUncompressed => {
                td.gen_manifest_full(&Gen::new().tag("image-uncompressed").uncompressed());
            }
            DataSet::LargeManifest => {
                let large: BTreeMap<String, String> =
                    (0..390).map(|i| (format!("large-annotation-{i}"), "A".repeat(10000))).collect();
                td.gen_manifest_full(&Gen::new().tag("large-manifest").annotation_map(large));
            }
            DataSet::Index => {
                td.gen_index_full(&Gen::new().tag("index").platforms(two_platforms()));
            }
            DataSet::NestedIndex => {
                let a = td.gen_index_full(&Gen::new().platforms(two_platforms()));
                let b = td.gen_index_full(&Gen::new().platforms(two_platforms()));
                td.gen_index(&[None, None], &[a, b], &Gen::new().tag("index-of-index"));
            }
            DataSet::EmptyIndex => {
                td.gen_index_full(&Gen::new().tag("index").platforms(vec![]));
            }
            DataSet::Artifact => {
                td.gen_manifest_full(&artifact_gen().tag("artifact").layer_media_type(MT_EXAMPLE_CONF1));
            }
            DataSet::ArtifactIndex => {
                td.gen_index_full(
                    &artifact_gen().tag("artifact-index").platforms(two_platforms()).layer_media_type(MT_EXAMPLE_CONF1),
                );
            }
            DataSet::ArtifactWithoutLayers => {
                td.gen_manifest_full(
                    &artifact_gen()
                        .tag("artifact-without-layers")
                        .layer_bytes(b"{}")
                        .layer_media_type(MT_OCI_EMPTY_JSON),
                );
            }
            DataSet::ArtifactsWithSubject => {
                let subject = td.gen_manifest_full(&Gen::new().tag("image"));
                let subject = td.desc[&subject].clone();
                td.gen_manifest_full(&Gen::new().subject(subject.clone()));
                td.gen_manifest_full(
                    &artifact_gen()
                        .annotations(&conformance_annotation)
                        .annotation_uniq()
                        .layer_media_type(MT_EXAMPLE_CONF1)
                        .subject(subject.clone())
                        .tag("tagged-artifact1"),
                );
                td.gen_manifest_full(
                    &artifact_gen()
                        .artifact_type(MT_EXAMPLE_CONF2)
                        .annotations(&conformance_annotation)
                        .annotation_uniq()
                        .layer_media_type(MT_OCTET_STREAM)
                        .subject(subject)
                        .tag("tagged-artifact2"),
                );
            }
            DataSet::IndexWithSubject => {
                let subject = td.gen_index_full(&Gen::new().tag("index"));
                let subject = td.desc[&subject].clone();
                td.gen_index_full(
                    &artifact_gen()
                        .annotations(&conformance_annotation)
                        .annotation_uniq()
                        .layer_media_type(MT_EXAMPLE_CONF1)
                        .subject(subject)
                        .tag("tagged-artifact"),
                );
            }
            DataSet::MissingSubject => {
                let subject = Descriptor::new(MT_OCI_IMAGE, Algorithm::Sha256.digest(b"missing content"), 123);
                td.gen_manifest_full(
                    &artifact_gen()
                        .annotations(&conformance_annotation)
                        .annotation_uniq()
                        .layer_media_type(MT_EXAMPLE_CONF1)
                        .subject(subject)
                        .tag("tagged-artifact"),
                );
            }
            DataSet::DataField => {
                td.gen_manifest_full(&Gen::new().tag("data-field").set_data());
            }
            DataSet::NonDistributableLayers => build_non_distributable(&mut td),
            DataSet::CustomFields => {
                td.gen_index_full(&Gen::new().tag("custom-fields").platforms(two_platforms()).extra_field());
            }
            DataSet::NoLayers => {
                td.gen_manifest_full(&Gen::new().tag("no-layers").layer_count(0));
            }
            DataSet::Sparse => build_sparse(&mut td),
            DataSet::Sha512 => {
                td.gen_index_full(&Gen::new().algo(Algorithm::Sha512));
            }
            DataSet::TagParamSha256 => build_tag_param(&mut td, "tag-param-sha256", Algorithm::Sha256),
            DataSet::TagParamSha512 => build_tag_param(&mut td, "tag-param-sha512", Algorithm::Sha512),
            DataSet::BadDigestImage => {
                let dig = td.gen_manifest_full(&Gen::new());
                td.skip_pull.insert(dig.clone());
                td.expect_bad_digest.insert(dig.clone());
                // whitespace after the JSON makes the body disagree with its digest
                td.manifests.get_mut(&dig).expect("just generated").extend_from_slice(b"  ");
            }
        }
        td
    }
}

/// The artifact options shared by several data sets: `artifactType` conf1, an empty JSON
/// config and one layer.
fn artifact_gen() -> Gen {
    Gen::new().artifact_type(MT_EXAMPLE_CONF1).config_media_type(MT_OCI_EMPTY_JSON).config_bytes(b"{}").layer_count(1)
}

/// Two non-distributable layers that are never pushed (random digests, `urls` set) and one
/// normal layer.
fn build_non_distributable(td: &mut TestData) {
    let first = Algorithm::Sha256.digest(&random_bytes(256));
    let config_first = Algorithm::Sha256.digest(&random_bytes(256));
    let mut l0 = Descriptor::new(MT_OCI_LAYER_ND_GZ, first.clone(), 123_456);
    l0.urls = vec![format!("https://store.example.com/blobs/sha256/{}", first.encoded())];
    let second = Algorithm::Sha256.digest(&random_bytes(256));
    let mut l1 = Descriptor::new(MT_OCI_LAYER_ND, second.clone(), 12_345);
    l1.urls = vec![format!("https://store.example.com/blobs/sha256/{}", second.encoded())];
    let (third, third_diff) = td.gen_layer(1, &Gen::new());
    let l2 = td.desc[&third].clone();
    let config = td.gen_config(&Platform::linux_amd64(), &[config_first, second, third_diff], &Gen::new());
    let config = td.desc[&config].clone();
    td.gen_manifest(&config, &[l0, l1, l2], &Gen::new().tag("non-distributable-image"));
}

/// An image missing one pushed layer, and an index with one entry never pushed.
fn build_sparse(td: &mut TestData) {
    td.gen_manifest_full(&Gen::new().tag("sparse-image"));
    let layer = td.blobs.keys().find(|d| td.desc[*d].media_type.starts_with(MT_OCI_LAYER_PRE)).cloned();
    if let Some(layer) = layer {
        td.blobs.remove(&layer);
        td.desc.remove(&layer);
    }
    let image = td.gen_manifest_full(&Gen::new().platform(Platform::linux_amd64()));
    let random = Algorithm::Sha256.digest(&random_bytes(1024));
    td.desc.insert(random.clone(), Descriptor::new(MT_OCI_IMAGE, random.clone(), 1024));
    td.gen_index(
        &[Some(Platform::linux_amd64()), Some(Platform::linux_arm64())],
        &[image, random],
        &Gen::new().tag("sparse-index"),
    );
}

/// An index tagged `<name>` whose every manifest `i` is also tagged `<name>-<i>`, all
/// pushed by digest with `?tag=`.
fn build_tag_param(td: &mut TestData, name: &str, algo: Algorithm) {
    td.gen_index_full(&Gen::new().tag(name).algo(algo));
    for (i, dig) in td.man_order.clone().into_iter().enumerate() {
        td.tags.insert(format!("{name}-{i}"), dig.clone());
        td.tag_param.insert(dig);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_manifest_stays_under_four_mebibytes() {
        let td = DataSet::LargeManifest.build();
        let size = td.manifests.values().map(Vec::len).max().unwrap();
        assert!(size > 3_900_000 && size < 4 * 1024 * 1024, "{size}");
    }

    #[test]
    fn bad_digest_image_body_disagrees_with_its_digest() {
        let td = DataSet::BadDigestImage.build();
        let (dig, body) = td.manifests.iter().next().unwrap();
        assert_ne!(&Algorithm::Sha256.digest(body), dig);
    }

    #[test]
    fn every_data_set_builds() {
        for ds in [
            DataSet::Image,
            DataSet::NestedIndex,
            DataSet::EmptyIndex,
            DataSet::ArtifactsWithSubject,
            DataSet::IndexWithSubject,
            DataSet::NonDistributableLayers,
            DataSet::Sparse,
            DataSet::TagParamSha512,
        ] {
            assert!(!ds.build().man_order.is_empty(), "{}", ds.id());
        }
        assert_eq!(DataSet::ArtifactsWithSubject.build().referrers.values().next().unwrap().len(), 3);
    }
}
