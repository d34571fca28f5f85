//! `GET /api/widget/config?…&part=frame`: the preset's frame texts,
//! colours, position and heartbeat (the chat window module
//! fetches the whole configuration with itself).
//!
//! An `XMLHttpRequest` rather than `fetch`: its event handlers can be
//! detached synchronously, so dropping a [`ConfigRequest`] aborts it without
//! leaving a promise reaction behind, and it needs no futures executor in
//! the wasm (smaller first paint).

use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{XmlHttpRequest, XmlHttpRequestResponseType};

use crate::error::{Error, Result};
use crate::wire::decode::{self, Preset};

/// Upper bound of one configuration request.
const TIMEOUT_MS: u32 = 15_000;

/// A running configuration request; dropping it aborts it.
pub(crate) struct ConfigRequest {
    xhr: XmlHttpRequest,
    _on_load: Closure<dyn FnMut()>,
    _on_fail: Closure<dyn FnMut()>,
}

/// Starts `GET url`; `done` gets the result once (unless dropped first).
pub(crate) fn fetch_config(
    url: &str,
    done: impl Fn(Result<Preset<JsValue>>) + 'static,
) -> Result<ConfigRequest> {
    let xhr = XmlHttpRequest::new().map_err(|_| Error::Browser("XMLHttpRequest"))?;
    xhr.open("GET", url)
        .map_err(|_| Error::Browser("XMLHttpRequest.open"))?;
    xhr.set_response_type(XmlHttpRequestResponseType::Json);
    xhr.set_timeout(TIMEOUT_MS);
    let done = Rc::new(done);
    let f = done.clone();
    let x = xhr.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || f(result(&x)));
    let on_fail = Closure::<dyn FnMut()>::new(move || done(Err(Error::Network)));
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_fail.as_ref().unchecked_ref()));
    xhr.set_ontimeout(Some(on_fail.as_ref().unchecked_ref()));
    xhr.send().map_err(|_| Error::Network)?;
    Ok(ConfigRequest {
        xhr,
        _on_load: on_load,
        _on_fail: on_fail,
    })
}

/// The decoded preset.
fn result(xhr: &XmlHttpRequest) -> Result<Preset<JsValue>> {
    let status = xhr.status().unwrap_or(0);
    // `null` when the body was not JSON (e.g. a proxy's HTML error page).
    let body = xhr.response().unwrap_or(JsValue::NULL);
    if (200..300).contains(&status) {
        decode::preset(&body).ok_or(Error::BadResponse)
    } else {
        Err(Error::Config(
            status,
            decode::error_message(&body).unwrap_or_default(),
        ))
    }
}

impl Drop for ConfigRequest {
    fn drop(&mut self) {
        self.xhr.set_onload(None);
        self.xhr.set_onerror(None);
        self.xhr.set_ontimeout(None);
        let _ = self.xhr.abort();
    }
}
