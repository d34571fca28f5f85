//! Phone number normalization: the page's custom function
//! (`setCustomNumberNormalization`) when set, else the phone module
//! (`pkg/owidget_phone.js`, a large wasm module with libphonenumber's
//! metadata) with the preset's default country. The module is fetched only
//! when a number is first needed, or warmed when the callback form opens;
//! a page with a custom function never fetches it.
//!
//! Used by `owidget.normalizeNumber(raw)` and by the chat window's callback
//! form. Results are Promises that never reject: a number as dialled,
//! `null` for an invalid one (and, inside the SDK only, `undefined` when
//! the phone module failed to load).

use js_sys::{Function, Promise};
use owidget_web::console;
use wasm_bindgen::JsValue;

use crate::modules::{normalize_phone, preload};
use crate::widget::{State, Widget};

/// Number typed, and the `resolve` of the Promise waiting for the
/// configuration (the default needs the preset's country).
pub(crate) type Waiting = (String, Function);

impl Widget {
    /// Normalizes `raw` (see the module doc).
    pub(crate) fn normalize(&self, raw: &str) -> Promise {
        if let Some(f) = self.normalizer() {
            return Promise::resolve(&custom(&f, raw));
        }
        let target = self.read(|st| {
            if st.destroyed {
                return Target::Null(None);
            }
            match self.phone_urls(st) {
                Some((js, wasm)) => Target::Module(js, wasm, st.phone_country.clone()),
                None if st.connecting => Target::Wait,
                None => Target::Null(Some(
                    "normalizeNumber() needs connectToServer() first: the default normalization uses the preset's phone country",
                )),
            }
        });
        match target {
            Some(Target::Module(js, wasm, country)) => normalize_phone(&js, &wasm, raw, &country),
            Some(Target::Wait) => {
                let raw = raw.to_string();
                let mut waiting = None;
                let promise = Promise::new(&mut |resolve, _| waiting = Some(resolve));
                if let Some(resolve) = waiting {
                    let _ = self.update(|_, st| {
                        st.phone_waiting.push((raw, resolve));
                        Ok(())
                    });
                }
                promise
            }
            Some(Target::Null(why)) => {
                if let Some(why) = why {
                    console::error(why);
                }
                Promise::resolve(&JsValue::NULL)
            }
            None => Promise::resolve(&JsValue::NULL),
        }
    }

    /// The configuration arrived (or will not): answers the numbers that
    /// waited for the preset's country.
    pub(crate) fn answer_waiting(&self, st: &mut State) {
        let urls = self.phone_urls(st);
        for (raw, resolve) in std::mem::take(&mut st.phone_waiting) {
            // Resolving with a Promise adopts it; reactions run later, so
            // no page code runs while the state is borrowed.
            let value: JsValue = match &urls {
                Some((js, wasm)) => normalize_phone(js, wasm, &raw, &st.phone_country).into(),
                None => JsValue::NULL,
            };
            let _ = resolve.call1(&JsValue::UNDEFINED, &value);
        }
    }

    /// Starts fetching the phone module when the default normalization
    /// will be needed (the callback form opened).
    pub(crate) fn warm_phone(&self) {
        if self.normalizer().is_some() {
            return;
        }
        if let Some(Some((js, wasm))) = self.read(|st| self.phone_urls(st)) {
            preload(&js, &wasm);
        }
    }

    /// URLs of the phone module, once the configuration is known.
    fn phone_urls(&self, st: &State) -> Option<(String, String)> {
        let endpoints = self.endpoints.as_ref().ok()?;
        st.preset.as_ref()?;
        Some((
            endpoints.module("owidget_phone.js"),
            endpoints.module("owidget_phone_bg.wasm"),
        ))
    }
}

enum Target {
    Module(String, String, String),
    Wait,
    Null(Option<&'static str>),
}

/// Runs the page's function on `raw`: its string (trimmed; empty counts
/// as invalid) or `null`. Throwing or returning anything else counts as
/// invalid for this number, with a console error.
fn custom(f: &Function, raw: &str) -> JsValue {
    match f.call1(&JsValue::UNDEFINED, &JsValue::from_str(raw)) {
        Ok(v) if v.is_null() => JsValue::NULL,
        Ok(v) => match v.as_string() {
            Some(s) if !s.trim().is_empty() => JsValue::from_str(s.trim()),
            Some(_) => JsValue::NULL,
            None => {
                console::error_with(
                    "the custom number normalization must return a string or null; the number counts as invalid. It returned:",
                    &v,
                );
                JsValue::NULL
            }
        },
        Err(thrown) => {
            console::error_with(
                "the custom number normalization threw; the number counts as invalid:",
                &thrown,
            );
            JsValue::NULL
        }
    }
}
