//! Reply objects (contract §4.3–4.4) → what the platform does: publish a
//! message (text as Markdown, a card, a carousel, a file, with quick
//! replies), wait, transfer, close. Each reply was checked against
//! `bot/reply.json` first; what is unknown or unsafe is skipped with a
//! reason for the call log, never shown raw.

use std::time::Duration;

use owidget_protocol::plugins::{Card, CardAction, CardKind, Carousel};
use owidget_protocol::{BotContent, BotFile};
use serde_json::Value;

use crate::chat::BotSays;
use crate::plugins::is_http_url;

/// Longest text of a bot message (contract §4.5, "technical limit").
pub const MAX_TEXT: usize = 450;

/// Transfer timeout bounds and default (contract §4.3).
pub const TRANSFER_MIN: Duration = Duration::from_secs(5);
/// Upper bound.
pub const TRANSFER_MAX: Duration = Duration::from_secs(60);

/// What one reply asks for.
#[derive(Debug, Clone)]
pub enum Step {
    /// Publish a message.
    Say(BotSays),
    /// Wait before the next reply.
    Await(Duration),
    /// Route to a human of this distribution rule for up to the timeout.
    Transfer {
        /// Rule id.
        rule: String,
        /// 5–60 s, default 60.
        timeout: Duration,
    },
    /// Close the conversation.
    Close,
}

