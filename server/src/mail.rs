//! Transcript e-mails: a durable outbox. The widget's `transcript` request
//! is stored first (`transcript_requests`); this task sends what is not
//! sent yet through the `[smtp]` relay, at start (requests left by an
//! earlier run), whenever a request arrives, and every minute while the
//! relay fails. A delivery has the configured timeout; a permanent refusal
//! (5xx: a bad address) marks the request failed instead of retrying it.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use owidget_protocol::{Author, WireMessage};
use tokio::sync::{watch, Notify};

use crate::config::SmtpOptions;
use crate::storage::PendingTranscript;
use crate::AppState;

/// Pause after a failed delivery before the outbox is tried again.
const RETRY: Duration = Duration::from_secs(60);

/// Sends pending transcripts until `closing` turns true. `wake` is
/// notified when a request is stored.
pub async fn run(
    state: AppState,
    smtp: SmtpOptions,
    wake: Arc<Notify>,
    mut closing: watch::Receiver<bool>,
) {
    let relay = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        .port(smtp.port)
        .timeout(Some(smtp.timeout))
        .build();
    loop {
        let failed = send_pending(&state, &smtp, &relay).await;
        let pause = if failed { RETRY } else { Duration::MAX };
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(pause.min(Duration::from_secs(3600))) => {}
            _ = closing.changed() => return,
        }
        if *closing.borrow() {
            return;
        }
    }
}

/// Sends every pending transcript; true when the relay failed (retry later).
async fn send_pending(
    state: &AppState,
    smtp: &SmtpOptions,
    relay: &AsyncSmtpTransport<Tokio1Executor>,
) -> bool {
    let store = state.hub.store();
    let pending = match store.pending_transcripts(50).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the transcript outbox");
            return true;
        }
    };
    for t in pending {
        let result = match transcript_mail(state, smtp, &t).await {
            Ok(mail) => relay
                .send(mail)
                .await
                .map(|_| ())
                .map_err(|e| (e.is_permanent(), e.to_string())),
            Err(e) => Err((true, e)),
        };
        let outcome = match result {
            Ok(()) => {
                tracing::info!(request = t.id, "transcript sent");
                Ok(())
            }
            Err((true, e)) => {
                tracing::warn!(request = t.id, error = %e, "transcript refused for good");
                Err(e)
            }
            Err((false, e)) => {
                tracing::warn!(request = t.id, error = %e, "transcript not sent; retrying later");
                return true;
            }
        };
        if let Err(e) = store.transcript_done(t.id, outcome).await {
            tracing::error!(error = %e, "cannot mark a transcript request");
            return true;
        }
    }
    false
}

/// The e-mail of one transcript (plain text: everything in it came from
/// visitors and operators).
async fn transcript_mail(
    state: &AppState,
    smtp: &SmtpOptions,
    t: &PendingTranscript,
) -> Result<Message, String> {
    let messages = state
        .hub
        .store()
        .messages_after(&t.session, 0)
        .await
        .map_err(|e| e.to_string())?;
    let company = state
        .config
        .companies
        .iter()
        .find(|c| c.id == t.company)
        .map_or(t.company.as_str(), |c| c.name.as_str());
    let from: Mailbox = smtp.from.parse().map_err(|e| format!("from: {e}"))?;
    let to: Mailbox = t.email.parse().map_err(|e| format!("to: {e}"))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(format!("Transcript of your chat with {company}"))
        .header(ContentType::TEXT_PLAIN)
        .body(transcript_text(company, &messages))
        .map_err(|e| e.to_string())
}

/// `HH:MM (UTC) Name: text` per message.
pub fn transcript_text(company: &str, messages: &[WireMessage]) -> String {
    let mut out = format!("Your chat with {company}:\n\n");
    for m in messages {
        let who = m.name.clone().unwrap_or_else(|| {
            match m.author {
                Author::Visitor => "You",
                Author::Operator => "Operator",
                Author::System => "System",
            }
            .to_string()
        });
        let minutes = m.at.div_euclid(60_000);
        let (h, min) = (
            minutes.div_euclid(60).rem_euclid(24),
            minutes.rem_euclid(60),
        );
        out.push_str(&format!("{h:02}:{min:02} UTC {who}: {}\n", m.text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transcript_lists_every_message_as_text() {
        let m = |seq, author, name: Option<&str>, text: &str, at| WireMessage {
            seq,
            author,
            name: name.map(Into::into),
            text: text.into(),
            at,
            client_id: None,
            bot: None,
            card: None,
            carousel: None,
        };
        let text = transcript_text(
            "Shop",
            &[
                m(
                    1,
                    Author::Visitor,
                    Some("Jana"),
                    "Hello <b>",
                    3_600_000 * 13 + 60_000 * 5,
                ),
                m(2, Author::Operator, None, "Hi", 3_600_000 * 13 + 60_000 * 6),
            ],
        );
        assert_eq!(
            text,
            "Your chat with Shop:\n\n13:05 UTC Jana: Hello <b>\n13:06 UTC Operator: Hi\n"
        );
    }
}
