//! PyPI's formats, pure: distribution filenames, core metadata and reading it out of wheels and
//! sdists, the legacy upload form, PEP 740 attestations, and the simple repository API (PEP 503
//! HTML and PEP 691 JSON, at API version 1.4: PEP 700 sizes and upload times, PEP 714
//! `core-metadata`, PEP 740 provenance, PEP 792 project status).
//!
//! Architecture invariant: no async, no network, no filesystem; the only I/O is reading an
//! archive through the `Read + Seek` the caller hands over. Every parser of untrusted input
//! (filenames, metadata, archives, upload forms, attestations, `Accept` headers) has property
//! tests and a fuzz target (`pypi_*`), and refuses with a [`PypiError`] whose message is one
//! line of ASCII, fit for the HTTP reason phrase twine shows.
//!
//! Everything is re-exported at the root; the modules group it as PyPI's documents do.

mod archive;
pub mod attestations;
mod error;
pub mod filename;
pub mod metadata;
pub mod simple;
pub mod upload;

pub use archive::{Limits, MAX_EXTENSION_BYTES, extract_metadata};
pub use attestations::{
    MAX_ATTESTATIONS, PREDICATE_TYPES, STATEMENT_TYPE, UNVERIFIED_PUBLISHER_KIND, check_attestation_subjects,
    parse_attestations, provenance_document,
};
pub use error::PypiError;
pub use filename::{ArchiveFormat, DistFilename, DistKind, MAX_FILENAME_LEN};
pub use metadata::{CoreMetadata, check_agrees};
pub use simple::{
    NotAcceptable, ProjectFile, ProjectList, ProjectPage, ProjectStatus, SimpleFormat, negotiate, render_index,
    render_project,
};
pub use upload::{MAX_FIELD_BYTES, MAX_FIELDS, MAX_FORM_BYTES, MAX_LONG_FIELD_BYTES, UploadForm, max_field_bytes};
