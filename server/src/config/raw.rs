//! The TOML file as written by the site owner, before any validation
//! (ripgrep's "low args"): every field optional or defaulted so that
//! [`super::check`] can name exactly which key is wrong.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `[[companies]]` tables.
    #[serde(default)]
    pub companies: Vec<RawCompany>,
    /// `[limits]` table.
    #[serde(default)]
    pub limits: RawLimits,
    /// `[storage]` table.
    #[serde(default)]
    pub storage: RawStorage,
    /// `[network]` table.
    #[serde(default)]
    pub network: super::guards::RawNetwork,
    /// `[presence]` table.
    #[serde(default)]
    pub presence: super::guards::RawPresence,
    /// `[abuse]` table.
    #[serde(default)]
    pub abuse: super::guards::RawAbuse,
    /// `[smtp]` table: where transcript e-mails go (none: no transcripts).
    #[serde(default)]
    pub smtp: Option<RawSmtp>,
    /// `[broker]` table: how instances tell each other about changes.
    #[serde(default)]
    pub broker: super::broker::RawBroker,
}

/// `[smtp]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSmtp {
    /// Relay host (`localhost`).
    pub host: String,
    /// Port (default 25).
    pub port: Option<u16>,
    /// Sender, `"Shop <chat@shop.example>"` or `chat@shop.example`.
    pub from: String,
    /// Seconds one delivery may take (default 10).
    pub timeout_secs: Option<u64>,
}

/// `[storage]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    /// `"normal"` (default) or `"full"`.
    pub synchronous: Option<String>,
    /// `postgres://…`: PostgreSQL instead of SQLite.
    pub database_url: Option<String>,
}

/// `[limits]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// Longest chat message, in characters.
    pub message_max_chars: Option<usize>,
    /// Messages one visitor may send per 10 seconds.
    pub messages_per_10s: Option<u32>,
    /// Largest HTTP request body, in bytes.
    pub body_limit_bytes: Option<usize>,
    /// Seconds after which an HTTP request is answered 408.
    pub request_timeout_secs: Option<u64>,
    /// Hours an operator login stays valid without use.
    pub operator_session_hours: Option<u64>,
}

/// `[[companies]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCompany {
    /// GUID.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Origins allowed to embed the widget.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Preset used when the widget names none.
    pub default_preset: Option<String>,
    /// `[[companies.presets]]`.
    #[serde(default)]
    pub presets: Vec<RawPreset>,
    /// `[[companies.operators]]`.
    #[serde(default)]
    pub operators: Vec<RawOperator>,
    /// `[companies.connector]`: the App Plugins connector.
    #[serde(default)]
    pub connector: Option<crate::plugins::config::RawConnector>,
    /// `[[companies.bots]]`: External Bot operators (need `connector.bot_url`).
    #[serde(default)]
    pub bots: Vec<crate::bot::config::RawBot>,
    /// `[[companies.api_users]]`: logins of the External Bot's GraphQL API
    /// (`POST /oauth2/token`).
    #[serde(default)]
    pub api_users: Vec<crate::bot::config::RawApiUser>,
}

/// `[[companies.presets]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPreset {
    /// Preset name used in `init(companyId, preset)`.
    pub name: String,
    /// Operator groups whose status drives the button.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Fallback language; must be one of the preset's languages.
    pub default_language: Option<String>,
    /// ISO 3166 alpha-2 country for phone numbers without country code.
    pub phone_country: Option<String>,
    /// `primary` and `on_primary` colours.
    pub colors: Option<RawColors>,
    /// `"bottomRight"` (default) or `"bottomLeft"`.
    pub position: Option<String>,
    /// Contact forms besides the chat.
    pub features: Option<RawFeatures>,
    /// `[companies.presets.texts.<lang>]` overrides of the English defaults.
    #[serde(default)]
    pub texts: BTreeMap<String, toml::Table>,
}

/// Colours of a preset.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawColors {
    /// Button and header background, `#rrggbb`.
    pub primary: Option<String>,
    /// Text on `primary`, `#rrggbb`.
    pub on_primary: Option<String>,
}

/// Features of a preset.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeatures {
    /// Offer a callback request while busy.
    pub callback_when_busy: Option<bool>,
    /// Offer a callback request while offline.
    pub callback_when_offline: Option<bool>,
    /// Offer an offline message while offline.
    pub offline_message: Option<bool>,
    /// Keep a waiting visitor waiting when the last operator leaves.
    pub keep_waiting_when_offline: Option<bool>,
}

/// `[[companies.operators]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperator {
    /// Login name, unique within the company.
    pub username: String,
    /// Display name shown to visitors.
    pub name: Option<String>,
    /// Argon2 PHC string (`$argon2id$v=19$...`).
    pub password_hash: String,
    /// Concurrent chats.
    pub capacity: Option<u32>,
    /// Groups the operator serves.
    #[serde(default)]
    pub groups: Vec<String>,
    /// E-mail address (the `email` claim of Custom App tokens).
    #[serde(default)]
    pub email: Option<String>,
}
