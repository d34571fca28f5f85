//! Small DOM helpers: an event listener that detaches itself on drop,
//! element construction without `innerHTML`, and stylesheets that a strict
//! Content-Security-Policy allows.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Document, Element, Event, EventTarget, ShadowRoot, Window};

/// An event listener, removed from its target when dropped (the gloo-events
/// pattern): the widget never leaves handlers behind in the host page.
#[must_use = "the listener is removed when dropped"]
pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    closure: Closure<dyn FnMut(Event)>,
}

impl Listener {
    /// Adds `handler` for events of `kind` on `target`.
    pub fn new(
        target: &EventTarget,
        kind: &'static str,
        handler: impl FnMut(Event) + 'static,
    ) -> Listener {
        let closure = Closure::<dyn FnMut(Event)>::new(handler);
        // Cannot fail for a function argument; ignoring keeps the widget alive.
        let _ = target.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref());
        Listener {
            target: target.clone(),
            kind,
            closure,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.kind, self.closure.as_ref().unchecked_ref());
    }
}

#[wasm_bindgen::prelude::wasm_bindgen(
    inline_js = "export function win() { return typeof window == 'object' ? window : undefined; }"
)]
extern "C" {
    /// The global `window`, `None` where there is none (a worker).
    fn win() -> Option<Window>;
}

/// The page's `window`. Not `web_sys::window()`: that one finds the
/// global object by four probes (`globalThis`, `self`, `window`, `global`),
/// each an import and a glue function of the first paint; nor a
/// `thread_local_v2` static (its lazy cell is ~0.3 KB of wasm).
pub fn window() -> Option<Window> {
    win()
}

/// The page's document (the widget only runs in a window).
pub fn document() -> Option<Document> {
    window()?.document()
}

/// Creates `<tag class=class>`.
pub fn el(doc: &Document, tag: &str, class: &str) -> Element {
    // `create_element` fails only for invalid tag names and ours are
    // literals; aborting avoids pulling panic formatting into the wasm.
    let e = doc
        .create_element(tag)
        .unwrap_or_else(|_| std::process::abort());
    if !class.is_empty() {
        e.set_class_name(class);
    }
    e
}

/// Creates an element in `parent`'s document and appends it to `parent`.
pub fn child(parent: &Element, tag: &str, class: &str) -> Element {
    let doc = parent
        .owner_document()
        .unwrap_or_else(|| std::process::abort());
    let e = el(&doc, tag, class);
    let _ = parent.append_child(&e);
    e
}

/// Sets an attribute, ignoring the (impossible for literal names) error.
pub fn attr(e: &Element, name: &str, value: &str) {
    let _ = e.set_attribute(name, value);
}

/// Sets the element's text (rendered as text, never parsed as HTML).
pub fn text(e: &Element, value: &str) {
    e.set_text_content(Some(value));
}

/// Shows or hides an element with the `hidden` attribute.
pub fn show(e: &Element, visible: bool) {
    if visible {
        let _ = e.remove_attribute("hidden");
    } else {
        attr(e, "hidden", "");
    }
}

/// Gives the new shadow root `root` the rules `css` as its one constructed
/// stylesheet (`adoptedStyleSheets`), never as a `<style>` element or a
/// `style` attribute: a page whose `style-src` lacks `'unsafe-inline'`
/// blocks those, not CSSOM. A browser without constructable stylesheets
/// (Safari before 16.4) gets a `<style>` element.
pub fn adopt_css(root: &ShadowRoot, css: &str) {
    match sheet(css) {
        Some(sheet) => root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet)),
        None => style_element(root, css),
    }
}

/// A constructed stylesheet holding `css`; `None` where the browser has no
/// constructable stylesheets. One sheet may serve several shadow roots.
pub fn sheet(css: &str) -> Option<CssStyleSheet> {
    let sheet = CssStyleSheet::new().ok()?;
    sheet.replace_sync(css).ok()?;
    Some(sheet)
}

/// Appends `sheet` to the adopted stylesheets of `root` unless it is there.
pub fn add_sheet(root: &ShadowRoot, sheet: &CssStyleSheet) {
    let list = root.adopted_style_sheets();
    if !list.includes(sheet, 0) {
        root.set_adopted_style_sheets(&list.concat(&js_sys::Array::of1(sheet)));
    }
}

/// The fallback of old browsers: a `<style>` element in `root`.
pub fn style_element(root: &ShadowRoot, css: &str) {
    if let Some(doc) = document() {
        let style = el(&doc, "style", "");
        text(&style, css);
        let _ = root.append_child(&style);
    }
}
