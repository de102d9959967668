//! Labels that protocol crates attach to responses for metrics and request logs.

/// The class of route that answered (e.g. `oci_blob_get`), stored in response extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteClass(pub &'static str);
