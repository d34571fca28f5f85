//! A widget lives until `destroy()`, whatever the page keeps (issue 14
//! item 0), and the object the page gets has bound methods that never
//! throw and no `free` (issue 10 item 10).
//!
//! The page (`www/demo/snippet.html`) carries the README's snippet and keeps
//! no reference to the `owidget` object. Chromium runs with `gc()` exposed;
//! a finalizer of the test's own tells when the collections' finalizers
//! (wasm-bindgen's among them) have run.

use owidget_e2e::{Browser, TestServer, DEMO_COMPANY};
use reqwest::Method;
use serde_json::{json, Value};

/// JS expression: the widget's shadow root.
const ROOT: &str = "document.querySelector('owidget-root')?.shadowRoot";

/// Collects garbage until a finalizer registered by the script itself has
/// run (so the browser has run the finalizers of those collections), plus
/// a few more rounds, with a task between each.
const COLLECT: &str = r#"
const done = arguments[arguments.length - 1];
let fired = false;
const sentinel = new FinalizationRegistry(() => { fired = true; });
(() => { sentinel.register({ garbage: new Array(1000).fill(0) }, 'x'); })();
const tick = () => new Promise((r) => setTimeout(r, 0));
(async () => {
  let rounds = 0;
  for (; rounds < 200 && !fired; rounds++) { gc(); await tick(); }
  for (let i = 0; i < 5; i++) { gc(); await tick(); }
  done({ fired, rounds });
})();
"#;

async fn collect_garbage(browser: &Browser) {
    let r = browser.js_async(COLLECT, vec![]).await;
    assert_eq!(
        r["fired"], true,
        "no finalizer ran after {} gc() rounds",
        r["rounds"]
    );
}

async fn widget_there(browser: &Browser, when: &str) {
    let shown = browser
        .js(
            &format!(
                "const b = {ROOT}?.querySelector('.btn'); \
                 return !!b && b.isConnected && b.getBoundingClientRect().width > 0"
            ),
            vec![],
        )
        .await;
    assert_eq!(shown, true, "the chat button is gone {when}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_outlives_garbage_collections_and_its_object_never_throws() {
    let server = TestServer::start().await;
    let browser = Browser::start_with(&["--js-flags=--expose-gc"]).await;
    let operator = server.demo_operator().await;
    operator.set_availability("online").await;

    browser
        .goto(&format!("{}/demo/snippet.html", server.url))
        .await;
    browser
        .wait_js(
            "status 1 and the button",
            &format!(
                "document.getElementById('status').dataset.code === '1' && !!{ROOT}?.querySelector('.btn')"
            ),
        )
        .await;
    collect_garbage(&browser).await;
    widget_there(&browser, "after garbage collections").await;

    // The chat still works: the visitor writes, the operator answers.
    browser
        .shadow_find("owidget-root", ".btn")
        .await
        .click()
        .await
        .expect("open the window");
    let composer = browser
        .shadow_find("owidget-root", "[part=composer] textarea")
        .await;
    collect_garbage(&browser).await;
    composer
        .send_keys("Still there?\u{E007}")
        .await
        .expect("type into the chat window");
    browser
        .wait_js(
            "chatSessionCreated",
            "Array.from(document.querySelectorAll('#events li')).some(li => li.textContent === 'chatSessionCreated')",
        )
        .await;
    collect_garbage(&browser).await;
    let queue = operator
        .call(Method::GET, "/api/operator/queue", None)
        .await;
    let id = queue[0]["id"].as_str().expect("a waiting chat").to_string();
    operator
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/accept"),
            None,
        )
        .await;
    operator
        .call(
            Method::POST,
            &format!("/api/operator/chats/{id}/messages"),
            Some(json!({ "text": "Yes, still here." })),
        )
        .await;
    let answer = browser
        .wait_js(
            "the operator's answer",
            &format!("{ROOT}?.querySelector('.m.o .txt')?.textContent"),
        )
        .await;
    assert_eq!(answer, json!("Yes, still here."));
    collect_garbage(&browser).await;
    widget_there(&browser, "after the chat and more collections").await;

    detached_calls_and_calls_after_destroy_never_throw(&browser).await;
    widget_there(&browser, "after a second widget was destroyed").await;
}

