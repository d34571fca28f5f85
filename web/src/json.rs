//! JSON without serde in the wasm.
//!
//! serde-derived decoders of the protocol types (internally tagged enums
//! buffer through `serde::private::Content`) cost about 45 KB gzip of wasm:
//! more than the whole first-paint budget. Measured again for issue 11:
//! decoding only the core's `part=frame` configuration with serde_json
//! (a derived struct, texts as maps) made the core wasm 68,709 B gzip
//! instead of 34,230 (gzip -9). The browser already parses JSON,
//! so decoding reads the parsed value through the small [`Json`] trait, and
//! encoding writes objects directly with [`Obj`]. The protocol's serde types
//! stay the single source of truth: the crates' native tests check both
//! directions against serde_json.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Read access to a parsed JSON value (a `JsValue` in the browser,
/// `serde_json::Value` in native tests).
pub trait Json: Sized {
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
    /// Elements of an array, in order (empty for other values).
    fn items(&self) -> Vec<Self>;
}

/// Parses JSON text with the browser's `JSON.parse`.
pub fn parse_text(text: &str) -> Option<JsValue> {
    js_sys::JSON::parse(text).ok()
}

impl Json for JsValue {
    fn get(&self, key: &str) -> Option<Self> {
        if !self.is_object() {
            return None;
        }
        let v = Reflect::get(self, &JsValue::from_str(key)).ok()?;
        (!v.is_undefined() && !v.is_null()).then_some(v)
    }
    fn string(&self) -> Option<String> {
        self.as_string()
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn entries(&self) -> Vec<(String, Self)> {
        // `is_object` (typeof) rather than `dyn_ref` (instanceof): one glue
        // function less, and objects of another realm count too. Entries
        // are always `[key, value]` arrays.
        if !self.is_object() {
            return Vec::new();
        }
        let mut entries = Vec::new();
        for pair in Object::entries(self.unchecked_ref()).iter() {
            let pair: Array = pair.unchecked_into();
            if let Some(key) = pair.get(0).as_string() {
                entries.push((key, pair.get(1)));
            }
        }
        entries
    }
    fn items(&self) -> Vec<Self> {
        match self.dyn_ref::<Array>() {
            Some(a) => a.iter().collect(),
            None => Vec::new(),
        }
    }
}

#[cfg(feature = "serde_json")]
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
    fn items(&self) -> Vec<Self> {
        self.as_array().cloned().unwrap_or_default()
    }
}

/// A JSON object being written.
pub struct Obj(String);

impl Obj {
    /// `{"type":"<ty>"` (or `{` for an empty `ty`).
    pub fn new(ty: &str) -> Obj {
        let mut o = Obj(String::from("{"));
        if !ty.is_empty() {
            o.str("type", ty);
        }
        o
    }

    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        quote(&mut self.0, key);
        self.0.push(':');
    }

    /// A string member.
    pub fn str(&mut self, key: &str, value: &str) -> &mut Obj {
        self.key(key);
        quote(&mut self.0, value);
        self
    }

    /// A string member when `Some`.
    pub fn opt(&mut self, key: &str, value: Option<&str>) -> &mut Obj {
        if let Some(v) = value {
            self.str(key, v);
        }
        self
    }

    /// A number member.
    pub fn num(&mut self, key: &str, value: u64) -> &mut Obj {
        self.key(key);
        self.0.push_str(&crate::decimal(value));
        self
    }

    /// A boolean member.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Obj {
        self.key(key);
        self.0.push_str(if value { "true" } else { "false" });
        self
    }

    /// An object member of string values.
    pub fn map<'a>(
        &mut self,
        key: &str,
        entries: impl Iterator<Item = (&'a String, &'a String)>,
    ) -> &mut Obj {
        let mut inner = Obj::new("");
        for (k, v) in entries {
            inner.str(k, v);
        }
        self.key(key);
        self.0.push_str(&inner.end());
        self
    }

    /// The finished text.
    pub fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// Appends `s` as a JSON string literal.
fn quote(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
