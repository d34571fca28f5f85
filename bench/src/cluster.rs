//! `cluster [chats] [sockets]` (defaults 200 and 2,000): chat latency and
//! status fan-out on one instance (SQLite, in-process bus) and, in the same
//! run, on two instances A and B sharing PostgreSQL and a broker (Redis,
//! then PostgreSQL `LISTEN`/`NOTIFY`): visitors and watching widgets on A,
//! operators (desks, API calls, availability) on B, so every figure
//! crosses the broker. All servers run in this process, as in `latency`.
//!
//! Needs `OWIDGET_BENCH_PG_URL` (a role that may `CREATE DATABASE`; one
//! fresh database per two-instance run) and `OWIDGET_BENCH_REDIS_URL`;
//! `scripts/bench.sh` starts both (`scripts/services.sh`). A two-instance
//! run that fails (cross-instance delivery not working) is reported as such
//! and the others still print.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::clients::{Desk, Setup, Visitor};

const OPERATORS: usize = 10;

/// The figures of one setup.
#[derive(Default)]
struct Figures {
    to_desk: Vec<Duration>,
    to_widget: Vec<Duration>,
    status_each: Vec<Duration>,
    status_last: Vec<Duration>,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!(
            "{name} is not set: the two-instance benchmark needs PostgreSQL and Redis \
             (scripts/bench.sh starts them with scripts/services.sh)"
        );
        std::process::exit(2);
    })
}

pub async fn run(chats: usize, sockets: usize) {
    let pg = env("OWIDGET_BENCH_PG_URL");
    let redis = env("OWIDGET_BENCH_REDIS_URL");
    let capacity = chats.div_ceil(OPERATORS) as u32 + 1;
    println!(
        "{chats} active chats with {OPERATORS} operators, then {sockets} idle widget sockets; \
         each setup measured in turn:"
    );
    let mut columns: Vec<(String, Option<Figures>)> = Vec::new();
    let one = Setup::start(OPERATORS, capacity).await;
    let figures = tokio::spawn(async move { measure(&one, &one, chats, sockets).await }).await;
    columns.push(("1 instance, SQLite".into(), figures.ok()));
    for (name, broker) in [
        ("2 instances, PG + Redis", Some(redis)),
        ("2 instances, PG + PG NOTIFY", None),
    ] {
        let db = fresh_database(&pg).await;
        let broker = broker.unwrap_or_else(|| db.clone());
        let t = Instant::now();
        let run = tokio::spawn(async move {
            let (a, b) = Setup::start_pair(OPERATORS, capacity, &db, &broker).await;
            measure(&a, &b, chats, sockets).await
        });
        // Bounded: a cross-instance path that does not deliver would
        // otherwise wait for each frame's own timeout.
        let figures = match tokio::time::timeout(Duration::from_secs(600), run).await {
            Ok(Ok(f)) => Some(f),
            Ok(Err(e)) => {
                println!(
                    "  {name}: failed after {:.1} s: {e}",
                    t.elapsed().as_secs_f64()
                );
                None
            }
            Err(_) => {
                println!("  {name}: not done within 600 s");
                None
            }
        };
        columns.push((name.into(), figures));
    }
    print_table(&mut columns);
}

