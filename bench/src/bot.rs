//! `bot [conversations]` (default 1,000): External Bot round trip on
//! loopback. The demo bot app (part of the demo connector, a real HTTP
//! service) holds that many conversations at once with as many widget
//! sockets; then, one after another across them, a visitor message is
//! timed from the widget's send to the bot's reply arriving on the widget
//! socket (stored, then pushed). The same call made straight to the bot
//! app (signed by hand) is the floor; the difference is the platform's
//! overhead (storing and pushing both messages, signing, the schema
//! checks of the answer and of each reply, the call log).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use owidget_server::plugins::sign;
use owidget_server::{demo, AppState, Dirs};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::report;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const WAIT: Duration = Duration::from_secs(30);

async fn until(ws: &mut Ws, what: &str, pick: impl Fn(&Value) -> bool) -> Instant {
    tokio::time::timeout(WAIT, async {
        while let Some(frame) = ws.next().await {
            if let Ok(Message::Text(t)) = frame {
                let v: Value = serde_json::from_str(&t).expect("JSON frame");
                if pick(&v) {
                    return Instant::now();
                }
            }
        }
        panic!("socket closed while waiting for {what}");
    })
    .await
    .unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"))
}

fn bot_reply(v: &Value) -> bool {
    v["type"] == "message"
        && v["message"]["author"] == "operator"
        && v["message"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("We are open"))
}

pub async fn run(conversations: usize) {
    let (mut config, _connector) = demo::start_connector(demo::config())
        .await
        .expect("demo connector starts");
    config.abuse.chat_starts_per_ip_per_minute = u32::MAX;
    config.abuse.chat_starts_per_preset_per_minute = u32::MAX;
    config.abuse.queue_max = usize::MAX;
    let c = config.companies[0]
        .connector
        .clone()
        .expect("demo connector");
    let data = tempfile::tempdir().expect("temp dir");
    let state = AppState::open(config, Dirs::default(), data.path())
        .await
        .expect("server state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(owidget_server::run(listener, state, std::future::pending()));
    let url = format!(
        "ws://{addr}/ws/widget?company={}&preset=bot&v=1",
        demo::COMPANY
    );

    // Open the conversations: each visitor is greeted by the bot.
    let started = Instant::now();
    let mut visitors: Vec<Ws> = Vec::with_capacity(conversations);
    for i in 0..conversations {
        let mut req = url.as_str().into_client_request().expect("request");
        req.headers_mut()
            .insert("origin", "http://localhost".parse().expect("header"));
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("ws");
        until(&mut ws, "status 1", |v| {
            v["type"] == "status" && v["status"] == 1
        })
        .await;
        ws.send(Message::Text(
            json!({"type": "startChat", "language": "en", "pageUrl": format!("http://localhost/bench/{i}")})
                .to_string()
                .into(),
        ))
        .await
        .expect("start");
        until(&mut ws, "the bot's greeting", |v| {
            v["type"] == "message" && v["message"]["author"] == "operator"
        })
        .await;
        visitors.push(ws);
    }
    println!(
        "bot: {conversations} conversations held by the demo bot (opened and greeted in {:.1} s)",
        started.elapsed().as_secs_f64()
    );

    let rounds = conversations.min(1000);
    let mut rtt = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let ws = &mut visitors[i % conversations];
        let sent = Instant::now();
        ws.send(Message::Text(
            json!({"type": "send", "clientId": format!("b{i}"), "text": "opening hours?"})
                .to_string()
                .into(),
        ))
        .await
        .expect("send");
        let at = until(ws, "the bot's reply", bot_reply).await;
        rtt.push(at - sent);
    }
    report(
        "bot: visitor message → bot reply shown (round trip)",
        &mut rtt,
    );

    // The floor: the same answer asked of the bot app directly.
    let http = reqwest::Client::new();
    let base = c.bot_url.expect("bot url");
    let mut direct = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let body = json!({"idOperator": demo::DEMO_BOT, "message": {"idMessage": format!("m{i}"),
            "author": {"role": "visitor"}, "payload": {"contentType": "text", "value": "opening hours?"},
            "createdAt": "2026-12-01T10:00:00.000Z"}})
        .to_string();
        let query = format!(
            "idConnectorVersion={}&idWebsite={}",
            c.id_connector_version, c.id_website
        );
        let t = Instant::now();
        let r = http
            .post(format!("{base}/conversations/demo-1/messages?{query}"))
            .header("content-type", "application/json")
            .header(
                sign::IADVIZE_SIGNATURE,
                sign::iadvize(&c.secrets[0], body.as_bytes()),
            )
            .body(body)
            .send()
            .await
            .expect("direct call");
        let status = r.status();
        let _ = r.bytes().await;
        direct.push(t.elapsed());
        assert!(status.is_success(), "the bot app answered {status}");
    }
    report("bot: the bot app alone (direct signed call)", &mut direct);
    let p50 = |d: &[Duration]| d[d.len() / 2];
    println!(
        "bot: platform overhead at p50 ≈ {:.2} ms",
        (p50(&rtt).as_secs_f64() - p50(&direct).as_secs_f64()) * 1000.0
    );
}
