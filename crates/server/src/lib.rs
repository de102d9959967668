//! Composition root: configuration, stores, middleware, listeners, background workers.
