//! Server → core: the widget configuration and the `status` frame, from
//! JSON parsed by the browser. Optional configuration parts fall back to
//! the protocol's defaults, as serde's `#[serde(default)]` does.

use owidget_protocol::{ButtonStatus, Colors, Position};
use owidget_web::Json;

fn string<J: Json>(v: &J, key: &str) -> Option<String> {
    v.get(key)?.string()
}

/// What a socket frame is for the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A valid `status` frame.
    Status(ButtonStatus),
    /// A `status` frame the widget cannot read (ignored).
    BadStatus,
    /// Any other frame: for the chat window (which ignores the `pong`
    /// of the heartbeat: any frame counts as a sign of life).
    Chat,
}

/// Sorts a socket frame.
pub(crate) fn frame<J: Json>(v: &J) -> Frame {
    if string(v, "type").as_deref() != Some("status") {
        return Frame::Chat;
    }
    let code = v.get("status").and_then(|s| s.number());
    match code.filter(|n| n.fract() == 0.0 && (0.0..=2.0).contains(n)) {
        Some(n) => ButtonStatus::from_code(n as u8).map_or(Frame::BadStatus, Frame::Status),
        None => Frame::BadStatus,
    }
}

/// The parts of a [`owidget_protocol::WidgetConfig`] the core uses, as
/// `part=frame` serves them ([`owidget_protocol::config::FrameConfig`]).
pub(crate) struct Preset<J> {
    /// Preset name actually served.
    pub name: String,
    /// The language the server chose with the visitor's wishes.
    pub language: String,
    /// The frame texts of `language`, undecoded.
    pub texts: Option<J>,
    /// Button and header colours.
    pub colors: Colors,
    /// Corner of the page.
    pub position: Position,
    /// Heartbeat period (`heartbeatSecs`), in milliseconds.
    pub heartbeat_ms: u32,
}

/// Decodes the widget configuration.
pub(crate) fn preset<J: Json>(v: &J) -> Option<Preset<J>> {
    let colors = v.get("colors");
    let color = |key: &str| colors.as_ref().and_then(|c| string(c, key));
    let default_colors = Colors::default();
    Some(Preset {
        name: string(v, "preset")?,
        language: string(v, "language")?,
        texts: v.get("texts"),
        colors: Colors {
            primary: color("primary").unwrap_or(default_colors.primary),
            on_primary: color("onPrimary").unwrap_or(default_colors.on_primary),
        },
        position: match string(v, "position").as_deref() {
            Some("bottomLeft") => Position::BottomLeft,
            _ => Position::BottomRight,
        },
        // A float cast saturates: 0, negative or NaN turn the heartbeat
        // off, never into a hot loop.
        heartbeat_ms: v
            .get("heartbeatSecs")
            .and_then(|s| s.number())
            .map_or(25_000, |s| (s * 1000.0) as u32),
    })
}

/// The `message` of an HTTP error body, if it has one.
pub(crate) fn error_message<J: Json>(v: &J) -> Option<String> {
    string(v, "message")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use owidget_protocol::{Features, ServerMessage, Texts, WidgetConfig};
    use serde_json::{json, Value};

    use super::*;

    #[test]
    fn status_frames_like_serde() {
        for status in [
            ButtonStatus::Offline,
            ButtonStatus::Online,
            ButtonStatus::Busy,
        ] {
            let v = serde_json::to_value(ServerMessage::Status {
                status,
                at: Some(1_764_547_200_123),
            })
            .unwrap();
            assert_eq!(frame(&v), Frame::Status(status));
        }
        for v in [
            json!({"type": "status", "status": 3}),
            json!({"type": "status", "status": 1.5}),
            json!({"type": "status", "status": -1}),
            json!({"type": "status"}),
        ] {
            assert_eq!(frame(&v), Frame::BadStatus, "{v}");
        }
        assert_eq!(frame(&json!({"type": "queue", "position": 1})), Frame::Chat);
        assert_eq!(frame(&json!("status")), Frame::Chat);
    }

    #[test]
    fn decodes_a_full_config() {
        let mut texts = BTreeMap::new();
        let cs = Texts {
            button_online: "Napište nám".into(),
            ..Texts::default()
        };
        texts.insert("cs".to_string(), cs);
        texts.insert("en".to_string(), Texts::default());
        let config = WidgetConfig {
            company: "5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51".into(),
            preset: "default".into(),
            default_language: "en".into(),
            texts,
            colors: Colors {
                primary: "#112233".into(),
                on_primary: "#ffffff".into(),
            },
            position: Position::BottomLeft,
            features: Features::default(),
            phone_country: "CZ".into(),
            groups: vec!["support".into()],
            limits: Default::default(),
            heartbeat_secs: 7,
        };
        let v = serde_json::to_value(config.frame(&["cs-CZ", "en"])).unwrap();
        let p = preset(&v).unwrap();
        assert_eq!(p.name, "default");
        assert_eq!(p.language, "cs");
        assert_eq!(p.colors, config.colors);
        assert_eq!(p.position, config.position);
        assert_eq!(p.heartbeat_ms, 7_000);
        let texts = crate::texts::FrameTexts::decode(&p.texts.unwrap());
        assert_eq!(texts.button_online, "Napište nám");
    }

    #[test]
    fn config_defaults_like_serde() {
        let v: Value = json!({
            "preset": "p", "language": "en",
            "texts": {"buttonOnline": "Hi"},
            "colors": {}
        });
        let p = preset(&v).unwrap();
        assert_eq!(p.colors, Colors::default());
        assert_eq!(p.position, Position::BottomRight);
        assert!(preset(&json!({"preset": "p"})).is_none());
        assert_eq!(
            error_message(&json!({"message": "no"})).as_deref(),
            Some("no")
        );
    }
}
