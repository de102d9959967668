//! FsBlobStore: the shared BlobStore suite, then what only a filesystem store promises — where bytes
//! land on disk, that nothing is left behind, that uploads survive a restart, and file modes.

use arca_core::ErrorKind;
use arca_core::blob::BlobStore;
use arca_store_fs::FsBlobStore;
use arca_store_testkit::blob::{self as suite, read_blob, sha256, sha512, store_blob, upload};
use arca_types::ByteRange;
use bytes::Bytes;
use futures_util::StreamExt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

const MIB: usize = 1024 * 1024;

fn open(root: &Path) -> FsBlobStore {
    FsBlobStore::open(root.to_path_buf()).expect("open store")
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_the_blob_store_suite() {
    let base = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    suite::run_all(|| async { open(&base.path().join(n.fetch_add(1, Ordering::SeqCst).to_string())) }).await;
}

#[tokio::test]
async fn committed_blobs_live_at_their_content_address() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let digest = store_blob(&store, "layer", b"layer bytes").await;
    let hex = digest.hex();
    let path = dir.path().join("blobs/sha256").join(&hex[..2]).join(hex);
    assert_eq!(fs::read(&path).unwrap(), b"layer bytes", "{}", path.display());

    let long = sha512(b"manifest");
    store.put_small(&long, Bytes::from_static(b"manifest")).await.unwrap();
    let path = dir.path().join("blobs/sha512").join(&long.hex()[..2]).join(long.hex());
    assert_eq!(fs::read(&path).unwrap(), b"manifest", "{}", path.display());

    upload(&store, "staged-1", 0, &[b"staged"]).await;
    assert_eq!(fs::read(dir.path().join("uploads/staged-1")).unwrap(), b"staged");
}

#[tokio::test]
async fn small_content_replaces_a_damaged_copy_and_keeps_a_sound_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let digest = sha256(b"manifest bytes");
    store.put_small(&digest, Bytes::from_static(b"manifest bytes")).await.unwrap();
    let path = dir.path().join("blobs/sha256").join(&digest.hex()[..2]).join(digest.hex());
    let stored = fs::metadata(&path).unwrap().modified().unwrap();
    store.put_small(&digest, Bytes::from_static(b"manifest bytes")).await.unwrap();
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), stored, "a sound copy is not written again");
    fs::write(&path, b"manifest").unwrap();
    store.put_small(&digest, Bytes::from_static(b"manifest bytes")).await.unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"manifest bytes", "a truncated copy is replaced");
}

#[tokio::test]
async fn nothing_is_left_behind_after_commit_abort_and_put() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = store_blob(&store, "one", b"one").await;
    upload(&store, "dup", 0, &[b"one"]).await;
    store.commit_upload("dup", &first).await.unwrap();
    upload(&store, "gone", 0, &[b"aborted"]).await;
    store.abort_upload("gone").await.unwrap();
    let small = sha256(b"small");
    store.put_small(&small, Bytes::from_static(b"small")).await.unwrap();
    store.put_small(&small, Bytes::from_static(b"small")).await.unwrap();
    store.ping().await.unwrap();

    assert_eq!(files_under(&dir.path().join("uploads")), Vec::<String>::new(), "uploads/ is empty");
    let blob = |d: &arca_types::Digest| format!("sha256/{}/{}", &d.hex()[..2], d.hex());
    let mut expected = vec![blob(&first), blob(&small)];
    expected.sort();
    assert_eq!(files_under(&dir.path().join("blobs")), expected, "blobs/ holds exactly the blobs");

    store.delete(&first).await.unwrap();
    assert_eq!(files_under(&dir.path().join("blobs")), [blob(&small)]);
}

#[tokio::test]
async fn staged_upload_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let before = open(dir.path());
    assert_eq!(upload(&before, "resumable", 0, &[b"before restart, "]).await, 16);
    drop(before);

    let after = open(dir.path());
    assert_eq!(after.staged_uploads(std::time::Duration::ZERO).await.unwrap(), ["resumable"]);
    assert_eq!(upload(&after, "resumable", 16, &[b"after restart"]).await, 29);
    let digest = sha256(b"before restart, after restart");
    after.commit_upload("resumable", &digest).await.unwrap();
    drop(after);

    let again = open(dir.path());
    assert_eq!(read_blob(&again, &digest, None).await.1, b"before restart, after restart");
    assert!(again.staged_uploads(std::time::Duration::ZERO).await.unwrap().is_empty());
}

