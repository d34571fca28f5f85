//! `fanout [sockets] [server-url] [server-pid]`: idle widget sockets watch
//! one preset; an operator toggles availability ten times and each toggle
//! is timed until every socket has the new status.
//!
//! The load generator shares the machine's cores with the server, so it
//! must not be the bottleneck: by default every socket is a raw WebSocket
//! client (handshake and frame parsing by hand, a 256-byte buffer, the
//! receipt written into a preallocated slot: no JSON tree, no channel per
//! frame). `OWIDGET_BENCH_CLIENT=tungstenite` uses the earlier generator
//! (tokio-tungstenite and serde_json per frame, one channel to a collector)
//! to compare. CPU time of the server and of the generator is printed per
//! change, so that the wall time can be told apart from the work.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

use crate::clients::{Setup, Visitor};
use crate::report;

const ROUNDS: usize = 10;
/// Sockets connecting at once during the setup.
const CONNECTING: usize = 64;
const WAIT: Duration = Duration::from_secs(60);

/// What every socket saw of each round, written by the socket tasks.
pub(crate) struct Receipts {
    sockets: usize,
    /// Lag behind the server's stamp, µs (`u32::MAX`: not yet).
    lag_us: Vec<AtomicU32>,
    /// Arrival, µs after `base`.
    arrive_us: Vec<AtomicU64>,
    code: Vec<AtomicU8>,
    done: Vec<AtomicUsize>,
    /// Sockets that have their first status.
    pub(crate) ready: AtomicUsize,
    base: Instant,
    all: Notify,
}

impl Receipts {
    pub(crate) fn new(sockets: usize) -> Self {
        let n = sockets * ROUNDS;
        Receipts {
            sockets,
            lag_us: (0..n).map(|_| AtomicU32::new(u32::MAX)).collect(),
            arrive_us: (0..n).map(|_| AtomicU64::new(0)).collect(),
            code: (0..n).map(|_| AtomicU8::new(u8::MAX)).collect(),
            done: (0..ROUNDS).map(|_| AtomicUsize::new(0)).collect(),
            ready: AtomicUsize::new(0),
            base: Instant::now(),
            all: Notify::new(),
        }
    }

    fn first(&self) {
        if self.ready.fetch_add(1, Ordering::AcqRel) + 1 == self.sockets {
            self.all.notify_one();
        }
    }

    /// Waits until `count` reaches every socket.
    pub(crate) async fn all(&self, count: &AtomicUsize, what: &str) {
        let wait = async {
            while count.load(Ordering::Acquire) < self.sockets {
                self.all.notified().await;
            }
        };
        if tokio::time::timeout(WAIT, wait).await.is_err() {
            panic!(
                "{what}: {} of {} sockets within {WAIT:?}",
                count.load(Ordering::Acquire),
                self.sockets
            );
        }
    }

    fn record(&self, round: usize, socket: usize, code: u8, lag: Option<Duration>, at: Instant) {
        if round >= ROUNDS {
            return;
        }
        let i = round * self.sockets + socket;
        let lag = lag.map_or(u32::MAX - 1, |l| {
            l.as_micros().min(u32::MAX as u128 - 2) as u32
        });
        self.lag_us[i].store(lag, Ordering::Relaxed);
        self.arrive_us[i].store(
            at.duration_since(self.base).as_micros() as u64,
            Ordering::Relaxed,
        );
        self.code[i].store(code, Ordering::Relaxed);
        if self.done[round].fetch_add(1, Ordering::AcqRel) + 1 == self.sockets {
            self.all.notify_one();
        }
    }
}

