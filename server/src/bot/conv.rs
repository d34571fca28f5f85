//! One task per conversation held by a bot (contract §4.2–4.3).
//!
//! The task owns the conversation: every message stored in the chat
//! reaches it in `seq` order and is posted to the bot app
//! (`POST /conversations` before the first visitor message, then
//! `POST /conversations/:id/messages` for each, with `author.role`
//! `visitor` or `operator`); only one call is in flight per conversation,
//! and all conversations of a company share `bot_max_concurrent_calls`.
//! The replies to a visitor message are played strictly in order, each
//! message stored before it is pushed (`Hub::bot_says`), with an
//! idempotency key `bot-<answer>-<index>` and the progress saved after each
//! step, so a restart continues after the last published reply and never
//! replays one. A visitor message cancels what is still pending. No message
//! for `bot_inactivity_close_secs` (5 min) closes the conversation.
//! A reply the bot app sends through the GraphQL API (`super::api`)
//! arrives as `ConvEvent::Async` and is played the same way, between two
//! steps; a message among them is published at once even while a call to
//! the bot app is in flight (the other events wait for the call to end).
//!
//! Across instances the task runs on the instance driving the bot
//! (`super::lead`): a message stored on another instance arrives as
//! `ConvEvent::Stored(seq)`, and any gap after the last posted `seq` is
//! read from the database, so the bot app still gets each message once, in
//! order. Another driver resumes the task from the stored progress.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use owidget_protocol::plugins::PluginKind;
use owidget_protocol::{Author, WireMessage};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::time::Instant;

mod contract;
mod handoff;

use contract::contract_message;
pub use contract::conversation_uuid;

use super::reply::{self, Step};
use super::store::{self, ConvRow};
use super::{AsyncReply, Bots, ConvEvent};
use crate::chat::{BotSays, OpRef};
use crate::plugins::schemas::Schema;
use crate::plugins::CallError;

/// What the visitor reads when the bot app fails.
pub const FAILED_NOTICE: &str =
    "Our assistant is not answering right now. A person from our team will take over here.";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    id_conversation: String,
    #[serde(default)]
    replies: Vec<Value>,
}

struct Conv {
    bots: Arc<Bots>,
    company: usize,
    bot: usize,
    op: OpRef,
    id: String,
    row: ConvRow,
    rx: mpsc::UnboundedReceiver<ConvEvent>,
    /// Set while an `await` runs.
    resume_at: Option<Instant>,
    last_activity: Instant,
    /// Messages that arrived during a transfer attempt.
    deferred: VecDeque<WireMessage>,
    /// Another instance stored a message meanwhile (read it from the
    /// database after the transfer attempt).
    behind: bool,
    /// Events that arrived while a call to the bot app was in flight, to
    /// handle (in order) once it ended.
    backlog: VecDeque<ConvEvent>,
}

enum Flow {
    Go,
    /// The bot no longer holds the chat (closed, transferred, failed).
    Stop,
}

/// Starts (or, after a restart or on taking the bot over from another
/// instance, resumes) the task of a chat unless one runs, when this
/// instance drives the bot. A new chat is first taken from the queue by
/// the bot.
pub(super) fn spawn(bots: Arc<Bots>, company: usize, bot: usize, id: String, resume: bool) {
    let (tx, rx) = mpsc::unbounded_channel();
    let engine = bots.clone();
    let mut convs = engine.convs.lock().unwrap_or_else(|e| e.into_inner());
    let key = (company, id.clone());
    if !convs.driving.contains(&(company, bot)) || convs.tasks.contains_key(&key) {
        return;
    }
    convs.generations += 1;
    let generation = convs.generations;
    let b2 = bots.clone();
    let task = tokio::spawn(async move {
        let key = (company, id.clone());
        let op = bots.op(company, bot);
        let started = start(bots, company, bot, op, id.clone(), rx, resume).await;
        if let Some(conv) = started {
            conv.run().await;
        }
        let mut convs = b2.convs.lock().unwrap_or_else(|e| e.into_inner());
        if convs
            .tasks
            .get(&key)
            .is_some_and(|t| t.generation == generation)
        {
            convs.tasks.remove(&key);
        }
    });
    let abort = task.abort_handle();
    convs.tasks.insert(
        key,
        super::Task {
            tx,
            bot,
            generation,
            abort,
        },
    );
}

