//! S3BlobStore against a real S3-compatible server on loopback (moto, started by `.ci/run`; the
//! endpoint is `ARCA_TEST_S3`): the shared BlobStore suite, then what only object storage does —
//! uploads continued by other nodes, parts, pointers instead of copies, presigned downloads, and a
//! bucket that does not answer.

use arca_core::ErrorKind;
use arca_core::blob::{BlobStore, DownloadHeaders};
use arca_store_s3::{MIN_PART_SIZE, S3BlobStore, S3Config};
use arca_store_testkit::blob::{self as suite, assert_kind, collect, read_blob, sha256, store_blob, upload};
use arca_types::ByteRange;
use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use std::time::Duration;

const BUCKET: &str = "arca-test";
const PART: usize = MIN_PART_SIZE;

fn endpoint() -> String {
    std::env::var("ARCA_TEST_S3").unwrap_or_else(|_| "http://127.0.0.1:19090".into())
}

fn config(prefix: &str) -> S3Config {
    S3Config {
        bucket: BUCKET.into(),
        prefix: prefix.into(),
        endpoint: Some(endpoint()),
        region: "us-east-1".into(),
        access_key_id: Some("test".into()),
        secret_access_key: Some("test".into()),
        session_token: None,
        virtual_hosted: false,
        part_size: PART,
    }
}

/// The test bucket (made once; moto accepts an unsigned create) and a store on a fresh prefix.
async fn fresh_store() -> (S3BlobStore, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let prefix = format!("t-{}", uuid::Uuid::new_v4().simple());
    let created = reqwest::Client::new().put(format!("{}/{BUCKET}", endpoint())).send().await;
    let created =
        created.unwrap_or_else(|e| panic!("no S3 server at {} (ARCA_TEST_S3; .ci/run starts one): {e}", endpoint()));
    assert!(
        created.status().is_success() || created.status().as_u16() == 409,
        "creating the bucket: {}",
        created.status()
    );
    (S3BlobStore::open(&config(&prefix)).expect("open store"), prefix)
}

/// Every key under `prefix`, relative to it, sorted.
async fn keys(prefix: &str) -> Vec<String> {
    let s3 = AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_endpoint(endpoint())
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .build()
        .expect("client");
    let listed: Vec<_> = s3.list(Some(&prefix.into())).try_collect().await.expect("list");
    let mut keys: Vec<String> = listed
        .into_iter()
        .map(|m| m.location.to_string().trim_start_matches(&format!("{prefix}/")).to_owned())
        .collect();
    keys.sort();
    keys
}

/// Open multipart uploads under `prefix` (S3's ListMultipartUploads).
async fn open_multiparts(prefix: &str) -> usize {
    let url = format!("{}/{BUCKET}?uploads&prefix={prefix}/", endpoint());
    let body = reqwest::get(url).await.expect("list uploads").text().await.expect("body");
    body.matches("<UploadId>").count()
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 13) as u8).collect()
}

#[tokio::test]
async fn the_shared_blob_store_suite_passes() {
    suite::run_all(|| async { fresh_store().await.0 }).await;
}

#[tokio::test]
async fn chunks_of_one_upload_go_to_different_nodes_and_large_blobs_are_named_not_copied() {
    let (a, prefix) = fresh_store().await;
    let b = S3BlobStore::open(&config(&prefix)).expect("second node");
    let content = pattern(3 * PART + 12345, 7);
    let cuts = [PART / 2, PART / 2 + 2 * PART, content.len()];
    let mut offset = 0;
    for (i, end) in cuts.iter().enumerate() {
        let node = if i % 2 == 0 { &a } else { &b };
        let staged = upload(node, "across", offset as u64, &[&content[offset..*end]]).await;
        assert_eq!(staged, *end as u64, "chunk {i} on node {}", if i % 2 == 0 { "a" } else { "b" });
        offset = *end;
    }
    assert_eq!(open_multiparts(&prefix).await, 1, "one multipart upload carries the parts");
    let digest = sha256(&content);
    b.commit_upload("across", &digest).await.expect("commit on the other node");
    let stored = keys(&prefix).await;
    assert_eq!(stored.len(), 2, "a pointer and its data object, no state left: {stored:?}");
    assert!(stored[0].starts_with(&format!("blobs/sha256/{}", digest.hex())), "{stored:?}");
    assert!(stored[1].starts_with("data/across-"), "{stored:?}");
    assert_eq!(open_multiparts(&prefix).await, 0, "the multipart upload is completed");
    assert_eq!(a.stat(&digest).await.expect("stat"), Some(content.len() as u64));
    let (size, bytes) = read_blob(&a, &digest, None).await;
    assert!(size == content.len() as u64 && bytes == content, "read back whole");
    let range = ByteRange { start: PART as u64 - 3, end: PART as u64 + 3 };
    assert_eq!(read_blob(&b, &digest, Some(range)).await.1, content[PART - 3..=PART + 3], "a range across parts");
    a.delete(&digest).await.expect("delete");
    assert_eq!(keys(&prefix).await, Vec::<String>::new(), "deleting removes the pointer and its data");
}

