//! What the desk shows across instances besides chats and availability
//! (issue 13; README, "What holds across instances"):
//!
//! - **Offline messages and callback requests**: stored by the instance the
//!   visitor's widget is on, which tells its own desks and then publishes
//!   `Contact { kind, id }`; the other instances read that row from the
//!   database and tell their desks serving its preset, with the same
//!   `offlineMessage` / `callbackRequest` event.
//! - **Whether the visitor is online** (`visitorOnline`, the desk's
//!   `presence` event): the instance holding a chat's widget sockets
//!   publishes `Visitors { online }` when the first one attaches and when
//!   the last one closes, and every `[presence] ttl_secs / 3` a heartbeat of
//!   all the sessions whose sockets it holds, valid for `ttl_secs`. Another
//!   instance counts the visitor as online while some instance's entry is
//!   (so a killed instance's visitors go offline after the TTL), and tells
//!   the operator's desks when that flips, as for a local socket. Versions
//!   per publisher drop stale and repeated events.
//!
//! On one instance (the `memory` broker) the events have no listener, and
//! nothing is kept here: the desk behaves as before.

use std::collections::HashMap;
use std::sync::Arc;

use owidget_protocol::desk::{CallbackRequest, DeskEvent, OfflineMessage};
use tokio::time::{Duration, Instant};

use super::desks::send;
use super::{CompanyState, Hub};
use crate::bus::{ContactKind, Envelope, Event, Notice, Version};

/// One other instance's word on a session's visitor.
#[derive(Debug, Clone, Copy)]
struct Entry {
    version: Version,
    online: bool,
    /// An `online` entry counts until then; an offline one is kept until
    /// then to drop an older `online` arriving late.
    until: Instant,
}

/// Per session, per other instance: is the visitor's widget connected
/// there.
#[derive(Debug, Default)]
pub(super) struct VisitorsElsewhere(HashMap<String, HashMap<String, Entry>>);

impl VisitorsElsewhere {
    /// The visitor of `session` has a widget socket on another instance.
    pub(super) fn online(&self, session: &str, now: Instant) -> bool {
        self.0
            .get(session)
            .is_some_and(|m| m.values().any(|e| e.online && e.until > now))
    }
}

/// Session ids per `Visitors` heartbeat event: far below the 7,999-byte
/// limit whatever the ids (checked when building, [`chunks`]).
const CHUNK_BYTES: usize = 6000;

/// Splits `ids` so that each part's ids take at most [`CHUNK_BYTES`].
fn chunks(ids: Vec<String>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut part = Vec::new();
    let mut bytes = 0;
    for id in ids {
        let n = id.len() + 3; // quotes and comma
        if !part.is_empty() && bytes + n > CHUNK_BYTES {
            out.push(std::mem::take(&mut part));
            bytes = 0;
        }
        bytes += n;
        part.push(id);
    }
    if !part.is_empty() {
        out.push(part);
    }
    out
}

impl Hub {
    /// Tells the desks serving `groups` of a stored offline message or
    /// callback request (`event`), here and, through the bus, on the other
    /// instances (which read row `id` of `kind` themselves).
    pub(crate) fn announce_contact(
        &self,
        company: usize,
        groups: &[String],
        kind: ContactKind,
        id: i64,
        event: DeskEvent,
    ) {
        self.notify_groups(company, groups, event);
        self.publish(Event::Contact {
            company: self.company_id(company),
            kind,
            id,
        });
    }

    /// Another instance stored contact row `id`: read it and tell the desks
    /// here serving its preset.
    async fn remote_contact(
        &self,
        company: usize,
        kind: ContactKind,
        id: i64,
    ) -> crate::Result<()> {
        let guid = self.company_id(company);
        let (preset, event) = match kind {
            ContactKind::OfflineMessage => {
                match self.store.contact::<OfflineMessage>(&guid, id).await? {
                    Some(m) => (m.preset.clone(), DeskEvent::OfflineMessage { message: m }),
                    None => return Ok(()),
                }
            }
            ContactKind::CallbackRequest => {
                match self.store.contact::<CallbackRequest>(&guid, id).await? {
                    Some(r) => (r.preset.clone(), DeskEvent::CallbackRequest { request: r }),
                    None => return Ok(()),
                }
            }
        };
        let cfg = &self.config.companies[company];
        let Some(p) = cfg.preset(Some(&preset)) else {
            return Ok(()); // a preset not configured here
        };
        self.notify_groups(company, &p.widget.groups, event);
        Ok(())
    }

    /// The first widget socket of session `id` attached here (`online`),
    /// or the last one closed: tell the other instances. Called under the
    /// company lock, so versions follow the order of the changes.
    pub(super) fn visitor_here(&self, company: usize, id: &str, online: bool) {
        if self.bus().is_none() {
            return;
        }
        self.publish(Event::Visitors {
            company: self.company_id(company),
            sessions: vec![id.to_string()],
            online,
            ttl_ms: self.visitor_ttl_ms(),
            version: self.cluster.next(),
        });
    }

