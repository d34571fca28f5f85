//! Offline messages, callback requests and transcript requests from the
//! widget: validated here, stored, then announced to the desks.

use owidget_protocol::desk::DeskEvent;
use owidget_protocol::widget::StoredKind;
use owidget_protocol::{ErrorCode, ServerMessage};

use super::socket::{error, Conn};
use crate::bus::ContactKind;
use crate::limits::{check_text, is_email};
use crate::storage::{NewCallback, NewOffline};

/// Longest input handed to the phone parser. The longest valid
/// international number is 15 digits; this leaves room for separators and
/// keeps the metadata regexes away from kilobytes of digits.
const PHONE_MAX_CHARS: usize = 64;

/// Re-validates a phone number the widget already normalized, for the
/// preset's default `country` (ISO 3166 alpha-2), with the same
/// `owidget-phone` crate the widget runs as wasm, so both sides agree on
/// what is valid. Returns the number in international format as stored
/// (`777 666 555` in CZ → `+420 777 666 555`), or the reason it was refused.
///
/// The widget's custom normalization (`setCustomNumberNormalization`) may
/// send any format; the server still stores only what the default
/// normalization accepts, in its canonical form, so the desk and every
/// `tel:` link get one format.
pub fn validate_phone(raw: &str, country: &str) -> Result<String, String> {
    if raw.chars().count() > PHONE_MAX_CHARS {
        return Err("phone number is too long".into());
    }
    owidget_phone::normalize(raw, country).map_err(|e| {
        if let owidget_phone::PhoneError::UnknownCountry(_) = e {
            // A configuration problem, not the visitor's: every callback of
            // the preset fails until the preset's phone_country is fixed.
            tracing::warn!(
                country,
                "preset phone_country is unknown to the phone metadata"
            );
        }
        e.to_string()
    })
}

fn field(name: &str, value: &str, max: usize) -> Result<(), ServerMessage> {
    if value.chars().count() > max {
        return Err(error(ErrorCode::Invalid, format!("{name} is too long")));
    }
    Ok(())
}

impl Conn {
    /// `offlineMessage`: e-mail + text, stored and shown in the desk.
    pub(super) async fn offline_message(
        &mut self,
        email: String,
        text: String,
        language: String,
        page_url: String,
    ) -> Result<Vec<ServerMessage>, ServerMessage> {
        self.admit()?;
        let email = email.trim().to_string();
        if !is_email(&email) {
            return Err(error(ErrorCode::Invalid, "invalid e-mail address"));
        }
        check_text(&text, self.state.config.limits.message_max_chars)
            .map_err(super::socket::text_error)?;
        self.check_page(&language, &page_url)?;
        let preset = self.preset_cfg();
        let stored = self
            .state
            .hub
            .store()
            .insert_offline(NewOffline {
                company: self.company_cfg().id.clone(),
                preset: preset.name.clone(),
                email,
                text,
                language,
                page_url,
            })
            .await
            .map_err(super::socket::hub_error)?;
        let id = stored.id;
        let event = DeskEvent::OfflineMessage { message: stored };
        Ok(self.announce(ContactKind::OfflineMessage, id, event, None))
    }

    /// `callbackRequest`: name + phone, stored and shown in the desk.
    pub(super) async fn callback_request(
        &mut self,
        name: String,
        phone: String,
        language: String,
        page_url: String,
    ) -> Result<Vec<ServerMessage>, ServerMessage> {
        self.admit()?;
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(error(ErrorCode::Invalid, "the name is empty"));
        }
        field("name", &name, 200)?;
        self.check_page(&language, &page_url)?;
        let preset = self.preset_cfg();
        let phone = validate_phone(&phone, &preset.widget.phone_country)
            .map_err(|m| error(ErrorCode::Invalid, m))?;
        let stored = self
            .state
            .hub
            .store()
            .insert_callback(NewCallback {
                company: self.company_cfg().id.clone(),
                preset: preset.name.clone(),
                name,
                phone: phone.clone(),
                language,
                page_url,
            })
            .await
            .map_err(super::socket::hub_error)?;
        let id = stored.id;
        let event = DeskEvent::CallbackRequest { request: stored };
        Ok(self.announce(ContactKind::CallbackRequest, id, event, Some(phone)))
    }

    /// `transcript`: stores the request for the current or just-ended chat.
    pub(super) async fn transcript(
        &mut self,
        email: String,
    ) -> Result<Vec<ServerMessage>, ServerMessage> {
        self.admit()?;
        if self.state.config.smtp.is_none() {
            // No false promise: without [smtp] nothing would be sent.
            return Err(error(
                ErrorCode::Invalid,
                "this server sends no transcripts (no [smtp] configured)",
            ));
        }
        let email = email.trim().to_string();
        if !is_email(&email) {
            return Err(error(ErrorCode::Invalid, "invalid e-mail address"));
        }
        let id = self
            .session
            .clone()
            .or_else(|| self.ended.clone())
            .ok_or_else(|| error(ErrorCode::NoSession, "no chat to send"))?;
        self.state
            .hub
            .store()
            .insert_transcript(&id, &email)
            .await
            .map_err(super::socket::hub_error)?;
        self.state.mail.notify_one();
        Ok(vec![ServerMessage::Stored {
            kind: StoredKind::Transcript,
            phone: None,
        }])
    }

    /// The widget's language and page URL, within their limits.
    fn check_page(&self, language: &str, page_url: &str) -> Result<(), ServerMessage> {
        field("language", language, 35)?;
        let max = self.preset_cfg().widget.limits.page_url_max_chars;
        field("pageUrl", page_url, max)
    }

    /// Row `id` of `kind` is stored: tells the desks of the operators
    /// serving this preset's groups, on every instance, and answers the
    /// widget `stored` (with the number as stored, for a callback).
    fn announce(
        &self,
        kind: ContactKind,
        id: i64,
        event: DeskEvent,
        phone: Option<String>,
    ) -> Vec<ServerMessage> {
        let groups = &self.preset_cfg().widget.groups;
        self.state
            .hub
            .announce_contact(self.company, groups, kind, id, event);
        let kind = match kind {
            ContactKind::OfflineMessage => StoredKind::OfflineMessage,
            ContactKind::CallbackRequest => StoredKind::CallbackRequest,
        };
        vec![ServerMessage::Stored { kind, phone }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_rule() {
        assert_eq!(
            validate_phone(" +420 777 666 555 ", "CZ").unwrap(),
            "+420 777 666 555"
        );
        assert_eq!(
            validate_phone("777-666-555", "CZ").unwrap(),
            "+420 777 666 555"
        );
        assert_eq!(
            validate_phone("", "CZ").unwrap_err(),
            "no phone number given"
        );
        assert_eq!(
            validate_phone("12345", "CZ").unwrap_err(),
            "not a valid phone number"
        );
        assert!(validate_phone("+420-777", "CZ").is_err());
        assert!(validate_phone("<script>", "CZ")
            .unwrap_err()
            .contains("unexpected character"));
        assert_eq!(
            validate_phone(&"7".repeat(65), "CZ").unwrap_err(),
            "phone number is too long"
        );
        assert!(validate_phone("777 666 555", "XX")
            .unwrap_err()
            .contains("unknown default country"));
    }
}
