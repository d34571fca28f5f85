//! A proxy in front of the test server that plays a slow network on the
//! widget socket, deterministically: instead of sleeping, a test *holds*
//! the frames of one direction (browser → server, "up", or server →
//! browser, "down"), waits until the frames it expects are held, does
//! something else meanwhile (the operator answers) and releases them in the
//! order it chooses. Every other connection (page, loader, wasm, config)
//! passes through untouched. [`Proxy::cut`] closes the widget sockets, as a
//! network blip does.

use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

use crate::WAIT;

/// Which way frames travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Browser → server.
    Up,
    /// Server → browser.
    Down,
}

/// One direction's switch and the texts of the frames it holds.
struct Gate {
    hold: watch::Sender<bool>,
    held: Mutex<Vec<String>>,
    changed: watch::Sender<u64>,
}

impl Gate {
    fn new() -> Gate {
        Gate {
            hold: watch::channel(false).0,
            held: Mutex::new(Vec::new()),
            changed: watch::channel(0).0,
        }
    }

    fn note(&self, f: impl FnOnce(&mut Vec<String>)) {
        f(&mut self.held.lock().expect("held frames"));
        self.changed.send_modify(|n| *n += 1);
    }
}

struct Shared {
    upstream: String,
    up: Gate,
    down: Gate,
    cut: broadcast::Sender<()>,
    /// Widget sockets accepted so far.
    sockets: std::sync::atomic::AtomicUsize,
    /// While true, new connections are dropped at once (no network).
    offline: std::sync::atomic::AtomicBool,
    /// Bumped by [`Proxy::blackhole`]: pumps of an older generation
    /// swallow every frame and never close (a dead link).
    generation: std::sync::atomic::AtomicU64,
}

impl Shared {
    fn gate(&self, dir: Dir) -> &Gate {
        match dir {
            Dir::Up => &self.up,
            Dir::Down => &self.down,
        }
    }
}

/// The proxy; its tasks end with the test's runtime.
pub struct Proxy {
    /// `http://127.0.0.1:<port>`: open pages here instead of the server.
    pub url: String,
    shared: Arc<Shared>,
}

