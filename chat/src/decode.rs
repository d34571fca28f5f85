//! Server → chat window: [`ServerMessage`]s and the preset's texts and
//! features from JSON parsed by the browser (see `owidget_web::Json`).
//! Unknown message types and malformed messages decode to `None`; missing
//! configuration parts fall back to the protocol's defaults, as serde's
//! `#[serde(default)]` does.

use owidget_protocol::widget::{SessionState, StoredKind};
use owidget_protocol::{
    Author, ButtonStatus, ErrorCode, Features, ServerMessage, Texts, WireMessage,
};
use owidget_web::Json;

use crate::card;

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
        bot: v
            .get("bot")
            .and_then(|b| crate::botmsg::decode(&b))
            .map(Box::new),
        card: v.get("card").and_then(|c| card::decode(&c)).map(Box::new),
        carousel: v
            .get("carousel")
            .and_then(|c| card::decode_carousel(&c))
            .map(Box::new),
    })
}

/// Decodes one message of the widget socket.
pub(crate) fn server_message<J: Json>(v: &J) -> Option<ServerMessage> {
    Some(match string(v, "type")?.as_str() {
        "status" => ServerMessage::Status {
            status: ButtonStatus::from_code(u8::try_from(uint(v, "status")?).ok()?)?,
            at: uint(v, "at"),
        },
        "sessionCreated" => ServerMessage::SessionCreated {
            session_id: string(v, "sessionId")?,
            token: string(v, "token")?,
            queue_position: u32_of(v, "queuePosition")?,
            visitor_id: string(v, "visitorId").unwrap_or_default(),
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
            read_seq: uint(v, "readSeq"),
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
            client_id: string(v, "clientId"),
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

/// The contact forms a preset offers (`features` of the configuration).
pub(crate) fn features<J: Json>(config: &J) -> Features {
    let features = config.get("features");
    let defaults = Features::default();
    let flag = |key: &str, default: bool| {
        features
            .as_ref()
            .and_then(|f| f.get(key)?.boolean())
            .unwrap_or(default)
    };
    Features {
        callback_when_busy: flag("callbackWhenBusy", defaults.callback_when_busy),
        callback_when_offline: flag("callbackWhenOffline", defaults.callback_when_offline),
        offline_message: flag("offlineMessage", defaults.offline_message),
        keep_waiting_when_offline: flag(
            "keepWaitingWhenOffline",
            defaults.keep_waiting_when_offline,
        ),
        transcript: flag("transcript", defaults.transcript),
    }
}

/// The longest message the server stores (`limits.messageMaxChars`).
pub(crate) fn message_max_chars<J: Json>(config: &J) -> u32 {
    config
        .get("limits")
        .and_then(|l| l.get("messageMaxChars")?.number())
        .filter(|n| *n >= 1.0)
        .map_or(
            u32::try_from(owidget_protocol::WidgetLimits::default().message_max_chars)
                .unwrap_or(u32::MAX),
            |n| n as u32,
        )
}

/// The limits the server published (`limits`), the protocol's defaults
/// for missing ones.
pub(crate) fn limits<J: Json>(config: &J) -> owidget_protocol::WidgetLimits {
    let mut lim = owidget_protocol::WidgetLimits::default();
    if let Some(l) = config.get("limits") {
        let n = |key: &str, default: usize| {
            l.get(key)
                .and_then(|v| v.number())
                .filter(|n| *n >= 0.0)
                .map_or(default, |n| n as usize)
        };
        lim.message_max_chars = n("messageMaxChars", lim.message_max_chars);
        lim.page_url_max_chars = n("pageUrlMaxChars", lim.page_url_max_chars);
        lim.custom_data_max_keys = n("customDataMaxKeys", lim.custom_data_max_keys);
        lim.custom_data_key_max_chars = n("customDataKeyMaxChars", lim.custom_data_key_max_chars);
        lim.custom_data_value_max_chars =
            n("customDataValueMaxChars", lim.custom_data_value_max_chars);
        lim.custom_data_total_max_chars =
            n("customDataTotalMaxChars", lim.custom_data_total_max_chars);
    }
    lim
}

/// The texts of `language` in the configuration (English defaults when
/// the language is missing).
pub(crate) fn texts_of<J: Json>(config: &J, language: &str) -> Texts {
    config
        .get("texts")
        .and_then(|t| t.get(language))
        .map(|t| texts(&t))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Every server message, through serde_json (the server's encoder) and
    /// back through this decoder.
    fn all_messages() -> Vec<ServerMessage> {
        vec![
            ServerMessage::Status {
                status: ButtonStatus::Busy,
                at: None,
            },
            ServerMessage::Status {
                status: ButtonStatus::Online,
                at: Some(1_764_547_200_123),
            },
            ServerMessage::SessionCreated {
                session_id: "s1".into(),
                token: "t".into(),
                queue_position: 3,
                visitor_id: "v".repeat(64),
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
                read_seq: Some(3),
            },
            ServerMessage::Resumed {
                session_id: "s1".into(),
                state: SessionState::Waiting,
                operator_name: None,
                queue_position: Some(2),
                read_seq: None,
            },
            ServerMessage::Message {
                message: WireMessage {
                    seq: 7,
                    author: Author::Operator,
                    name: Some("Op".into()),
                    text: "<img src=x onerror=alert(1)>".into(),
                    at: 1_700_000_000_123,
                    client_id: None,
                    bot: None,
                    card: None,
                    carousel: None,
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
                    bot: None,
                    card: None,
                    carousel: None,
                },
            },
            ServerMessage::Message {
                message: WireMessage {
                    seq: 9,
                    author: Author::Operator,
                    name: Some("Op".into()),
                    text: "Trail shoe X".into(),
                    at: 3,
                    client_id: None,
                    bot: None,
                    card: Some(Box::new(owidget_protocol::plugins::Card {
                        kind: owidget_protocol::plugins::CardKind::Product,
                        title: "Trail shoe X".into(),
                        image_url: Some("https://shop.example/x.png".into()),
                        url: Some("https://shop.example/x".into()),
                        available: Some(true),
                        price: Some("99.90 €".into()),
                        offer_price: Some("79.90 €".into()),
                        ..Default::default()
                    })),
                    carousel: None,
                },
            },
            ServerMessage::Message {
                message: WireMessage {
                    seq: 10,
                    author: Author::Operator,
                    name: None,
                    text: "Your orders".into(),
                    at: 4,
                    client_id: None,
                    bot: None,
                    card: None,
                    carousel: Some(Box::new(owidget_protocol::plugins::Carousel {
                        title: Some("Your orders".into()),
                        cards: vec![owidget_protocol::plugins::Card {
                            kind: owidget_protocol::plugins::CardKind::Content,
                            title: String::new(),
                            text: Some("Order 1042".into()),
                            image_alt: Some("A parcel".into()),
                            actions: vec![owidget_protocol::plugins::CardAction {
                                title: "Track".into(),
                                url: "https://shop.example/t".into(),
                            }],
                            ..Default::default()
                        }],
                    })),
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
                client_id: None,
            },
            ServerMessage::Error {
                code: ErrorCode::TooLong,
                message: "too long".into(),
                client_id: Some("w1-2".into()),
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
    fn a_card_of_an_unknown_kind_leaves_the_text() {
        let v = json!({"type": "message", "message": {
            "seq": 4, "author": "operator", "text": "Look", "at": 5,
            "card": {"kind": "video", "text": "Look"}}});
        let Some(ServerMessage::Message { message }) = server_message(&v) else {
            panic!("a message");
        };
        assert_eq!((message.text.as_str(), message.card), ("Look", None));
    }

    #[test]
    fn texts_and_features_like_serde() {
        let v = json!({
            "texts": {"cs": {"buttonOnline": "Napište nám", "unknownKey": "x"}},
            "features": {"callbackWhenOffline": true}
        });
        let cs = texts_of(&v, "cs");
        assert_eq!(cs.button_online, "Napište nám");
        assert_eq!(cs.button_busy, Texts::default().button_busy);
        assert_eq!(texts_of(&v, "de"), Texts::default());
        let f = features(&v);
        assert!(f.callback_when_offline);
        assert_eq!(f.callback_when_busy, Features::default().callback_when_busy);
        assert_eq!(features(&json!({})), Features::default());
    }
}