fn wall() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Runs the benchmark.
pub async fn run(sockets: usize, server: Option<String>, pid: Option<String>) {
    let raw = std::env::var("OWIDGET_BENCH_CLIENT").map_or(true, |c| c != "tungstenite");
    let setup = match &server {
        Some(url) => Setup::external(url),
        None => Setup::start(1, 2).await,
    };
    let token = setup.login(0).await;
    let server_pid = match (&server, &pid) {
        (None, _) => Some("self".to_string()),
        (Some(_), pid) => pid.clone(),
    };
    let rss_before = server_pid.as_deref().map(rss_kib);
    let t = Instant::now();
    let receipts = Arc::new(Receipts::new(sockets));
    if raw {
        connect_raw(setup.base().trim_start_matches("http://"), &receipts).await;
    } else {
        for i in 0..sockets {
            let mut v = Visitor::connect(&setup).await;
            v.await_status(0).await;
            receipts.first();
            tokio::spawn(forward(v, i, receipts.clone()));
        }
    }
    receipts.all(&receipts.ready, "first status").await;
    let rss_after = server_pid.as_deref().map(rss_kib);
    let whose = match (&server, &pid) {
        (None, _) => "benchmark process (server + clients)",
        _ => "server process",
    };
    let rss = match (rss_before, rss_after) {
        (Some(b), Some(a)) => format!(
            "{whose} RSS {} MiB, +{} MiB for the sockets = {:.1} KiB per idle socket (goal <= 8 KB)",
            a / 1024,
            a.saturating_sub(b) / 1024,
            a.saturating_sub(b) as f64 / sockets as f64
        ),
        _ => "server RSS unknown (no pid given)".to_string(),
    };
    let client = if raw {
        "raw WebSocket clients"
    } else {
        "tokio-tungstenite clients"
    };
    println!(
        "setup: {sockets} idle widget sockets ({client}) in {:.1} s; {rss}",
        t.elapsed().as_secs_f64()
    );

    let trigger = Trigger::Operator {
        setup: &setup,
        token: &token,
    };
    rounds(&receipts, server_pid.as_deref(), trigger).await;
}

/// What toggles the status each round.
pub(crate) enum Trigger<'a> {
    /// An operator's availability through the server's API.
    Operator { setup: &'a Setup, token: &'a str },
    /// A line with the status code to the floor server's stdin (`floor.rs`).
    Floor(&'a mut std::process::ChildStdin),
}

impl Trigger<'_> {
    async fn fire(&mut self, code: u8) {
        match self {
            Trigger::Operator { setup, token } => {
                let avail = if code == 1 { "online" } else { "away" };
                setup.availability(token, avail).await;
            }
            Trigger::Floor(stdin) => {
                use std::io::Write;
                writeln!(stdin, "{code}").expect("floor server's stdin");
                stdin.flush().expect("floor server's stdin");
            }
        }
    }
}

/// Opens the raw sockets, [`CONNECTING`] at a time; each reads until it closes.
pub(crate) async fn connect_raw(addr: &str, receipts: &Arc<Receipts>) {
    let mut next = 0;
    while next < receipts.sockets {
        let batch: Vec<_> = (next..receipts.sockets.min(next + CONNECTING))
            .map(|i| tokio::spawn(RawWatcher::connect(addr.to_string(), i)))
            .collect();
        for b in batch {
            let w = b.await.expect("connect task");
            tokio::spawn(w.read(receipts.clone()));
        }
        next += CONNECTING;
    }
}

