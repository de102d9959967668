//! [`BlobStore`] on the local filesystem: temp file, fsync, atomic rename into a content-addressed
//! path.
//!
//! Architecture invariant: only this crate knows how blobs are laid out on disk. Nothing else reads,
//! writes or builds a path under the store's root; everything goes through [`BlobStore`].
//!
//! Layout under the root:
//!
//! ```text
//! blobs/<algorithm>/<first two hex>/<hex>   committed content, named by its digest
//! uploads/<id>                              staged bytes of an open upload
//! uploads/.<anything>                       temp files of `put_small` and `ping` (never an upload id)
//! ```
//!
//! Durability: `UploadWriter::finish` fsyncs the staged file (and the `uploads` directory when it
//! created the file). `commit_upload` and `put_small` fsync the content, rename it into place, fsync
//! every directory they created and then the directory the blob landed in. Once one of them returns,
//! the bytes survive a crash or a power loss.

mod batch;
mod direct;
mod reader;
mod writer;

use arca_core::blob::{BlobContent, BlobStore, ByteStream, UploadWriter};
use arca_core::{Error, ErrorKind, Result};
use arca_types::{ByteRange, Digest, DigestAlgorithm};
use async_trait::async_trait;
use bytes::Bytes;
use std::fs;
use std::io::{self, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Size of the chunks a read streams.
const CHUNK: usize = 1024 * 1024;

/// Temp files older than this are leftovers of a crash, removed when the store opens.
const STALE_TEMP: Duration = Duration::from_secs(3600);
/// No access for others: artifacts may be private.
#[cfg(unix)]
const FILE_MODE: u32 = 0o640;
#[cfg(unix)]
const DIR_MODE: u32 = 0o750;

/// Blobs in a directory on the local filesystem. Cheap to clone; clones share the root.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: Arc<Root>,
    budget: writer::Budget,
}

#[derive(Debug)]
struct Root {
    blobs: PathBuf,
    uploads: PathBuf,
}

