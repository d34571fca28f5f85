//! Webhooks (reference §2.4, §6): events pushed to the receivers a
//! company's connector declares, through a durable outbox.
//!
//! - An event is planned by the code that makes the change ([`Planned`],
//!   built by [`pushed`], [`closed`], [`availability`], [`closing_form`])
//!   and written by the storage call that stores the change, in the same
//!   SQLite transaction ([`outbox::write`]): a change is never stored
//!   without its events, nor an event without its change.
//! - [`worker`]: one task per receiver delivers its pending events in
//!   order, through the connector client of App Plugins (signed, bounded,
//!   logged), retrying with exponential backoff and jitter for the
//!   configured period. The outbox is read again at start, so a restart
//!   loses nothing; `eventId` and `x-iadvize-correlationid` are stored with
//!   the event, so every retry carries the same ones.
//! - [`api`]: `GET /api/operator/webhooks/deliveries`, the delivery log.

pub mod api;
pub mod config;
pub mod encode;
pub mod outbox;
pub mod worker;

use std::sync::Arc;

use owidget_protocol::desk::{Availability, ChatSummary};
use owidget_protocol::Author;
use rand::RngCore;
use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use crate::config::Config;

/// The events we send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// A chat was assigned to an operator (accepted, or transferred in).
    ConversationPushed,
    /// A conversation that had an operator ended.
    ConversationClosed,
    /// An operator's availability changed.
    AvailabilityUpdated,
    /// Beyond iAdvize: a conversation's closing form was submitted.
    ClosingFormSubmitted,
}

impl EventType {
    /// Every event type.
    pub const ALL: [EventType; 4] = [
        EventType::ConversationPushed,
        EventType::ConversationClosed,
        EventType::AvailabilityUpdated,
        EventType::ClosingFormSubmitted,
    ];

    /// `eventType` on the wire.
    pub fn name(self) -> &'static str {
        match self {
            EventType::ConversationPushed => "v2.conversation.pushed",
            EventType::ConversationClosed => "v2.conversation.closed",
            EventType::AvailabilityUpdated => "user.availability.updated",
            EventType::ClosingFormSubmitted => "closing_form.submitted",
        }
    }
}

/// An event about to be written with the change that causes it: one
/// outbox row per receiver that wants it.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Company GUID.
    pub company: String,
    /// Company index (to wake its receivers).
    pub company_index: usize,
    /// `(url, payload without the session fields and sentAt)` per receiver.
    pub receivers: Vec<(String, Map<String, Value>)>,
    /// What happened.
    pub event_type: EventType,
    /// The session whose stored row completes the payload (`visitorId`,
    /// `visitorExternalId`, `operatorIds`), read in the same transaction.
    pub session: Option<String>,
}

/// A random UUID (version 4), lower-case hex with dashes.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// One wake-up per receiver: `[company][webhook]`.
#[derive(Debug, Default)]
pub struct Wakers {
    by_company: Vec<Vec<Arc<Notify>>>,
}

impl Wakers {
    /// One per declared webhook.
    pub fn new(config: &Config) -> Wakers {
        Wakers {
            by_company: config
                .companies
                .iter()
                .map(|c| c.connector.as_ref().map_or(0, |k| k.webhooks.len()))
                .map(|n| (0..n).map(|_| Arc::new(Notify::new())).collect())
                .collect(),
        }
    }

    /// The wake-up of one receiver.
    pub fn of(&self, company: usize, webhook: usize) -> Arc<Notify> {
        self.by_company[company][webhook].clone()
    }

    /// Wakes the receivers of what was just committed.
    pub fn wake(&self, planned: &[Planned]) {
        for p in planned {
            for w in self.by_company.get(p.company_index).into_iter().flatten() {
                w.notify_one();
            }
        }
    }
}

