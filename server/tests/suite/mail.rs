//! Transcript e-mails (issue 14 item 9) through a real SMTP conversation
//! with a small receiver written here (port 0): the visitor asks for the
//! transcript of an ended chat, the server stores the request, and the
//! mailer delivers it through `[smtp]`; without `[smtp]` the widget
//! configuration offers no transcript.

use crate::common;

use common::*;
use owidget_server::Config;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One received mail: envelope recipients and the DATA text.
#[derive(Debug)]
struct Mail {
    rcpt: Vec<String>,
    data: String,
}

/// An SMTP receiver on port 0 that accepts every mail (the minimal
/// RFC 5321 dialogue lettre speaks without TLS or AUTH).
async fn receiver() -> (u16, mpsc::UnboundedReceiver<Mail>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = conn.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test ESMTP\r\n").await;
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 test\r\n",
                        "MAIL" => b"250 OK\r\n",
                        "RCPT" => {
                            rcpt.push(line[8..].trim().to_string());
                            b"250 OK\r\n"
                        }
                        "DATA" => {
                            let _ = write.write_all(b"354 go on\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            let _ = tx.send(Mail {
                                rcpt: std::mem::take(&mut rcpt),
                                data,
                            });
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 OK\r\n",
                    };
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, rx)
}

#[tokio::test]
async fn a_transcript_is_mailed_through_the_configured_relay() {
    let (port, mut mails) = receiver().await;
    let toml = format!(
        "{}\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nfrom = \"Demo <chat@demo.example>\"\n",
        test_toml()
    );
    let s = Server::start_with(Config::from_toml(&toml).expect("config"), None).await;
    let config = s
        .http
        .get(s.url(&format!("/api/widget/config?company={DEMO}")))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(
        config["features"]["transcript"], true,
        "the field is offered"
    );

    let demo = s.login(DEMO, "demo").await;
    let (mut w, id, _) = active_chat(&s, &demo).await;
    visitor_says(&mut w, "v1", "Where is my <b>parcel</b>?").await;
    operator_says(&s, &demo, &id, "On its way.").await;
    let (st, _) = s.end(&demo, &id).await;
    assert_eq!(st, 200);
    next_of(&mut w, "sessionEnded").await;
    send(
        &mut w,
        json!({"type": "transcript", "email": "jana@example.cz"}),
    )
    .await;
    assert_eq!(next_of(&mut w, "stored").await["kind"], "transcript");

    let mail = tokio::time::timeout(WAIT, mails.recv())
        .await
        .expect("a mail within the wait")
        .expect("receiver runs");
    assert_eq!(mail.rcpt, ["<jana@example.cz>"]);
    let has = |needle: &str| {
        assert!(
            mail.data.contains(needle),
            "no {needle:?} in\n{}",
            mail.data
        )
    };
    has("To: jana@example.cz");
    has("From: Demo <chat@demo.example>");
    has("Subject: Transcript of your chat with Demo");
    has("Where is my <b>parcel</b>?");
    has(": On its way.");
    s.stop().await;
}

#[tokio::test]
async fn without_smtp_no_transcript_is_offered() {
    let s = Server::start().await;
    let config = s
        .http
        .get(s.url(&format!("/api/widget/config?company={DEMO}")))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(config["features"]["transcript"], false);
    s.stop().await;
}
