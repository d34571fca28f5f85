//! Hardening (issue 10) of connections and logins: a real server on port
//! 0; slow and idle clients are cut off, connection caps hold, failed
//! logins are throttled and password checks are bounded. Each test pins
//! one defect and failed before its fix.

use crate::common;

use std::time::Duration;

use common::*;

/// Reads until EOF or error; panics when the server keeps the connection
/// open past the wait. Returns what was read.
async fn read_until_closed(tcp: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(WAIT, tcp.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return String::from_utf8_lossy(&got).into_owned(),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server kept the connection open; read so far: {got:?}"),
        }
    }
}

/// Issue 10, item 3: a client that sends half a request header
/// (slowloris) is cut off after the header-read timeout.
#[tokio::test]
async fn slowloris_is_cut_off() {
    use tokio::io::AsyncWriteExt;
    let s = Server::start_with(
        test_config_with(|c| c.network.header_read_timeout = Duration::from_millis(300)),
        None,
    )
    .await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    read_until_closed(&mut tcp).await;
    // A silent connection too.
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    read_until_closed(&mut tcp).await;
}

/// Issue 10, item 3: a WebSocket with no traffic either way is closed after
/// the idle timeout (here far shorter than the server's ping period).
#[tokio::test]
async fn idle_socket_is_closed() {
    let s = Server::start_with(
        test_config_with(|c| c.network.idle_timeout = Duration::from_millis(300)),
        None,
    )
    .await;
    // A widget socket: the server pings only every 30 s.
    let mut w = s.widget("default").await;
    use futures::StreamExt;
    let closed =
        tokio::time::timeout(WAIT, async { while let Some(Ok(_)) = w.next().await {} }).await;
    assert!(closed.is_ok(), "the idle widget socket stayed open");
}

/// Issue 10, item 3: connections over the per-IP cap, and over the global
/// cap, are closed at once without an answer; a freed place is reusable.
#[tokio::test]
async fn connection_caps() {
    use tokio::io::AsyncWriteExt;
    async fn healthz(addr: &str) -> (tokio::net::TcpStream, bool) {
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        use tokio::io::AsyncReadExt;
        let mut buf = [0u8; 512];
        let n = tokio::time::timeout(WAIT, tcp.read(&mut buf))
            .await
            .expect("an answer or a close within the wait")
            .unwrap_or(0);
        let ok = String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200");
        (tcp, ok)
    }
    for (max, per_ip) in [(100, 2), (2, 0)] {
        let s = Server::start_with(
            test_config_with(|c| {
                c.network.max_connections = max;
                c.network.max_connections_per_ip = per_ip;
            }),
            None,
        )
        .await;
        let addr = s.base.trim_start_matches("http://").to_string();
        let (a, ok) = healthz(&addr).await;
        assert!(ok);
        let (_b, ok) = healthz(&addr).await;
        assert!(ok);
        let (_c, ok) = healthz(&addr).await;
        assert!(!ok, "third connection refused (max {max}, per IP {per_ip})");
        drop(a);
        // The place comes free once the server sees the close.
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if healthz(&addr).await.1 {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "place never freed");
            tokio::task::yield_now().await;
        }
    }
}

async fn login_attempt(s: &Server, user: &str, password: &str) -> reqwest::Response {
    s.http
        .post(s.url("/api/operator/login"))
        .json(&serde_json::json!({"company": DEMO, "username": user, "password": password}))
        .send()
        .await
        .unwrap()
}

/// Issue 10, item 2: failed logins are throttled per account and per IP
/// with 429, `Retry-After` and a JSON message; then even the right
/// password waits.
#[tokio::test]
async fn failed_logins_are_throttled() {
    let s = Server::start_with(
        test_config_with(|c| {
            c.abuse.logins_per_account_per_minute = 3;
            c.abuse.logins_per_ip_per_minute = 5;
        }),
        None,
    )
    .await;
    for _ in 0..3 {
        assert_eq!(login_attempt(&s, "demo", "wrong").await.status(), 401);
    }
    let r = login_attempt(&s, "demo", "demo").await;
    assert_eq!(r.status(), 429, "the account is throttled");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("too many failed logins"));
    // Another account from the same IP: two more failures reach the IP cap.
    for user in ["solo", "nobody"] {
        assert_eq!(login_attempt(&s, user, "wrong").await.status(), 401);
    }
    assert_eq!(login_attempt(&s, "solo", "solo").await.status(), 429);
}

/// Issue 10, item 2: however many logins arrive at once, at most
/// `password_checks` argon2 runs happen at the same time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_checks_are_bounded() {
    let state = owidget_server::AppState::new(
        test_config_with(|c| {
            c.abuse.password_checks = 1;
            c.abuse.logins_per_ip_per_minute = 1000;
            c.abuse.logins_per_account_per_minute = 1000;
        }),
        owidget_server::Dirs::default(),
        owidget_server::storage::Store::in_memory().unwrap(),
    )
    .await
    .unwrap();
    let app = owidget_server::app(state.clone());
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let req = axum::http::Request::post("/api/operator/login")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(format!(
                    r#"{{"company":"{DEMO}","username":"demo","password":"wrong"}}"#
                )))
                .unwrap();
            app.oneshot(req).await.unwrap().status().as_u16()
        }));
    }
    for t in tasks {
        let st = t.await.unwrap();
        assert!(st == 401 || st == 429, "status {st}");
    }
    assert_eq!(state.auth.guard.most_concurrent_checks(), 1);
}
