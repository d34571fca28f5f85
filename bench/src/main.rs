//! `owidget-bench`: prints figures, never fails on a budget.
//!
//! - `latency [chats]` (default 1,000): that many visitors hold active
//!   chats with 10 operators; then visitor messages are sent one after
//!   another across the chats and timed from the visitor's send to the
//!   operator's desk socket receiving it (and to the visitor's ack, which
//!   comes after the message is stored). Budget: p99 < 5 ms.
//! - `fanout [sockets] [url] [pid]` (default 5,000): that many idle widget
//!   sockets watch one preset; an operator toggles availability and each
//!   toggle is timed until every socket has the new status (see
//!   `fanout.rs`). Goal: p99 <= 100 ms at 19,000.
//! - `fanout-floor [sockets]` (default 5,000): the same load generator
//!   against a minimal server (a child process, `floor-server`: plain
//!   threads writing one prepared frame per socket), the least work the
//!   kernel allows for the fan-out (see `floor.rs`).
//! - `plugins [calls]` (default 500): App Plugins with the demo connector
//!   on loopback: catalog open to products returned, the connector alone,
//!   and the server's overhead per connector call (see `plugins.rs`).
//! - `webhooks [events]` (default 10,000): webhook delivery throughput,
//!   event → delivery latency, and the delay a dead receiver adds to chat
//!   messages (see `webhooks.rs`).
//! - `bot [conversations]` (default 1,000): External Bot round trip with
//!   that many bot conversations open (see `bot.rs`).
//! - `cluster [chats] [sockets]` (defaults 200, 2,000): `latency` (both
//!   ways) and `fanout` on one instance with SQLite beside two instances
//!   on PostgreSQL + Redis and on PostgreSQL alone, visitors on A and
//!   operators on B (see `cluster.rs`).
//! - `loginflood [chats]`, `slowreaders [slow] [normal]`: see `guard.rs`.
//! - `phone [runs] <libphonenumber-js dir> [metadata.xml]` (default 3 runs): ours (the
//!   server's normalization) beside libphonenumber-js's max bundle in one
//!   run: exactness on the corpus, bytes, and in headless Chromium the first
//!   normalization and per number afterwards (see `phone.rs`).
//! - `onload [runs]` (default 3): snippet → `$owidgetOnLoad` → first
//!   status on the demo page, step by step, cold and warm (`onload.rs`).
//! - `phone-exact <corpus.jsonl>`: our normalization against Google's
//!   libphonenumber on the corpus of `bench/phone-corpus.mjs` (`exact.rs`).
//!
//! The server runs in this process (release build, real sockets on
//! loopback, a real SQLite file in a temp dir), so clients and server share
//! the machine's cores.

mod bot;
mod clients;
mod cluster;
mod exact;
mod fanout;
mod floor;
mod guard;
mod onload;
mod phone;
mod plugins;
mod webhooks;

use std::time::{Duration, Instant};

use clients::{Desk, Setup, Visitor};
use serde_json::json;

fn main() {
    // The floor server runs without an async runtime.
    if std::env::args().nth(1).as_deref() == Some("floor-server") {
        floor::serve();
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run());
}

async fn run() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "latency".into());
    if what == "phone-exact" {
        exact::run(&args.next().expect("phone-exact <corpus.jsonl>"));
        return;
    }
    let n: Option<usize> = args.next().map(|a| a.parse().expect("a number"));
    match what.as_str() {
        "latency" => latency(n.unwrap_or(1000)).await,
        "fanout" => fanout::run(n.unwrap_or(5000), args.next(), args.next()).await,
        "fanout-floor" => floor::run(n.unwrap_or(5000)).await,
        "phone" => phone::run(n.unwrap_or(3), args.next(), args.next()).await,
        "plugins" => plugins::run(n.unwrap_or(500)).await,
        "webhooks" => webhooks::run(n.unwrap_or(10_000)).await,
        "bot" => bot::run(n.unwrap_or(1000)).await,
        "loginflood" => guard::login_flood(n.unwrap_or(100)).await,
        "slowreaders" => {
            let normal = args.next().map_or(1000, |a| a.parse().expect("a number"));
            guard::slow_readers(n.unwrap_or(500), normal).await
        }
        "onload" => onload::run(n.unwrap_or(3)).await,
        "cluster" => {
            let sockets = args.next().map_or(2000, |a| a.parse().expect("a number"));
            cluster::run(n.unwrap_or(200), sockets).await
        }
        other => {
            eprintln!("usage: owidget-bench latency [chats] | fanout [sockets] | fanout-floor [sockets] | plugins [calls] | webhooks [events] | bot [conversations] | phone [runs] <libphonenumber-js dir> [metadata.xml] | phone-exact <corpus.jsonl> | loginflood [chats] | slowreaders [slow] [normal] | cluster [chats] [sockets]  (got {other})");
            std::process::exit(2);
        }
    }
}

const OPERATORS: usize = 10;

async fn latency(chats: usize) {
    let capacity = chats.div_ceil(OPERATORS) as u32 + 1;
    let setup = Setup::start(OPERATORS, capacity).await;
    let mut tokens = Vec::new();
    for i in 0..OPERATORS {
        let token = setup.login(i).await;
        setup.availability(&token, "online").await;
        tokens.push(token);
    }
    // Each chat is accepted as soon as it is created, so the queue stays
    // short (the desk's queue events carry the whole queue).
    let t = Instant::now();
    let mut visitors = Vec::with_capacity(chats);
    for i in 0..chats {
        let mut v = Visitor::connect(&setup).await;
        v.start_chat(i).await;
        setup.accept(&tokens[i % OPERATORS], &v.session).await;
        v.await_type("sessionStarted").await;
        visitors.push(v);
    }
    let mut desks = Vec::new();
    for token in &tokens {
        desks.push(Desk::connect(&setup, token).await);
    }
    println!(
        "setup: {chats} active chats with {OPERATORS} operators in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let samples = (chats * 2).clamp(500, 4000);
    let mut to_desk = Vec::with_capacity(samples);
    let mut to_ack = Vec::with_capacity(samples);
    for s in 0..samples {
        let k = s % chats;
        let client_id = format!("b{s}");
        let sent = Instant::now();
        visitors[k]
            .send(json!({"type": "send", "clientId": client_id, "text": format!("ping {s}")}))
            .await;
        // The ack (after storage) and the desk event race; time both.
        let (ack, desk) = tokio::join!(
            visitors[k].await_ack(&client_id),
            desks[k % OPERATORS].await_message(&client_id)
        );
        to_ack.push(ack.duration_since(sent));
        to_desk.push(desk.duration_since(sent));
    }
    report("visitor → operator desk", &mut to_desk);
    report("visitor → stored + ack", &mut to_ack);
}

pub(crate) fn report(what: &str, d: &mut [Duration]) {
    d.sort();
    let pct = |p: f64| d[((d.len() as f64 * p).ceil() as usize).clamp(1, d.len()) - 1];
    println!(
        "{what}: n={} p50={:.2} ms p99={:.2} ms max={:.2} ms",
        d.len(),
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(d[d.len() - 1])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
