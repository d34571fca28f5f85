//! Offline messages, callback requests and transcript requests from the
//! widget: validated here, stored, then announced to the desks.

use owidget_protocol::desk::DeskEvent;
use owidget_protocol::widget::StoredKind;
use owidget_protocol::{ErrorCode, ServerMessage};

use super::socket::{error, Conn};
use crate::limits::{check_text, is_email};
use crate::storage::{NewCallback, NewOffline};

/// Re-validates a phone number the widget already normalized, for the
/// preset's default `country` (ISO 3166 alpha-2). Returns the number as
/// stored, or a reason.
///
/// Current rule: non-empty, at most 32 characters, only `+`, digits and
/// spaces, at least 6 digits. The phone engineer replaces this body with
/// `owidget_phone::normalize(raw, country)`.
pub fn validate_phone(raw: &str, country: &str) -> Result<String, String> {
    let _ = country;
    let phone = raw.trim();
    if phone.is_empty() {
        return Err("the phone number is empty".into());
    }
    if phone.len() > 32
        || !phone
            .chars()
            .all(|c| c.is_ascii_digit() || c == '+' || c == ' ')
    {
        return Err("the phone number may contain only +, digits and spaces".into());
    }
    if phone.chars().filter(char::is_ascii_digit).count() < 6 {
        return Err("the phone number is too short".into());
    }
    Ok(phone.to_string())
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
        field("language", &language, 35)?;
        field("pageUrl", &page_url, 2048)?;
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
        let groups = preset.widget.groups.clone();
        self.state.hub.notify_groups(
            self.company,
            &groups,
            DeskEvent::OfflineMessage { message: stored },
        );
        Ok(vec![ServerMessage::Stored {
            kind: StoredKind::OfflineMessage,
            phone: None,
        }])
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
        field("language", &language, 35)?;
        field("pageUrl", &page_url, 2048)?;
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
        let groups = preset.widget.groups.clone();
        self.state.hub.notify_groups(
            self.company,
            &groups,
            DeskEvent::CallbackRequest { request: stored },
        );
        Ok(vec![ServerMessage::Stored {
            kind: StoredKind::CallbackRequest,
            phone: Some(phone),
        }])
    }

    /// `transcript`: stores the request for the current or just-ended chat.
    pub(super) async fn transcript(
        &mut self,
        email: String,
    ) -> Result<Vec<ServerMessage>, ServerMessage> {
        self.admit()?;
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
        Ok(vec![ServerMessage::Stored {
            kind: StoredKind::Transcript,
            phone: None,
        }])
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
        assert!(validate_phone("", "CZ").is_err());
        assert!(validate_phone("+420-777", "CZ").is_err());
        assert!(validate_phone("12345", "CZ").is_err());
        assert!(validate_phone("<script>", "CZ").is_err());
    }
}