fn duration(v: &Value) -> Option<Duration> {
    let value = v.get("value")?.as_f64()?;
    if !(value.is_finite() && value >= 0.0) {
        return None;
    }
    let ms = match v.get("unit")?.as_str()? {
        "millis" => value,
        "seconds" => value * 1000.0,
        "minutes" => value * 60_000.0,
        _ => return None,
    };
    // A day at most: nobody waits longer in a chat.
    Some(Duration::from_millis(ms.min(86_400_000.0) as u64))
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// An http(s) URL or nothing.
fn http(v: Option<&str>) -> Option<String> {
    v.filter(|u| is_http_url(u)).map(str::to_string)
}

/// The LINK actions with an http(s) URL (the others are dropped).
fn actions(v: &Value) -> Vec<CardAction> {
    v.get("actions")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|a| {
                    let url = http(s(a, "url"))?;
                    let title = s(a, "name").or_else(|| s(a, "title"))?.to_string();
                    Some(CardAction { title, url })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A card/content payload (or one card of a bundle).
pub fn content_card(v: &Value) -> Result<Card, String> {
    let links = actions(v);
    if links.is_empty() {
        return Err("card/content has no http(s) LINK action left".into());
    }
    let image = v.get("image").filter(|i| i.is_object());
    let image_url = image.and_then(|i| http(s(i, "url")));
    Ok(Card {
        kind: CardKind::Content,
        title: s(v, "title").unwrap_or_default().to_string(),
        image_alt: image_url
            .as_ref()
            .and(image.and_then(|i| s(i, "description")).map(str::to_string)),
        image_url,
        text: s(v, "text").map(str::to_string),
        actions: links,
        ..Default::default()
    })
}

/// A product-offer payload (or one offer of a bundle).
pub fn offer_card(v: &Value) -> Result<Card, String> {
    let links = actions(v);
    if links.is_empty() {
        return Err("product-offer has no http(s) LINK action left".into());
    }
    let image = v.get("image").filter(|i| i.is_object());
    let image_url = image.and_then(|i| http(s(i, "url")));
    let status = v
        .get("availability")
        .and_then(|a| a.get("status"))
        .and_then(Value::as_str);
    Ok(Card {
        kind: CardKind::Product,
        title: s(v, "name").unwrap_or_default().to_string(),
        image_alt: image_url
            .as_ref()
            .and(image.and_then(|i| s(i, "description")).map(str::to_string)),
        image_url,
        url: Some(links[0].url.clone()),
        available: status.map(|st| st == "AVAILABLE"),
        price: s(v, "price").map(str::to_string),
        offer_price: s(v, "offerPrice").map(str::to_string),
        text: s(v, "description").map(str::to_string),
        actions: links,
    })
}

fn quick_replies(reply: &Value) -> Vec<String> {
    reply
        .get("quickReplies")
        .and_then(Value::as_array)
        .map(|q| {
            q.iter()
                .filter_map(|q| s(q, "value"))
                .filter(|v| !v.trim().is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A `message` reply → what to publish.
fn message(reply: &Value) -> Result<BotSays, String> {
    let payload = reply.get("payload").ok_or("message without payload")?;
    let content_type = s(payload, "contentType").unwrap_or_default();
    let mut bot = BotContent {
        quick_replies: quick_replies(reply),
        ..Default::default()
    };
    let mut says = BotSays::default();
    match content_type {
        "text" => {
            says.text = s(payload, "value").unwrap_or_default().to_string();
            if says.text.trim().is_empty() {
                return Err("text message with an empty value".into());
            }
            bot.markdown = true;
        }
        "card/content" => {
            let card = content_card(payload)?;
            says.text = fallback(&card);
            says.card = Some(Box::new(card));
        }
        "product-offer" => {
            let card = offer_card(payload)?;
            says.text = card.title.clone();
            says.card = Some(Box::new(card));
        }
        "file" => {
            let url = http(s(payload, "url")).ok_or("file url is not http(s)")?;
            let name = s(payload, "fileName").unwrap_or_default().to_string();
            says.text = name.clone();
            bot.file = Some(BotFile {
                name,
                mime_type: s(payload, "mimeType").unwrap_or_default().to_string(),
                url,
            });
        }
        "bundle/card" | "bundle/product-offer" => {
            return bundle(payload, content_type, bot);
        }
        other => return Err(format!("unknown payload contentType {other:?} skipped")),
    }
    says.bot = (bot != BotContent::default()).then(|| Box::new(bot));
    Ok(says)
}

/// The plain-text fallback of a content card: its title, else its text,
/// else its first link.
fn fallback(card: &Card) -> String {
    if !card.title.is_empty() {
        return card.title.clone();
    }
    match &card.text {
        Some(t) if !t.is_empty() => t.clone(),
        _ => card.actions[0].url.clone(),
    }
}

/// A carousel (bundle/card, bundle/product-offer): one message whose
/// text is the titles, for transcripts and old clients.
fn bundle(payload: &Value, content_type: &str, bot: BotContent) -> Result<BotSays, String> {
    let cards = bundle_cards(payload, content_type)?;
    let text = cards
        .iter()
        .map(|c| c.title.as_str())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    Ok(BotSays {
        text: if text.is_empty() { "…".into() } else { text },
        carousel: Some(Box::new(Carousel { title: None, cards })),
        bot: (bot != BotContent::default()).then(|| Box::new(bot)),
        ..Default::default()
    })
}

/// The cards of a bundle; cards that are not usable are dropped, a bundle
/// left empty is refused.
pub fn bundle_cards(payload: &Value, content_type: &str) -> Result<Vec<Card>, String> {
    type OneCard = fn(&Value) -> Result<Card, String>;
    let (key, one): (&str, OneCard) = if content_type == "bundle/card" {
        ("cards", content_card)
    } else {
        ("offers", offer_card)
    };
    let cards: Vec<Card> = payload
        .get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|c| one(c).ok()).collect())
        .unwrap_or_default();
    if cards.is_empty() {
        return Err(format!("{content_type} has no usable {key}"));
    }
    Ok(cards)
}

/// Known reply types and content types (the rest is skipped).
fn known(reply: &Value) -> Result<(), String> {
    match s(reply, "type") {
        Some("await" | "transfer" | "close") => Ok(()),
        Some("message") => {
            let ct = reply
                .get("payload")
                .and_then(|p| s(p, "contentType"))
                .unwrap_or_default();
            match ct {
                "text"
                | "card/content"
                | "product-offer"
                | "file"
                | "bundle/card"
                | "bundle/product-offer" => Ok(()),
                other => Err(format!("unknown payload contentType {other:?} skipped")),
            }
        }
        Some(other) => Err(format!("unknown reply type {other:?} skipped")),
        None => Err("reply without a type skipped".into()),
    }
}

/// One reply (already checked against `bot/reply.json` by the caller if
/// `check` is given) → its step, or why it is skipped.
pub fn step(reply: &Value, check: impl Fn(&Value) -> Result<(), String>) -> Result<Step, String> {
    known(reply)?;
    if let Some(v) = reply.get("payload").and_then(|p| s(p, "value")) {
        let n = v.chars().count();
        if n > MAX_TEXT {
            return Err(format!(
                "text of {n} characters refused (the limit is {MAX_TEXT})"
            ));
        }
    }
    check(reply).map_err(|e| format!("reply does not match bot/reply.json: {e}"))?;
    match s(reply, "type").unwrap_or_default() {
        "await" => Ok(Step::Await(
            reply
                .get("duration")
                .and_then(duration)
                .ok_or("await without a valid duration")?,
        )),
        "transfer" => {
            let rule = s(reply, "distributionRule")
                .ok_or("transfer without distributionRule")?
                .to_string();
            let timeout = reply
                .get("transferOptions")
                .and_then(|o| o.get("timeout"))
                .and_then(duration)
                .unwrap_or(TRANSFER_MAX)
                .clamp(TRANSFER_MIN, TRANSFER_MAX);
            Ok(Step::Transfer { rule, timeout })
        }
        "close" => Ok(Step::Close),
        _ => message(reply).map(Step::Say),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(_: &Value) -> Result<(), String> {
        Ok(())
    }

    #[test]
    fn durations_and_transfer_bounds() {
        let d = |v| step(&v, ok).unwrap();
        assert!(
            matches!(d(json!({"type":"await","duration":{"unit":"seconds","value":2}})),
            Step::Await(x) if x == Duration::from_secs(2))
        );
        assert!(
            matches!(d(json!({"type":"await","duration":{"unit":"millis","value":300}})),
            Step::Await(x) if x == Duration::from_millis(300))
        );
        assert!(
            matches!(d(json!({"type":"transfer","distributionRule":"r"})),
            Step::Transfer { timeout, .. } if timeout == TRANSFER_MAX)
        );
        assert!(matches!(d(json!({"type":"transfer","distributionRule":"r",
            "transferOptions":{"timeout":{"unit":"seconds","value":1}}})),
            Step::Transfer { timeout, .. } if timeout == TRANSFER_MIN));
        assert!(matches!(d(json!({"type":"close"})), Step::Close));
    }

    #[test]
    fn unknown_and_unsafe_parts_are_skipped() {
        let e = |v| step(&v, ok).unwrap_err();
        assert!(e(json!({"type":"dance"})).contains("unknown reply type \"dance\""));
        assert!(
            e(json!({"type":"message","payload":{"contentType":"video","url":"x"}}))
                .contains("unknown payload contentType \"video\"")
        );
        assert!(e(
            json!({"type":"message","payload":{"contentType":"file","fileName":"a",
            "mimeType":"image/png","url":"javascript:alert(1)"}})
        )
        .contains("not http(s)"));
        assert!(e(
            json!({"type":"message","payload":{"contentType":"card/content","title":"t",
            "actions":[{"type":"LINK","name":"n","url":"data:text/html,x"}]}})
        )
        .contains("no http(s) LINK"));
    }

    #[test]
    fn text_is_markdown_with_quick_replies() {
        let Step::Say(s) = step(&json!({"type":"message","payload":{"contentType":"text","value":"**Hi**"},
            "quickReplies":[{"contentType":"text/quick-reply","value":"Yes"},{"contentType":"text/quick-reply","value":"No"}]}), ok).unwrap() else { panic!() };
        assert_eq!(s.text, "**Hi**");
        let b = s.bot.unwrap();
        assert!(b.markdown);
        assert_eq!(b.quick_replies, vec!["Yes", "No"]);
    }
}
#[cfg(test)]
mod schema_tests {
    use super::*;
    use crate::plugins::schemas::{Schema, Validators};
    use serde_json::json;

    #[test]
    fn awaits_in_millis_match_the_schema() {
        let v = Validators::new();
        let r = json!({"duration":{"unit":"millis","value":1500},"type":"await"});
        let got = step(&r, |r| v.check(Schema::BotReply, r));
        assert!(
            matches!(got, Ok(Step::Await(d)) if d == Duration::from_millis(1500)),
            "{got:?}"
        );
    }
}
