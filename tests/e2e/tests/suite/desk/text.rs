//! The desk's safe text rendering (`www/desk/text.js`) on awkward inputs,
//! run in the real browser the desk runs in.

use owidget_e2e::{Browser, TestServer};
use serde_json::{json, Value};

/// Renders each input with `appendText` and describes the result: the
/// text as shown, and every child as `text` or `a <href>`.
const RENDER: &str = r#"
const [inputs, done] = [arguments[0], arguments[arguments.length - 1]];
import('./text.js').then((t) => done(inputs.map((s) => {
  const p = document.createElement('p');
  t.appendText(p, s);
  return {
    shown: p.textContent,
    parts: [...p.childNodes].map((n) => n.nodeType === Node.TEXT_NODE ? 'text'
      : `${n.tagName.toLowerCase()} ${n.getAttribute('href')} ${n.target} ${n.rel}`),
  };
}))).catch((e) => done(String(e)));
"#;

/// A text node in the description.
const T: &str = "text";

/// A safe link to `href` in the description.
fn a(href: &str) -> String {
    format!("a {href} _blank noopener noreferrer")
}

/// What `appendText` should make of each input: only http(s) URLs link,
/// trailing punctuation and unopened brackets stay text.
fn cases() -> Vec<(&'static str, Vec<String>)> {
    let t = || T.to_string();
    vec![
        ("plain words", vec![t()]),
        (
            "see http://a.cz/b, then",
            vec![t(), a("http://a.cz/b"), t()],
        ),
        ("(https://a.cz/x)", vec![t(), a("https://a.cz/x"), t()]),
        ("https://a.cz/w_(b)", vec![a("https://a.cz/w_(b)")]),
        ("HTTPS://A.CZ", vec![a("https://a.cz/")]),
        ("javascript:alert(1)", vec![t()]),
        ("data:text/html,<b>x</b>", vec![t()]),
        ("http://", vec![t()]),
        (
            "https://a.cz/<img src=x onerror=alert(1)>",
            vec![a("https://a.cz/"), t()],
        ),
        (
            "two https://a.cz and http://b.cz.",
            vec![t(), a("https://a.cz/"), t(), a("http://b.cz/"), t()],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_http_urls_become_links_and_everything_else_stays_text() {
    let server = TestServer::start().await;
    let browser = Browser::start().await;
    browser.goto(&format!("{}/desk/", server.url)).await;
    let cases = cases();
    let inputs: Vec<Value> = cases.iter().map(|(s, _)| json!(s)).collect();
    let got = browser
        .client()
        .execute_async(RENDER, vec![json!(inputs)])
        .await
        .expect("text.js runs");
    for (i, (input, parts)) in cases.iter().enumerate() {
        assert_eq!(got[i]["shown"], *input, "shown text of {input:?}");
        assert_eq!(got[i]["parts"], json!(parts), "nodes of {input:?}");
    }

    // tel: links keep only digits and `+` (and an extension's `;ext=` digits),
    // whatever the stored number holds.
    let tel = browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];
             import('./text.js').then((t) => {
               const a = t.telLink('+420 (777) 666-555 \"><b>');
               done([a.tagName, a.getAttribute('href'), a.textContent, t.telLink('none').nodeType,
                     t.telLink('+420 777 666 555 ext. 12').getAttribute('href'),
                     t.telLink('+44 7400 123456 x3').getAttribute('href')]);
             }).catch((e) => done(String(e)));",
            vec![],
        )
        .await
        .expect("telLink runs");
    assert_eq!(
        tel,
        json!([
            "A",
            "tel:+420777666555",
            "+420 (777) 666-555 \"><b>",
            3,
            "tel:+420777666555;ext=12",
            "tel:+447400123456;ext=3"
        ])
    );
    browser.close().await;
}
