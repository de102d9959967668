//! MetaStore checks.
