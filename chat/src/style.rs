//! The chat window's CSS, added to the core's shadow root with the window's
//! content. The core's stylesheet (`src/ui/style.rs`) has the button, the
//! frame, the colour variables `--ow-bg` / `--ow-fg` and the focus rings.
//!
//! How styles are added (strict Content-Security-Policy, issue 12): rules
//! go into a `&'static str` constant like [`CSS`] and reach the shadow root
//! through a constructed stylesheet in `adoptedStyleSheets` ([`add_to`]
//! for [`CSS`]; `owidget_web::dom::{sheet, add_sheet}` for another
//! constant). Never create `<style>` elements,
//! never set a `style` attribute (`attr(e, "style", …)`), never build CSS
//! or markup from strings at run time: pages whose `style-src` lacks
//! `'unsafe-inline'` block all of those. Per-element values that must vary
//! at run time (a colour from the preset) are CSSOM writes, e.g.
//! `HtmlElement::style().set_property("--ow-x", v)`, which CSP allows; new
//! components (product cards, bot content) add their rules here or in a
//! constant of their own added the same way.

use std::cell::OnceCell;

use web_sys::{CssStyleSheet, ShadowRoot};

/// Adds [`CSS`] to the widget's shadow root (once; one sheet serves every
/// widget of the page).
pub(crate) fn add_to(root: &ShadowRoot) {
    thread_local! {
        static SHEET: OnceCell<Option<CssStyleSheet>> = const { OnceCell::new() };
    }
    SHEET.with(|s| match s.get_or_init(|| owidget_web::dom::sheet(CSS)) {
        Some(sheet) => owidget_web::dom::add_sheet(root, sheet),
        None => owidget_web::dom::style_element(root, CSS),
    });
}

/// Stylesheet of the conversation and the forms. Only the composer's
/// field grows (`flex:1`, in a row): in the forms' columns a growing field
/// would stretch to the window's height.
pub(crate) const CSS: &str = "\
.info{margin:0;padding:8px 12px;background:#f6f8fa;border-bottom:1px solid #d0d7de;font-size:13px}\
.log{flex:1;overflow-y:auto;margin:0;padding:8px 12px;list-style:none;display:flex;flex-direction:column;gap:6px}\
.m{max-width:85%;padding:6px 10px;border-radius:10px;background:#f1f3f5;align-self:flex-start;overflow-wrap:anywhere}\
.m.v{align-self:flex-end;background:var(--ow-bg);color:var(--ow-fg)}.m.v a{color:inherit}\
.m.s{align-self:center;background:none;color:#57606a;font-size:12px}\
.meta{display:flex;gap:6px;font-size:11px;opacity:.8}.who{font-weight:600}\
.txt{white-space:pre-wrap}.mark{font-size:11px;opacity:.8;text-align:right}.mark:empty{display:none}\
.typing{margin:0;padding:2px 12px;font-size:12px;color:#57606a;font-style:italic}\
.compose{display:flex;gap:6px;padding:8px;border-top:1px solid #d0d7de}\
.compose .fld{flex:1}\
.fld{box-sizing:border-box;min-width:0;width:100%;padding:6px 8px;border:1px solid #8c959f;border-radius:6px;font:inherit;color:inherit;background:#fff;resize:none}\
.fld:focus{outline:2px solid #0969da;outline-offset:0}\
.go,.end{padding:6px 12px;border:0;border-radius:6px;background:var(--ow-bg);color:var(--ow-fg);font:inherit;font-weight:600;cursor:pointer}\
.end{margin:0 8px 8px;background:#eaeef2;color:#1f2328}\
.ended,.form{display:flex;flex-direction:column;gap:8px;padding:12px}\
.side{flex:1;overflow-y:auto}.side h2{margin:0;font-size:16px}.lbl{font-size:13px;font-weight:600}\
.tabs{display:flex;border-bottom:1px solid #d0d7de}\
.tab{flex:1;padding:8px;border:0;border-bottom:3px solid transparent;background:none;font:inherit;color:inherit;cursor:pointer}\
.tab.on{border-bottom-color:var(--ow-bg);font-weight:600}\
.fld[aria-invalid=true]{border-color:#cf222e}\
.card{display:flex;flex-direction:column;gap:4px;margin-top:4px;min-width:0}\
.ci{display:block;width:100%;max-height:140px;object-fit:contain;border-radius:6px;background:#fff}\
.ct{margin:0;font-weight:600}.ca,.cp{margin:0;font-size:13px}.ca.on{color:#1a7f37}.ca.off{color:#cf222e}\
.cp b{font-size:15px}.cp s{color:#57606a}\
.cx{margin:0;font-size:13px;white-space:pre-wrap}\
.cc{display:flex;flex-direction:column;gap:4px;min-width:0}.ch{margin:0;font-weight:600}\
.cr{display:flex;gap:8px;overflow-x:auto;scroll-snap-type:x mandatory;margin:0;padding:0 0 6px;list-style:none}\
.cr:focus-visible{outline:2px solid #0969da;outline-offset:2px}\
.cl{flex:0 0 78%;scroll-snap-align:start;display:flex}.cl .card{flex:1;margin:0;padding:8px;border:1px solid #d0d7de;border-radius:8px;background:#fff}\
.cg{align-self:flex-start;padding:6px 12px;border-radius:6px;background:var(--ow-bg);color:var(--ow-fg);font-weight:600;text-decoration:none}\
.md{white-space:normal}.md p{margin:0 0 5px}.md p:last-child{margin:0}.md .h{font-weight:700}\
.md pre{margin:4px 0;padding:6px;overflow-x:auto;background:#f6f8fa;border-radius:4px}.md code{font-family:monospace;font-size:12px}\
.md blockquote{margin:4px 0;padding-left:8px;border-left:3px solid #d0d7de}.md ul,.md ol{margin:4px 0;padding-left:20px}\
.md table{border-collapse:collapse;margin:4px 0;font-size:13px}.md th,.md td{border:1px solid #d0d7de;padding:2px 6px}\
.md hr{border:0;border-top:1px solid #d0d7de}.md img{max-width:100%;border-radius:6px}.md .file{font-weight:600}\
.qr{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}.qr button{padding:4px 10px;border:1px solid var(--ow-bg);border-radius:14px;background:#fff;color:var(--ow-bg);cursor:pointer;font:inherit}\
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
";
