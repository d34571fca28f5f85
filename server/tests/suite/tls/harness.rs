//! The TLS services of `tls_services.rs`, made by the test itself: a
//! throwaway CA and server certificate (rcgen), a PostgreSQL cluster with
//! `ssl = on` (the private cluster of `common/pg.rs` with TLS options) and
//! a redis-server with `--tls-port` only (`OWIDGET_TEST_REDIS_SERVER`),
//! each on a free loopback port and stopped on drop.

use std::path::PathBuf;
use std::process::Stdio;
use std::str::FromStr;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use tokio::process::{Child, Command};

use crate::common::pg::Cluster;
use crate::common::redis_server::free_port;

/// Upper bound of every wait.
pub const WAIT: Duration = Duration::from_secs(30);

/// The only name in PostgreSQL's certificate (no IP address): a client
/// that connects to 127.0.0.1 by that name (`hostaddr`) passes
/// `verify-full`, one that connects by the IP address passes `verify-ca`
/// only. Redis's certificate is for 127.0.0.1 (redis-rs verifies the host
/// it connects to).
pub const SERVER_NAME: &str = "db.owidget.test";

/// An environment variable the test command sets.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the tests with `bash scripts/test.sh`, which starts the \
             services, or first `eval \"$(bash scripts/services.sh start DIR)\"`"
        )
    })
}

/// The CA that signed the servers' certificates, another CA that did not,
/// and the servers' certificates and keys (`server.*` for PostgreSQL,
/// `redis.*`), as PEM files in one directory.
pub struct Certs {
    pub dir: tempfile::TempDir,
}

impl Certs {
    pub fn new() -> Certs {
        let dir = tempfile::tempdir().expect("temp dir");
        let ca = ca("owidget test CA");
        let other = ca_cert("another CA");
        for (file, name) in [("server", SERVER_NAME), ("redis", "127.0.0.1")] {
            let mut params = CertificateParams::new(vec![name.to_string()]).expect("params");
            params.distinguished_name.push(DnType::CommonName, name);
            let key = KeyPair::generate().expect("server key");
            let cert = params.signed_by(&key, &ca).expect("server certificate");
            std::fs::write(dir.path().join(format!("{file}.crt")), cert.pem()).unwrap();
            std::fs::write(dir.path().join(format!("{file}.key")), key.serialize_pem()).unwrap();
        }
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("other-ca.pem"), other).unwrap();
        std::fs::write(dir.path().join("garbage.pem"), "not a certificate\n").unwrap();
        Certs { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn ca(&self) -> String {
        self.path("ca.pem").display().to_string()
    }

    pub fn other_ca(&self) -> String {
        self.path("other-ca.pem").display().to_string()
    }
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    CertifiedIssuer::self_signed(ca_params(name), KeyPair::generate().expect("CA key"))
        .expect("CA certificate")
}

fn ca_cert(name: &str) -> String {
    ca(name).pem()
}

/// A PostgreSQL cluster with `ssl = on` and the certificate of `certs`
/// (trust authentication on loopback, TLS or not): the private cluster of
/// `common/pg.rs`, stopped on drop.
pub struct TlsPostgres {
    pg: Cluster,
}

impl TlsPostgres {
    pub async fn start(certs: &Certs) -> TlsPostgres {
        let pg = Cluster::start_with(|dir| {
            // The server reads its key from a directory of its own (0600,
            // owned by the user it runs as).
            let keys = dir.join("keys");
            std::fs::create_dir(&keys).unwrap();
            std::fs::copy(certs.path("server.crt"), keys.join("server.crt")).unwrap();
            std::fs::copy(certs.path("server.key"), keys.join("server.key")).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                keys.join("server.key"),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
            let k = keys.to_str().unwrap();
            format!("-c ssl=on -c ssl_cert_file={k}/server.crt -c ssl_key_file={k}/server.key")
        })
        .await;
        TlsPostgres { pg }
    }

    /// A URL on database `db` with these query parameters, connecting to
    /// 127.0.0.1 by the certificate's name (`hostaddr`).
    pub fn url_by_name(&self, db: &str, params: &str) -> String {
        format!(
            "postgres://postgres@{SERVER_NAME}:{}/{db}?hostaddr=127.0.0.1&{params}",
            self.pg.port
        )
    }

    /// A URL on database `db` by IP address (not the certificate's name).
    pub fn url_by_ip(&self, db: &str, params: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?{params}",
            self.pg.port
        )
    }
}

/// Runs `sql` on `url` through owidget's own TLS setup; rows as text.
pub async fn query(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let (url, sql) = (url.to_string(), sql.to_string());
    tokio::task::spawn_blocking(move || {
        let tls = owidget_server::tls::PgTls::parse(&url).expect("URL parses");
        let mut c = postgres::Config::from_str(&tls.url)
            .unwrap()
            .connect(tls.connector)
            .unwrap_or_else(|e| panic!("connect: {e}"));
        crate::common::pg::rows(&mut c, &sql)
    })
    .await
    .unwrap()
}

/// A redis-server listening with TLS only (`--port 0 --tls-port`), with
/// the certificate of `certs`; killed on drop.
pub struct TlsRedis {
    pub port: u16,
    _child: Child,
    _dir: tempfile::TempDir,
}

impl TlsRedis {
    pub async fn start(certs: &Certs) -> TlsRedis {
        let bin = env("OWIDGET_TEST_REDIS_SERVER");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = dir.path().join("redis.log");
        let child = Command::new(&bin)
            .args([
                "--port",
                "0",
                "--tls-port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .arg("--tls-cert-file")
            .arg(certs.path("redis.crt"))
            .arg("--tls-key-file")
            .arg(certs.path("redis.key"))
            .arg("--tls-ca-cert-file")
            .arg(certs.path("ca.pem"))
            .args([
                "--tls-auth-clients",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(dir.path())
            .arg("--logfile")
            .arg(&log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {bin}: {e}"));
        let r = TlsRedis {
            port,
            _child: child,
            _dir: dir,
        };
        // Ready once a verified TLS client gets its PONG.
        let client = owidget_server::tls::redis_client(&r.url(&certs.ca())).unwrap();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(mut c) = client.get_multiplexed_async_connection().await {
                let pong: Result<String, _> = redis::cmd("PING").query_async(&mut c).await;
                if pong.is_ok() {
                    return r;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "redis-server with --tls-port {port} did not answer PING over TLS within \
                 {WAIT:?}; its log: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `rediss://` to it, verified against `ca_file`.
    pub fn url(&self, ca_file: &str) -> String {
        format!("rediss://127.0.0.1:{}/?ca_file={ca_file}", self.port)
    }
}
