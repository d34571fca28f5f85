//! A `chatbotMessageSend` input (§4.7, in the shapes Tock sends) checked
//! and turned into the reply object (§4.3) it stands for.

use serde_json::{json, Value};

use super::UserError;

/// A checked `chatbotMessageSend` input.
#[derive(Debug, Clone, PartialEq)]
pub struct SendInput {
    /// `conversationId` (the `idConversation` the bot app got).
    pub conversation: String,
    /// `chatbotId`, as given (an integer or a string).
    pub chatbot: String,
    /// The reply object (§4.3) it stands for, or why it is refused.
    pub reply: Result<Value, UserError>,
}

fn only_keys(v: &Value, path: &str, keys: &[&str]) -> Result<(), String> {
    match v {
        Value::Object(o) => {
            if let Some(k) = o.keys().find(|k| !keys.contains(&k.as_str())) {
                return Err(format!("unknown input field \"{k}\" in {path}"));
            }
            Ok(())
        }
        _ => Err(format!("{path} must be an input object")),
    }
}

fn present(v: &Value) -> bool {
    !v.is_null()
}

/// Type-checks the input (GraphQL errors) and turns `actionOrMessage` into
/// a reply object (its problems of meaning are user errors).
pub fn send_input(input: &Value) -> Result<SendInput, String> {
    only_keys(
        input,
        "input",
        &["conversationId", "chatbotId", "actionOrMessage"],
    )?;
    let conversation = input["conversationId"]
        .as_str()
        .ok_or("input.conversationId must be a UUID string")?
        .to_string();
    let chatbot = match &input["chatbotId"] {
        Value::Number(n) if n.is_i64() => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err("input.chatbotId must be an Int".into()),
    };
    let aom = &input["actionOrMessage"];
    only_keys(
        aom,
        "input.actionOrMessage",
        &["chatbotMessage", "chatbotAction"],
    )?;
    let message = &aom["chatbotMessage"];
    let action = &aom["chatbotAction"];
    if present(message) {
        only_keys(
            message,
            "chatbotMessage",
            &["chatbotSimpleTextMessage", "chatbotMessageAttachmentInput"],
        )?;
    }
    if present(action) {
        only_keys(
            action,
            "chatbotAction",
            &["closeMessage", "transferMessage"],
        )?;
    }
    let text = &message["chatbotSimpleTextMessage"];
    let attachment = &message["chatbotMessageAttachmentInput"];
    if present(text) && !text.is_string() {
        return Err("chatbotSimpleTextMessage must be a String".into());
    }
    if present(attachment) {
        only_keys(
            attachment,
            "chatbotMessageAttachmentInput",
            &["quickReplyMenu"],
        )?;
        let menu = &attachment["quickReplyMenu"];
        only_keys(menu, "quickReplyMenu", &["message", "choices"])?;
        if !menu["message"].is_string() {
            return Err("quickReplyMenu.message must be a String".into());
        }
        if !menu["choices"]
            .as_array()
            .is_some_and(|c| c.iter().all(Value::is_string))
        {
            return Err("quickReplyMenu.choices must be a list of String".into());
        }
    }
    let close = &action["closeMessage"];
    let transfer = &action["transferMessage"];
    if present(close) {
        only_keys(close, "closeMessage", &["_unusedField"])?;
    }
    if present(transfer) {
        only_keys(
            transfer,
            "transferMessage",
            &["routingRuleId", "transferOptions"],
        )?;
        if !transfer["routingRuleId"].is_string() {
            return Err("transferMessage.routingRuleId must be a String".into());
        }
        let options = &transfer["transferOptions"];
        if present(options) {
            only_keys(options, "transferOptions", &["timeout"])?;
            if !(options["timeout"].is_null() || options["timeout"].is_i64()) {
                return Err("transferOptions.timeout must be an Int (seconds)".into());
            }
        }
    }
    let reply = match (present(message), present(action)) {
        (true, false) => match (present(text), present(attachment)) {
            (true, false) => Ok(json!({"type": "message",
                "payload": {"contentType": "text", "value": text}})),
            (false, true) => {
                let menu = &attachment["quickReplyMenu"];
                let choices: Vec<Value> = menu["choices"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| json!({"contentType": "text/quick-reply", "value": c}))
                    .collect();
                Ok(json!({"type": "message",
                    "payload": {"contentType": "text", "value": menu["message"]},
                    "quickReplies": choices}))
            }
            _ => Err(UserError::new(
                &["actionOrMessage", "chatbotMessage"],
                "give exactly one of chatbotSimpleTextMessage and chatbotMessageAttachmentInput",
            )),
        },
        (false, true) => match (present(close), present(transfer)) {
            (true, false) => Ok(json!({"type": "close"})),
            (false, true) => {
                let mut t =
                    json!({"type": "transfer", "distributionRule": transfer["routingRuleId"]});
                if let Some(secs) = transfer["transferOptions"]["timeout"].as_i64() {
                    t["transferOptions"] =
                        json!({"timeout": {"unit": "seconds", "value": secs.max(0)}});
                }
                Ok(t)
            }
            _ => Err(UserError::new(
                &["actionOrMessage", "chatbotAction"],
                "give exactly one of closeMessage and transferMessage",
            )),
        },
        _ => Err(UserError::new(
            &["actionOrMessage"],
            "give exactly one of chatbotMessage and chatbotAction",
        )),
    };
    Ok(SendInput {
        conversation,
        chatbot,
        reply,
    })
}
