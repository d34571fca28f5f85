//! Chat between a visitor's widget socket and an operator's API and desk
//! socket: messages, typing, read, transfer, end, history, limits.

use crate::common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn full_conversation() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    s.set_availability(&demo, "online").await;
    let mut d = desk(&s, &demo).await;
    let first = next_json(&mut d).await;
    assert_eq!(first["type"], "operator");
    assert_eq!(first["operator"]["availability"], "online");
    assert_eq!(
        next_json(&mut d).await,
        json!({"type": "queue", "queue": []})
    );

    let mut w = s.widget("default").await;
    send(
        &mut w,
        json!({"type": "startChat", "language": "cs", "pageUrl": "http://localhost:5173/cart",
               "scope": "shop", "customData": {"oo1_guest_ident": "Jana"}, "text": "Dobrý den"}),
    )
    .await;
    let created = next_of(&mut w, "sessionCreated").await;
    assert_eq!(created["queuePosition"], 1);
    assert_eq!(created["token"].as_str().unwrap().len(), 64);
    let id = created["sessionId"].as_str().unwrap().to_string();
    let m1 = next_of(&mut w, "message").await;
    assert_eq!(m1["message"]["seq"], 1);
    assert_eq!(m1["message"]["text"], "Dobrý den");
    assert_eq!(m1["message"]["name"], "Jana");

    // Queue changes arrive as deltas (issue 10, item 1).
    let q = next_of(&mut d, "queueJoined").await;
    assert_eq!(q["chat"]["id"], id.as_str());
    assert_eq!(q["chat"]["language"], "cs");
    assert_eq!(q["chat"]["scope"], "shop");
    assert_eq!(q["chat"]["customData"]["oo1_guest_ident"], "Jana");

    let (st, chat) = s.accept(&demo, &id).await;
    assert_eq!(st, 200, "{chat}");
    assert_eq!(
        next_of(&mut w, "sessionStarted").await["operatorName"],
        "Demo Operator"
    );
    let assigned = next_of(&mut d, "chatAssigned").await;
    assert_eq!(assigned["chat"]["id"], id.as_str());
    assert_eq!(assigned["chat"]["pageUrl"], "http://localhost:5173/cart");
    let (_, detail) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &demo,
            None,
        )
        .await;
    assert_eq!(detail["chat"]["state"], "active");
    assert_eq!(detail["messages"][0]["text"], "Dobrý den");

    // Visitor → operator, stored before the ack.
    let xss = "<img src=x onerror=alert(1)>";
    let ack = visitor_says(&mut w, "c-1", xss).await;
    assert_eq!(ack["seq"], 2);
    let own = next_of(&mut w, "message").await;
    assert_eq!(own["message"]["clientId"], "c-1");
    let ev = next_of(&mut d, "message").await;
    assert_eq!(ev["sessionId"], id.as_str());
    assert_eq!(
        ev["message"]["text"], xss,
        "stored and relayed verbatim, as text"
    );

    // Operator → visitor.
    let m = operator_says(&s, &demo, &id, "How can I help?").await;
    assert_eq!(m["seq"], 3);
    let got = next_of(&mut w, "message").await;
    assert_eq!(got["message"]["author"], "operator");
    assert_eq!(got["message"]["name"], "Demo Operator");
    assert_eq!(next_of(&mut d, "message").await["message"]["seq"], 3);

    // Typing and read, both ways.
    send(&mut w, json!({"type": "typing", "typing": true})).await;
    let t = next_of(&mut d, "typing").await;
    assert_eq!(t["typing"], true);
    send(&mut w, json!({"type": "read", "seq": 3})).await;
    assert_eq!(next_of(&mut d, "read").await["seq"], 3);
    let path = format!("/api/operator/chats/{id}/typing");
    let (st, _) = s
        .call(Method::POST, &path, &demo, Some(json!({"typing": true})))
        .await;
    assert_eq!(st, 204);
    assert_eq!(next_of(&mut w, "typing").await["typing"], true);
    let path = format!("/api/operator/chats/{id}/read");
    let (st, _) = s
        .call(Method::POST, &path, &demo, Some(json!({"seq": 2})))
        .await;
    assert_eq!(st, 204);
    assert_eq!(next_of(&mut w, "read").await["seq"], 2);

    // The operator ends; the visitor asks for the transcript.
    let (st, ended) = s.end(&demo, &id).await;
    assert_eq!(st, 200);
    assert_eq!(ended["state"], "ended");
    assert_eq!(next_of(&mut w, "sessionEnded").await["by"], "operator");
    assert_eq!(next_of(&mut d, "chatEnded").await["by"], "operator");
    let me = next_of(&mut d, "operator").await;
    assert_eq!(me["operator"]["activeChats"], 0);
    // Without [smtp] no transcript is promised (tests/mail.rs sends one).
    send(
        &mut w,
        json!({"type": "transcript", "email": "jana@example.cz"}),
    )
    .await;
    let e = next_of(&mut w, "error").await;
    assert_eq!(e["code"], "invalid");
    assert!(e["message"].as_str().unwrap().contains("[smtp]"), "{e}");
    send(
        &mut w,
        json!({"type": "send", "clientId": "late", "text": "hello?"}),
    )
    .await;
    assert_eq!(next_of(&mut w, "error").await["code"], "noSession");

    let (_, hist) = s
        .call(Method::GET, "/api/operator/history", &demo, None)
        .await;
    assert_eq!(hist[0]["id"], id.as_str());
    assert_eq!(hist[0]["endedBy"], "operator");
    let (_, detail) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &demo,
            None,
        )
        .await;
    assert_eq!(detail["chat"]["state"], "ended");
    assert_eq!(detail["messages"].as_array().unwrap().len(), 3);
    s.stop().await;
}

