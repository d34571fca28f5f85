//! External Bot (reference `app-plugins-spec.md` §4): bot operators driven
//! by the company's bot app, called exactly as iAdvize calls it.
//!
//! - [`config`] reads the `[[companies.bots]]` tables.
//! - `setup`: the configuration flow at start (`GET /external-bots`,
//!   `PUT` + `GET /bots/:idOperator`) and the availability poll
//!   (`GET /availability-strategies`, about every second).
//! - `conv`: one task per conversation held by a bot: messages to the bot
//!   (one call in flight), replies played in order, stored before sent.
//! - [`reply`] turns reply objects into steps.
//! - [`store`] keeps what survives a restart.
//! - `lead`: which instance drives a bot (a lease in the database on
//!   PostgreSQL; on SQLite, the one instance), and the bot status it shares.
//! - `routes`: the desk's `GET /bots`, `GET /bot-chats`, take-over.
//! - [`api`]: what the bot app calls to reply asynchronously (contract
//!   §4.7): `POST /oauth2/token`, `GET /_authenticated`, `POST /graphql`.
//!
//! Every call goes through the one connector client
//! ([`crate::plugins::Connectors::request`]): signed, timed out, capped,
//! validated against `/schemas/bot/…` and logged.

pub mod api;
pub mod config;
pub mod reply;
pub mod store;

mod conv;
mod lead;
mod routes;
mod setup;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch, Semaphore};

use crate::chat::{BotEvent, Hub, OpRef};
use crate::plugins::Connectors;
use crate::Config;

pub use crate::ids::iso8601;
pub use conv::conversation_uuid;
pub use routes::routes;

/// What the desk learns about a bot (`GET /api/operator/bots`); on the
/// instances that do not drive it, as its driver last shared it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BotStatus {
    /// `idOperator`.
    pub id_operator: String,
    /// Display name.
    pub name: String,
    /// The configuration flow succeeded.
    pub configured: bool,
    /// Available by its last strategy.
    pub available: bool,
    /// Last configuration or availability problem.
    pub error: Option<String>,
    /// This instance drives the bot (configuration, availability, its
    /// conversations); always true with SQLite.
    #[serde(default)]
    pub driven_here: bool,
}

/// Events of one conversation task.
#[derive(Debug)]
enum ConvEvent {
    Message(owidget_protocol::WireMessage),
    Assigned(usize),
    Ended,
    /// Another instance stored message `seq`.
    Stored(u64),
    /// A `chatbotMessageSend` of the GraphQL API (`api`).
    Async(AsyncReply),
}

/// A reply object (§4.3) the bot app sent through the GraphQL API, and
/// where to say whether it was played (`Err`: the user error).
#[derive(Debug)]
struct AsyncReply {
    reply: serde_json::Value,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// One conversation task.
struct Task {
    tx: mpsc::UnboundedSender<ConvEvent>,
    bot: usize,
    /// Tells this task from a later one of the same chat.
    generation: u64,
    abort: tokio::task::AbortHandle,
}

/// The conversation tasks, and the bots this instance drives (a task runs
/// only for a bot driven here).
#[derive(Default)]
struct Convs {
    /// By (company, session).
    tasks: HashMap<(usize, String), Task>,
    /// (company, bot).
    driving: HashSet<(usize, usize)>,
    generations: u64,
}

/// The bot engine of all companies.
pub struct Bots {
    config: Arc<Config>,
    hub: Arc<Hub>,
    plugins: Arc<Connectors>,
    /// Global limit of concurrent conversation calls, per company.
    limits: Vec<Arc<Semaphore>>,
    /// Conversation tasks and the bots driven here.
    convs: Mutex<Convs>,
    /// Per company, per bot.
    status: Mutex<Vec<Vec<BotStatus>>>,
    closing: watch::Receiver<bool>,
    /// Login limits of the GraphQL API.
    api: api::ApiAuth,
}

impl std::fmt::Debug for Bots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bots")
    }
}

