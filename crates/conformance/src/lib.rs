//! Black-box checks mirroring the opencontainers distribution-spec conformance suite.