#[tokio::test]
async fn small_blobs_are_stored_under_their_digest_in_one_object() {
    let (store, prefix) = fresh_store().await;
    let digest = store_blob(&store, "small", b"a small layer").await;
    assert_eq!(keys(&prefix).await, [format!("blobs/sha256/{}", digest.hex())]);
    assert_eq!(open_multiparts(&prefix).await, 0, "no multipart upload for a blob within one part");
}

#[tokio::test]
async fn a_failed_chunk_leaves_the_last_finished_state_and_its_parts_are_sent_again() {
    let (store, prefix) = fresh_store().await;
    let first = pattern(PART + 100, 1);
    upload(&store, "retry", 0, &[&first]).await;
    // A chunk that sends two more parts and then fails (its writer dropped, nothing finished).
    let mut writer = store.open_upload("retry", first.len() as u64).await.expect("open");
    writer.write(Bytes::from(pattern(2 * PART + 5, 99))).await.expect("write");
    drop(writer);
    let second = pattern(PART + 7, 2);
    assert_eq!(upload(&store, "retry", first.len() as u64, &[&second]).await, (first.len() + second.len()) as u64);
    let content = [first, second].concat();
    let digest = sha256(&content);
    store.commit_upload("retry", &digest).await.expect("commit");
    assert!(read_blob(&store, &digest, None).await.1 == content, "only the finished chunks' bytes");
    assert_eq!(open_multiparts(&prefix).await, 0);
}

#[tokio::test]
async fn an_upload_goes_back_within_its_tail_but_not_into_parts_already_sent() {
    let (store, _) = fresh_store().await;
    upload(&store, "rewind", 0, &[&pattern(PART + 10, 3)]).await;
    assert_eq!(upload(&store, "rewind", PART as u64 + 4, &[b"xy"]).await, PART as u64 + 6, "within the tail");
    let refused = store.open_upload("rewind", PART as u64 - 1).await;
    assert_kind(refused, ErrorKind::BlobUploadInvalid, "into a part already sent");
    assert_kind(store.open_upload("rewind", PART as u64 + 7).await, ErrorKind::UploadRangeInvalid, "past the end");
}