/// A second snippet whose page keeps its object (to call it): every method
/// called detached from the object, then after `destroy()`, throws nothing.
async fn detached_calls_and_calls_after_destroy_never_throw(browser: &Browser) {
    browser
        .js(
            "window.__thrown = []; \
             window.addEventListener('error', (e) => window.__thrown.push('error: ' + e.message)); \
             window.addEventListener('unhandledrejection', (e) => window.__thrown.push('rejection: ' + e.reason)); \
             const scr = document.createElement('script'); \
             scr.src = '/widget/owidget.js'; \
             scr.$owidgetOnLoad = function (owidget) { window.__second = owidget; }; \
             document.head.appendChild(scr);",
            vec![],
        )
        .await;
    browser
        .wait_js("the second object", "!!window.__second")
        .await;
    let own = browser
        .js(
            "const o = window.__second; \
             return { free: 'free' in o, keys: Object.keys(o).sort() };",
            vec![],
        )
        .await;
    assert_eq!(own["free"], false, "no free() on the page's object: {own}");

    // Detached calls, as `btn.onclick = owidget.openChat` makes them.
    let detached = r#"
        const o = window.__second, thrown = window.__thrown;
        const call = (name, ...args) => {
          const f = o[name];
          try { return f(...args); } catch (e) { thrown.push(name + ': ' + e); }
        };
        window.__events = [];
        call('init', arguments[0], 'sales');
        call('setAppEventCallback', (e) => window.__events.push(e.type));
        call('setStatusUpdateCallback', (code) => { window.__status = code; });
        call('connectToServer');
        return thrown;
    "#;
    let thrown = browser.js(detached, vec![json!(DEMO_COMPANY)]).await;
    assert_eq!(thrown, json!([]), "detached calls threw");
    browser
        .wait_js(
            "the second widget's button",
            "document.querySelectorAll('owidget-root').length === 2 && window.__status !== undefined",
        )
        .await;
    let thrown = browser
        .js(
            "const f = window.__second.openChat; try { f(); } catch (e) { window.__thrown.push('openChat: ' + e); } \
             return window.__thrown;",
            vec![],
        )
        .await;
    assert_eq!(thrown, json!([]), "a detached openChat threw");
    browser
        .wait_js(
            "chatWindowOpen of the second widget",
            "window.__events.includes('chatWindowOpen')",
        )
        .await;

    // destroy(), detached too, then every member again.
    let after = r#"
        const done = arguments[arguments.length - 1];
        const o = window.__second, thrown = window.__thrown;
        const f = o.destroy;
        try { f(); } catch (e) { thrown.push('destroy: ' + e); }
        const promises = [];
        for (const name of Object.keys(o)) {
          try {
            const v = typeof o[name] === 'function' ? o[name].call(undefined, '+420 777 666 555') : o[name];
            if (v && typeof v.then === 'function') promises.push(v);
          } catch (e) { thrown.push(name + ' after destroy: ' + e); }
        }
        Promise.all(promises).then((values) => done({
          thrown,
          values,
          roots: document.querySelectorAll('owidget-root').length,
        }), (e) => done({ thrown: thrown.concat(['rejected: ' + e]) }));
    "#;
    let r: Value = browser.js_async(after, vec![]).await;
    assert_eq!(r["thrown"], json!([]), "calls after destroy threw: {r}");
    assert_eq!(
        r["values"],
        json!([null]),
        "normalizeNumber after destroy: {r}"
    );
    assert_eq!(
        r["roots"], 1,
        "destroy() removed the second widget only: {r}"
    );
}
