//! The contact forms offered instead of a chat, and the tabs between them:
//! the offline message (e-mail + text) and the callback request (name +
//! phone). Which ones a state offers is [`panels`] (pure, unit-tested).

use owidget_protocol::{ButtonStatus, Features, Texts};
use owidget_web::dom::{attr, child, show, text, Listener};
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

use crate::view::{Action, OnAction, Panel};

/// The panels an idle window offers for `status`, the default first.
///
/// Busy: the callback request (when the preset offers it) before the chat,
/// which would mean a wait in the queue. Offline: the offline message
/// and/or the callback request, as the preset offers them; with neither,
/// the chat (whose start the server then refuses with a reason).
pub(crate) fn panels(status: Option<ButtonStatus>, features: &Features) -> Vec<Panel> {
    match status {
        Some(ButtonStatus::Busy) if features.callback_when_busy => {
            vec![Panel::Callback, Panel::Chat]
        }
        Some(ButtonStatus::Offline) => {
            let mut p = Vec::with_capacity(2);
            if features.offline_message {
                p.push(Panel::Offline);
            }
            if features.callback_when_offline {
                p.push(Panel::Callback);
            }
            if p.is_empty() {
                p.push(Panel::Chat);
            }
            p
        }
        _ => vec![Panel::Chat],
    }
}

/// A form field without the browser's autofill suggestions popping over
/// the small window (`autocomplete` is set again where it helps).
pub(crate) fn input_in(parent: &Element, tag: &str, class: &str) -> Element {
    let e = child(parent, tag, class);
    attr(&e, "autocomplete", "off");
    e
}

/// A `<label>` and its field in `form`.
pub(crate) fn labelled<T: JsCast>(form: &Element, tag: &str, kind: &str, id: &str) -> (Element, T) {
    let label = child(form, "label", "lbl");
    attr(&label, "for", id);
    let field = input_in(form, tag, "fld");
    attr(&field, "id", id);
    if !kind.is_empty() {
        attr(&field, "type", kind);
    }
    (label, field.unchecked_into())
}

/// The submit button of `form`.
pub(crate) fn submit_button(form: &Element) -> Element {
    let b = child(form, "button", "go");
    attr(&b, "type", "submit");
    b
}

/// A form's title, labels and button (hidden once the form was sent).
struct Parts {
    form: Element,
    title: Element,
    labels: [Element; 2],
    submit: Element,
}

/// DOM of the tabs and both forms.
pub(crate) struct Forms {
    tabs: Element,
    tab: [Element; 3],
    offline: Parts,
    o_email: HtmlInputElement,
    o_text: HtmlTextAreaElement,
    callback: Parts,
    c_name: HtmlInputElement,
    c_phone: HtmlInputElement,
    _listeners: Vec<Listener>,
}

/// Order of the tab buttons.
const TABS: [Panel; 3] = [Panel::Chat, Panel::Offline, Panel::Callback];

/// What the forms show besides their fields.
pub(crate) struct FormsState<'a> {
    /// Panels offered (tabs when more than one).
    pub panels: &'a [Panel],
    /// The panel shown.
    pub panel: Panel,
    /// The offline message was stored.
    pub offline_sent: bool,
    /// The callback request was stored.
    pub callback_sent: bool,
}

impl Forms {
    /// Builds tabs and forms into `body`.
    pub(crate) fn new(body: &Element, on_action: &OnAction) -> Forms {
        let tabs = child(body, "div", "tabs");
        attr(&tabs, "role", "tablist");
        attr(&tabs, "part", "tabs");
        let mut listeners = Vec::with_capacity(5);
        let tab = TABS.map(|panel| {
            let b = child(&tabs, "button", "tab");
            attr(&b, "type", "button");
            attr(&b, "role", "tab");
            let a = on_action.clone();
            listeners.push(Listener::new(&b, "click", move |_| a(Action::Tab(panel))));
            b
        });

        let form = child(body, "form", "form side");
        attr(&form, "part", "offline");
        // Our own checks show the preset's texts in the preset's language.
        attr(&form, "novalidate", "");
        let title = child(&form, "h2", "");
        let (l1, o_email) = labelled::<HtmlInputElement>(&form, "input", "email", "ow-oe");
        let (l2, o_text) = labelled::<HtmlTextAreaElement>(&form, "textarea", "", "ow-ot");
        attr(&o_text, "rows", "4");
        let submit = submit_button(&form);
        let (a, oe, ot) = (on_action.clone(), o_email.clone(), o_text.clone());
        listeners.push(Listener::new(&form, "submit", move |e: Event| {
            e.prevent_default();
            a(Action::Offline(oe.value(), ot.value()));
        }));
        let offline = Parts {
            form,
            title,
            labels: [l1, l2],
            submit,
        };

        let form = child(body, "form", "form side");
        attr(&form, "part", "callback");
        attr(&form, "novalidate", "");
        let title = child(&form, "h2", "");
        let (l1, c_name) = labelled::<HtmlInputElement>(&form, "input", "text", "ow-cn");
        attr(&c_name, "autocomplete", "name");
        attr(&c_name, "maxlength", "200");
        let (l2, c_phone) = labelled::<HtmlInputElement>(&form, "input", "tel", "ow-cp");
        attr(&c_phone, "autocomplete", "tel");
        attr(&c_phone, "maxlength", "64");
        let submit = submit_button(&form);
        let (a, cn, cp) = (on_action.clone(), c_name.clone(), c_phone.clone());
        listeners.push(Listener::new(&form, "submit", move |e: Event| {
            e.prevent_default();
            a(Action::Callback(cn.value(), cp.value()));
        }));
        let callback = Parts {
            form,
            title,
            labels: [l1, l2],
            submit,
        };
        Forms {
            tabs,
            tab,
            offline,
            o_email,
            o_text,
            callback,
            c_name,
            c_phone,
            _listeners: listeners,
        }
    }

