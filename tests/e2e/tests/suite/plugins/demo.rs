//! The built-in demo connector, as `bash scripts/demo.sh` runs it: the
//! operator browses, pages, searches and shares a product; the visitor's
//! card (image, availability, offer over the struck-through price) opens
//! the product page in a new tab from the keyboard, fits a 360 px screen
//! and comes back after a reload; customer information for the demo
//! page's visitor with its OPEN_CASE action; the closing form with its
//! rules, and its answers in the history; the connector view.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use owidget_e2e::desk::{click, find, type_into};
use owidget_e2e::{demo, Browser, TestServer};
use serde_json::{json, Value};

use super::support::{alerts, converse, q, text_of, ROOT};

const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';

/// A real key press on whatever has the focus.
async fn press(page: &Browser, key: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    page.client()
        .perform_actions(keys)
        .await
        .unwrap_or_else(|e| panic!("press {key:?}: {e}"));
}

/// The card's parts in the widget.
async fn widget_card(visitor: &Browser) -> Value {
    visitor
        .wait_js(
            "the product card in the widget",
            &format!(
                "(() => {{ const c = {ROOT}.querySelector('.m.o [part=card]'); if (!c) return null; \
                 const t = (s) => c.querySelector(s)?.textContent ?? null; \
                 const a = c.querySelector('a.cg'); const img = c.querySelector('img'); \
                 return {{ title: t('.ct'), stock: t('.ca'), offer: t('.cp b'), was: t('.cp s'), \
                 href: a?.getAttribute('href'), target: a?.target, rel: a?.rel, link: a?.textContent, \
                 img: img?.getAttribute('src'), loaded: !!img && img.complete && img.naturalWidth > 0 }}; }})()"
            ),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_connector_in_desk_and_widget() {
    let server = TestServer::start_demo_connector().await;
    let c = converse(&server, "Do you have running shoes?").await;
    let (op, chat) = (&c.operator, c.chat.as_str());

    // Customer information of the demo page's visitor@example.com.
    op.wait_js(
        "the demo customer",
        &format!("document.querySelectorAll('{chat} .customer dd').length === 6"),
    )
    .await;
    let name = text_of(op, &format!("{chat} .customer dd[data-type=TEXT]")).await;
    assert_eq!(name, "Jana Nováková");
    let order = op
        .js(
            &format!(
                "return {}.href",
                q(&format!("{chat} .customer dd[data-type=URL] a"))
            ),
            vec![],
        )
        .await;
    assert!(
        order.as_str().unwrap_or_default().ends_with("/shop/7"),
        "{order}"
    );
    click(op, &format!("{chat} .customer button.action")).await;
    let done = text_of(op, &format!("{chat} .customer .action-result.ok")).await;
    assert_eq!(done, "Case #1001 opened");
    // The case is really recorded: the connector lists it on a reload.
    click(op, &format!("{chat} .customer button.refresh")).await;
    op.wait_js(
        "the open case in the customer's fields",
        &format!(
            "Array.from(document.querySelectorAll('{chat} .customer dd')).some(d => d.textContent.startsWith('#1001 (conversation {}'))",
            owidget_server::bot::conversation_uuid(&c.id)
        ),
    )
    .await;

    // Browse: three root categories, Shoes with two subcategories and two
    // pages of products (the second is the last: 20 products).
    click(op, &format!("{chat} button.products")).await;
    op.wait_js(
        "the root categories",
        "Array.from(document.querySelectorAll('dialog.catalog[open] .category')).map(b => b.textContent).join('|') === 'Shoes20|Clothing20|Accessories20'",
    )
    .await;
    click(op, "dialog.catalog .category[data-id=\"1\"]").await;
    let note = |s: &str| {
        format!(
            "{}?.textContent === {}",
            q("dialog.catalog .products-note"),
            json!(s)
        )
    };
    op.wait_js("Shoes, page 1", &note("Products 1–10 of 20"))
        .await;
    let subs = op
        .wait_js(
            "the subcategories of Shoes",
            "Array.from(document.querySelectorAll('dialog.catalog .category')).map(b => b.textContent).join('|')",
        )
        .await;
    assert_eq!(subs, json!("Running shoes10|Hiking boots10"));
    click(op, "dialog.catalog button.next").await;
    op.wait_js("Shoes, page 2", &note("Products 11–20 of 20 (last page)"))
        .await;
    assert_eq!(
        op.js(
            "return document.querySelector('dialog.catalog button.next').disabled",
            vec![]
        )
        .await,
        json!(true)
    );
    click(op, "dialog.catalog button.prev").await;
    op.wait_js("Shoes, page 1 again", &note("Products 1–10 of 20"))
        .await;
    click(op, "dialog.catalog .category[data-id=\"11\"]").await;
    op.wait_js("Running shoes", &note("Products 1–10 of 10 (last page)"))
        .await;
    let crumbs = op
        .js(
            "return Array.from(document.querySelectorAll('dialog.catalog .crumbs li')).map(l => l.textContent)",
            vec![],
        )
        .await;
    assert_eq!(crumbs, json!(["All products", "Shoes", "Running shoes"]));

    // Search in the category, then everywhere.
    let found = |heading: &str, n: &str| {
        format!(
            "{}?.textContent === {} && {}",
            q("dialog.catalog .products-h"),
            json!(heading),
            note(n)
        )
    };
    type_into(op, "#catalog-q", "alpine").await;
    click(op, "dialog.catalog form.search button[type=submit]").await;
    op.wait_js(
        "alpine in Running shoes",
        &found(
            "Products matching “alpine” in Running shoes",
            "Products 1–1 (last page)",
        ),
    )
    .await;
    click(op, "#catalog-in").await;
    click(op, "dialog.catalog form.search button[type=submit]").await;
    op.wait_js(
        "alpine everywhere",
        &found("Products matching “alpine”", "Products 1–6 (last page)"),
    )
    .await;
    click(op, "dialog.catalog button.clear").await;
    op.wait_js(
        "Running shoes again",
        &note("Products 1–10 of 10 (last page)"),
    )
    .await;

    // What the operator sees of a product, and sharing it in one click.
    let row = "dialog.catalog li.product[data-id=\"4\"]";
    assert_eq!(
        text_of(op, &format!("{row} .title")).await,
        "Coastal runner 4"
    );
    let facts = text_of(op, &format!("{row} .facts")).await;
    assert_eq!(facts, "Rivermoss · Ref. REF-0004 · Available");
    let prices = text_of(op, &format!("{row} .prices")).await;
    assert_eq!(prices, "33.90 € · Promotion 27.12 €");
    let image = op
        .js(
            &format!(
                "return {}.complete && {0}.naturalWidth > 0",
                q(&format!("{row} img"))
            ),
            vec![],
        )
        .await;
    assert_eq!(image, json!(true), "the demo connector serves the image");
    click(op, &format!("{row} button.share")).await;
    op.wait_js(
        "the dialog closed",
        "!document.querySelector('dialog.catalog').open",
    )
    .await;
    assert_eq!(
        text_of(op, &format!("{chat} .msg.operator .card .card-title")).await,
        "Coastal runner 4"
    );

    // The visitor's card.
    let v = &c.visitor;
    let card = widget_card(v).await;
    let base = card["href"]
        .as_str()
        .unwrap_or_default()
        .trim_end_matches("/shop/4")
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{card}");
    assert_eq!(
        card,
        json!({
            "title": "Coastal runner 4", "stock": "In stock", "offer": "27.12 €",
            "was": "Original price 33.90 €", "href": format!("{base}/shop/4"), "target": "_blank",
            "rel": "noopener noreferrer", "link": "View product",
            "img": format!("{base}/images/4.svg"), "loaded": true
        })
    );

    // Keyboard: from the conversation, Tab reaches "View product" and Enter
    // opens the product page in a new tab, without an opener.
    v.js(&format!("{ROOT}.querySelector('.log').focus()"), vec![])
        .await;
    press(v, TAB).await;
    let focused = v
        .js(
            &format!("return {ROOT}.activeElement?.className ?? null"),
            vec![],
        )
        .await;
    assert_eq!(
        focused,
        json!("cg"),
        "Tab from the messages reaches the card's link"
    );
    let page = v.client().window().await.expect("this window");
    press(v, ENTER).await;
    let deadline = std::time::Instant::now() + owidget_e2e::WAIT;
    let tab = loop {
        let all = v.client().windows().await.expect("windows");
        if let Some(w) = all.into_iter().find(|w| *w != page) {
            break w;
        }
        assert!(std::time::Instant::now() < deadline, "no new tab opened");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    v.client().switch_to_window(tab).await.expect("the new tab");
    v.wait_js(
        "the product page",
        "document.querySelector('h1')?.textContent === 'Coastal runner 4'",
    )
    .await;
    assert_eq!(v.js("return window.opener", vec![]).await, Value::Null);
    let url = v.client().current_url().await.expect("url");
    assert_eq!(url.as_str(), format!("{base}/shop/4"));
    v.client().close_window().await.expect("close the tab");
    v.client()
        .switch_to_window(page)
        .await
        .expect("back to the page");

    // A 360 px screen: the card fits, nothing scrolls sideways.
    v.client()
        .set_window_size(360, 740)
        .await
        .expect("narrow window");
    let fits = v
        .wait_js(
            "the card within 360 px",
            &format!(
                "(() => {{ const w = document.documentElement.clientWidth; \
                 const r = {ROOT}.querySelector('[part=card]').getBoundingClientRect(); \
                 const a = {ROOT}.querySelector('.cg').getBoundingClientRect(); \
                 const log = {ROOT}.querySelector('.log'); \
                 return w <= 360 && r.left >= 0 && r.right <= w && a.right <= w && a.width > 0 \
                 && log.scrollWidth <= log.clientWidth; }})()"
            ),
        )
        .await;
    assert_eq!(fits, json!(true));

    // A reload restores the conversation with the card.
    v.goto(&format!("{}/demo/", server.url)).await;
    demo::wait_status(v, 1).await;
    let restored = widget_card(v).await;
    assert_eq!(restored["title"], "Coastal runner 4");
    assert_eq!(restored["href"], json!(format!("{base}/shop/4")));

    // The operator ends the chat: the closing form, its rules.
    click(op, &format!("{chat} button.end")).await;
    op.wait_js(
        "the closing form",
        &format!("document.querySelectorAll('{chat} .cf-field').length === 7"),
    )
    .await;
    let field = |id: &str| format!("{chat} .cf-field[data-id={id}]");
    let shown = |id: &str| format!("!{}.hidden", q(&field(id)));
    assert_eq!(
        op.js(&format!("return {}", shown("ticket_priority")), vec![])
            .await,
        json!(false)
    );
    let save = format!("{chat} .closing button[type=submit]");
    click(op, &save).await;
    assert_eq!(
        text_of(op, &format!("{} .field-error", field("reason"))).await,
        "Required."
    );
    assert_eq!(
        text_of(op, &format!("{} .field-error", field("summary"))).await,
        "Required."
    );
    click(op, &format!("{} input", field("create_ticket"))).await;
    op.wait_js("the dependent field shown", &shown("ticket_priority"))
        .await;
    click(op, &save).await;
    assert_eq!(
        text_of(op, &format!("{} .field-error", field("ticket_priority"))).await,
        "Required."
    );
    find(op, &format!("{} select", field("reason")))
        .await
        .select_by_value("order")
        .await
        .expect("reason");
    find(op, &format!("{} select", field("ticket_priority")))
        .await
        .select_by_value("high")
        .await
        .expect("priority");
    type_into(
        op,
        &format!("{} input", field("summary")),
        "Asked about delivery",
    )
    .await;
    type_into(op, &format!("{} input", field("items")), "2.5").await;
    type_into(op, &format!("{} input", field("basket")), "12,50").await;
    let notes = "n".repeat(950);
    type_into(op, &format!("{} textarea", field("notes")), &notes).await;
    let counter = op
        .js(
            &format!(
                "const c = {}; return [c.textContent, c.classList.contains('warn')]",
                q(&format!("{} .counter", field("notes")))
            ),
            vec![],
        )
        .await;
    assert_eq!(
        counter,
        json!(["950 / 1024 characters", true]),
        "said before the limit"
    );
    click(op, &save).await;
    assert_eq!(
        text_of(op, &format!("{} .field-error", field("items"))).await,
        "A whole number, e.g. 42 or -3."
    );
    type_into(op, &format!("{} input", field("items")), "3").await;
    click(op, &save).await;
    op.wait_js(
        "the answers saved",
        &format!(
            "{}?.textContent === 'Answers saved.'",
            q(&format!("{chat} .closing-form > p[role=status]"))
        ),
    )
    .await;

    // The answers in the history, with the form's labels.
    click(op, ".tab[data-view=history]").await;
    click(
        op,
        &format!("#history-list li[data-id=\"{}\"] button", c.id),
    )
    .await;
    let answers = op
        .wait_js(
            "the closing form answers in the history",
            "(() => { const dts = Array.from(document.querySelectorAll('#history-transcript .closing-answers dt')); \
             if (!dts.some(d => d.textContent === 'Contact reason')) return null; \
             return dts.map(d => [d.textContent, d.nextElementSibling.textContent]); })()",
        )
        .await;
    let answers: Vec<(String, String)> = serde_json::from_value(answers).expect("pairs");
    for want in [
        ("Contact reason", "Order or delivery"),
        ("Summary", "Asked about delivery"),
        ("Create a CRM ticket", "Yes"),
        ("Ticket\npriority", "High"),
        ("Items discussed", "3"),
        ("Basket value (€)", "12,50"),
    ] {
        assert!(
            answers
                .iter()
                .any(|(l, v)| (l.as_str(), v.as_str()) == want),
            "{want:?} in {answers:?}"
        );
    }
    assert!(answers.iter().any(|(l, v)| l == "Notes" && *v == notes));
    assert_eq!(
        text_of(op, "#history-transcript .card .card-title").await,
        "Coastal runner 4",
        "the shared product in the transcript"
    );

    // The connector view: the calls just made, and the health.
    click(op, ".tab[data-view=connector]").await;
    let rows = op
        .wait_js(
            "the connector log",
            "(() => { const rows = Array.from(document.querySelectorAll('#connector-calls tbody tr')) \
             .map(r => Array.from(r.cells).map(c => c.textContent)); \
             return rows.some(r => r[1] === 'closingForm') ? rows : null; })()",
        )
        .await;
    let rows: Vec<Vec<String>> = serde_json::from_value(rows).expect("rows");
    assert!(
        rows.iter().any(|r| r[1] == "productList"
            && r[2].starts_with("GET ")
            && r[2].contains("/products?")
            && r[3] == "200"),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r[1] == "customer" && r[2].starts_with("POST ")),
        "{rows:?}"
    );
    let health = text_of(op, "#connector-health").await;
    assert!(health.starts_with("Health: "), "{health}");
    let summary = text_of(op, "#connector-summary").await;
    assert_eq!(
        summary,
        "Declared plugins: product list, customer information, customer action, closing form."
    );

    for (who, page) in [("visitor", &c.visitor), ("operator", &c.operator)] {
        assert_eq!(
            alerts(page).await,
            json!([]),
            "no alert on the {who}'s page"
        );
    }
    c.visitor.close().await;
    c.operator.close().await;
}
