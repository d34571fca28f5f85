//! The contract's ids and `Message` objects (§4.2): our session id as the
//! conversation's UUID, a stored message's id and its contract shape.

use owidget_protocol::{Author, WireMessage};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Our session id as a UUID: the one id of a conversation on every
/// surface a connector sees, as iAdvize has one (the bot's
/// `idConversation`, webhooks' `conversationId`, the customer action's
/// `idConversation`, a Custom App's `context.conversationId`). Session ids
/// are 32 hex, which become `8-4-4-4-12`; anything else is hashed.
pub fn conversation_uuid(session: &str) -> String {
    let h = if session.len() == 32 && session.bytes().all(|b| b.is_ascii_hexdigit()) {
        session.to_string()
    } else {
        hex::encode(&Sha256::digest(session.as_bytes())[..16])
    };
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn message_id(session: &str, seq: u64) -> String {
    conversation_uuid(&hex::encode(
        &Sha256::digest(format!("{session}/{seq}").as_bytes())[..16],
    ))
}

/// A stored message as the contract's `Message`.
pub(super) fn contract_message(session: &str, m: &WireMessage) -> Value {
    let role = if m.author == Author::Visitor {
        "visitor"
    } else {
        "operator"
    };
    json!({
        "idMessage": message_id(session, m.seq),
        "author": { "role": role },
        "payload": { "contentType": "text", "value": m.text },
        "createdAt": crate::bot::iso8601(m.at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids() {
        assert_eq!(
            conversation_uuid("0123456789abcdef0123456789abcdef"),
            "01234567-89ab-cdef-0123-456789abcdef"
        );
        let m = message_id("0123456789abcdef0123456789abcdef", 3);
        assert_eq!(m.len(), 36);
        assert_ne!(m, message_id("0123456789abcdef0123456789abcdef", 4));
    }
}
