//! Bodies: the stored payload plus `sentAt`, as JSON or form-encoded.
//!
//! Form encoding (iAdvize documents the content type, not the layout) is
//! the bracket notation most web frameworks parse: `a=1`,
//! `operatorIds[0]=x`, `availabilities[0][status]=AVAILABLE`,
//! `answers[reason]=late`; `null` is an empty value, booleans are
//! `true`/`false`; keys and values are percent-encoded (UTF-8).

use serde_json::{Map, Value};

use crate::plugins::sign::encode_component;

/// The body of one attempt.
pub fn body(payload: &Map<String, Value>, sent_at: &str, form: bool) -> Vec<u8> {
    let mut p = payload.clone();
    p.insert("sentAt".into(), Value::String(sent_at.to_string()));
    if form {
        let mut pairs = Vec::new();
        for (k, v) in &p {
            flatten(k.clone(), v, &mut pairs);
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes()
    } else {
        serde_json::to_vec(&p).expect("a JSON map serializes")
    }
}

fn flatten(key: String, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Null => out.push((key, String::new())),
        Value::Bool(b) => out.push((key, b.to_string())),
        Value::Number(n) => out.push((key, n.to_string())),
        Value::String(s) => out.push((key, s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(format!("{key}[{i}]"), item, out);
            }
        }
        Value::Object(m) => {
            for (k, item) in m {
                flatten(format!("{key}[{k}]"), item, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_and_form_bodies() {
        let p = json!({"eventId": "e", "operatorIds": ["a b", "c"], "x": null,
                       "availabilities": [{"channel": "CHAT"}], "n": 3});
        let p = p.as_object().unwrap();
        let j: Value = serde_json::from_slice(&body(p, "T", false)).unwrap();
        assert_eq!(j["sentAt"], "T");
        assert_eq!(j["operatorIds"][0], "a b");
        let f = String::from_utf8(body(p, "T", true)).unwrap();
        assert_eq!(
            f,
            "availabilities%5B0%5D%5Bchannel%5D=CHAT&eventId=e&n=3&operatorIds%5B0%5D=a%20b\
             &operatorIds%5B1%5D=c&sentAt=T&x="
        );
    }
}
