//! BlobStore checks: the contract of [`arca_core::blob`], written once and run against every backend.
//!
//! Stores do not verify digests (the core hashes while bytes stream in), so the checks name content
//! by a sha256/sha512 they compute themselves with [`sha256`] and [`sha512`].
//!
//! [`MemBlobStore`] is an in-memory backend and [`FaultyBlobStore`] wraps any backend to inject
//! failures; both pass this suite and are meant for the core's tests.

mod faulty;
mod mem;

pub use faulty::{Faults, FaultyBlobStore, Gate};
pub use mem::MemBlobStore;

use arca_core::blob::{BlobStore, ByteStream};
use arca_core::{ErrorKind, Result};
use arca_types::{ByteRange, Digest, DigestAlgorithm};
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use sha2::Digest as _;
use std::future::Future;

/// One check: gets a fresh, empty store and panics with a message naming what broke.
pub type Check = for<'a> fn(&'a dyn BlobStore) -> BoxFuture<'a, ()>;

macro_rules! checks {
    ($($name:ident),* $(,)?) => {
        /// Every check, by name.
        pub const CHECKS: &[(&str, Check)] = &[$((stringify!($name), |store| Box::pin($name(store)))),*];
    };
}

checks![
    chunked_upload_commits,
    upload_resumes_at_offset,
    lower_offset_truncates,
    offset_past_end_is_refused,
    unknown_and_invalid_uploads,
    commit_of_stored_digest_is_idempotent,
    ranges,
    range_outside_blob_is_refused,
    zero_length_blob,
    absent_blob,
    delete_then_stat,
    delete_many_removes_each,
    staged_uploads_lists_open_uploads,
    staged_uploads_leaves_out_busy_ones,
    concurrent_uploads_are_independent,
    put_small_then_get,
    put_small_many_stores_each,
    algorithms_are_separate,
    large_blob_streams_in_chunks,
    ping_answers,
];

/// Runs every check, each on a fresh store from `make`.
pub async fn run_all<S, Fut>(make: impl Fn() -> Fut)
where
    S: BlobStore,
    Fut: Future<Output = S>,
{
    for (name, check) in CHECKS {
        eprintln!("blob store check: {name}");
        let store = make().await;
        check(&store).await;
    }
}

/// The sha256 digest of `content`.
pub fn sha256(content: &[u8]) -> Digest {
    Digest::from_hash(DigestAlgorithm::Sha256, &sha2::Sha256::digest(content))
}

/// The sha512 digest of `content`.
pub fn sha512(content: &[u8]) -> Digest {
    Digest::from_hash(DigestAlgorithm::Sha512, &sha2::Sha512::digest(content))
}

/// Writes `chunks` to upload `id` from `offset` and finishes it; returns the staged length.
pub async fn upload(store: &dyn BlobStore, id: &str, offset: u64, chunks: &[&[u8]]) -> u64 {
    let mut writer = store.open_upload(id, offset).await.expect("open_upload");
    for chunk in chunks {
        writer.write(Bytes::copy_from_slice(chunk)).await.expect("write");
    }
    writer.finish().await.expect("finish")
}

/// Uploads and commits `content` under its sha256; returns the digest.
pub async fn store_blob(store: &dyn BlobStore, id: &str, content: &[u8]) -> Digest {
    let digest = sha256(content);
    upload(store, id, 0, &[content]).await;
    store.commit_upload(id, &digest).await.expect("commit_upload");
    digest
}

/// Reads a whole stream.
pub async fn collect(mut stream: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.expect("stream chunk"));
    }
    out
}

/// Reads a stored blob (or a range of it): its total size and the bytes. Panics if it is absent.
pub async fn read_blob(store: &dyn BlobStore, digest: &Digest, range: Option<ByteRange>) -> (u64, Vec<u8>) {
    let content = store.get(digest, range).await.expect("get").unwrap_or_else(|| panic!("{digest} is absent"));
    (content.size, collect(content.stream).await)
}

/// Asserts that `result` failed with `kind`.
#[track_caller]
pub fn assert_kind<T>(result: Result<T>, kind: ErrorKind, what: &str) {
    match result {
        Ok(_) => panic!("{what}: succeeded, expected {}", kind.code()),
        Err(e) => assert_eq!(e.kind, kind, "{what}: wrong error kind ({e})"),
    }
}

