//! The few texts the core draws (button labels, window title, close
//! label). The chat module reads the rest of the language's texts itself:
//! decoding all of them here would put every text and its default into
//! the first-paint wasm.

use owidget_protocol::config::en;
use owidget_web::Json;

/// Texts of the button and the window frame in the widget's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FrameTexts {
    pub button_online: String,
    pub button_busy: String,
    pub button_offline: String,
    pub button_chat: String,
    pub window_title: String,
    pub close: String,
}

impl Default for FrameTexts {
    fn default() -> Self {
        FrameTexts {
            button_online: en::button_online.into(),
            button_busy: en::button_busy.into(),
            button_offline: en::button_offline.into(),
            button_chat: en::button_chat.into(),
            window_title: en::window_title.into(),
            close: en::close.into(),
        }
    }
}

impl FrameTexts {
    /// Reads the texts object of one language; missing texts keep the
    /// English defaults, as serde's `default` does on the server side.
    pub(crate) fn decode<J: Json>(v: &J) -> FrameTexts {
        let d = FrameTexts::default();
        let get =
            |key: &str, default: String| v.get(key).and_then(|t| t.string()).unwrap_or(default);
        FrameTexts {
            button_online: get("buttonOnline", d.button_online),
            button_busy: get("buttonBusy", d.button_busy),
            button_offline: get("buttonOffline", d.button_offline),
            button_chat: get("buttonChat", d.button_chat),
            window_title: get("windowTitle", d.window_title),
            close: get("close", d.close),
        }
    }
}

#[cfg(test)]
mod tests {
    use owidget_protocol::Texts;

    use super::*;

    #[test]
    fn same_keys_and_defaults_as_the_protocol() {
        let full = Texts {
            button_online: "a".into(),
            button_busy: "b".into(),
            button_offline: "c".into(),
            window_title: "d".into(),
            close: "e".into(),
            button_chat: "f".into(),
            ..Texts::default()
        };
        let t = FrameTexts::decode(&serde_json::to_value(&full).unwrap());
        assert_eq!(
            [
                t.button_online,
                t.button_busy,
                t.button_offline,
                t.window_title,
                t.close,
                t.button_chat
            ],
            ["a", "b", "c", "d", "e", "f"]
        );
        let d = FrameTexts::decode(&serde_json::json!({}));
        let en = Texts::default();
        assert_eq!(d.button_online, en.button_online);
        assert_eq!(d.close, en.close);
        assert_eq!(d.window_title, en.window_title);
    }
}
