//! Browser tests of the JS surface: argument validation, the language rule,
//! callbacks, destroy. Run against a real owidget-server given by
//! `OWIDGET_TEST_SERVER` (see scripts/test.sh).
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn is_supported() {
    assert_eq!(prop(&widget(), "isSupported"), JsValue::TRUE);
}

#[wasm_bindgen_test]
fn bad_company_id_is_reported_not_thrown() {
    let console = Console::capture();
    let w = widget();
    call_ok(&w, "init", &["not-a-guid".into()]);
    call_ok(&w, "init", &[JsValue::from(42)]);
    call_ok(&w, "init", &[]);
    let errors = console.matching("[owidget] init(companyId): companyId must be a GUID");
    assert_eq!(errors.len(), 3, "{:?}", console.lines());
    call_ok(&w, "connectToServer", &[]);
    assert_eq!(
        console
            .matching(
                "[owidget] connectToServer() needs a successful owidget.init(companyId) first"
            )
            .len(),
        1,
        "{:?}",
        console.lines()
    );
    assert!(prop(&w, "status").is_undefined());
    assert!(support::widget_roots().is_empty(), "no DOM without init");
}

#[wasm_bindgen_test]
fn wrong_argument_types_are_reported() {
    let console = Console::capture();
    let w = widget();
    call_ok(&w, "init", &[DEMO.into(), JsValue::from(3)]);
    assert_eq!(console.matching("widgetPreset must be a string").len(), 1);
    call_ok(&w, "init", &[DEMO.into(), JsValue::NULL, JsValue::TRUE]);
    assert_eq!(console.matching("language must be a string").len(), 1);
    // A valid init still works after failed ones; a second one is refused.
    call_ok(&w, "init", &[DEMO.into()]);
    call_ok(&w, "init", &[DEMO.into()]);
    assert_eq!(console.matching("init() was already called").len(), 1);
    assert_eq!(console.lines().len(), 3, "{:?}", console.lines());
}

#[wasm_bindgen_test]
fn non_function_callbacks_are_reported() {
    let console = Console::capture();
    let w = widget();
    for method in [
        "setAppEventCallback",
        "setStatusUpdateCallback",
        "setCustomNumberNormalization",
    ] {
        call_ok(&w, method, &["function () {}".into()]);
        call_ok(&w, method, &[]);
        let expected = format!("[owidget] {method}: callback must be a function");
        assert_eq!(
            console.matching(&expected).len(),
            2,
            "{:?}",
            console.lines()
        );
    }
    let (f, _) = status_recorder();
    call_ok(&w, "setCustomNumberNormalization", &[f]);
    assert_eq!(console.lines().len(), 6);
}

fn set_html_lang(lang: Option<&str>) {
    let html = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .document_element()
        .unwrap();
    match lang {
        Some(l) => html.set_attribute("lang", l).unwrap(),
        None => html.remove_attribute("lang").unwrap(),
    }
}

/// Inits a widget, connects it and waits for its configuration (the status
/// arrives after the configuration); returns its language then.
async fn configured_language(args: &[JsValue]) -> (Option<String>, Option<String>) {
    let w = widget();
    call_ok(&w, "init", args);
    let before = prop(&w, "language").as_string();
    call_ok(&w, "connectToServer", &[]);
    wait_for("the status", || !prop(&w, "status").is_undefined()).await;
    let after = prop(&w, "language").as_string();
    call_ok(&w, "destroy", &[]);
    (before, after)
}

