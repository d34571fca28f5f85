//! Chat routing: the live state of every waiting and active session, the
//! queue, operators' availability and load, and fan-out to visitors and
//! desks.
//!
//! One [`Hub`] holds it all, one `std::sync::Mutex` per company (issue 10,
//! item 1: a busy company's queue changes never wait for another
//! company's): every operation is a few map look-ups and never held across
//! an `.await` (the compiler enforces it: the guard is not `Send`), so a
//! blocking mutex is cheaper than an async one. Only the periodic presence
//! sweep visits every company, one lock at a time. The database is written outside the lock, and before
//! live state changes: accept, transfer and end check under the lock,
//! write, then publish, serialized per company (as Chatwoot broadcasts only
//! after the commit), so a failed write changes nothing; message
//! delivery runs inside the storage lock so that pushes leave in `seq`
//! order. Pushes go through bounded channels: a full channel drops that
//! link (the widget resumes with `afterSeq`, the desk refetches), so one
//! slow client never stalls the others.
//!
//! - `routing`: start, accept, transfer, end, queue.
//! - `relay`: messages, typing, read.
//! - `desks`: desk socket registry and events.
//! - `presence`: operators without a desk become away; periodic sweep.
//! - `resume`: visitor resume and restoring open sessions after a restart.

mod bots;
pub(crate) mod cluster;
pub(crate) mod cluster_desk;
pub(crate) mod cluster_presence;
mod desks;
mod presence;
mod relay;
mod resume;
mod routing;
mod start;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use owidget_protocol::desk::{Availability, ChatSummary, DeskEvent, OperatorInfo};
use owidget_protocol::{ButtonStatus, ServerMessage};
use tokio::sync::mpsc;

use crate::config::Config;
use crate::limits::RateWindow;
use crate::status::CompanyStatus;
use crate::storage::Store;

pub use bots::{BotEvent, BotSays};
pub use resume::Resumed;
pub use start::{Created, StartChat};

/// An operator of a company: indices into [`Config::companies`] and
/// [`crate::config::Company::operators`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpRef {
    /// Company index.
    pub company: usize,
    /// Operator index within the company.
    pub operator: usize,
}

/// Sender half of a widget socket's push channel.
pub type VisitorTx = mpsc::Sender<ServerMessage>;

/// The widget socket currently attached to a session.
#[derive(Debug, Clone)]
pub struct VisitorLink {
    /// Socket id, so that a closing socket detaches only itself.
    pub conn: u64,
    /// Its push channel.
    pub tx: VisitorTx,
}

#[derive(Debug)]
struct OperatorState {
    availability: Availability,
    /// Ids of the active sessions assigned to the operator.
    chats: Vec<String>,
    /// Open desk sockets: (id, push channel).
    desks: Vec<(u64, mpsc::Sender<DeskEvent>)>,
    /// Last sign of life without a desk (API call, last desk closing,
    /// availability change): the presence lease of `presence`.
    seen: tokio::time::Instant,
    /// Across instances (`cluster_presence`): the availability the database
    /// holds as far as this instance knows; differs from `availability`
    /// while a local change waits for the sweep to store it.
    stored: Availability,
    /// A desk socket (or a fresh lease) of the operator is on another
    /// instance, by that instance's unexpired heartbeat.
    elsewhere: bool,
    /// When another instance's change or presence last vouched for the
    /// operator (a grace of its own, apart from this instance's lease).
    remote_seen: Option<tokio::time::Instant>,
    /// Active sessions the database assigns to the operator that this
    /// instance holds no live state for (PostgreSQL only): counted in the
    /// load so that capacity spans instances.
    remote_chats: Vec<String>,
    /// A bot this instance drives (its poll decides its availability;
    /// `crate::bot`): never overwritten by another instance's value.
    driven_here: bool,
}

impl OperatorState {
    /// Active chats on every instance.
    fn load(&self) -> u32 {
        let remote = self
            .remote_chats
            .iter()
            .filter(|id| !self.chats.contains(id))
            .count();
        (self.chats.len() + remote) as u32
    }
}

impl Default for OperatorState {
    fn default() -> Self {
        OperatorState {
            availability: Availability::default(),
            chats: Vec::new(),
            desks: Vec::new(),
            seen: tokio::time::Instant::now(),
            stored: Availability::default(),
            elsewhere: false,
            remote_seen: None,
            remote_chats: Vec::new(),
            driven_here: false,
        }
    }
}

#[derive(Debug)]
struct Live {
    chat: ChatSummary,
    groups: Vec<String>,
    operator: Option<usize>,
    token_hash: String,
    /// Widget sockets showing this chat (several tabs of one site share it).
    visitors: Vec<VisitorLink>,
    visitor_rate: RateWindow,
    operator_rate: RateWindow,
    /// Since when no widget socket shows the chat (a waiting chat expires
    /// after `[presence] waiting_expiry_secs` of this).
    gone_since: Option<tokio::time::Instant>,
    /// A widget socket of the chat is on another instance
    /// (`cluster_desk`).
    visitor_elsewhere: bool,
}