async fn start(
    bots: Arc<Bots>,
    company: usize,
    bot: usize,
    op: OpRef,
    id: String,
    rx: mpsc::UnboundedReceiver<ConvEvent>,
    resume: bool,
) -> Option<Conv> {
    let store = bots.hub.store().clone();
    let row = if resume {
        store::load(&store, &id).await.ok().flatten()
    } else {
        None
    };
    let fresh = row.is_none();
    if !resume {
        if let Err(e) = bots.hub.accept(op, &id).await {
            tracing::debug!(session = %id, error = %e, "bot could not take the chat");
            return None;
        }
    }
    let row = row.unwrap_or_else(|| ConvRow {
        session: id.clone(),
        operator: bots.config.companies[company].bots[bot].id_operator.clone(),
        ..Default::default()
    });
    let mut conv = Conv {
        bots,
        company,
        bot,
        op,
        id,
        row,
        rx,
        resume_at: None,
        last_activity: Instant::now(),
        deferred: VecDeque::new(),
        behind: false,
        backlog: VecDeque::new(),
    };
    conv.save().await;
    if fresh && !resume {
        conv.first_messages().await;
    }
    Some(conv)
}

impl Conv {
    fn inactivity(&self) -> Duration {
        self.bots.config.companies[self.company]
            .connector
            .as_ref()
            .map_or(Duration::from_secs(300), |c| c.bot_inactivity_close)
    }

    async fn save(&self) {
        if let Err(e) = store::save(self.bots.hub.store(), &self.row).await {
            tracing::warn!(session = %self.id, error = %e, "storing bot conversation state failed");
        }
    }

    async fn run(mut self) {
        // Stored messages not posted yet (a new chat's first messages and
        // start text, or what arrived around a restart), then pending replies.
        if let Flow::Stop = self.catch_up().await {
            return self.finish().await;
        }
        if self.resume_at.is_none() {
            if let Flow::Stop = self.play().await {
                return self.finish().await;
            }
        }
        loop {
            let idle_at = self.last_activity + self.inactivity();
            let resume_at = self.resume_at;
            let flow = if let Some(ev) = self.backlog.pop_front() {
                self.event(Some(ev)).await
            } else {
                tokio::select! {
                    ev = self.rx.recv() => self.event(ev).await,
                    _ = tokio::time::sleep_until(resume_at.unwrap_or(idle_at)), if resume_at.is_some() => {
                        self.resume_at = None;
                        self.play().await
                    }
                    _ = tokio::time::sleep_until(idle_at) => {
                        tracing::info!(session = %self.id, "bot conversation inactive; closing");
                        self.close().await
                    }
                }
            };
            if let Flow::Stop = flow {
                return self.finish().await;
            }
            while let Some(m) = self.deferred.pop_front() {
                if let Flow::Stop = self.receive(m).await {
                    return self.finish().await;
                }
            }
            if std::mem::take(&mut self.behind) {
                if let Flow::Stop = self.catch_up().await {
                    return self.finish().await;
                }
            }
        }
    }

    async fn event(&mut self, ev: Option<ConvEvent>) -> Flow {
        match ev {
            None | Some(ConvEvent::Ended) => Flow::Stop,
            Some(ConvEvent::Assigned(o)) if o != self.op.operator => Flow::Stop,
            Some(ConvEvent::Assigned(_)) => Flow::Go,
            Some(ConvEvent::Message(m)) => self.receive(m).await,
            Some(ConvEvent::Stored(seq)) if seq > self.row.posted_seq => self.catch_up().await,
            Some(ConvEvent::Stored(_)) => Flow::Go,
            Some(ConvEvent::Async(a)) => self.on_async(a).await,
        }
    }

    /// A message stored here. One beyond the next (another instance's
    /// message, or one stored here before it, still on its way) first
    /// brings the ones between from the database, so that the bot app gets
    /// every message in `seq` order.
    async fn receive(&mut self, m: WireMessage) -> Flow {
        if m.seq > self.row.posted_seq + 1 {
            self.catch_up().await
        } else {
            self.on_message(m).await
        }
    }

    async fn finish(self) {
        let _ = store::delete(self.bots.hub.store(), &self.id).await;
    }

    async fn catch_up(&mut self) -> Flow {
        let stored = match self
            .bots
            .hub
            .store()
            .messages_after(&self.id, self.row.posted_seq)
            .await
        {
            Ok(m) => m,
            Err(_) => return Flow::Go,
        };
        for m in stored {
            if let Flow::Stop = self.on_message(m).await {
                return Flow::Stop;
            }
        }
        Flow::Go
    }

