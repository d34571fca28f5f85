//! Benchmark: N idle widget sockets on a running demo server, then one
//! operator goes online; prints the server's memory (when its pid is given)
//! and how long status 1 took to reach the sockets (p50 / p99 / max).
//!
//! ```sh
//! owidget-server --listen 127.0.0.1:8080 &   # demo mode, release build
//! cargo run --release -p owidget-server --example status_fanout -- 127.0.0.1:8080 20000 $!
//! ```
//! Needs `ulimit -n` above N in both processes. The client shares the
//! machine's cores with the server, so figures include its own overhead.

use std::time::Instant;

use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const COMPANY: &str = owidget_server::demo::COMPANY;

fn rss_of(pid: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .map(|l| l.trim_start_matches("VmRSS:").trim().to_string())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(addr), Some(n)) = (
        args.get(1),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: status_fanout <host:port> <sockets> [server-pid]");
        std::process::exit(2);
    };
    let pid = args.get(3);
    let before = pid.and_then(|p| rss_of(p));
    let started = Instant::now();
    let mut sockets = Vec::with_capacity(n);
    for _ in 0..n {
        let url = format!("ws://{addr}/ws/widget?company={COMPANY}&v=1");
        let mut req = url.into_client_request().expect("valid URL");
        req.headers_mut()
            .insert("origin", "http://localhost:3000".parse().expect("header"));
        let (mut ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("socket opens (is the server in demo mode? ulimit -n?)");
        let _first_status = ws.next().await;
        sockets.push(ws);
    }
    println!("opened {n} sockets in {:.1?}", started.elapsed());
    if let (Some(pid), Some(before)) = (pid, before) {
        let after = rss_of(pid).unwrap_or_default();
        println!("server RSS: {before} before, {after} with {n} idle sockets");
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for mut ws in sockets {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = ws.next().await {
                match frame {
                    Message::Text(t) if t.contains(r#""status":1"#) => {
                        let _ = tx.send(Instant::now());
                    }
                    Message::Ping(p) => {
                        let _ = ws.send(Message::Pong(p)).await;
                    }
                    _ => {}
                }
            }
        });
    }
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("http://{addr}/api/operator/login"))
        .json(&json!({"company": COMPANY, "username": "demo", "password": "demo"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login JSON");
    let token = login["token"].as_str().expect("token").to_string();
    let t0 = Instant::now();
    http.put(format!("http://{addr}/api/operator/availability"))
        .bearer_auth(&token)
        .json(&json!({"availability": "online"}))
        .send()
        .await
        .expect("availability");
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let at = rx.recv().await.expect("every socket reports");
        ms.push(at.duration_since(t0).as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    let q = |p: f64| ms[((n as f64 * p) as usize).min(n - 1)];
    println!(
        "status 1 reached {n} sockets: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        q(0.5),
        q(0.99),
        ms[n - 1]
    );
}
