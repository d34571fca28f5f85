//! Server → widget: [`ServerMessage`] and [`WidgetConfig`] from parsed JSON.
//! Unknown message types and malformed messages decode to `None`; optional
//! configuration parts fall back to the protocol's defaults, as serde's
//! `#[serde(default)]` does.

use owidget_protocol::widget::{SessionState, StoredKind};
use owidget_protocol::{
    Author, ButtonStatus, Colors, ErrorCode, Features, Position, ServerMessage, Texts, WireMessage,
};

use super::Json;

fn string<J: Json>(v: &J, key: &str) -> Option<String> {
    v.get(key)?.string()
}

/// A non-negative integer that fits `u64` exactly in a JS number.
fn uint<J: Json>(v: &J, key: &str) -> Option<u64> {
    let n = v.get(key)?.number()?;
    (n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0).then_some(n as u64)
}

fn u32_of<J: Json>(v: &J, key: &str) -> Option<u32> {
    u32::try_from(uint(v, key)?).ok()
}

fn int<J: Json>(v: &J, key: &str) -> Option<i64> {
    let n = v.get(key)?.number()?;
    (n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0).then_some(n as i64)
}

fn author(s: &str) -> Option<Author> {
    Some(match s {
        "visitor" => Author::Visitor,
        "operator" => Author::Operator,
        "system" => Author::System,
        _ => return None,
    })
}

fn error_code(s: &str) -> ErrorCode {
    match s {
        "badMessage" => ErrorCode::BadMessage,
        "tooLong" => ErrorCode::TooLong,
        "rateLimited" => ErrorCode::RateLimited,
        "noSession" => ErrorCode::NoSession,
        "badSession" => ErrorCode::BadSession,
        "invalid" => ErrorCode::Invalid,
        "unavailable" => ErrorCode::Unavailable,
        // A code added by a newer server is still an error.
        _ => ErrorCode::Internal,
    }
}

fn wire_message<J: Json>(v: &J) -> Option<WireMessage> {
    Some(WireMessage {
        seq: uint(v, "seq")?,
        author: author(&string(v, "author")?)?,
        name: string(v, "name"),
        text: string(v, "text")?,
        at: int(v, "at")?,
        client_id: string(v, "clientId"),
    })
}

/// Decodes one message of the widget socket.
pub(crate) fn server_message<J: Json>(v: &J) -> Option<ServerMessage> {
    Some(match string(v, "type")?.as_str() {
        "status" => ServerMessage::Status {
            status: ButtonStatus::from_code(u8::try_from(uint(v, "status")?).ok()?)?,
        },
        "sessionCreated" => ServerMessage::SessionCreated {
            session_id: string(v, "sessionId")?,
            token: string(v, "token")?,
            queue_position: u32_of(v, "queuePosition")?,
        },
        "queue" => ServerMessage::Queue {
            position: u32_of(v, "position")?,
        },
        "sessionStarted" => ServerMessage::SessionStarted {
            operator_name: string(v, "operatorName")?,
        },
        "resumed" => ServerMessage::Resumed {
            session_id: string(v, "sessionId")?,
            state: match string(v, "state")?.as_str() {
                "waiting" => SessionState::Waiting,
                "active" => SessionState::Active,
                "ended" => SessionState::Ended,
                _ => return None,
            },
            operator_name: string(v, "operatorName"),
            queue_position: u32_of(v, "queuePosition"),
        },
        "message" => ServerMessage::Message {
            message: wire_message(&v.get("message")?)?,
        },
        "ack" => ServerMessage::Ack {
            client_id: string(v, "clientId")?,
            seq: uint(v, "seq")?,
            at: int(v, "at")?,
        },
        "typing" => ServerMessage::Typing {
            typing: v.get("typing")?.boolean()?,
        },
        "read" => ServerMessage::Read {
            seq: uint(v, "seq")?,
        },
        "sessionEnded" => ServerMessage::SessionEnded {
            by: author(&string(v, "by")?)?,
        },
        "stored" => ServerMessage::Stored {
            kind: match string(v, "kind")?.as_str() {
                "offlineMessage" => StoredKind::OfflineMessage,
                "callbackRequest" => StoredKind::CallbackRequest,
                "transcript" => StoredKind::Transcript,
                _ => return None,
            },
            phone: string(v, "phone"),
        },
        "error" => ServerMessage::Error {
            code: error_code(&string(v, "code")?),
            message: string(v, "message").unwrap_or_default(),
        },
        _ => return None,
    })
}