/// `len` bytes that differ from offset to offset, so misplaced chunks are caught.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

async fn chunked_upload_commits(store: &dyn BlobStore) {
    let chunks: [&[u8]; 3] = [b"first chunk, ", b"second chunk, ", b"third chunk"];
    let content = chunks.concat();
    let digest = sha256(&content);
    let staged = upload(store, "chunked", 0, &chunks).await;
    assert_eq!(staged, content.len() as u64, "finish returns the staged length");
    store.commit_upload("chunked", &digest).await.expect("commit_upload");
    assert_eq!(store.stat(&digest).await.expect("stat"), Some(content.len() as u64));
    assert_eq!(read_blob(store, &digest, None).await, (content.len() as u64, content));
    assert!(
        !store.staged_uploads(std::time::Duration::ZERO).await.expect("staged_uploads").contains(&"chunked".to_owned())
    );
    assert_kind(store.read_upload("chunked").await, ErrorKind::BlobUploadUnknown, "read_upload after commit");
}

async fn upload_resumes_at_offset(store: &dyn BlobStore) {
    assert_eq!(upload(store, "resume", 0, &[b"hello "]).await, 6);
    assert_eq!(upload(store, "resume", 6, &[b"wor", b"ld"]).await, 11);
    let staged = collect(store.read_upload("resume").await.expect("read_upload")).await;
    assert_eq!(staged, b"hello world", "resumed upload appends");
    let digest = sha256(b"hello world");
    store.commit_upload("resume", &digest).await.expect("commit_upload");
    assert_eq!(read_blob(store, &digest, None).await.1, b"hello world");
}

async fn lower_offset_truncates(store: &dyn BlobStore) {
    upload(store, "junk", 0, &[b"0123456789"]).await;
    assert_eq!(upload(store, "junk", 4, &[b"XY"]).await, 6, "staged length after truncating back");
    let staged = collect(store.read_upload("junk").await.expect("read_upload")).await;
    assert_eq!(staged, b"0123XY", "bytes past the offset are discarded");
    // A writer dropped without finish (a failed chunk) leaves nothing that a lower offset keeps.
    let mut writer = store.open_upload("junk", 6).await.expect("open_upload");
    writer.write(Bytes::from_static(b"half a chunk")).await.expect("write");
    drop(writer);
    assert_eq!(upload(store, "junk", 6, &[b"!"]).await, 7);
    assert_eq!(collect(store.read_upload("junk").await.expect("read_upload")).await, b"0123XY!");
    // Offset 0 starts over.
    assert_eq!(upload(store, "junk", 0, &[b"new"]).await, 3);
    assert_eq!(collect(store.read_upload("junk").await.expect("read_upload")).await, b"new");
}

async fn offset_past_end_is_refused(store: &dyn BlobStore) {
    upload(store, "short", 0, &[b"12345"]).await;
    assert_kind(store.open_upload("short", 6).await, ErrorKind::UploadRangeInvalid, "offset past the end");
    let staged = collect(store.read_upload("short").await.expect("read_upload")).await;
    assert_eq!(staged, b"12345", "a refused offset leaves the upload alone");
}

async fn unknown_and_invalid_uploads(store: &dyn BlobStore) {
    let digest = sha256(b"x");
    assert_kind(store.open_upload("nope", 3).await, ErrorKind::BlobUploadUnknown, "resume unknown upload");
    assert_kind(store.read_upload("nope").await, ErrorKind::BlobUploadUnknown, "read unknown upload");
    assert_kind(store.commit_upload("nope", &digest).await, ErrorKind::BlobUploadUnknown, "commit unknown upload");
    store.abort_upload("nope").await.expect("abort of an absent upload is fine");
    let too_long = "a".repeat(129);
    for id in ["", "../escape", "a/b", ".hidden", "sp ace", "ünï", too_long.as_str()] {
        assert_kind(store.open_upload(id, 0).await, ErrorKind::BlobUploadUnknown, &format!("open_upload({id:?})"));
        assert_kind(store.read_upload(id).await, ErrorKind::BlobUploadUnknown, &format!("read_upload({id:?})"));
        assert_kind(store.commit_upload(id, &digest).await, ErrorKind::BlobUploadUnknown, &format!("commit({id:?})"));
    }
    let longest = "Az09_-".repeat(21) + "xy";
    assert_eq!(upload(store, &longest, 0, &[b"ok"]).await, 2, "a 128-character id is valid");
    assert!(store.staged_uploads(std::time::Duration::ZERO).await.expect("staged_uploads").contains(&longest));
}

