//! Helpers of the browser tests: the test server, calls through the real JS
//! surface of `Owidget`, console capture, the operator API, bounded waits.
#![allow(dead_code)] // each test file uses a different subset

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Function, Object, Reflect};
use owidget::Owidget;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, RequestInit, Response, ShadowRoot};

/// Company of the server's built-in demo.
pub const DEMO: &str = "5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51";

/// Origin of the server under test (`OWIDGET_TEST_SERVER` at compile time).
pub fn server() -> &'static str {
    match option_env!("OWIDGET_TEST_SERVER") {
        Some(url) => url.trim_end_matches('/'),
        None => panic!("set OWIDGET_TEST_SERVER=http://127.0.0.1:PORT of a running owidget-server"),
    }
}

/// A new widget as the page sees it: the JS object of class `Owidget`.
pub fn widget() -> JsValue {
    JsValue::from(Owidget::new(
        JsValue::from_str(&format!("{}/widget/", server())),
        JsValue::NULL,
    ))
}

/// A widget whose loader directory is `base` (any URL, for failure tests).
pub fn widget_at(base: &str) -> JsValue {
    JsValue::from(Owidget::new(JsValue::from_str(base), JsValue::NULL))
}

/// Calls `obj[method](...args)` through JS, as a page would; `Err` is what
/// it threw.
pub fn call(obj: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(obj, &JsValue::from_str(method))?.dyn_into()?;
    let args: Array = args.iter().collect();
    f.apply(obj, &args)
}

/// `call` that must not throw.
pub fn call_ok(obj: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    match call(obj, method, args) {
        Ok(v) => v,
        Err(e) => panic!("{method} threw {e:?}"),
    }
}

/// A property of the widget (`status`, `language`, ...).
pub fn prop(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(name)).expect("property")
}

/// Records console.error and console.warn while alive.
pub struct Console {
    lines: Rc<RefCell<Vec<String>>>,
    originals: Vec<(&'static str, JsValue)>,
    _closures: Vec<Closure<dyn FnMut(JsValue, JsValue)>>,
}

impl Console {
    pub fn capture() -> Console {
        let console = console_object();
        let lines = Rc::new(RefCell::new(Vec::new()));
        let mut originals = Vec::new();
        let mut closures = Vec::new();
        for name in ["error", "warn"] {
            let original = Reflect::get(&console, &name.into()).unwrap();
            originals.push((name, original.clone()));
            let original: Function = original.dyn_into().unwrap();
            let l = lines.clone();
            let c = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |a: JsValue, b: JsValue| {
                let mut line = a.as_string().unwrap_or_default();
                if !b.is_undefined() {
                    line.push(' ');
                    match b.dyn_ref::<Object>() {
                        Some(o) => line.push_str(&String::from(o.to_string())),
                        None => line.push_str(&format!("{b:?}")),
                    }
                }
                l.borrow_mut().push(line);
                // Still shown (panic messages of the test itself go here too).
                let _ = original.call2(&JsValue::NULL, &a, &b);
            });
            Reflect::set(&console, &name.into(), c.as_ref()).unwrap();
            closures.push(c);
        }
        Console {
            lines,
            originals,
            _closures: closures,
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.borrow().clone()
    }

    /// Lines that contain `needle`.
    pub fn matching(&self, needle: &str) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|l| l.contains(needle))
            .collect()
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let console = console_object();
        for (name, f) in &self.originals {
            let _ = Reflect::set(&console, &(*name).into(), f);
        }
    }
}

fn console_object() -> JsValue {
    Reflect::get(&js_sys::global(), &"console".into()).unwrap()
}

/// A JS function recording the numbers it is called with.
pub fn status_recorder() -> (JsValue, Rc<RefCell<Vec<u8>>>) {
    let codes = Rc::new(RefCell::new(Vec::new()));
    let c = codes.clone();
    let f = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
        c.borrow_mut()
            .push(v.as_f64().expect("status is a number") as u8);
    });
    (f.into_js_value(), codes)
}

/// A JS function recording the `type` of the events it is called with.
pub fn event_recorder() -> (JsValue, Rc<RefCell<Vec<String>>>) {
    let types = Rc::new(RefCell::new(Vec::new()));
    let t = types.clone();
    let f = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        let ty = Reflect::get(&e, &"type".into()).unwrap();
        t.borrow_mut()
            .push(ty.as_string().expect("type is a string"));
    });
    (f.into_js_value(), types)
}

