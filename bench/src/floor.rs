//! `fanout-floor [sockets]`: the status fan-out's floor on this machine.
//!
//! The same load generator as `fanout` (the same raw WebSocket clients in
//! this process, the same number of sockets) against a minimal server in
//! a child process (`owidget-bench floor-server`) that does the least work
//! the kernel allows for the fan-out: it accepts the sockets, answers the
//! WebSocket handshake, writes a first status, and on each change (a line
//! with the status code on its stdin) encodes one small text frame
//! `{"type":"status","status":N,"at":MS}` (the same shape and size as
//! owidget's) and writes it to every socket from one plain thread per core
//! with a blocking `write` in a tight loop: no async runtime, no channels,
//! no per-socket state beyond the stream. What owidget needs above these
//! figures is its own work; what the floor needs is the kernel's.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::fanout::{connect_raw, rounds, rss_kib, Receipts, Trigger};

/// Runs the load generator against a floor server it starts.
pub async fn run(sockets: usize) {
    let exe = std::env::current_exe().expect("current executable");
    let child = Command::new(exe)
        .arg("floor-server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the floor server");
    let mut child = Killed(child);
    let mut out = BufReader::new(child.0.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("floor server's address");
    let addr = line
        .trim()
        .strip_prefix("floor listening on ")
        .unwrap_or_else(|| panic!("floor server said {line:?}"))
        .to_string();
    let pid = child.0.id().to_string();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rss_before = rss_kib(&pid);
    let t = Instant::now();
    let receipts = Arc::new(Receipts::new(sockets));
    connect_raw(&addr, &receipts).await;
    receipts.all(&receipts.ready, "first status").await;
    let rss_after = rss_kib(&pid);
    println!(
        "setup: {sockets} idle sockets (raw WebSocket clients) on the floor server \
         ({threads} writer threads, blocking write) in {:.1} s; floor server RSS {} MiB, +{} MiB",
        t.elapsed().as_secs_f64(),
        rss_after / 1024,
        rss_after.saturating_sub(rss_before) / 1024
    );
    let mut stdin = child.0.stdin.take().expect("stdin");
    rounds(&receipts, Some(&pid), Trigger::Floor(&mut stdin)).await;
    drop(stdin);
    let _ = child.0.wait();
}

/// The floor server, killed if the benchmark stops early.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The newest frame to write and its number (0: none yet).
struct Change {
    frame: Mutex<(u64, Arc<Vec<u8>>)>,
    new: Condvar,
}

/// `owidget-bench floor-server`: prints `floor listening on ADDR`, then
/// serves until its stdin closes. Plain threads only.
pub fn serve() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    println!(
        "floor listening on {}",
        listener.local_addr().expect("address")
    );
    std::io::stdout().flush().expect("stdout");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let shards: Vec<Arc<Mutex<Vec<TcpStream>>>> = (0..threads).map(|_| Arc::default()).collect();
    let change = Arc::new(Change {
        frame: Mutex::new((0, Arc::new(status_frame(0)))),
        new: Condvar::new(),
    });
    for shard in &shards {
        let (shard, change) = (shard.clone(), change.clone());
        std::thread::spawn(move || write_changes(&shard, &change));
    }
    let accepting = shards.clone();
    std::thread::spawn(move || {
        let mut next = 0;
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { continue };
            if let Some(tcp) = handshake(tcp) {
                accepting[next % accepting.len()]
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(tcp);
                next += 1;
            }
        }
    });
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let Ok(code) = line.trim().parse::<u8>() else {
            continue;
        };
        let frame = Arc::new(status_frame(code));
        let mut current = change.frame.lock().unwrap_or_else(|e| e.into_inner());
        *current = (current.0 + 1, frame);
        change.new.notify_all();
    }
}

/// One writer thread: each new frame to every socket of its shard.
fn write_changes(shard: &Mutex<Vec<TcpStream>>, change: &Change) {
    let mut seen = 0;
    loop {
        let frame = {
            let mut current = change.frame.lock().unwrap_or_else(|e| e.into_inner());
            while current.0 == seen {
                current = change.new.wait(current).unwrap_or_else(|e| e.into_inner());
            }
            seen = current.0;
            current.1.clone()
        };
        let mut sockets = shard.lock().unwrap_or_else(|e| e.into_inner());
        // A socket that fails is dropped (none should in the benchmark).
        sockets.retain_mut(|tcp| tcp.write_all(&frame).is_ok());
    }
}

/// Answers the upgrade and writes the first status; `None` on failure.
fn handshake(mut tcp: TcpStream) -> Option<TcpStream> {
    tcp.set_nodelay(true).ok()?;
    tcp.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 512];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tcp.read(&mut chunk).ok()?;
        if n == 0 || head.len() > 8192 {
            return None;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let key = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("sec-websocket-key")
            .then(|| value.trim().to_string())
    })?;
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mut answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    )
    .into_bytes();
    answer.extend_from_slice(&status_frame(0));
    tcp.write_all(&answer).ok()?;
    Some(tcp)
}

/// An unmasked text frame `{"type":"status","status":N,"at":MS}`, stamped now.
fn status_frame(code: u8) -> Vec<u8> {
    let at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let text = format!(r#"{{"type":"status","status":{code},"at":{at}}}"#);
    assert!(text.len() < 126, "a short frame");
    let mut frame = vec![0x81, text.len() as u8];
    frame.extend_from_slice(text.as_bytes());
    frame
}
