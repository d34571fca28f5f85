//! Chat window → server: [`ClientMessage`] as JSON text, written directly
//! (no serializer in the wasm). Native tests compare with serde_json's
//! output.

use owidget_protocol::ClientMessage;
use owidget_web::Obj;

/// The fields of [`ClientMessage::StartChat`], borrowed: the widget keeps
/// its custom data in a `Vec` (a `BTreeMap` costs ~5 KB of wasm).
pub(crate) struct StartChat<'a, I> {
    pub language: &'a str,
    pub page_url: &'a str,
    pub scope: Option<&'a str>,
    pub custom_data: I,
    pub text: Option<&'a str>,
    /// The server-issued visitor id kept by the widget (see `visitor`).
    pub visitor_id: Option<&'a str>,
    /// The idempotency key of this start (re-sent unchanged on reconnect).
    pub start_key: Option<&'a str>,
}

/// The JSON text of a `startChat`.
pub(crate) fn start_chat<'a, I>(m: &StartChat<'a, I>) -> String
where
    I: Iterator<Item = (&'a String, &'a String)> + Clone,
{
    let mut o = Obj::new("startChat");
    o.str("language", m.language)
        .str("pageUrl", m.page_url)
        .opt("scope", m.scope)
        .map("customData", m.custom_data.clone())
        .opt("text", m.text)
        .opt("visitorId", m.visitor_id)
        .opt("startKey", m.start_key);
    o.end()
}

/// The JSON text of `m`.
pub(crate) fn client_message(m: &ClientMessage) -> String {
    let o = match m {
        ClientMessage::StartChat {
            language,
            page_url,
            scope,
            custom_data,
            text,
            visitor_id,
            start_key,
        } => {
            return start_chat(&StartChat {
                language,
                page_url,
                scope: scope.as_deref(),
                custom_data: custom_data.iter(),
                text: text.as_deref(),
                visitor_id: visitor_id.as_deref(),
                start_key: start_key.as_deref(),
            })
        }
        ClientMessage::Resume {
            session_id,
            token,
            after_seq,
        } => {
            let mut o = Obj::new("resume");
            o.str("sessionId", session_id)
                .str("token", token)
                .num("afterSeq", *after_seq);
            o
        }
        ClientMessage::Send { client_id, text } => {
            let mut o = Obj::new("send");
            o.str("clientId", client_id).str("text", text);
            o
        }
        ClientMessage::Typing { typing } => {
            let mut o = Obj::new("typing");
            o.bool("typing", *typing);
            o
        }
        ClientMessage::Read { seq } => {
            let mut o = Obj::new("read");
            o.num("seq", *seq);
            o
        }
        ClientMessage::EndChat => Obj::new("endChat"),
        ClientMessage::OfflineMessage {
            email,
            text,
            language,
            page_url,
        } => {
            let mut o = Obj::new("offlineMessage");
            o.str("email", email)
                .str("text", text)
                .str("language", language)
                .str("pageUrl", page_url);
            o
        }
        ClientMessage::CallbackRequest {
            name,
            phone,
            language,
            page_url,
        } => {
            let mut o = Obj::new("callbackRequest");
            o.str("name", name)
                .str("phone", phone)
                .str("language", language)
                .str("pageUrl", page_url);
            o
        }
        ClientMessage::Transcript { email } => {
            let mut o = Obj::new("transcript");
            o.str("email", email);
            o
        }
        ClientMessage::Ping => Obj::new("ping"),
    };
    o.end()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn same_as_serde(m: ClientMessage) {
        let ours: serde_json::Value = serde_json::from_str(&client_message(&m))
            .unwrap_or_else(|e| panic!("{e}: {}", client_message(&m)));
        assert_eq!(ours, serde_json::to_value(&m).unwrap());
        let back: ClientMessage = serde_json::from_value(ours).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn start_chat_carries_the_visitor_id() {
        let id = "0f".repeat(32);
        let data: Vec<(String, String)> = Vec::new();
        let text = start_chat(&StartChat {
            language: "en",
            page_url: "p",
            scope: None,
            custom_data: data.iter().map(|(k, v)| (k, v)),
            text: None,
            visitor_id: Some(&id),
            start_key: None,
        });
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["type"], "startChat");
        assert_eq!(v["visitorId"], serde_json::Value::String(id));
        // Without one the key is absent (a first chat: the server issues it).
        let text = start_chat(&StartChat {
            language: "en",
            page_url: "p",
            scope: None,
            custom_data: data.iter().map(|(k, v)| (k, v)),
            text: None,
            visitor_id: None,
            start_key: None,
        });
        assert!(!text.contains("visitorId"), "{text}");
    }

    #[test]
    fn every_client_message_matches_serde() {
        let mut data = BTreeMap::new();
        data.insert(
            "oo1_guest_ident".to_string(),
            "Jana \"J\" Nováková".to_string(),
        );
        data.insert("k\\".to_string(), "line\nbreak\u{1}\t".to_string());
        for m in [
            ClientMessage::StartChat {
                language: "cs".into(),
                page_url: "http://localhost/?a=1&b=<x>".into(),
                scope: Some("shop".into()),
                custom_data: data,
                text: Some("Hello 👋".into()),
                visitor_id: Some("0f".repeat(32)),
                start_key: Some("w0123456789abcdef".into()),
            },
            ClientMessage::StartChat {
                language: "en".into(),
                page_url: "p".into(),
                scope: None,
                custom_data: BTreeMap::new(),
                text: None,
                visitor_id: None,
                start_key: None,
            },
            ClientMessage::Resume {
                session_id: "s1".into(),
                token: "t".into(),
                after_seq: 9_007_199_254_740_991,
            },
            ClientMessage::Send {
                client_id: "c1".into(),
                text: "<img src=x onerror=alert(1)>".into(),
            },
            ClientMessage::Typing { typing: false },
            ClientMessage::Read { seq: 3 },
            ClientMessage::EndChat,
            ClientMessage::OfflineMessage {
                email: "a@b.cz".into(),
                text: "x".into(),
                language: "en".into(),
                page_url: "u".into(),
            },
            ClientMessage::CallbackRequest {
                name: "N".into(),
                phone: "+420 777 666 555".into(),
                language: "cs".into(),
                page_url: "u".into(),
            },
            ClientMessage::Transcript {
                email: "a@b.cz".into(),
            },
            ClientMessage::Ping,
        ] {
            same_as_serde(m);
        }
    }
}
