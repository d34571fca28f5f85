//! The widget's CSS, inserted into its shadow root: page CSS cannot reach
//! in and ours cannot leak out. Colours come from the preset through the
//! custom properties `--ow-bg` / `--ow-fg` set on the host element.

/// Stylesheet of the button and the chat window (kept small: it is part of
/// the first-paint budget).
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
.info{margin:0;padding:8px 12px;background:#f6f8fa;border-bottom:1px solid #d0d7de;font-size:13px}\
.log{flex:1;overflow-y:auto;margin:0;padding:8px 12px;list-style:none;display:flex;flex-direction:column;gap:6px}\
.m{max-width:85%;padding:6px 10px;border-radius:10px;background:#f1f3f5;align-self:flex-start;overflow-wrap:anywhere}\
.m.v{align-self:flex-end;background:var(--ow-bg);color:var(--ow-fg)}.m.v a{color:inherit}\
.m.s{align-self:center;background:none;color:#57606a;font-size:12px}\
.meta{display:flex;gap:6px;font-size:11px;opacity:.8}.who{font-weight:600}\
.txt{white-space:pre-wrap}.mark{font-size:11px;opacity:.8;text-align:right}.mark:empty{display:none}\
.typing{margin:0;padding:2px 12px;font-size:12px;color:#57606a;font-style:italic}\
.compose{display:flex;gap:6px;padding:8px;border-top:1px solid #d0d7de}\
.fld{flex:1;min-width:0;width:100%;padding:6px 8px;border:1px solid #8c959f;border-radius:6px;font:inherit;color:inherit;background:#fff;resize:none}\
.fld:focus{outline:2px solid #0969da;outline-offset:0}\
.go,.end{padding:6px 12px;border:0;border-radius:6px;background:var(--ow-bg);color:var(--ow-fg);font:inherit;font-weight:600;cursor:pointer}\
.end{margin:0 8px 8px;background:#eaeef2;color:#1f2328}\
.ended,.form{display:flex;flex-direction:column;gap:8px;padding:12px}\
.offline{flex:1;overflow-y:auto}.offline h2{margin:0;font-size:16px}.lbl{font-size:13px;font-weight:600}\
@media(max-width:480px){.win,.left .win{left:8px;right:8px;width:auto;max-width:none}}\
";
