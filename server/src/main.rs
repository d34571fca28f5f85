//! `owidget-server` binary: flags → [`owidget_server::run`].

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use owidget_server::bus::Broker;
use owidget_server::{demo, AppState, Config, Dirs};

/// The owidget chat server.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Flags {
    /// TOML configuration file (see the README, "Server flags and configuration"). Without it the
    /// built-in demo company runs.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory for the SQLite database (created if missing).
    #[arg(long, default_value = "./data")]
    data_dir: PathBuf,
    /// Store everything in PostgreSQL (`postgres://user:password@host:port/db`)
    /// instead of the SQLite file, so that several instances can share one
    /// database; overrides `[storage] database_url`.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Serve owidget.js, demo/ and desk/ from this directory (development)
    /// instead of the copy built into the binary.
    #[arg(long)]
    www_dir: Option<PathBuf>,
    /// Serve the wasm package from this directory (development) instead of
    /// the copy built into the binary.
    #[arg(long)]
    pkg_dir: Option<PathBuf>,
    /// The bus between instances: `memory` (the default: one instance),
    /// `redis://host:port` (Redis pub/sub) or `postgres://user@host/db`
    /// (PostgreSQL LISTEN/NOTIFY). Overrides `[broker] url`.
    #[arg(long)]
    broker: Option<String>,
    /// Read a password from standard input, print its argon2 hash for an
    /// operator's `password_hash`, and exit.
    #[arg(long)]
    hash_password: bool,
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs go to stderr: stdout carries only the lines scripts parse.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "owidget_server=info,tower_http=warn".into()),
        )
        .init();
    let flags = Flags::parse();
    // Parsed here rather than by clap, whose error would echo a password.
    let broker = match &flags.broker {
        Some(value) => Some(
            value
                .parse::<Broker>()
                .map_err(|e| anyhow::anyhow!("--broker: {e}"))?,
        ),
        None => None,
    };
    if flags.hash_password {
        let mut password = String::new();
        std::io::stdin()
            .read_line(&mut password)
            .context("reading the password from standard input")?;
        let password = password.trim_end_matches(['\r', '\n']);
        anyhow::ensure!(!password.is_empty(), "empty password on standard input");
        println!("{}", demo::hash_password(password));
        return Ok(());
    }
    let (mut config, is_demo) = match &flags.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let config =
                Config::from_toml(&text).with_context(|| format!("in {}", path.display()))?;
            (config, false)
        }
        None => (demo::config(), true),
    };
    if let Some(url) = &flags.database_url {
        owidget_server::config::check_database_url(url)
            .map_err(|e| anyhow::anyhow!("--database-url: {e}"))?;
        config.storage.database_url = Some(url.clone());
    }
    // The demo company's connector runs beside the server, on its own
    // listener, and is called over HTTP like any other.
    let (mut config, connector) = if is_demo {
        let (config, running) = demo::start_connector(config)
            .await
            .context("starting the demo connector")?;
        (config, Some(running))
    } else {
        (config, None)
    };
    if let Some(broker) = broker {
        config.broker = broker;
    }
    let dirs = Dirs {
        www: flags.www_dir.clone(),
        pkg: flags.pkg_dir.clone(),
    };
    let database = match &config.storage.database_url {
        Some(_) => "PostgreSQL (database_url)".to_string(),
        None => flags.data_dir.display().to_string(),
    };
    let mut state = AppState::open(config, dirs, &flags.data_dir)
        .await
        .with_context(|| format!("opening the database in {database}"))?;
    state.demo = is_demo;
    let listener = tokio::net::TcpListener::bind(flags.listen)
        .await
        .with_context(|| format!("binding {}", flags.listen))?;
    let addr = listener.local_addr()?;
    if let Some(running) = &connector {
        // Bound to every interface: the desk is opened as 127.0.0.1 locally.
        let host = match addr.ip() {
            ip if ip.is_unspecified() => {
                std::net::SocketAddr::new([127, 0, 0, 1].into(), addr.port())
            }
            _ => addr,
        };
        running.set_desk(&format!("http://{host}"));
    }
    // Scripts parse this exact line.
    println!("owidget-server listening on http://{addr}");
    if is_demo {
        println!("  demo page:  http://{addr}/demo/");
        println!("  desk:       http://{addr}/desk/");
        println!("  API:        http://{addr}/api/operator/login (see server/API.md)");
        println!("  company:    {}", demo::COMPANY);
        println!("  operator:   {} / {}", demo::USERNAME, demo::PASSWORD);
        if let Some(running) = &connector {
            println!(
                "  connector:  {} (demo App Plugins connector)",
                running.base
            );
            println!(
                "  custom app: {}{} (demo Custom App \"Orders\")",
                running.base,
                owidget_server::demo_connector::orders::PATH
            );
            println!(
                "  webhooks:   {}/webhooks (events the demo connector received)",
                running.base
            );
        }
    }
    owidget_server::run(listener, state, shutdown_signal()).await?;
    Ok(())
}