    /// `GET /bots/:idOperator/conversation-first-messages` (2 s): its
    /// `message` replies are published before the visitor writes.
    async fn first_messages(&mut self) {
        let b = &self.bots.config.companies[self.company].bots[self.bot];
        let path = format!(
            "/bots/{}/conversation-first-messages",
            crate::plugins::sign::encode_component(&b.id_operator)
        );
        let (_, version, _) = self.bots.base(self.company);
        let answer: Result<Value, CallError> = self
            .bots
            .bot_call(
                self.company,
                Method::GET,
                &path,
                vec![("idConnectorVersion", Some(version))],
                None,
                Schema::BotFirstMessages,
                Duration::from_secs(2),
                false,
            )
            .await;
        let Ok(answer) = answer else { return };
        let replies = answer["replies"].as_array().cloned().unwrap_or_default();
        for (i, r) in replies.iter().enumerate() {
            if r["type"] != "message" {
                self.note(
                    "GET",
                    &path,
                    "first messages: only message replies are shown; skipped".into(),
                );
                continue;
            }
            match self.parse(r) {
                Ok(Step::Say(says)) => {
                    let _ = self.say(format!("first-{i}"), says).await;
                }
                Ok(_) => {}
                Err(e) => self.note("GET", &path, e),
            }
        }
    }

    fn note(&self, method: &str, path: &str, error: String) {
        let (base, ..) = self.bots.base(self.company);
        self.bots.plugins.note(
            self.company,
            PluginKind::Bot,
            method,
            &format!("{base}{path}"),
            error,
        );
    }

    fn parse(&self, r: &Value) -> Result<Step, String> {
        let v = self.bots.plugins.validators();
        reply::step(r, |r| v.check(Schema::BotReply, r))
    }

    async fn say(&self, client_id: String, says: BotSays) -> crate::Result<()> {
        self.bots
            .hub
            .bot_says(self.company, Some(self.op), &self.id, client_id, says)
            .await
            .map(|_| ())
    }

    async fn on_message(&mut self, m: WireMessage) -> Flow {
        if m.seq <= self.row.posted_seq {
            return Flow::Go;
        }
        self.last_activity = Instant::now();
        tracing::debug!(session = %self.id, seq = m.seq, author = ?m.author, text = %m.text, "bot conversation: message");
        let flow = match m.author {
            Author::Visitor => {
                // A new visitor message cancels what is still scheduled.
                self.row.pending.clear();
                self.row.next = 0;
                self.resume_at = None;
                match self.post_visitor(&m).await {
                    Ok(replies) => {
                        self.row.posted_seq = m.seq;
                        self.row.batch += 1;
                        self.row.pending = replies;
                        self.row.next = 0;
                        self.save().await;
                        return self.play().await;
                    }
                    Err(e) => {
                        self.row.posted_seq = m.seq;
                        return self.fail(e).await;
                    }
                }
            }
            Author::Operator if self.row.conversation.is_some() => {
                // The echo: every message of the conversation is posted; the
                // bot app answers only to visitors (replies ignored here).
                let _ = self.post(&m).await;
                Flow::Go
            }
            _ => Flow::Go,
        };
        self.row.posted_seq = m.seq;
        self.save().await;
        flow
    }

    /// Creates the conversation if needed, then posts the visitor message.
    async fn post_visitor(&mut self, m: &WireMessage) -> Result<Vec<Value>, CallError> {
        if self.row.conversation.is_none() {
            let history: Vec<Value> = self
                .bots
                .hub
                .store()
                .messages_after(&self.id, 0)
                .await
                .map_err(|e| CallError(e.to_string()))?
                .iter()
                .filter(|h| h.seq < m.seq && h.author != Author::System)
                .map(|h| contract_message(&self.id, h))
                .collect();
            let b = &self.bots.config.companies[self.company].bots[self.bot];
            let body = json!({
                "idOperator": b.id_operator,
                "idConversation": conversation_uuid(&self.id),
                "history": history,
            });
            let answer = self.conversation_call("/conversations", body).await?;
            self.row.conversation = Some(answer.id_conversation);
            self.save().await;
            // The create answer's replies should be empty (§4.2 rule 1).
        }
        Ok(self.post(m).await?.replies)
    }

    async fn post(&mut self, m: &WireMessage) -> Result<Answer, CallError> {
        let conv = self.row.conversation.clone().unwrap_or_default();
        let b = &self.bots.config.companies[self.company].bots[self.bot];
        let path = format!(
            "/conversations/{}/messages",
            crate::plugins::sign::encode_component(&conv)
        );
        let body = json!({
            "idOperator": b.id_operator,
            "message": contract_message(&self.id, m),
        });
        self.conversation_call(&path, body).await
    }

