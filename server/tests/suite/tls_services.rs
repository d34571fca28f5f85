//! TLS to PostgreSQL and Redis against real servers the test starts with a
//! throwaway CA (`tls/harness.rs`): the storage over `sslmode=verify-full`,
//! `verify-ca` against a certificate for another name, the NOTIFY bus and
//! the Redis bus over TLS (a message published and received), and the
//! clear refusals: `require` against the plain test PostgreSQL, a wrong
//! CA, an unreadable or non-PEM CA file, and the binary refusing to start.

#[path = "tls/harness.rs"]
mod harness;

use std::collections::BTreeMap;

use harness::*;
use owidget_protocol::Author;
use owidget_server::bus::{Broker, Bus, BusOptions, Event, Notice};
use owidget_server::storage::{NewMessage, NewSession, Store};

fn session(id: &str) -> NewSession {
    NewSession {
        id: id.into(),
        company: "c".into(),
        preset: "p".into(),
        scope: None,
        language: "en".into(),
        page_url: "https://shop.example/".into(),
        custom_data: BTreeMap::new(),
        token_hash: "h".into(),
        created_at: 1,
        visitor_id: "visitor".into(),
        start_key: None,
    }
}

fn message(session: &str, client_id: &str, text: &str) -> NewMessage {
    NewMessage {
        session: session.into(),
        author: Author::Visitor,
        name: None,
        text: text.into(),
        client_id: Some(client_id.into()),
        card: None,
        carousel: None,
        bot: None,
    }
}

/// A fresh database on `pg`, created over verified TLS.
async fn fresh_database(pg: &TlsPostgres, certs: &Certs) -> String {
    let name = format!("t_{}", owidget_server::ids::random_hex(8));
    let admin = pg.url_by_name(
        "postgres",
        &format!("sslmode=verify-full&sslrootcert={}", certs.ca()),
    );
    query(&admin, &format!("CREATE DATABASE {name}")).await;
    name
}

