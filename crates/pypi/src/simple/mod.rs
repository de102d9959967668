//! The simple repository API, version 1.4: PEP 503 HTML and PEP 691 JSON, with PEP 592 yanking,
//! PEP 629 versioning, PEP 658/714 core metadata, PEP 700 versions/sizes/upload times, PEP 740
//! provenance and PEP 792 project status. What the pages hold is the caller's; this module
//! only negotiates the format and writes the bytes.
//!
//! Every value (filenames, URLs, yank reasons, requires-python, status reasons) is escaped for
//! its context: they come from uploaders. URLs are written as given, relative or absolute; they
//! must not carry a fragment, as `#sha256=…` is appended.

mod html;
mod json;
mod negotiate;

pub use negotiate::{CONTENT_TYPE_HTML, CONTENT_TYPE_JSON, CONTENT_TYPE_TEXT_HTML, NotAcceptable, negotiate};

/// The simple API version this module writes.
pub const API_VERSION: &str = "1.4";

/// The two serializations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimpleFormat {
    Html,
    Json,
}

/// One file on a project page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectFile {
    pub filename: String,
    /// Where to download it, relative to the page or absolute; no fragment.
    pub url: String,
    /// Lower-case hex; an empty string for none (JSON `hashes` is then `{}`).
    pub sha256: String,
    pub size: u64,
    /// `yyyy-mm-ddThh:mm:ss.ffffffZ`, already formatted; empty for unknown (JSON omits it).
    pub upload_time: String,
    /// The file's `Requires-Python`; an empty string counts as none.
    pub requires_python: Option<String>,
    /// `Some("")` yanked without a reason, `Some(reason)`, `None` not yanked.
    pub yanked: Option<String>,
    /// The SHA-256 of the core metadata file served at `<url>.metadata` (PEP 658), if served.
    pub core_metadata_sha256: Option<String>,
    /// Whether `<url>.asc` exists, when known.
    pub gpg_sig: Option<bool>,
    /// The URL of the file's PEP 740 provenance object, if it has attestations.
    pub provenance_url: Option<String>,
}

/// PEP 792's project status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectStatus {
    /// `active`, `archived`, `quarantined` or `deprecated`.
    pub status: String,
    pub reason: Option<String>,
}

/// A project's page (`/simple/<normalized>/`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectPage {
    /// The normalized name.
    pub name: String,
    /// Every version of the project (PEP 700), files or not.
    pub versions: Vec<String>,
    pub files: Vec<ProjectFile>,
    pub status: Option<ProjectStatus>,
}

/// The index page (`/simple/`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectList {
    /// Project names as displayed; HTML links point at their normalized form.
    pub projects: Vec<String>,
}

/// A project page in the negotiated format.
pub fn render_project(page: &ProjectPage, format: SimpleFormat) -> Vec<u8> {
    match format {
        SimpleFormat::Html => html::project(page).into_bytes(),
        SimpleFormat::Json => json::project(page),
    }
}

/// The index page in the negotiated format.
pub fn render_index(list: &ProjectList, format: SimpleFormat) -> Vec<u8> {
    match format {
        SimpleFormat::Html => html::index(list).into_bytes(),
        SimpleFormat::Json => json::index(list),
    }
}
