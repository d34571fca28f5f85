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