async fn commit_of_stored_digest_is_idempotent(store: &dyn BlobStore) {
    let digest = store_blob(store, "first", b"same bytes").await;
    upload(store, "second", 0, &[b"same ", b"bytes"]).await;
    store.commit_upload("second", &digest).await.expect("commit of a stored digest");
    let staged = store.staged_uploads(std::time::Duration::ZERO).await.expect("staged_uploads");
    assert!(!staged.iter().any(|id| id == "first" || id == "second"), "committed uploads disappear: {staged:?}");
    assert_kind(store.read_upload("second").await, ErrorKind::BlobUploadUnknown, "read_upload after commit");
    assert_eq!(read_blob(store, &digest, None).await.1, b"same bytes");
}

async fn ranges(store: &dyn BlobStore) {
    let content = pattern(1000);
    let digest = store_blob(store, "ranges", &content).await;
    for (start, end) in [(0, 99), (100, 199), (900, 999), (500, 500), (0, 0), (999, 999), (0, 999)] {
        let (size, bytes) = read_blob(store, &digest, Some(ByteRange { start, end })).await;
        assert_eq!(size, 1000, "size is the blob's, not the range's ({start}-{end})");
        assert_eq!(bytes, &content[start as usize..=end as usize], "range {start}-{end}");
    }
}

async fn range_outside_blob_is_refused(store: &dyn BlobStore) {
    let digest = store_blob(store, "outside", &pattern(10)).await;
    for (start, end) in [(10, 10), (5, 10), (100, 200)] {
        let got = store.get(&digest, Some(ByteRange { start, end })).await.map(|c| c.map(|c| c.size));
        assert_kind(got, ErrorKind::RangeNotSatisfiable, &format!("range {start}-{end} of 10 bytes"));
    }
}

async fn zero_length_blob(store: &dyn BlobStore) {
    let digest = sha256(b"");
    assert_eq!(upload(store, "empty", 0, &[]).await, 0);
    store.commit_upload("empty", &digest).await.expect("commit empty");
    assert_eq!(store.stat(&digest).await.expect("stat"), Some(0));
    assert_eq!(read_blob(store, &digest, None).await, (0, Vec::new()));
    store.put_small(&digest, Bytes::new()).await.expect("put_small empty");
    assert_eq!(store.stat(&digest).await.expect("stat"), Some(0));
}

async fn absent_blob(store: &dyn BlobStore) {
    let digest = sha256(b"never stored");
    assert!(store.get(&digest, None).await.expect("get").is_none(), "get of an absent blob");
    let range = Some(ByteRange { start: 0, end: 0 });
    assert!(store.get(&digest, range).await.expect("get range").is_none(), "ranged get of an absent blob");
    assert_eq!(store.stat(&digest).await.expect("stat"), None);
    store.delete(&digest).await.expect("delete of an absent blob is fine");
}

async fn delete_then_stat(store: &dyn BlobStore) {
    let digest = store_blob(store, "doomed", b"short-lived").await;
    let other = store_blob(store, "kept", b"long-lived").await;
    store.delete(&digest).await.expect("delete");
    assert_eq!(store.stat(&digest).await.expect("stat"), None);
    assert!(store.get(&digest, None).await.expect("get").is_none());
    store.delete(&digest).await.expect("second delete");
    assert_eq!(store.stat(&other).await.expect("stat"), Some(10), "delete removes only its blob");
    store.put_small(&digest, Bytes::from_static(b"short-lived")).await.expect("put after delete");
    assert_eq!(read_blob(store, &digest, None).await.1, b"short-lived");
}

async fn delete_many_removes_each(store: &dyn BlobStore) {
    let doomed = [store_blob(store, "a", b"first doomed").await, store_blob(store, "b", b"second doomed").await];
    let kept = store_blob(store, "c", b"kept").await;
    let absent = sha256(b"never stored");
    store.delete_many(&[doomed[0].clone(), absent.clone(), doomed[1].clone()]).await.expect("delete_many");
    for digest in doomed.iter().chain([&absent]) {
        assert_eq!(store.stat(digest).await.expect("stat"), None, "{digest} deleted");
    }
    assert_eq!(read_blob(store, &kept, None).await.1, b"kept", "the others stay");
    store.delete_many(&[]).await.expect("nothing to delete");
}

