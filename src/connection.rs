//! `connectToServer()`: configuration fetch, the status socket, reconnects
//! with backoff, and the grace period after which a lost connection shows
//! as status 0.

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use owidget_protocol::{ButtonStatus, ServerMessage};
use wasm_bindgen::JsValue;

use crate::backoff;
use crate::console;
use crate::error::{Error, Result};
use crate::net::config::fetch_config;
use crate::net::socket::{Socket, SocketEvent};
use crate::widget::{report, State, Widget};
use crate::wire::decode::{self, Preset};

/// How long a lost connection keeps the last status before it shows as
/// offline (0): a quick reconnect should not blink the button.
pub(crate) const GRACE_MS: u32 = 3_000;

impl Widget {
    /// `connectToServer()`; calling it again is a no-op.
    pub(crate) fn connect(&self) -> Result<()> {
        self.update(|w, st| {
            if st.destroyed {
                return Err(Error::Destroyed("connectToServer"));
            }
            if st.settings.is_none() {
                return Err(Error::NotInitialized("connectToServer"));
            }
            if st.connecting {
                return Ok(());
            }
            w.endpoints.as_ref().map_err(Clone::clone)?;
            st.connecting = true;
            w.start_grace(st);
            w.request_config(st);
            Ok(())
        })
    }

    fn request_config(&self, st: &mut State) {
        let (Ok(endpoints), Some(settings)) = (&self.endpoints, &st.settings) else {
            return;
        };
        let url = endpoints.config_url(&settings.company, settings.preset.as_deref());
        let me = self.me.clone();
        match fetch_config(&url, move |result| {
            if let Some(w) = me.upgrade() {
                w.on_config(result);
            }
        }) {
            Ok(req) => st.config_req = Some(req),
            Err(e) => {
                self.report_outage(st, e);
                self.schedule_retry(st);
            }
        }
    }

    fn on_config(&self, result: Result<Preset<JsValue>>) {
        let result = self.update(|w, st| {
            if st.destroyed || st.config_req.take().is_none() {
                return Ok(());
            }
            match result {
                Ok(config) => w.configured(st, config),
                // The company or preset does not exist: retrying cannot help.
                Err(Error::Config(code, message)) if code < 500 => {
                    Err(Error::Config(code, message))
                }
                Err(e) => {
                    w.report_outage(st, e);
                    w.schedule_retry(st);
                    Ok(())
                }
            }
        });
        report(result);
    }

    fn configured(&self, st: &mut State, config: Preset<JsValue>) -> Result<()> {
        let Some(settings) = &st.settings else {
            return Ok(());
        };
        let available: Vec<&str> = config.texts.iter().map(|(l, _)| l.as_str()).collect();
        let language = settings.wishes.choose(&available, &config.default_language);
        let texts = config
            .texts
            .iter()
            .find(|(l, _)| l == language)
            .map(|(_, t)| decode::texts(t))
            .unwrap_or_default();
        st.language = Some(language.to_string());
        st.texts = Rc::new(texts);
        st.features = config.features;
        st.preset = Some(config.name.clone());
        self.restore(st, &config.name);
        self.build_ui(st, &config)?;
        self.open_socket(st);
        Ok(())
    }

    fn open_socket(&self, st: &mut State) {
        let (Ok(endpoints), Some(settings), Some(preset)) =
            (&self.endpoints, &st.settings, &st.preset)
        else {
            return;
        };
        let url = endpoints.socket_url(&settings.company, preset);
        let me = self.me.clone();
        match Socket::open(&url, move |event| {
            if let Some(w) = me.upgrade() {
                w.on_socket(event);
            }
        }) {
            Ok(socket) => st.socket = Some(socket),
            Err(e) => {
                console::error(&e.message());
                self.schedule_retry(st);
            }
        }
    }

    fn on_socket(&self, event: SocketEvent) {
        let result = self.update(|w, st| {
            if st.destroyed {
                return Ok(());
            }
            match event {
                SocketEvent::Open => {
                    st.socket_open = true;
                    w.on_connected(st);
                }
                SocketEvent::Text(text) => {
                    let message = parse(&text).ok_or(Error::BadResponse)?;
                    w.on_message(st, message);
                }
                SocketEvent::Closed => {
                    st.socket = None;
                    st.socket_open = false;
                    st.typing_timer = None;
                    w.start_grace(st);
                    w.schedule_retry(st);
                    w.render(st);
                }
            }
            Ok(())
        });
        report(result);
    }

    /// A message of the socket.
    fn on_message(&self, st: &mut State, message: ServerMessage) {
        if let ServerMessage::Status { status } = message {
            // A status proves the connection works: the next outage starts
            // the backoff from scratch.
            st.attempt = 0;
            st.grace = None;
            st.outage_reported = false;
            self.set_status(st, status);
        } else {
            self.on_chat_message(st, message);
        }
    }

    fn schedule_retry(&self, st: &mut State) {
        let delay = backoff::delay_ms(st.attempt, js_sys::Math::random());
        st.attempt = st.attempt.saturating_add(1);
        let me = self.me.clone();
        st.retry = Some(Timeout::new(delay, move || {
            if let Some(w) = me.upgrade() {
                w.on_retry();
            }
        }));
    }

    fn on_retry(&self) {
        let result = self.update(|w, st| {
            st.retry = None;
            if st.destroyed {
                return Ok(());
            }
            if st.preset.is_none() {
                w.request_config(st);
            } else {
                w.open_socket(st);
            }
            Ok(())
        });
        report(result);
    }

    fn start_grace(&self, st: &mut State) {
        if st.grace.is_some() {
            return;
        }
        let me = self.me.clone();
        st.grace = Some(Timeout::new(GRACE_MS, move || {
            if let Some(w) = me.upgrade() {
                let result = w.update(|w, st| {
                    st.grace = None;
                    if !st.destroyed {
                        w.set_status(st, ButtonStatus::Offline);
                    }
                    Ok(())
                });
                report(result);
            }
        }));
    }

    fn report_outage(&self, st: &mut State, e: Error) {
        if !st.outage_reported {
            st.outage_reported = true;
            console::warn(&e.message());
        }
    }
}

fn parse(text: &str) -> Option<ServerMessage> {
    crate::wire::server_message_text(text)
}

impl Widget {
    /// Sends a message on the socket; false when it is not connected.
    pub(crate) fn send(&self, st: &State, message: &owidget_protocol::ClientMessage) -> bool {
        self.send_text(st, &crate::wire::encode::client_message(message))
    }

    /// Sends an encoded message; false when the socket is not connected.
    pub(crate) fn send_text(&self, st: &State, text: &str) -> bool {
        st.socket_open && st.socket.as_ref().is_some_and(|s| s.send(text))
    }
}
