//! `owidget-server`: serves the owidget loader and wasm, widget
//! configuration, live operator-group status, chat sessions between
//! visitors and operators, and the operator desk.
//!
//! The binary (`main.rs`) only parses flags and calls [`run`] with a bound
//! listener, a checked [`Config`] and a shutdown future, so tests start the
//! whole server on port 0 and stop it at will; [`app`] builds the router
//! alone for `oneshot` tests.
//!
//! # Layout
//! - [`config`]: TOML file → raw structs → checked [`Config`] (two steps).
//! - [`demo`]: the built-in demo company used without `--config`.
//! - [`error`]: the one [`Error`] enum and its `{"message"}` HTTP mapping.
//! - [`status`]: per-preset button status on `watch` channels.
//! - [`chat`]: the [`chat::Hub`]: queue, assignment, capacity, message relay,
//!   resume, restore after restart, pushes to visitors and desks.
//! - [`storage`]: SQLite (sessions, messages, offline messages, callbacks).
//! - [`limits`]: message size and rate limits, e-mail syntax.
//! - [`operators`]: `/api/operator/*`: login (argon2), tokens, availability,
//!   chats, history, offline messages, callback requests.
//! - [`plugins`]: App Plugins connectors (product list, customer
//!   information, closing form): the one signed, bounded, validated and
//!   logged connector client, the operator endpoints, `/schemas/…`.
//! - [`demo_connector`]: the demo company's connector, a separate HTTP
//!   service (the README's worked example of a connector).
//! - [`widget`]: `/api/widget/config` and the `/ws/widget` socket loop
//!   (`widget::callback` holds `validate_phone`).
//! - [`desk`]: the `/ws/desk` live event socket of the operator desk.
//! - [`listen`]: the accept loop (connection caps, header-read and idle timeouts).
//! - [`assets`]: static files (loader, wasm package, demo page, desk).
//! - [`throttle`]: sliding-window throttles per IP, account, preset (429 + Retry-After).
//! - [`ids`]: random ids, token hashing, the clock.
//! - [`wsio`]: WebSocket sends with a deadline (slow peers are closed).
//! - [`mail`]: the transcript outbox, sent through the `[smtp]` relay.
//! - [`bus`]: the bus between instances (in-process, Redis pub/sub,
//!   PostgreSQL LISTEN/NOTIFY): small events, at-most-once, resync on loss.
//! - [`webhooks`]: events to the connectors' webhook receivers, through a
//!   durable outbox written with the change, delivered in order with
//!   backoff, and the delivery log.
#![deny(missing_docs)]

pub mod assets;
pub mod bot;
pub mod bus;
pub mod chat;
pub mod config;
pub mod demo;
pub mod demo_connector;
pub mod desk;
pub mod error;
pub mod ids;
pub mod limits;
pub mod listen;
pub mod mail;
pub mod operators;
pub mod plugins;
pub mod status;
pub mod storage;
pub mod throttle;
pub mod tls;
pub mod webhooks;
pub mod widget;
pub mod wsio;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, Method, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;

pub use assets::Dirs;
pub use config::Config;
pub use error::{Error, Result};

/// Shared state of all handlers (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// Checked configuration.
    pub config: Arc<Config>,
    /// Live chat and status state.
    pub hub: Arc<chat::Hub>,
    /// Operator logins.
    pub auth: Arc<operators::auth::Auth>,
    /// App Plugins connectors of the companies.
    pub plugins: Arc<plugins::Connectors>,
    /// External Bot engine.
    pub bots: Arc<bot::Bots>,
    /// Hash verified for unknown usernames so that login timing is uniform.
    pub dummy_hash: Arc<str>,
    /// Static file directories.
    pub dirs: Dirs,
    /// The built-in demo company runs (no `--config`): `GET /api/demo`
    /// tells the desk its login.
    pub demo: bool,
    /// Flips to `true` when the server shuts down, so that WebSocket loops
    /// (which graceful HTTP shutdown does not wait for) close cleanly.
    pub closing: Arc<tokio::sync::watch::Sender<bool>>,
    /// Wakes the transcript mailer (`mail`) when a request is stored.
    pub mail: Arc<tokio::sync::Notify>,
    /// The bus to the other instances (`--broker`; in-process by default).
    pub bus: bus::Bus,
}

