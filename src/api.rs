//! The `#[wasm_bindgen]` facade: the JS class `Owidget`.
//!
//! The only module that touches untyped JS values: arguments become Rust
//! types (or an [`Error`]) here, page callbacks become Rust closures here,
//! and every error ends as one `[owidget]` console message. No method
//! throws into the host page.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use owidget_web::console;

use crate::error::{Error, Result};
use crate::settings::InitArgs;
use crate::widget::{AppCallback, StatusCallback, Widget};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = include_str!("api.d.ts");

thread_local! {
    /// Every widget that is not destroyed. A widget lives until `destroy()`
    /// (or the page's unload), whatever the page keeps: without this, the
    /// browser's collection of the JS object (wasm-bindgen registers it with
    /// a `FinalizationRegistry`) would drop the widget and its button.
    static LIVE: RefCell<Vec<Rc<Widget>>> = const { RefCell::new(Vec::new()) };
}

/// One chat widget. The loader wraps it in the plain object that the
/// snippet's `$owidgetOnLoad` gets (bound methods, no `free`).
#[wasm_bindgen(js_name = Owidget, skip_typescript)]
pub struct Owidget {
    widget: Rc<Widget>,
}

#[wasm_bindgen(js_class = Owidget)]
impl Owidget {
    /// `new Owidget(baseUrl, [assets])`: `baseUrl` is the absolute URL of
    /// the loader's directory (`http://host/widget/`); the server's API is
    /// its parent. `assets` maps package file names to their
    /// content-hashed names (`{"owidget_chat.js": "owidget_chat.<hash>.js"}`,
    /// written into the loader by the server). The loader calls this; pages
    /// normally do not.
    #[wasm_bindgen(constructor)]
    pub fn new(base_url: JsValue, assets: JsValue) -> Owidget {
        let base = base_url.as_string().unwrap_or_default();
        let widget = Widget::new(&base, hashed_names(&assets));
        if let Err(e) = &widget.endpoints {
            console::error(&e.message());
        }
        // `try_with` and `try_borrow_mut`, not `with` and `borrow_mut`:
        // their panics format the errors (`core::fmt` in the wasm).
        let _ = LIVE.try_with(|live| {
            if let Ok(mut live) = live.try_borrow_mut() {
                live.push(widget.clone());
            }
        });
        Owidget { widget }
    }

    /// Always `true`: an unsupported browser gets a plain object from the
    /// loader instead.
    #[wasm_bindgen(getter, js_name = isSupported)]
    pub fn is_supported(&self) -> bool {
        true
    }

    /// `init(companyId, [widgetPreset], [language], [scope])`.
    pub fn init(
        &self,
        company_id: JsValue,
        widget_preset: JsValue,
        language: JsValue,
        scope: JsValue,
    ) {
        let args = (|| {
            Ok(InitArgs {
                company: company_id.as_string().ok_or(Error::BadCompanyId)?,
                preset: optional_string(widget_preset, "init", "widgetPreset must be a string")?,
                language: optional_string(language, "init", "language must be a string like 'en'")?,
                scope: optional_string(scope, "init", "scope must be a string")?,
            })
        })();
        report(args.and_then(|args| self.widget.init(args, html_lang(), browser_languages())));
    }

    /// `connectToServer()`: fetches the configuration and starts tracking
    /// the status. Idempotent.
    #[wasm_bindgen(js_name = connectToServer)]
    pub fn connect_to_server(&self) {
        report(self.widget.connect());
    }

    /// `setAppEventCallback(function (e) {})`: `e.type` is one of
    /// `chatWindowOpen`, `chatWindowClosed`, `chatSessionCreated`,
    /// `chatSessionStarted`, `chatSessionEnded`.
    #[wasm_bindgen(js_name = setAppEventCallback)]
    pub fn set_app_event_callback(&self, callback: JsValue) {
        let result = function(callback, "setAppEventCallback")
            .and_then(|f| self.widget.set_app_callback(app_callback(f)));
        report(result);
    }

    /// `setStatusUpdateCallback(function (code) {})`: 0 offline, 1 online,
    /// 2 busy; called on every change, and at once when already known.
    #[wasm_bindgen(js_name = setStatusUpdateCallback)]
    pub fn set_status_update_callback(&self, callback: JsValue) {
        let result = function(callback, "setStatusUpdateCallback")
            .and_then(|f| self.widget.set_status_callback(status_callback(f)));
        report(result);
    }

    /// `setCustomNumberNormalization(function (phoneNumber) {})`: returns
    /// `null` for an invalid number, else the number as it will be dialled.
    /// Replaces the default (numbers are then never sent to the server). A
    /// function that throws or returns anything else makes that number
    /// invalid, with a console error.
    #[wasm_bindgen(js_name = setCustomNumberNormalization)]
    pub fn set_custom_number_normalization(&self, callback: JsValue) {
        let result = function(callback, "setCustomNumberNormalization")
            .and_then(|f| self.widget.live("setCustomNumberNormalization", |_| f))
            .map(|f| self.widget.set_normalizer(f));
        report(result);
    }

