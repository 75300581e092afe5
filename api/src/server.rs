//! The HTTP server that `serve`, the tests and the benchmarks run: the accept loop with its
//! connection cap and header timeout, and the shutdown sequence.
//!
//! Shutdown, on the signal: `/readyz` turns not-ready while requests are still served for
//! the drain period (a load balancer takes the instance out); then no new connection is
//! accepted, WebSocket subscribers get close 1001 and SSE streams end, idle keep-alive
//! connections close and in-flight requests finish. Whatever is still running when the
//! grace period ends is cut off, logged and reported, so the exit code can say so.

use std::{
    future::Future,
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    io::AsyncWriteExt,
    net::{TcpListener, TcpStream},
    sync::{watch, Semaphore},
};
use tower::ServiceExt;

use crate::app::AppState;

/// File descriptors kept free for the database pool, log files and the like.
const FD_RESERVE: u64 = 64;

/// Where this instance is in its life: serving, draining (not ready, still serving) or
/// stopping (streams end, nothing new is accepted). Requests and streams are counted so the
/// shutdown knows what it cuts off.
#[derive(Debug)]
pub struct Lifecycle {
    draining: AtomicBool,
    stop: watch::Sender<bool>,
    requests: AtomicUsize,
    streams: AtomicUsize,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            draining: AtomicBool::new(false),
            stop: watch::channel(false).0,
            requests: AtomicUsize::new(0),
            streams: AtomicUsize::new(0),
        }
    }
}

impl Lifecycle {
    /// True once shutdown began: `/readyz` answers 503.
    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Resolves when streams must end (at once if they must already).
    pub async fn stopping(&self) {
        until_true(&mut self.stop.subscribe()).await;
    }

    /// Counts a request until the guard drops.
    pub fn request(self: &Arc<Self>) -> Counted {
        self.requests.fetch_add(1, Ordering::SeqCst);
        Counted(self.clone(), Kind::Request)
    }

    /// Counts a stream (a WebSocket or an SSE connection) until the guard drops.
    pub fn stream(self: &Arc<Self>) -> Counted {
        self.streams.fetch_add(1, Ordering::SeqCst);
        Counted(self.clone(), Kind::Stream)
    }

    /// Requests being answered now.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Streams open now.
    pub fn streams(&self) -> usize {
        self.streams.load(Ordering::SeqCst)
    }

    fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    fn stop(&self) {
        self.stop.send_replace(true);
    }
}

#[derive(Debug)]
enum Kind {
    Request,
    Stream,
}

/// Keeps a request or stream counted while it lives.
#[derive(Debug)]
pub struct Counted(Arc<Lifecycle>, Kind);

impl Drop for Counted {
    fn drop(&mut self) {
        match self.1 {
            Kind::Request => self.0.requests.fetch_sub(1, Ordering::SeqCst),
            Kind::Stream => self.0.streams.fetch_sub(1, Ordering::SeqCst),
        };
    }
}

/// How the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Everything in flight finished within the grace period.
    Clean,
    /// The grace period ended with these still running; they were cut off.
    CutOff {
        /// Requests that had not been answered.
        requests: usize,
        /// Streams that had not closed.
        streams: usize,
    },
}

/// Raises the soft limit on open files to the hard limit (connections are files) and
/// returns the connection cap that leaves room for the rest of the process.
pub fn connection_cap(configured: usize) -> usize {
    match raise_file_limit() {
        Some(files) => {
            let room = usize::try_from(files.saturating_sub(FD_RESERVE)).unwrap_or(usize::MAX);
            if room < configured {
                tracing::warn!(
                    files,
                    configured,
                    cap = room,
                    "the open-file limit is below FENGQIAO_MAX_CONNECTIONS; raise it (ulimit -n, LimitNOFILE)"
                );
            }
            configured.min(room.max(16))
        }
        None => configured,
    }
}

