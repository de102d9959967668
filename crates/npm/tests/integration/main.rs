//! arca-npm's integration tests: one binary, one module per area.

mod audit;
mod login_search;
mod packument;
mod publish;
mod publish_props;
mod range;
mod signing;
mod support;
mod tarball;