    /// The tab list (the view places it).
    pub(crate) fn tabs(&self) -> &Element {
        &self.tabs
    }

    /// Draws tabs and forms.
    pub(crate) fn render(&self, texts: &Texts, s: &FormsState) {
        show(&self.tabs, s.panels.len() > 1);
        for (panel, b) in TABS.iter().zip(&self.tab) {
            show(b, s.panels.len() > 1 && s.panels.contains(panel));
            let selected = *panel == s.panel;
            attr(b, "aria-selected", if selected { "true" } else { "false" });
            b.set_class_name(if selected { "tab on" } else { "tab" });
        }
        text(&self.tab[0], &texts.window_title);
        text(&self.tab[1], &texts.offline_title);
        text(&self.tab[2], &texts.callback_title);

        let o = &self.offline;
        show(&o.form, s.panel == Panel::Offline);
        text(&o.title, &texts.offline_title);
        text(&o.labels[0], &texts.email);
        text(&o.labels[1], &texts.message);
        text(&o.submit, &texts.submit);
        for e in o.labels.iter().chain([&o.submit]) {
            show(e, !s.offline_sent);
        }
        self.o_email.set_hidden(s.offline_sent);
        self.o_text.set_hidden(s.offline_sent);

        let c = &self.callback;
        show(&c.form, s.panel == Panel::Callback);
        text(&c.title, &texts.callback_title);
        text(&c.labels[0], &texts.name);
        text(&c.labels[1], &texts.phone);
        text(&c.submit, &texts.submit);
        for e in c.labels.iter().chain([&c.submit]) {
            show(e, !s.callback_sent);
        }
        self.c_name.set_hidden(s.callback_sent);
        self.c_phone.set_hidden(s.callback_sent);
    }

    /// The first field of a form panel.
    pub(crate) fn first_field(&self, panel: Panel) -> Option<&HtmlElement> {
        match panel {
            Panel::Offline => Some(&self.o_email),
            Panel::Callback => Some(&self.c_name),
            Panel::Chat => None,
        }
    }

    /// Marks the name field as missing and focuses it.
    pub(crate) fn name_missing(&self) {
        attr(&self.c_name, "aria-invalid", "true");
        let _ = self.c_name.focus();
    }

    /// Marks the phone field as valid or not (focused when not).
    pub(crate) fn phone_invalid(&self, invalid: bool) {
        attr(&self.c_name, "aria-invalid", "false");
        attr(
            &self.c_phone,
            "aria-invalid",
            if invalid { "true" } else { "false" },
        );
        if invalid {
            let _ = self.c_phone.focus();
        }
    }

    /// Clears the offline form after it was stored.
    pub(crate) fn clear_offline(&self) {
        self.o_text.set_value("");
    }

    /// Pre-fills the offline message's text, when empty.
    pub(crate) fn prefill_offline_text(&self, text: &str) {
        if self.o_text.value().is_empty() {
            self.o_text.set_value(text);
        }
    }

    /// Pre-fills empty fields from `addCustomData`'s reserved names.
    pub(crate) fn prefill(&self, name: &str, value: &str) {
        let field = match name {
            "oo1_guest_email" => &self.o_email,
            "oo1_guest_ident" => &self.c_name,
            "oo1_guest_phone" => &self.c_phone,
            _ => return,
        };
        if field.value().is_empty() {
            field.set_value(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(busy: bool, offline: bool, message: bool) -> Features {
        Features {
            callback_when_busy: busy,
            callback_when_offline: offline,
            offline_message: message,
            ..Features::default()
        }
    }

    #[test]
    fn online_and_unknown_offer_the_chat() {
        let all = features(true, true, true);
        assert_eq!(panels(Some(ButtonStatus::Online), &all), [Panel::Chat]);
        assert_eq!(panels(None, &all), [Panel::Chat]);
    }

    #[test]
    fn busy_offers_a_callback_when_the_preset_allows() {
        assert_eq!(
            panels(Some(ButtonStatus::Busy), &features(true, false, true)),
            [Panel::Callback, Panel::Chat]
        );
        assert_eq!(
            panels(Some(ButtonStatus::Busy), &features(false, true, true)),
            [Panel::Chat]
        );
    }

    #[test]
    fn offline_offers_what_the_preset_allows() {
        let off = Some(ButtonStatus::Offline);
        assert_eq!(panels(off, &features(true, false, true)), [Panel::Offline]);
        assert_eq!(
            panels(off, &features(false, true, true)),
            [Panel::Offline, Panel::Callback]
        );
        assert_eq!(panels(off, &features(true, true, false)), [Panel::Callback]);
        assert_eq!(panels(off, &features(true, false, false)), [Panel::Chat]);
    }
}
