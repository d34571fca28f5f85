//! Visitor resume after a reload or reconnect, and restoring open sessions
//! when the server starts.

use owidget_protocol::desk::DeskEvent;
use owidget_protocol::{SessionState, WireMessage};

use owidget_protocol::desk::ChatSummary;

use super::desks::send;
use super::routing::live_of;
use super::{Created, Hub, VisitorLink};
use crate::ids::{hashes_equal, token_hash};
use crate::{Error, Result};

/// Most messages one resume sends: the latest ones after `afterSeq`.
pub const RESUME_PAGE: u32 = 200;

/// What a resuming widget learns.
#[derive(Debug, Clone)]
pub struct Resumed {
    /// Session state now.
    pub state: SessionState,
    /// Operator display name when assigned.
    pub operator_name: Option<String>,
    /// Queue place while waiting.
    pub queue_position: Option<u32>,
    /// Messages after the widget's `afterSeq`, in order.
    pub missed: Vec<WireMessage>,
    /// The operator has read the visitor's messages up to this `seq`.
    pub read_seq: u64,
    /// True when the session is live and this socket is now its visitor.
    pub attached: bool,
}

impl Hub {
    /// Reattaches a widget socket to its session. The socket is linked
    /// *before* the missed messages are read, so a message stored meanwhile
    /// is either in `missed` or pushed afterwards (the socket drops pushes
    /// at or below the last `seq` it sent): none is lost or doubled.
    pub async fn resume(
        &self,
        company: usize,
        id: &str,
        token: &str,
        after_seq: u64,
        link: VisitorLink,
    ) -> Result<Resumed> {
        let bad = || Error::NotFound("unknown session or wrong token".into());
        let hash = token_hash(token);
        let live = {
            let mut state = self.lock(company);
            let c = &mut state;
            match c.sessions.get_mut(id) {
                Some(live) => {
                    if !hashes_equal(&live.token_hash, &hash) {
                        return Err(bad());
                    }
                    let was_away = live.visitors.is_empty();
                    live.visitors.retain(|v| v.conn != link.conn);
                    live.visitors.push(link);
                    live.gone_since = None;
                    let r = (
                        live.chat.state,
                        live.chat.operator_name.clone(),
                        live.chat.queue_position,
                    );
                    if was_away {
                        self.visitor_here(company, id, true);
                    }
                    if let (Some(o), true, false) =
                        (live.operator, was_away, live.visitor_elsewhere)
                    {
                        send(
                            c,
                            o,
                            DeskEvent::Presence {
                                session_id: id.to_string(),
                                online: true,
                            },
                        );
                    }
                    Some(r)
                }
                None => None,
            }
        };
        let (state, operator_name, queue_position, attached) = match live {
            Some((s, name, pos)) => (s, name, pos, true),
            None => {
                let company_id = &self.config.companies[company].id;
                let stored = self.store.session(company_id, id).await?.ok_or_else(bad)?;
                if !hashes_equal(&stored.token_hash, &hash) {
                    return Err(bad());
                }
                (SessionState::Ended, stored.chat.operator_name, None, false)
            }
        };
        // Long histories come back in part: the latest RESUME_PAGE messages
        // (issue 10, item 4); the operator API pages the rest.
        let missed = self
            .store
            .messages_page(id, after_seq, RESUME_PAGE, true)
            .await?;
        let (_, read_seq) = self.store.read_marks(id).await?;
        Ok(Resumed {
            state,
            operator_name,
            queue_position,
            missed,
            read_seq,
            attached,
        })
    }

