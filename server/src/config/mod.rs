//! Server configuration: the TOML file (or the built-in demo) turned into a
//! checked [`Config`] in two explicit steps, as ripgrep does with its
//! arguments: [`raw::RawConfig`] is whatever serde could read, [`check`]
//! validates it and names the offending key (`companies[0].presets[1].colors.primary`)
//! in its error. Everything else in the server sees only checked values.
//! Every key is documented in the README, section "Server flags and configuration".

pub mod broker;
pub mod guards;
mod options;
mod origin;
pub mod raw;
mod texts;

use std::collections::{BTreeMap, HashSet};

use owidget_protocol::{normalize_guid, Colors, Features, Position, WidgetConfig};

pub use guards::{Abuse, Network, Presence};
pub use options::{check_database_url, Limits, SmtpOptions, StorageOptions};
use options::{check_limits, check_smtp, check_storage};
pub use origin::OriginRule;
use raw::{RawCompany, RawConfig, RawOperator, RawPreset};

use crate::{Error, Result};

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Companies, in file order.
    pub companies: Vec<Company>,
    /// Limits on visitors and requests.
    pub limits: Limits,
    /// Durability of the database.
    pub storage: StorageOptions,
    /// `[network]`: send deadlines, HTTP timeouts, connection caps, heartbeats.
    pub network: Network,
    /// `[presence]`: operators away without a desk, expiry of ghost chats.
    pub presence: Presence,
    /// `[abuse]`: login and chat-start throttles, queue cap.
    pub abuse: Abuse,
    /// Where transcript e-mails go; `None`: the widget offers none.
    pub smtp: Option<SmtpOptions>,
    /// `[broker] url` (or `--broker`): the bus between instances.
    pub broker: crate::bus::Broker,
}

/// One company (tenant).
#[derive(Debug, Clone)]
pub struct Company {
    /// Canonical GUID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Origins allowed to open widget sockets and read the config.
    pub origins: Vec<OriginRule>,
    /// Name of the preset used when the widget names none.
    pub default_preset: String,
    /// Presets (at least one).
    pub presets: Vec<Preset>,
    /// Operators.
    pub operators: Vec<Operator>,
    /// The App Plugins connector, if the company declares one.
    pub connector: Option<crate::plugins::config::ConnectorConfig>,
    /// External Bot operators; each is also in `operators` (with `bot`).
    pub bots: Vec<crate::bot::config::BotConfig>,
    /// API users of the External Bot's GraphQL API.
    pub api_users: Vec<crate::bot::config::ApiUser>,
}

/// One widget preset.
#[derive(Debug, Clone)]
pub struct Preset {
    /// Preset name.
    pub name: String,
    /// What `GET /api/widget/config` serves for it.
    pub widget: WidgetConfig,
}

/// One operator account.
#[derive(Debug, Clone)]
pub struct Operator {
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Concurrent chats.
    pub capacity: u32,
    /// Groups served.
    pub groups: Vec<String>,
    /// An External Bot (`[[companies.bots]]`): no login, no desk, no
    /// presence decay; its availability comes from the bot app.
    pub bot: bool,
    /// E-mail address, if configured.
    pub email: Option<String>,
}

impl Config {
    /// Parses and checks a TOML document.
    pub fn from_toml(text: &str) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        check(raw)
    }

    /// The company with this GUID (any case, braces allowed).
    pub fn company(&self, guid: &str) -> Option<&Company> {
        let id = normalize_guid(guid)?;
        self.companies.iter().find(|c| c.id == id)
    }
}

impl Company {
    /// The named preset, or the default preset for `None`.
    pub fn preset(&self, name: Option<&str>) -> Option<&Preset> {
        let name = name.unwrap_or(&self.default_preset);
        self.presets.iter().find(|p| p.name == name)
    }

    /// True when a page of `origin` may embed this company's widget.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins.iter().any(|r| r.matches(origin))
    }

    /// The operator with this login name.
    pub fn operator(&self, username: &str) -> Option<&Operator> {
        self.operators.iter().find(|o| o.username == username)
    }
}

impl Operator {
    /// True when the operator serves one of `groups`.
    pub fn serves(&self, groups: &[String]) -> bool {
        self.groups.iter().any(|g| groups.contains(g))
    }
}

fn bad(key: &str, why: impl std::fmt::Display) -> Error {
    Error::Config(format!("{key}: {why}"))
}

