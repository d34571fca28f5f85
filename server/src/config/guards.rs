//! `[network]`, `[presence]` and `[abuse]`: how the server protects itself
//! from slow or vanished peers and from floods. Raw tables (as serde reads
//! them) and their checked forms live together here so that the rest of
//! `config` only gains one field per table. Every key is documented in the
//! README's configuration table and in `server/API.md`.

use std::time::Duration;

use serde::Deserialize;

use super::bad;
use crate::Result;

/// `[network]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    /// Seconds one WebSocket frame may take to be accepted by the peer.
    pub send_timeout_secs: Option<u64>,
    /// Seconds a client has to send a request's headers.
    pub header_read_timeout_secs: Option<u64>,
    /// Seconds an HTTP keep-alive connection may sit idle.
    pub idle_timeout_secs: Option<u64>,
    /// Open connections of the whole server.
    pub max_connections: Option<usize>,
    /// Open connections from one IP address (0 = no per-IP limit).
    pub max_connections_per_ip: Option<usize>,
    /// Seconds between desk heartbeats.
    pub desk_heartbeat_secs: Option<u64>,
    /// Seconds between widget heartbeats (published to the widget).
    pub widget_heartbeat_secs: Option<u64>,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For`
    /// names the client.
    pub trusted_proxies: Option<Vec<String>>,
}

/// `[presence]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPresence {
    /// Seconds an online operator without a desk socket stays online.
    pub away_after_secs: Option<u64>,
    /// Seconds a waiting chat survives without any visitor socket.
    pub waiting_expiry_secs: Option<u64>,
    /// Seconds an instance's heartbeat keeps its operators' desks present.
    pub ttl_secs: Option<u64>,
    /// Seconds between re-reads of availability and presence from the database.
    pub reconcile_secs: Option<u64>,
}

/// `[abuse]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAbuse {
    /// Failed logins per IP address per minute.
    pub logins_per_ip_per_minute: Option<u32>,
    /// Failed logins per account per minute.
    pub logins_per_account_per_minute: Option<u32>,
    /// Password checks (argon2) running at once.
    pub password_checks: Option<usize>,
    /// Chat starts per IP address per minute.
    pub chat_starts_per_ip_per_minute: Option<u32>,
    /// Chat starts per preset per minute.
    pub chat_starts_per_preset_per_minute: Option<u32>,
    /// Waiting chats per company.
    pub queue_max: Option<usize>,
    /// Resumes per widget socket per minute.
    pub resumes_per_minute: Option<u32>,
}

/// Checked `[network]`.
#[derive(Debug, Clone)]
pub struct Network {
    /// A WebSocket frame the peer does not take within this is a slow peer:
    /// the socket is closed (default 5 s).
    pub send_timeout: Duration,
    /// Time to send a request's headers (default 10 s).
    pub header_read_timeout: Duration,
    /// Idle time of a keep-alive HTTP connection (default 60 s).
    pub idle_timeout: Duration,
    /// Open connections in all (default 19,500).
    pub max_connections: usize,
    /// Open connections per IP address, 0 = unlimited (default 0).
    pub max_connections_per_ip: usize,
    /// Desk heartbeat period; a desk silent for two periods is gone
    /// (default 15 s).
    pub desk_heartbeat: Duration,
    /// Widget heartbeat period, published in the widget configuration
    /// (`heartbeatSecs`): the widget pings when it has heard nothing for
    /// a period and reconnects when the next one passes in silence too
    /// (default 25 s).
    pub widget_heartbeat: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client, for the
    /// per-IP throttles (default none: the header is ignored).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            send_timeout: Duration::from_secs(5),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 19_500,
            max_connections_per_ip: 0,
            desk_heartbeat: Duration::from_secs(15),
            widget_heartbeat: Duration::from_secs(25),
            trusted_proxies: Vec::new(),
        }
    }
}

/// Checked `[presence]`.
#[derive(Debug, Clone)]
pub struct Presence {
    /// An available operator with no desk socket and no API call for this
    /// long becomes away (default 60 s).
    pub away_after: Duration,
    /// A waiting chat whose visitor has had no socket for this long ends
    /// (default 120 s).
    pub waiting_expiry: Duration,
    /// Across instances: a desk socket open on an instance keeps its
    /// operator present everywhere until this long after that instance's
    /// last heartbeat (written every third of it; default 15 s).
    pub ttl: Duration,
    /// Across instances: how often availability, presence and load are
    /// re-read from the database, so that a lost bus event heals by
    /// itself (default 5 s).
    pub reconcile: Duration,
}

impl Default for Presence {
    fn default() -> Self {
        Presence {
            away_after: Duration::from_secs(60),
            waiting_expiry: Duration::from_secs(120),
            ttl: Duration::from_secs(15),
            reconcile: Duration::from_secs(5),
        }
    }
}

/// Checked `[abuse]`.
#[derive(Debug, Clone)]
pub struct Abuse {
    /// Failed logins per IP per minute (default 20).
    pub logins_per_ip_per_minute: u32,
    /// Failed logins per account per minute (default 10).
    pub logins_per_account_per_minute: u32,
    /// Concurrent argon2 checks (default half the CPU cores, at least 1).
    pub password_checks: usize,
    /// Chat starts per IP per minute (default 10).
    pub chat_starts_per_ip_per_minute: u32,
    /// Chat starts per preset per minute (default 300).
    pub chat_starts_per_preset_per_minute: u32,
    /// Waiting chats per company (default 200).
    pub queue_max: usize,
    /// Resumes per widget socket per minute (default 20).
    pub resumes_per_minute: u32,
}

