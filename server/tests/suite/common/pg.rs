//! PostgreSQL for the tests: the server that `scripts/test.sh` starts
//! (`OWIDGET_TEST_PG_URL`, a superuser URL), one fresh database per test.

use std::str::FromStr;

/// The superuser URL; fails the test with a clear message when unset.
pub fn admin_url() -> String {
    std::env::var("OWIDGET_TEST_PG_URL").unwrap_or_else(|_| {
        panic!(
            "OWIDGET_TEST_PG_URL is not set: these tests need a real PostgreSQL. \
             Run them with `bash scripts/test.sh`, or start one with \
             `eval \"$(bash scripts/services.sh start DIR)\"` first"
        )
    })
}

/// `url` with its database replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{base}/{db}{query}")
}

/// Creates `CREATE DATABASE t_<random>` on the server of `admin` and
/// returns its URL.
pub async fn fresh_database_on(admin: String) -> String {
    let name = format!("t_{}", owidget_server::ids::random_hex(8));
    let create = name.clone();
    let admin_copy = admin.clone();
    tokio::task::spawn_blocking(move || {
        let config = postgres::Config::from_str(&admin_copy).expect("OWIDGET_TEST_PG_URL parses");
        let mut c = config
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to OWIDGET_TEST_PG_URL: {e}"));
        c.batch_execute(&format!("CREATE DATABASE {create}"))
            .expect("CREATE DATABASE");
    })
    .await
    .unwrap();
    with_database(&admin, &name)
}

/// A fresh database on the test server.
pub async fn fresh_database() -> String {
    fresh_database_on(admin_url()).await
}

/// Runs `sql` on `url` (blocking client on a blocking thread); rows as text.
pub async fn query(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let (url, sql) = (url.to_string(), sql.to_string());
    tokio::task::spawn_blocking(move || {
        let mut c = postgres::Config::from_str(&url)
            .unwrap()
            .connect(postgres::NoTls)
            .expect("connect");
        rows(&mut c, &sql)
    })
    .await
    .unwrap()
}

/// Runs `sql` on `c`; rows as text.
pub fn rows(c: &mut postgres::Client, sql: &str) -> Vec<Vec<Option<String>>> {
    c.simple_query(sql)
        .expect("query")
        .into_iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect()
}

/// A private PostgreSQL cluster this test starts and stops (to take the
/// database away under a running server): `initdb` + `pg_ctl` from
/// `OWIDGET_TEST_PG_BIN`, run as the `postgres` user when we are root
/// (PostgreSQL refuses root), on a free loopback port.
pub struct Cluster {
    bin: std::path::PathBuf,
    data: std::path::PathBuf,
    pub port: u16,
    /// Extra server options of [`Cluster::start_with`].
    extra: String,
    _dir: tempfile::TempDir,
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `bin/tool args…`, as the postgres user when root; panics with its output
/// on failure.
async fn pg_tool(bin: &std::path::Path, tool: &str, args: &[&str]) {
    let path = bin.join(tool);
    let mut cmd = if is_root() {
        let mut c = tokio::process::Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&path);
        c
    } else {
        tokio::process::Command::new(&path)
    };
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), cmd.args(args).output())
        .await
        .unwrap_or_else(|_| panic!("{tool} did not finish within 120 s"))
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Cluster {
    /// initdb + start.
    pub async fn start() -> Cluster {
        Cluster::start_with(|_| String::new()).await
    }

    /// initdb + start with extra server options: `prepare` may write files
    /// the server reads into the cluster's own directory (given; made the
    /// postgres user's when we are root) and returns the options, such as
    /// `-c ssl=on -c ssl_cert_file=…` (they hold for [`Cluster::start_again`] too).
    pub async fn start_with(prepare: impl FnOnce(&std::path::Path) -> String) -> Cluster {
        let bin = std::path::PathBuf::from(std::env::var("OWIDGET_TEST_PG_BIN").unwrap_or_else(|_| {
            panic!(
                "OWIDGET_TEST_PG_BIN is not set: this test starts its own PostgreSQL. \
                 Run it with `bash scripts/test.sh` (or `eval \"$(bash scripts/services.sh start DIR)\"`)"
            )
        }));
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let extra = prepare(dir.path());
        if is_root() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            for entry in std::fs::read_dir(dir.path()).unwrap() {
                let path = entry.unwrap().path();
                let st = std::process::Command::new("chown")
                    .args(["-R", "postgres:"])
                    .arg(&path)
                    .status()
                    .expect("chown");
                assert!(st.success(), "chown postgres: {}", path.display());
            }
        }
        let d = data.to_str().unwrap().to_string();
        pg_tool(
            &bin,
            "initdb",
            &[
                "-D",
                &d,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "-N",
            ],
        )
        .await;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = Cluster {
            bin,
            data,
            port,
            extra,
            _dir: dir,
        };
        c.start_again().await;
        c
    }

    /// The superuser URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the (stopped) cluster again on the same port; waits until it
    /// accepts connections.
    pub async fn start_again(&self) {
        let d = self.data.to_str().unwrap();
        let opts = format!(
            "-p {} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off {}",
            self.port, self.extra
        );
        let log = format!("{d}/server.log");
        pg_tool(
            &self.bin,
            "pg_ctl",
            &["-D", d, "-l", &log, "-w", "-t", "60", "-o", &opts, "start"],
        )
        .await;
    }

    /// Fast shutdown (clients are disconnected); waits until it is down.
    pub async fn stop(&self) {
        let d = self.data.to_str().unwrap();
        pg_tool(
            &self.bin,
            "pg_ctl",
            &["-D", d, "-m", "fast", "-w", "-t", "60", "stop"],
        )
        .await;
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let d = self.data.to_str().unwrap().to_string();
        let args = ["-D", d.as_str(), "-m", "immediate", "-w", "stop"];
        let _ = if is_root() {
            std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&pg_ctl)
                .args(args)
                .output()
        } else {
            std::process::Command::new(&pg_ctl).args(args).output()
        };
    }
}
