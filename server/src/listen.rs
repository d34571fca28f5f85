//! The accept loop: connection caps, header-read and idle timeouts.
//!
//! `axum::serve` installs no timer in hyper, so a client that sends half a
//! request header (slowloris) or nothing at all holds a connection forever,
//! and it has no connection cap. This loop serves each connection with
//! hyper's HTTP/1 builder and a tokio timer, so that
//! `[network] header_read_timeout_secs` bounds the time to a complete
//! request head (which also closes idle keep-alive connections); wraps the
//! socket so that a connection with no traffic either way for
//! `idle_timeout_secs` is closed, WebSockets included (widgets are pinged
//! every 30 s and desks beat every 15 s, so live ones always have traffic);
//! and admits at most `max_connections` in all and
//! `max_connections_per_ip` per address: a connection over a cap is
//! accepted and closed at once, so that the client learns at once instead of
//! waiting in the kernel's backlog. Like nginx's `limit_conn`, the count is
//! per peer address: behind a reverse proxy, set the per-IP cap there.
//!
//! The per-IP throttles of requests (chat starts, failed logins) see the
//! client's address ([`PeerIp`]): the peer's, or, when the peer is one of
//! `[network] trusted_proxies`, the one its `X-Forwarded-For` names
//! ([`forwarded_client`]).

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use crate::config::Network;

/// How long in-flight requests may take to finish at shutdown.
const DRAIN: Duration = Duration::from_secs(10);

/// Open connections in all and per address.
#[derive(Debug)]
struct Caps {
    max: usize,
    per_ip: usize,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// One admitted connection; releases its place when dropped (with the
/// socket, which outlives hyper's connection after a WebSocket upgrade).
#[derive(Debug)]
struct Admitted {
    caps: Arc<Caps>,
    ip: IpAddr,
}

impl Caps {
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Admitted> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let (total, by_ip) = &mut *open;
        let mine = by_ip.get(&ip).copied().unwrap_or(0);
        if *total >= self.max || (self.per_ip > 0 && mine >= self.per_ip) {
            return None;
        }
        *total += 1;
        by_ip.insert(ip, mine + 1);
        Some(Admitted {
            caps: self.clone(),
            ip,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.caps.open.lock().unwrap_or_else(|e| e.into_inner());
        let (total, by_ip) = &mut *open;
        *total -= 1;
        if let Some(n) = by_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                by_ip.remove(&self.ip);
            }
        }
    }
}

/// A socket that fails with `TimedOut` after `idle` without a byte read or
/// written, and holds the connection's place under the caps.
struct IdleIo<T> {
    io: T,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
    _place: Admitted,
}

impl<T> IdleIo<T> {
    fn new(io: T, idle: Duration, place: Admitted) -> Self {
        IdleIo {
            io,
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
            _place: place,
        }
    }

    fn progress(&mut self) {
        self.timer.as_mut().reset(Instant::now() + self.idle);
    }

    /// Ready with an error once the connection has been idle too long.
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.timer.as_mut().poll(cx).is_ready()
    }
}

