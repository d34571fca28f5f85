//! The content of the chat window: conversation, composer, ended view and
//! offline form. Built once with DOM calls into the body element of the
//! core's window frame; [`View::render`] updates it from the [`Chat`]
//! state. The message list is a function of the conversation: one row per
//! message key (`keyed.rs`), in the conversation's order; a row, once
//! drawn, is kept (never re-rendered), so the live region announces only
//! new messages.

use owidget_protocol::{Author, Texts};
use wasm_bindgen::JsCast;
use web_sys::{
    Element, Event, HtmlElement, HtmlInputElement, HtmlTextAreaElement, KeyboardEvent, ShadowRoot,
};

use std::rc::Rc;

use owidget_web::dom::{attr, child, show, text, Listener};
use owidget_web::{cat, decimal};

use crate::forms::{input_in, labelled, submit_button, Forms, FormsState};
use crate::linkify::{pieces, Piece};
use crate::state::{fill, Chat, Mark, Phase};

/// What the visitor did in the chat window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
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
    /// Sent the callback form: name, phone number as typed.
    Callback(String, String),
    /// Chose a tab (the chat or a form).
    Tab(Panel),
}

/// Handler of [`Action`]s, set by the window.
pub(crate) type OnAction = Rc<dyn Fn(Action)>;

/// Which panel the window shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Panel {
    /// The conversation (also before the first message).
    Chat,
    /// The offline message form (status 0, no chat).
    Offline,
    /// The callback request form (status 2, or 0 where the preset offers
    /// it; no chat).
    Callback,
}

/// What else the view shows besides the chat state.
pub(crate) struct Extra<'a> {
    /// Waiting while nobody is online: `Some(keep waiting)`.
    pub stranded: Option<bool>,
    /// The socket is down.
    pub disconnected: bool,
    /// A confirmation or error to show.
    pub notice: Option<&'a str>,
    /// Panels offered, the one shown, forms sent.
    pub forms: FormsState<'a>,
    /// The server e-mails transcripts: the ended view offers one.
    pub transcript: bool,
}

struct Row {
    key: u32,
    li: Element,
    time: Element,
    mark: Element,
    /// A bot message's quick-reply buttons.
    _listeners: Vec<Listener>,
}

/// DOM of the window's content.
pub(crate) struct View {
    body: Element,
    info: Element,
    log: Element,
    typing: Element,
    compose: Element,
    input: HtmlTextAreaElement,
    send: Element,
    end: Element,
    ended: Element,
    ended_text: Element,
    t_form: Element,
    t_label: Element,
    t_email: HtmlInputElement,
    t_submit: Element,
    new_chat: Element,
    forms: Forms,
    rows: Vec<Row>,
    on_action: OnAction,
    _listeners: Vec<Listener>,
}