impl FsBlobStore {
    /// Whether any committed blob is on disk (to tell a lost metadata database from a new store).
    pub fn holds_blobs(&self) -> Result<bool> {
        let algorithms = match fs::read_dir(&self.root.blobs) {
            Ok(dir) => dir,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(Error::from_io("listing blobs", e)),
        };
        for algorithm in algorithms.flatten() {
            for prefix in fs::read_dir(algorithm.path()).into_iter().flatten().flatten() {
                if fs::read_dir(prefix.path()).into_iter().flatten().flatten().next().is_some() {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Opens (creating if needed) a store rooted at `root`, and removes temp files left by a crash.
    pub fn open(root: PathBuf) -> Result<Self> {
        let root = Root { blobs: root.join("blobs"), uploads: root.join("uploads") };
        for algorithm in [DigestAlgorithm::Sha256, DigestAlgorithm::Sha512] {
            ensure_dir(&root.blobs.join(algorithm.as_str())).map_err(io_error("creating the blob directory"))?;
        }
        ensure_dir(&root.uploads).map_err(io_error("creating the uploads directory"))?;
        remove_stale_temp_files(&root.uploads).map_err(io_error("cleaning the uploads directory"))?;
        Ok(Self { root: Arc::new(root), budget: writer::Budget::default_sizes() })
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        // A `Digest` is validated: a known algorithm and lowercase hex, so nothing here can escape.
        let hex = digest.hex();
        self.root.blobs.join(digest.algorithm().as_str()).join(&hex[..2]).join(hex)
    }

    fn upload_path(&self, id: &str) -> Result<PathBuf> {
        if is_valid_upload_id(id) { Ok(self.root.uploads.join(id)) } else { Err(upload_unknown(id)) }
    }

    fn temp_path(&self, purpose: &str) -> PathBuf {
        self.root.uploads.join(format!(".{purpose}-{}", uuid::Uuid::new_v4().simple()))
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn open_upload(&self, id: &str, offset: u64) -> Result<Box<dyn UploadWriter>> {
        let path = self.upload_path(id)?;
        let id = id.to_owned();
        let file = blocking(move || open_staged(&path, &id, offset)).await?;
        Ok(Box::new(writer::FsUploadWriter::new(
            file,
            offset,
            (offset == 0).then(|| self.root.uploads.clone()),
            writer::Tuning::DEFAULT,
            self.budget.clone(),
        )))
    }

    async fn read_upload(&self, id: &str) -> Result<ByteStream> {
        let path = self.upload_path(id)?;
        let unknown = upload_unknown(id);
        let (file, size) = blocking(move || match open_with_size(&path) {
            Ok(opened) => Ok(opened),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(unknown),
            Err(e) => Err(Error::from_io("opening a staged upload", e)),
        })
        .await?;
        Ok(reader::stream(file, 0, size, CHUNK))
    }

    async fn commit_upload(&self, id: &str, digest: &Digest) -> Result<()> {
        let staged = self.upload_path(id)?;
        let target = self.blob_path(digest);
        let id = id.to_owned();
        blocking(move || {
            // Already stored (and durable): the staged copy is simply dropped, with no fsync at all —
            // unless the stored copy is damaged (its size differs), which the staged one then replaces.
            if let Ok(stored) = fs::metadata(&target) {
                let staged_len = match fs::metadata(&staged) {
                    Ok(m) => m.len(),
                    Err(_) => return Err(upload_unknown(&id)),
                };
                if stored.len() == staged_len {
                    return remove_if_present(&staged).map_err(io_error("removing a staged upload"));
                }
                tracing::warn!(blob = %target.display(), "replacing a stored blob of the wrong size");
            }
            // Make the staged bytes durable even if the writer was only closed; cheap if it was finished.
            match fs::File::open(&staged) {
                Ok(file) => file.sync_all().map_err(io_error("syncing a staged upload"))?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(upload_unknown(&id)),
                Err(e) => return Err(Error::from_io("opening a staged upload", e)),
            }
            move_into_place(&staged, &target).map_err(|e| match e.kind() {
                io::ErrorKind::NotFound if !staged.exists() => upload_unknown(&id),
                _ => Error::from_io("committing an upload", e),
            })
        })
        .await
    }

    async fn abort_upload(&self, id: &str) -> Result<()> {
        let path = self.upload_path(id)?;
        blocking(move || remove_if_present(&path).map_err(io_error("removing a staged upload"))).await
    }

    async fn staged_uploads(&self, idle_for: Duration) -> Result<Vec<String>> {
        let dir = self.root.uploads.clone();
        blocking(move || {
            let mut ids = Vec::new();
            for entry in fs::read_dir(&dir).map_err(io_error("listing uploads"))? {
                let entry = entry.map_err(io_error("listing uploads"))?;
                let is_file = entry.file_type().map_err(io_error("listing uploads"))?.is_file();
                // A file gone meanwhile (committed) or unreadable counts as busy.
                let idle = idle_for.is_zero()
                    || entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .is_ok_and(|t| t.elapsed().is_ok_and(|e| e >= idle_for));
                match entry.file_name().into_string() {
                    Ok(name) if is_file && idle && is_valid_upload_id(&name) => ids.push(name),
                    _ => {}
                }
            }
            ids.sort();
            Ok(ids)
        })
        .await
    }

    async fn put_small(&self, digest: &Digest, content: Bytes) -> Result<()> {
        let target = self.blob_path(digest);
        // Checked in place: a manifest pushed again needs no trip to the blocking pool.
        if stored_whole(&target, content.len()) {
            return Ok(());
        }
        let temp = self.temp_path("put");
        blocking(move || {
            let written = write_synced(&temp, &content).and_then(|()| move_into_place(&temp, &target));
            if written.is_err() {
                let _ = fs::remove_file(&temp);
            }
            written.map_err(io_error("storing content"))
        })
        .await
    }

    async fn put_small_many(&self, items: Vec<(Digest, Bytes)>) -> Result<()> {
        let jobs: Vec<batch::Job> = items
            .into_iter()
            .map(|(digest, content)| (self.temp_path("put"), self.blob_path(&digest), content))
            .filter(|(_, target, content)| !stored_whole(target, content.len()))
            .collect();
        if jobs.is_empty() {
            return Ok(());
        }
        blocking(move || {
            let written = batch::write_all_synced(&jobs);
            if written.is_err() {
                for (temp, ..) in &jobs {
                    let _ = fs::remove_file(temp);
                }
            }
            written.map_err(io_error("storing content"))
        })
        .await
    }

    async fn get(&self, digest: &Digest, range: Option<ByteRange>) -> Result<Option<BlobContent>> {
        let path = self.blob_path(digest);
        let opened = blocking(move || match open_with_size(&path) {
            Ok(opened) => Ok(Some(opened)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::internal("opening a blob", e)),
        })
        .await?;
        let Some((file, size)) = opened else { return Ok(None) };
        let (start, len) = match range {
            None => (0, size),
            Some(range) if range.start <= range.end && range.end < size => (range.start, range.len()),
            Some(range) => {
                return Err(Error::new(
                    ErrorKind::RangeNotSatisfiable,
                    format!("range {}-{} lies outside {size} bytes", range.start, range.end),
                ));
            }
        };
        Ok(Some(BlobContent { size, stream: reader::stream(file, start, len, CHUNK) }))
    }

    async fn stat(&self, digest: &Digest) -> Result<Option<u64>> {
        // In place, not on the blocking pool: a `stat` of a local file is microseconds (the pool's
        // thread hand-off costs more), and a push of content already stored makes one per blob.
        match fs::metadata(self.blob_path(digest)) {
            Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::internal("reading blob metadata", e)),
        }
    }

    async fn delete(&self, digest: &Digest) -> Result<()> {
        let path = self.blob_path(digest);
        blocking(move || remove_if_present(&path).map_err(io_error("deleting a blob"))).await
    }

    async fn ping(&self) -> Result<()> {
        let blobs = self.root.blobs.clone();
        let probe = self.temp_path("ping");
        blocking(move || {
            let checked =
                fs::read_dir(&blobs).and_then(|_| fs::write(&probe, b"ping")).and_then(|()| fs::remove_file(&probe));
            checked.map_err(|e| {
                let _ = fs::remove_file(&probe);
                Error::new(ErrorKind::Unavailable, format!("blob directory is not readable and writable: {e}"))
            })
        })
        .await
    }
}

/// Opens a file for reading, with its current size.
fn open_with_size(path: &Path) -> io::Result<(fs::File, u64)> {
    let file = fs::File::open(path)?;
    let size = file.metadata()?.len();
    Ok((file, size))
}

/// Opens a staged file for writing at `offset`: 0 creates or truncates it, the staged length appends,
/// less truncates back to `offset`, more is an error.
///
/// The file is locked first: a writer whose request was cancelled may still have a batch in flight,
/// and it must land before the file is cut back, not after (its descriptors, and so the lock, go
/// when its last write is done).
fn open_staged(path: &Path, id: &str, offset: u64) -> Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(offset == 0);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(upload_unknown(id)),
        Err(e) => return Err(Error::from_io("opening an upload", e)),
    };
    file.lock().map_err(io_error("locking an upload"))?;
    let staged = file.metadata().map_err(io_error("reading upload metadata"))?.len();
    if offset > staged {
        return Err(Error::new(
            ErrorKind::UploadRangeInvalid,
            format!("upload {id} has {staged} bytes; cannot continue at {offset}"),
        ));
    }
    if offset < staged {
        file.set_len(offset).map_err(io_error("truncating an upload"))?;
    }
    file.seek(SeekFrom::Start(offset)).map_err(io_error("seeking in an upload"))?;
    Ok(file)
}

/// Renames `from` to `to`, creating `to`'s directory if needed, and makes the rename durable.
fn move_into_place(from: &Path, to: &Path) -> io::Result<()> {
    let dir = to.parent().ok_or_else(|| io::Error::other("blob path has no parent"))?;
    ensure_dir(dir)?;
    fs::rename(from, to)?;
    sync_dir(dir)
}

/// Whether `path` holds content of `len` bytes already: stored (content-addressed: same digest, same
/// bytes), unless damaged to another size.
fn stored_whole(path: &Path, len: usize) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == len as u64)
}

