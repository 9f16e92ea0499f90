//! The HTTP listener's connections: each accepted with `TCP_NODELAY` and quick ACKs, served by hyper with a
//! deadline for request headers (which also ends a keep-alive connection idle that long), and
//! counted against a cap. At the cap a new connection closes the longest-idle one, so idle or
//! slow clients can never lock others out; only when every connection is mid-request is a new
//! one refused.

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{Router, body::Body};
use futures::StreamExt;
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::{io::AsyncWriteExt, net::TcpListener};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::lock;

/// Limits of the listener.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// How long connections may finish after shutdown begins.
    pub grace: Duration,
}

/// One open connection, as the cap sees it.
struct Conn {
    /// Requests whose response has not been fully sent.
    busy: AtomicUsize,
    /// Milliseconds since the listener started at the last request start or end.
    last: AtomicU64,
    close: CancellationToken,
}

#[derive(Default)]
struct Registry {
    open: Mutex<HashMap<u64, Arc<Conn>>>,
    next: AtomicU64,
}

impl Registry {
    /// Registers a new connection, closing the longest-idle one at the cap; `None` when every
    /// connection is busy.
    fn admit(&self, max: usize, now: u64) -> Option<(u64, Arc<Conn>)> {
        let mut open = lock(&self.open);
        if open.len() >= max {
            let victim = open
                .iter()
                .filter(|(_, c)| c.busy.load(Ordering::SeqCst) == 0)
                .min_by_key(|(_, c)| c.last.load(Ordering::SeqCst))
                .map(|(id, _)| *id)?;
            if let Some(c) = open.remove(&victim) {
                c.close.cancel();
            }
        }
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            last: AtomicU64::new(now),
            close: CancellationToken::new(),
        });
        open.insert(id, conn.clone());
        Some((id, conn))
    }

    fn remove(&self, id: u64) {
        lock(&self.open).remove(&id);
    }

    fn len(&self) -> usize {
        lock(&self.open).len()
    }
}

/// An accepted connection that acknowledges what it receives at once. A client that writes a
/// request's head and body as two segments holds the body (Nagle's algorithm) until the head is
/// acknowledged; a delayed ACK then adds about 40 ms to every keep-alive request. Linux clears
/// `TCP_QUICKACK` as it goes, so it is set again after each read; elsewhere this is a plain stream.
struct QuickAck(tokio::net::TcpStream);

impl QuickAck {
    fn new(stream: tokio::net::TcpStream) -> Self {
        // Small JSON-RPC answers must not wait either: no Nagle on our side.
        let _ = stream.set_nodelay(true);
        let s = Self(stream);
        s.ack_now();
        s
    }

    fn ack_now(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let _ = self.0.set_quickack(true);
    }
}

impl tokio::io::AsyncRead for QuickAck {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.0).poll_read(cx, buf);
        if polled.is_ready() {
            self.ack_now();
        }
        polled
    }
}

impl tokio::io::AsyncWrite for QuickAck {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Marks a connection busy from request start to the end of its response body.
struct Busy(Arc<Conn>, Instant);

impl Busy {
    fn new(conn: Arc<Conn>, epoch: Instant) -> Self {
        conn.busy.fetch_add(1, Ordering::SeqCst);
        conn.last
            .store(epoch.elapsed().as_millis() as u64, Ordering::SeqCst);
        Self(conn, epoch)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0
            .last
            .store(self.1.elapsed().as_millis() as u64, Ordering::SeqCst);
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then gives open connections
/// `limits.grace` to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let registry = Arc::new(Registry::default());
    let epoch = Instant::now();
    let tasks = tokio_util::task::TaskTracker::new();
    loop {
        let (stream, _) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(s) => s,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let mut stream = QuickAck::new(stream);
        let now = epoch.elapsed().as_millis() as u64;
        let Some((id, conn)) = registry.admit(limits.max_connections, now) else {
            tasks.spawn(async move {
                let body = r#"{"error":"Server at connection capacity: every connection is busy, try again"}"#;
                let answer = format!(
                    "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
                     connection: close\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
            continue;
        };
        let router = router.clone();
        let on_conn = conn.clone();
        let service = tower::service_fn(move |req: hyper::Request<Incoming>| {
            let busy = Busy::new(on_conn.clone(), epoch);
            let router = router.clone();
            async move {
                let response = router
                    .oneshot(req.map(Body::new))
                    .await
                    .unwrap_or_else(|e: Infallible| match e {});
                // The connection stays busy until the body is sent, streams included.
                Ok::<_, Infallible>(response.map(|body| {
                    Body::from_stream(body.into_data_stream().map(move |chunk| {
                        let _ = &busy;
                        chunk
                    }))
                }))
            }
        });
        let registry = registry.clone();
        let stop = shutdown.clone();
        let grace = limits.grace;
        let idle = limits.idle_timeout;
        tasks.spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(idle)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            tokio::pin!(served);
            tokio::select! {
                _ = served.as_mut() => {}
                _ = conn.close.cancelled() => {
                    served.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(grace, served.as_mut()).await;
                }
                _ = stop.cancelled() => {
                    served.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(grace, served.as_mut()).await;
                }
            }
            registry.remove(id);
        });
    }
    tracing::info!(
        open = registry.len(),
        "shutting down: letting open connections finish"
    );
    tasks.close();
    let _ = tokio::time::timeout(limits.grace, tasks.wait()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_cap_the_longest_idle_connection_makes_room() {
        let r = Registry::default();
        let (a, conn_a) = r.admit(2, 0).unwrap();
        let (_, conn_b) = r.admit(2, 10).unwrap();
        // b is mid-request; a, idle since 0, is closed for the newcomer.
        conn_b.busy.store(1, Ordering::SeqCst);
        let (c, _) = r.admit(2, 20).unwrap();
        assert!(conn_a.close.is_cancelled());
        assert!(!conn_b.close.is_cancelled());
        assert_eq!(r.len(), 2);
        assert_ne!(a, c);
        // Everyone busy: the newcomer is refused and nobody is closed.
        lock(&r.open).values().for_each(|c| {
            c.busy.store(1, Ordering::SeqCst);
        });
        assert!(r.admit(2, 30).is_none());
        assert!(lock(&r.open).values().all(|c| !c.close.is_cancelled()));
    }
}