impl View {
    /// Builds the content into `body`; actions go to `on_action`. The
    /// message box takes at most `max_chars` (the server's limit).
    pub(crate) fn new(body: &Element, max_chars: u32, on_action: OnAction) -> View {
        let on_action = &on_action;
        // The chat's own rules, added to the shadow root's adopted sheets
        // (the core's first-paint CSS stays small; see crate::style).
        if let Ok(root) = body.get_root_node().dyn_into::<ShadowRoot>() {
            crate::style::add_to(&root);
        }
        let info = child(body, "p", "info");
        attr(&info, "role", "status");
        let log = child(body, "ol", "log");
        attr(&log, "part", "messages");
        attr(&log, "role", "log");
        attr(&log, "aria-live", "polite");
        // Mark changes ("Read") must not be announced again and again.
        attr(&log, "aria-relevant", "additions");
        attr(&log, "tabindex", "0");
        let typing = child(body, "p", "typing");
        attr(&typing, "aria-live", "polite");

        let compose = child(body, "form", "compose");
        attr(&compose, "part", "composer");
        let input: HtmlTextAreaElement = input_in(&compose, "textarea", "fld").unchecked_into();
        attr(&input, "rows", "2");
        // UTF-16 units: never more than the server's characters.
        attr(&input, "maxlength", &decimal(u64::from(max_chars)));
        let send = submit_button(&compose);

        let ended = child(body, "div", "ended");
        attr(&ended, "part", "ended");
        let ended_text = child(&ended, "p", "");
        let tform = child(&ended, "form", "form");
        // Our own check shows the preset's text in the preset's language.
        attr(&tform, "novalidate", "");
        let (t_label, t_email) = labelled::<HtmlInputElement>(&tform, "input", "email", "ow-te");
        let t_submit = submit_button(&tform);
        let new_chat = child(&ended, "button", "go");
        attr(&new_chat, "type", "button");

        let forms = Forms::new(body, on_action);
        // The tabs go above the conversation.
        let _ = body.insert_before(forms.tabs(), Some(&log));

        let end = child(body, "button", "end");
        attr(&end, "type", "button");
        attr(&end, "part", "end");

        let mut listeners = Vec::with_capacity(8);
        let on = |target: &Element, kind: &'static str, f: Box<dyn Fn(&Event)>| {
            Listener::new(target, kind, move |e: Event| f(&e))
        };
        let (a, i) = (on_action.clone(), input.clone());
        listeners.push(on(
            &compose,
            "submit",
            Box::new(move |e| {
                e.prevent_default();
                // The window clears the box once the message is taken.
                let value = i.value();
                if !value.trim().is_empty() {
                    a(Action::Send(value));
                }
            }),
        ));
        // Enter sends, Shift+Enter makes a new line.
        let c = compose.clone();
        listeners.push(on(
            &input,
            "keydown",
            Box::new(move |e| {
                if let Some(k) = e.dyn_ref::<KeyboardEvent>() {
                    if k.key() == "Enter" && !k.shift_key() && !k.is_composing() {
                        e.prevent_default();
                        if let Some(f) = c.dyn_ref::<web_sys::HtmlFormElement>() {
                            let _ = f.request_submit();
                        }
                    }
                }
            }),
        ));
        let a = on_action.clone();
        listeners.push(on(&input, "input", Box::new(move |_| a(Action::Typing))));
        let a = on_action.clone();
        listeners.push(on(&end, "click", Box::new(move |_| a(Action::EndChat))));
        let a = on_action.clone();
        listeners.push(on(
            &new_chat,
            "click",
            Box::new(move |_| a(Action::NewChat)),
        ));
        let (a, t) = (on_action.clone(), t_email.clone());
        listeners.push(on(
            &tform,
            "submit",
            Box::new(move |e| {
                e.prevent_default();
                a(Action::Transcript(t.value()));
            }),
        ));
        View {
            body: body.clone(),
            info,
            log,
            typing,
            compose,
            input,
            send,
            end,
            ended,
            ended_text,
            t_form: tform,
            t_label,
            t_email,
            t_submit,
            new_chat,
            forms,
            rows: Vec::new(),
            on_action: on_action.clone(),
            _listeners: listeners,
        }
    }

    /// Draws `chat` with `texts`.
    pub(crate) fn render(&mut self, chat: &Chat, texts: &Texts, extra: &Extra) {
        let in_chat = extra.forms.panel == Panel::Chat;
        let info = if let Some(notice) = extra.notice {
            notice.to_string()
        } else if extra.disconnected && chat.is_open() {
            texts.disconnected.clone()
        } else {
            match chat.phase {
                Phase::Starting | Phase::Resuming => texts.waiting.clone(),
                Phase::Waiting if extra.stranded.is_some() => {
                    if extra.stranded == Some(true) {
                        texts.still_waiting.clone()
                    } else {
                        texts.nobody_left.clone()
                    }
                }
                Phase::Waiting => match chat.queue {
                    Some(n) => cat(&[
                        &texts.waiting,
                        " ",
                        &fill(&texts.queue_position, "n", &decimal(u64::from(n))),
                    ]),
                    None => texts.waiting.clone(),
                },
                Phase::Active => chat
                    .operator
                    .as_deref()
                    .map(|name| fill(&texts.operator_joined, "name", name))
                    .unwrap_or_default(),
                Phase::Idle | Phase::Ended => String::new(),
            }
        };
        text(&self.info, &info);
        show(&self.info, !info.is_empty());
        show(&self.log, in_chat);
        let typing = match (&chat.operator, chat.typing && chat.phase == Phase::Active) {
            (Some(name), true) => fill(&texts.typing, "name", name),
            _ => String::new(),
        };
        text(&self.typing, &typing);
        show(&self.typing, in_chat && !typing.is_empty());

        let composing = in_chat && chat.phase != Phase::Ended;
        show(&self.compose, composing);
        attr(&self.input, "placeholder", &texts.message_placeholder);
        attr(&self.input, "aria-label", &texts.message_placeholder);
        text(&self.send, &texts.send);
        show(
            &self.end,
            in_chat && chat.is_open() && chat.session.is_some(),
        );
        text(&self.end, &texts.end_chat);

        show(&self.ended, in_chat && chat.phase == Phase::Ended);
        text(&self.ended_text, &texts.chat_ended);
        show(&self.t_form, extra.transcript);
        text(&self.t_label, &texts.transcript_email);
        text(&self.t_submit, &texts.submit);
        text(&self.new_chat, &texts.new_chat);

        self.forms.render(texts, &extra.forms);

        self.sync_messages(chat, texts);
    }

    fn sync_messages(&mut self, chat: &Chat, texts: &Texts) {
        let drawn: Vec<u32> = self.rows.iter().map(|r| r.key).collect();
        let wanted: Vec<u32> = chat.items.iter().map(|i| i.key).collect();
        let plan = crate::keyed::reuse(&drawn, &wanted);
        let mut old: Vec<Option<Row>> = std::mem::take(&mut self.rows)
            .into_iter()
            .map(Some)
            .collect();
        let rows: Vec<Row> = chat
            .items
            .iter()
            .zip(&plan)
            .map(|(item, keep)| match keep.and_then(|i| old[i].take()) {
                Some(row) => row,
                None => self.row(chat, item, texts),
            })
            .collect();
        for row in old.into_iter().flatten() {
            row.li.remove();
        }
        // Put the rows in the conversation's order; only rows out of
        // place move (new ones are appended, usually in place already).
        let mut at = self.log.first_child();
        for row in &rows {
            let node: &web_sys::Node = row.li.as_ref();
            if node.is_same_node(at.as_ref()) {
                at = node.next_sibling();
            } else {
                let _ = self.log.insert_before(node, at.as_ref());
            }
        }
        self.rows = rows;
        // Times and marks change after the fact (ack, read).
        for (item, row) in chat.items.iter().zip(&self.rows) {
            text(&row.time, &item.at.map(clock).unwrap_or_default());
            if item.author == Author::Visitor {
                let mark = match chat.mark(item) {
                    Mark::Sending => "…",
                    Mark::Delivered => texts.delivered.as_str(),
                    Mark::Read => texts.read.as_str(),
                };
                text(&row.mark, mark);
            }
        }
        if let Some(h) = self.log.dyn_ref::<HtmlElement>() {
            h.set_scroll_top(h.scroll_height());
        }
    }

    /// A new row for `item`, appended to the list.
    fn row(&self, chat: &Chat, item: &crate::state::Item, texts: &Texts) -> Row {
        let class = match item.author {
            Author::Visitor => "m v",
            Author::Operator => "m o",
            Author::System => "m s",
        };
        let li = child(&self.log, "li", class);
        let meta = child(&li, "div", "meta");
        let who = item.name.as_deref().or(match item.author {
            Author::Operator => chat.operator.as_deref(),
            _ => None,
        });
        if let Some(who) = who {
            text(&child(&meta, "span", "who"), who);
        }
        let time = child(&meta, "time", "");
        if let Some(card) = &item.card {
            crate::card::render(&li, card, &item.text, texts);
            let mark = child(&li, "div", "mark");
            return Row {
                key: item.key,
                li,
                time,
                mark,
                _listeners: Vec::new(),
            };
        }
        if let Some(bot) = &item.bot {
            let listeners = crate::botmsg::render(&li, &item.text, bot, &self.on_action);
            let mark = child(&li, "div", "mark");
            return Row {
                key: item.key,
                li,
                time,
                mark,
                _listeners: listeners,
            };
        }
        let body = child(&li, "div", "txt");
        for piece in pieces(&item.text) {
            match piece {
                Piece::Text(t) => {
                    let _ = body.append_with_str_1(t);
                }
                Piece::Link(url) => {
                    let a = child(&body, "a", "");
                    attr(&a, "href", url);
                    attr(&a, "rel", "noopener noreferrer");
                    attr(&a, "target", "_blank");
                    text(&a, url);
                }
            }
        }
        let mark = child(&li, "div", "mark");
        Row {
            key: item.key,
            li,
            time,
            mark,
            _listeners: Vec::new(),
        }
    }

    /// Focuses the first field of `panel`; false when it has none.
    pub(crate) fn focus(&self, panel: Panel) -> bool {
        let field: Option<&HtmlElement> = match panel {
            Panel::Chat if !self.compose.has_attribute("hidden") => Some(&self.input),
            Panel::Chat => None,
            form => self.forms.first_field(form),
        };
        field.is_some_and(|h| h.focus().is_ok())
    }

    /// Empties the message box (its message was taken).
    pub(crate) fn clear_draft(&self) {
        self.input.set_value("");
    }

    /// Puts a refused message back into the message box, after what is
    /// there (several refusals come back in the order sent).
    pub(crate) fn restore_draft(&self, text: &str) {
        let now = self.input.value();
        if now.is_empty() {
            self.input.set_value(text);
        } else {
            self.input.set_value(&cat(&[&now, "\n", text]));
        }
    }

    /// The tabs and forms.
    pub(crate) fn forms(&self) -> &Forms {
        &self.forms
    }

    /// Pre-fills empty fields from `addCustomData`'s reserved names.
    pub(crate) fn prefill(&self, name: &str, value: &str) {
        if name == "oo1_guest_email" && self.t_email.value().is_empty() {
            self.t_email.set_value(value);
        }
        self.forms.prefill(name, value);
    }
}

impl Drop for View {
    fn drop(&mut self) {
        // The listeners go with the fields; the core's frame stays.
        self.body.set_text_content(None);
    }
}

/// `HH:MM` in the visitor's time zone.
fn clock(at: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64));
    let two = |n: u32| {
        let s = decimal(u64::from(n));
        if s.len() < 2 {
            cat(&["0", &s])
        } else {
            s
        }
    };
    cat(&[&two(d.get_hours()), ":", &two(d.get_minutes())])
}
