//! One widget socket: status pushes, chat frames, keep-alive pings.
//!
//! [`serve`] is generic over `Sink`/`Stream` of axum WebSocket messages so
//! that unit tests drive it with in-memory channels; the real socket is just
//! one more implementation.

use std::fmt::Display;
use std::future::pending;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Message;
use futures_util::{Sink, Stream, StreamExt};
use owidget_protocol::{ClientMessage, ErrorCode, ServerMessage};
use tokio::sync::mpsc;
use tokio::time::{interval_at, Instant, MissedTickBehavior};

use super::coalesce::Coalesce;
use super::frames::{check_custom_data, check_len, no_session, refused};
pub(super) use super::frames::{error, hub_error, text_error};
use super::outlet::Outlet;
use crate::chat::{StartChat, VisitorLink};
use crate::limits::{check_text, RateWindow};
use crate::{AppState, Error};

/// How often the server pings an idle widget. A peer that sends nothing
/// (not even the pong) for a whole period is considered dead.
pub const PING_EVERY: Duration = Duration::from_secs(30);
/// Pushes buffered per visitor before the link is dropped (the widget then
/// resumes with `afterSeq` and misses nothing).
const PUSH_QUEUE: usize = 64;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// State of one widget connection.
pub struct Conn {
    pub(super) state: AppState,
    pub(super) company: usize,
    preset: usize,
    id: u64,
    /// The visitor's IP (caps on chat starts).
    ip: Option<std::net::IpAddr>,
    ping_every: Duration,
    /// Session this socket is attached to.
    pub(super) session: Option<String>,
    /// The session that ended last on this socket (for a transcript).
    pub(super) ended: Option<String>,
    /// Highest message `seq` sent to the widget: pushes at or below it are
    /// repeats (after a resume) and are dropped.
    pub(super) last_seq: u64,
    /// Limits offline messages, callbacks, transcripts and chat starts.
    rate: RateWindow,
    /// Pushes from the hub; created on the first chat, so that idle status
    /// sockets cost no channel.
    pub(super) rx: Option<mpsc::Receiver<ServerMessage>>,
    /// `typing` and `read` frames, at most one of each a second to the desk.
    typing: Coalesce<bool>,
    read: Coalesce<u64>,
    /// Resumes of this socket (`[abuse] resumes_per_minute`).
    resumes: crate::throttle::Throttle<()>,
}

impl Conn {
    /// A connection to a checked company and preset.
    pub fn new(state: AppState, company: usize, preset: usize) -> Self {
        let resumes = state.config.abuse.resumes_per_minute;
        Conn {
            state,
            company,
            preset,
            id: NEXT_CONN.fetch_add(1, Ordering::Relaxed),
            ip: None,
            ping_every: PING_EVERY,
            session: None,
            ended: None,
            last_seq: 0,
            rate: RateWindow::default(),
            rx: None,
            typing: Coalesce::default(),
            read: Coalesce::default(),
            resumes: crate::throttle::Throttle::new(resumes, Duration::from_secs(60)),
        }
    }

    /// The visitor's IP address (from the accept loop).
    pub fn with_ip(mut self, ip: Option<std::net::IpAddr>) -> Self {
        self.ip = ip;
        self
    }

    /// Overrides the ping period (tests).
    pub fn with_ping_every(mut self, every: Duration) -> Self {
        self.ping_every = every;
        self
    }

    /// A fresh push channel for attaching to a session. The hub holds the
    /// only sender, so when it unlinks us our receiver ends.
    pub(super) fn link(&mut self) -> VisitorLink {
        let (tx, rx) = mpsc::channel(PUSH_QUEUE);
        self.rx = Some(rx);
        VisitorLink { conn: self.id, tx }
    }