    /// `normalizeNumber(phoneNumber)`: a Promise of the number as it will
    /// be dialled, or of `null` for an invalid one, with the page's custom
    /// normalization or the default one (the server's, `GET
    /// /api/widget/phone`, with the preset's phone country). Never rejects.
    #[wasm_bindgen(js_name = normalizeNumber)]
    pub fn normalize_number(&self, phone_number: JsValue) -> Promise {
        let raw = phone_number.as_string().ok_or(Error::BadArgument(
            "normalizeNumber",
            "phoneNumber must be a string",
        ));
        match raw.and_then(|raw| self.widget.live("normalizeNumber", |_| raw)) {
            Ok(raw) => self.widget.normalize(raw),
            Err(e) => {
                report(Err(e));
                Promise::resolve(&JsValue::NULL)
            }
        }
    }

    /// `openChat([enqueue])`: opens the chat window; with `enqueue` true
    /// the visitor is put in the queue at once (without a first message).
    #[wasm_bindgen(js_name = openChat)]
    pub fn open_chat(&self, enqueue: JsValue) {
        report(self.widget.open_chat(enqueue.is_truthy()));
    }

    /// `closeChat()`: closes the chat window; a running chat goes on.
    #[wasm_bindgen(js_name = closeChat)]
    pub fn close_chat(&self) {
        report(self.widget.close_chat());
    }

    /// `addCustomData(name, value)`: data sent with the next chat start.
    /// Reserved names `oo1_guest_ident`, `oo1_guest_phone`,
    /// `oo1_guest_email` fill the visitor's name, phone and e-mail. Must be
    /// called before the chat starts.
    #[wasm_bindgen(js_name = addCustomData)]
    pub fn add_custom_data(&self, name: JsValue, value: JsValue) {
        const WHAT: &str = "name and value must be strings";
        let result = match (name.as_string(), value.as_string()) {
            (Some(name), Some(value)) => self.widget.add_custom_data(name, value),
            _ => Err(Error::BadArgument("addCustomData", WHAT)),
        };
        report(result);
    }

    /// `destroy()`: removes the widget's DOM, closes its socket and stops
    /// its timers. Later calls on this object only warn.
    pub fn destroy(&self) {
        report(self.widget.destroy());
        let _ = LIVE.try_with(|live| {
            if let Ok(mut live) = live.try_borrow_mut() {
                live.retain(|w| !Rc::ptr_eq(w, &self.widget));
            }
        });
    }

    /// The last known status code (0, 1, 2), `undefined` before the first.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> Option<u8> {
        self.widget.read(|st| st.status.map(|s| s.code())).flatten()
    }

    /// The widget's language: the preset's language chosen by the language
    /// rule once the configuration is known, before that the first wish.
    // A `JsValue` (string or undefined) rather than `Option<String>`: no
    // boxed-slice conversion of the returned String in the wasm.
    #[wasm_bindgen(getter)]
    pub fn language(&self) -> JsValue {
        self.widget
            .read(|st| {
                let language = st
                    .language
                    .as_deref()
                    .or_else(|| st.settings.as_ref().and_then(|s| s.wishes.first()));
                language.map_or(JsValue::UNDEFINED, JsValue::from_str)
            })
            .unwrap_or(JsValue::UNDEFINED)
    }
}

fn report(result: Result<()>) {
    if let Err(e) = result {
        match e {
            Error::Destroyed(_) => console::warn(&e.message()),
            e => console::error(&e.message()),
        }
    }
}

/// `undefined`/`null` → `None`; a string → `Some`; anything else → error.
fn optional_string(
    value: JsValue,
    method: &'static str,
    what: &'static str,
) -> Result<Option<String>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or(Error::BadArgument(method, what))
}

fn function(value: JsValue, method: &'static str) -> Result<Function> {
    value
        .dyn_into::<Function>()
        .map_err(|_| Error::BadArgument(method, "callback must be a function"))
}

fn status_callback(f: Function) -> StatusCallback {
    Rc::new(move |code: u8| {
        if let Err(thrown) = f.call1(&JsValue::UNDEFINED, &JsValue::from(code)) {
            console::error_with("the status update callback threw:", &thrown);
        }
    })
}

fn app_callback(f: Function) -> AppCallback {
    Rc::new(move |event| {
        let e = Object::new();
        let _ = Reflect::set(
            &e,
            &JsValue::from_str("type"),
            &JsValue::from_str(event.name()),
        );
        if let Err(thrown) = f.call1(&JsValue::UNDEFINED, &e) {
            console::error_with("the app event callback threw:", &thrown);
        }
    })
}

fn html_lang() -> Option<String> {
    let lang = owidget_web::dom::window()?
        .document()?
        .document_element()?
        .get_attribute("lang")?;
    Some(lang)
}

fn browser_languages() -> Vec<String> {
    let Some(navigator) = owidget_web::dom::window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    // A loop, not `filter_map` + `collect` (wasm size).
    let mut list = Vec::new();
    for l in navigator.languages().iter() {
        if let Some(l) = l.as_string() {
            list.push(l);
        }
    }
    if list.is_empty() {
        navigator.language().into_iter().collect()
    } else {
        list
    }
}

/// The content-hashed names the core loads by (`assets` of the
/// constructor): plain file names only, so they stay inside `pkg/`.
fn hashed_names(assets: &JsValue) -> Vec<(&'static str, String)> {
    // A loop, not `filter_map` + `collect` (~0.7 KB more wasm).
    let mut names = Vec::new();
    if !assets.is_object() {
        return names;
    }
    for name in ["owidget_chat.js", "owidget_chat_bg.wasm"] {
        let Some(hashed) = Reflect::get(assets, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
        else {
            continue;
        };
        let plain = !hashed.starts_with('.')
            && !hashed.is_empty()
            && hashed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if plain {
            names.push((name, hashed));
        }
    }
    names
}
