//! Config checking: good files pass, every kind of mistake names its key.

use super::*;

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";

fn file(company_extra: &str, preset_extra: &str) -> String {
    format!(
        r#"
[limits]
message_max_chars = 500

[[companies]]
id = "{{0B8A7B1E-4C1F-4F3E-9A52-5D6F0C2D9E11}}"
name = "Shop"
allowed_origins = ["https://shop.example", "http://localhost:*"]
{company_extra}

[[companies.presets]]
name = "main"
groups = ["sales"]
{preset_extra}

[companies.presets.texts.cs]
button_online = "Napište nám"

[companies.presets.texts.en]

[[companies.operators]]
username = "eva"
name = "Eva"
password_hash = "{HASH}"
capacity = 3
groups = ["sales"]
"#
    )
}

fn err(text: &str) -> String {
    Config::from_toml(text).unwrap_err().to_string()
}

#[test]
fn good_file() {
    let c = Config::from_toml(&file("", "default_language = \"cs\"")).unwrap();
    assert_eq!(c.limits.message_max_chars, 500);
    assert_eq!(c.limits.messages_per_10s, 20);
    let co = c.company("0b8a7b1e-4c1f-4f3e-9a52-5d6f0c2d9e11").unwrap();
    assert_eq!(co.default_preset, "main");
    assert!(co.allows_origin("http://localhost:3000"));
    assert!(!co.allows_origin("https://evil.example"));
    let p = co.preset(None).unwrap();
    assert_eq!(p.widget.default_language, "cs");
    assert_eq!(p.widget.texts["cs"].button_online, "Napište nám");
    assert_eq!(
        p.widget.texts["cs"].send, "Send",
        "missing keys fall back to English"
    );
    assert_eq!(p.widget.company, co.id);
    assert_eq!(co.operator("eva").unwrap().capacity, 3);
}

#[test]
fn errors_name_the_key() {
    assert!(err("").contains("companies"));
    assert!(err(&file("", "default_language = \"de\""))
        .contains("companies[0].presets[0].default_language"));
    assert!(err(&file("default_preset = \"x\"", "")).contains("companies[0].default_preset"));
    assert!(err(&file("", "colors = { primary = \"red\" }"))
        .contains("companies[0].presets[0].colors.primary"));
    assert!(err(&file("", "position = \"top\"")).contains("companies[0].presets[0].position"));
    assert!(err(&file("", "phone_country = \"CZE\"")).contains("phone_country"));
    assert!(err(&file("", "").replace("button_online", "buton_online"))
        .contains("texts.cs.buton_online"));
    assert!(err(&file("", "").replace("{0B8A", "{XB8A")).contains("companies[0].id"));
    assert!(err(&file("", "").replace(HASH, "plain"))
        .contains("companies[0].operators[0].password_hash"));
    assert!(
        err(&file("", "").replace("\"http://localhost:*\"", "\"localhost\""))
            .contains("allowed_origins[1]")
    );
    assert!(
        err(&file("", "").replace("message_max_chars = 500", "message_max_chars = 0"))
            .contains("limits.message_max_chars")
    );
    assert!(err(&file("", "").replace("capacity = 3", "capcity = 3")).contains("capcity"));
    let sync = |v: &str| format!("[storage]\nsynchronous = \"{v}\"\n{}", file("", ""));
    assert!(err(&sync("sometimes")).contains("storage.synchronous"));
    assert!(Config::from_toml(&sync("full")).unwrap().storage.full_sync);
    assert!(
        Config::from_toml(&file("", "")).unwrap().storage.full_sync,
        "full by default"
    );
    assert!(
        !Config::from_toml(&sync("normal"))
            .unwrap()
            .storage
            .full_sync
    );
}

#[test]
fn database_url_is_a_postgres_url() {
    let url = |v: &str| format!("[storage]\ndatabase_url = \"{v}\"\n{}", file("", ""));
    assert_eq!(
        Config::from_toml(&file("", ""))
            .unwrap()
            .storage
            .database_url,
        None,
        "SQLite by default"
    );
    let ok = "postgres://owidget:secret@db.internal:5432/owidget";
    assert_eq!(
        Config::from_toml(&url(ok))
            .unwrap()
            .storage
            .database_url
            .as_deref(),
        Some(ok)
    );
    assert!(Config::from_toml(&url("postgresql://localhost/owidget")).is_ok());
    for bad in [
        "mysql://localhost/db",
        "owidget.sqlite3",
        "postgres://h:notaport/db",
    ] {
        let e = err(&url(bad));
        assert!(e.contains("storage.database_url"), "{bad}: {e}");
        assert!(!e.contains("secret"), "the URL is not repeated: {e}");
    }
}

