//! The built-in demo company, used when no `--config` is given, so that the
//! first run works with nothing to set up.

use std::collections::BTreeMap;

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use owidget_protocol::Texts;

use crate::config::raw::{RawColors, RawCompany, RawConfig, RawFeatures, RawOperator, RawPreset};
use crate::config::{check, Config};

/// GUID of the demo company.
pub const COMPANY: &str = "5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51";
/// Demo operator login name.
pub const USERNAME: &str = "demo";
/// Demo operator password.
pub const PASSWORD: &str = "demo";
/// E-mail of the demo operator (the `email` claim of Custom App tokens).
pub const OPERATOR_EMAIL: &str = "operator@example.com";

/// Argon2id PHC hash of `password` with a fresh random salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

fn czech() -> toml::Table {
    let pairs = [
        ("button_online", "Napište nám"),
        ("button_busy", "Všichni operátoři jsou vytíženi"),
        ("button_offline", "Jsme offline"),
        ("window_title", "Chat"),
        ("close", "Zavřít okno chatu"),
        ("message_placeholder", "Napište zprávu…"),
        ("send", "Odeslat"),
        ("waiting", "Čekáte na operátora…"),
        ("queue_position", "Vaše pořadí ve frontě: {n}"),
        ("operator_joined", "{name} se připojil(a) k chatu"),
        ("typing", "{name} píše…"),
        ("chat_ended", "Chat byl ukončen."),
        ("end_chat", "Ukončit chat"),
        ("new_chat", "Začít nový chat"),
        ("delivered", "Doručeno"),
        ("read", "Přečteno"),
        ("transcript_email", "Poslat přepis na e-mail"),
        ("transcript_sent", "Přepis vám pošleme e-mailem."),
        ("offline_title", "Zanechte nám zprávu"),
        ("email", "E-mail"),
        ("message", "Zpráva"),
        ("submit", "Odeslat"),
        ("offline_sent", "Děkujeme, ozveme se vám."),
        ("callback_title", "Zavolejte mi"),
        ("name", "Jméno"),
        ("phone", "Telefonní číslo"),
        ("invalid_phone", "Zadejte platné telefonní číslo."),
        ("invalid_email", "Zadejte platnou e-mailovou adresu."),
        ("callback_sent", "Zavoláme vám na číslo {phone}."),
        ("disconnected", "Spojení ztraceno, připojuji znovu…"),
        ("send_failed", "Zprávu se nepodařilo odeslat."),
        ("button_chat", "Váš chat"),
        (
            "nobody_left",
            "Žádný operátor už není k dispozici. Nechte nám zprávu a odpovíme e-mailem.",
        ),
        (
            "still_waiting",
            "Žádný operátor teď není k dispozici. Vydržte prosím, místo ve frontě vám zůstává.",
        ),
        ("too_long", "Zpráva je příliš dlouhá: nejvýše {max} znaků."),
        ("view_product", "Zobrazit produkt"),
        ("in_stock", "Skladem"),
        ("out_of_stock", "Není skladem"),
        ("original_price", "Původní cena"),
    ];
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_string(), toml::Value::String(v.to_string())))
        .collect()
}

/// The demo configuration: one company, presets `default` (English and
/// Czech, group `support`, phone country CZ) and `sales` (group `sales`,
/// bottom left, callbacks also when offline, a waiting visitor keeps
/// waiting when nobody is left), operator `demo`/`demo` with
/// capacity 2 in both groups, widget pages from any localhost / 127.0.0.1
/// port.
pub fn config() -> Config {
    let mut texts = BTreeMap::new();
    texts.insert("en".to_string(), toml::Table::new());
    texts.insert("cs".to_string(), czech());
    let raw = RawConfig {
        smtp: None,
        companies: vec![RawCompany {
            id: COMPANY.into(),
            name: Some("Demo Company".into()),
            allowed_origins: [
                "http://localhost:*",
                "https://localhost:*",
                "http://127.0.0.1:*",
                "https://127.0.0.1:*",
            ]
            .map(String::from)
            .to_vec(),
            default_preset: Some("default".into()),
            presets: vec![
                RawPreset {
                    name: "default".into(),
                    groups: vec!["support".into()],
                    default_language: Some("en".into()),
                    phone_country: Some("CZ".into()),
                    colors: None,
                    position: None,
                    features: None,
                    texts: texts.clone(),
                },
                // A second preset, so that a page can show two independent
                // widgets (www/demo/two-widgets.html): other group, other
                // corner and colour, callbacks offered when offline too.
                RawPreset {
                    name: "sales".into(),
                    groups: vec!["sales".into()],
                    default_language: Some("en".into()),
                    phone_country: Some("CZ".into()),
                    colors: Some(RawColors {
                        primary: Some("#8250df".into()),
                        on_primary: Some("#ffffff".into()),
                    }),
                    position: Some("bottomLeft".into()),
                    features: Some(RawFeatures {
                        callback_when_busy: Some(true),
                        callback_when_offline: Some(true),
                        offline_message: Some(true),
                        // A visitor in the queue keeps waiting when the
                        // last operator leaves (the default preset offers
                        // the offline message instead).
                        keep_waiting_when_offline: Some(true),
                    }),
                    texts: texts.clone(),
                },
                // The demo bot's preset (served by the bot of the demo
                // connector; offline without it).
                RawPreset {
                    name: "bot".into(),
                    groups: vec!["bot".into()],
                    default_language: Some("en".into()),
                    phone_country: Some("CZ".into()),
                    colors: Some(RawColors {
                        primary: Some("#1a7f37".into()),
                        on_primary: Some("#ffffff".into()),
                    }),
                    position: None,
                    features: None,
                    texts,
                },
            ],
            operators: vec![RawOperator {
                username: USERNAME.into(),
                name: Some("Demo Operator".into()),
                password_hash: hash_password(PASSWORD),
                capacity: Some(2),
                groups: vec!["support".into(), "sales".into()],
                email: Some(OPERATOR_EMAIL.into()),
            }],
            connector: None,
            bots: Vec::new(),
            api_users: Vec::new(),
        }],
        limits: Default::default(),
        storage: Default::default(),
        network: Default::default(),
        presence: Default::default(),
        broker: Default::default(),
        // Everyone trying the demo comes from one address (localhost), and
        // clicking through it starts many chats a minute: the per-IP cap of
        // a real deployment (10) would refuse the newcomer's own chats.
        abuse: crate::config::guards::RawAbuse {
            chat_starts_per_ip_per_minute: Some(DEMO_CHAT_STARTS_PER_IP),
            ..Default::default()
        },
    };
    let config = check(raw).expect("the demo configuration is valid");
    debug_assert_ne!(
        config.companies[0].presets[0].widget.texts["cs"],
        Texts::default()
    );
    config
}

