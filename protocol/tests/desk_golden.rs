//! Golden JSON of the operator API and desk socket types (`desk` module):
//! the desk's JavaScript relies on these exact shapes.

use std::collections::BTreeMap;

use owidget_protocol::desk::*;
use owidget_protocol::SessionState;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn golden<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T, json: &str) {
    let expected: serde_json::Value = serde_json::from_str(json).expect("golden is JSON");
    assert_eq!(serde_json::to_value(&value).unwrap(), expected, "serialize");
    let back: T = serde_json::from_str(json).expect("golden deserializes");
    assert_eq!(back, value, "deserialize");
}

fn chat() -> ChatSummary {
    let mut custom_data = BTreeMap::new();
    custom_data.insert("oo1_guest_email".to_string(), "a@b.cz".to_string());
    ChatSummary {
        id: "s1".into(),
        preset: "default".into(),
        state: SessionState::Active,
        language: "cs".into(),
        page_url: "http://localhost/".into(),
        scope: None,
        custom_data,
        created_at: 1,
        accepted_at: Some(2),
        ended_at: None,
        ended_by: None,
        operator: Some("demo".into()),
        operator_name: Some("Demo Operator".into()),
        queue_position: None,
        visitor_online: true,
        closing_form: None,
    }
}

const CHAT: &str = r#"{"id":"s1","preset":"default","state":"active","language":"cs",
    "pageUrl":"http://localhost/","customData":{"oo1_guest_email":"a@b.cz"},"createdAt":1,
    "acceptedAt":2,"operator":"demo","operatorName":"Demo Operator","visitorOnline":true}"#;

#[test]
fn login_and_availability() {
    golden(
        LoginRequest {
            company: "c".into(),
            username: "demo".into(),
            password: "demo".into(),
        },
        r#"{"company":"c","username":"demo","password":"demo"}"#,
    );
    golden(
        AvailabilityRequest {
            availability: Availability::Away,
        },
        r#"{"availability":"away"}"#,
    );
    golden(Availability::Online, r#""online""#);
    golden(Availability::Offline, r#""offline""#);
    golden(
        LoginResponse {
            token: "t".into(),
            operator: OperatorInfo {
                company: "c".into(),
                company_name: "Demo".into(),
                username: "demo".into(),
                name: "Demo Operator".into(),
                capacity: 2,
                groups: vec!["support".into()],
                availability: Availability::Online,
                active_chats: 1,
            },
        },
        r#"{"token":"t","operator":{"company":"c","companyName":"Demo","username":"demo",
            "name":"Demo Operator","capacity":2,"groups":["support"],"availability":"online",
            "activeChats":1}}"#,
    );
}

#[test]
fn chat_summary() {
    golden(chat(), CHAT);
}

#[test]
fn contacts() {
    golden(
        OfflineMessage {
            id: 3,
            preset: "default".into(),
            email: "a@b.cz".into(),
            text: "hi".into(),
            language: "en".into(),
            page_url: "p".into(),
            created_at: 9,
            status: CallbackStatus::Open,
            done_at: None,
            done_by: None,
        },
        r#"{"id":3,"preset":"default","email":"a@b.cz","text":"hi","language":"en","pageUrl":"p","createdAt":9,"status":"open"}"#,
    );
    golden(
        OfflineMessage {
            id: 3,
            preset: "default".into(),
            email: "a@b.cz".into(),
            text: "hi".into(),
            language: "en".into(),
            page_url: "p".into(),
            created_at: 9,
            status: CallbackStatus::Done,
            done_at: Some(12),
            done_by: Some("demo".into()),
        },
        r#"{"id":3,"preset":"default","email":"a@b.cz","text":"hi","language":"en","pageUrl":"p","createdAt":9,"status":"done","doneAt":12,"doneBy":"demo"}"#,
    );
    golden(
        CallbackRequest {
            id: 4,
            preset: "default".into(),
            name: "Jan".into(),
            phone: "+420 777 666 555".into(),
            language: "cs".into(),
            page_url: "p".into(),
            status: CallbackStatus::Done,
            created_at: 1,
            done_at: Some(2),
            done_by: Some("demo".into()),
        },
        r#"{"id":4,"preset":"default","name":"Jan","phone":"+420 777 666 555","language":"cs",
            "pageUrl":"p","status":"done","createdAt":1,"doneAt":2,"doneBy":"demo"}"#,
    );
}