#[derive(Debug, Default)]
struct CompanyState {
    operators: Vec<OperatorState>,
    sessions: HashMap<String, Live>,
    /// Waiting session ids, oldest first.
    queue: Vec<String>,
    /// `user.availability.updated` events not stored yet: written with the
    /// availability rows by the sweep, in order.
    /// Each with the operator's index: an event of a change that lost to
    /// another instance's is not stored.
    availability_events: Vec<(usize, crate::webhooks::Planned)>,
    /// Per live session, the last `seq` pushed to this instance's sockets
    /// (local appends and other instances' alike), so that pushes leave in
    /// `seq` order, once each (`cluster`).
    delivered: crate::bus::SeqTracker,
    /// Other instances' word on the visitors' widget sockets
    /// (`cluster_desk`).
    visitors_elsewhere: cluster_desk::VisitorsElsewhere,
}

/// Live chat state of all companies.
#[derive(Debug)]
pub struct Hub {
    config: Arc<Config>,
    store: Store,
    status: Vec<CompanyStatus>,
    /// Per company, each behind its own lock.
    state: Vec<Mutex<CompanyState>>,
    /// Per company: held across check → database write → publish of
    /// accept, transfer and end, so that what was checked still holds when
    /// the write lands (the database is one writer anyway).
    routing: Vec<tokio::sync::Mutex<()>>,
    /// Chat starts per client IP (`[abuse] chat_starts_per_ip_per_minute`).
    starts_by_ip: crate::throttle::Throttle<std::net::IpAddr>,
    /// Chat starts per (company, preset).
    starts_by_preset: crate::throttle::Throttle<(usize, usize)>,
    /// Wakes webhook receivers when their events are committed.
    webhooks: Arc<crate::webhooks::Wakers>,
    /// The External Bot engine's ears (see `bots`).
    bot_events: std::sync::OnceLock<mpsc::UnboundedSender<BotEvent>>,
    /// The bus to the other instances (`--broker`), attached once at start
    /// ([`Hub::attach_bus`]); unit tests run without one.
    bus: std::sync::OnceLock<crate::bus::Bus>,
    /// Status versions and heartbeat wake-ups of `cluster_presence`.
    cluster: cluster_presence::Shared,
    /// Asks the `cluster` task to read a session's messages after the last
    /// one delivered here (a local append found a gap: another instance's
    /// message is still on its way).
    catch_up: std::sync::OnceLock<mpsc::UnboundedSender<(usize, String)>>,
}

impl Hub {
    /// Empty state: everyone offline, no sessions.
    pub fn new(config: Arc<Config>, store: Store) -> Self {
        let status = config.companies.iter().map(CompanyStatus::new).collect();
        let state = config
            .companies
            .iter()
            .map(|c| {
                Mutex::new(CompanyState {
                    operators: c
                        .operators
                        .iter()
                        .map(|_| OperatorState::default())
                        .collect(),
                    ..Default::default()
                })
            })
            .collect();
        Hub {
            routing: config
                .companies
                .iter()
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
            starts_by_ip: crate::throttle::Throttle::new(
                config.abuse.chat_starts_per_ip_per_minute,
                std::time::Duration::from_secs(60),
            ),
            starts_by_preset: crate::throttle::Throttle::new(
                config.abuse.chat_starts_per_preset_per_minute,
                std::time::Duration::from_secs(60),
            ),
            webhooks: Arc::new(crate::webhooks::Wakers::new(&config)),
            config,
            store,
            status,
            state,
            bot_events: std::sync::OnceLock::new(),
            bus: std::sync::OnceLock::new(),
            cluster: cluster_presence::Shared::new(),
            catch_up: std::sync::OnceLock::new(),
        }
    }

    /// Attaches the bus to the other instances (once, at start).
    pub fn attach_bus(&self, bus: crate::bus::Bus) {
        let _ = self.bus.set(bus);
    }

    /// The bus to the other instances, when attached.
    pub fn bus(&self) -> Option<&crate::bus::Bus> {
        self.bus.get()
    }

    /// Tells the other instances about a committed change, in the
    /// background (the change is in the database already: a lost or late
    /// event is healed by the receivers' re-read, so it never fails or
    /// delays the request).
    pub(crate) fn publish(&self, event: crate::bus::Event) {
        let Some(bus) = self.bus.get() else {
            return;
        };
        let bus = bus.clone();
        tokio::spawn(async move {
            if let Err(e) = bus.publish(event).await {
                tracing::warn!(error = %e, "bus: event not published; other instances resync");
            }
        });
    }

    /// GUID of company `i`.
    pub(crate) fn company_id(&self, i: usize) -> String {
        self.config.companies[i].id.clone()
    }

