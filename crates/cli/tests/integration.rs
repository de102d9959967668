//! Black-box tests of the `arca` binary: `arca serve` on port 0 driven by real clients (skopeo, the
//! oras Python SDK) through the scripts in `tests/e2e/`, the admin commands, and the client commands
//! (`login`, `push`, `pull`, `ls`, `info`, `search`), over HTTP and HTTPS. `ARCA_TEST_LARGE_MIB` sets
//! the size of the client round trip's large file (default 64; the server's peak memory must stay
//! flat whatever it is).
//!
//! The tools come from `bash .ci/run`; a missing tool fails the test (no silent skips).
//! `ARCA_TEST_REGISTRY=host:port` runs the client tests against an already running registry instead
//! (e.g. CNCF Distribution, to check the scripts themselves; add `ARCA_TEST_REFERRERS=0` for a
//! registry without OCI 1.1 referrers).

#[path = "integration/harness.rs"]
mod harness;

#[path = "integration/admin.rs"]
mod admin;

#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/client.rs"]
mod client;
#[path = "integration/gc.rs"]
mod gc;
#[path = "integration/generic_oras.rs"]
mod generic_oras;
#[path = "integration/maven.rs"]
mod maven;
#[path = "integration/oras.rs"]
mod oras;
#[path = "integration/promote.rs"]
mod promote;
#[path = "integration/pypi.rs"]
mod pypi;
#[path = "integration/scaleout.rs"]
mod scaleout;
#[path = "integration/serve.rs"]
mod serve;
#[path = "integration/skopeo.rs"]
mod skopeo;
#[path = "integration/tls.rs"]
mod tls;
#[path = "integration/trust.rs"]
mod trust;