#[tokio::test]
async fn reconnect_gets_missed_messages_without_duplicates() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let (mut w, id, token) = active_chat(&s, &demo).await;
    visitor_says(&mut w, "a", "one").await;
    next_of(&mut w, "message").await;
    drop(w);
    operator_says(&s, &demo, &id, "two").await;
    operator_says(&s, &demo, &id, "three").await;
    // The operator has read the visitor's message: stored (issue 14 item 4).
    let (st, _) = s
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/read"),
            &demo,
            Some(json!({"seq": 1})),
        )
        .await;
    assert_eq!(st, 204);

    let mut w = s.widget("default").await;
    send(
        &mut w,
        json!({"type": "resume", "sessionId": id, "token": token, "afterSeq": 1}),
    )
    .await;
    let r = next_of(&mut w, "resumed").await;
    assert_eq!(r["state"], "active");
    assert_eq!(r["operatorName"], "Demo Operator");
    assert_eq!(r["readSeq"], 1, "the operator's stored read mark");
    let a = next_json(&mut w).await;
    let b = next_json(&mut w).await;
    assert_eq!(
        (a["message"]["seq"].clone(), b["message"]["seq"].clone()),
        (json!(2), json!(3))
    );
    assert_eq!(b["message"]["text"], "three");

    // Resending an acknowledged clientId stores nothing new.
    let ack = visitor_says(&mut w, "a", "one").await;
    assert_eq!(ack["seq"], 1);
    let m = operator_says(&s, &demo, &id, "four").await;
    assert_eq!(m["seq"], 4, "no gap, no duplicate");
    let next = next_of(&mut w, "message").await;
    assert_eq!(next["message"]["seq"], 4, "no repeat of seq 1 pushed");

    // A second tab shares the chat; a wrong token is refused.
    let mut tab = s.widget("default").await;
    send(
        &mut tab,
        json!({"type": "resume", "sessionId": id, "token": token, "afterSeq": 4}),
    )
    .await;
    next_of(&mut tab, "resumed").await;
    operator_says(&s, &demo, &id, "five").await;
    assert_eq!(next_of(&mut w, "message").await["message"]["seq"], 5);
    assert_eq!(next_of(&mut tab, "message").await["message"]["seq"], 5);
    // The visitor's read mark is stored for a desk that loads the chat.
    send(&mut tab, json!({"type": "read", "seq": 5})).await;
    let mut marks = json!(null);
    for _ in 0..200 {
        let (_, d) = s
            .call(
                Method::GET,
                &format!("/api/operator/chats/{id}"),
                &demo,
                None,
            )
            .await;
        marks = json!([d["visitorReadSeq"], d["operatorReadSeq"]]);
        if marks == json!([5, 1]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(marks, json!([5, 1]));
    let mut bad = s.widget("default").await;
    send(
        &mut bad,
        json!({"type": "resume", "sessionId": id, "token": "0".repeat(64), "afterSeq": 0}),
    )
    .await;
    assert_eq!(next_of(&mut bad, "error").await["code"], "badSession");
    s.stop().await;
}

#[tokio::test]
async fn transfer_to_operator_and_back_to_queue() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let solo = s.login(DEMO, "solo").await;
    let (mut w, id, _) = active_chat(&s, &demo).await;
    let path = format!("/api/operator/chats/{id}/transfer");
    let (st, v) = s
        .call(Method::POST, &path, &demo, Some(json!({"to": "solo"})))
        .await;
    assert_eq!(st, 409, "solo is offline: {v}");
    s.set_availability(&solo, "online").await;
    let (st, ops) = s
        .call(Method::GET, "/api/operator/operators", &demo, None)
        .await;
    assert_eq!(st, 200);
    let names: Vec<_> = ops
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["username"].clone())
        .collect();
    assert_eq!(names, vec![json!("demo"), json!("solo")], "only my company");
    assert_eq!(ops[0]["activeChats"], 1);
    assert_eq!(ops[1]["availability"], "online");
    let mut solo_desk = desk(&s, &solo).await;
    let (st, v) = s
        .call(Method::POST, &path, &demo, Some(json!({"to": "solo"})))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["operator"], "solo");
    assert_eq!(
        next_of(&mut w, "sessionStarted").await["operatorName"],
        "Solo"
    );
    assert_eq!(
        next_of(&mut solo_desk, "chatAssigned").await["chat"]["id"],
        id.as_str()
    );
    let (_, mine) = s
        .call(Method::GET, "/api/operator/chats", &demo, None)
        .await;
    assert_eq!(mine, json!([]));
    let (st, _) = s.end(&demo, &id).await;
    assert_eq!(st, 403, "no longer demo's chat");
    operator_says(&s, &solo, &id, "Solo here").await;

    let (st, v) = s
        .call(Method::POST, &path, &solo, Some(json!({"to": null})))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "waiting");
    assert_eq!(next_of(&mut w, "queue").await["position"], 1);
    let (_, q) = s
        .call(Method::GET, "/api/operator/queue", &demo, None)
        .await;
    assert_eq!(q[0]["id"], id.as_str());
    s.stop().await;
}

