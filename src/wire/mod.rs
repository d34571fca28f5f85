//! The protocol's JSON without serde's deserializer in the wasm.
//!
//! serde-derived decoders of the protocol types (internally tagged enums
//! buffer through `serde::private::Content`) cost about 45 KB gzip of wasm:
//! more than the whole first-paint budget. The browser already parses JSON,
//! so decoding reads the parsed value through the small [`Json`] trait, and
//! encoding writes the few client messages directly. The protocol's serde
//! types stay the single source of truth: the native tests here check both
//! directions against serde_json on the golden shapes.

pub(crate) mod decode;
pub(crate) mod encode;
mod js;

/// Read access to a parsed JSON value (a `JsValue` in the browser,
/// `serde_json::Value` in native tests).
pub(crate) trait Json: Sized {
    /// Member `key` of an object; `None` if absent, null or not an object.
    fn get(&self, key: &str) -> Option<Self>;
    /// The string value.
    fn string(&self) -> Option<String>;
    /// The number value.
    fn number(&self) -> Option<f64>;
    /// The boolean value.
    fn boolean(&self) -> Option<bool>;
    /// Members of an object, in order (empty for other values).
    fn entries(&self) -> Vec<(String, Self)>;
}

/// Parses JSON text with the browser's `JSON.parse`.
pub(crate) fn parse_text(text: &str) -> Option<wasm_bindgen::JsValue> {
    js_sys::JSON::parse(text).ok()
}

/// Decodes a text frame of the widget socket.
pub(crate) fn server_message_text(text: &str) -> Option<owidget_protocol::ServerMessage> {
    decode::server_message(&parse_text(text)?)
}

#[cfg(test)]
impl Json for serde_json::Value {
    fn get(&self, key: &str) -> Option<Self> {
        self.as_object()?.get(key).filter(|v| !v.is_null()).cloned()
    }
    fn string(&self) -> Option<String> {
        self.as_str().map(str::to_string)
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn entries(&self) -> Vec<(String, Self)> {
        self.as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }
}
