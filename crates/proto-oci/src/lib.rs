//! The OCI Distribution v1.1 protocol: parse request, call core, render the wire format.
