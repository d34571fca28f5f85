//! `normalizeNumber` and `setCustomNumberNormalization`: both are the
//! chat module's (`chat/src/phone.rs`: the page's custom function, else the
//! server's `GET /api/widget/phone` with the preset's phone country), so
//! that the first paint does not pay for them (issue 11). The core checks
//! the arguments at once and hands the calls to the chat window in call
//! order, queued until it is there (see `Widget::chat_call`); asking for a
//! number fetches the chat module once the configuration is known.
//!
//! `normalizeNumber`'s Promise never rejects: the number as dialled, or
//! `null` for an invalid one (or when the widget is destroyed, its
//! configuration refused, or the chat module failed to load).

use js_sys::{Function, Promise};
use owidget_web::console;
use wasm_bindgen::{JsCast, JsValue};

use crate::chat_link::ChatCall;
use crate::widget::{report, State, Widget};

impl Widget {
    /// `normalizeNumber(raw)` of a live widget (see the module doc).
    pub(crate) fn normalize(&self, raw: String) -> Promise {
        let pair = crate::modules::deferred();
        let promise: Promise = pair.get(0).unchecked_into();
        let resolve: Function = pair.get(1).unchecked_into();
        report(self.update(|w, st| {
            if st.config_refused {
                console::error(
                    "normalizeNumber(): the widget has no configuration (see the error above); the number counts as invalid",
                );
                let _ = resolve.call1(&JsValue::UNDEFINED, &JsValue::NULL);
                return Ok(());
            }
            if !st.connecting {
                console::warn(
                    "normalizeNumber() answers once connectToServer() has loaded the configuration: the default normalization uses the preset's phone country",
                );
            }
            w.chat_call(st, ChatCall::Normalize(resolve, raw));
            w.load_chat(st, false);
            Ok(())
        }));
        promise
    }

    /// `setCustomNumberNormalization(f)` of a live widget.
    pub(crate) fn set_normalizer(&self, f: Function) {
        report(self.update(|w, st| {
            w.chat_call(st, ChatCall::Normalizer(f));
            Ok(())
        }));
    }
}

/// The numbers waiting for a chat window that will not come (destroyed,
/// configuration refused) or failed to load get `null`; with `all`, the
/// other queued calls go too.
pub(crate) fn drop_waiting(st: &mut State, all: bool) {
    for call in std::mem::take(&mut st.chat_pending) {
        match call {
            ChatCall::Normalize(resolve, _) => {
                // Reactions run later: no page code runs while the state
                // is borrowed.
                let _ = resolve.call1(&JsValue::UNDEFINED, &JsValue::NULL);
            }
            call if !all => st.chat_pending.push(call),
            _ => {}
        }
    }
}