/// The soft `RLIMIT_NOFILE` after raising it to the hard one.
#[cfg(target_os = "linux")]
fn raise_file_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed by pointer.
    #[allow(unsafe_code)]
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return None;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
    }
    Some(lim.rlim_cur)
}

#[cfg(not(target_os = "linux"))]
fn raise_file_limit() -> Option<u64> {
    None
}

/// Serves `app` on `listener` until `signal` resolves, then shuts down as described above.
pub async fn serve(
    listener: TcpListener,
    app: Arc<AppState>,
    signal: impl Future<Output = ()> + Send,
) -> Stopped {
    let cfg = app.config.server.clone();
    let grace = app.config.shutdown_grace;
    let lifecycle = app.lifecycle.clone();
    let cap = connection_cap(cfg.max_connections);
    let slots = Arc::new(Semaphore::new(cap));
    let router = crate::http::router(app.clone());
    let (closing_tx, closing) = watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(cfg.header_timeout)
        .keep_alive(true);
    let http = Arc::new(http);

    let mut signal = std::pin::pin!(signal);
    let mut drain_until: Option<tokio::time::Instant> = None;
    // At most this many queued connections are taken after the drain (a flood cannot hold
    // the stop back).
    let mut backlog = 1024u32;
    loop {
        let deadline = drain_until.unwrap_or_else(tokio::time::Instant::now);
        let accepted = tokio::select! {
            _ = &mut signal, if drain_until.is_none() => {
                lifecycle.drain();
                tracing::info!(drain_secs = cfg.drain.as_secs(), "shutting down: not ready, draining");
                drain_until = Some(tokio::time::Instant::now() + cfg.drain);
                continue;
            }
            _ = tokio::time::sleep_until(deadline), if drain_until.is_some() => {
                // Connections already queued in the kernel would be reset when the listener
                // closes, with their requests sent: take them and answer them first.
                backlog = backlog.saturating_sub(1);
                match tokio::time::timeout(Duration::ZERO, listener.accept()).await {
                    Ok(a) if backlog > 0 => a,
                    _ => break,
                }
            }
            a = listener.accept(), if drain_until.is_none_or(|d| tokio::time::Instant::now() < d) => a,
        };
        let (stream, addr) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: the listener stays, the loop waits.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let svc = hyper_util::service::TowerToHyperService::new(router.clone().map_request(
            move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(addr));
                req
            },
        ));
        let (http, mut closing) = (http.clone(), closing.clone());
        // While draining every answer says `Connection: close`, so a connection accepted now
        // ends by itself after one answer (or the header timeout). Closing it at the stop
        // instead could close it before its request was read: the client would have sent a
        // request and get no answer.
        let ends_itself = drain_until.is_some();
        tokio::spawn(async move {
            let conn = http.serve_connection(TokioIo::new(stream), svc).with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = until_true(&mut closing), if !ends_itself => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    lifecycle.stop();
    let _ = closing_tx.send(true);
    tracing::info!(grace_secs = grace.as_secs(), "finishing in-flight requests");
    let finished = async {
        // Every connection holds a slot: all slots free means every connection closed.
        let all = u32::try_from(cap).unwrap_or(u32::MAX);
        let _ = slots.acquire_many(all).await;
        while lifecycle.streams() > 0 || lifecycle.requests() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    if tokio::time::timeout(grace, finished).await.is_ok() {
        tracing::info!("stopped: every request answered");
        return Stopped::Clean;
    }
    let (requests, streams) = (lifecycle.requests(), lifecycle.streams());
    tracing::warn!(
        requests,
        streams,
        "grace period over: cutting off what is still running"
    );
    Stopped::CutOff { requests, streams }
}

/// Resolves when `rx` holds true (or its sender is gone).
async fn until_true(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|c| *c).await;
}

/// The answer to a connection over the cap: 503 and close, without reading the request.
async fn refuse(mut stream: TcpStream) {
    let body = r#"{"errors":[{"message":"too many connections; retry shortly","extensions":{"code":"UNAVAILABLE"}}]}"#;
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}
