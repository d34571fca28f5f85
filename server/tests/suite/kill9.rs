//! Issue 10, "kill -9": the real server binary, 200 chats exchanging
//! messages from real WebSocket clients (visitors) and the operator API,
//! SIGKILL at several points while traffic flows, restart on the same data
//! directory, every client resumes, and every acknowledged message is
//! stored exactly once, in order.

use crate::common;

use std::collections::HashMap;

use common::{next_of, send, spawn_binary, Ws, WAIT};
use futures::StreamExt;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const CHATS: usize = 200;
/// Total visitor acknowledgements after which each round's kill falls,
/// before a pseudo-random offset of up to [`JITTER`] from the seed
/// (`OWIDGET_KILL_SEED`, printed, so that a failing run can be repeated).
const KILL_AFTER: [usize; 3] = [150, 700, 1500];
const JITTER: u64 = 300;
const COMPANY: &str = owidget_server::demo::COMPANY;

fn config_file(dir: &std::path::Path) -> std::path::PathBuf {
    let hash = owidget_server::demo::hash_password("op");
    let toml = format!(
        r#"
[limits]
messages_per_10s = 100000
[abuse]
chat_starts_per_ip_per_minute = 100000
chat_starts_per_preset_per_minute = 100000
queue_max = 1000
[storage]
synchronous = "normal"   # survives any kill of the process (WAL)

[[companies]]
id = "{COMPANY}"
allowed_origins = ["http://localhost:*"]
[[companies.presets]]
name = "default"
groups = ["support"]
[[companies.operators]]
username = "op"
password_hash = "{hash}"
capacity = {CHATS}
groups = ["support"]
"#
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

async fn widget(url: &str) -> Ws {
    let ws = url.replace("http://", "ws://");
    let mut req = format!("{ws}/ws/widget?company={COMPANY}&preset=default&v=1")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("origin", "http://localhost:5173".parse().unwrap());
    tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req))
        .await
        .expect("connect within the wait")
        .expect("widget socket")
        .0
}

/// One visitor: its session and the messages the server acknowledged.
struct Visitor {
    id: String,
    token: String,
    /// (clientId, seq) in sending order.
    acked: Vec<(String, u64)>,
    sent: usize,
}

/// Sends numbered messages until the socket dies; reports each ack.
async fn talk(mut ws: Ws, mut v: Visitor, acks: mpsc::UnboundedSender<()>) -> Visitor {
    loop {
        let client_id = format!("{}-{}", &v.id[..8], v.sent);
        v.sent += 1;
        let frame = json!({"type": "send", "clientId": client_id, "text": format!("m{}", v.sent)});
        if futures::SinkExt::send(&mut ws, frame.to_string().into())
            .await
            .is_err()
        {
            return v;
        }
        loop {
            let Some(Ok(m)) = ws.next().await else {
                return v;
            };
            let Ok(text) = m.to_text() else { continue };
            let Ok(msg) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            if msg["type"] == "ack" && msg["clientId"] == client_id.as_str() {
                v.acked
                    .push((client_id.clone(), msg["seq"].as_u64().unwrap()));
                let _ = acks.send(());
                break;
            }
        }
    }
}

