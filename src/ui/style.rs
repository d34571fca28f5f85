//! The core's CSS, inserted into the widget's shadow root: page CSS cannot
//! reach in and ours cannot leak out. Colours come from the preset through
//! the custom properties `--ow-bg` / `--ow-fg` set on the host element. The
//! chat window's content brings its own rules with the chat module.

/// Stylesheet of the button and the window frame (kept small: it is part
/// of the first-paint budget).
pub(crate) const CSS: &str = "\
:host{all:initial}\
*{box-sizing:border-box}\
[hidden]{display:none!important}\
.ow{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328}\
.btn,.win{position:fixed;right:16px;z-index:2147483000}\
.left .btn,.left .win{right:auto;left:16px}\
.btn{bottom:var(--ow-b);display:flex;align-items:center;gap:8px;max-width:calc(100vw - 32px);\
padding:12px 18px;border:0;border-radius:24px;background:var(--ow-bg);color:var(--ow-fg);\
font:inherit;font-weight:600;cursor:pointer;box-shadow:0 2px 10px rgba(0,0,0,.3)}\
.btn:focus-visible,.win button:focus-visible,.win a:focus-visible{outline:3px solid #0969da;outline-offset:2px}\
.dot{flex:none;width:10px;height:10px;border-radius:50%;background:#8c959f;border:1px solid #fff}\
.s1 .dot{background:#2da44e}.s2 .dot{background:#d4a72c}\
.win{bottom:calc(var(--ow-b) + 56px);display:flex;flex-direction:column;width:360px;\
max-width:calc(100vw - 16px);height:min(520px,calc(100vh - var(--ow-b) - 72px));overflow:hidden;\
background:#fff;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.3)}\
.head{display:flex;align-items:center;justify-content:space-between;gap:8px;padding:10px 12px;\
background:var(--ow-bg);color:var(--ow-fg);font-weight:600}\
.x{border:0;background:none;color:inherit;font:inherit;font-size:20px;line-height:1;cursor:pointer;padding:4px 8px}\
.body{flex:1;display:flex;flex-direction:column;min-height:0}\
@media(max-width:480px){.win,.left .win{left:8px;right:8px;width:auto;max-width:none}}\
";
