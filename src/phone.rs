//! Phone number normalization: the page's custom function
//! (`setCustomNumberNormalization`) when set, else the server's
//! (`GET /api/widget/phone`: the `owidget-phone` crate with the preset's
//! phone country, the same check a callback request gets there). That
//! costs a visitor a few hundred bytes per number instead of the ~0.5 MB
//! gzip wasm module with libphonenumber's metadata the widget used to
//! fetch (issue 11); a page with a custom function sends nothing.
//!
//! Used by `owidget.normalizeNumber(raw)` and by the chat window's callback
//! form. Results are Promises that never reject: a number as dialled,
//! `null` for an invalid one (and, inside the SDK only, `undefined` when
//! the request failed).

use js_sys::{Function, Promise};
use owidget_web::console;
use wasm_bindgen::JsValue;

use crate::modules::normalize_remote;
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
            match self.phone_url(st, raw) {
                Some(url) => Target::Server(url),
                None if st.config_refused => Target::Null(Some(
                    "normalizeNumber(): the widget has no configuration (see the error above); the number counts as invalid",
                )),
                None if st.connecting => Target::Wait(None),
                // Answered once connectToServer() has the preset's country.
                None => Target::Wait(Some(
                    "normalizeNumber() answers once connectToServer() has loaded the configuration: the default normalization uses the preset's phone country",
                )),
            }
        });
        match target {
            Some(Target::Server(url)) => normalize_remote(&url),
            Some(Target::Wait(why)) => {
                if let Some(why) = why {
                    console::warn(why);
                }
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
        for (raw, resolve) in std::mem::take(&mut st.phone_waiting) {
            // Resolving with a Promise adopts it; reactions run later, so
            // no page code runs while the state is borrowed.
            let value: JsValue = match self.phone_url(st, &raw) {
                Some(url) => normalize_remote(&url).into(),
                None => JsValue::NULL,
            };
            let _ = resolve.call1(&JsValue::UNDEFINED, &value);
        }
    }

    /// URL of the server's normalization of `raw`, once the configuration
    /// is known.
    fn phone_url(&self, st: &State, raw: &str) -> Option<String> {
        let endpoints = self.endpoints.as_ref().ok()?;
        let settings = st.settings.as_ref()?;
        Some(endpoints.phone_url(&settings.company, st.preset.as_ref()?, raw))
    }
}

enum Target {
    Server(String),
    /// Until the configuration is known (with a hint when
    /// `connectToServer()` was not called yet).
    Wait(Option<&'static str>),
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