/// Texts of one language; unknown keys (a newer server) are ignored and
/// missing ones keep the English defaults, as serde's `default` does.
pub(crate) fn texts<J: Json>(v: &J) -> Texts {
    let mut texts = Texts::default();
    for (key, value) in v.entries() {
        if let Some(value) = value.string() {
            texts.set(&key, value);
        }
    }
    texts
}

/// The parts of a [`owidget_protocol::WidgetConfig`] the widget keeps; the
/// texts stay undecoded per language until the language is chosen (one
/// language is decoded instead of all, and no map is built).
pub(crate) struct Preset<J> {
    /// Preset name actually served.
    pub name: String,
    /// Language when no wish matches.
    pub default_language: String,
    /// Texts per language, undecoded.
    pub texts: Vec<(String, J)>,
    /// Button and header colours.
    pub colors: Colors,
    /// Corner of the page.
    pub position: Position,
    /// Offered contact forms.
    pub features: Features,
}

/// Decodes the widget configuration.
pub(crate) fn preset<J: Json>(v: &J) -> Option<Preset<J>> {
    let colors = v.get("colors");
    let features = v.get("features");
    let defaults = Features::default();
    let flag = |key: &str, default: bool| {
        features
            .as_ref()
            .and_then(|f| f.get(key)?.boolean())
            .unwrap_or(default)
    };
    let color = |key: &str| colors.as_ref().and_then(|c| string(c, key));
    let default_colors = Colors::default();
    Some(Preset {
        name: string(v, "preset")?,
        default_language: string(v, "defaultLanguage")?,
        texts: v.get("texts")?.entries(),
        colors: Colors {
            primary: color("primary").unwrap_or(default_colors.primary),
            on_primary: color("onPrimary").unwrap_or(default_colors.on_primary),
        },
        position: match string(v, "position").as_deref() {
            Some("bottomLeft") => Position::BottomLeft,
            _ => Position::BottomRight,
        },
        features: Features {
            callback_when_busy: flag("callbackWhenBusy", defaults.callback_when_busy),
            callback_when_offline: flag("callbackWhenOffline", defaults.callback_when_offline),
            offline_message: flag("offlineMessage", defaults.offline_message),
        },
    })
}

