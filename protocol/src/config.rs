//! Widget configuration: what `connectToServer()` fetches for a preset.
//!
//! Served at `GET /api/widget/config?company=<guid>&preset=<name>`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything the widget needs to draw itself for one preset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetConfig {
    /// Company GUID (canonical lower-case form).
    pub company: String,
    /// Preset name actually served (the default preset when none was asked).
    pub preset: String,
    /// Language used when the visitor's languages match none of `texts`.
    pub default_language: String,
    /// UI texts per language code (`"en"`, `"cs"`, ...).
    pub texts: BTreeMap<String, Texts>,
    /// Colours of button and window.
    pub colors: Colors,
    /// Corner of the page where the button sits.
    pub position: Position,
    /// Which contact forms the preset offers.
    pub features: Features,
    /// ISO 3166 country used to normalize phone numbers typed without a
    /// country code (`"CZ"`).
    pub phone_country: String,
    /// Names of the operator groups whose status drives the button.
    pub groups: Vec<String>,
    /// The server's limits on what the widget sends, so that the widget
    /// refuses (or trims) exactly what the server would refuse.
    #[serde(default)]
    pub limits: WidgetLimits,
    /// The widget's heartbeat period in seconds (`[network]
    /// widget_heartbeat_secs`): after a period without any frame the widget
    /// sends `ping`; when the next period passes in silence too, the socket
    /// is dead (a network that vanished without closing it) and the widget
    /// reconnects and resumes.
    #[serde(default = "default_heartbeat_secs")]
    pub heartbeat_secs: u32,
}

/// The texts the SDK core draws (button labels, window title, close
/// label): the only texts of `GET /api/widget/config?…&part=frame`, the
/// answer the first paint waits for (the chat window module fetches the
/// whole configuration itself).
pub const FRAME_TEXTS: [&str; 6] = [
    "buttonOnline",
    "buttonBusy",
    "buttonOffline",
    "buttonChat",
    "windowTitle",
    "close",
];

impl WidgetConfig {
    /// The configuration without what only the chat window needs
    /// (`company`, `features`, `phoneCountry`, `groups`, `limits`, texts
    /// other than [`FRAME_TEXTS`]), in the language chosen for the
    /// visitor's `wishes` (most important first: see [`crate::lang`]):
    /// `part=frame`, what the SDK core decodes.
    pub fn frame(&self, wishes: &[&str]) -> FrameConfig<'_> {
        let available: Vec<&str> = self.texts.keys().map(String::as_str).collect();
        let language = crate::lang::choose(wishes, &available, &self.default_language);
        FrameConfig {
            preset: &self.preset,
            language,
            texts: self
                .texts
                .get(language)
                .map(Texts::frame)
                // No texts for the default language: the SDK's defaults.
                .unwrap_or_default(),
            colors: &self.colors,
            position: self.position,
            heartbeat_secs: self.heartbeat_secs,
        }
    }
}

impl Texts {
    /// The [`FRAME_TEXTS`] of this language, by JSON name.
    pub fn frame(&self) -> BTreeMap<&'static str, &str> {
        let values = [
            &self.button_online,
            &self.button_busy,
            &self.button_offline,
            &self.button_chat,
            &self.window_title,
            &self.close,
        ];
        FRAME_TEXTS
            .into_iter()
            .zip(values.map(String::as_str))
            .collect()
    }
}

/// [`WidgetConfig::frame`]: the same keys as [`WidgetConfig`], fewer of them
/// (the core knows the company it asked for; phone numbers are the chat
/// module's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameConfig<'a> {
    /// See [`WidgetConfig::preset`].
    pub preset: &'a str,
    /// The language chosen for the visitor (a key of
    /// [`WidgetConfig::texts`], else [`WidgetConfig::default_language`]).
    pub language: &'a str,
    /// The [`FRAME_TEXTS`] of `language`.
    pub texts: BTreeMap<&'static str, &'a str>,
    /// See [`WidgetConfig::colors`].
    pub colors: &'a Colors,
    /// See [`WidgetConfig::position`].
    pub position: Position,
    /// See [`WidgetConfig::heartbeat_secs`].
    pub heartbeat_secs: u32,
}

fn default_heartbeat_secs() -> u32 {
    25
}

/// Limits on what a widget sends. Every length is counted in Unicode
/// characters (scalar values, Rust's `chars()`), on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetLimits {
    /// Longest chat message.
    pub message_max_chars: usize,
    /// Longest `pageUrl` (the widget sends `location.href` trimmed to it).
    pub page_url_max_chars: usize,
    /// Most `customData` keys.
    pub custom_data_max_keys: usize,
    /// Longest `customData` key.
    pub custom_data_key_max_chars: usize,
    /// Longest `customData` value.
    pub custom_data_value_max_chars: usize,
    /// All `customData` keys and values together.
    pub custom_data_total_max_chars: usize,
}

impl Default for WidgetLimits {
    fn default() -> Self {
        WidgetLimits {
            message_max_chars: 2000,
            page_url_max_chars: 2048,
            custom_data_max_keys: 50,
            custom_data_key_max_chars: 100,
            custom_data_value_max_chars: 1000,
            custom_data_total_max_chars: 4000,
        }
    }
}

/// Colours, as CSS hex colours (`#rrggbb`); the server validates them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Colors {
    /// Button and header background.
    pub primary: String,
    /// Text drawn on `primary`.
    pub on_primary: String,
}

impl Default for Colors {
    fn default() -> Self {
        Colors {
            primary: "#1f6feb".into(),
            on_primary: "#ffffff".into(),
        }
    }
}

