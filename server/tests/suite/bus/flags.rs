//! `--broker` on the real binary: a bad value stops it with a clear error;
//! a Redis or PostgreSQL URL connects the bus at start (seen on the broker:
//! the Redis subscription, the PostgreSQL listener by `application_name`).

use std::process::Stdio;
use std::time::Duration;

use owidget_server::bus::postgres::application_name;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_postgres::NoTls;

use super::harness::{env, WAIT};

const BIN: &str = env!("CARGO_BIN_EXE_owidget-server");

#[tokio::test]
async fn bad_broker_flag_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    for (value, why) in [
        ("amqp://mq", "is not \"memory\""),
        (
            "rediss://cache/?ca_file=/no/such.pem",
            "ca_file /no/such.pem: cannot read it",
        ),
        (
            "postgres://db/x?sslmode=verify-full",
            "needs the CA that signed the server's certificate",
        ),
        ("postgres://u:pw@db:port/x", "not a PostgreSQL URL"),
    ] {
        let run = Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--broker", value])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(WAIT, run)
            .await
            .expect("the server exits at once")
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{value}: started");
        assert!(stderr.contains("--broker"), "{value}: {stderr}");
        assert!(stderr.contains(why), "{value}: {stderr}");
        assert!(
            !stderr.contains(":pw@"),
            "{value}: password shown: {stderr}"
        );
        assert!(
            stderr.contains(":***@") || !value.contains(":pw@"),
            "{stderr}"
        );
        assert!(
            !dir.path().join("data").exists(),
            "{value}: a database was created"
        );
    }
}

/// Starts the binary with `--broker url`; returns it and its bus instance id
/// (from its "bus connected" log line).
async fn start_with(url: &str, dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--broker", url])
        .current_dir(dir)
        .env("RUST_LOG", "owidget_server=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let find = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("bus connected") {
                let (_, rest) = line.split_once("instance=").expect("instance in the log");
                let id: String = rest
                    .trim_start_matches('"')
                    .chars()
                    .take_while(char::is_ascii_hexdigit)
                    .collect();
                return id;
            }
        }
        panic!("the server ended without connecting its bus");
    };
    let id = tokio::time::timeout(WAIT, find)
        .await
        .expect("\"bus connected\" logged within the wait");
    // Keep reading: a closed pipe would fail the server's next log line.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    assert_eq!(id.len(), 16, "instance id {id:?}");
    (child, id)
}

#[tokio::test]
async fn redis_broker_flag_subscribes() {
    let url = env("OWIDGET_TEST_REDIS_URL");
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _) = start_with(&url, dir.path()).await;
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let (_, subscribers): (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg("owidget:owidget")
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(subscribers >= 1, "no subscriber on owidget:owidget");
    child.start_kill().unwrap();
    child.wait().await.unwrap();
}

#[tokio::test]
async fn postgres_broker_flag_listens() {
    let url = env("OWIDGET_TEST_PG_URL");
    let dir = tempfile::tempdir().unwrap();
    let (mut child, instance) = start_with(&url, dir.path()).await;
    let (admin, conn) = tokio_postgres::connect(&url, NoTls).await.unwrap();
    tokio::spawn(conn);
    let name = application_name(&instance);
    let rows = admin
        .query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = $1",
            &[&name],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "one listener connection named {name}");
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    // Its connection goes with the process.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows = admin
            .query(
                "SELECT 1 FROM pg_stat_activity WHERE application_name = $1",
                &[&name],
            )
            .await
            .unwrap();
        if rows.is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} still connected"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