/// Visitors and watching widgets on `vis`, operators on `op` (the same
/// setup for one instance).
async fn measure(vis: &Setup, op: &Setup, chats: usize, sockets: usize) -> Figures {
    let mut tokens = Vec::new();
    for i in 0..OPERATORS {
        let token = op.login(i).await;
        op.availability(&token, "online").await;
        tokens.push(token);
    }
    // Chats start only once the visitors' instance sees an operator online.
    Visitor::connect(vis).await.await_status(1).await;
    let t = Instant::now();
    let mut visitors = Vec::with_capacity(chats);
    for i in 0..chats {
        let mut v = Visitor::connect(vis).await;
        v.start_chat(i).await;
        op.accept_when_known(&tokens[i % OPERATORS], &v.session)
            .await;
        v.await_type("sessionStarted").await;
        visitors.push(v);
    }
    let mut desks = Vec::new();
    for token in &tokens {
        desks.push(Desk::connect(op, token).await);
    }
    println!(
        "  setup of {chats} chats in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut f = Figures::default();
    let samples = (chats * 2).clamp(200, 2000);
    for s in 0..samples {
        let k = s % chats;
        let client_id = format!("c{s}");
        let sent = Instant::now();
        visitors[k]
            .send(json!({"type": "send", "clientId": client_id, "text": format!("ping {s}")}))
            .await;
        let (_, desk) = tokio::join!(
            visitors[k].await_ack(&client_id),
            desks[k % OPERATORS].await_message(&client_id)
        );
        f.to_desk.push(desk.duration_since(sent));
        let text = format!("pong {s}");
        let sent = Instant::now();
        let session = visitors[k].session.clone();
        let (_, got) = tokio::join!(
            op.say(&tokens[k % OPERATORS], &session, &text),
            visitors[k].await_text(&text)
        );
        f.to_widget.push(got.duration_since(sent));
    }
    // Status: everyone but op0 leaves, so that op0's toggles flip it.
    for token in &tokens {
        op.availability(token, "away").await;
    }
    let mut watchers = Vec::with_capacity(sockets);
    for _ in 0..sockets {
        let mut w = Visitor::connect(vis).await;
        w.await_status(0).await;
        watchers.push(w);
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let readers: Vec<_> = watchers
        .into_iter()
        .map(|w| tokio::spawn(w.forward_statuses(tx.clone())))
        .collect();
    for round in 0..10 {
        let (avail, code) = if round % 2 == 0 {
            ("online", 1)
        } else {
            ("away", 0)
        };
        let sent = Instant::now();
        op.availability(&tokens[0], avail).await;
        let mut last = Duration::ZERO;
        let mut n = 0;
        while n < sockets {
            let (got, at, _) = tokio::time::timeout(Duration::from_secs(60), rx.recv())
                .await
                .expect("every socket gets the status within 60 s")
                .expect("socket tasks alive");
            if got != code {
                continue; // a late frame of the previous round
            }
            let d = at.duration_since(sent);
            f.status_each.push(d);
            last = last.max(d);
            n += 1;
        }
        f.status_last.push(last);
    }
    // Close the sockets: the next setup runs in the same process.
    for r in readers {
        r.abort();
    }
    f
}

/// `CREATE DATABASE bench_<random>` on the server of `admin`; its URL.
async fn fresh_database(admin: &str) -> String {
    let name = format!("bench_{}", owidget_server::ids::random_hex(8));
    let (client, conn) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
        .await
        .expect("connect to OWIDGET_BENCH_PG_URL");
    tokio::spawn(conn);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("CREATE DATABASE");
    let (base, query) = admin.split_once('?').map_or((admin, ""), |(b, q)| (b, q));
    let cut = base
        .rfind('/')
        .filter(|i| *i > base.find("://").map_or(0, |s| s + 2));
    let base = cut.map_or(base, |i| &base[..i]);
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{base}/{name}{query}")
}

fn pct(d: &mut [Duration], p: f64) -> f64 {
    d.sort();
    let i = ((d.len() as f64 * p).ceil() as usize).clamp(1, d.len()) - 1;
    d[i].as_secs_f64() * 1000.0
}

fn print_table(columns: &mut [(String, Option<Figures>)]) {
    print!("{:<44}", "p50 / p99 in ms");
    for (name, _) in columns.iter() {
        print!("{name:>30}");
    }
    println!();
    type Pick = fn(&mut Figures) -> &mut Vec<Duration>;
    let rows: [(&str, Pick); 4] = [
        ("visitor → operator desk", |f| &mut f.to_desk),
        ("operator API → visitor widget", |f| &mut f.to_widget),
        ("status request → each widget", |f| &mut f.status_each),
        ("status request → last widget", |f| &mut f.status_last),
    ];
    for (what, pick) in rows {
        print!("{what:<44}");
        for (_, f) in columns.iter_mut() {
            let cell = match f.as_mut().map(pick) {
                Some(d) if !d.is_empty() => {
                    format!("{:.2} / {:.2} (n={})", pct(d, 0.5), pct(d, 0.99), d.len())
                }
                _ => "failed".to_string(),
            };
            print!("{cell:>30}");
        }
        println!();
    }
}