/// Plans `event_type` with its own `fields` for the company's receivers
/// that want it; `None` when none does (nothing is written).
pub fn plan(
    config: &Config,
    company: usize,
    event_type: EventType,
    fields: Map<String, Value>,
    session: Option<String>,
) -> Option<Planned> {
    let c = &config.companies[company];
    let hooks = &c.connector.as_ref()?.webhooks;
    if !hooks.iter().any(|w| w.wants(event_type)) {
        return None;
    }
    let event_id = uuid_v4();
    let created_at = crate::ids::iso8601(crate::ids::now_ms());
    let receivers: Vec<(String, Map<String, Value>)> = hooks
        .iter()
        .filter(|w| w.wants(event_type))
        .map(|w| {
            let mut p = Map::new();
            p.insert("eventId".into(), json!(event_id));
            p.insert("eventType".into(), json!(event_type.name()));
            p.insert("platform".into(), json!(w.platform));
            p.insert("projectId".into(), json!(w.project_id));
            p.insert("clientId".into(), json!(w.client_id));
            p.insert("createdAt".into(), json!(created_at));
            p.extend(fields.clone());
            (w.url.clone(), p)
        })
        .collect();
    if receivers.is_empty() {
        return None;
    }
    Some(Planned {
        company: c.id.clone(),
        company_index: company,
        receivers,
        event_type,
        session,
    })
}

/// `v2.conversation.pushed`: `chat` was just assigned to its operator.
pub fn pushed(config: &Config, company: usize, chat: &ChatSummary) -> Option<Planned> {
    let mut f = Map::new();
    f.insert(
        "conversationId".into(),
        json!(crate::bot::conversation_uuid(&chat.id)),
    );
    f.insert("operatorId".into(), json!(chat.operator));
    f.insert("channel".into(), json!("CHAT"));
    plan(
        config,
        company,
        EventType::ConversationPushed,
        f,
        Some(chat.id.clone()),
    )
}

/// `v2.conversation.closed`: session `id` just ended (written only when it
/// ever had an operator, like iAdvize's conversations).
pub fn closed(config: &Config, company: usize, id: &str, by: Author) -> Option<Planned> {
    let ended_by = match by {
        Author::Visitor => "visitor",
        Author::Operator => "operator",
        Author::System => "system",
    };
    let mut f = Map::new();
    f.insert(
        "conversationId".into(),
        json!(crate::bot::conversation_uuid(id)),
    );
    f.insert("channel".into(), json!("CHAT"));
    f.insert("closedBy".into(), json!(ended_by));
    plan(
        config,
        company,
        EventType::ConversationClosed,
        f,
        Some(id.to_string()),
    )
}

/// `user.availability.updated`: operator `username` is now `a`; `origin`
/// says who changed it (`"operator"`: the operator, `"system"`: presence
/// decay).
pub fn availability(
    config: &Config,
    company: usize,
    username: &str,
    a: Availability,
    origin: &str,
) -> Option<Planned> {
    let status = if a == Availability::Online {
        "AVAILABLE"
    } else {
        "UNAVAILABLE"
    };
    let detail = match a {
        Availability::Online => "online",
        Availability::Away => "away",
        Availability::Offline => "offline",
    };
    let mut f = Map::new();
    f.insert("userId".into(), json!(username));
    f.insert("origin".into(), json!(origin));
    f.insert(
        "availabilities".into(),
        json!([{ "channel": "CHAT", "status": status }]),
    );
    f.insert("availability".into(), json!(detail));
    plan(config, company, EventType::AvailabilityUpdated, f, None)
}

/// `closing_form.submitted`: `operator` saved these answers for `id`.
pub fn closing_form(
    config: &Config,
    company: usize,
    id: &str,
    operator: &str,
    answers: &std::collections::BTreeMap<String, String>,
) -> Option<Planned> {
    let mut f = Map::new();
    f.insert(
        "conversationId".into(),
        json!(crate::bot::conversation_uuid(id)),
    );
    f.insert("operatorId".into(), json!(operator));
    f.insert("channel".into(), json!("CHAT"));
    f.insert("answers".into(), json!(answers));
    plan(
        config,
        company,
        EventType::ClosingFormSubmitted,
        f,
        Some(id.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_v4() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(u, uuid_v4());
    }
}