#[test]
fn desk_events() {
    use owidget_protocol::{Author, WireMessage};
    golden(
        DeskEvent::Queue { queue: vec![] },
        r#"{"type":"queue","queue":[]}"#,
    );
    golden(
        DeskEvent::ChatAssigned { chat: chat() },
        &format!(r#"{{"type":"chatAssigned","chat":{CHAT}}}"#),
    );
    golden(
        DeskEvent::QueueJoined { chat: chat() },
        &format!(r#"{{"type":"queueJoined","chat":{CHAT}}}"#),
    );
    golden(
        DeskEvent::QueueLeft {
            session_id: "s1".into(),
        },
        r#"{"type":"queueLeft","sessionId":"s1"}"#,
    );
    golden(
        DeskEvent::ChatUnassigned {
            session_id: "s1".into(),
        },
        r#"{"type":"chatUnassigned","sessionId":"s1"}"#,
    );
    golden(
        DeskEvent::Message {
            session_id: "s1".into(),
            message: WireMessage {
                seq: 2,
                author: Author::Visitor,
                name: None,
                text: "<img src=x onerror=alert(1)>".into(),
                at: 5,
                client_id: Some("c".into()),
                bot: None,
                card: None,
                carousel: None,
            },
        },
        r#"{"type":"message","sessionId":"s1","message":{"seq":2,"author":"visitor",
            "text":"<img src=x onerror=alert(1)>","at":5,"clientId":"c"}}"#,
    );
    golden(
        DeskEvent::Typing {
            session_id: "s1".into(),
            typing: true,
        },
        r#"{"type":"typing","sessionId":"s1","typing":true}"#,
    );
    golden(
        DeskEvent::Read {
            session_id: "s1".into(),
            seq: 2,
        },
        r#"{"type":"read","sessionId":"s1","seq":2}"#,
    );
    golden(
        DeskEvent::Presence {
            session_id: "s1".into(),
            online: false,
        },
        r#"{"type":"presence","sessionId":"s1","online":false}"#,
    );
    golden(
        DeskEvent::Heartbeat { interval_ms: 15000 },
        r#"{"type":"heartbeat","intervalMs":15000}"#,
    );
    golden(
        DeskEvent::ChatEnded {
            session_id: "s1".into(),
            by: Author::Visitor,
        },
        r#"{"type":"chatEnded","sessionId":"s1","by":"visitor"}"#,
    );
    let v = serde_json::to_value(DeskEvent::Operator {
        operator: OperatorInfo {
            company: "c".into(),
            company_name: "C".into(),
            username: "u".into(),
            name: "U".into(),
            capacity: 1,
            groups: vec![],
            availability: Availability::Away,
            active_chats: 0,
        },
    })
    .unwrap();
    assert_eq!(v["type"], "operator");
    assert_eq!(v["operator"]["availability"], "away");
    let v = serde_json::to_value(DeskEvent::OfflineMessage {
        message: OfflineMessage {
            id: 1,
            preset: "p".into(),
            email: "e".into(),
            text: "t".into(),
            language: "en".into(),
            page_url: "u".into(),
            created_at: 0,
            status: CallbackStatus::Open,
            done_at: None,
            done_by: None,
        },
    })
    .unwrap();
    assert_eq!(v["type"], "offlineMessage");
    assert_eq!(v["message"]["email"], "e");
    let v = serde_json::to_value(DeskEvent::CallbackRequest {
        request: CallbackRequest {
            id: 1,
            preset: "p".into(),
            name: "n".into(),
            phone: "+1".into(),
            language: "en".into(),
            page_url: "u".into(),
            status: CallbackStatus::Open,
            created_at: 0,
            done_at: None,
            done_by: None,
        },
    })
    .unwrap();
    assert_eq!(v["type"], "callbackRequest");
    assert_eq!(v["request"]["status"], "open");
}

#[test]
fn chat_detail() {
    let v = serde_json::to_value(ChatDetail {
        chat: chat(),
        messages: vec![],
        visitor_read_seq: 3,
        operator_read_seq: 2,
    })
    .unwrap();
    assert_eq!(v["chat"]["id"], "s1");
    assert_eq!(v["messages"], serde_json::json!([]));
    assert_eq!(
        (&v["visitorReadSeq"], &v["operatorReadSeq"]),
        (&serde_json::json!(3), &serde_json::json!(2))
    );
}
