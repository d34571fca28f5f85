//! The demo company's bot app (External Bot, reference §4), under `/bot`
//! of the demo connector: written from the contract like any company's bot
//! app, signatures checked by the connector's middleware. It greets with
//! first messages and quick replies, answers opening hours, shows a product
//! offer and a carousel, waits with `await` between messages, and
//! transfers to the distribution rule labelled "Support" when the visitor
//! asks for a person, falling back with a message and a close when nobody
//! takes the chat.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::Shared;

/// The scenario the demo company configures (`id_bot`).
pub const SCENARIO: &str = "demo-shop-assistant";

/// The bot app's memory: bots configured by `PUT /bots/:idOperator` and
/// the conversations it created.
#[derive(Debug, Default)]
pub struct BotMemory {
    bots: Mutex<HashMap<String, Value>>,
    conversations: Mutex<u32>,
}

/// Routes under `/bot` (signed; mounted by the connector's router).
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/bot/external-bots", get(external_bots))
        .route("/bot/bots/{id}", get(get_bot).put(put_bot))
        .route(
            "/bot/bots/{id}/conversation-first-messages",
            get(first_messages),
        )
        .route("/bot/availability-strategies", get(availability))
        .route("/bot/conversations", post(create))
        .route("/bot/conversations/{id}/messages", post(message))
}

fn now() -> String {
    crate::bot::iso8601(crate::ids::now_ms())
}

async fn external_bots(State(demo): State<Shared>) -> Json<Value> {
    Json(json!([{
        "idBot": SCENARIO,
        "name": "Shop assistant",
        "description": "Opening hours, products, a person when asked",
        "editorUrl": format!("{}/bot/editor", demo.base),
    }]))
}

fn bot_object(demo: &Shared, id: &str, body: &Value) -> Value {
    json!({
        "idOperator": id,
        "external": {"idBot": body["external"]["idBot"], "name": "Shop assistant",
                     "editorUrl": format!("{}/bot/editor", demo.base)},
        "distributionRules": body["distributionRules"],
        "createdAt": now(),
        "updatedAt": now(),
    })
}

async fn put_bot(
    State(demo): State<Shared>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let obj = bot_object(&demo, &id, &body);
    demo.bot
        .bots
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, body);
    Json(obj)
}

async fn get_bot(State(demo): State<Shared>, Path(id): Path<String>) -> Json<Value> {
    let body = demo
        .bot
        .bots
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&id)
        .cloned()
        .unwrap_or(json!({"external": {"idBot": SCENARIO}}));
    Json(bot_object(&demo, &id, &body))
}

async fn availability() -> Json<Value> {
    Json(json!([{"strategy": "customAvailability", "availability": true}]))
}

fn text(value: &str) -> Value {
    json!({"type": "message", "payload": {"contentType": "text", "value": value}})
}

fn quick(value: &str, replies: &[&str]) -> Value {
    let mut m = text(value);
    m["quickReplies"] = replies
        .iter()
        .map(|r| json!({"contentType": "text/quick-reply", "value": r}))
        .collect();
    m
}

fn pause(ms: u64) -> Value {
    json!({"type": "await", "duration": {"unit": "millis", "value": ms}})
}

const MENU: [&str; 3] = ["Opening hours", "Show me shoes", "Talk to a person"];

async fn first_messages() -> Json<Value> {
    Json(json!({"replies": [
        quick("Hi! I am the **demo shop assistant** (a bot). How can I help?", &MENU)
    ]}))
}

async fn create(State(demo): State<Shared>) -> Json<Value> {
    let n = {
        let mut n = demo
            .bot
            .conversations
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *n += 1;
        *n
    };
    Json(
        json!({"idConversation": format!("demo-{n}"), "idOperator": "", "replies": [],
                "createdAt": now(), "updatedAt": now()}),
    )
}

fn offer(demo: &Shared, n: u32) -> Value {
    let p = super::data::product(&demo.base, n);
    json!({
        "name": p["title"],
        "price": p["priceCatalog"],
        "offerPrice": p["pricePromotion"],
        "description": p["description"],
        "image": {"url": p["imageUrl"], "description": p["title"]},
        "availability": {"status": if p["available"] == false { "UNAVAILABLE" } else { "AVAILABLE" }},
        "actions": [{"type": "LINK", "name": "View product", "url": p["productUrl"]}],
    })
}

/// The support rule of a configured bot (the one labelled "Support", else
/// the first).
fn support_rule(demo: &Shared, bot: &str) -> Option<String> {
    let bots = demo.bot.bots.lock().unwrap_or_else(|e| e.into_inner());
    let rules = bots.get(bot)?["distributionRules"].as_array()?.clone();
    rules
        .iter()
        .find(|r| r["label"] == "Support")
        .or_else(|| rules.first())
        .and_then(|r| r["id"].as_str().map(str::to_string))
}

fn answer(demo: &Shared, bot: &str, said: &str) -> Vec<Value> {
    let s = said.to_lowercase();
    if s.contains("hour") || s.contains("open") {
        vec![text("We are open **Monday to Friday, 9:00–18:00** (CET).")]
    } else if s.contains("shoe") {
        vec![
            text("Here are a few favourites:"),
            pause(800),
            json!({"type": "message", "payload": {"contentType": "bundle/product-offer",
                "offers": [offer(demo, 1), offer(demo, 4), offer(demo, 15)]}}),
            pause(800),
            quick("Anything else?", &MENU),
        ]
    } else if s.contains("deal") || s.contains("offer") {
        let mut payload = offer(demo, 4);
        payload["contentType"] = json!("product-offer");
        vec![json!({"type": "message", "payload": payload})]
    } else if s.contains("person") || s.contains("human") || s.contains("agent") {
        let Some(rule) = support_rule(demo, bot) else {
            return vec![text("Sorry, I cannot reach a person from here.")];
        };
        vec![
            text("Let me find a colleague for you…"),
            json!({"type": "transfer", "distributionRule": rule,
                   "transferOptions": {"timeout": {"unit": "seconds", "value": 20}}}),
            text("Sorry, nobody is free right now. Please leave us a message, we will get back to you."),
            json!({"type": "close"}),
        ]
    } else {
        let echo: String = said.chars().take(120).collect();
        vec![quick(
            &format!(
                "I did not understand “{echo}”. I can tell you our opening hours, show you shoes, or find a person."
            ),
            &MENU,
        )]
    }
}

async fn message(
    State(demo): State<Shared>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let bot = body["idOperator"].as_str().unwrap_or_default().to_string();
    // Only visitors are answered; the echo of operator messages is ignored.
    let replies = if body["message"]["author"]["role"] == "visitor" {
        let said = body["message"]["payload"]["value"]
            .as_str()
            .unwrap_or_default();
        answer(&demo, &bot, said)
    } else {
        Vec::new()
    };
    Json(
        json!({"idConversation": id, "idOperator": bot, "replies": replies,
                "createdAt": now(), "updatedAt": now()}),
    )
}