/// Chat starts per IP address and minute in the built-in demo (see
/// [`config`]); a configuration file gets the default of `[abuse]`.
pub const DEMO_CHAT_STARTS_PER_IP: u32 = 600;

/// `GET /api/demo`: the demo login, so that the desk can prefill its form
/// (`{"company", "username", "password"}`); `404` when a `--config` runs.
pub async fn login_hint(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
) -> crate::Result<axum::Json<serde_json::Value>> {
    if !state.demo {
        return Err(crate::Error::NotFound(
            "no demo company: this server runs its own configuration".into(),
        ));
    }
    Ok(axum::Json(serde_json::json!({
        "company": COMPANY,
        "username": USERNAME,
        "password": PASSWORD,
    })))
}

/// The demo bot's `idOperator`.
pub const DEMO_BOT: &str = "demo-bot";

/// `config` with the demo connector at `base` (see [`crate::demo_connector`])
/// declared for the demo company: all three plugins, a health check and a
/// webhook receiving every event.
pub fn with_connector(mut config: Config, base: &str, secret: &str) -> Config {
    let raw = crate::plugins::config::RawConnector {
        id_connector_version: "7d3c5a1e-2b4f-4c6d-9e8f-0a1b2c3d4e5f".into(),
        id_website: "demo-1".into(),
        secret: secret.into(),
        categories_url: Some(format!("{base}/categories")),
        products_url: Some(format!("{base}/products")),
        customer_information_url: Some(format!("{base}/customer")),
        customer_action_url: Some(format!("{base}/customer/action")),
        closing_form_url: Some(format!("{base}/closing-form")),
        health_check_url: Some(format!("{base}/health")),
        custom_apps: vec![crate::plugins::custom_app::RawCustomApp {
            id: "orders".into(),
            name: [
                ("default", "Orders"),
                ("cs", "Objednávky"),
                ("fr", "Commandes"),
            ]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
            icon: "ORDER".into(),
            url: format!("{base}{}", crate::demo_connector::orders::PATH),
            use_authentication: true,
        }],
        webhooks: vec![crate::webhooks::config::RawWebhook {
            url: format!("{base}/webhooks"),
            events: vec!["*".into()],
            ..Default::default()
        }],
        bot_url: Some(format!("{base}/bot")),
        ..Default::default()
    };
    let checked = crate::plugins::config::check("demo connector", raw)
        .expect("the demo connector configuration is valid");
    let bot = crate::bot::config::check(
        "demo bot",
        crate::bot::config::RawBot {
            id_operator: DEMO_BOT.into(),
            name: "Shop assistant".into(),
            language: "en".into(),
            id_bot: crate::demo_connector::bot::SCENARIO.into(),
            groups: vec!["bot".into()],
            distribution_rules: vec![crate::bot::config::RawRule {
                id: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b".into(),
                label: Some("Support".into()),
                group: "support".into(),
            }],
            ..Default::default()
        },
    )
    .expect("the demo bot configuration is valid");
    if let Some(company) = config.companies.iter_mut().find(|c| c.id == COMPANY) {
        company.connector = Some(checked);
        if !company.operators.iter().any(|o| o.username == DEMO_BOT) {
            company.operators.push(bot.operator());
            company.bots.push(bot);
        }
    }
    config
}

/// Starts the demo connector (with a fresh random secret) and declares it
/// in `config`, as the binary does in demo mode; tests and the e2e harness
/// use it to get the demo's plugins in-process.
pub async fn start_connector(
    config: Config,
) -> std::io::Result<(Config, crate::demo_connector::Running)> {
    let secret = crate::ids::random_hex(32);
    let running = crate::demo_connector::start(secret.clone()).await?;
    Ok((with_connector(config, &running.base, &secret), running))
}
