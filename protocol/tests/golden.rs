//! Golden JSON for every wire message: the widget and the server (and the
//! desk's JavaScript) rely on these exact shapes.

use std::collections::BTreeMap;

use owidget_protocol::widget::{SessionState, StoredKind};
use owidget_protocol::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn golden<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T, json: &str) {
    let expected: serde_json::Value = serde_json::from_str(json).expect("golden is JSON");
    assert_eq!(serde_json::to_value(&value).unwrap(), expected, "serialize");
    let back: T = serde_json::from_str(json).expect("golden deserializes");
    assert_eq!(back, value, "deserialize");
}

#[test]
fn status_codes() {
    golden(ButtonStatus::Offline, "0");
    golden(ButtonStatus::Online, "1");
    golden(ButtonStatus::Busy, "2");
    assert!(serde_json::from_str::<ButtonStatus>("3").is_err());
}

#[test]
fn error_body() {
    golden(
        ErrorBody {
            message: "bad company".into(),
        },
        r#"{"message":"bad company"}"#,
    );
}

#[test]
fn client_messages() {
    let mut data = BTreeMap::new();
    data.insert("oo1_guest_ident".to_string(), "Jana".to_string());
    golden(
        ClientMessage::StartChat {
            language: "cs".into(),
            page_url: "http://localhost/".into(),
            scope: Some("shop".into()),
            custom_data: data,
            text: Some("Hello".into()),
            visitor_id: Some("ab".repeat(32)),
            start_key: Some("k7Qx-2f_0a9b8c7d".into()),
        },
        r#"{"type":"startChat","language":"cs","pageUrl":"http://localhost/","scope":"shop",
            "customData":{"oo1_guest_ident":"Jana"},"text":"Hello",
            "visitorId":"abababababababababababababababababababababababababababababababab",
            "startKey":"k7Qx-2f_0a9b8c7d"}"#,
    );
    golden(
        ClientMessage::Resume {
            session_id: "s1".into(),
            token: "t".into(),
            after_seq: 4,
        },
        r#"{"type":"resume","sessionId":"s1","token":"t","afterSeq":4}"#,
    );
    golden(
        ClientMessage::Send {
            client_id: "c1".into(),
            text: "hi".into(),
        },
        r#"{"type":"send","clientId":"c1","text":"hi"}"#,
    );
    golden(
        ClientMessage::Typing { typing: true },
        r#"{"type":"typing","typing":true}"#,
    );
    golden(ClientMessage::Read { seq: 3 }, r#"{"type":"read","seq":3}"#);
    golden(ClientMessage::EndChat, r#"{"type":"endChat"}"#);
    golden(
        ClientMessage::OfflineMessage {
            email: "a@b.cz".into(),
            text: "x".into(),
            language: "en".into(),
            page_url: "http://localhost/".into(),
        },
        r#"{"type":"offlineMessage","email":"a@b.cz","text":"x","language":"en","pageUrl":"http://localhost/"}"#,
    );
    golden(
        ClientMessage::CallbackRequest {
            name: "Jan".into(),
            phone: "+420 777 666 555".into(),
            language: "cs".into(),
            page_url: "http://localhost/".into(),
        },
        r#"{"type":"callbackRequest","name":"Jan","phone":"+420 777 666 555","language":"cs","pageUrl":"http://localhost/"}"#,
    );
    golden(
        ClientMessage::Transcript {
            email: "a@b.cz".into(),
        },
        r#"{"type":"transcript","email":"a@b.cz"}"#,
    );
}

#[test]
fn start_chat_defaults() {
    let m: ClientMessage =
        serde_json::from_str(r#"{"type":"startChat","language":"en","pageUrl":"p"}"#).unwrap();
    assert_eq!(
        m,
        ClientMessage::StartChat {
            language: "en".into(),
            page_url: "p".into(),
            scope: None,
            custom_data: BTreeMap::new(),
            text: None,
            visitor_id: None,
            start_key: None,
        }
    );
}

#[test]
fn server_messages() {
    golden(
        ServerMessage::Status {
            status: ButtonStatus::Busy,
            at: None,
        },
        r#"{"type":"status","status":2}"#,
    );
    golden(
        ServerMessage::Status {
            status: ButtonStatus::Online,
            at: Some(1_764_547_200_123),
        },
        r#"{"type":"status","status":1,"at":1764547200123}"#,
    );
    golden(
        ServerMessage::SessionCreated {
            session_id: "s".into(),
            token: "t".into(),
            queue_position: 1,
            visitor_id: "v".into(),
        },
        r#"{"type":"sessionCreated","sessionId":"s","token":"t","queuePosition":1,"visitorId":"v"}"#,
    );
    golden(
        ServerMessage::Queue { position: 2 },
        r#"{"type":"queue","position":2}"#,
    );
    golden(
        ServerMessage::SessionStarted {
            operator_name: "Eva".into(),
        },
        r#"{"type":"sessionStarted","operatorName":"Eva"}"#,
    );
    golden(
        ServerMessage::Resumed {
            session_id: "s".into(),
            state: SessionState::Active,
            operator_name: Some("Eva".into()),
            queue_position: None,
            read_seq: None,
        },
        r#"{"type":"resumed","sessionId":"s","state":"active","operatorName":"Eva"}"#,
    );
    golden(
        ServerMessage::Resumed {
            session_id: "s".into(),
            state: SessionState::Active,
            operator_name: None,
            queue_position: None,
            read_seq: Some(4),
        },
        r#"{"type":"resumed","sessionId":"s","state":"active","readSeq":4}"#,
    );
    golden(
        ServerMessage::Message {
            message: WireMessage {
                seq: 1,
                author: Author::Visitor,
                name: None,
                text: "<b>hi</b>".into(),
                at: 1_700_000_000_000,
                client_id: Some("c1".into()),
                bot: None,
                card: None,
                carousel: None,
            },
        },
        r#"{"type":"message","message":{"seq":1,"author":"visitor","text":"<b>hi</b>","at":1700000000000,"clientId":"c1"}}"#,
    );
    golden(
        ServerMessage::Ack {
            client_id: "c1".into(),
            seq: 1,
            at: 5,
        },
        r#"{"type":"ack","clientId":"c1","seq":1,"at":5}"#,
    );
    golden(
        ServerMessage::Typing { typing: false },
        r#"{"type":"typing","typing":false}"#,
    );
    golden(ServerMessage::Read { seq: 7 }, r#"{"type":"read","seq":7}"#);
    golden(
        ServerMessage::SessionEnded {
            by: Author::Operator,
        },
        r#"{"type":"sessionEnded","by":"operator"}"#,
    );
    golden(
        ServerMessage::Stored {
            kind: StoredKind::CallbackRequest,
            phone: Some("+420 777 666 555".into()),
        },
        r#"{"type":"stored","kind":"callbackRequest","phone":"+420 777 666 555"}"#,
    );
    golden(
        ServerMessage::Stored {
            kind: StoredKind::OfflineMessage,
            phone: None,
        },
        r#"{"type":"stored","kind":"offlineMessage"}"#,
    );
    golden(
        ServerMessage::Error {
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
            client_id: None,
        },
        r#"{"type":"error","code":"rateLimited","message":"slow down"}"#,
    );
    golden(
        ServerMessage::Error {
            code: ErrorCode::TooLong,
            message: "too long".into(),
            client_id: Some("w1-2".into()),
        },
        r#"{"type":"error","code":"tooLong","message":"too long","clientId":"w1-2"}"#,
    );
}

#[test]
fn widget_config() {
    let mut texts = BTreeMap::new();
    texts.insert("en".to_string(), Texts::default());
    let cfg = WidgetConfig {
        company: "0b8a7b1e-4c1f-4f3e-9a52-5d6f0c2d9e11".into(),
        preset: "default".into(),
        default_language: "en".into(),
        texts,
        colors: Colors::default(),
        position: Position::BottomRight,
        features: Features::default(),
        phone_country: "CZ".into(),
        groups: vec!["support".into()],
        limits: Default::default(),
        heartbeat_secs: 25,
    };
    let v = serde_json::to_value(&cfg).unwrap();
    assert_eq!(v["limits"]["messageMaxChars"], 2000);
    assert_eq!(v["defaultLanguage"], "en");
    assert_eq!(v["position"], "bottomRight");
    assert_eq!(v["colors"]["onPrimary"], "#ffffff");
    assert_eq!(v["features"]["callbackWhenBusy"], true);
    assert_eq!(v["phoneCountry"], "CZ");
    assert_eq!(v["texts"]["en"]["buttonOnline"], "Chat with us");
    assert_eq!(
        v["texts"]["en"]["queuePosition"],
        "Your place in the queue: {n}"
    );
    let back: WidgetConfig = serde_json::from_value(v).unwrap();
    assert_eq!(back, cfg);
    // Texts missing from a config fall back to English.
    let t: Texts = serde_json::from_str(r#"{"buttonOnline":"Napište nám"}"#).unwrap();
    assert_eq!(t.button_online, "Napište nám");
    assert_eq!(t.send, "Send");
}

#[test]
fn texts_set_knows_every_json_key() {
    let json = serde_json::to_value(Texts::default()).unwrap();
    let keys = json.as_object().unwrap();
    assert!(keys.len() > 20);
    for key in keys.keys() {
        let mut texts = Texts::default();
        assert!(texts.set(key, "X".into()), "{key}");
        let back = serde_json::to_value(&texts).unwrap();
        assert_eq!(back[key.as_str()], "X", "{key}");
    }
    let mut texts = Texts::default();
    assert!(!texts.set("button_online", "X".into()));
    assert!(!texts.set("buttonOnlin", "X".into()));
    assert!(!texts.set("buttonOnlineX", "X".into()));
    assert_eq!(texts, Texts::default());
}
