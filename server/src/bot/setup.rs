//! The configuration flow (contract §4.1) and the availability poll.
//!
//! At start: `GET /external-bots` (the scenario `idBot` must be listed),
//! `PUT /bots/:idOperator` with the bot's name, pseudo, language,
//! distribution rules and scenario, then `GET /bots/:idOperator` (it must
//! name the same scenario). A failed flow is retried every 10 s; the bot
//! stays unavailable meanwhile. Then `GET /availability-strategies` every
//! `bot_poll_interval_ms`; one poll at a time (a slow bot app delays the
//! next poll, polls never pile up). Unreachable, refused or invalid → the
//! bot is unavailable.

use std::sync::Arc;
use std::time::Duration;

use owidget_protocol::plugins::PluginKind;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Bots;
use crate::plugins::schemas::Schema;
use crate::plugins::{CallError, Request};

/// Retry pause of a failed configuration flow.
const SETUP_RETRY: Duration = Duration::from_secs(10);

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Scenario {
    id_bot: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct External {
    id_bot: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BotObject {
    external: External,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Strategy {
    strategy: String,
    #[serde(default)]
    distribution_rules_to_check: Option<Vec<String>>,
    #[serde(default)]
    availability: Option<bool>,
}

impl Bots {
    /// `(bot base URL, idConnectorVersion, idWebsite)` of a company.
    pub(super) fn base(&self, company: usize) -> (String, String, String) {
        let c = self.config.companies[company]
            .connector
            .as_ref()
            .expect("bots need a connector");
        (
            c.bot_url.clone().expect("bots need bot_url"),
            c.id_connector_version.clone(),
            c.id_website.clone(),
        )
    }

    /// A call to the bot app: `path` under the base URL, the contract's
    /// query parameters, an optional JSON body, a schema and a timeout.
    /// (Each argument is one part of the contract's endpoint table.)
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn bot_call<T: serde::de::DeserializeOwned>(
        &self,
        company: usize,
        method: Method,
        path: &str,
        query: Vec<(&'static str, Option<String>)>,
        body: Option<Value>,
        schema: Schema,
        timeout: Duration,
        quiet_when_ok: bool,
    ) -> Result<T, CallError> {
        let (base, ..) = self.base(company);
        let url = format!("{base}{path}");
        self.plugins
            .request(
                company,
                Request {
                    plugin: PluginKind::Bot,
                    method,
                    url: &url,
                    query,
                    body,
                    schema: Some(schema),
                    timeout: Some(timeout),
                    quiet_when_ok,
                },
            )
            .await
    }

    pub(super) fn std_query(&self, company: usize) -> Vec<(&'static str, Option<String>)> {
        let (_, version, website) = self.base(company);
        vec![
            ("idConnectorVersion", Some(version)),
            ("idWebsite", Some(website)),
        ]
    }

    /// The configuration flow of one bot.
    pub(super) async fn configure(&self, company: usize, bot: usize) -> Result<(), String> {
        let b = &self.config.companies[company].bots[bot];
        let t = Duration::from_secs(10);
        let scenarios: Vec<Scenario> = self
            .bot_call(
                company,
                Method::GET,
                "/external-bots",
                self.std_query(company),
                None,
                Schema::BotExternalBots,
                t,
                false,
            )
            .await
            .map_err(|e| format!("GET /external-bots: {e}"))?;
        if !scenarios.iter().any(|s| s.id_bot == b.id_bot) {
            return Err(format!(
                "the bot app has no scenario {:?} (GET /external-bots)",
                b.id_bot
            ));
        }
        let path = format!(
            "/bots/{}",
            crate::plugins::sign::encode_component(&b.id_operator)
        );
        let body = json!({
            "name": b.name,
            "pseudo": b.pseudo,
            "language": b.language,
            "distributionRules": b.rules.iter().map(|r| json!({"id": r.id, "label": r.label})).collect::<Vec<_>>(),
            "external": { "idBot": b.id_bot },
        });
        let put: BotObject = self
            .bot_call(
                company,
                Method::PUT,
                &path,
                self.std_query(company),
                Some(body),
                Schema::BotBot,
                t,
                false,
            )
            .await
            .map_err(|e| format!("PUT {path}: {e}"))?;
        let got: BotObject = self
            .bot_call(
                company,
                Method::GET,
                &path,
                self.std_query(company),
                None,
                Schema::BotBot,
                t,
                false,
            )
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        for (what, o) in [("PUT", &put), ("GET", &got)] {
            if o.external.id_bot != b.id_bot {
                return Err(format!(
                    "{what} {path} names scenario {:?}, not {:?}",
                    o.external.id_bot, b.id_bot
                ));
            }
        }
        Ok(())
    }

    /// One availability poll: the first strategy of the answer decides.
    pub(super) async fn poll(&self, company: usize, bot: usize) -> Result<bool, String> {
        let b = &self.config.companies[company].bots[bot];
        let mut query = vec![("idOperator", Some(b.id_operator.clone()))];
        query.extend(self.std_query(company));
        let interval = self.config.companies[company]
            .connector
            .as_ref()
            .map_or(Duration::from_secs(1), |c| c.bot_poll_interval);
        let answer: Vec<Strategy> = self
            .bot_call(
                company,
                Method::GET,
                "/availability-strategies",
                query,
                None,
                Schema::BotAvailability,
                // A poll never outlives the next one by much.
                Duration::from_secs(10).min(interval * 5),
                true,
            )
            .await
            .map_err(|e| e.0)?;
        let Some(s) = answer.first() else {
            return Err("no availability strategy".into());
        };
        let rules = || s.distribution_rules_to_check.clone().unwrap_or_default();
        let open = |id: &str| {
            b.rule(id)
                .is_some_and(|r| self.hub.group_has_room(company, &r.group))
        };
        Ok(match s.strategy.as_str() {
            "atLeastOne" => rules().iter().any(|r| open(r)),
            "all" => {
                let r = rules();
                !r.is_empty() && r.iter().all(|r| open(r))
            }
            "customAvailability" => s.availability == Some(true),
            _ => false,
        })
    }
}

/// The life of one bot on the instance that drives it: configure
/// (retrying), then poll until shutdown (or until another instance drives
/// it: `lead` aborts this task).
pub(super) async fn run(bots: Arc<Bots>, company: usize, bot: usize) {
    let mut closing = bots.closing.clone();
    let op = bots.op(company, bot);
    loop {
        match bots.configure(company, bot).await {
            Ok(()) => {
                bots.set_status(company, bot, |s| {
                    s.configured = true;
                    s.error = None;
                });
                break;
            }
            Err(e) => {
                tracing::warn!(bot = %bots.config.companies[company].bots[bot].id_operator, error = %e, "bot configuration failed");
                bots.set_status(company, bot, |s| s.error = Some(e));
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(SETUP_RETRY) => {}
            _ = closing.wait_for(|c| *c) => return,
        }
    }
    let every = bots.config.companies[company]
        .connector
        .as_ref()
        .map_or(Duration::from_secs(1), |c| c.bot_poll_interval);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first answer offers the waiting chats even when the availability
    // stays what another instance, driving the bot before, stored.
    let mut first = true;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = closing.wait_for(|c| *c) => return,
        }
        let (available, error) = match bots.poll(company, bot).await {
            Ok(a) => (a, None),
            Err(e) => (false, Some(e)),
        };
        bots.set_status(company, bot, |s| {
            s.available = available;
            s.error = error;
        });
        let changed = bots.hub.set_bot_availability(op, available);
        if (changed || first) && available {
            bots.offer_waiting(company, bot);
        }
        first = false;
    }
}