    /// Handles one text frame; returns the direct replies.
    async fn handle(&mut self, text: &str) -> Vec<ServerMessage> {
        let msg: ClientMessage = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => return vec![error(ErrorCode::BadMessage, format!("bad message: {e}"))],
        };
        match self.dispatch(msg).await {
            Ok(replies) => replies,
            Err(reply) => vec![reply],
        }
    }

    pub(super) fn company_cfg(&self) -> &crate::config::Company {
        &self.state.config.companies[self.company]
    }

    pub(super) fn preset_cfg(&self) -> &crate::config::Preset {
        &self.company_cfg().presets[self.preset]
    }

    /// Per-socket rate limit of requests that store something.
    pub(super) fn admit(&mut self) -> Result<(), ServerMessage> {
        let max = self.state.config.limits.messages_per_10s;
        if self.rate.admit(Instant::now(), max) {
            Ok(())
        } else {
            Err(error(
                ErrorCode::RateLimited,
                "too many requests, wait a few seconds",
            ))
        }
    }

    fn current(&self) -> Result<String, ServerMessage> {
        self.session.clone().ok_or_else(no_session)
    }

    async fn dispatch(&mut self, msg: ClientMessage) -> Result<Vec<ServerMessage>, ServerMessage> {
        let hub = self.state.hub.clone();
        match msg {
            ClientMessage::StartChat {
                language,
                page_url,
                scope,
                custom_data,
                text,
                visitor_id,
                start_key,
            } => {
                if self.session.is_some() {
                    return Err(error(ErrorCode::Invalid, "a chat is already open"));
                }
                if start_key
                    .as_deref()
                    .is_some_and(|k| !crate::ids::is_start_key(k))
                {
                    return Err(error(
                        ErrorCode::Invalid,
                        "startKey must be 16 to 64 characters of A-Z a-z 0-9 _ -",
                    ));
                }
                self.admit()?;
                check_len("language", &language, 35)?;
                let lim = &self.preset_cfg().widget.limits;
                check_len("pageUrl", &page_url, lim.page_url_max_chars)?;
                if let Some(s) = &scope {
                    check_len("scope", s, 256)?;
                }
                check_custom_data(&custom_data, lim)?;
                let text = text.filter(|t| !t.trim().is_empty());
                if let Some(t) = &text {
                    check_text(t, self.state.config.limits.message_max_chars)
                        .map_err(text_error)?;
                }
                let link = self.link();
                let start = StartChat {
                    language,
                    page_url,
                    scope,
                    custom_data,
                    ip: self.ip,
                    visitor_id,
                    start_key,
                };
                let created = hub
                    .start_chat(self.company, self.preset, start, link)
                    .await
                    .map_err(hub_error)?;
                if created.repeated {
                    return self.start_again(created, text).await;
                }
                self.session = Some(created.id.clone());
                self.last_seq = 0;
                if let Some(text) = text {
                    // Stored after the session; it reaches the widget as
                    // `message` seq 1 right after `sessionCreated`.
                    let client_id = format!("start-{}", created.id);
                    hub.visitor_message(self.company, &created.id, client_id, text)
                        .await
                        .map_err(hub_error)?;
                }
                Ok(vec![ServerMessage::SessionCreated {
                    session_id: created.id,
                    token: created.token,
                    queue_position: created.position,
                    visitor_id: created.visitor_id,
                }])
            }
            ClientMessage::Resume {
                session_id,
                token,
                after_seq,
            } => {
                if self.resumes.hit((), Instant::now()).is_err() {
                    return Err(error(
                        ErrorCode::RateLimited,
                        "too many resumes, wait a minute",
                    ));
                }
                if let Some(old) = self.session.take() {
                    hub.detach(self.company, &old, self.id);
                }
                let link = self.link();
                let r = hub
                    .resume(self.company, &session_id, &token, after_seq, link)
                    .await
                    .map_err(|e| match e {
                        Error::NotFound(m) => error(ErrorCode::BadSession, m),
                        e => hub_error(e),
                    })?;
                if r.attached {
                    self.session = Some(session_id.clone());
                } else {
                    self.rx = None;
                    self.ended = Some(session_id.clone());
                }
                Ok(self.resumed(session_id, r, after_seq))
            }
            ClientMessage::Send { client_id, text } => {
                let id = self.current()?;
                if client_id.is_empty() || client_id.len() > 64 {
                    return Err(error(
                        ErrorCode::Invalid,
                        "clientId must be 1 to 64 characters",
                    ));
                }
                check_text(&text, self.state.config.limits.message_max_chars)
                    .map_err(|e| refused(&client_id, text_error(e)))?;
                let stored = hub
                    .visitor_message(self.company, &id, client_id.clone(), text)
                    .await
                    .map_err(|e| refused(&client_id, hub_error(e)))?;
                // The `message` itself arrives through the push channel.
                Ok(vec![ServerMessage::Ack {
                    client_id,
                    seq: stored.message.seq,
                    at: stored.message.at,
                }])
            }
            ClientMessage::Typing { typing } => {
                let id = self.current()?;
                if let Some(typing) = self.typing.offer(typing, Instant::now()) {
                    hub.visitor_typing(self.company, &id, typing)
                        .map_err(hub_error)?;
                }
                Ok(vec![])
            }
            ClientMessage::Read { seq } => {
                let id = self.current()?;
                if let Some(seq) = self.read.offer(seq, Instant::now()) {
                    hub.visitor_read(self.company, &id, seq)
                        .await
                        .map_err(hub_error)?;
                }
                Ok(vec![])
            }
            ClientMessage::EndChat => {
                let id = self.current()?;
                // The hub pushes `sessionEnded` through our channel.
                hub.end(self.company, &id, None).await.map_err(hub_error)?;
                Ok(vec![])
            }
            ClientMessage::OfflineMessage {
                email,
                text,
                language,
                page_url,
            } => self.offline_message(email, text, language, page_url).await,
            ClientMessage::CallbackRequest {
                name,
                phone,
                language,
                page_url,
            } => self.callback_request(name, phone, language, page_url).await,
            ClientMessage::Transcript { email } => self.transcript(email).await,
            ClientMessage::Ping => Ok(vec![ServerMessage::Pong]),
        }
    }

    /// Filters a push from the hub; `None` drops it.
    fn on_push(&mut self, msg: ServerMessage) -> Option<ServerMessage> {
        match &msg {
            ServerMessage::Message { message } => {
                if message.seq <= self.last_seq {
                    return None;
                }
                self.last_seq = message.seq;
            }
            ServerMessage::SessionEnded { .. } => {
                self.ended = self.session.take();
            }
            _ => {}
        }
        Some(msg)
    }

    /// When a coalesced `typing` or `read` is due.
    fn flush_due(&self) -> Option<Instant> {
        match (self.typing.due(), self.read.due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Sends the coalesced `typing` / `read` whose window ended (the read
    /// mark is stored before it is pushed, so it is awaited).
    async fn flush(&mut self) {
        let now = Instant::now();
        let Some(id) = self.session.clone() else {
            self.typing = Coalesce::default();
            self.read = Coalesce::default();
            return;
        };
        let hub = &self.state.hub;
        if self.typing.due().is_some_and(|d| d <= now) {
            if let Some(t) = self.typing.flush(now) {
                let _ = hub.visitor_typing(self.company, &id, t);
            }
        }
        if self.read.due().is_some_and(|d| d <= now) {
            if let Some(seq) = self.read.flush(now) {
                let _ = hub.visitor_read(self.company, &id, seq).await;
            }
        }
    }

    fn close(&mut self) {
        if let Some(id) = self.session.take() {
            self.state.hub.detach(self.company, &id, self.id);
        }
    }
}

async fn flush_at(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => pending().await,
    }
}

async fn next_push(rx: &mut Option<mpsc::Receiver<ServerMessage>>) -> Option<ServerMessage> {
    match rx {
        Some(rx) => rx.recv().await,
        None => pending().await,
    }
}

async fn send<S: Sink<Message> + Unpin>(
    outlet: &Outlet<S>,
    msg: &ServerMessage,
    within: Duration,
) -> bool {
    let json = serde_json::to_string(msg).expect("server messages serialize");
    outlet.send(Message::Text(json.into()), within).await
}

/// Runs one widget connection until the peer goes away.
pub async fn serve<S, R, E>(sink: S, mut stream: R, mut conn: Conn)
where
    S: Sink<Message> + Unpin + Send + 'static,
    R: Stream<Item = Result<Message, E>> + Unpin,
    E: Display,
{
    // Status changes are written into the sink by the preset's shard
    // worker; this task is woken only for one it could not write at once.
    let outlet = Arc::new(Outlet::new(sink));
    let first = conn
        .state
        .hub
        .subscribe_status(conn.company, conn.preset, outlet.clone());
    let mut closing = conn.state.closing.subscribe();
    let within = conn.state.config.network.send_timeout;
    if !outlet.send_status(first, within).await {
        outlet.close(within).await;
        return;
    }
    let mut ping = interval_at(Instant::now() + conn.ping_every, conn.ping_every);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut heard = true;
    loop {
        let flush_due = conn.flush_due();
        tokio::select! {
            _ = outlet.wake.notified() => {
                if !outlet.catch_up(within).await {
                    break;
                }
            }
            frame = stream.next() => {
                heard = true;
                match frame {
                    Some(Ok(Message::Text(text))) => {
                        for reply in conn.handle(text.as_str()).await {
                            if !send(&outlet, &reply, within).await {
                                break;
                            }
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        let reply = error(ErrorCode::BadMessage, "binary frames are not supported");
                        if !send(&outlet, &reply, within).await {
                            break;
                        }
                    }
                    // Pings are answered by the WebSocket layer itself.
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_))) | None => break,
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "widget socket error");
                        break;
                    }
                }
            }
            push = next_push(&mut conn.rx) => match push {
                Some(msg) => {
                    if let Some(msg) = conn.on_push(msg) {
                        if !send(&outlet, &msg, within).await {
                            break;
                        }
                    }
                }
                None => {
                    conn.rx = None;
                    if conn.session.is_some() {
                        // The hub dropped us for being too slow while the
                        // chat goes on: close, so that the widget
                        // reconnects and resumes without losing anything.
                        tracing::debug!("visitor link dropped; closing for a resume");
                        break;
                    }
                }
            },
            _ = flush_at(flush_due) => conn.flush().await,
            _ = closing.changed() => break,
            _ = ping.tick() => {
                if !heard {
                    tracing::debug!("widget socket silent for a ping period; closing");
                    break;
                }
                heard = false;
                if !outlet.send(Message::Ping(Default::default()), within).await {
                    break;
                }
            }
        }
    }
    conn.close();
    outlet.close(within).await;
}

#[cfg(test)]
#[path = "socket_tests.rs"]
mod tests;
