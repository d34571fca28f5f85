//! `[[companies.bots]]`: a bot operator served by the company's bot app
//! (the connector's `bot_url`), raw and checked.

use serde::Deserialize;

use crate::config::Operator;
use crate::{Error, Result};

/// `[[companies.bots]]` as written in the TOML file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBot {
    /// The bot operator's id, sent as `idOperator` (e.g. `"ha-456678"`);
    /// also its login name in owidget (a bot cannot log in).
    pub id_operator: String,
    /// Display name shown to visitors (`name`).
    pub name: String,
    /// `pseudo` sent in `PUT /bots/:idOperator` (default: `name`).
    pub pseudo: Option<String>,
    /// The bot's one language, two letters (`"en"`).
    pub language: String,
    /// The scenario `idBot` (must be among `GET /external-bots`).
    pub id_bot: String,
    /// Operator groups whose buttons the bot serves.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Concurrent chats (default: no limit).
    pub capacity: Option<u32>,
    /// The distribution rules: human groups the bot may transfer to.
    #[serde(default)]
    pub distribution_rules: Vec<RawRule>,
}

/// `[[companies.bots.distribution_rules]]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// Rule id (a UUID), as the bot app uses it in `transfer` and
    /// `distributionRulesToCheck`.
    pub id: String,
    /// Label sent to the bot app (default: the group).
    pub label: Option<String>,
    /// Our operator group it routes to.
    pub group: String,
}

/// A distribution rule: a bot app's id for one of our human groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Canonical (lower-case) UUID.
    pub id: String,
    /// Label.
    pub label: String,
    /// Operator group.
    pub group: String,
}

/// A checked bot.
#[derive(Debug, Clone)]
pub struct BotConfig {
    /// `idOperator`.
    pub id_operator: String,
    /// Display name.
    pub name: String,
    /// `pseudo`.
    pub pseudo: String,
    /// Two-letter language.
    pub language: String,
    /// Scenario.
    pub id_bot: String,
    /// Groups served.
    pub groups: Vec<String>,
    /// Concurrent chats (`u32::MAX`: no limit).
    pub capacity: u32,
    /// Transfer targets.
    pub rules: Vec<Rule>,
}

impl BotConfig {
    /// The rule with this id (any case).
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        let id = id.to_ascii_lowercase();
        self.rules.iter().find(|r| r.id == id)
    }

    /// The bot as an operator of its company: it counts in the button
    /// status and holds chats like anyone, but has no password (cannot log
    /// in) and no desk.
    pub fn operator(&self) -> Operator {
        Operator {
            username: self.id_operator.clone(),
            name: self.name.clone(),
            password_hash: String::new(),
            capacity: self.capacity,
            groups: self.groups.clone(),
            email: None,
            bot: true,
        }
    }

    /// The human groups the bot hands chats to when it fails: those of its
    /// distribution rules (its own groups when it has none).
    pub fn fallback_groups(&self) -> Vec<String> {
        let mut g: Vec<String> = Vec::new();
        for r in &self.rules {
            if !g.contains(&r.group) {
                g.push(r.group.clone());
            }
        }
        if g.is_empty() {
            g = self.groups.clone();
        }
        g
    }
}

/// `[[companies.api_users]]` as written: a login of the GraphQL API
/// (contract §4.7), like an operator's (an argon2 PHC hash).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApiUser {
    /// Login name (`username` of `POST /oauth2/token`), unique across
    /// companies.
    pub username: String,
    /// Argon2 PHC string (`$argon2id$v=19$...`).
    pub password_hash: String,
}

/// A checked API user.
#[derive(Debug, Clone)]
pub struct ApiUser {
    /// Login name.
    pub username: String,
    /// Argon2 PHC string.
    pub password_hash: String,
}

/// Raw → checked API user.
pub fn check_api_user(key: &str, raw: RawApiUser) -> Result<ApiUser> {
    if raw.username.is_empty() || raw.username.len() > 128 {
        return Err(bad(
            &format!("{key}.username"),
            "must be 1 to 128 characters",
        ));
    }
    crate::config::check_password_hash(&format!("{key}.password_hash"), &raw.password_hash)?;
    Ok(ApiUser {
        username: raw.username,
        password_hash: raw.password_hash,
    })
}