/// The `ssl` column of `pg_stat_ssl` for the connections whose
/// `application_name` is like `pattern`.
async fn ssl_of(admin: &str, pattern: &str) -> Vec<Option<String>> {
    query(
        admin,
        &format!(
            "SELECT s.ssl::text FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name LIKE '{pattern}'"
        ),
    )
    .await
    .into_iter()
    .map(|mut r| r.remove(0))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_over_verify_full() {
    let certs = Certs::new();
    let pg = TlsPostgres::start(&certs).await;
    let db = fresh_database(&pg, &certs).await;
    let url = pg.url_by_name(
        &db,
        &format!("sslmode=verify-full&sslrootcert={}", certs.ca()),
    );
    // Two handles (two instances): migrations run twice, seq is shared,
    // a repeated client_id is stored once.
    let a = Store::open_postgres(&url)
        .await
        .expect("store over TLS opens");
    let b = Store::open_postgres(&url)
        .await
        .expect("a second handle opens");
    a.insert_session(session("s")).await.unwrap();
    let first = a.append(message("s", "c1", "hello"), |_| {}).await.unwrap();
    let second = b.append(message("s", "c2", "again"), |_| {}).await.unwrap();
    let repeat = b.append(message("s", "c1", "hello"), |_| {}).await.unwrap();
    assert_eq!(
        (first.message.seq, second.message.seq),
        (1, 2),
        "gapless seq across handles"
    );
    assert!(
        repeat.duplicate && repeat.message.seq == 1,
        "client_id idempotent"
    );
    let texts: Vec<_> = a
        .messages_after("s", 0)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, ["hello", "again"]);
    assert_eq!(b.open_sessions().await.unwrap().len(), 1);
    // Every connection of the pools is encrypted.
    let ssl = ssl_of(&url, "owidget-server").await;
    assert!(!ssl.is_empty(), "the pools' connections are listed");
    assert!(
        ssl.iter().all(|s| s.as_deref() == Some("true")),
        "pool connections without TLS: {ssl:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_ca_ignores_the_name_verify_full_checks_it() {
    let certs = Certs::new();
    let pg = TlsPostgres::start(&certs).await;
    let db = fresh_database(&pg, &certs).await;
    // By IP address: the certificate names db.owidget.test only.
    let ca = pg.url_by_ip(
        &db,
        &format!("sslmode=verify-ca&sslrootcert={}", certs.ca()),
    );
    Store::open_postgres(&ca).await.expect("verify-ca passes");
    // libpq: require with a CA file verifies like verify-ca.
    let require_ca = pg.url_by_ip(&db, &format!("sslmode=require&sslrootcert={}", certs.ca()));
    Store::open_postgres(&require_ca)
        .await
        .expect("require + sslrootcert passes");
    // require alone: encrypted, nothing verified.
    Store::open_postgres(&pg.url_by_ip(&db, "sslmode=require"))
        .await
        .expect("require passes");
    let full = pg.url_by_ip(
        &db,
        &format!("sslmode=verify-full&sslrootcert={}", certs.ca()),
    );
    let e = Store::open_postgres(&full).await.unwrap_err().to_string();
    assert!(
        e.contains("TLS to PostgreSQL (sslmode=verify-full) failed")
            && e.contains("certificate not valid for name \"127.0.0.1\""),
        "{e}"
    );
    assert!(!e.contains('\n'), "one line: {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_ca_or_a_bad_ca_file_fails_clearly() {
    let certs = Certs::new();
    let pg = TlsPostgres::start(&certs).await;
    let db = fresh_database(&pg, &certs).await;
    let url = |ca: &str| pg.url_by_name(&db, &format!("sslmode=verify-full&sslrootcert={ca}"));
    let e = Store::open_postgres(&url(&certs.other_ca()))
        .await
        .unwrap_err()
        .to_string();
    eprintln!("wrong CA: {e}");
    assert!(
        e.contains("TLS to PostgreSQL (sslmode=verify-full) failed")
            && e.contains("invalid peer certificate")
            && e.contains("UnknownIssuer"),
        "{e}"
    );
    let garbage = certs.path("garbage.pem").display().to_string();
    let e = Store::open_postgres(&url(&garbage))
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!(
            "invalid configuration: database_url: sslrootcert {garbage}: no PEM certificate in it"
        )
    );
    let e = Store::open_postgres(&url("/nonexistent/ca.pem"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(
            "invalid configuration: database_url: sslrootcert /nonexistent/ca.pem: cannot read it"
        ),
        "{e}"
    );
    // The NOTIFY bus: refused at its start.
    let bus = Bus::start(&url(&certs.other_ca()).parse().unwrap(), BusOptions::new()).unwrap();
    let e = bus.wait_started(WAIT).await.unwrap_err();
    assert!(e.contains("UnknownIssuer"), "{e}");
    let e = url(&garbage).parse::<Broker>().unwrap_err();
    assert!(e.contains("no PEM certificate"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_against_a_server_without_tls_fails_clearly() {
    // The test command's PostgreSQL has no TLS.
    let plain = env("OWIDGET_TEST_PG_URL");
    let sep = if plain.contains('?') { '&' } else { '?' };
    let url = format!("{plain}{sep}sslmode=require");
    let e = Store::open_postgres(&url).await.unwrap_err().to_string();
    assert_eq!(
        e,
        "invalid configuration: database_url: TLS to PostgreSQL (sslmode=require) failed: \
         error performing TLS handshake: server does not support TLS"
    );
    let bus = Bus::start(&url.parse().unwrap(), BusOptions::new()).unwrap();
    let e = bus.wait_started(WAIT).await.unwrap_err();
    assert!(e.contains("server does not support TLS"), "{e}");
    // rediss:// against the test command's plain redis-server.
    let plain_redis = env("OWIDGET_TEST_REDIS_URL").replacen("redis://", "rediss://", 1);
    let bus = Bus::start(&plain_redis.parse().unwrap(), BusOptions::new()).unwrap();
    // A plain redis-server never answers the TLS handshake: to the bus it
    // is unreachable (not connected, retried), not a TLS refusal.
    let within = std::time::Duration::from_secs(5);
    assert_eq!(bus.wait_started(within).await, Ok(false));
    assert!(!bus.is_connected());
    // prefer (the default) falls back to plain on it.
    Store::open_postgres(&format!("{plain}{sep}sslmode=prefer"))
        .await
        .expect("prefer connects without TLS");
}

async fn one_message_across(broker: &Broker) {
    let opts = || BusOptions {
        channel: format!("t_{}", owidget_server::ids::random_hex(6)),
        ..BusOptions::new()
    };
    let a_opts = opts();
    let b_opts = BusOptions {
        channel: a_opts.channel.clone(),
        ..BusOptions::new()
    };
    let a = Bus::start(broker, a_opts).unwrap();
    let b = Bus::start(broker, b_opts).unwrap();
    assert_eq!(a.wait_started(WAIT).await, Ok(true), "{broker} A connects");
    assert_eq!(b.wait_started(WAIT).await, Ok(true), "{broker} B connects");
    let mut sub = b.subscribe();
    let event = Event::Message {
        company: "c".into(),
        session: "s".into(),
        seq: 7,
    };
    a.publish(event).await.expect("published over TLS");
    let got = tokio::time::timeout(WAIT, sub.recv())
        .await
        .unwrap_or_else(|_| panic!("{broker}: nothing received within {WAIT:?}"));
    match got {
        Some(Notice::Event(e)) => {
            assert_eq!(e.from, a.instance());
            assert!(matches!(e.event, Event::Message { seq: 7, .. }), "{e:?}");
        }
        other => panic!("{broker}: expected the event, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_bus_over_tls() {
    let certs = Certs::new();
    let pg = TlsPostgres::start(&certs).await;
    let db = fresh_database(&pg, &certs).await;
    let url = pg.url_by_name(
        &db,
        &format!("sslmode=verify-full&sslrootcert={}", certs.ca()),
    );
    let broker: Broker = url.parse().unwrap();
    one_message_across(&broker).await;
    // (The buses are dropped; check the listeners of a fresh pair instead.)
    let a = Bus::start(&broker, BusOptions::new()).unwrap();
    assert_eq!(a.wait_started(WAIT).await, Ok(true));
    let pattern = format!("owidget-bus-{}", a.instance());
    assert_eq!(ssl_of(&url, &pattern).await, [Some("true".to_string())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_bus_over_tls() {
    let certs = Certs::new();
    let redis = TlsRedis::start(&certs).await;
    let broker: Broker = redis.url(&certs.ca()).parse().unwrap();
    one_message_across(&broker).await;
    // #insecure: encrypted, not verified (redis-rs).
    let insecure: Broker = format!("rediss://127.0.0.1:{}/#insecure", redis.port)
        .parse()
        .unwrap();
    one_message_across(&insecure).await;
    // A wrong CA: refused at the start, with the cause.
    let wrong: Broker = redis.url(&certs.other_ca()).parse().unwrap();
    let bus = Bus::start(&wrong, BusOptions::new()).unwrap();
    let e = bus.wait_started(WAIT).await.unwrap_err();
    eprintln!("Redis, wrong CA: {e}");
    assert!(
        e.starts_with("TLS to Redis failed:") && e.contains("UnknownIssuer"),
        "{e}"
    );
    // A bad CA file: refused when the URL is read.
    let garbage = certs.path("garbage.pem").display().to_string();
    let e = redis.url(&garbage).parse::<Broker>().unwrap_err();
    assert!(
        e.contains(&format!("ca_file {garbage}: no PEM certificate in it")),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refuses_to_start_with_a_wrong_ca() {
    let certs = Certs::new();
    let pg = TlsPostgres::start(&certs).await;
    let db = fresh_database(&pg, &certs).await;
    let url = pg.url_by_name(
        &db,
        &format!("sslmode=verify-full&sslrootcert={}", certs.other_ca()),
    );
    let data = tempfile::tempdir().unwrap();
    let out = tokio::time::timeout(
        WAIT,
        tokio::process::Command::new(env!("CARGO_BIN_EXE_owidget-server"))
            .args(["--listen", "127.0.0.1:0", "--database-url", &url])
            .arg("--data-dir")
            .arg(data.path())
            .env("RUST_LOG", "off")
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the server exits within the wait")
    .unwrap();
    assert!(!out.status.success(), "it must not start");
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("the binary said:\n{stderr}");
    assert!(
        stderr.contains("TLS to PostgreSQL (sslmode=verify-full) failed")
            && stderr.contains("UnknownIssuer"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing listened: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}
