//! The one integration test binary of arca-notation (linking is the slow part).

mod pki;
mod policy;
mod props;
mod verify;
