//! The server crate's one integration test binary: black-box HTTP against an in-process server.

#[path = "integration/api.rs"]
mod api;
#[path = "integration/architecture.rs"]
mod architecture;
#[path = "integration/auth.rs"]
mod auth;
#[path = "integration/backup.rs"]
mod backup;
#[path = "integration/bad_input.rs"]
mod bad_input;
#[path = "integration/cargo.rs"]
mod cargo;
#[path = "integration/cargo_clients.rs"]
mod cargo_clients;
#[path = "integration/clients_auth.rs"]
mod clients_auth;
#[path = "integration/conditional.rs"]
mod conditional;
#[path = "integration/connections.rs"]
mod connections;
#[path = "integration/dashboard_history.rs"]
mod dashboard_history;
#[path = "integration/disk_full.rs"]
mod disk_full;
#[path = "integration/dsse.rs"]
mod dsse;
#[path = "integration/faults.rs"]
mod faults;
#[path = "integration/gc.rs"]
mod gc;
#[path = "integration/generic.rs"]
mod generic;
#[path = "integration/hostile.rs"]
mod hostile;
#[path = "integration/language_lifecycle.rs"]
mod language_lifecycle;
#[path = "integration/manifest_bodies.rs"]
mod manifest_bodies;
#[path = "integration/maven.rs"]
mod maven;
#[path = "integration/maven_clients.rs"]
mod maven_clients;
#[path = "integration/multinode.rs"]
mod multinode;
#[path = "integration/npm.rs"]
mod npm;
#[path = "integration/npm_clients.rs"]
mod npm_clients;
#[path = "integration/ops.rs"]
mod ops;
#[path = "integration/policy.rs"]
mod policy;
#[path = "integration/postgres.rs"]
mod postgres;
#[path = "integration/promotion.rs"]
mod promotion;
#[path = "integration/protocol_seam.rs"]
mod protocol_seam;
#[path = "integration/provenance.rs"]
mod provenance;
#[path = "integration/pull_gates.rs"]
mod pull_gates;
#[path = "integration/pypi.rs"]
mod pypi;
#[path = "integration/pypi_clients.rs"]
mod pypi_clients;
#[path = "integration/quarantine.rs"]
mod quarantine;
#[path = "integration/quota.rs"]
mod quota;
#[path = "integration/restart.rs"]
mod restart;
#[path = "integration/retention.rs"]
mod retention;
#[path = "integration/s3.rs"]
mod s3;
#[path = "integration/scrub.rs"]
mod scrub;
#[path = "integration/search.rs"]
mod search;
#[path = "integration/support.rs"]
mod support;
#[path = "integration/tls.rs"]
mod tls;
#[path = "integration/trust.rs"]
mod trust;
#[path = "integration/ui.rs"]
mod ui;
#[path = "integration/ui_access.rs"]
mod ui_access;
#[path = "integration/ui_browser.rs"]
mod ui_browser;
#[path = "integration/ui_yank.rs"]
mod ui_yank;
#[path = "integration/users_api.rs"]
mod users_api;