    /// The open session a repeated `startKey` created, if any (issue 10,
    /// item 7: the socket dropped before `sessionCreated` arrived).
    pub(super) async fn started_with(&self, company: usize, key: &str) -> Result<Option<Created>> {
        let company_id = &self.config.companies[company].id;
        let found = self
            .store
            .session_by_start_key(company_id, &crate::ids::start_key_hash(key))
            .await?;
        let Some((id, Some(sealed), visitor_id)) = found else {
            return Ok(None);
        };
        let Some(token) = crate::ids::unseal(key, &sealed) else {
            return Ok(None);
        };
        let position = {
            let state = self.lock(company);
            let Some(live) = state.sessions.get(&id) else {
                // Stored as open but not live (its company was reconfigured
                // away and back): a fresh start is the honest answer.
                return Ok(None);
            };
            live.chat.queue_position.unwrap_or(0)
        };
        tracing::info!(session = %id, "repeated chat start answered with its session");
        Ok(Some(Created {
            id,
            token,
            position,
            visitor_id: visitor_id.unwrap_or_else(|| crate::plugins::visitor_id(None)),
            repeated: true,
        }))
    }

    /// Loads waiting and active sessions from the database into a fresh
    /// hub. Sessions of companies no longer configured stay in the database
    /// untouched. Returns how many were restored.
    pub async fn restore(&self) -> Result<usize> {
        let open = self.store.open_sessions().await?;
        let mut n = 0;
        for s in open {
            let Some(company) = self.config.companies.iter().position(|c| c.id == s.company) else {
                continue;
            };
            if let Some(requeued) = self.restore_one(company, s.chat, s.token_hash) {
                self.store.set_assignment(&requeued, None).await?;
            }
            n += 1;
        }
        // Delivery continues after what is stored: only later messages are
        // pushed to the sockets that attach.
        let heads = self.store.open_heads().await?;
        for i in 0..self.state.len() {
            let mut c = self.lock(i);
            for (id, head) in &heads {
                if c.sessions.contains_key(id) {
                    c.delivered.seed(id, *head);
                }
            }
        }
        for i in 0..self.state.len() {
            let c = self.lock(i);
            self.recompute(i, &c);
        }
        Ok(n)
    }

    /// Since when a restored session counts as without visitor: now on one
    /// instance; never with a broker to other instances, whose sockets this
    /// one cannot see (a waiting chat then expires only on the instance its
    /// visitor's socket closes on).
    fn restored_gone_since(&self) -> Option<tokio::time::Instant> {
        match self.bus() {
            Some(b) if b.kind() != "memory" => None,
            _ => Some(tokio::time::Instant::now()),
        }
    }

    /// Puts a restored session back (startup): waiting ones at the end of
    /// the queue, active ones to their operator if they still exist. Returns
    /// the session when it had to go back to the queue (its operator was
    /// removed from the configuration), so that the caller stores that.
    pub(super) fn restore_one(
        &self,
        company: usize,
        mut chat: ChatSummary,
        hash: String,
    ) -> Option<ChatSummary> {
        let c_cfg = &self.config.companies[company];
        let preset = c_cfg
            .preset(Some(&chat.preset))
            .or_else(|| c_cfg.preset(None))
            .expect("a company has presets");
        let operator = chat
            .operator
            .as_deref()
            .and_then(|u| c_cfg.operators.iter().position(|o| o.username == u));
        let mut state = self.lock(company);
        let c = &mut state;
        chat.visitor_online = false;
        let id = chat.id.clone();
        match operator {
            Some(o) if chat.state == SessionState::Active => {
                c.operators[o].chats.push(id.clone());
                let mut live = live_of(chat, preset.widget.groups.clone(), hash);
                live.operator = Some(o);
                live.gone_since = self.restored_gone_since();
                c.sessions.insert(id, live);
                None
            }
            _ => {
                let requeued = chat.state != SessionState::Waiting;
                chat.state = SessionState::Waiting;
                chat.operator = None;
                chat.operator_name = None;
                c.queue.push(id.clone());
                chat.queue_position = Some(c.queue.len() as u32);
                chat.accepted_at = None;
                let out = requeued.then(|| chat.clone());
                let mut live = live_of(chat, preset.widget.groups.clone(), hash);
                live.gone_since = self.restored_gone_since();
                c.sessions.insert(id, live);
                out
            }
        }
    }
}
