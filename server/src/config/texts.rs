//! `[companies.presets.texts.<lang>]`: overrides of the English UI texts.

use owidget_protocol::Texts;

use crate::{Error, Result};

/// `button_online` → `buttonOnline`: the file uses TOML's snake_case, the
/// wire type camelCase; both spellings are accepted.
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut up = false;
    for c in key.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// English defaults with the table's keys replaced; unknown keys and
/// non-string values are errors naming the key.
pub fn merge(key: &str, table: toml::Table) -> Result<Texts> {
    let defaults = serde_json::to_value(Texts::default()).expect("texts serialize");
    let serde_json::Value::Object(mut map) = defaults else {
        unreachable!("Texts is a struct");
    };
    for (k, v) in table {
        let name = camel(&k);
        if !map.contains_key(&name) {
            return Err(Error::Config(format!("{key}.{k}: unknown text key")));
        }
        let toml::Value::String(s) = v else {
            return Err(Error::Config(format!("{key}.{k}: must be a string")));
        };
        map.insert(name, serde_json::Value::String(s));
    }
    serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|e| Error::Config(format!("{key}: {e}")))
}