    /// The visitor of `id` has a widget socket on another instance.
    pub(super) fn visitor_elsewhere(&self, c: &CompanyState, id: &str) -> bool {
        c.visitors_elsewhere.online(id, Instant::now())
    }

    fn visitor_ttl_ms(&self) -> u64 {
        self.config.presence.ttl.as_millis().min(u64::MAX as u128) as u64
    }

    /// Another instance's `Visitors` event.
    fn remote_visitors(
        &self,
        company: usize,
        from: &str,
        sessions: &[String],
        online: bool,
        ttl_ms: u64,
        version: Version,
    ) {
        let now = Instant::now();
        let until = now + Duration::from_millis(ttl_ms);
        let mut state = self.lock(company);
        let c = &mut *state;
        for id in sessions {
            let m = c.visitors_elsewhere.0.entry(id.clone()).or_default();
            if m.get(from).is_some_and(|e| e.version >= version) {
                continue; // stale or repeated
            }
            m.insert(
                from.to_string(),
                Entry {
                    version,
                    online,
                    until,
                },
            );
            self.visitor_flag(c, id, now, false);
        }
    }

    /// Applies what the other instances say about the visitor of `id` to
    /// its live state here, telling the operator's desks when the desk's
    /// view (online here or elsewhere) flips. `expired`: an instance's
    /// entry ran out (it died), so a waiting chat may expire here now.
    fn visitor_flag(&self, c: &mut CompanyState, id: &str, now: Instant, expired: bool) {
        let elsewhere = c.visitors_elsewhere.online(id, now);
        let Some(live) = c.sessions.get_mut(id) else {
            return;
        };
        if live.visitor_elsewhere == elsewhere {
            return;
        }
        live.visitor_elsewhere = elsewhere;
        if !live.visitors.is_empty() {
            return; // online here anyway
        }
        if elsewhere {
            // Its socket is on another instance: that one lets it expire.
            live.gone_since = None;
        } else if expired && live.gone_since.is_none() {
            live.gone_since = Some(now);
        }
        if let Some(o) = live.operator {
            send(
                c,
                o,
                DeskEvent::Presence {
                    session_id: id.to_string(),
                    online: elsewhere,
                },
            );
        }
    }

    /// Drops other instances' entries that ran out at `now`; a visitor
    /// whose last word was `online` there goes offline here.
    fn lapse_visitors(&self, c: &mut CompanyState, now: Instant) {
        let mut lapsed = Vec::new();
        c.visitors_elsewhere.0.retain(|id, m| {
            m.retain(|_, e| {
                let keep = e.until > now;
                if !keep && e.online {
                    lapsed.push(id.clone());
                }
                keep
            });
            !m.is_empty()
        });
        for id in lapsed {
            self.visitor_flag(c, &id, now, true);
        }
    }

    /// Publishes the heartbeat of the sessions whose widget sockets are
    /// here, and drops other instances' entries that ran out.
    fn visitor_beat(&self) {
        let now = Instant::now();
        let ttl_ms = self.visitor_ttl_ms();
        for company in 0..self.state.len() {
            let (held, version) = {
                let mut state = self.lock(company);
                let c = &mut *state;
                self.lapse_visitors(c, now);
                let held: Vec<String> = c
                    .sessions
                    .iter()
                    .filter(|(_, l)| !l.visitors.is_empty())
                    .map(|(id, _)| id.clone())
                    .collect();
                (held, self.cluster.next())
            };
            // In the background, like every publish of the hub: a broker
            // that is down never holds up this task's other events.
            for sessions in chunks(held) {
                self.publish(Event::Visitors {
                    company: self.company_id(company),
                    sessions,
                    online: true,
                    ttl_ms,
                    version,
                });
            }
        }
    }

    async fn on_desk_event(&self, e: Envelope) {
        let Envelope { from, event } = e;
        match event {
            Event::Contact { company, kind, id } => {
                let Some(ci) = self.config.companies.iter().position(|c| c.id == company) else {
                    return;
                };
                if let Err(err) = self.remote_contact(ci, kind, id).await {
                    tracing::warn!(id, from = %from, error = %err, "cluster: contact not re-read");
                }
            }
            Event::Visitors {
                company,
                sessions,
                online,
                ttl_ms,
                version,
            } => {
                let Some(ci) = self.config.companies.iter().position(|c| c.id == company) else {
                    return;
                };
                self.remote_visitors(ci, &from, &sessions, online, ttl_ms, version);
            }
            _ => {}
        }
    }
}

