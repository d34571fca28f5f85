//! `connectToServer()`: configuration fetch, the status socket, reconnects
//! with backoff, and the grace period after which a lost connection shows
//! as status 0.

use gloo_timers::callback::Timeout;
use owidget_protocol::ButtonStatus;
use owidget_web::console;
use wasm_bindgen::JsValue;

use crate::backoff;
use crate::chat_link::ChatCall;
use crate::error::{Error, Result};
use crate::net::config::fetch_config;
use crate::net::socket::{Socket, SocketEvent};
use crate::texts::FrameTexts;
use crate::widget::{report, State, Widget};
use crate::wire::decode::{self, Frame, Preset};

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
        let lang = settings.wishes.query();
        let url = endpoints.config_url(&settings.company, settings.preset.as_deref(), Some(&lang));
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
                Ok(preset) => w.configured(st, preset),
                // The company or preset does not exist, or the page is not
                // one of the company's sites: retrying cannot help, and no
                // status is reported (the widget is not "offline", it is
                // not set up for this page).
                Err(Error::Config(code, message)) if code < 500 => {
                    st.grace = None;
                    st.config_refused = true;
                    // No chat window will come: numbers waiting get `null`.
                    crate::phone::drop_waiting(st, true);
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
        if st.settings.is_none() {
            return Ok(());
        }
        st.texts = config
            .texts
            .as_ref()
            .map(FrameTexts::decode)
            .unwrap_or_default();
        st.language = Some(config.language.clone());
        st.preset = Some(config.name.clone());
        st.heartbeat_ms = config.heartbeat_ms;
        self.restore(st, &config.name);
        // The socket first: its handshake runs while the DOM is built (its
        // events come after this task, when the button is there).
        self.open_socket(st);
        if let Err(e) = self.build_ui(st, &config) {
            // No button, no socket (as before the socket went first).
            st.socket = None;
            st.retry = None;
            return Err(e);
        }
        let number_waits = st
            .chat_pending
            .iter()
            .any(|c| matches!(c, ChatCall::Normalize(..)));
        if st.session || st.open || number_waits {
            // A conversation to restore, `openChat()` or a number to
            // normalize before the configuration: no waiting for an idle
            // moment.
            self.load_chat(st, false);
        }
        Ok(())
    }

    /// Picks up a conversation stored for this company, preset and scope.
    fn restore(&self, st: &mut State, preset: &str) {
        let Some(settings) = &st.settings else {
            return;
        };
        let key = crate::store::key(&settings.company, preset, settings.scope.as_deref());
        if let Some((record, open)) = crate::store::load(&key) {
            st.open = open;
            if st.open {
                self.emit_app(crate::widget::AppEvent::ChatWindowOpen);
            }
            st.session = true;
            st.stored = Some(record);
        }
        st.store_key = Some(key);
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
                    st.heard = true;
                    w.start_heartbeat(st);
                    w.tell_chat(st, ChatCall::Connected(true));
                }
                SocketEvent::Text(text) => {
                    st.heard = true;
                    let message = owidget_web::parse_text(&text).ok_or(Error::BadResponse)?;
                    w.on_message(st, message);
                }
                SocketEvent::Closed => w.socket_lost(st),
            }
            Ok(())
        });
        report(result);
    }

    /// The socket closed, or went silent: the chat window learns it is
    /// disconnected, the status turns 0 after the grace period, and a
    /// reconnect is scheduled (the chat resumes on it).
    fn socket_lost(&self, st: &mut State) {
        // Dropping the socket detaches its handlers and closes it.
        st.socket = None;
        st.socket_open = false;
        st.heartbeat = None;
        self.tell_chat(st, ChatCall::Connected(false));
        self.start_grace(st);
        self.schedule_retry(st);
    }

    /// Every `heartbeatSecs` on an open socket: a `ping` (the server
    /// answers `pong` at once), and the socket is given up when a whole
    /// period passes without any frame, not even that `pong`. A
    /// network that vanished without closing the connection (a laptop
    /// lid, a dropped NAT entry, a dead access point) leaves the browser's
    /// WebSocket "open" for minutes; this finds out within two periods.
    fn start_heartbeat(&self, st: &mut State) {
        if st.heartbeat_ms == 0 {
            return;
        }
        // A timeout re-armed at each tick (no interval glue in the first
        // paint).
        let me = self.me.clone();
        st.heartbeat = Some(Timeout::new(st.heartbeat_ms, move || {
            if let Some(w) = me.upgrade() {
                report(w.update(|w, st| {
                    if st.destroyed || !st.socket_open {
                        return Ok(());
                    }
                    if !std::mem::take(&mut st.heard) {
                        // Silent for a whole period: the status callback
                        // tells the page (0 after the grace).
                        w.socket_lost(st);
                    } else {
                        if let Some(socket) = &st.socket {
                            socket.send(r#"{"type":"ping"}"#);
                        }
                        w.start_heartbeat(st);
                    }
                    Ok(())
                }));
            }
        }));
    }

    /// A message of the socket: the status is the core's, the rest goes
    /// to the chat window (frames that come before it do not concern it:
    /// the server sends chat frames only after the window asked).
    fn on_message(&self, st: &mut State, message: JsValue) {
        match decode::frame(&message) {
            Frame::Status(status) => {
                // A status proves the connection works: the next outage
                // starts the backoff from scratch.
                st.attempt = 0;
                st.grace = None;
                st.outage_reported = false;
                self.set_status(st, status);
            }
            Frame::BadStatus => report(Err(Error::BadResponse)),
            Frame::Chat => self.tell_chat(st, ChatCall::Frame(message)),
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

impl Widget {
    /// Sends a text frame; false when the socket is not connected.
    pub(crate) fn send_text(&self, text: &str) -> bool {
        self.read(|st| st.socket_open && st.socket.as_ref().is_some_and(|s| s.send(text)))
            .unwrap_or(false)
    }
}