fn bad(key: &str, why: impl std::fmt::Display) -> Error {
    Error::Config(format!("{key}: {why}"))
}

/// Raw → checked; `key` is the table's path for error messages.
pub fn check(key: &str, raw: RawBot) -> Result<BotConfig> {
    if raw.id_operator.is_empty()
        || raw.id_operator.len() > 64
        || !raw
            .id_operator
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(bad(
            &format!("{key}.id_operator"),
            "must be 1 to 64 letters, digits, '-', '_' or '.' (like \"ha-456678\")",
        ));
    }
    if raw.name.trim().is_empty() || raw.name.chars().count() > 64 {
        return Err(bad(&format!("{key}.name"), "must be 1 to 64 characters"));
    }
    if raw.language.len() != 2 || !raw.language.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(bad(
            &format!("{key}.language"),
            "must be a two-letter lower-case language like \"en\"",
        ));
    }
    if raw.id_bot.is_empty() || raw.id_bot.len() > 256 {
        return Err(bad(&format!("{key}.id_bot"), "must be 1 to 256 characters"));
    }
    if raw.groups.is_empty() {
        return Err(bad(&format!("{key}.groups"), "name at least one group"));
    }
    if raw.capacity == Some(0) {
        return Err(bad(&format!("{key}.capacity"), "must be greater than 0"));
    }
    let mut rules: Vec<Rule> = Vec::new();
    for (i, r) in raw.distribution_rules.into_iter().enumerate() {
        let k = format!("{key}.distribution_rules[{i}]");
        let id = owidget_protocol::normalize_guid(&r.id)
            .ok_or_else(|| bad(&format!("{k}.id"), format!("{:?} is not a UUID", r.id)))?;
        if rules.iter().any(|q| q.id == id) {
            return Err(bad(&format!("{k}.id"), "duplicate rule id"));
        }
        if r.group.is_empty() {
            return Err(bad(&format!("{k}.group"), "must name an operator group"));
        }
        rules.push(Rule {
            id,
            label: r.label.unwrap_or_else(|| r.group.clone()),
            group: r.group,
        });
    }
    Ok(BotConfig {
        pseudo: raw.pseudo.unwrap_or_else(|| raw.name.clone()),
        id_operator: raw.id_operator,
        name: raw.name,
        language: raw.language,
        id_bot: raw.id_bot,
        groups: raw.groups,
        capacity: raw.capacity.unwrap_or(u32::MAX),
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawBot {
        RawBot {
            id_operator: "ha-456678".into(),
            name: "Shopbot".into(),
            language: "en".into(),
            id_bot: "scenario-1".into(),
            groups: vec!["bot".into()],
            distribution_rules: vec![RawRule {
                id: "5B1B2B2E-0F7A-4C55-9B39-0C7A1D6A5E01".into(),
                label: None,
                group: "support".into(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn defaults() {
        let b = check("b", raw()).unwrap();
        assert_eq!(b.pseudo, "Shopbot");
        assert_eq!(b.capacity, u32::MAX);
        assert_eq!(b.rules[0].id, "5b1b2b2e-0f7a-4c55-9b39-0c7a1d6a5e01");
        assert_eq!(b.rules[0].label, "support");
        assert!(b.rule("5B1B2B2E-0F7A-4C55-9B39-0C7A1D6A5E01").is_some());
        assert_eq!(b.fallback_groups(), vec!["support".to_string()]);
        let op = b.operator();
        assert!(op.bot && op.password_hash.is_empty());
    }

    #[test]
    fn errors_name_the_key() {
        let err = |r: RawBot| check("companies[0].bots[0]", r).unwrap_err().to_string();
        let mut r = raw();
        r.language = "english".into();
        assert!(err(r).contains("companies[0].bots[0].language"));
        let mut r = raw();
        r.id_operator = "a b".into();
        assert!(err(r).contains(".id_operator"));
        let mut r = raw();
        r.distribution_rules[0].id = "support".into();
        assert!(err(r).contains(".distribution_rules[0].id"));
        let mut r = raw();
        r.groups.clear();
        assert!(err(r).contains(".groups"));
        let mut r = raw();
        r.capacity = Some(0);
        assert!(err(r).contains(".capacity"));
    }
}