#[tokio::test]
async fn aborting_or_reaping_an_upload_aborts_its_multipart_upload() {
    let (store, prefix) = fresh_store().await;
    upload(&store, "doomed", 0, &[&pattern(2 * PART, 4)]).await;
    // Abandoned mid-chunk after its first part: still listed, so the reaper finds it.
    let mut writer = store.open_upload("abandoned", 0).await.expect("open");
    writer.write(Bytes::from(pattern(PART + 1, 5))).await.expect("write");
    drop(writer);
    let mut staged = store.staged_uploads(std::time::Duration::ZERO).await.expect("staged");
    staged.sort();
    assert_eq!(staged, ["abandoned", "doomed"]);
    assert_eq!(open_multiparts(&prefix).await, 2);
    for id in staged {
        store.abort_upload(&id).await.expect("abort");
    }
    assert_eq!(open_multiparts(&prefix).await, 0, "aborted on S3, not only forgotten");
    assert_eq!(keys(&prefix).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_large_upload_read_back_before_its_commit_is_completed_once() {
    let (a, prefix) = fresh_store().await;
    let b = S3BlobStore::open(&config(&prefix)).expect("second node");
    let content = pattern(PART + PART / 3, 6);
    upload(&a, "rehash", 0, &[&content]).await;
    assert!(collect(a.read_upload("rehash").await.expect("read")).await == content, "staged bytes read back");
    let digest = suite::sha512(&content);
    b.commit_upload("rehash", &digest).await.expect("commit of the completed upload on another node");
    assert!(read_blob(&a, &digest, None).await.1 == content);
    assert_eq!(keys(&prefix).await.len(), 2, "pointer and data");
}

#[tokio::test]
async fn the_same_digest_committed_twice_keeps_one_data_object() {
    let (store, prefix) = fresh_store().await;
    let content = pattern(PART + 1, 8);
    upload(&store, "one", 0, &[&content]).await;
    upload(&store, "two", 0, &[&content]).await;
    let digest = sha256(&content);
    store.commit_upload("one", &digest).await.expect("first commit");
    store.commit_upload("two", &digest).await.expect("second commit of the same digest");
    assert_eq!(keys(&prefix).await.len(), 2, "the second upload's parts are dropped: {:?}", keys(&prefix).await);
    assert_eq!(open_multiparts(&prefix).await, 0);
    let small = store_blob(&store, "small", b"small").await;
    store.delete_many(&[digest, small]).await.expect("delete_many");
    assert_eq!(keys(&prefix).await, Vec::<String>::new(), "a batch delete removes pointers and their data");
}

fn octets() -> DownloadHeaders {
    DownloadHeaders { content_type: "application/octet-stream".into(), content_disposition: None }
}

#[tokio::test]
async fn presigned_downloads_serve_the_bytes_and_ranges_without_credentials() {
    let (store, _) = fresh_store().await;
    let store = store.with_download_redirects(Duration::from_secs(60));
    let large = pattern(PART + 99, 9);
    let digests = [store_blob(&store, "small", b"presigned bytes").await, {
        upload(&store, "large", 0, &[&large]).await;
        let digest = sha256(&large);
        store.commit_upload("large", &digest).await.expect("commit");
        digest
    }];
    let contents = [b"presigned bytes".to_vec(), large];
    for (digest, content) in digests.iter().zip(contents) {
        let url = store.download_url(digest, &octets()).await.expect("url").expect("a stored blob has a URL");
        let got = reqwest::get(&url).await.expect("GET").bytes().await.expect("body");
        assert!(got == content, "the URL serves the blob's bytes");
        let ranged = reqwest::Client::new().get(&url).header("range", "bytes=2-5").send().await.expect("GET");
        assert_eq!(ranged.status().as_u16(), 206);
        assert_eq!(ranged.bytes().await.expect("body"), content[2..=5]);
    }
    assert_eq!(store.download_url(&sha256(b"absent"), &octets()).await.expect("url"), None);
    // The answer there carries the headers the node would have sent.
    let named = DownloadHeaders {
        content_type: "application/zip".into(),
        content_disposition: Some("attachment; filename=\"tool 1.0.zip\"".into()),
    };
    let url = store.download_url(&digests[0], &named).await.expect("url").expect("stored");
    let got = reqwest::get(&url).await.expect("GET");
    assert_eq!(got.headers()["content-type"], "application/zip");
    assert_eq!(got.headers()["content-disposition"], "attachment; filename=\"tool 1.0.zip\"");
    let (plain, _) = fresh_store().await;
    assert_eq!(plain.download_url(&digests[0], &octets()).await.expect("url"), None, "no redirects unless configured");
}

#[tokio::test]
async fn a_bucket_that_does_not_answer_is_unavailable_not_an_internal_error() {
    let unreachable = S3Config { endpoint: Some("http://127.0.0.1:9".into()), ..config("down") };
    let store = S3BlobStore::open(&unreachable).expect("opening contacts nothing");
    assert_kind(store.ping().await, ErrorKind::Unavailable, "ping");
    assert_kind(store.stat(&sha256(b"x")).await, ErrorKind::Unavailable, "stat");
    let writer = store.open_upload("u", 0).await.expect("a new upload starts in memory");
    assert_kind(writer.finish().await, ErrorKind::Unavailable, "saving an upload");
}
