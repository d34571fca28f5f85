//! The widget's DOM: a host element with a shadow root holding the chat
//! button and the chat window. [`Ui`] owns all of it; dropping it removes
//! the DOM and every listener.

pub(crate) mod chat_view;
mod slots;
pub(crate) mod style;

use std::rc::Rc;

use owidget_protocol::{ButtonStatus, Position, Texts};
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement, KeyboardEvent, ShadowRootInit, ShadowRootMode};

use crate::chat::Chat;
use crate::dom::{attr, child, document, el, show, text, Listener};
use crate::error::{Error, Result};
use crate::wire::decode::Preset;
use chat_view::{ChatView, Extra, Panel};

/// What the visitor did in the widget's DOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UiAction {
    /// Clicked the chat button.
    Toggle,
    /// Closed the window (close button or Escape).
    Close,
    /// Sent a message.
    Send(String),
    /// Typed in the message box.
    Typing,
    /// Clicked "End chat".
    EndChat,
    /// Clicked "Start a new chat".
    NewChat,
    /// Asked for the transcript to this e-mail.
    Transcript(String),
    /// Sent the offline form: e-mail, text.
    Offline(String, String),
}

/// Handler of [`UiAction`]s, set by the widget.
pub(crate) type OnAction = Rc<dyn Fn(UiAction)>;

/// The widget's DOM.
pub(crate) struct Ui {
    host: Element,
    button: Element,
    label: Element,
    window: Element,
    title: Element,
    close: Element,
    view: ChatView,
    slot: slots::Slot,
    _listeners: Vec<Listener>,
}

impl Ui {
    /// Builds the DOM for `config` and appends it to the page's body.
    pub(crate) fn new<J>(config: &Preset<J>, on_action: OnAction) -> Result<Ui> {
        let doc = document().ok_or(Error::Browser("no document"))?;
        let body = doc.body().ok_or(Error::Browser("no document.body"))?;
        // A custom element name: page rules such as `body > div` do not
        // match it, and it may carry a shadow root.
        let host = el(&doc, "owidget-root", "");
        attr(&host, "data-preset", &config.name);
        let shadow = host
            .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .map_err(|_| Error::Browser("attachShadow"))?;
        let slot = slots::Slot::take();
        if let Some(h) = host.dyn_ref::<HtmlElement>() {
            let style = h.style();
            let _ = style.set_property("--ow-bg", &config.colors.primary);
            let _ = style.set_property("--ow-fg", &config.colors.on_primary);
            let _ = style.set_property("--ow-b", &slot.bottom_css());
        }
        let css = el(&doc, "style", "");
        text(&css, style::CSS);
        let _ = shadow.append_child(&css);
        let root = el(&doc, "div", "ow");
        if config.position == Position::BottomLeft {
            root.set_class_name("ow left");
        }
        let _ = shadow.append_child(&root);

        let button = child(&root, "button", "btn");
        attr(&button, "type", "button");
        attr(&button, "part", "button");
        attr(&button, "aria-haspopup", "dialog");
        attr(&button, "aria-expanded", "false");
        // Hidden until the first status is known, so it does not flash
        // "offline" before the server answered.
        show(&button, false);
        let dot = child(&button, "span", "dot");
        attr(&dot, "aria-hidden", "true");
        let label = child(&button, "span", "");

        let window = child(&root, "div", "win");
        attr(&window, "part", "window");
        attr(&window, "role", "dialog");
        show(&window, false);
        let head = child(&window, "div", "head");
        let title = child(&head, "span", "");
        attr(&title, "id", "ow-title");
        attr(&window, "aria-labelledby", "ow-title");
        let close = child(&head, "button", "x");
        attr(&close, "type", "button");
        attr(&close, "part", "close");
        text(&close, "×");
        let body_el = child(&window, "div", "body");
        let view = ChatView::new(&body_el, &on_action);

        let mut listeners = Vec::with_capacity(3);
        let f = on_action.clone();
        listeners.push(Listener::new(&button, "click", move |_| {
            f(UiAction::Toggle)
        }));
        let f = on_action.clone();
        listeners.push(Listener::new(&close, "click", move |_| f(UiAction::Close)));
        listeners.push(Listener::new(&window, "keydown", move |e: Event| {
            if e.dyn_ref::<KeyboardEvent>()
                .is_some_and(|k| k.key() == "Escape")
            {
                on_action(UiAction::Close);
            }
        }));
        let _ = body.append_child(&host);
        Ok(Ui {
            host,
            button,
            label,
            window,
            title,
            close,
            view,
            slot,
            _listeners: listeners,
        })
    }

    /// Redraws texts and the status of the button.
    pub(crate) fn render(&self, status: Option<ButtonStatus>, texts: &Texts) {
        let (class, label) = match status {
            Some(ButtonStatus::Online) => ("btn s1", &texts.button_online),
            Some(ButtonStatus::Busy) => ("btn s2", &texts.button_busy),
            _ => ("btn s0", &texts.button_offline),
        };
        self.button.set_class_name(class);
        text(&self.label, label);
        attr(&self.button, "aria-label", label);
        show(&self.button, status.is_some());
        text(&self.title, &texts.window_title);
        attr(&self.close, "aria-label", &texts.close);
        attr(&self.close, "title", &texts.close);
    }

    /// Redraws the window's content.
    pub(crate) fn render_chat(&mut self, chat: &Chat, texts: &Texts, extra: &Extra) {
        self.view.render(chat, texts, extra);
    }

    /// The window's content.
    pub(crate) fn view(&self) -> &ChatView {
        &self.view
    }

    /// Opens or closes the chat window; focus follows so keyboard users
    /// land in the window (its first field) and back on the button.
    pub(crate) fn set_open(&self, open: bool, panel: Panel) {
        show(&self.window, open);
        attr(
            &self.button,
            "aria-expanded",
            if open { "true" } else { "false" },
        );
        let target = if open {
            self.view
                .focus_target(panel)
                .or_else(|| self.close.dyn_ref::<HtmlElement>().cloned())
        } else {
            self.button.dyn_ref::<HtmlElement>().cloned()
        };
        if let Some(h) = target {
            let _ = h.focus();
        }
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        self.host.remove();
        self.slot.release();
    }
}
