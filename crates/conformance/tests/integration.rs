//! The OCI conformance checks, one `#[tokio::test]` per upstream sub-test so that
//! `cargo nextest` runs each in its own process against its own repositories.
//!
//! Target: `ARCA_CONFORMANCE_REGISTRY=host:port`, or arca started in-process when unset.
//! Spec version: `ARCA_CONFORMANCE_VERSION=1.1|dev` (default `dev`). `CHECKS.md` maps
//! each test to the upstream check it mirrors.

use arca_conformance::{Registry, Settings, target};

/// The registry under test: the external one if named, else a fresh in-process arca that
/// lives as long as the returned value.
async fn registry() -> Registry {
    if let Some(reg) = target::external() {
        return reg;
    }
    let server = arca_server::testing::TestServer::start().await;
    Registry::new(&server.host(), Settings::from_env(), Some(Box::new(server)))
}

/// One test: connect, run the flow with the given arguments.
macro_rules! check {
    ($name:ident, $flow:path $(, $arg:expr)*) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let reg = crate::registry().await;
            $flow(&reg $(, $arg)*).await;
        }
    };
}

/// Upstream `TestPing`, `TestEmpty`, `TestManifestErrors`.
mod basic {
    use arca_conformance::flows::basics;

    check!(ping, basics::ping);
    check!(empty_tag_list, basics::empty_tag_list);
    check!(empty_referrers, basics::empty_referrers);
    check!(missing_manifest_by_digest, basics::missing_manifest_by_digest);
    check!(missing_manifest_by_tag, basics::missing_manifest_by_tag);
    check!(invalid_digest_format, basics::invalid_digest_format);
}

/// Upstream `TestBlobAPIs` for one digest algorithm.
macro_rules! blob_tests {
    ($module:ident, $algo:expr) => {
        mod $module {
            use arca_conformance::Algorithm;
            use arca_conformance::flows::blobs::{self, BadDigest, BlobApi};

            const ALGO: Algorithm = $algo;

            check!(post_only, blobs::push_api, ALGO, BlobApi::PostOnly);
            check!(post_put, blobs::push_api, ALGO, BlobApi::PostPut);
            check!(chunked_single, blobs::push_api, ALGO, BlobApi::ChunkedSingle);
            check!(stream, blobs::push_api, ALGO, BlobApi::Stream);
            check!(mount, blobs::push_api, ALGO, BlobApi::Mount);
            check!(mount_anonymous, blobs::push_api, ALGO, BlobApi::MountAnonymous);
            check!(mount_missing, blobs::push_api, ALGO, BlobApi::MountMissing);
            check!(post_cancel, blobs::push_api, ALGO, BlobApi::PostCancel);
            check!(chunked_multi, blobs::push_api, ALGO, BlobApi::ChunkedMulti);
            check!(chunked_multi_and_put_chunk, blobs::push_api, ALGO, BlobApi::ChunkedMultiAndPutChunk);
            check!(chunked_out_of_order, blobs::push_api, ALGO, BlobApi::ChunkedOutOfOrder);
            check!(chunked_out_of_order_and_put_chunk, blobs::push_api, ALGO, BlobApi::ChunkedOutOfOrderAndPutChunk);
            check!(get_missing, blobs::get_missing, ALGO);
            check!(range_requests, blobs::range_requests, ALGO);
            check!(empty, blobs::well_known, ALGO, "empty", b"");
            check!(empty_json, blobs::well_known, ALGO, "emptyJSON", b"{}");
            check!(bad_digest_post_only, blobs::bad_digest, ALGO, BadDigest::PostOnly);
            check!(bad_digest_post_put, blobs::bad_digest, ALGO, BadDigest::PostPut);
            check!(bad_digest_chunked, blobs::bad_digest, ALGO, BadDigest::Chunked);
            check!(bad_digest_chunked_and_put_chunk, blobs::bad_digest, ALGO, BadDigest::ChunkedAndPutChunk);
            check!(bad_digest_stream, blobs::bad_digest, ALGO, BadDigest::Stream);
        }
    };
}

blob_tests!(blobs_sha256, Algorithm::Sha256);
blob_tests!(blobs_sha512, Algorithm::Sha512);

/// Upstream data sets: push, list, HEAD, GET, referrers, delete.
mod data {
    use arca_conformance::datasets::DataSet;
    use arca_conformance::flows::dataset;

    check!(image, dataset::run, DataSet::Image);
    check!(image_uncompressed, dataset::run, DataSet::ImageUncompressed);
    check!(large_manifest, dataset::run, DataSet::LargeManifest);
    check!(index, dataset::run, DataSet::Index);
    check!(nested_index, dataset::run, DataSet::NestedIndex);
    check!(empty_index, dataset::run, DataSet::EmptyIndex);
    check!(artifact, dataset::run, DataSet::Artifact);
    check!(artifact_index, dataset::run, DataSet::ArtifactIndex);
    check!(artifact_without_layers, dataset::run, DataSet::ArtifactWithoutLayers);
    check!(artifacts_with_subject, dataset::run, DataSet::ArtifactsWithSubject);
    check!(index_with_subject, dataset::run, DataSet::IndexWithSubject);
    check!(missing_subject, dataset::run, DataSet::MissingSubject);
    check!(data_field, dataset::run, DataSet::DataField);
    check!(non_distributable_layers, dataset::run, DataSet::NonDistributableLayers);
    check!(custom_fields, dataset::run, DataSet::CustomFields);
    check!(no_layers, dataset::run, DataSet::NoLayers);
    check!(sha512, dataset::run, DataSet::Sha512);
    check!(tag_param_sha256, dataset::run, DataSet::TagParamSha256);
    check!(tag_param_sha512, dataset::run, DataSet::TagParamSha512);
    check!(bad_digest_image, dataset::run, DataSet::BadDigestImage);
}

/// Checks beyond upstream (spec behaviour upstream does not exercise).
mod extra {
    use arca_conformance::flows::extras;

    check!(tag_list_paging, extras::tag_paging);
    check!(catalog_paging, extras::catalog_paging);
    check!(error_codes, extras::error_codes);
    check!(upload_status, extras::upload_status);
    check!(digest_algorithm_sha512, extras::digest_algorithm_sha512);
    check!(api_version_header, extras::api_version);
    check!(manifest_put_digest_header, extras::manifest_put_digest_header);
}
