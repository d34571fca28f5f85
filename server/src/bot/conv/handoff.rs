//! A bot conversation letting go of the chat: a `transfer` to a
//! distribution rule's group (taken back when nobody accepts in time) and
//! the hand-over to people when the bot app fails.

use std::time::Duration;

use tokio::time::Instant;

use super::{Conv, FAILED_NOTICE};
use crate::bot::ConvEvent;
use crate::chat::BotSays;
use crate::error::Error;
use crate::plugins::CallError;

use super::Flow;

impl Conv {
    /// Tries to route the chat to a human of the rule's group for up to
    /// `timeout`. True when a human took it (the remaining replies are
    /// dropped); false when nobody could or did (they continue).
    pub(super) async fn transfer(&mut self, rule: &str, timeout: Duration, path: &str) -> bool {
        let b = &self.bots.config.companies[self.company].bots[self.bot];
        let Some(group) = b.rule(rule).map(|r| r.group.clone()) else {
            self.note(
                "POST",
                path,
                format!("transfer to unknown distribution rule {rule:?}"),
            );
            return false;
        };
        if !self.bots.hub.group_has_room(self.company, &group) {
            tracing::info!(session = %self.id, %group, "transfer failed: nobody available");
            return false;
        }
        let own = b.groups.clone();
        if let Err(e) = self
            .bots
            .hub
            .hand_to_groups(self.op, &self.id, vec![group])
            .await
        {
            tracing::info!(session = %self.id, error = %e, "transfer failed");
            return false;
        }
        let deadline = Instant::now() + timeout;
        loop {
            tokio::select! {
                ev = self.rx.recv() => match ev {
                    None | Some(ConvEvent::Ended) => return true,
                    Some(ConvEvent::Assigned(o)) if o != self.op.operator => return true,
                    Some(ConvEvent::Assigned(_)) => {}
                    Some(ConvEvent::Message(m)) => self.deferred.push_back(m),
                    Some(ConvEvent::Stored(_)) => self.behind = true,
                    Some(ConvEvent::Async(a)) => {
                        let _ = a.done.send(Err("a transfer is in progress".into()));
                    }
                },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        match self.bots.hub.reclaim(self.op, &self.id, own).await {
            Ok(_) => {
                tracing::info!(session = %self.id, "transfer timed out; the bot continues");
                false
            }
            // Accepted at the last moment, or gone.
            Err(Error::Conflict(_)) | Err(Error::NotFound(_)) => true,
            Err(e) => {
                tracing::warn!(session = %self.id, error = %e, "taking the chat back failed");
                true
            }
        }
    }

    /// The bot app failed: a clear notice, then the queue of human groups.
    pub(super) async fn fail(&mut self, e: CallError) -> Flow {
        tracing::warn!(session = %self.id, error = %e, "bot app failed; handing the chat to people");
        let notice = BotSays {
            text: FAILED_NOTICE.into(),
            ..Default::default()
        };
        let _ = self
            .bots
            .hub
            .bot_says(
                self.company,
                None,
                &self.id,
                format!("bot-failed-{}", self.row.posted_seq),
                notice,
            )
            .await;
        let groups = self.bots.config.companies[self.company].bots[self.bot].fallback_groups();
        if let Err(e) = self
            .bots
            .hub
            .hand_to_groups(self.op, &self.id, groups)
            .await
        {
            tracing::warn!(session = %self.id, error = %e, "handing a failed bot's chat on failed");
        }
        Flow::Stop
    }
}