impl AppState {
    /// State over an open database: sessions left waiting or active by a
    /// previous run come back, and so do operator logins and availability
    /// (an operator whose desk does not reconnect becomes away after the
    /// presence grace).
    pub async fn new(config: Config, dirs: Dirs, store: storage::Store) -> Result<Self> {
        let config = Arc::new(config);
        let plugins = Arc::new(plugins::Connectors::new(
            store.clone(),
            config
                .companies
                .iter()
                .map(|c| (c.id.clone(), c.connector.clone()))
                .collect(),
        ));
        let bus = start_bus(&config.broker).await?;
        let hub = Arc::new(chat::Hub::new(config.clone(), store.clone()));
        hub.attach_bus(bus.clone());
        let restored = hub.restore().await?;
        if restored > 0 {
            tracing::info!(restored, "open chat sessions restored");
        }
        hub.restore_availability().await?;
        let ttl = config.limits.operator_session_ttl;
        let closing = Arc::new(tokio::sync::watch::Sender::new(false));
        plugins::spawn_health_checks(plugins.clone(), closing.subscribe());
        chat::cluster::spawn(hub.clone(), closing.subscribe());
        chat::cluster_presence::spawn(hub.clone(), closing.subscribe());
        chat::cluster_desk::spawn(hub.clone(), closing.subscribe());
        let bots = bot::Bots::start(
            config.clone(),
            hub.clone(),
            plugins.clone(),
            closing.subscribe(),
        );
        Ok(AppState {
            bots,
            hub,
            plugins,
            auth: Arc::new(
                operators::auth::Auth::load(ttl, config.clone(), store)
                    .await?
                    .shared(bus.kind() != "memory"),
            ),
            dummy_hash: demo::hash_password("not a real password").into(),
            config,
            dirs,
            demo: false,
            closing,
            mail: Arc::new(tokio::sync::Notify::new()),
            bus,
        })
    }

    /// State with the database `config.storage` names: PostgreSQL at its
    /// `database_url`, else SQLite in `data_dir` (created if missing).
    pub async fn open(config: Config, dirs: Dirs, data_dir: &Path) -> Result<Self> {
        let store = storage::Store::connect(data_dir, &config.storage).await?;
        Self::new(config, dirs, store).await
    }
}

/// Starts the bus on `broker` and waits (at most the connect timeout) for
/// its first connection; an unreachable broker is logged and retried in
/// the background, only a TLS failure stops the start.
async fn start_bus(broker: &bus::Broker) -> Result<bus::Bus> {
    let opts = bus::BusOptions::new();
    let within = opts.connect_timeout;
    let bus = bus::Bus::start(broker, opts)?;
    match bus.wait_started(within).await {
        Ok(true) => {
            tracing::info!(broker = %broker, instance = bus.instance(), "bus connected")
        }
        Ok(false) => {
            tracing::warn!(broker = %broker, "broker not reachable yet; retrying in the background")
        }
        // A TLS failure does not go away by retrying: stop the start.
        Err(why) => return Err(Error::Config(format!("broker {broker}: {why}"))),
    }
    Ok(bus)
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let limits = &state.config.limits;
    // Desks may be served from anywhere; tokens travel in a header, never in
    // cookies, so any origin without credentials is safe.
    let operator_cors = CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
    let api = Router::new()
        .route("/widget/config", get(widget::config))
        .route("/widget/phone", get(widget::phone))
        .route("/demo", get(demo::login_hint))
        .nest(
            "/operator",
            operators::routes()
                .merge(plugins::routes())
                .merge(webhooks::api::routes())
                .merge(bot::routes())
                .layer(operator_cors),
        )
        .fallback(|| async { Error::NotFound("no such endpoint".into()) });
    Router::new()
        .route(
            "/healthz",
            get(|| async { Json(serde_json::json!({"status": "UP"})) }),
        )
        .route("/ws/widget", get(widget::socket))
        .route("/ws/desk", get(desk::socket))
        .nest("/api", api)
        .merge(bot::api::routes())
        .merge(plugins::schemas::routes())
        .merge(assets::routes(
            &state.dirs,
            &assets::desk_csp(&plugins::cpa::frame_origins(&state.config)),
        ))
        .layer(DefaultBodyLimit::max(limits.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(CompressionLayer::new().gzip(true).br(true))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes, then lets
/// in-flight requests finish.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let closing = state.closing.clone();
    let network = state.config.network.clone();
    let sweep = tokio::spawn(state.hub.clone().sweep(closing.subscribe()));
    if let Some(smtp) = state.config.smtp.clone() {
        tokio::spawn(mail::run(
            state.clone(),
            smtp,
            state.mail.clone(),
            closing.subscribe(),
        ));
    }
    let hooks = webhooks::worker::spawn(&state, closing.subscribe());
    let router = app(state);
    let shutdown = async move {
        shutdown.await;
        // Sockets send a Close frame; widgets reconnect to the next instance.
        closing.send_replace(true);
    };
    listen::serve(listener, router, &network, shutdown).await;
    // The sweep stores the operators' availability one last time.
    let _ = sweep.await;
    // Webhook deliveries under way finish (each within its timeout).
    for h in hooks {
        let _ = h.await;
    }
    Ok(())
}
