//! An arca server for tests: a fresh data directory, SQLite, a free loopback port.

use crate::{Settings, run};
use std::net::SocketAddr;
use tokio::sync::oneshot;

/// A running server; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts with settings adjusted by `adjust` (data dir and listen address are already set).
    pub async fn start_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::for_tests(dir.path());
        adjust(&mut settings);
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = oneshot::channel();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = run(settings, shutdown, |addr| {
                let _ = ready_tx.send(addr);
            })
            .await
            {
                panic!("test server failed: {e}");
            }
        });
        let addr = ready_rx.await.expect("test server started");
        Self { addr, stop: Some(stop), _dir: dir }
    }

    /// `127.0.0.1:PORT`
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
