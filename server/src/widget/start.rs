//! A repeated `startChat` (issue 10, item 7), answered as a resume, and
//! the answer to a resume.

use owidget_protocol::ServerMessage;

use super::frames::no_session;
use super::socket::{hub_error, Conn};

impl Conn {
    /// Answers a repeated `startChat` (its socket dropped before the
    /// `sessionCreated`): the first message is stored if it was not (its
    /// `clientId` makes that idempotent), then the socket resumes the
    /// session from the start, so that the widget learns the session, its
    /// state and every message in one answer.
    pub(super) async fn start_again(
        &mut self,
        created: crate::chat::Created,
        text: Option<String>,
    ) -> Result<Vec<ServerMessage>, ServerMessage> {
        let hub = self.state.hub.clone();
        if let Some(text) = text {
            let client_id = format!("start-{}", created.id);
            hub.visitor_message(self.company, &created.id, client_id, text)
                .await
                .map_err(hub_error)?;
        }
        let link = self.link();
        let r = hub
            .resume(self.company, &created.id, &created.token, 0, link)
            .await
            .map_err(hub_error)?;
        if !r.attached {
            self.rx = None;
            return Err(no_session());
        }
        self.session = Some(created.id.clone());
        let mut out = vec![ServerMessage::SessionCreated {
            session_id: created.id.clone(),
            token: created.token,
            queue_position: r.queue_position.unwrap_or(created.position),
            visitor_id: created.visitor_id,
        }];
        out.extend(self.resumed(created.id, r, 0));
        Ok(out)
    }

    /// What a resume of `session_id` from `after_seq` answers: `resumed`,
    /// then the missed messages, past which the socket's `last_seq` moves.
    pub(super) fn resumed(
        &mut self,
        session_id: String,
        r: crate::chat::Resumed,
        after_seq: u64,
    ) -> Vec<ServerMessage> {
        self.last_seq = r.missed.last().map_or(after_seq, |m| m.seq);
        let mut out = vec![ServerMessage::Resumed {
            session_id,
            state: r.state,
            operator_name: r.operator_name,
            queue_position: r.queue_position,
            read_seq: (r.read_seq > 0).then_some(r.read_seq),
        }];
        out.extend(
            r.missed
                .into_iter()
                .map(|message| ServerMessage::Message { message }),
        );
        out
    }
}