#[tokio::test]
async fn limits_refuse_and_store_nothing() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let (mut w, id, _) = active_chat(&s, &demo).await;
    let long = "x".repeat(201);
    send(
        &mut w,
        json!({"type": "send", "clientId": "long", "text": long}),
    )
    .await;
    // Each refusal of a `send` names its clientId (issue 14 item 3).
    let e = next_of(&mut w, "error").await;
    assert_eq!(
        (&e["code"], &e["clientId"]),
        (&json!("tooLong"), &json!("long"))
    );
    send(
        &mut w,
        json!({"type": "send", "clientId": "blank", "text": "  "}),
    )
    .await;
    let e = next_of(&mut w, "error").await;
    assert_eq!(
        (&e["code"], &e["clientId"]),
        (&json!("invalid"), &json!("blank"))
    );
    send(&mut w, json!({"type": "nonsense"})).await;
    assert_eq!(next_of(&mut w, "error").await["code"], "badMessage");
    let path = format!("/api/operator/chats/{id}/messages");
    let (st, v) = s
        .call(Method::POST, &path, &demo, Some(json!({"text": long})))
        .await;
    assert_eq!(st, 400);
    assert!(v["message"].as_str().unwrap().contains("200"));

    // messages_per_10s = 8 in the test config.
    for i in 0..8 {
        visitor_says(&mut w, &format!("r{i}"), "spam").await;
    }
    send(
        &mut w,
        json!({"type": "send", "clientId": "r8", "text": "spam"}),
    )
    .await;
    let e = next_of(&mut w, "error").await;
    assert_eq!(
        (&e["code"], &e["clientId"]),
        (&json!("rateLimited"), &json!("r8"))
    );
    let (_, detail) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &demo,
            None,
        )
        .await;
    let seqs: Vec<u64> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(
        seqs,
        (1..=8).collect::<Vec<_>>(),
        "only the admitted ones, gapless"
    );
    s.stop().await;
}

#[tokio::test]
async fn other_company_cannot_read_or_write() {
    let s = Server::start().await;
    let demo = s.login(DEMO, "demo").await;
    let eva = s.login(OTHER, "eva").await;
    let (_w, id, _) = active_chat(&s, &demo).await;
    for (method, path, body) in [
        (Method::GET, format!("/api/operator/chats/{id}"), None),
        (
            Method::POST,
            format!("/api/operator/chats/{id}/messages"),
            Some(json!({"text": "hi"})),
        ),
        (
            Method::POST,
            format!("/api/operator/chats/{id}/typing"),
            Some(json!({"typing": true})),
        ),
        (
            Method::POST,
            format!("/api/operator/chats/{id}/transfer"),
            Some(json!({"to": null})),
        ),
    ] {
        let (st, v) = s.call(method, &path, &eva, body).await;
        assert_eq!(st, 404, "{path}: {v}");
    }
    let (_, hist) = s
        .call(Method::GET, "/api/operator/history", &eva, None)
        .await;
    assert_eq!(hist, json!([]));
    let (st, _) = s.end(&demo, &id).await;
    assert_eq!(st, 200);
    let (st, _) = s
        .call(
            Method::GET,
            &format!("/api/operator/chats/{id}"),
            &eva,
            None,
        )
        .await;
    assert_eq!(st, 404, "ended chats stay private too");
    let (_, hist) = s
        .call(Method::GET, "/api/operator/history", &eva, None)
        .await;
    assert_eq!(hist, json!([]));
    let r = s
        .http
        .get(format!("{}/ws/desk?token=nope", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].is_string());
    s.stop().await;
}