fn timed_out() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "connection idle")
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.progress();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for IdleIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.io).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.progress();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets
/// in-flight requests finish (up to 10 s). Handlers see the peer address as
/// `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    net: &Network,
    shutdown: impl Future<Output = ()>,
) {
    let caps = Arc::new(Caps {
        max: net.max_connections,
        per_ip: net.max_connections_per_ip,
        open: Mutex::new((0, HashMap::new())),
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(net.header_read_timeout);
    let trusted: Arc<[ipnet::IpNet]> = net.trusted_proxies.clone().into();
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut conns = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    let mut refused = 0u64;
    loop {
        while conns.try_join_next().is_some() {}
        let (tcp, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off a
                    // little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Some(place) = caps.admit(addr.ip()) else {
            refused += 1;
            if refused.is_power_of_two() {
                tracing::warn!(ip = %addr.ip(), refused, "connection over the cap refused");
            }
            drop(tcp);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let io = TokioIo::new(IdleIo::new(tcp, net.idle_timeout, place));
        let trusted = trusted.clone();
        let svc = router
            .clone()
            .map_request(move |mut req: axum::extract::Request<Incoming>| {
                if !trusted.is_empty() {
                    let client = forwarded_client(addr.ip(), req.headers(), &trusted);
                    req.extensions_mut().insert(ClientIp(client));
                }
                req.extensions_mut().insert(ConnectInfo(addr));
                req
            });
        let conn = http
            .serve_connection(io, TowerToHyperService::new(svc))
            .with_upgrades();
        let mut stopping = stopping.clone();
        conns.spawn(async move {
            tokio::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = async { let _ = stopping.wait_for(|s| *s).await; } => {
                    // Finish the request in flight, then close.
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = stop.send(true);
    if tokio::time::timeout(DRAIN, async { while conns.join_next().await.is_some() {} })
        .await
        .is_err()
    {
        tracing::warn!("requests still running after {DRAIN:?}; stopping anyway");
    }
}

/// The client's address when the request came through [`serve`] (none in
/// `oneshot` tests): the peer's, or the one a trusted proxy forwarded.
pub fn peer_ip(parts: &axum::http::request::Parts) -> Option<IpAddr> {
    if let Some(ClientIp(ip)) = parts.extensions.get::<ClientIp>() {
        return Some(*ip);
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The client's address as [`forwarded_client`] found it.
#[derive(Debug, Clone, Copy)]
struct ClientIp(IpAddr);

/// Who sent a request that came from `peer`: when `peer` is a trusted
/// proxy, the right-most address of `X-Forwarded-For` (all its headers, in
/// order) that is not a trusted proxy itself, as nginx's `real_ip_recursive`
/// finds it. Entries left of that are the client's to write and are never
/// read. An entry that is not an address stops the walk at the last trusted
/// hop (a proxy then stands for the client); so does a missing header.
pub fn forwarded_client(
    peer: IpAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[ipnet::IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(&client) {
        return client;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("").split(','))
        .collect();
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip.to_canonical();
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> axum::http::HeaderMap {
        let mut h = axum::http::HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let client = |peer: &str, h: &[&str]| forwarded_client(ip(peer), &headers(h), &trusted);
        // Not a proxy: the header is the client's own claim.
        assert_eq!(client("203.0.113.9", &["198.51.100.1"]), ip("203.0.113.9"));
        // Through one proxy.
        assert_eq!(client("10.0.0.2", &["198.51.100.1"]), ip("198.51.100.1"));
        // A forged left part is skipped; chained proxies are walked.
        assert_eq!(
            client("10.0.0.2", &["1.2.3.4, 198.51.100.1, 10.0.0.5"]),
            ip("198.51.100.1")
        );
        assert_eq!(
            client("10.0.0.2", &["1.2.3.4", "198.51.100.1,10.0.0.5"]),
            ip("198.51.100.1")
        );
        // No header, or garbage: the last trusted hop.
        assert_eq!(client("10.0.0.2", &[]), ip("10.0.0.2"));
        assert_eq!(client("10.0.0.2", &["nonsense, 10.0.0.7"]), ip("10.0.0.7"));
        assert_eq!(
            client("10.0.0.2", &["198.51.100.1, unknown"]),
            ip("10.0.0.2")
        );
        // IPv4-mapped peers count as IPv4; IPv6 clients are fine.
        assert_eq!(
            client("::ffff:10.0.0.2", &["2001:db8::1"]),
            ip("2001:db8::1")
        );
        // Nothing trusted: never read.
        assert_eq!(
            forwarded_client(ip("10.0.0.2"), &headers(&["1.2.3.4"]), &[]),
            ip("10.0.0.2")
        );
    }
}

/// The client's IP address as an extractor (`None` without [`serve`]).
#[derive(Debug, Clone, Copy)]
pub struct PeerIp(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(PeerIp(peer_ip(parts)))
    }
}