/// Waits until `cond` holds, at most 10 s (polling every 20 ms).
pub async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..500 {
        if cond() {
            return;
        }
        TimeoutFuture::new(20).await;
    }
    panic!("timed out after 10 s waiting for {what}");
}

/// Calls the server's API; panics on a non-2xx answer. An empty `body`
/// sends none.
pub async fn request(method: &str, path: &str, token: Option<&str>, body: &str) -> JsValue {
    let init = RequestInit::new();
    init.set_method(method);
    if !body.is_empty() {
        init.set_body(&JsValue::from_str(body));
    }
    let headers = Object::new();
    Reflect::set(&headers, &"content-type".into(), &"application/json".into()).unwrap();
    if let Some(token) = token {
        Reflect::set(
            &headers,
            &"authorization".into(),
            &format!("Bearer {token}").into(),
        )
        .unwrap();
    }
    init.set_headers(&headers);
    let window = web_sys::window().unwrap();
    let url = format!("{}{path}", server());
    let resp: Response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        .expect("operator API reachable")
        .dyn_into()
        .unwrap();
    let status = resp.status();
    let json = JsFuture::from(resp.json().unwrap())
        .await
        .unwrap_or(JsValue::NULL);
    assert!(
        (200..300).contains(&status),
        "{method} {path} → {status} {:?}",
        js_sys::JSON::stringify(&json)
    );
    json
}

