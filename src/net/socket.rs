//! The widget WebSocket, owned: dropping a [`Socket`] detaches its handlers
//! and closes it, so a destroyed or reconnecting widget leaves nothing
//! running in the page.

use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

use crate::error::{Error, Result};

/// What the socket reports to its owner.
pub(crate) enum SocketEvent {
    /// The connection is open; messages can be sent.
    Open,
    /// One text frame.
    Text(String),
    /// The connection is gone (refused, failed or closed by the server).
    Closed,
}

/// One WebSocket connection and its handlers.
pub(crate) struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut()>,
}

impl Socket {
    /// Opens `url`; `on_event` receives every [`SocketEvent`].
    pub(crate) fn open(url: &str, on_event: impl Fn(SocketEvent) + 'static) -> Result<Socket> {
        let ws = WebSocket::new(url).map_err(|_| Error::Browser("WebSocket URL"))?;
        let on_event = Rc::new(on_event);
        let f = on_event.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || f(SocketEvent::Open));
        let f = on_event.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            // The protocol only uses text frames; binary ones are ignored.
            if let Some(text) = e.data().as_string() {
                f(SocketEvent::Text(text));
            }
        });
        // `error` is always followed by `close`: one handler is enough.
        let on_close = Closure::<dyn FnMut()>::new(move || on_event(SocketEvent::Closed));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }
}

impl Socket {
    /// Sends one text frame; false when the socket is not open.
    pub(crate) fn send(&self, text: &str) -> bool {
        self.ws.ready_state() == WebSocket::OPEN && self.ws.send_with_str(text).is_ok()
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}
