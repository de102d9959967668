//! object_store's errors in the core's terms: an unreachable or failing bucket is `Unavailable`
//! (503 with `Retry-After`: nothing was recorded, the client retries), refused credentials are a
//! misconfiguration (`Internal`, logged with the cause).

use arca_core::{Error, ErrorKind};

pub(crate) fn is_not_found(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::NotFound { .. })
}

pub(crate) fn storage_error(what: &str, e: object_store::Error) -> Error {
    match e {
        object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
            Error::internal(&format!("object storage refused {what}"), e)
        }
        object_store::Error::NotFound { .. } => Error::new(ErrorKind::BlobUnknown, format!("{what}: {e}")),
        e => Error::new(ErrorKind::Unavailable, format!("object storage: {what}: {e}")),
    }
}