/// Logs the demo operator in; returns the bearer token.
pub async fn operator_login() -> String {
    let body = format!(r#"{{"company":"{DEMO}","username":"demo","password":"demo"}}"#);
    let json = request("POST", "/api/operator/login", None, &body).await;
    Reflect::get(&json, &"token".into())
        .unwrap()
        .as_string()
        .expect("token")
}

/// Sets the demo operator's availability (`online`, `away`, `offline`).
pub async fn set_availability(token: &str, availability: &str) {
    let body = format!(r#"{{"availability":"{availability}"}}"#);
    request("PUT", "/api/operator/availability", Some(token), &body).await;
}

/// Shadow roots of all widgets on the page, oldest first.
pub fn widget_roots() -> Vec<ShadowRoot> {
    let doc = web_sys::window().unwrap().document().unwrap();
    let hosts = doc.query_selector_all("owidget-root").unwrap();
    (0..hosts.length())
        .filter_map(|i| hosts.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok()?.shadow_root())
        .collect()
}

/// The element matching `selector` in `root`.
pub fn find(root: &ShadowRoot, selector: &str) -> web_sys::HtmlElement {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in the widget"))
        .dyn_into()
        .unwrap()
}

/// Operator API call with the demo operator's token.
pub async fn operator(token: &str, method: &str, path: &str, body: &str) -> JsValue {
    request(method, &format!("/api/operator{path}"), Some(token), body).await
}

/// `obj[key]` as a string.
pub fn string_at(obj: &JsValue, key: &str) -> Option<String> {
    Reflect::get(obj, &key.into()).ok()?.as_string()
}

/// Id of the waiting chat started with `scope`, once it is in the queue.
pub async fn waiting_chat(token: &str, scope: &str) -> String {
    for _ in 0..250 {
        let queue = operator(token, "GET", "/queue", "").await;
        let found = Array::from(&queue)
            .iter()
            .find(|c| string_at(c, "scope").as_deref() == Some(scope));
        if let Some(chat) = found {
            return string_at(&chat, "id").expect("chat id");
        }
        TimeoutFuture::new(40).await;
    }
    panic!("no waiting chat with scope {scope}");
}

/// Texts the server has stored in chat `id`, in order.
pub async fn stored_texts(token: &str, id: &str) -> Vec<String> {
    let detail = operator(token, "GET", &format!("/chats/{id}"), "").await;
    let messages = Array::from(&Reflect::get(&detail, &"messages".into()).unwrap());
    messages
        .iter()
        .filter_map(|m| string_at(&m, "text"))
        .collect()
}

/// Waits until the server has stored `text` in chat `id` (the visitor's
/// message is acknowledged, so leaving the page cannot lose it).
pub async fn wait_stored(token: &str, id: &str, text: &str) {
    for _ in 0..250 {
        if stored_texts(token, id).await.iter().any(|t| t == text) {
            return;
        }
        TimeoutFuture::new(40).await;
    }
    panic!("chat {id} never stored {text:?}");
}

/// Waits until the lazily loaded chat module has filled the window of
/// `root` (it is fetched when the page is idle after the first status, on
/// the first open, or at once for a restored chat).
pub async fn chat_ready(root: &ShadowRoot) {
    wait_for("the chat window module", || {
        root.query_selector("[part=composer]").unwrap().is_some()
    })
    .await;
}

/// `performance` resource entries whose URL contains `needle`.
pub fn fetched(needle: &str) -> usize {
    let performance = web_sys::window().unwrap().performance().unwrap();
    let entries = performance.get_entries_by_type("resource");
    entries
        .iter()
        .filter_map(|e| Reflect::get(&e, &"name".into()).ok()?.as_string())
        .filter(|name| name.contains(needle))
        .count()
}

/// Text of the element matching `selector` (empty when absent).
pub fn text_of(root: &ShadowRoot, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// Types `text` into the message box and sends it like a visitor.
pub fn type_and_send(root: &ShadowRoot, text: &str) {
    let input: web_sys::HtmlTextAreaElement = root
        .query_selector("[part=composer] textarea")
        .unwrap()
        .expect("message box")
        .dyn_into()
        .unwrap();
    input.set_value(text);
    let _ = input.dispatch_event(&web_sys::Event::new("input").unwrap());
    find(root, "[part=composer] button").click();
}

/// A unique scope for one test run.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", (js_sys::Math::random() * 1e9) as u64)
}

/// Ends the demo operator's active chats left over by an earlier test, so
/// that their capacity is free.
pub async fn end_active_chats(token: &str) {
    let chats = operator(token, "GET", "/chats", "").await;
    for chat in Array::from(&chats).iter() {
        let id = string_at(&chat, "id").unwrap();
        operator(token, "POST", &format!("/chats/{id}/end"), "").await;
    }
}

/// Two visitors whose chats the demo operator (capacity 2) accepted: the
/// status is busy (2) until [`Busy::release`].
pub struct Busy {
    visitors: Vec<JsValue>,
    ids: Vec<String>,
}

impl Busy {
    /// Puts the demo operator online and at capacity.
    pub async fn start(token: &str) -> Busy {
        set_availability(token, "online").await;
        end_active_chats(token).await;
        let mut busy = Busy {
            visitors: Vec::new(),
            ids: Vec::new(),
        };
        for _ in 0..2 {
            let scope = unique("busy");
            let v = widget();
            call_ok(
                &v,
                "init",
                &[
                    DEMO.into(),
                    JsValue::NULL,
                    "en".into(),
                    scope.as_str().into(),
                ],
            );
            call_ok(&v, "openChat", &[JsValue::TRUE]);
            call_ok(&v, "connectToServer", &[]);
            let id = waiting_chat(token, &scope).await;
            operator(token, "POST", &format!("/chats/{id}/accept"), "").await;
            busy.visitors.push(v);
            busy.ids.push(id);
        }
        busy
    }

    /// Ends the chats, removes the visitors and puts the operator offline.
    pub async fn release(self, token: &str) {
        for id in &self.ids {
            operator(token, "POST", &format!("/chats/{id}/end"), "").await;
        }
        for v in &self.visitors {
            call_ok(v, "destroy", &[]);
        }
        set_availability(token, "offline").await;
    }
}

/// The settled value of a Promise the widget returned (panics when it
/// rejects: the widget's Promises never do).
pub async fn settled(promise: JsValue) -> JsValue {
    let promise: js_sys::Promise = promise.dyn_into().expect("a Promise");
    JsFuture::from(promise)
        .await
        .expect("the Promise never rejects")
}

/// Fills the callback form of `root` and submits it.
pub fn send_callback(root: &ShadowRoot, name: &str, phone: &str) {
    let field =
        |selector: &str| -> web_sys::HtmlInputElement { find(root, selector).dyn_into().unwrap() };
    field("[part=callback] input[type=text]").set_value(name);
    field("[part=callback] input[type=tel]").set_value(phone);
    find(root, "[part=callback] button[type=submit]").click();
}

/// Callback requests stored for `name` (all statuses), as `(name, phone)`.
pub async fn callbacks_of(token: &str, name: &str) -> Vec<String> {
    let all = operator(token, "GET", "/callbacks?status=all&limit=200", "").await;
    Array::from(&all)
        .iter()
        .filter(|c| string_at(c, "name").as_deref() == Some(name))
        .filter_map(|c| string_at(&c, "phone"))
        .collect()
}
