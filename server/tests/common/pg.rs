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
        c.simple_query(&sql)
            .expect("query")
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect()
    })
    .await
    .unwrap()
}