/// Step two: raw file → checked [`Config`], or an error naming the key.
pub fn check(raw: RawConfig) -> Result<Config> {
    if raw.companies.is_empty() {
        return Err(bad(
            "companies",
            "at least one [[companies]] table is needed",
        ));
    }
    let limits = check_limits(raw.limits)?;
    let smtp = raw.smtp.map(check_smtp).transpose()?;
    let storage = check_storage(raw.storage)?;
    let network = guards::check_network(raw.network)?;
    let presence = guards::check_presence(raw.presence)?;
    let abuse = guards::check_abuse(raw.abuse)?;
    let broker = broker::check(raw.broker)?;
    if network.idle_timeout <= limits.request_timeout {
        return Err(bad(
            "network.idle_timeout_secs",
            "must be longer than limits.request_timeout_secs (a slow request is not idle)",
        ));
    }
    let mut seen = HashSet::new();
    let mut companies = Vec::new();
    for (i, c) in raw.companies.into_iter().enumerate() {
        let mut company = check_company(&format!("companies[{i}]"), c)?;
        for p in &mut company.presets {
            // The transcript field only where a transcript will be sent.
            p.widget.features.transcript = smtp.is_some();
        }
        if !seen.insert(company.id.clone()) {
            return Err(bad(&format!("companies[{i}].id"), "duplicate company id"));
        }
        for (j, u) in company.api_users.iter().enumerate() {
            // `POST /oauth2/token` names no company: a username is global.
            if companies
                .iter()
                .flat_map(|c: &Company| c.api_users.iter())
                .chain(company.api_users[..j].iter())
                .any(|q| q.username == u.username)
            {
                return Err(bad(
                    &format!("companies[{i}].api_users[{j}].username"),
                    "duplicate API username (they are unique across companies)",
                ));
            }
        }
        companies.push(company);
    }
    // One set of limits, published in every preset's widget config and
    // enforced by the server with the same numbers (issue 10, item 9).
    let published = owidget_protocol::WidgetLimits {
        message_max_chars: limits.message_max_chars,
        ..Default::default()
    };
    for p in companies.iter_mut().flat_map(|c| c.presets.iter_mut()) {
        p.widget.limits = published.clone();
        p.widget.heartbeat_secs = network.widget_heartbeat.as_secs() as u32;
    }
    Ok(Config {
        companies,
        limits,
        storage,
        network,
        presence,
        abuse,
        smtp,
        broker,
    })
}

fn check_company(key: &str, raw: RawCompany) -> Result<Company> {
    let id = normalize_guid(&raw.id)
        .ok_or_else(|| bad(&format!("{key}.id"), format!("{:?} is not a GUID", raw.id)))?;
    let mut origins = Vec::new();
    for (i, o) in raw.allowed_origins.iter().enumerate() {
        origins.push(
            OriginRule::parse(o).map_err(|e| bad(&format!("{key}.allowed_origins[{i}]"), e))?,
        );
    }
    if raw.presets.is_empty() {
        return Err(bad(
            &format!("{key}.presets"),
            "at least one preset is needed",
        ));
    }
    let mut presets: Vec<Preset> = Vec::new();
    for (i, p) in raw.presets.into_iter().enumerate() {
        let k = format!("{key}.presets[{i}]");
        let preset = check_preset(&k, &id, p)?;
        if presets.iter().any(|q| q.name == preset.name) {
            return Err(bad(&format!("{k}.name"), "duplicate preset name"));
        }
        presets.push(preset);
    }
    let default_preset = match raw.default_preset {
        Some(d) if presets.iter().any(|p| p.name == d) => d,
        Some(d) => {
            return Err(bad(
                &format!("{key}.default_preset"),
                format!("no preset named {d:?}"),
            ))
        }
        None => presets[0].name.clone(),
    };
    let mut operators: Vec<Operator> = Vec::new();
    for (i, o) in raw.operators.into_iter().enumerate() {
        let k = format!("{key}.operators[{i}]");
        let op = check_operator(&k, o)?;
        if operators.iter().any(|q| q.username == op.username) {
            return Err(bad(&format!("{k}.username"), "duplicate username"));
        }
        operators.push(op);
    }
    let connector = raw
        .connector
        .map(|c| crate::plugins::config::check(&format!("{key}.connector"), c))
        .transpose()?;
    let mut bots = Vec::new();
    for (i, b) in raw.bots.into_iter().enumerate() {
        let k = format!("{key}.bots[{i}]");
        if connector
            .as_ref()
            .and_then(|c| c.bot_url.as_ref())
            .is_none()
        {
            return Err(bad(&k, "a bot needs [companies.connector] with bot_url"));
        }
        let bot = crate::bot::config::check(&k, b)?;
        if operators.iter().any(|q| q.username == bot.id_operator) {
            return Err(bad(
                &format!("{k}.id_operator"),
                "is also the username of an operator",
            ));
        }
        operators.push(bot.operator());
        bots.push(bot);
    }
    let api_users = raw
        .api_users
        .into_iter()
        .enumerate()
        .map(|(i, u)| crate::bot::config::check_api_user(&format!("{key}.api_users[{i}]"), u))
        .collect::<Result<Vec<_>>>()?;
    if !api_users.is_empty() && bots.is_empty() {
        return Err(bad(
            &format!("{key}.api_users"),
            "API users send as the company's bots: declare [[companies.bots]] too",
        ));
    }
    Ok(Company {
        connector,
        bots,
        api_users,
        name: raw.name.unwrap_or_else(|| id.clone()),
        id,
        origins,
        default_preset,
        presets,
        operators,
    })
}