    /// The configuration the hub was built for.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The webhook receivers' wake-ups.
    pub fn webhooks(&self) -> &Arc<crate::webhooks::Wakers> {
        &self.webhooks
    }

    /// The live state of one company.
    fn lock(&self, company: usize) -> MutexGuard<'_, CompanyState> {
        lock_company(&self.state[company])
    }

    /// Adds a socket's outlet to the preset's status shards; returns the
    /// status now (see [`CompanyStatus::subscribe`]).
    pub fn subscribe_status(
        &self,
        company: usize,
        preset: usize,
        outlet: std::sync::Arc<dyn crate::status::Target>,
    ) -> crate::status::StatusFrame {
        self.status[company].subscribe(preset, outlet)
    }

    /// Current status frame of a preset (tests tell changes apart by it).
    #[cfg(test)]
    pub(crate) fn status_frame(&self, company: usize, preset: usize) -> crate::status::StatusFrame {
        self.status[company].current(preset)
    }

    /// Current status of a preset.
    pub fn status(&self, company: usize, preset: usize) -> ButtonStatus {
        self.status[company].get(preset)
    }

    /// Recomputes the company's preset statuses after a change.
    fn recompute(&self, company: usize, state: &CompanyState) {
        let ops = &self.config.companies[company].operators;
        let available = state
            .operators
            .iter()
            .zip(ops)
            .filter(|(s, _)| s.availability == Availability::Online)
            .map(|(s, o)| (o.groups.as_slice(), s.load(), o.capacity));
        self.status[company].update(available);
    }

    /// The operator as the desk shows them.
    pub fn operator_info(&self, op: OpRef) -> OperatorInfo {
        let state = self.lock(op.company);
        self.info_locked(op, &state)
    }

    fn info_locked(&self, op: OpRef, state: &CompanyState) -> OperatorInfo {
        let company = &self.config.companies[op.company];
        let o = &company.operators[op.operator];
        let s = &state.operators[op.operator];
        OperatorInfo {
            company: company.id.clone(),
            company_name: company.name.clone(),
            username: o.username.clone(),
            name: o.name.clone(),
            capacity: o.capacity,
            groups: o.groups.clone(),
            availability: s.availability,
            active_chats: s.load(),
        }
    }

    /// Sets an operator's availability and updates the button statuses.
    pub fn set_availability(&self, op: OpRef, availability: Availability) -> OperatorInfo {
        let mut state = self.lock(op.company);
        let company = &mut state;
        self.availability_event(op, company, availability, "operator");
        company.operators[op.operator].availability = availability;
        company.operators[op.operator].seen = tokio::time::Instant::now();
        self.recompute(op.company, company);
        tracing::info!(
            operator = %self.config.companies[op.company].operators[op.operator].username,
            ?availability,
            "availability changed"
        );
        let info = self.info_locked(op, company);
        desks::send(
            company,
            op.operator,
            DeskEvent::Operator {
                operator: info.clone(),
            },
        );
        info
    }
}

impl Hub {
    /// Plans `user.availability.updated` when `op`'s availability changes
    /// to `to` (stored with the availability by the sweep).
    fn availability_event(&self, op: OpRef, c: &mut CompanyState, to: Availability, origin: &str) {
        if c.operators[op.operator].availability == to {
            return;
        }
        let username = &self.config.companies[op.company].operators[op.operator].username;
        if let Some(p) =
            crate::webhooks::availability(&self.config, op.company, username, to, origin)
        {
            c.availability_events.push((op.operator, p));
        }
    }

    /// Puts saved closing form answers on a live session's summary (ended
    /// sessions read them from the database).
    pub fn set_live_closing_form(
        &self,
        company: usize,
        id: &str,
        answers: std::collections::BTreeMap<String, String>,
    ) {
        let mut state = self.lock(company);
        if let Some(live) = state.sessions.get_mut(id) {
            live.chat.closing_form = Some(answers);
        }
    }
}

fn lock_company(m: &Mutex<CompanyState>) -> MutexGuard<'_, CompanyState> {
    // A panic while holding the lock leaves plain data behind; keep serving.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends to the visitor's sockets without waiting; a full or closed channel
/// unlinks that socket (it closes, and the widget resumes after
/// reconnecting, missing nothing).
fn push(live: &mut Live, msg: ServerMessage) {
    let id = &live.chat.id;
    live.visitors.retain(|link| {
        let ok = link.tx.try_send(msg.clone()).is_ok();
        if !ok {
            tracing::debug!(session = %id, "visitor channel full or closed; unlinking");
        }
        ok
    });
}

fn summary(live: &Live) -> ChatSummary {
    let mut chat = live.chat.clone();
    chat.visitor_online = !live.visitors.is_empty() || live.visitor_elsewhere;
    chat
}
