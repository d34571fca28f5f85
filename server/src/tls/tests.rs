//! URL parameters, CA files and error texts of [`super`].

use super::*;

#[test]
fn modes_and_parameters() {
    let t = PgTls::parse("postgres://u@h/db").unwrap();
    assert_eq!(t.mode, SslMode::Prefer);
    assert_eq!(t.url, "postgres://u@h/db?sslmode=prefer");
    let t = PgTls::parse("postgres://u@h/db?application_name=x&sslmode=require").unwrap();
    assert_eq!(t.mode, SslMode::Require);
    assert_eq!(
        t.url,
        "postgres://u@h/db?application_name=x&sslmode=require"
    );
    let t = PgTls::parse("postgres://u@h/db?sslmode=disable").unwrap();
    assert_eq!(t.mode, SslMode::Disable);
    let t = PgTls::parse("postgres://u@h/db?sslmode=verify-full&sslrootcert=system").unwrap();
    assert_eq!(
        (t.mode, t.url.as_str()),
        (SslMode::VerifyFull, "postgres://u@h/db?sslmode=require")
    );
}

#[test]
fn bad_parameters_are_named() {
    let e = |url: &str| PgTls::parse(url).err().unwrap();
    assert!(e("postgres://h/d?sslmode=allow").contains("sslmode=\"allow\""));
    assert!(e("postgres://h/d?sslmode=verify-full").contains("sslrootcert"));
    assert!(
        e("postgres://h/d?sslmode=verify-ca&sslrootcert=/no/such.pem")
            .starts_with("sslrootcert /no/such.pem: cannot read it")
    );
    assert!(e("postgres://h/d?sslmode=require&sslrootcert=system").contains("verify-full"));
    let dir = std::env::temp_dir().join(format!("owidget-tls-{}", std::process::id()));
    std::fs::write(&dir, "not a certificate").unwrap();
    let url = format!(
        "postgres://h/d?sslmode=verify-full&sslrootcert={}",
        dir.display()
    );
    assert!(e(&url).contains("no PEM certificate"), "{}", e(&url));
    let _ = std::fs::remove_file(&dir);
    // Client certificates are not supported: the driver refuses them.
    let t = PgTls::parse("postgres://h/d?sslcert=/c.pem").unwrap();
    let e = <tokio_postgres::Config as std::str::FromStr>::from_str(&t.url).unwrap_err();
    assert!(chain(&e).contains("sslcert"), "{}", chain(&e));
}

#[test]
fn percent_decoding() {
    assert_eq!(percent_decode("%2Fetc%2Fca%20x.pem"), "/etc/ca x.pem");
    assert_eq!(percent_decode("100%"), "100%");
}

#[test]
fn redis_ca_file_is_checked_and_taken_out() {
    let e = redis_client("rediss://127.0.0.1:6380/?ca_file=/no/such.pem")
        .err()
        .unwrap();
    assert!(e.starts_with("ca_file /no/such.pem: cannot read it"), "{e}");
    redis_client("rediss://127.0.0.1:6380/#insecure").unwrap();
    redis_client("redis://127.0.0.1:6379").unwrap();
}
