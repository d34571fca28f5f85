//! `plugins [calls]`: App Plugins on loopback, with the demo connector as a
//! real HTTP service beside an in-process server (release build).
//!
//! - catalog open: the desk's two calls when the operator opens the catalog
//!   (root categories, then the first page of 20 products), timed from the
//!   first request to the products' arrival.
//! - connector directly: the same products call made straight to the demo
//!   connector (signed by hand), the floor under the figure above.
//! - server overhead per call: signing (iAdvize + two v2 signatures) plus
//!   schema validation plus typing of a 20-product answer, measured on the
//!   server's own functions.

use std::time::Instant;

use owidget_protocol::plugins::Product;
use owidget_server::plugins::schemas::{Schema, Validators};
use owidget_server::plugins::sign;
use owidget_server::{demo, AppState, Dirs};
use serde_json::Value;

pub async fn run(calls: usize) {
    let (config, connector) = demo::start_connector(demo::config())
        .await
        .expect("demo connector starts");
    let secret = config.companies[0]
        .connector
        .as_ref()
        .expect("demo connector declared")
        .secrets[0]
        .clone();
    let data = tempfile::tempdir().expect("temp dir");
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dirs = Dirs {
        www: root.join("www"),
        pkg: root.join("pkg"),
    };
    let state = AppState::open(config, dirs, data.path())
        .await
        .expect("server state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(owidget_server::run(listener, state, std::future::pending()));
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/api/operator/login"))
        .json(&serde_json::json!({"company": demo::COMPANY, "username": demo::USERNAME, "password": demo::PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login JSON");
    let token = login["token"].as_str().expect("token").to_string();
    let get = |path: String| {
        let http = http.clone();
        let token = token.clone();
        let base = base.clone();
        async move {
            let r = http
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("request");
            assert_eq!(r.status(), 200, "{path}");
            r.bytes().await.expect("body")
        }
    };
    // Warm the connection pools and the connector.
    for _ in 0..20 {
        get("/api/operator/plugins/product-list/products".into()).await;
    }
    let mut open = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t = Instant::now();
        get("/api/operator/plugins/product-list/categories".into()).await;
        get("/api/operator/plugins/product-list/products?limit=20".into()).await;
        open.push(t.elapsed());
    }
    crate::report(
        "catalog open → 20 products returned (2 calls through the server)",
        &mut open,
    );

    let query = "idConnectorVersion=7d3c5a1e-2b4f-4c6d-9e8f-0a1b2c3d4e5f&idWebsite=demo-1&idOperator=demo&limit=20&offset=0";
    let url = format!("{}/products?{query}", connector.base);
    let mut direct = Vec::with_capacity(calls);
    let mut answer = Vec::new();
    for _ in 0..calls {
        let t = Instant::now();
        let r = http
            .get(&url)
            .header(
                sign::IADVIZE_SIGNATURE,
                sign::iadvize(&secret, query.as_bytes()),
            )
            .send()
            .await
            .expect("direct request");
        assert_eq!(r.status(), 200, "the demo connector accepts the signature");
        answer = r.bytes().await.expect("body").to_vec();
        direct.push(t.elapsed());
    }
    crate::report(
        "products straight from the connector (1 call, no server)",
        &mut direct,
    );

    let validators = Validators::new();
    let secrets = vec![secret.clone(), format!("{secret}-next")];
    let mut overhead = Vec::with_capacity(calls * 10);
    for _ in 0..calls * 10 {
        let t = Instant::now();
        let ts = 1_700_000_000;
        std::hint::black_box(sign::iadvize(&secrets[0], query.as_bytes()));
        std::hint::black_box(sign::v2_header(
            &secrets,
            "GET",
            "/products",
            query,
            ts,
            b"",
        ));
        let value: Value = serde_json::from_slice(&answer).expect("JSON");
        validators.check(Schema::Product, &value).expect("valid");
        let products: Vec<Product> = serde_json::from_value(value).expect("typed");
        std::hint::black_box(products);
        overhead.push(t.elapsed());
    }
    println!("  (answer: {} bytes, 20 products)", answer.len());
    crate::report(
        "server overhead per call: sign (3 HMACs) + parse + validate + type",
        &mut overhead,
    );
}
