//! Starting a chat: the admission caps (per IP, per preset, queue length),
//! the idempotent start key, storing the session and queueing it.

use std::collections::BTreeMap;

use owidget_protocol::desk::ChatSummary;
use owidget_protocol::{ButtonStatus, SessionState};

use super::routing::live_of;
use super::{Hub, VisitorLink};
use crate::ids::{new_token, now_ms, random_hex, token_hash};
use crate::storage::NewSession;
use crate::{Error, Result};

/// What a visitor's `startChat` carries.
#[derive(Debug, Clone)]
pub struct StartChat {
    /// Widget language.
    pub language: String,
    /// Page URL.
    pub page_url: String,
    /// `init` scope.
    pub scope: Option<String>,
    /// `addCustomData` values.
    pub custom_data: BTreeMap<String, String>,
    /// The visitor's IP address, for the per-IP cap on chat starts.
    pub ip: Option<std::net::IpAddr>,
    /// The visitor id the widget kept from an earlier chat, if any.
    pub visitor_id: Option<String>,
    /// The widget's idempotency key of this start (checked by the socket).
    pub start_key: Option<String>,
}

/// A created session, as the visitor learns it.
#[derive(Debug, Clone)]
pub struct Created {
    /// Session id.
    pub id: String,
    /// Secret for resuming (only its hash is kept).
    pub token: String,
    /// 1-based place in the queue.
    pub position: u32,
    /// The visitor's stable id (kept from `StartChat` or new).
    pub visitor_id: String,
    /// True when the `startKey` named a session it had already created:
    /// nothing new was created and no socket was attached (the caller
    /// resumes the session with `token`).
    pub repeated: bool,
}

impl Hub {
    /// Stores and enqueues a new waiting session for a visitor. Refused
    /// (`Unavailable`) when no operator of the preset's groups is available.
    pub async fn start_chat(
        &self,
        company: usize,
        preset: usize,
        start: StartChat,
        visitor: VisitorLink,
    ) -> Result<Created> {
        // A start with a key is checked and created under the company's
        // routing lock, so that two sockets re-sending the same key (an
        // old one still closing) create one session.
        let _serial = match &start.start_key {
            Some(_) => Some(self.routing[company].lock().await),
            None => None,
        };
        if let Some(key) = &start.start_key {
            if let Some(created) = self.started_with(company, key).await? {
                return Ok(created);
            }
        }
        if self.status(company, preset) == ButtonStatus::Offline {
            return Err(Error::Unavailable("no operator is available".into()));
        }
        self.admit_start(company, preset, start.ip)?;
        let preset_cfg = &self.config.companies[company].presets[preset];
        let id = random_hex(16);
        let token = new_token();
        let chat = ChatSummary {
            id: id.clone(),
            preset: preset_cfg.name.clone(),
            state: SessionState::Waiting,
            language: start.language,
            page_url: start.page_url,
            scope: start.scope,
            custom_data: start.custom_data,
            created_at: now_ms(),
            accepted_at: None,
            ended_at: None,
            ended_by: None,
            operator: None,
            operator_name: None,
            queue_position: None,
            visitor_online: true,
            closing_form: None,
        };
        let visitor_id = crate::plugins::visitor_id(start.visitor_id);
        let hash = token_hash(&token);
        self.store
            .insert_session(NewSession {
                id: id.clone(),
                company: self.config.companies[company].id.clone(),
                preset: chat.preset.clone(),
                scope: chat.scope.clone(),
                language: chat.language.clone(),
                page_url: chat.page_url.clone(),
                custom_data: chat.custom_data.clone(),
                token_hash: hash.clone(),
                created_at: chat.created_at,
                visitor_id: visitor_id.clone(),
                start_key: start
                    .start_key
                    .as_deref()
                    .map(|key| crate::ids::start_key_record(key, &token)),
            })
            .await?;
        let mut live = live_of(chat, preset_cfg.widget.groups.clone(), hash);
        live.visitors.push(visitor);
        let mut state = self.lock(company);
        let c = &mut state;
        // (A resync may have read the new row and queued it already.)
        c.queue.retain(|q| q != &id);
        c.queue.push(id.clone());
        let position = c.queue.len() as u32;
        live.chat.queue_position = Some(position);
        c.sessions.insert(id.clone(), live);
        self.visitor_here(company, &id, true);
        self.queue_joined(company, c, &id);
        drop(state);
        self.publish_session(company, &id, crate::bus::SessionChange::Queued, None);
        tracing::info!(session = %id, position, "chat waiting");
        Ok(Created {
            id,
            token,
            position,
            visitor_id,
            repeated: false,
        })
    }

    /// The caps on chat starts (issue 10, item 1): queue length per
    /// company, starts per IP and per preset per minute.
    fn admit_start(
        &self,
        company: usize,
        preset: usize,
        ip: Option<std::net::IpAddr>,
    ) -> Result<()> {
        let max = self.config.abuse.queue_max;
        if self.lock(company).queue.len() >= max {
            return Err(Error::Unavailable(
                "the queue is full; please try again later".into(),
            ));
        }
        let now = tokio::time::Instant::now();
        let over = |wait| {
            let secs = crate::throttle::retry_secs(wait);
            Error::RetryAfter(
                format!("too many chats started; try again in {secs} s"),
                secs,
            )
        };
        if let Some(ip) = ip {
            self.starts_by_ip.check(&ip, now).map_err(over)?;
        }
        self.starts_by_preset
            .hit((company, preset), now)
            .map_err(over)?;
        if let Some(ip) = ip {
            self.starts_by_ip.record(ip, now);
        }
        Ok(())
    }
}