impl Bots {
    /// Starts the engine: listens to the hub and, for every bot this
    /// instance drives (`lead`), runs the configuration flow and the
    /// availability poll and resumes the conversations the bot held before
    /// a restart or on the instance that drove it before.
    pub fn start(
        config: Arc<Config>,
        hub: Arc<Hub>,
        plugins: Arc<Connectors>,
        closing: watch::Receiver<bool>,
    ) -> Arc<Bots> {
        let limits = config
            .companies
            .iter()
            .map(|c| {
                let n = c
                    .connector
                    .as_ref()
                    .map_or(1, |k| k.bot_max_concurrent_calls);
                Arc::new(Semaphore::new(n))
            })
            .collect();
        let status = config
            .companies
            .iter()
            .map(|c| {
                c.bots
                    .iter()
                    .map(|b| BotStatus {
                        id_operator: b.id_operator.clone(),
                        name: b.name.clone(),
                        ..Default::default()
                    })
                    .collect()
            })
            .collect();
        let bots = Arc::new(Bots {
            config,
            hub,
            plugins,
            limits,
            convs: Mutex::new(Convs::default()),
            status: Mutex::new(status),
            closing,
            api: api::ApiAuth::default(),
        });
        if bots.config.companies.iter().all(|c| c.bots.is_empty()) {
            return bots;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        bots.hub.set_bot_events(tx);
        tokio::spawn(bots.clone().listen(rx));
        for (company, c) in bots.config.companies.iter().enumerate() {
            for bot in 0..c.bots.len() {
                tokio::spawn(lead::run(bots.clone(), company, bot));
            }
        }
        bots
    }

    /// The bot's operator reference.
    fn op(&self, company: usize, bot: usize) -> OpRef {
        let name = &self.config.companies[company].bots[bot].id_operator;
        let operator = self.config.companies[company]
            .operators
            .iter()
            .position(|o| o.bot && &o.username == name)
            .expect("every bot is an operator of its company");
        OpRef { company, operator }
    }

    /// Status of the company's bots.
    pub fn statuses(&self, company: usize) -> Vec<BotStatus> {
        self.status.lock().unwrap_or_else(|e| e.into_inner())[company].clone()
    }

    fn set_status(&self, company: usize, bot: usize, f: impl FnOnce(&mut BotStatus)) {
        f(&mut self.status.lock().unwrap_or_else(|e| e.into_inner())[company][bot]);
    }

    /// Offers waiting chats of its groups to a bot that became available.
    fn offer_waiting(self: &Arc<Self>, company: usize, bot: usize) {
        for id in self.hub.waiting_ids(self.op(company, bot)) {
            conv::spawn(self.clone(), company, bot, id, false);
        }
    }

    async fn listen(self: Arc<Self>, mut rx: mpsc::UnboundedReceiver<BotEvent>) {
        while let Some(event) = rx.recv().await {
            match event {
                BotEvent::Waiting { company, id } => self.on_waiting(company, id),
                BotEvent::Message {
                    company,
                    id,
                    message,
                } => self.forward(company, &id, ConvEvent::Message(message)),
                BotEvent::Assigned {
                    company,
                    id,
                    operator,
                } => self.forward(company, &id, ConvEvent::Assigned(operator)),
                BotEvent::Ended { company, id } => self.forward(company, &id, ConvEvent::Ended),
                BotEvent::Stored { company, id, seq } => {
                    self.forward(company, &id, ConvEvent::Stored(seq))
                }
            }
        }
    }

    /// A chat waits: the first available bot serving its groups takes it
    /// (on the instance that drives that bot).
    fn on_waiting(self: &Arc<Self>, company: usize, id: String) {
        let Some(groups) = self.hub.chat_groups(company, &id) else {
            return;
        };
        let c = &self.config.companies[company];
        let available = self.statuses(company);
        let found =
            c.bots.iter().enumerate().find(|(i, b)| {
                available[*i].available && b.groups.iter().any(|g| groups.contains(g))
            });
        if let Some((bot, _)) = found {
            conv::spawn(self.clone(), company, bot, id, false);
        }
    }

    fn forward(&self, company: usize, id: &str, event: ConvEvent) {
        let convs = self.convs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(task) = convs.tasks.get(&(company, id.to_string())) {
            let _ = task.tx.send(event);
        }
    }
}