async fn api(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http
        .request(method, format!("{url}/api/operator{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    match req.send().await {
        Ok(r) => {
            let st = r.status().as_u16();
            (st, r.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_message_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path());
    let data = dir.path().join("data");
    let http = reqwest::Client::new();
    let (mut child, mut url) = spawn_binary(&config, &data).await;

    let r = http
        .post(format!("{url}/api/operator/login"))
        .json(&json!({"company": COMPANY, "username": "op", "password": "op"}))
        .send()
        .await
        .unwrap();
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let put = api(
        &http,
        &url,
        &token,
        reqwest::Method::PUT,
        "/availability",
        Some(json!({"availability": "online"})),
    )
    .await;
    assert_eq!(put.0, 200);

    let mut sockets = Vec::new();
    let mut visitors = Vec::new();
    for _ in 0..CHATS {
        let mut ws = widget(&url).await;
        send(
            &mut ws,
            json!({"type": "startChat", "language": "en", "pageUrl": "http://localhost:5173/"}),
        )
        .await;
        let created = next_of(&mut ws, "sessionCreated").await;
        let id = created["sessionId"].as_str().unwrap().to_string();
        let (st, _) = api(
            &http,
            &url,
            &token,
            reqwest::Method::POST,
            &format!("/chats/{id}/accept"),
            None,
        )
        .await;
        assert_eq!(st, 200);
        next_of(&mut ws, "sessionStarted").await;
        visitors.push(Visitor {
            id,
            token: created["token"].as_str().unwrap().to_string(),
            acked: Vec::new(),
            sent: 0,
        });
        sockets.push(ws);
    }
    // Operator messages acknowledged with 201: (chat index, seq, text).
    let mut operator_acked: Vec<(usize, u64, String)> = Vec::new();

    let mut seed: u64 = std::env::var("OWIDGET_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_0001);
    eprintln!("kill points from OWIDGET_KILL_SEED={seed}");
    for (round, base) in KILL_AFTER.into_iter().enumerate() {
        // xorshift64: a different, repeatable kill moment per seed.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let kill_after = base + (seed % JITTER) as usize;
        let (acks_tx, mut acks) = mpsc::unbounded_channel();
        let ids: Vec<String> = visitors.iter().map(|v| v.id.clone()).collect();
        let tasks: Vec<_> = sockets
            .drain(..)
            .zip(visitors.drain(..))
            .map(|(ws, v)| tokio::spawn(talk(ws, v, acks_tx.clone())))
            .collect();
        drop(acks_tx);
        // Meanwhile the operator answers round-robin through the API until
        // a request fails (the kill).
        let operator = {
            let (http, url, token) = (http.clone(), url.clone(), token.clone());
            tokio::spawn(async move {
                let mut acked = Vec::new();
                for k in 0.. {
                    let i = k % CHATS;
                    let text = format!("operator r{round} k{k}");
                    let path = format!("/chats/{}/messages", ids[i]);
                    let body = Some(json!({ "text": text }));
                    let (st, m) =
                        api(&http, &url, &token, reqwest::Method::POST, &path, body).await;
                    if st != 201 {
                        break;
                    }
                    acked.push((i, m["seq"].as_u64().unwrap(), text));
                }
                acked
            })
        };
        let mut n = 0;
        while n < kill_after {
            acks.recv().await.expect("visitors still talking");
            n += 1;
        }
        child.start_kill().expect("SIGKILL");
        child.wait().await.unwrap();
        let mut back = Vec::new();
        for t in tasks {
            back.push(
                tokio::time::timeout(WAIT, t)
                    .await
                    .expect("clients notice the kill")
                    .unwrap(),
            );
        }
        visitors = back;
        operator_acked.extend(
            tokio::time::timeout(WAIT, operator)
                .await
                .expect("the operator notices the kill")
                .unwrap(),
        );
        let (c, u) = spawn_binary(&config, &data).await;
        child = c;
        url = u;
        // Every client resumes; the operator's token survived the kill.
        for v in &visitors {
            let mut ws = widget(&url).await;
            send(
                &mut ws,
                json!({"type": "resume", "sessionId": v.id, "token": v.token, "afterSeq": 0}),
            )
            .await;
            let r = next_of(&mut ws, "resumed").await;
            assert_eq!(r["state"], "active", "round {round}");
            sockets.push(ws);
        }
        // An operator message between rounds, acknowledged with 201.
        for (i, v) in visitors.iter().enumerate().take(20) {
            let text = format!("operator r{round} to {i}");
            let (st, m) = api(
                &http,
                &url,
                &token,
                reqwest::Method::POST,
                &format!("/chats/{}/messages", v.id),
                Some(json!({"text": text})),
            )
            .await;
            assert_eq!(st, 201, "{m}");
            operator_acked.push((i, m["seq"].as_u64().unwrap(), text));
        }
        // Check every chat against what was acknowledged.
        let mut total = 0;
        for (i, v) in visitors.iter().enumerate() {
            let (st, d) = api(
                &http,
                &url,
                &token,
                reqwest::Method::GET,
                &format!("/chats/{}?limit=1000", v.id),
                None,
            )
            .await;
            assert_eq!(st, 200, "{d}");
            let msgs = d["messages"].as_array().unwrap();
            let seqs: Vec<u64> = msgs.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
            assert_eq!(
                seqs,
                (1..=msgs.len() as u64).collect::<Vec<_>>(),
                "gapless seq in chat {i}"
            );
            let mut by_client: HashMap<&str, Vec<u64>> = HashMap::new();
            for m in msgs {
                if let Some(c) = m["clientId"].as_str() {
                    by_client
                        .entry(c)
                        .or_default()
                        .push(m["seq"].as_u64().unwrap());
                }
            }
            for (client_id, seq) in &v.acked {
                assert_eq!(
                    by_client.get(client_id.as_str()),
                    Some(&vec![*seq]),
                    "acked {client_id} stored once with its seq (round {round})"
                );
            }
            // Visitor messages are stored in the order they were sent.
            let order: Vec<u64> = v.acked.iter().map(|(_, s)| *s).collect();
            assert!(order.windows(2).all(|w| w[0] < w[1]), "in order");
            for (c, seq, text) in operator_acked.iter().filter(|(c, ..)| *c == i) {
                let m = &msgs[*seq as usize - 1];
                assert_eq!((m["text"].as_str(), *c), (Some(text.as_str()), i));
            }
            total += v.acked.len();
        }
        eprintln!(
            "round {round}: SIGKILL after {kill_after} acks; {total} acknowledged visitor messages and {} operator messages all stored once, in order",
            operator_acked.len()
        );
    }
    let _ = child.start_kill();
}