    /// A conversation call. While it is in flight, a message the bot app
    /// sends through the GraphQL API is published at once (an app may send
    /// them before it answers); every other event waits in `backlog`.
    async fn conversation_call(&mut self, path: &str, body: Value) -> Result<Answer, CallError> {
        let (bots, company, path) = (self.bots.clone(), self.company, path.to_string());
        let call = async move {
            let query = bots.std_query(company);
            let _permit = bots.limits[company]
                .acquire()
                .await
                .map_err(|_| CallError("shutting down".into()))?;
            bots.bot_call(
                company,
                Method::POST,
                &path,
                query,
                Some(body),
                Schema::BotConversation,
                Duration::from_secs(10),
                false,
            )
            .await
        };
        tokio::pin!(call);
        let mut open = true;
        loop {
            tokio::select! {
                answer = &mut call => return answer,
                ev = self.rx.recv(), if open => match ev {
                    None => open = false,
                    Some(ConvEvent::Async(a))
                        if self.row.conversation.is_some() && a.reply["type"] == "message" =>
                    {
                        let _ = self.on_async(a).await;
                    }
                    Some(ev) => self.backlog.push_back(ev),
                },
            }
        }
    }

    /// Plays pending replies from `next` until an `await`, the end, or the
    /// bot letting go of the chat.
    async fn play(&mut self) -> Flow {
        let path = match &self.row.conversation {
            Some(c) => format!("/conversations/{c}/messages"),
            None => "/conversations".into(),
        };
        while (self.row.next as usize) < self.row.pending.len() {
            let i = self.row.next as usize;
            let r = self.row.pending[i].clone();
            self.row.next += 1;
            tracing::debug!(session = %self.id, batch = self.row.batch, i, reply = %r, "bot conversation: play");
            let key = format!("bot-{}-{i}", self.row.batch);
            match self.parse(&r) {
                Err(e) => self.note("POST", &path, e),
                Ok(Step::Say(says)) => {
                    if let Err(e) = self.say(key, says).await {
                        tracing::info!(session = %self.id, error = %e, "bot reply not published");
                        return Flow::Stop;
                    }
                }
                Ok(Step::Await(d)) => {
                    self.save().await;
                    self.resume_at = Some(Instant::now() + d);
                    return Flow::Go;
                }
                Ok(Step::Transfer { rule, timeout }) => {
                    self.save().await;
                    if self.transfer(&rule, timeout, &path).await {
                        return Flow::Stop;
                    }
                }
                Ok(Step::Close) => {
                    self.save().await;
                    return self.close().await;
                }
            }
            self.save().await;
        }
        Flow::Go
    }

    /// A reply the bot app sent through the GraphQL API: played like one
    /// of a `messages` answer (stored before it is acknowledged), between
    /// two of them. A transfer is acknowledged when it starts.
    async fn on_async(&mut self, a: AsyncReply) -> Flow {
        if self.row.conversation.is_none() {
            let _ = a.done.send(Err(
                "the conversation has not started yet (no POST /conversations answered)".into(),
            ));
            return Flow::Go;
        }
        tracing::debug!(session = %self.id, reply = %a.reply, "bot conversation: asynchronous reply");
        self.last_activity = Instant::now();
        let step = match self.parse(&a.reply) {
            Ok(s) => s,
            Err(e) => {
                let _ = a.done.send(Err(e));
                return Flow::Go;
            }
        };
        match step {
            Step::Say(says) => {
                let key = format!("bot-async-{}", crate::ids::random_hex(8));
                match self.say(key, says).await {
                    Ok(()) => {
                        let _ = a.done.send(Ok(()));
                        Flow::Go
                    }
                    Err(e) => {
                        let _ = a.done.send(Err(e.to_string()));
                        Flow::Stop
                    }
                }
            }
            Step::Transfer { rule, timeout } => {
                let _ = a.done.send(Ok(()));
                if self.transfer(&rule, timeout, "/graphql").await {
                    Flow::Stop
                } else {
                    Flow::Go
                }
            }
            Step::Close => {
                let _ = a.done.send(Ok(()));
                self.close().await
            }
            Step::Await(_) => {
                let _ = a.done.send(Err("not a message or an action".into()));
                Flow::Go
            }
        }
    }

    async fn close(&mut self) -> Flow {
        if let Err(e) = self
            .bots
            .hub
            .end(self.company, &self.id, Some(self.op))
            .await
        {
            tracing::debug!(session = %self.id, error = %e, "bot close");
        }
        Flow::Stop
    }
}