/// Toggles the status [`ROUNDS`] times once every socket has its first
/// status; prints the CPU per change and the lag tables.
pub(crate) async fn rounds(
    receipts: &Receipts,
    server_pid: Option<&str>,
    mut trigger: Trigger<'_>,
) {
    let sockets = receipts.sockets;
    let cpu_server_0 = server_pid.filter(|p| *p != "self").map(cpu);
    let cpu_self_0 = cpu("self");
    let (mut last_socket, mut every) = (Vec::new(), Vec::new());
    let (mut stamped_last, mut stamped) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let code = if round % 2 == 0 { 1 } else { 0 };
        let sent = Instant::now();
        trigger.fire(code).await;
        receipts
            .all(
                &receipts.done[round],
                &format!("round {round}: status {code}"),
            )
            .await;
        let sent_us = sent.duration_since(receipts.base).as_micros() as u64;
        let (mut times, mut lags) = (Vec::new(), Vec::new());
        for s in 0..sockets {
            let i = round * sockets + s;
            let got = receipts.code[i].load(Ordering::Relaxed);
            assert_eq!(got, code, "status of round {round}, socket {s}");
            let at = receipts.arrive_us[i].load(Ordering::Relaxed);
            times.push(Duration::from_micros(at.saturating_sub(sent_us)));
            let lag = receipts.lag_us[i].load(Ordering::Relaxed);
            if lag < u32::MAX - 1 {
                lags.push(Duration::from_micros(lag as u64));
            }
        }
        last_socket.push(*times.iter().max().expect("sockets"));
        every.extend(times);
        if let Some(max) = lags.iter().max() {
            stamped_last.push(*max);
        }
        stamped.extend(lags);
    }
    let per = |a: Cpu, b: Cpu| {
        format!(
            "{:.1} ms ({:.1} user + {:.1} sys)",
            (b.total_ms - a.total_ms) / ROUNDS as f64,
            (b.user_ms - a.user_ms) / ROUNDS as f64,
            (b.sys_ms - a.sys_ms) / ROUNDS as f64
        )
    };
    let cpu_self = per(cpu_self_0, cpu("self"));
    match (cpu_server_0, server_pid.filter(|p| *p != "self")) {
        (Some(c0), Some(pid)) => println!(
            "CPU per change: server {}, load generator {cpu_self}",
            per(c0, cpu(pid))
        ),
        _ => println!("CPU per change (server and clients in this process): {cpu_self}"),
    }
    println!("from the server's stamp in the frame (change seen by the server → receipt):");
    if !stamped.is_empty() {
        report("  status change → each socket", &mut stamped);
        report(
            "  status change → last socket (goal p99 <= 100 ms)",
            &mut stamped_last,
        );
    }
    match trigger {
        Trigger::Operator { .. } => println!(
            "from the benchmark's availability request (incl. the HTTP request) → receipt:"
        ),
        Trigger::Floor(_) => {
            println!("from the benchmark's line to the floor server (incl. the pipe) → receipt:")
        }
    }
    report("  request → each socket", &mut every);
    report("  request → last socket", &mut last_socket);
}

/// The earlier generator: tokio-tungstenite and a JSON tree per frame.
async fn forward(v: Visitor, socket: usize, receipts: Arc<Receipts>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(v.forward_statuses(tx));
    let mut round = 0;
    while let Some((code, at, lag)) = rx.recv().await {
        receipts.record(round, socket, code as u8, lag, at);
        round += 1;
    }
}

/// A widget socket spoken by hand: the upgrade request, then unmasked
/// server frames parsed in place; pings are answered (the server closes a
/// socket that stays silent for a ping period).
struct RawWatcher {
    tcp: TcpStream,
    socket: usize,
    buf: [u8; 256],
    have: usize,
}

impl RawWatcher {
    /// Connects and reads the answer to the upgrade (and the first status).
    async fn connect(addr: String, socket: usize) -> RawWatcher {
        let mut tcp = TcpStream::connect(&addr).await.expect("connect");
        tcp.set_nodelay(true).expect("nodelay");
        let req = format!(
            "GET /ws/widget?company={}&preset=default&v=1 HTTP/1.1\r\nHost: {addr}\r\n\
             Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://localhost\r\n\r\n",
            crate::clients::COMPANY
        );
        tcp.write_all(req.as_bytes())
            .await
            .expect("upgrade request");
        let mut head = Vec::with_capacity(256);
        let mut chunk = [0u8; 256];
        let end = loop {
            let n = tokio::time::timeout(WAIT, tcp.read(&mut chunk))
                .await
                .expect("upgrade answer in time")
                .expect("read");
            assert!(n > 0, "server closed during the upgrade");
            head.extend_from_slice(&chunk[..n]);
            if let Some(p) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
        };
        assert!(
            head.starts_with(b"HTTP/1.1 101"),
            "upgrade refused: {}",
            String::from_utf8_lossy(&head)
        );
        let rest = &head[end..];
        let mut w = RawWatcher {
            tcp,
            socket,
            buf: [0; 256],
            have: rest.len(),
        };
        w.buf[..rest.len()].copy_from_slice(rest);
        w
    }