#[wasm_bindgen_test]
async fn language_rule() {
    // The demo preset has en + cs, default en.
    set_html_lang(Some("cs"));
    assert_eq!(
        configured_language(&[DEMO.into()]).await,
        (Some("cs".into()), Some("cs".into())),
        "<html lang> when no argument"
    );
    assert_eq!(
        configured_language(&[DEMO.into(), JsValue::NULL, "en".into()]).await,
        (Some("en".into()), Some("en".into())),
        "the argument wins"
    );
    assert_eq!(
        configured_language(&[DEMO.into(), JsValue::UNDEFINED, "CS_cz".into()]).await,
        (Some("CS_cz".into()), Some("cs".into())),
        "narrowed to the preset's spelling"
    );
    assert_eq!(
        configured_language(&[DEMO.into(), "default".into(), "de".into()]).await,
        (Some("de".into()), Some("cs".into())),
        "an unknown argument falls through to <html lang>"
    );
    // Neither argument nor page: the browser's languages, else the default.
    set_html_lang(None);
    let navigator = web_sys::window().unwrap().navigator().languages();
    let expected = navigator
        .iter()
        .filter_map(|l| l.as_string())
        .map(|l| l.to_ascii_lowercase())
        .find_map(|l| ["cs", "en"].into_iter().find(|p| l.starts_with(p)))
        .unwrap_or("en");
    let (_, after) = configured_language(&[DEMO.into()]).await;
    assert_eq!(after.as_deref(), Some(expected), "browser: {navigator:?}");
    set_html_lang(Some("xx"));
    let (before, after) = configured_language(&[DEMO.into(), JsValue::NULL, "de".into()]).await;
    assert_eq!(before.as_deref(), Some("de"));
    assert_eq!(after.as_deref(), Some(expected), "unknown everywhere");
    set_html_lang(None);
}

#[wasm_bindgen_test]
async fn unknown_preset_is_reported() {
    let console = Console::capture();
    let w = widget();
    call_ok(&w, "init", &[DEMO.into(), "no-such-preset".into()]);
    call_ok(&w, "connectToServer", &[]);
    wait_for("the configuration error", || {
        !console
            .matching("[owidget] the server refused the widget configuration (HTTP 404)")
            .is_empty()
    })
    .await;
    assert!(
        widget_roots().is_empty(),
        "no button without a configuration"
    );
    call_ok(&w, "destroy", &[]);
}

#[wasm_bindgen_test]
async fn destroy_removes_everything_and_later_calls_only_warn() {
    let w = widget();
    call_ok(&w, "init", &[DEMO.into()]);
    call_ok(&w, "connectToServer", &[]);
    wait_for("the button", || widget_roots().len() == 1).await;
    let console = Console::capture();
    call_ok(&w, "destroy", &[]);
    assert!(widget_roots().is_empty());
    call_ok(&w, "connectToServer", &[]);
    call_ok(&w, "destroy", &[]);
    let (f, _) = status_recorder();
    call_ok(&w, "setStatusUpdateCallback", &[f]);
    let warnings = console.matching("ignored: this widget was destroyed");
    assert_eq!(warnings.len(), 3, "{:?}", console.lines());
}

#[wasm_bindgen_test]
async fn an_unreachable_server_shows_offline_after_the_grace_period() {
    let console = Console::capture();
    // Port 9 (discard) on loopback: nothing listens there in the test setup.
    let w = widget_at("http://127.0.0.1:9/widget/");
    call_ok(&w, "init", &[DEMO.into()]);
    let (f, codes) = status_recorder();
    call_ok(&w, "setStatusUpdateCallback", &[f]);
    let started = js_sys::Date::now();
    call_ok(&w, "connectToServer", &[]);
    wait_for("status 0", || !codes.borrow().is_empty()).await;
    let waited = js_sys::Date::now() - started;
    assert_eq!(*codes.borrow(), vec![0]);
    assert!(
        waited >= 2_900.0,
        "not before the 3 s grace period: {waited} ms"
    );
    // Retries go on with backoff, reported once rather than per attempt.
    assert_eq!(
        console
            .matching("[owidget] cannot reach the owidget server; retrying")
            .len(),
        1,
        "{:?}",
        console.lines()
    );
    call_ok(&w, "destroy", &[]);
}

#[wasm_bindgen_test]
fn a_bad_base_url_is_reported() {
    let console = Console::capture();
    let w = widget_at("file:///tmp/");
    call_ok(&w, "init", &[DEMO.into()]);
    call_ok(&w, "connectToServer", &[]);
    let expected = "[owidget] new Owidget(baseUrl): baseUrl must be an absolute http(s) URL";
    assert_eq!(console.matching(expected).len(), 2, "{:?}", console.lines());
}
