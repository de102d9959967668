//! Accepting connections: a bounded number at a time, each closed when its client stops sending.
//!
//! Why not `axum::serve`: it has no header-read or keep-alive timeout and no connection cap, so
//! silent connections (nothing sent, half a request line, an idle keep-alive) stay open forever and a
//! client holding ~1,000 of them exhausts the file descriptors and starves everyone else.
//!
//! - hyper's header-read timeout starts whenever the connection waits for a request head: for a new
//!   connection, for half-sent headers, and between requests on a keep-alive connection (so it is the
//!   idle keep-alive timeout too). Stalled bodies are cut by [`crate::limits::body_idle`].
//! - At most `max_connections` are served at once; at the cap the accept loop waits (clients queue in
//!   the kernel's backlog) and the event is logged and counted.
//! - [`raise_nofile_limit`] lifts the soft file-descriptor limit to the hard one at start.
//! - With TLS ([`crate::tls`]) the handshake runs on the connection's task within the same header-read
//!   timeout, then ALPN picks HTTP/2 or HTTP/1.1. HTTP/2 has no header-read timeout of its own: a
//!   connection without an open request for that long is closed the same way. A plain HTTP request
//!   to the TLS port is answered `400` (use https).

use crate::metrics::Metrics;
use crate::tls::ServerTls;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// Connection limits and timeouts (`http.*` settings).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Longest wait for a request head: new connections, half-sent headers, idle keep-alive.
    pub header_read_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

/// File descriptors kept free for the database, blob files and logs when sizing the connection cap.
const RESERVED_FDS: u64 = 256;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the soft limit now in force.
pub fn raise_nofile_limit() -> Option<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let soft = limit.current?;
    if limit.maximum.is_none_or(|hard| hard > soft) {
        let raised = rustix::process::Rlimit { current: limit.maximum, maximum: limit.maximum };
        match setrlimit(Resource::Nofile, raised) {
            Ok(()) => return getrlimit(Resource::Nofile).current.or(Some(u64::MAX)),
            Err(e) => tracing::warn!(error = %e, soft, "could not raise the open-file limit"),
        }
    }
    Some(soft)
}

impl ConnectionLimits {
    /// The configured cap, lowered to what the open-file limit allows.
    pub fn fitted_to(mut self, nofile: Option<u64>) -> Self {
        if let Some(nofile) = nofile {
            let room = usize::try_from(nofile.saturating_sub(RESERVED_FDS).max(16)).unwrap_or(usize::MAX);
            if room < self.max_connections {
                tracing::warn!(
                    configured = self.max_connections,
                    used = room,
                    nofile,
                    "http.max_connections lowered to fit the open-file limit"
                );
                self.max_connections = room;
            }
        }
        self
    }
}

/// Serves `router` on `listener` until `stop` turns true, then stops accepting and waits for open
/// connections to finish (the caller bounds that wait). With `tls`, every connection is HTTPS.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    tls: Option<Arc<ServerTls>>,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    // Every connection task holds a receiver: once all are dropped, every connection has ended.
    let (open, _) = watch::channel(());
    let mut last_warning: Option<Instant> = None;
    loop {
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                metrics.connection_limit_reached.fetch_add(1, Ordering::Relaxed);
                if last_warning.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection limit reached: new connections wait until one closes (http.max_connections)"
                    );
                    last_warning = Some(Instant::now());
                }
                tokio::select! {
                    permit = permits.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                    () = stopped(&mut stop) => break,
                }
            }
        };
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning; the connection stays queued.
                    tracing::error!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        // Small responses (manifest and config GETs) must not wait out Nagle + delayed ACK (~40 ms each).
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY");
        }
        let connection = Connection {
            router: router.clone(),
            addr,
            limits,
            metrics: metrics.clone(),
            stop: stop.clone(),
            tls: tls.is_some(),
        };
        let acceptor = tls.as_ref().map(|tls| tls.acceptor());
        let alive = open.subscribe();
        metrics.connections_open.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let metrics = connection.metrics.clone();
            match acceptor {
                None => connection.http1(TokioIo::new(stream)).await,
                Some(acceptor) => connection.https(stream, acceptor).await,
            }
            metrics.connections_open.fetch_sub(1, Ordering::Relaxed);
            drop((permit, alive));
        });
    }
    drop(listener);
    open.closed().await;
}

/// One accepted connection and what serving it needs.
struct Connection {
    router: Router,
    addr: SocketAddr,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    stop: watch::Receiver<bool>,
    tls: bool,
}

/// How a connection ended.
enum Ended {
    Closed,
    /// No request head (HTTP/1.1) or no open request (HTTP/2) within the header-read timeout.
    TimedOut,
    Failed(hyper::Error),
}

impl Connection {
    /// The TLS handshake (bounded by the header-read timeout, like a request head), then HTTP/2 or
    /// HTTP/1.1 as ALPN chose.
    async fn https(self, stream: TcpStream, acceptor: TlsAcceptor) {
        let handshake = async {
            if let Some(head) = plain_http_request(&stream).await {
                answer_plain_http(stream, head).await;
                return None;
            }
            acceptor
                .accept(stream)
                .await
                .inspect_err(|e| tracing::debug!(client = %self.addr, error = %e, "TLS handshake failed"))
                .ok()
        };
        let mut stop = self.stop.clone();
        let stream = tokio::select! {
            done = tokio::time::timeout(self.limits.header_read_timeout, handshake) => match done {
                Ok(Some(stream)) => stream,
                Ok(None) => return,
                Err(_) => return self.ended(Ended::TimedOut),
            },
            () = stopped(&mut stop) => return,
        };
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        tracing::debug!(client = %self.addr, protocol = if h2 { "h2" } else { "http/1.1" }, "TLS handshake done");
        if h2 {
            self.http2(TokioIo::new(stream)).await;
        } else {
            self.http1(TokioIo::new(stream)).await;
        }
    }