    /// Reads frames until the socket closes; status `k` (after the first)
    /// is round `k - 1`.
    async fn read(mut self, receipts: Arc<Receipts>) {
        let mut statuses = 0usize;
        loop {
            let at = Instant::now();
            let now = wall();
            while let Some((opcode, start, end)) = frame(&self.buf[..self.have]) {
                match opcode {
                    0x1 => {
                        if let Some((code, stamp)) = status(&self.buf[start..end]) {
                            if statuses == 0 {
                                receipts.first();
                            } else {
                                let lag =
                                    stamp.map(|ms| now.saturating_sub(Duration::from_millis(ms)));
                                receipts.record(statuses - 1, self.socket, code, lag, at);
                            }
                            statuses += 1;
                        }
                    }
                    0x9 => {
                        // Pong, masked with a zero key, same payload.
                        let payload = self.buf[start..end].to_vec();
                        let mut pong = vec![0x8a, 0x80 | payload.len() as u8, 0, 0, 0, 0];
                        pong.extend_from_slice(&payload);
                        if self.tcp.write_all(&pong).await.is_err() {
                            return;
                        }
                    }
                    0x8 => return,
                    _ => {}
                }
                self.buf.copy_within(end..self.have, 0);
                self.have -= end;
            }
            assert!(self.have < self.buf.len(), "frame larger than the buffer");
            match self.tcp.read(&mut self.buf[self.have..]).await {
                Ok(0) | Err(_) => return,
                Ok(n) => self.have += n,
            }
        }
    }
}

/// One complete unmasked frame at the start of `b`: (opcode, payload start,
/// payload end).
fn frame(b: &[u8]) -> Option<(u8, usize, usize)> {
    if b.len() < 2 {
        return None;
    }
    let (len, start) = match b[1] & 0x7f {
        126 if b.len() >= 4 => (u16::from_be_bytes([b[2], b[3]]) as usize, 4),
        126 => return None,
        127 => panic!("64-bit frame length from the server"),
        n => (n as usize, 2),
    };
    (b.len() >= start + len).then_some((b[0] & 0x0f, start, start + len))
}

/// `(status, at)` of a `{"type":"status","status":N,"at":MS}` frame.
fn status(text: &[u8]) -> Option<(u8, Option<u64>)> {
    let s = std::str::from_utf8(text).ok()?;
    if !s.contains(r#""type":"status""#) {
        return None;
    }
    let num = |key: &str| -> Option<u64> {
        let i = s.find(key)? + key.len();
        let digits: String = s[i..].chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    Some((num(r#""status":"#)? as u8, num(r#""at":"#)))
}

pub(crate) fn rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
        })
        .unwrap_or(0)
}

/// CPU time of a process, all threads.
#[derive(Clone, Copy)]
struct Cpu {
    total_ms: f64,
    user_ms: f64,
    sys_ms: f64,
}

/// From `/proc/PID/task/*/schedstat` (ns on the CPU) and `/proc/PID/stat`
/// (user and system ticks of 10 ms).
fn cpu(pid: &str) -> Cpu {
    let mut total_ns = 0u64;
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Ok(s) = std::fs::read_to_string(t.path().join("schedstat")) {
                total_ns += s
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces), from field 3.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, r)| r)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Cpu {
        total_ms: total_ns as f64 / 1e6,
        user_ms: ticks(11) * 10.0,
        sys_ms: ticks(12) * 10.0,
    }
}