impl Default for Abuse {
    fn default() -> Self {
        Abuse {
            logins_per_ip_per_minute: 20,
            logins_per_account_per_minute: 10,
            password_checks: std::thread::available_parallelism()
                .map_or(1, |n| (n.get() / 2).max(1)),
            chat_starts_per_ip_per_minute: 10,
            chat_starts_per_preset_per_minute: 300,
            queue_max: 200,
            resumes_per_minute: 20,
        }
    }
}

fn positive<T: Copy + Default + PartialEq>(key: &str, v: Option<T>, d: T) -> Result<T> {
    match v {
        Some(v) if v == T::default() => Err(bad(key, "must be greater than 0")),
        Some(v) => Ok(v),
        None => Ok(d),
    }
}

fn secs(key: &str, v: Option<u64>, d: Duration) -> Result<Duration> {
    Ok(Duration::from_secs(positive(key, v, d.as_secs())?))
}

/// Checks `[network]`.
pub fn check_network(raw: RawNetwork) -> Result<Network> {
    let d = Network::default();
    Ok(Network {
        send_timeout: secs(
            "network.send_timeout_secs",
            raw.send_timeout_secs,
            d.send_timeout,
        )?,
        header_read_timeout: secs(
            "network.header_read_timeout_secs",
            raw.header_read_timeout_secs,
            d.header_read_timeout,
        )?,
        idle_timeout: secs(
            "network.idle_timeout_secs",
            raw.idle_timeout_secs,
            d.idle_timeout,
        )?,
        max_connections: positive(
            "network.max_connections",
            raw.max_connections,
            d.max_connections,
        )?,
        max_connections_per_ip: raw
            .max_connections_per_ip
            .unwrap_or(d.max_connections_per_ip),
        desk_heartbeat: secs(
            "network.desk_heartbeat_secs",
            raw.desk_heartbeat_secs,
            d.desk_heartbeat,
        )?,
        widget_heartbeat: secs(
            "network.widget_heartbeat_secs",
            raw.widget_heartbeat_secs,
            d.widget_heartbeat,
        )?,
        trusted_proxies: trusted_proxies(raw.trusted_proxies.unwrap_or_default())?,
    })
}

/// `network.trusted_proxies`: each an address (`10.0.0.7`, `::1`) or a
/// CIDR range (`10.0.0.0/8`).
fn trusted_proxies(raw: Vec<String>) -> Result<Vec<ipnet::IpNet>> {
    raw.iter()
        .enumerate()
        .map(|(i, s)| {
            let s = s.trim();
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map(|n| n.trunc())
                .map_err(|_| {
                    bad(
                        &format!("network.trusted_proxies[{i}]"),
                        format!("{s:?} is not an IP address or CIDR range"),
                    )
                })
        })
        .collect()
}

/// Checks `[presence]`.
pub fn check_presence(raw: RawPresence) -> Result<Presence> {
    let d = Presence::default();
    Ok(Presence {
        away_after: secs(
            "presence.away_after_secs",
            raw.away_after_secs,
            d.away_after,
        )?,
        waiting_expiry: secs(
            "presence.waiting_expiry_secs",
            raw.waiting_expiry_secs,
            d.waiting_expiry,
        )?,
        ttl: secs("presence.ttl_secs", raw.ttl_secs, d.ttl)?,
        reconcile: secs("presence.reconcile_secs", raw.reconcile_secs, d.reconcile)?,
    })
}

/// Checks `[abuse]`.
pub fn check_abuse(raw: RawAbuse) -> Result<Abuse> {
    let d = Abuse::default();
    Ok(Abuse {
        logins_per_ip_per_minute: positive(
            "abuse.logins_per_ip_per_minute",
            raw.logins_per_ip_per_minute,
            d.logins_per_ip_per_minute,
        )?,
        logins_per_account_per_minute: positive(
            "abuse.logins_per_account_per_minute",
            raw.logins_per_account_per_minute,
            d.logins_per_account_per_minute,
        )?,
        password_checks: positive(
            "abuse.password_checks",
            raw.password_checks,
            d.password_checks,
        )?,
        chat_starts_per_ip_per_minute: positive(
            "abuse.chat_starts_per_ip_per_minute",
            raw.chat_starts_per_ip_per_minute,
            d.chat_starts_per_ip_per_minute,
        )?,
        chat_starts_per_preset_per_minute: positive(
            "abuse.chat_starts_per_preset_per_minute",
            raw.chat_starts_per_preset_per_minute,
            d.chat_starts_per_preset_per_minute,
        )?,
        queue_max: positive("abuse.queue_max", raw.queue_max, d.queue_max)?,
        resumes_per_minute: positive(
            "abuse.resumes_per_minute",
            raw.resumes_per_minute,
            d.resumes_per_minute,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let ok =
            trusted_proxies(vec!["127.0.0.1".into(), "10.1.2.3/8".into(), "::1".into()]).unwrap();
        let shown: Vec<String> = ok.iter().map(|n| n.to_string()).collect();
        assert_eq!(shown, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        let e = trusted_proxies(vec!["10.0.0.1".into(), "proxy.local".into()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid configuration: network.trusted_proxies[1]: \"proxy.local\" is not an IP address or CIDR range"
        );
        assert!(trusted_proxies(vec!["10.0.0.0/33".into()]).is_err());
    }
}