/// Corner of the page for the button and window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Position {
    /// Bottom right corner (default).
    #[default]
    BottomRight,
    /// Bottom left corner.
    BottomLeft,
}

/// Contact forms a preset offers besides the live chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Features {
    /// Offer "call me back" when the status is busy (2).
    pub callback_when_busy: bool,
    /// Offer "call me back" when the status is offline (0).
    pub callback_when_offline: bool,
    /// Offer an offline message (email + text) when the status is offline (0).
    pub offline_message: bool,
    /// A visitor waiting in the queue when the last operator leaves keeps
    /// waiting (told so) instead of being offered the offline message.
    #[serde(default)]
    pub keep_waiting_when_offline: bool,
    /// The server e-mails transcripts (it has `[smtp]`): the ended chat
    /// offers the transcript field. Set by the server, not per preset.
    #[serde(default)]
    pub transcript: bool,
}

impl Default for Features {
    fn default() -> Self {
        Features {
            callback_when_busy: true,
            callback_when_offline: false,
            offline_message: true,
            keep_waiting_when_offline: false,
            transcript: false,
        }
    }
}

macro_rules! texts {
    ($($(#[$doc:meta])* $field:ident = $en:expr;)*) => {
        /// UI texts of one language. Missing keys in the server's config
        /// fall back to English. `{n}`, `{name}`, `{phone}` are placeholders.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", default)]
        pub struct Texts {
            $($(#[$doc])* pub $field: String,)*
        }

        impl Default for Texts {
            fn default() -> Self {
                Texts { $($field: en::$field.into(),)* }
            }
        }

        /// The English default of every text, one constant per field: a
        /// module that shows only a few texts links only those strings.
        #[allow(non_upper_case_globals)]
        pub mod en {
            $($(#[$doc])* pub const $field: &str = $en;)*
        }

        impl Texts {
            /// Sets the text whose JSON name (camelCase) is `key`; false for
            /// an unknown key. Lets the wasm widget read texts without
            /// serde's deserializer, which would cost most of its size budget.
            pub fn set(&mut self, key: &str, value: String) -> bool {
                $(if snake_matches_camel(stringify!($field), key) {
                    self.$field = value;
                    return true;
                })*
                false
            }
        }
    };
}

/// `button_online` matches `buttonOnline`.
fn snake_matches_camel(snake: &str, camel: &str) -> bool {
    let mut camel = camel.bytes();
    let mut upper = false;
    for b in snake.bytes() {
        if b == b'_' {
            upper = true;
            continue;
        }
        let want = if upper { b.to_ascii_uppercase() } else { b };
        upper = false;
        if camel.next() != Some(want) {
            return false;
        }
    }
    camel.next().is_none()
}

texts! {
    /// Button label while online.
    button_online = "Chat with us";
    /// Button label while busy.
    button_busy = "All operators are busy";
    /// Button label while offline.
    button_offline = "We are offline";
    /// Button label while the visitor has a chat (waiting or with an
    /// operator), whatever the status.
    button_chat = "Your chat";
    /// Chat window title.
    window_title = "Chat";
    /// Label of the close button of the window.
    close = "Close chat window";
    /// Placeholder of the message box.
    message_placeholder = "Write a message…";
    /// Send button.
    send = "Send";
    /// Shown while waiting in the queue.
    waiting = "Waiting for an operator…";
    /// Place in the queue, `{n}` is 1-based.
    queue_position = "Your place in the queue: {n}";
    /// An operator accepted the chat.
    operator_joined = "{name} joined the chat";
    /// Operator typing indicator.
    typing = "{name} is typing…";
    /// The chat is over.
    chat_ended = "The chat has ended.";
    /// Button to end the chat.
    end_chat = "End chat";
    /// Button to start another chat.
    new_chat = "Start a new chat";
    /// Delivered mark of a visitor message.
    delivered = "Delivered";
    /// Read mark of a visitor message.
    read = "Read";
    /// Label of the transcript e-mail field.
    transcript_email = "Send me the transcript";
    /// Confirmation after asking for a transcript.
    transcript_sent = "The transcript will be sent to your e-mail.";
    /// Offline form title.
    offline_title = "Leave us a message";
    /// E-mail field label.
    email = "E-mail";
    /// Message field label.
    message = "Message";
    /// Submit button of forms.
    submit = "Send";
    /// Confirmation after an offline message.
    offline_sent = "Thank you, we will get back to you.";
    /// Callback form title.
    callback_title = "Call me back";
    /// Name field label.
    name = "Name";
    /// Phone field label.
    phone = "Phone number";
    /// Invalid phone number.
    invalid_phone = "Please enter a valid phone number.";
    /// Invalid e-mail address.
    invalid_email = "Please enter a valid e-mail address.";
    /// Confirmation after a callback request, `{phone}` is the normalized number.
    callback_sent = "We will call you at {phone}.";
    /// Connection lost.
    disconnected = "Connection lost, reconnecting…";
    /// A visitor waits in the queue and the last operator left.
    nobody_left = "No operator is available any more. Leave us a message and we will answer by e-mail.";
    /// The same, when the preset keeps the visitor waiting.
    still_waiting = "No operator is available right now. Please wait: you keep your place in the queue.";
    /// Generic failure of a send (the text stays in the message box).
    send_failed = "The message could not be sent.";
    /// A message over the length limit (`{max}` characters).
    too_long = "The message is too long: at most {max} characters.";
    /// Link of a product card (a product the operator shared).
    view_product = "View product";
    /// Availability of a product card: in stock.
    in_stock = "In stock";
    /// Availability of a product card: out of stock.
    out_of_stock = "Out of stock";
    /// Said by screen readers before the struck-through catalog price of a
    /// product card on offer.
    original_price = "Original price";
}