    async fn http1<I>(mut self, io: I)
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let (router, addr, tls) = (self.router.clone(), self.addr, self.tls);
        let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
            router.clone().oneshot(prepare(request, addr, tls))
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read_timeout)
            .serve_connection(io, service);
        let ended = drive(connection, &mut self.stop, None).await;
        self.ended(ended);
    }

    /// HTTP/2 has no header-read timeout: a connection with no open request for that long is asked
    /// to close (GOAWAY), and dropped if still idle one timeout later.
    async fn http2<I>(mut self, io: I)
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let (router, addr, tls) = (self.router.clone(), self.addr, self.tls);
        let (requests, idle) = watch::channel(0usize);
        let requests = Arc::new(requests);
        let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
            let open = OpenRequest::new(&requests);
            let response = router.clone().oneshot(prepare(request, addr, tls));
            async move {
                let response = response.await?;
                Ok::<_, std::convert::Infallible>(response.map(|body| Tracked { body, _open: open }))
            }
        });
        let connection = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            // The headers middleware's limit (431) applies as on HTTP/1.1; HTTP/2 counts 32 bytes per field more.
            .max_header_list_size(u32::try_from(crate::limits::MAX_HEADER_BYTES + 100 * 32).unwrap_or(u32::MAX))
            .serve_connection(io, service);
        let ended = drive(connection, &mut self.stop, Some((idle, self.limits.header_read_timeout))).await;
        self.ended(ended);
    }

    fn ended(&self, ended: Ended) {
        match ended {
            Ended::Closed => {}
            Ended::TimedOut => {
                self.metrics.connections_timed_out.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(client = %self.addr, "connection closed: no request within the header-read timeout");
            }
            Ended::Failed(e) if e.is_timeout() => self.ended(Ended::TimedOut),
            Ended::Failed(e) => tracing::debug!(client = %self.addr, error = %e, "connection ended with an error"),
        }
    }
}

/// What every request gets from its connection: the peer address, and whether it came over TLS.
fn prepare(mut request: http::Request<Incoming>, addr: SocketAddr, tls: bool) -> http::Request<axum::body::Body> {
    request.extensions_mut().insert(ConnectInfo(addr));
    if tls {
        request.extensions_mut().insert(arca_http::ServedOverTls);
    }
    request.map(axum::body::Body::new)
}

/// Runs `connection` to its end. On `stop` it is asked to finish its requests and close. With `idle`
/// (HTTP/2) so is a connection without an open request for that long, and one still idle as long
/// again is dropped.
async fn drive<C>(
    connection: C,
    stop: &mut watch::Receiver<bool>,
    mut idle: Option<(watch::Receiver<usize>, Duration)>,
) -> Ended
where
    C: GracefulConnection<Error = hyper::Error>,
{
    tokio::pin!(connection);
    let (mut closing, mut idle_closed) = (false, false);
    loop {
        tokio::select! {
            result = connection.as_mut() => return match result {
                // However the client took the GOAWAY, the connection was closed for idling.
                _ if idle_closed => Ended::TimedOut,
                Ok(()) => Ended::Closed,
                Err(e) => Ended::Failed(e),
            },
            () = stopped(stop), if !closing => {
                connection.as_mut().graceful_shutdown();
                closing = true;
            }
            () = idle_for(&mut idle) => {
                if idle_closed {
                    return Ended::TimedOut;
                }
                if !closing {
                    connection.as_mut().graceful_shutdown();
                }
                (closing, idle_closed) = (true, true);
            }
        }
    }
}

/// Resolves once no request has been open for the duration (never without `idle`).
async fn idle_for(idle: &mut Option<(watch::Receiver<usize>, Duration)>) {
    let Some((open, timeout)) = idle else { return std::future::pending().await };
    loop {
        if *open.borrow_and_update() == 0 {
            match tokio::time::timeout(*timeout, open.changed()).await {
                Err(_) => return,
                Ok(Ok(())) => {}
                Ok(Err(_)) => return std::future::pending().await,
            }
        } else if open.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}

/// Counts a request as open on its connection until its response body is done (or dropped).
struct OpenRequest(Arc<watch::Sender<usize>>);

impl OpenRequest {
    fn new(requests: &Arc<watch::Sender<usize>>) -> Self {
        requests.send_modify(|n| *n += 1);
        Self(requests.clone())
    }
}

impl Drop for OpenRequest {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

/// A response body that keeps its request counted as open.
struct Tracked {
    body: axum::body::Body,
    _open: OpenRequest,
}

impl http_body::Body for Tracked {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The request head of a client that spoke plain HTTP to the TLS port (a TLS client starts with a
/// handshake record, 0x16; an HTTP request with a method in capitals).
async fn plain_http_request(stream: &TcpStream) -> Option<Vec<u8>> {
    let mut first = [0u8; 1];
    match stream.peek(&mut first).await {
        Ok(1) if first[0].is_ascii_uppercase() => {}
        _ => return None,
    }
    // Read the head, so that closing does not reset the connection before the client reads the answer.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while head.len() < 16 * 1024 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.try_read(&mut buf) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if stream.readable().await.is_err() {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Some(head)
}

/// `400`: this port speaks HTTPS.
async fn answer_plain_http(mut stream: TcpStream, head: Vec<u8>) {
    let host = String::from_utf8_lossy(&head)
        .lines()
        .find_map(|l| {
            l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case("host")).map(|(_, v)| v.trim().to_owned())
        })
        .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or_default();
    let body = format!("this port speaks HTTPS: use https://{host}/\n");
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Resolves once `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