async fn staged_uploads_lists_open_uploads(store: &dyn BlobStore) {
    assert_eq!(
        store.staged_uploads(std::time::Duration::ZERO).await.expect("staged_uploads"),
        Vec::<String>::new(),
        "fresh store"
    );
    upload(store, "open-a", 0, &[b"a"]).await;
    upload(store, "open-b", 0, &[b"b"]).await;
    upload(store, "open-c", 0, &[b"c"]).await;
    store.commit_upload("open-a", &sha256(b"a")).await.expect("commit");
    store.abort_upload("open-c").await.expect("abort");
    store.abort_upload("open-c").await.expect("second abort");
    store.put_small(&sha256(b"small"), Bytes::from_static(b"small")).await.expect("put_small");
    let mut staged = store.staged_uploads(std::time::Duration::ZERO).await.expect("staged_uploads");
    staged.sort();
    assert_eq!(staged, ["open-b"], "only uncommitted, unaborted uploads are staged");
    assert_kind(store.read_upload("open-c").await, ErrorKind::BlobUploadUnknown, "read_upload after abort");
    assert_kind(store.open_upload("open-c", 1).await, ErrorKind::BlobUploadUnknown, "resume after abort");
}

/// Reapers on storage that several nodes share ask only for uploads idle for a while: one written
/// just now is busy (another node may be streaming it), and idle once the time has passed.
async fn staged_uploads_leaves_out_busy_ones(store: &dyn BlobStore) {
    use std::time::Duration;
    upload(store, "busy", 0, &[b"just written"]).await;
    assert!(store.staged_uploads(Duration::from_secs(3600)).await.expect("staged_uploads").is_empty(), "busy");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(store.staged_uploads(Duration::from_secs(1)).await.expect("staged_uploads"), ["busy"], "idle for 1 s");
}

async fn concurrent_uploads_are_independent(store: &dyn BlobStore) {
    let mut a = store.open_upload("left", 0).await.expect("open left");
    let mut b = store.open_upload("right", 0).await.expect("open right");
    for i in 0..4u8 {
        a.write(Bytes::from(vec![b'a' + i; 100])).await.expect("write left");
        b.write(Bytes::from(vec![b'A' + i; 50])).await.expect("write right");
    }
    assert_eq!(a.finish().await.expect("finish left"), 400);
    assert_eq!(b.finish().await.expect("finish right"), 200);
    let left: Vec<u8> = (0..4u8).flat_map(|i| vec![b'a' + i; 100]).collect();
    let right: Vec<u8> = (0..4u8).flat_map(|i| vec![b'A' + i; 50]).collect();
    assert_eq!(collect(store.read_upload("left").await.expect("read left")).await, left);
    assert_eq!(collect(store.read_upload("right").await.expect("read right")).await, right);
}

async fn put_small_then_get(store: &dyn BlobStore) {
    let manifest = br#"{"schemaVersion":2}"#;
    let digest = sha256(manifest);
    store.put_small(&digest, Bytes::from_static(manifest)).await.expect("put_small");
    store.put_small(&digest, Bytes::from_static(manifest)).await.expect("put_small again is idempotent");
    assert_eq!(store.stat(&digest).await.expect("stat"), Some(manifest.len() as u64));
    assert_eq!(read_blob(store, &digest, None).await.1, manifest);
    let (size, bytes) = read_blob(store, &digest, Some(ByteRange { start: 1, end: 14 })).await;
    assert_eq!((size, bytes.as_slice()), (manifest.len() as u64, &manifest[1..=14]));
    assert!(
        store.staged_uploads(std::time::Duration::ZERO).await.expect("staged_uploads").is_empty(),
        "put_small stages nothing visible"
    );
}

