//! The page's chat methods beyond the seed API: `openChat`, `closeChat`,
//! `addCustomData`. They work before the chat module is there: the core
//! keeps what the chat window must start from and hands it over (custom
//! data with the window's initial state, in call order).

use owidget_protocol::WidgetLimits;

use crate::chat_link::ChatCall;
use crate::error::{Error, Result};
use crate::widget::{State, Widget};

impl Widget {
    /// `openChat([enqueue])`.
    pub(crate) fn open_chat(&self, enqueue: bool) -> Result<()> {
        self.update(|w, st| {
            if st.destroyed {
                return Err(Error::Destroyed("openChat"));
            }
            if st.settings.is_none() {
                return Err(Error::NotInitialized("openChat"));
            }
            w.set_open(st, true);
            if enqueue {
                if st.chat.ready().is_some() {
                    w.tell_chat(st, ChatCall::Enqueue);
                } else {
                    // Handed to the chat window when it is created; it
                    // starts the chat as soon as the socket is up.
                    st.enqueue_pending = true;
                }
            }
            Ok(())
        })
    }

    /// `closeChat()`: closes the window; the conversation goes on.
    pub(crate) fn close_chat(&self) -> Result<()> {
        self.update(|w, st| {
            if st.destroyed {
                return Err(Error::Destroyed("closeChat"));
            }
            w.set_open(st, false);
            Ok(())
        })
    }

    /// `addCustomData(name, value)`: the lengths are checked at once;
    /// the chat window keeps the entries (and refuses them once the chat
    /// started, or beyond the published number of names).
    pub(crate) fn add_custom_data(&self, name: String, value: String) -> Result<()> {
        self.update(|w, st| {
            if st.destroyed {
                return Err(Error::Destroyed("addCustomData"));
            }
            // The published limits (issue 10 item 9), counted in
            // characters as the server counts them: what is accepted here
            // never makes the server refuse the chat start.
            let lim = custom_limits(st);
            if name.is_empty()
                || chars(&name) > lim.custom_data_key_max_chars
                || chars(&value) > lim.custom_data_value_max_chars
            {
                return Err(Error::BadArgument(
                    "addCustomData",
                    "name must be 1-100 characters and value at most 1000",
                ));
            }
            w.chat_call(st, ChatCall::CustomData(name, value));
            Ok(())
        })
    }
}

/// The custom data limits: the protocol's, which every server publishes
/// (only the message length is configurable). Constants, so the first
/// paint carries no reading of the configuration for them; the chat module
/// fits what it sends to the limits as published, whatever they are.
fn custom_limits(_: &State) -> WidgetLimits {
    WidgetLimits::default()
}

/// Number of characters of `s`: `chars().count()` brings a vectorised
/// counter of ~1 KB of wasm; a few hundred characters need no speed.
fn chars(s: &str) -> usize {
    s.bytes().filter(|b| (b & 0xC0) != 0x80).count()
}
