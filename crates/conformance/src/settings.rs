//! Which spec version is checked and how strictly; read from the environment.

/// The upstream `OCI_VERSION` the checks are configured for (upstream `config.go`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `OCI_VERSION=1.1`: upload cancel, required digest headers and `?tag=` are off.
    V1_1,
    /// `OCI_VERSION=dev`: everything of 1.1 plus upload cancel (`DELETE` of an upload
    /// session), required `Docker-Content-Digest` headers and `?tag=` on manifest PUT.
    Dev,
}

/// Settings of one run.
#[derive(Clone, Debug)]
pub struct Settings {
    pub version: Version,
    /// Outcomes upstream reports as "unsupported" (and skips) pass with a warning instead
    /// of failing.
    pub lenient: bool,
}

impl Settings {
    /// `ARCA_CONFORMANCE_VERSION` (`1.1` or `dev`, default `dev`) and
    /// `ARCA_CONFORMANCE_LENIENT` (`1`/`true` to accept unsupported optional features).
    pub fn from_env() -> Self {
        let version = match std::env::var("ARCA_CONFORMANCE_VERSION").as_deref() {
            Ok("1.1") | Ok("stable") => Version::V1_1,
            Ok("dev") | Ok("1.1+dev") | Ok("") | Err(_) => Version::Dev,
            Ok(other) => panic!("ARCA_CONFORMANCE_VERSION={other:?}: expected 1.1 or dev"),
        };
        let lenient = matches!(std::env::var("ARCA_CONFORMANCE_LENIENT").as_deref(), Ok("1") | Ok("true") | Ok("yes"));
        Settings { version, lenient }
    }

    /// Upstream `APIs.Blobs.UploadCancel` (dev only).
    pub fn upload_cancel(&self) -> bool {
        self.version == Version::Dev
    }

    /// Upstream `APIs.Blobs.DigestHeader` / `APIs.Manifests.DigestHeader` (dev only).
    pub fn digest_header_required(&self) -> bool {
        self.version == Version::Dev
    }

    /// Upstream `APIs.Manifests.TagParam` (dev only).
    pub fn tag_param(&self) -> bool {
        self.version == Version::Dev
    }
}