/// Starts the task that publishes this instance's visitor heartbeat and
/// applies the other instances' `Visitors` and `Contact` events.
pub(crate) fn spawn(hub: Arc<Hub>, mut closing: tokio::sync::watch::Receiver<bool>) {
    let Some(bus) = hub.bus().cloned() else {
        return;
    };
    let mut sub = bus.subscribe();
    let every = (hub.config.presence.ttl / 3).max(Duration::from_millis(50));
    tokio::spawn(async move {
        let mut beat = tokio::time::interval(every);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let next = tokio::select! {
                n = sub.recv() => match n {
                    Some(n) => n,
                    None => return,
                },
                // Ours may have been lost at a resync: said again then too.
                _ = beat.tick() => Notice::Resync,
                _ = closing.wait_for(|c| *c) => return,
            };
            match next {
                Notice::Event(e) => hub.on_desk_event(e).await,
                Notice::Resync => hub.visitor_beat(),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{OpRef, StartChat, VisitorLink};
    use owidget_protocol::desk::Availability;

    const OP: OpRef = OpRef {
        company: 0,
        operator: 0,
    };

    fn v(counter: u64) -> Version {
        Version { epoch: 1, counter }
    }

    /// `presence` events the desk got since the last call.
    fn presence(rx: &mut tokio::sync::mpsc::Receiver<DeskEvent>) -> Vec<bool> {
        let mut out = Vec::new();
        while let Ok(e) = rx.try_recv() {
            if let DeskEvent::Presence { online, .. } = e {
                out.push(online);
            }
        }
        out
    }

    /// An active chat of `OP` whose visitor's socket is not on this
    /// instance, and `OP`'s desk.
    async fn chat_with_visitor_elsewhere() -> (Hub, String, tokio::sync::mpsc::Receiver<DeskEvent>)
    {
        let hub = Hub::new(
            Arc::new(crate::demo::config()),
            crate::storage::Store::in_memory().unwrap(),
        );
        hub.set_availability(OP, Availability::Online);
        let (tx, _rx) = tokio::sync::mpsc::channel(8);
        let start = StartChat {
            language: "en".into(),
            page_url: "http://localhost/".into(),
            scope: None,
            custom_data: Default::default(),
            ip: None,
            visitor_id: None,
            start_key: None,
        };
        let id = hub
            .start_chat(0, 0, start, VisitorLink { conn: 1, tx })
            .await
            .unwrap()
            .id;
        hub.accept(OP, &id).await.unwrap();
        let mut desk = hub.attach_desk(OP, 7);
        hub.detach(0, &id, 1);
        presence(&mut desk);
        (hub, id, desk)
    }

    #[tokio::test]
    async fn other_instances_word_on_the_visitor_reaches_the_desk() {
        let (hub, id, mut desk) = chat_with_visitor_elsewhere().await;
        let ids = [id.clone()];
        assert!(!hub.my_chats(OP)[0].visitor_online);
        hub.remote_visitors(0, "x", &ids, true, 60_000, v(2));
        assert_eq!(presence(&mut desk), [true]);
        assert!(hub.my_chats(OP)[0].visitor_online);
        // Stale and repeated words change nothing.
        hub.remote_visitors(0, "x", &ids, false, 60_000, v(1));
        hub.remote_visitors(0, "x", &ids, true, 60_000, v(2));
        assert_eq!(presence(&mut desk), Vec::<bool>::new());
        // Another instance has it too: one going offline leaves it online.
        hub.remote_visitors(0, "y", &ids, true, 60_000, v(1));
        hub.remote_visitors(0, "x", &ids, false, 60_000, v(3));
        assert_eq!(presence(&mut desk), Vec::<bool>::new());
        assert!(hub.my_chats(OP)[0].visitor_online);
        // y dies: its word runs out.
        {
            let mut c = hub.lock(0);
            hub.lapse_visitors(&mut c, Instant::now() + Duration::from_secs(61));
        }
        assert_eq!(presence(&mut desk), [false]);
        assert!(!hub.my_chats(OP)[0].visitor_online);
    }

    #[test]
    fn heartbeat_chunks_fit_the_broker_limit() {
        let ids: Vec<String> = (0..2000).map(|i| format!("{i:0>64}")).collect();
        let parts = chunks(ids.clone());
        assert!(parts.len() > 1);
        assert_eq!(parts.concat(), ids);
        for sessions in parts {
            let env = Envelope {
                from: "f".repeat(16),
                event: Event::Visitors {
                    company: "c".repeat(64),
                    sessions,
                    online: true,
                    ttl_ms: u64::MAX,
                    version: Version {
                        epoch: u64::MAX,
                        counter: u64::MAX,
                    },
                },
            };
            let size = crate::bus::encode(&env).expect("fits").len();
            assert!(size <= crate::bus::MAX_PAYLOAD_BYTES, "{size}");
        }
        assert!(chunks(Vec::new()).is_empty());
    }
}