/// Writes a new file and fsyncs it.
fn write_synced(path: &Path, content: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let mut file = options.open(path)?;
    file.write_all(content)?;
    file.sync_all()
}

/// Creates `dir` and any missing ancestors, fsyncing the parent of each directory it had to create
/// (or that another thread was creating at the same time), so that the new entries are durable.
fn ensure_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    ensure_dir(parent)?;
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    match builder.create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => {}
        Err(e) => return Err(e),
    }
    sync_dir(parent)
}

pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Removes `put_small`/`ping` temp files a crash left behind. Only old ones: another process may be
/// writing through the same root right now.
fn remove_stale_temp_files(uploads: &Path) -> io::Result<()> {
    let now = SystemTime::now();
    for entry in fs::read_dir(uploads)? {
        let entry = entry?;
        if !entry.file_name().as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let modified = entry.metadata()?.modified()?;
        if now.duration_since(modified).is_ok_and(|age| age > STALE_TEMP) {
            tracing::info!(path = %entry.path().display(), "removing a temp file left by a crash");
            remove_if_present(&entry.path())?;
        }
    }
    Ok(())
}

/// Upload ids are minted by the core, but they reach us from URLs: only `[A-Za-z0-9_-]{1,128}`.
fn is_valid_upload_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn upload_unknown(id: &str) -> Error {
    Error::new(ErrorKind::BlobUploadUnknown, format!("upload {id:?} is unknown"))
}

pub(crate) fn io_error(context: &'static str) -> impl Fn(io::Error) -> Error {
    move |e| Error::from_io(context, e)
}

pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::internal("blob store task", e))?
}