async fn put_small_many_stores_each(store: &dyn BlobStore) {
    let contents: [&'static [u8]; 4] = [b"first", b"second", b"", b"first"];
    store.put_small(&sha256(b"second"), Bytes::from_static(b"second")).await.expect("put_small");
    let items = contents.iter().map(|c| (sha256(c), Bytes::from_static(c))).collect();
    store.put_small_many(items).await.expect("put_small_many (one already stored, one twice, one empty)");
    for content in contents {
        assert_eq!(read_blob(store, &sha256(content), None).await.1, content, "{content:?} stored whole");
    }
    store.put_small_many(Vec::new()).await.expect("nothing to store");
    // A large batch (a release's records), which a store may make durable another way: some stored
    // already, one twice.
    let many: Vec<Vec<u8>> = (0..40).map(|i| format!("record {}", i % 39).into_bytes()).collect();
    store.put_small(&sha256(&many[5]), Bytes::from(many[5].clone())).await.expect("put_small");
    let items = many
        .iter()
        .map(|c| (sha256(c), Bytes::from(c.clone())))
        .chain([(sha256(b"first"), Bytes::from_static(b"first"))]);
    store.put_small_many(items.collect()).await.expect("put_small_many (a large batch)");
    for content in &many {
        assert_eq!(&read_blob(store, &sha256(content), None).await.1, content, "stored whole");
    }
    assert!(
        store.staged_uploads(std::time::Duration::ZERO).await.expect("staged_uploads").is_empty(),
        "nothing staged is left visible"
    );
}

async fn algorithms_are_separate(store: &dyn BlobStore) {
    let content = b"named twice";
    let (short, long) = (sha256(content), sha512(content));
    store.put_small(&short, Bytes::from_static(content)).await.expect("put_small sha256");
    upload(store, "sha512", 0, &[content]).await;
    store.commit_upload("sha512", &long).await.expect("commit sha512");
    assert_eq!(read_blob(store, &long, None).await.1, content);
    store.delete(&short).await.expect("delete sha256");
    assert_eq!(store.stat(&short).await.expect("stat"), None);
    assert_eq!(store.stat(&long).await.expect("stat"), Some(content.len() as u64), "sha512 copy is separate");
}

/// 64 MiB written in 1 MiB chunks and read back: content intact and streamed in several chunks.
async fn large_blob_streams_in_chunks(store: &dyn BlobStore) {
    const MIB: usize = 1024 * 1024;
    const TOTAL: usize = 64 * MIB;
    let base = pattern(MIB);
    let chunk = |i: usize| {
        let mut c = base.clone();
        c[..8].copy_from_slice(&(i as u64).to_le_bytes());
        c
    };
    let mut hasher = sha2::Sha256::new();
    let mut writer = store.open_upload("large", 0).await.expect("open_upload");
    for i in 0..TOTAL / MIB {
        let c = chunk(i);
        hasher.update(&c);
        writer.write(Bytes::from(c)).await.expect("write");
    }
    assert_eq!(writer.finish().await.expect("finish"), TOTAL as u64);
    let digest = Digest::from_hash(DigestAlgorithm::Sha256, &hasher.finalize());
    store.commit_upload("large", &digest).await.expect("commit_upload");

    let content = store.get(&digest, None).await.expect("get").expect("large blob is present");
    assert_eq!(content.size, TOTAL as u64);
    let (mut chunks, mut largest, mut received) = (0usize, 0usize, 0usize);
    let mut hasher = sha2::Sha256::new();
    let mut stream = content.stream;
    while let Some(piece) = stream.next().await {
        let piece = piece.expect("stream chunk");
        hasher.update(&piece);
        chunks += 1;
        largest = largest.max(piece.len());
        received += piece.len();
    }
    assert_eq!(received, TOTAL, "every byte arrives");
    assert_eq!(Digest::from_hash(DigestAlgorithm::Sha256, &hasher.finalize()), digest, "content intact");
    assert!(chunks > 1 && largest < TOTAL, "streamed in chunks, not whole ({chunks} chunks, largest {largest})");

    let range = ByteRange { start: (10 * MIB - 4) as u64, end: (12 * MIB + 3) as u64 };
    let (_, bytes) = read_blob(store, &digest, Some(range)).await;
    let expected: Vec<u8> = (9..=12).flat_map(chunk).skip(MIB - 4).take(2 * MIB + 8).collect();
    assert_eq!(bytes.len(), expected.len(), "range across chunks has the range's length");
    assert!(bytes == expected, "range across chunk boundaries has the right bytes");
}

async fn ping_answers(store: &dyn BlobStore) {
    store.ping().await.expect("ping");
    store.ping().await.expect("ping is repeatable");
    assert!(
        store.staged_uploads(std::time::Duration::ZERO).await.expect("staged_uploads").is_empty(),
        "ping stages nothing visible"
    );
}
