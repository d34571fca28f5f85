//! A connector that puts `<img src=x onerror=alert(1)>` in a product title,
//! a category label, a customer field's label and value, an action message
//! and a closing form label, a `javascript:` URL in a URL field, and fails
//! one category with HTTP 500: the desk and the widget show all of it as
//! text, the error in its panel, and keep working. Paging and search reach
//! the connector with the documented parameters.

use owidget_e2e::connector::{TestConnector, EVIL, KNOWN_EMAIL, SHOES};
use owidget_e2e::desk::{chat_css, click, find, type_into};
use owidget_e2e::visitor::Visitor;
use owidget_e2e::TestServer;
use serde_json::json;

use super::support::{alerts, converse, q, text_of, ROOT};

/// JS: no element that came from connector markup exists in `root`.
fn no_markup(root: &str) -> String {
    format!("{root}.querySelectorAll('img[src=\"x\"], img:not([src^=\"http\"])').length === 0")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_connector_is_only_ever_text() {
    let connector = TestConnector::start().await;
    let server = TestServer::start_with_connector(&connector).await;
    connector.fail("/customer");
    let c = converse(&server, "Hello").await;
    let (op, chat) = (&c.operator, c.chat.as_str());

    // A failing connector is a sentence in its panel, with a retry.
    let down = text_of(op, &format!("{chat} .customer p.error")).await;
    assert!(
        down.starts_with("customer information is unavailable:") && down.contains("500"),
        "{down}"
    );
    connector.heal("/customer");
    click(op, &format!("{chat} .customer button.retry")).await;

    // Customer information beside the chat: labels and values as text,
    // a safe link, a javascript: URL left as text.
    op.wait_js(
        "the customer fields",
        &format!("document.querySelectorAll('{chat} .customer dd').length === 5"),
    )
    .await;
    let fields = op
        .js(
            &format!(
                "return Array.from(document.querySelectorAll('{chat} .customer dd[data-type=TEXT]'))\
                 .map(dd => [dd.previousElementSibling.textContent, dd.textContent])"
            ),
            vec![],
        )
        .await;
    assert_eq!(fields, json!([["Name", "Jana Nováková"], [EVIL, EVIL]]));
    let links = op
        .js(
            &format!(
                "return Array.from(document.querySelectorAll('{chat} .customer dd[data-type=URL]'))\
                 .map(dd => [dd.textContent, dd.querySelector('a')?.href ?? null, \
                 dd.querySelector('a')?.rel ?? null, dd.querySelector('a')?.target ?? null])"
            ),
            vec![],
        )
        .await;
    assert_eq!(
        links,
        json!([
            [
                "https://crm.example/jana",
                "https://crm.example/jana",
                "noopener noreferrer",
                "_blank"
            ],
            ["javascript:alert(1)", null, null, null]
        ])
    );

    // The ACTION button runs the action (disabled meanwhile); the
    // connector's message is text.
    connector.hold_actions();
    let button = format!("{chat} .customer button.action");
    click(op, &button).await;
    op.wait_js(
        "the action button disabled while the call runs",
        &format!(
            "{}.disabled && {}.textContent === 'Running…'",
            q(&button),
            q(&format!("{chat} .customer .action-result"))
        ),
    )
    .await;
    connector.release_action();
    let result = text_of(op, &format!("{chat} .customer .action-result.ok")).await;
    assert_eq!(
        op.js(&format!("return {}.disabled", q(&button)), vec![])
            .await,
        json!(false)
    );
    assert_eq!(result, format!("Case #1 created {EVIL}"));
    let info = &connector.calls("/customer")[0].query;
    assert_eq!(
        info.get("emailVisitor").map(String::as_str),
        Some(KNOWN_EMAIL)
    );
    assert_eq!(info.get("operatorLocale").map(String::as_str), Some("en"));
    assert_eq!(info.get("idWebsite").map(String::as_str), Some("ha-123"));
    let unique = info.get("idVisitorUnique").expect("idVisitorUnique");
    assert!(
        unique.len() == 64 && unique.bytes().all(|b| b.is_ascii_hexdigit()),
        "{unique}"
    );
    let action = &connector.calls("/customer/action")[0].body;
    assert_eq!(action["action"], "OPEN_CASE");
    assert_eq!(
        action["idConversation"],
        json!(owidget_server::bot::conversation_uuid(&c.id)),
        "one conversation id for connectors: the UUID form"
    );
    assert_eq!(action["idVisitorUnique"], json!(unique));

    // The catalog: a hostile category label, a failing category.
    click(op, &format!("{chat} button.products")).await;
    op.wait_js(
        "the root categories",
        "document.querySelectorAll('dialog.catalog[open] .category').length === 3",
    )
    .await;
    let label = text_of(op, "dialog.catalog .category[data-id=\"2\"] .label").await;
    assert_eq!(label, EVIL);
    click(op, "dialog.catalog .category[data-id=\"broken\"]").await;
    let failure = op
        .wait_js(
            "the category error in the dialog",
            &format!(
                "{}.classList.contains('error') && {0}.textContent",
                q("dialog.catalog .cats-note")
            ),
        )
        .await;
    let failure = failure.as_str().unwrap_or_default();
    assert!(
        failure.starts_with("the catalog is unavailable:") && failure.contains("500"),
        "{failure}"
    );
    // The desk keeps working: back to the root, into Shoes.
    click(op, "dialog.catalog .crumbs button.crumb").await;
    click(op, "dialog.catalog .category[data-id=\"1\"]").await;
    let note = |s: &str| {
        format!(
            "{}?.textContent === {}",
            q("dialog.catalog .products-note"),
            json!(s)
        )
    };
    op.wait_js("page 1", &note(&format!("Products 1–10 of {SHOES}")))
        .await;
    click(op, "dialog.catalog button.next").await;
    op.wait_js("page 2", &note(&format!("Products 11–20 of {SHOES}")))
        .await;
    click(op, "dialog.catalog button.next").await;
    op.wait_js(
        "page 3, the last",
        &note(&format!("Products 21–23 of {SHOES} (last page)")),
    )
    .await;
    let (items, next) = (
        op.js(
            "return document.querySelectorAll('dialog.catalog li.product').length",
            vec![],
        )
        .await,
        op.js(
            "return document.querySelector('dialog.catalog button.next').disabled",
            vec![],
        )
        .await,
    );
    assert_eq!((items, next), (json!(3), json!(true)));
    let last = connector
        .calls("/products")
        .pop()
        .expect("a products call")
        .query;
    for (k, v) in [
        ("idCategory", "1"),
        ("limit", "10"),
        ("offset", "20"),
        ("idWebsite", "ha-123"),
    ] {
        assert_eq!(last.get(k).map(String::as_str), Some(v), "{k} in {last:?}");
    }
    assert!(last.contains_key("idOperator") && last.contains_key("idConnectorVersion"));

    // Search within the category, then over the whole catalog.
    let heading = |s: &str| {
        format!(
            "{}?.textContent === {} && {}",
            q("dialog.catalog .products-h"),
            json!(s),
            note("Products 1–10")
        )
    };
    type_into(op, "#catalog-q", "trail").await;
    click(op, "dialog.catalog form.search button[type=submit]").await;
    op.wait_js(
        "trail in Shoes",
        &heading("Products matching “trail” in Shoes"),
    )
    .await;
    let searched = connector.calls("/products").pop().expect("a call").query;
    assert_eq!(
        searched.get("searchQuery").map(String::as_str),
        Some("trail")
    );
    assert_eq!(searched.get("idCategory").map(String::as_str), Some("1"));
    assert_eq!(searched.get("offset").map(String::as_str), Some("0"));
    click(op, "#catalog-in").await;
    let calls = connector.calls("/products").len();
    click(op, "dialog.catalog form.search button[type=submit]").await;
    op.wait_js("trail everywhere", &heading("Products matching “trail”"))
        .await;
    let all = connector.calls("/products");
    assert!(all.len() > calls);
    let everywhere = &all.last().expect("a call").query;
    assert_eq!(
        everywhere.get("searchQuery").map(String::as_str),
        Some("trail")
    );
    assert_eq!(everywhere.get("idCategory"), None, "{everywhere:?}");

    // The hostile product: listed as text, shared, a card of text.
    click(op, "dialog.catalog button.clear").await;
    click(op, "dialog.catalog .crumbs button.crumb").await;
    click(op, "dialog.catalog .category[data-id=\"2\"]").await;
    let evil = "dialog.catalog li.product[data-id=\"evil\"]";
    for part in [".title", ".brand", ".desc"] {
        assert_eq!(text_of(op, &format!("{evil} {part}")).await, EVIL, "{part}");
    }
    assert_eq!(
        text_of(op, &format!("{evil} .ref")).await,
        format!("Ref. {EVIL}")
    );
    click(op, &format!("{evil} button.share")).await;
    op.wait_js(
        "the dialog closed",
        "!document.querySelector('dialog.catalog').open",
    )
    .await;
    let desk_card = text_of(op, &format!("{chat} .msg.operator .card .card-title")).await;
    assert_eq!(desk_card, EVIL);
    let widget_card = c
        .visitor
        .wait_js(
            "the card in the widget",
            &format!("{ROOT}.querySelector('.m.o [part=card] .ct')?.textContent"),
        )
        .await;
    assert_eq!(widget_card, json!(EVIL));
    let image = c
        .visitor
        .js(
            &format!("return {ROOT}.querySelector('[part=card] img').getAttribute('src')"),
            vec![],
        )
        .await;
    assert_eq!(image, json!(format!("{}/img/evil.svg", connector.base)));

    // Ending the chat does not wait for a failing closing form: the chat
    // is over, the form says why it is missing and can be tried again.
    connector.fail("/form");
    click(op, &format!("{chat} button.end")).await;
    let down = text_of(op, &format!("{chat} .closing-form p.error")).await;
    assert!(
        down.starts_with("the closing form is unavailable:") && down.contains("500"),
        "{down}"
    );
    let ended = op
        .js(
            &format!(
                "return [{}.textContent, {}.disabled]",
                q(&format!("{chat} .chat-state")),
                q(&format!("{chat} .composer textarea"))
            ),
            vec![],
        )
        .await;
    assert_eq!(ended, json!(["The chat was ended by the operator.", true]));
    c.visitor
        .wait_js(
            "the visitor told the chat ended",
            &format!("!{ROOT}.querySelector('[part=ended]').hidden"),
        )
        .await;
    connector.heal("/form");
    click(op, &format!("{chat} .closing-form button.retry")).await;

    // The closing form: a hostile label and option, as text.
    op.wait_js(
        "the closing form",
        &format!("document.querySelectorAll('{chat} .cf-field').length === 7"),
    )
    .await;
    let label = text_of(op, &format!("{chat} .cf-field[data-id=summary] label")).await;
    assert_eq!(label, EVIL);
    let option = text_of(
        op,
        &format!("{chat} .cf-field[data-id=reason] option[value=evil]"),
    )
    .await;
    assert_eq!(option, EVIL);
    find(op, &format!("{chat} .cf-field[data-id=reason] select"))
        .await
        .select_by_value("evil")
        .await
        .expect("choose the hostile option");
    // The form changed on the connector meanwhile: the server refuses, and
    // its reason is shown on the field it names.
    connector.require_notes();
    let save = format!("{chat} .closing button[type=submit]");
    click(op, &save).await;
    let refused = text_of(op, &format!("{chat} .cf-field[data-id=notes] .field-error")).await;
    assert_eq!(refused, "Notes: required");
    assert_eq!(
        op.js(
            &format!(
                "return {}.getAttribute('aria-invalid')",
                q(&format!("{chat} .cf-field[data-id=notes] textarea"))
            ),
            vec![]
        )
        .await,
        json!("true")
    );
    type_into(
        op,
        &format!("{chat} .cf-field[data-id=notes] textarea"),
        "Called back",
    )
    .await;
    click(op, &save).await;
    op.wait_js(
        "the answers saved",
        &format!(
            "{}?.textContent === 'Answers saved.'",
            q(&format!("{chat} .closing-form > p[role=status]"))
        ),
    )
    .await;

    // A visitor the page did not identify: said so, and the connector is
    // not asked about nobody.
    let asked = connector.calls("/customer").len();
    let mut anonymous = Visitor::connect(&server).await;
    let anon = anonymous.start_chat("Anonymous", "Hi", json!({})).await;
    click(
        op,
        &format!("#queue-list li[data-id=\"{anon}\"] button.accept"),
    )
    .await;
    let said = text_of(
        op,
        &format!("{} .customer .not-identified", chat_css(&anon)),
    )
    .await;
    assert!(said.starts_with("Visitor not identified"), "{said}");
    assert_eq!(connector.calls("/customer").len(), asked);

    // Nothing from the connector ever ran or became an element.
    assert_eq!(
        op.js(&format!("return {}", no_markup("document")), vec![])
            .await,
        json!(true)
    );
    assert_eq!(
        c.visitor
            .js(&format!("return {}", no_markup(ROOT)), vec![])
            .await,
        json!(true)
    );
    for (who, page) in [("visitor", &c.visitor), ("operator", &c.operator)] {
        assert_eq!(
            alerts(page).await,
            json!([]),
            "no script ran on the {who}'s page"
        );
    }
    c.visitor.close().await;
    c.operator.close().await;
}
