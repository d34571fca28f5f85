//! The callback form's submit: the name is required, the number goes
//! through the normalization (the page's custom function, or the
//! server's with the preset's country: see `phone`) before anything is sent.
//! Invalid → a message in the visitor's language, nothing sent; valid →
//! `callbackRequest` with the number as it will be dialled, which the
//! server validates again and confirms with `stored`.

use owidget_protocol::ClientMessage;
use wasm_bindgen::prelude::*;

use crate::flow::page_url;
use crate::window::{Effect, State, Window};

#[wasm_bindgen]
extern "C" {
    /// The normalization's Promise, seen only as far as `then` goes.
    type Answer;
    /// `answer.then(f)` with a one-shot function.
    #[wasm_bindgen(method)]
    fn then(this: &Answer, f: &JsValue);
}

impl Window {
    /// The visitor sent the callback form.
    pub(crate) fn submit_callback(&self, st: &mut State, name: String, raw: String) {
        if st.callback_pending || st.callback_sent {
            return;
        }
        let name = name.trim().to_string();
        let raw = raw.trim().to_string();
        let Some(view) = &st.view else {
            return;
        };
        if name.is_empty() {
            view.forms().name_missing();
            return;
        }
        if raw.is_empty() {
            st.notice = Some(st.texts.invalid_phone.clone());
            view.forms().phone_invalid(true);
            return;
        }
        st.callback_pending = true;
        // Run after the borrow: a custom function is page code.
        self.emit(Effect::Normalize(name, raw));
    }

    /// Normalizes `raw` (see `phone`); the answer comes back later.
    pub(crate) fn normalize(&self, name: String, raw: &str) {
        let promise = self.normalize_number(raw);
        let me = self.me.clone();
        // Called exactly once: the Promise never rejects.
        let done = Closure::once_into_js(move |result: JsValue| {
            if let Some(w) = me.upgrade() {
                w.update(|w, st| w.normalized(st, &name, result));
            }
        });
        promise.unchecked_into::<Answer>().then(&done);
    }

    /// The normalized number: a string (valid), `null` (invalid) or
    /// `undefined` (the server's normalization failed: the visitor may try
    /// again).
    fn normalized(&self, st: &mut State, name: &str, result: JsValue) {
        st.callback_pending = false;
        let forms = st.view.as_ref().map(|v| v.forms());
        match result.as_string() {
            Some(phone) => {
                if let Some(f) = forms {
                    f.phone_invalid(false);
                }
                st.callback_phone = Some(phone.clone());
                let m = ClientMessage::CallbackRequest {
                    name: name.to_string(),
                    phone,
                    language: st.language.clone(),
                    page_url: page_url(st.limits.page_url_max_chars),
                };
                if !self.send(&m) {
                    st.notice = Some(st.texts.send_failed.clone());
                }
            }
            None if result.is_null() => {
                if let Some(f) = forms {
                    f.phone_invalid(true);
                }
                st.notice = Some(st.texts.invalid_phone.clone());
            }
            None => st.notice = Some(st.texts.send_failed.clone()),
        }
        self.render(st);
    }
}
