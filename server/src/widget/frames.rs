//! Error and status frames of the widget socket.

use owidget_protocol::{ErrorCode, ServerMessage};

use crate::limits::TextError;
use crate::Error;

pub(super) fn check_len(field: &str, value: &str, max: usize) -> Result<(), ServerMessage> {
    if value.chars().count() > max {
        return Err(error(ErrorCode::Invalid, format!("{field} is too long")));
    }
    Ok(())
}

/// `customData` within the published limits, counted in characters as the
/// widget counts them.
pub(super) fn check_custom_data(
    data: &std::collections::BTreeMap<String, String>,
    lim: &owidget_protocol::WidgetLimits,
) -> Result<(), ServerMessage> {
    let mut total = 0;
    for (k, v) in data {
        let (kn, vn) = (k.chars().count(), v.chars().count());
        if kn > lim.custom_data_key_max_chars || vn > lim.custom_data_value_max_chars {
            return Err(error(
                ErrorCode::Invalid,
                format!(
                    "customData keys may have {} and values {} characters",
                    lim.custom_data_key_max_chars, lim.custom_data_value_max_chars
                ),
            ));
        }
        total += kn + vn;
    }
    if data.len() > lim.custom_data_max_keys || total > lim.custom_data_total_max_chars {
        return Err(error(
            ErrorCode::Invalid,
            format!(
                "customData may have {} keys and {} characters in all",
                lim.custom_data_max_keys, lim.custom_data_total_max_chars
            ),
        ));
    }
    Ok(())
}

pub(super) fn error(code: ErrorCode, message: impl Into<String>) -> ServerMessage {
    ServerMessage::Error {
        code,
        message: message.into(),
        client_id: None,
    }
}

/// `error` naming the refused `send` by its `clientId`: the widget keeps
/// that text for the visitor instead of waiting for an `ack`.
pub(super) fn refused(client_id: &str, mut e: ServerMessage) -> ServerMessage {
    if let ServerMessage::Error { client_id: c, .. } = &mut e {
        *c = Some(client_id.to_string());
    }
    e
}

pub(super) fn no_session() -> ServerMessage {
    error(ErrorCode::NoSession, "no chat is open")
}

/// Maps a refused text to the widget's error frame.
pub(super) fn text_error(e: TextError) -> ServerMessage {
    match e {
        TextError::Empty => error(ErrorCode::Invalid, e.to_string()),
        TextError::TooLong(_) => error(ErrorCode::TooLong, e.to_string()),
    }
}

/// Maps a hub error to the widget's error frame.
pub(super) fn hub_error(e: Error) -> ServerMessage {
    match e {
        Error::Unavailable(m) => error(ErrorCode::Unavailable, m),
        Error::NotFound(m) => error(ErrorCode::NoSession, m),
        Error::BadRequest(m) | Error::Conflict(m) | Error::Forbidden(m) => {
            error(ErrorCode::Invalid, m)
        }
        Error::TooManyRequests(m) | Error::RetryAfter(m, _) => error(ErrorCode::RateLimited, m),
        e => {
            tracing::error!(error = %e, "widget request failed");
            error(ErrorCode::Internal, "internal error, try again")
        }
    }
}
