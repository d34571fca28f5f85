//! On a slow or flaky network the visitor's window shows every stored
//! message once, in `seq` order (issue 14 item 1).
//!
//! A visitor in real Chromium reaches the server through the harness's
//! [`Proxy`], which holds the widget socket's frames until the test releases
//! them; the operator writes through the HTTP API, straight to the server.
//! Each round, both sides write "at once" (the visitor's frames are held
//! while the operator's are stored first) and the held frames are released
//! in a seeded order, or lost in a cut of the socket (a network blip). After
//! each round the window must equal the conversation as stored.

use owidget_e2e::proxy::{Dir, Proxy};
use owidget_e2e::{Browser, Operator, TestServer, WAIT};

use crate::network::{stored, wait_queue, WINDOW};
use reqwest::Method;
use serde_json::json;

/// A small seeded generator: the same interleavings on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One round: what is held, how it ends.
#[derive(Debug)]
struct Round {
    visitor: usize,
    operator: usize,
    hold_down: bool,
    down_first: bool,
    cut: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_shows_every_stored_message_once_in_order_on_a_slow_network() {
    // Many messages in little time: the rate limit is not under test.
    let mut config = owidget_server::demo::config();
    config.limits.messages_per_10s = 1_000;
    let server = TestServer::start_with(config).await;
    let proxy = Proxy::start(&server.url).await;
    let browser = Browser::start().await;
    let operator = server.demo_operator().await;
    operator.set_availability("online").await;

    browser
        .goto(&format!("{}/demo/snippet.html", proxy.url))
        .await;
    browser
        .wait_js(
            "status 1",
            "document.getElementById('status').dataset.code === '1'",
        )
        .await;
    browser
        .shadow_find("owidget-root", ".btn")
        .await
        .click()
        .await
        .expect("open the window");
    let composer = browser
        .shadow_find("owidget-root", "[part=composer] textarea")
        .await;
    composer
        .send_keys("Hello\u{E007}")
        .await
        .expect("first message");
    let queue = wait_queue(&operator).await;
    let id = queue[0]["id"].as_str().expect("chat id").to_string();
    operator
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/accept"),
            None,
        )
        .await;
    window_matches_server(
        &browser,
        &operator,
        &id,
        "after the start",
        &["Hello".into()],
    )
    .await;

    // The case first: the visitor's message is on its way while
    // the operator's answer is stored and pushed.
    // Then a blip that loses frames both ways.
    let mut rounds = vec![
        Round {
            visitor: 1,
            operator: 1,
            hold_down: false,
            down_first: false,
            cut: false,
        },
        Round {
            visitor: 2,
            operator: 2,
            hold_down: true,
            down_first: false,
            cut: true,
        },
    ];
    let mut rng = Rng(0x5eed_0014);
    for _ in 0..14 {
        rounds.push(Round {
            visitor: 1 + rng.below(2) as usize,
            operator: 1 + rng.below(2) as usize,
            hold_down: rng.below(2) == 0,
            down_first: rng.below(2) == 0,
            cut: rng.below(4) == 0,
        });
    }
    for (n, round) in rounds.iter().enumerate() {
        let what = format!("round {n} {round:?}");
        eprintln!("{what}");
        let mut written = Vec::new();
        proxy.hold(Dir::Up);
        if round.hold_down {
            proxy.hold(Dir::Down);
        }
        for i in 0..round.visitor {
            let text = format!("visitor {n}.{i}");
            written.push(text.clone());
            composer
                .send_keys(&format!("{text}\u{E007}"))
                .await
                .expect("type a message");
            let needle = format!("\"text\":\"{text}\"");
            proxy
                .wait_held(Dir::Up, &format!("{what}: {text}"), |held| {
                    held.iter()
                        .any(|f| f.contains("\"send\"") && f.contains(&needle))
                })
                .await;
        }
        for i in 0..round.operator {
            let text = format!("operator {n}.{i}");
            written.push(text.clone());
            operator
                .call(
                    Method::POST,
                    &format!("/api/operator/chats/{id}/messages"),
                    Some(json!({ "text": text })),
                )
                .await;
            if round.hold_down {
                let needle = format!("\"text\":\"{text}\"");
                proxy
                    .wait_held(Dir::Down, &format!("{what}: {text}"), |held| {
                        held.iter().any(|f| f.contains(&needle))
                    })
                    .await;
            }
        }
        if round.cut {
            // A blip: what was held is lost; the widget reconnects,
            // resumes and resends what the server did not store.
            proxy.cut();
            proxy.release(Dir::Up);
            proxy.release(Dir::Down);
        } else if round.down_first {
            proxy.release(Dir::Down);
            proxy.release(Dir::Up);
        } else {
            proxy.release(Dir::Up);
            proxy.release(Dir::Down);
        }
        window_matches_server(&browser, &operator, &id, &what, &written).await;
    }
}

/// Waits until every text of `written` is stored and the window shows
/// exactly the stored conversation (each message once, in `seq` order, the
/// visitor's all delivered).
async fn window_matches_server(
    browser: &Browser,
    operator: &Operator,
    id: &str,
    what: &str,
    written: &[String],
) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let stored = stored(operator, id).await;
        let rows = browser.js(WINDOW, vec![]).await;
        let rows = rows.as_array().expect("rows");
        let shown: Vec<(String, String)> = rows
            .iter()
            .map(|r| {
                (
                    r[0].as_str().unwrap_or("").into(),
                    r[1].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        let sending = rows.iter().any(|r| r[2] == "…");
        let all_stored = written.iter().all(|w| stored.iter().any(|(_, t)| t == w));
        if all_stored && shown == stored && !sending {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!(
                "{what}: after {WAIT:?} the window shows\n{rows:?}\nbut the server stored\n{stored:?}\n(written: {written:?})"
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}
