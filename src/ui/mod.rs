//! The widget's DOM: a host element with a shadow root holding the chat
//! button and the chat window's frame (title, close button, an empty body
//! that the lazily loaded chat module fills). [`Ui`] owns all of it;
//! dropping it removes the DOM and every listener.

mod slots;
pub(crate) mod style;

use std::rc::Rc;

use owidget_protocol::{ButtonStatus, Position};
use owidget_web::dom::{adopt_css, attr, child, document, el, show, text, Listener};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event, HtmlElement, ShadowRootInit, ShadowRootMode};

use crate::error::{Error, Result};
use crate::texts::FrameTexts;
use crate::wire::decode::Preset;

/// What the visitor did in the widget's frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UiAction {
    /// Clicked the chat button.
    Toggle,
    /// Closed the window (close button or Escape).
    Close,
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
    body: Element,
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
        let h: &HtmlElement = host.unchecked_ref();
        let style = h.style();
        let _ = style.set_property("--ow-bg", &config.colors.primary);
        let _ = style.set_property("--ow-fg", &config.colors.on_primary);
        let slot = slots::Slot::take(h, config.position == Position::BottomLeft);
        adopt_css(&shadow, style::CSS);
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

        let mut listeners = Vec::with_capacity(3);
        let f = on_action.clone();
        listeners.push(Listener::new(&button, "click", move |_| {
            f(UiAction::Toggle)
        }));
        let f = on_action.clone();
        listeners.push(Listener::new(&close, "click", move |_| f(UiAction::Close)));
        listeners.push(Listener::new(&window, "keydown", move |e: Event| {
            // `key` read as a property: no `instanceof KeyboardEvent` and
            // key getter in the glue (an untrusted `Event` has no key).
            let key = js_sys::Reflect::get(&e, &JsValue::from_str("key")).ok();
            if key.and_then(|k| k.as_string()).as_deref() == Some("Escape") {
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
            body: body_el,
            slot,
            _listeners: listeners,
        })
    }

    /// Redraws texts and the status of the button.
    /// Draws the button for `status`; while the visitor has a chat
    /// (`in_chat`), the button leads to it, whatever the queue's status.
    pub(crate) fn render(&self, status: Option<ButtonStatus>, in_chat: bool, texts: &FrameTexts) {
        let (class, label) = match status {
            Some(_) if in_chat => ("btn s1", &texts.button_chat),
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

    /// The window's body, for the chat module.
    pub(crate) fn body(&self) -> &Element {
        &self.body
    }

    /// Shows or hides the chat window.
    pub(crate) fn set_open(&self, open: bool) {
        show(&self.window, open);
        attr(
            &self.button,
            "aria-expanded",
            if open { "true" } else { "false" },
        );
    }

    /// Moves the focus to the close button (open window, nothing else to
    /// focus yet) or back to the chat button (closed window), so keyboard
    /// users land where they can go on.
    pub(crate) fn focus(&self, close_button: bool) {
        let target = if close_button {
            &self.close
        } else {
            &self.button
        };
        // Both are `<button>`s this module created.
        let _ = target.unchecked_ref::<HtmlElement>().focus();
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        self.host.remove();
        self.slot.release();
    }
}