/// The `message` of an HTTP error body, if it has one.
pub(crate) fn error_message<J: Json>(v: &J) -> Option<String> {
    string(v, "message")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use owidget_protocol::WidgetConfig;
    use serde_json::{json, Value};

    use super::*;

    /// Every server message, through serde_json (the server's encoder) and
    /// back through this decoder.
    fn all_messages() -> Vec<ServerMessage> {
        vec![
            ServerMessage::Status {
                status: ButtonStatus::Busy,
            },
            ServerMessage::SessionCreated {
                session_id: "s1".into(),
                token: "t".into(),
                queue_position: 3,
            },
            ServerMessage::Queue { position: 1 },
            ServerMessage::SessionStarted {
                operator_name: "Demo Operator".into(),
            },
            ServerMessage::Resumed {
                session_id: "s1".into(),
                state: SessionState::Active,
                operator_name: Some("Op".into()),
                queue_position: None,
            },
            ServerMessage::Resumed {
                session_id: "s1".into(),
                state: SessionState::Waiting,
                operator_name: None,
                queue_position: Some(2),
            },
            ServerMessage::Message {
                message: WireMessage {
                    seq: 7,
                    author: Author::Operator,
                    name: Some("Op".into()),
                    text: "<img src=x onerror=alert(1)>".into(),
                    at: 1_700_000_000_123,
                    client_id: None,
                },
            },
            ServerMessage::Message {
                message: WireMessage {
                    seq: 8,
                    author: Author::Visitor,
                    name: None,
                    text: "hi".into(),
                    at: 1,
                    client_id: Some("c1".into()),
                },
            },
            ServerMessage::Ack {
                client_id: "c1".into(),
                seq: 8,
                at: 2,
            },
            ServerMessage::Typing { typing: true },
            ServerMessage::Read { seq: 8 },
            ServerMessage::SessionEnded { by: Author::System },
            ServerMessage::Stored {
                kind: StoredKind::CallbackRequest,
                phone: Some("+420 777 666 555".into()),
            },
            ServerMessage::Stored {
                kind: StoredKind::OfflineMessage,
                phone: None,
            },
            ServerMessage::Error {
                code: ErrorCode::RateLimited,
                message: "slow down".into(),
            },
        ]
    }

    #[test]
    fn decodes_what_serde_encodes() {
        for m in all_messages() {
            let v = serde_json::to_value(&m).unwrap();
            assert_eq!(server_message(&v), Some(m), "{v}");
        }
    }

    #[test]
    fn rejects_malformed_messages() {
        for v in [
            json!({"type": "status", "status": 3}),
            json!({"type": "status", "status": 1.5}),
            json!({"type": "status"}),
            json!({"type": "nope"}),
            json!({"status": 1}),
            json!("status"),
            json!({"type": "read", "seq": -1}),
            json!({"type": "sessionEnded", "by": "martian"}),
        ] {
            assert_eq!(server_message(&v), None, "{v}");
        }
    }

    #[test]
    fn decodes_a_full_config() {
        let mut texts = BTreeMap::new();
        let cs = Texts {
            button_online: "Napište nám".into(),
            ..Texts::default()
        };
        texts.insert("cs".to_string(), cs.clone());
        texts.insert("en".to_string(), Texts::default());
        let config = WidgetConfig {
            company: "5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51".into(),
            preset: "default".into(),
            default_language: "en".into(),
            texts,
            colors: Colors {
                primary: "#112233".into(),
                on_primary: "#ffffff".into(),
            },
            position: Position::BottomLeft,
            features: Features {
                callback_when_busy: false,
                callback_when_offline: true,
                offline_message: false,
            },
            phone_country: "CZ".into(),
            groups: vec!["support".into()],
        };
        let v = serde_json::to_value(&config).unwrap();
        let p = preset(&v).unwrap();
        assert_eq!(p.name, "default");
        assert_eq!(p.default_language, "en");
        assert_eq!(p.colors, config.colors);
        assert_eq!(p.position, config.position);
        assert_eq!(p.features, config.features);
        let langs: Vec<&str> = p.texts.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(langs, ["cs", "en"]);
        assert_eq!(super::texts(&p.texts[0].1), cs);
        assert_eq!(super::texts(&p.texts[1].1), Texts::default());
    }

    #[test]
    fn config_defaults_like_serde() {
        let v: Value = json!({
            "company": "c", "preset": "p", "defaultLanguage": "en",
            "texts": {"en": {"buttonOnline": "Hi", "unknownKey": "x"}},
            "colors": {}, "features": {}
        });
        let p = preset(&v).unwrap();
        let en = super::texts(&p.texts[0].1);
        assert_eq!(en.button_online, "Hi");
        assert_eq!(en.button_busy, Texts::default().button_busy);
        assert_eq!(p.colors, Colors::default());
        assert_eq!(p.features, Features::default());
        assert_eq!(p.position, Position::BottomRight);
        assert!(preset(&json!({"preset": "p"})).is_none());
        assert_eq!(
            error_message(&json!({"message": "no"})).as_deref(),
            Some("no")
        );
    }
}