#[test]
fn demo_is_valid() {
    let c = crate::demo::config();
    let co = c.company(crate::demo::COMPANY).unwrap();
    assert!(co.allows_origin("http://localhost:5173"));
    assert!(co.allows_origin("http://127.0.0.1:9"));
    assert!(!co.allows_origin("http://example.com"));
    assert_eq!(
        co.preset(Some("default")).unwrap().widget.phone_country,
        "CZ"
    );
    assert!(crate::operators::auth::verify_password(
        "demo",
        &co.operators[0].password_hash
    ));
}

/// `[network] widget_heartbeat_secs` is published in every preset's widget
/// configuration (25 s without it); 0 is refused.
#[test]
fn widget_heartbeat_is_published() {
    let c = Config::from_toml(&file("", "")).unwrap();
    let co = c.company("0b8a7b1e-4c1f-4f3e-9a52-5d6f0c2d9e11").unwrap();
    assert_eq!(co.preset(None).unwrap().widget.heartbeat_secs, 25);
    let text = format!("[network]\nwidget_heartbeat_secs = 7\n{}", file("", ""));
    let c = Config::from_toml(&text).unwrap();
    let co = c.company("0b8a7b1e-4c1f-4f3e-9a52-5d6f0c2d9e11").unwrap();
    assert_eq!(co.preset(None).unwrap().widget.heartbeat_secs, 7);
    assert_eq!(
        c.network.widget_heartbeat,
        std::time::Duration::from_secs(7)
    );
    let bad = format!("[network]\nwidget_heartbeat_secs = 0\n{}", file("", ""));
    assert!(
        err(&bad).contains("network.widget_heartbeat_secs"),
        "{}",
        err(&bad)
    );
}

#[test]
fn broker_key() {
    let config = Config::from_toml(&file("", "")).unwrap();
    assert_eq!(config.broker, crate::bus::Broker::Memory);
    let with = |url: &str| format!("{}\n[broker]\nurl = \"{url}\"\n", file("", ""));
    let config = Config::from_toml(&with("postgres://owidget@db/owidget")).unwrap();
    assert_eq!(
        config.broker,
        crate::bus::Broker::Postgres("postgres://owidget@db/owidget".into())
    );
    let e = err(&with("kafka://mq:9092"));
    assert!(
        e.contains("broker.url: \"kafka://mq:9092\" is not \"memory\""),
        "{e}"
    );
    let e = err(&format!("{}\n[broker]\nuri = \"memory\"\n", file("", "")));
    assert!(e.contains("unknown field `uri`"), "{e}");
}

#[test]
fn api_users_key() {
    let bot = r#"
[companies.connector]
id_connector_version = "c008849d-7cb1-40ca-9503-d6df2c5cddd8"
id_website = "ha-123"
secret = "a long random token"
bot_url = "https://bots.example/"
[[companies.bots]]
id_operator = "ha-900"
name = "Shopbot"
language = "en"
id_bot = "s1"
groups = ["bot"]
"#;
    let user = |name: &str, hash: &str| {
        format!("[[companies.api_users]]\nusername = \"{name}\"\npassword_hash = \"{hash}\"\n")
    };
    let one = format!("{bot}{}", user("api@shop.example", HASH));
    let c = Config::from_toml(&file(&one, "")).unwrap();
    assert_eq!(c.companies[0].api_users[0].username, "api@shop.example");
    assert!(err(&file(&format!("{bot}{}", user("a", "plain")), ""))
        .contains("companies[0].api_users[0].password_hash"));
    assert!(err(&file(&format!("{bot}{}", user("", HASH)), ""))
        .contains("companies[0].api_users[0].username"));
    let twice = format!("{one}{}", user("api@shop.example", HASH));
    assert!(err(&file(&twice, "")).contains("companies[0].api_users[1].username"));
    assert!(err(&file(&user("a", HASH), "")).contains("declare [[companies.bots]]"));
}