#[tokio::test]
async fn opening_removes_stale_temp_files_only() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    let uploads = dir.path().join("uploads");
    let (stale, fresh) = (uploads.join(".put-stale"), uploads.join(".put-fresh"));
    fs::write(&stale, b"crashed").unwrap();
    fs::write(&fresh, b"in flight").unwrap();
    let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
    fs::File::options().write(true).open(&stale).unwrap().set_modified(two_hours_ago).unwrap();
    fs::create_dir(uploads.join("not-a-file")).unwrap();

    let store = open(dir.path());
    assert!(!stale.exists(), "a temp file older than an hour is removed");
    assert!(fresh.exists(), "a recent temp file may belong to another process");
    assert!(
        store.staged_uploads(std::time::Duration::ZERO).await.unwrap().is_empty(),
        "temp files and directories are not uploads"
    );
}

#[tokio::test]
async fn reads_stream_in_one_mebibyte_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let content: Vec<u8> = (0..7 * MIB / 2).map(|i| (i % 253) as u8).collect();
    let digest = store_blob(&store, "chunks", &content).await;

    let sizes =
        |stream: arca_core::blob::ByteStream| async move { stream.map(|c| c.unwrap().len()).collect::<Vec<_>>().await };
    let blob = store.get(&digest, None).await.unwrap().unwrap();
    assert_eq!(sizes(blob.stream).await, [MIB, MIB, MIB, MIB / 2]);
    let range = ByteRange { start: 10, end: (2 * MIB + 9) as u64 };
    let part = store.get(&digest, Some(range)).await.unwrap().unwrap();
    assert_eq!(sizes(part.stream).await, [MIB, MIB], "a range is limited to its length");
    upload(&store, "staged", 0, &[&content]).await;
    assert_eq!(sizes(store.read_upload("staged").await.unwrap()).await, [MIB, MIB, MIB, MIB / 2]);
}

#[tokio::test]
async fn open_creates_the_root_and_ping_notices_it_gone() {
    let dir = tempfile::tempdir().unwrap();
    let root: PathBuf = dir.path().join("nested/data");
    let store = open(&root);
    store.ping().await.unwrap();
    fs::remove_dir_all(&root).unwrap();
    let err = store.ping().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unavailable, "{err}");

    let file = dir.path().join("a-file");
    fs::write(&file, b"").unwrap();
    assert!(FsBlobStore::open(file).is_err(), "a root that is a file is refused");
}

#[cfg(unix)]
#[tokio::test]
async fn files_and_directories_are_private_to_the_owner_and_group() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("data");
    let store = open(&root);
    let digest = store_blob(&store, "perm", b"private").await;
    let small = sha256(b"small");
    store.put_small(&small, Bytes::from_static(b"small")).await.unwrap();
    upload(&store, "staged", 0, &[b"staged"]).await;

    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let fan_out = root.join("blobs/sha256").join(&digest.hex()[..2]);
    for dir in [root.clone(), root.join("blobs"), root.join("blobs/sha256"), root.join("uploads"), fan_out] {
        let m = mode(&dir);
        assert_eq!(m & 0o700, 0o700, "{} is usable by its owner ({m:o})", dir.display());
        assert_eq!(m & 0o007, 0, "{} is closed to others ({m:o})", dir.display());
    }
    let small_path = root.join("blobs/sha256").join(&small.hex()[..2]).join(small.hex());
    let blob_path = root.join("blobs/sha256").join(&digest.hex()[..2]).join(digest.hex());
    for file in [blob_path, small_path, root.join("uploads/staged")] {
        let m = mode(&file);
        assert_eq!(m & 0o600, 0o600, "{} is readable and writable by its owner ({m:o})", file.display());
        assert_eq!(m & 0o117, 0, "{} is not executable nor open to others ({m:o})", file.display());
    }
}