impl Proxy {
    /// A proxy on port 0 in front of `upstream` (`http://127.0.0.1:<port>`).
    pub async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let shared = Arc::new(Shared {
            upstream: upstream.trim_start_matches("http://").to_string(),
            up: Gate::new(),
            down: Gate::new(),
            cut: broadcast::channel(4).0,
            sockets: Default::default(),
            offline: Default::default(),
            generation: Default::default(),
        });
        let s = shared.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    if let Err(e) = serve(conn, s).await {
                        eprintln!("proxy connection: {e}");
                    }
                });
            }
        });
        Proxy { url, shared }
    }

    /// From now on, frames going `dir` wait in the proxy.
    pub fn hold(&self, dir: Dir) {
        self.shared.gate(dir).hold.send_replace(true);
    }

    /// Forwards every frame held going `dir`, in order, and lets later ones
    /// pass.
    pub fn release(&self, dir: Dir) {
        self.shared.gate(dir).hold.send_replace(false);
    }

    /// Waits until the frames held going `dir` satisfy `pred` (their JSON
    /// texts, oldest first); panics after [`WAIT`].
    pub async fn wait_held(&self, dir: Dir, what: &str, pred: impl Fn(&[String]) -> bool) {
        let gate = self.shared.gate(dir);
        let mut changed = gate.changed.subscribe();
        let wait = async {
            loop {
                if pred(&gate.held.lock().expect("held frames")) {
                    return;
                }
                changed.changed().await.expect("gate lives");
            }
        };
        if tokio::time::timeout(WAIT, wait).await.is_err() {
            let held = gate.held.lock().expect("held frames").clone();
            panic!("timed out after {WAIT:?} waiting for {what} held {dir:?}; held: {held:?}");
        }
    }

    /// Waits until the proxy has accepted more than `n` widget sockets
    /// (the widget reconnected); panics after [`WAIT`].
    pub async fn wait_sockets_over(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.sockets() <= n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no new widget socket within {WAIT:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// The network dies without a word: every open widget socket swallows
    /// all frames from now on and never closes (a vanished access point,
    /// a NAT that forgot the connection), and new connections fail until
    /// [`Proxy::restore`].
    pub fn blackhole(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        self.shared.offline.store(true, SeqCst);
        self.shared.generation.fetch_add(1, SeqCst);
    }

    /// New connections pass again (the dead ones stay dead).
    pub fn restore(&self) {
        self.shared
            .offline
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many widget sockets the proxy has accepted so far.
    pub fn sockets(&self) -> usize {
        self.shared
            .sockets
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Closes every widget socket now (frames still held are lost, as on a
    /// real network), as a network blip would; new ones may connect.
    pub fn cut(&self) {
        let _ = self.shared.cut.send(());
    }
}

/// One accepted connection: a widget socket goes through [`pump`]s, any
/// other connection is copied byte for byte.
async fn serve(mut conn: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    if shared.offline.load(std::sync::atomic::Ordering::SeqCst) {
        return Ok(()); // dropped: the connection fails
    }
    const WS: &[u8] = b"GET /ws/widget";
    let mut head = [0u8; 14];
    let n = loop {
        let n = conn.peek(&mut head).await?;
        if n == 0 || n == WS.len() {
            break n;
        }
        tokio::task::yield_now().await;
    };
    if head[..n] != *WS {
        let mut upstream = TcpStream::connect(&shared.upstream).await?;
        tokio::io::copy_bidirectional(&mut conn, &mut upstream).await?;
        return Ok(());
    }
    let mut path = String::new();
    let mut origin = None;
    // tungstenite's callback signature: its error type is not ours to size.
    #[allow(clippy::result_large_err)]
    let copy = |req: &Request, res: Response| {
        path = req.uri().to_string();
        origin = req.headers().get("origin").cloned();
        Ok(res)
    };
    let browser = tokio_tungstenite::accept_hdr_async(conn, copy)
        .await
        .map_err(std::io::Error::other)?;
    shared
        .sockets
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let mut request = format!("ws://{}{path}", shared.upstream)
        .into_client_request()
        .map_err(std::io::Error::other)?;
    if let Some(origin) = origin {
        request.headers_mut().insert("Origin", origin);
    }
    let (server, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(std::io::Error::other)?;
    let (b_sink, b_stream) = browser.split();
    let (s_sink, s_stream) = server.split();
    let up = pump(b_stream, s_sink, shared.clone(), Dir::Up);
    let down = pump(s_stream, b_sink, shared.clone(), Dir::Down);
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
    Ok(())
}

/// Forwards frames from `src` to `dst`, holding them while the gate of
/// `dir` says so; ends when either side closes or on [`Proxy::cut`].
async fn pump<S, D>(mut src: S, mut dst: D, shared: Arc<Shared>, dir: Dir)
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
    D: futures_util::Sink<Message> + Unpin,
{
    let gate = shared.gate(dir);
    let born = shared.generation.load(std::sync::atomic::Ordering::SeqCst);
    let mut hold = gate.hold.subscribe();
    let mut cut = shared.cut.subscribe();
    // Frames held, in order; `gate.held` mirrors their texts.
    let mut queue: Vec<Message> = Vec::new();
    loop {
        tokio::select! {
            // A cut wins over a release that came at the same time: what
            // was held when the test cut is lost, never forwarded.
            biased;
            _ = cut.recv() => break,
            m = src.next() => {
                let Some(Ok(m)) = m else { break };
                if shared.generation.load(std::sync::atomic::Ordering::SeqCst) != born {
                    continue; // a dead link: swallowed
                }
                let text = m.to_text().unwrap_or_default().to_string();
                gate.note(|held| held.push(text));
                queue.push(m);
            }
            r = hold.changed() => {
                if r.is_err() {
                    break;
                }
            }
        }
        if !*hold.borrow_and_update() && !queue.is_empty() {
            let n = queue.len();
            for m in queue.drain(..) {
                if dst.send(m).await.is_err() {
                    break;
                }
            }
            gate.note(|held| {
                held.drain(..n.min(held.len()));
            });
        }
    }
    if !queue.is_empty() {
        gate.note(|held| held.clear());
    }
    let _ = dst.close().await;
}