fn is_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn check_preset(key: &str, company: &str, raw: RawPreset) -> Result<Preset> {
    if raw.name.is_empty() || raw.name.len() > 64 {
        return Err(bad(&format!("{key}.name"), "must be 1 to 64 characters"));
    }
    if raw.groups.is_empty() {
        return Err(bad(
            &format!("{key}.groups"),
            "name at least one operator group",
        ));
    }
    let mut texts = BTreeMap::new();
    for (lang, table) in raw.texts {
        let k = format!("{key}.texts.{lang}");
        if lang.is_empty() || !lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(bad(&k, "language code must be like \"en\" or \"pt-BR\""));
        }
        texts.insert(lang, texts::merge(&k, table)?);
    }
    if texts.is_empty() {
        texts.insert("en".to_string(), Default::default());
    }
    let default_language = match raw.default_language {
        Some(l) if texts.contains_key(&l) => l,
        Some(l) => {
            return Err(bad(
                &format!("{key}.default_language"),
                format!("{l:?} has no [texts.{l}] table in this preset"),
            ))
        }
        None if texts.contains_key("en") => "en".to_string(),
        None => texts.keys().next().cloned().unwrap_or_default(),
    };
    let phone_country = raw
        .phone_country
        .unwrap_or_else(|| "CZ".into())
        .to_ascii_uppercase();
    if phone_country.len() != 2 || !phone_country.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(bad(
            &format!("{key}.phone_country"),
            "must be an ISO 3166 alpha-2 code like \"CZ\"",
        ));
    }
    let mut colors = Colors::default();
    if let Some(c) = raw.colors {
        for (name, value, slot) in [
            ("primary", c.primary, &mut colors.primary),
            ("on_primary", c.on_primary, &mut colors.on_primary),
        ] {
            if let Some(v) = value {
                if !is_color(&v) {
                    return Err(bad(
                        &format!("{key}.colors.{name}"),
                        format!("{v:?} is not #rrggbb"),
                    ));
                }
                *slot = v.to_ascii_lowercase();
            }
        }
    }
    let position = match raw.position.as_deref() {
        None | Some("bottomRight") | Some("bottom_right") => Position::BottomRight,
        Some("bottomLeft") | Some("bottom_left") => Position::BottomLeft,
        Some(p) => {
            return Err(bad(
                &format!("{key}.position"),
                format!("{p:?} is not \"bottomRight\" or \"bottomLeft\""),
            ))
        }
    };
    let mut features = Features::default();
    if let Some(f) = raw.features {
        features.callback_when_busy = f.callback_when_busy.unwrap_or(features.callback_when_busy);
        features.callback_when_offline = f
            .callback_when_offline
            .unwrap_or(features.callback_when_offline);
        features.offline_message = f.offline_message.unwrap_or(features.offline_message);
        features.keep_waiting_when_offline = f
            .keep_waiting_when_offline
            .unwrap_or(features.keep_waiting_when_offline);
    }
    Ok(Preset {
        widget: WidgetConfig {
            company: company.to_string(),
            preset: raw.name.clone(),
            default_language,
            texts,
            colors,
            position,
            features,
            phone_country,
            groups: raw.groups,
            // Set from `[limits]` and `[network]` by `check`.
            limits: Default::default(),
            heartbeat_secs: 25,
        },
        name: raw.name,
    })
}

/// An argon2 PHC string (operators' and API users' `password_hash`).
pub(crate) fn check_password_hash(key: &str, phc: &str) -> Result<()> {
    if argon2::PasswordHash::new(phc).is_err() {
        return Err(bad(
            key,
            "is not an argon2 PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)",
        ));
    }
    Ok(())
}

fn check_operator(key: &str, raw: RawOperator) -> Result<Operator> {
    if raw.username.is_empty() || raw.username.len() > 64 {
        return Err(bad(
            &format!("{key}.username"),
            "must be 1 to 64 characters",
        ));
    }
    check_password_hash(&format!("{key}.password_hash"), &raw.password_hash)?;
    if raw.groups.is_empty() {
        return Err(bad(&format!("{key}.groups"), "name at least one group"));
    }
    if let Some(email) = &raw.email {
        let ok = email.len() <= 254
            && email.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && !d.is_empty() && !email.chars().any(char::is_whitespace)
            });
        if !ok {
            return Err(bad(&format!("{key}.email"), "is not an e-mail address"));
        }
    }
    Ok(Operator {
        name: raw.name.unwrap_or_else(|| raw.username.clone()),
        username: raw.username,
        password_hash: raw.password_hash,
        capacity: raw.capacity.unwrap_or(2),
        groups: raw.groups,
        bot: false,
        email: raw.email,
    })
}

#[cfg(test)]
mod tests;
