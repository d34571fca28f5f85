//! `[network] trusted_proxies`: the per-IP throttles count the client that
//! a trusted proxy names in `X-Forwarded-For`, and ignore the header from
//! anyone else. A real server on port 0; the test's loopback connection
//! plays the proxy.

use crate::common;

use common::*;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A widget socket whose upgrade request says it is forwarded for `client`.
async fn widget_for(s: &Server, client: &str) -> Ws {
    let url = format!("{}/ws/widget?company={DEMO}&preset=default&v=1", s.ws);
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("origin", ORIGIN.parse().unwrap());
    req.headers_mut()
        .insert("x-forwarded-for", client.parse().unwrap());
    let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req))
        .await
        .expect("connect within the wait")
        .expect("widget socket opens");
    ws
}

/// A server allowing one chat start per client address per minute, with
/// an operator online; `trusted` is the `trusted_proxies` line.
async fn server(trusted: &str) -> (Server, String) {
    let toml = format!(
        "{}\n[network]\n{trusted}\n[abuse]\nchat_starts_per_ip_per_minute = 1\n",
        test_toml()
    );
    let config = owidget_server::Config::from_toml(&toml).expect("config is valid");
    let s = Server::start_with(config, None).await;
    let token = s.login(DEMO, "demo").await;
    s.set_availability(&token, "online").await;
    (s, token)
}

/// Sends `startChat` and returns the first `sessionCreated` or `error`.
async fn try_start(w: &mut Ws) -> serde_json::Value {
    send(
        w,
        json!({"type": "startChat", "language": "en", "pageUrl": "http://localhost:5173/"}),
    )
    .await;
    loop {
        let v = next_json(w).await;
        if v["type"] == "sessionCreated" || v["type"] == "error" {
            return v;
        }
    }
}

#[tokio::test]
async fn trusted_proxy_names_the_client_for_the_throttles() {
    let (s, _token) = server(r#"trusted_proxies = ["127.0.0.1", "::1"]"#).await;
    let mut one = widget_for(&s, "198.51.100.1").await;
    let mut two = widget_for(&s, "203.0.113.7, 198.51.100.2").await;
    assert_eq!(try_start(&mut one).await["type"], "sessionCreated");
    assert_eq!(
        try_start(&mut two).await["type"],
        "sessionCreated",
        "another client behind the same proxy"
    );
    // The first client again (with a forged left part): its own limit.
    let mut again = widget_for(&s, "198.51.100.2, 198.51.100.1").await;
    let e = try_start(&mut again).await;
    assert_eq!(e["code"], "rateLimited", "{e}");
    s.stop().await;
}

#[tokio::test]
async fn forwarded_for_is_ignored_without_trusted_proxies() {
    let (s, _token) = server("").await;
    let mut one = widget_for(&s, "198.51.100.1").await;
    let mut two = widget_for(&s, "198.51.100.2").await;
    assert_eq!(try_start(&mut one).await["type"], "sessionCreated");
    let e = try_start(&mut two).await;
    assert_eq!(e["code"], "rateLimited", "the header is not believed: {e}");
    s.stop().await;
}

#[test]
fn a_bad_trusted_proxy_is_a_config_error() {
    let toml = format!(
        "{}\n[network]\ntrusted_proxies = [\"10.0.0.0/8\", \"lb.internal\"]\n",
        test_toml()
    );
    let e = owidget_server::Config::from_toml(&toml).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid configuration: network.trusted_proxies[1]: \"lb.internal\" is not an IP address or CIDR range"
    );
}
