//! Login brute force and argon2 exhaustion.
//!
//! Failed logins are throttled per client IP and per account (Chatwoot's
//! Rack::Attack rules): over `[abuse] logins_per_ip_per_minute` or
//! `logins_per_account_per_minute`, `/login` answers 429 with
//! `Retry-After` before any password is checked. Every check runs argon2
//! (19 MiB, tens of milliseconds of CPU); a semaphore of
//! `password_checks` permits bounds how many run at once, so that a flood
//! of logins from many addresses cannot take every core from chat traffic;
//! an attempt that waits over [`PERMIT_WAIT`] for a permit gets 429 too.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::auth::verify_password;
use crate::config::Abuse;
use crate::throttle::{retry_secs, Throttle};
use crate::{Error, Result};

/// Longest wait for a password-check permit.
pub const PERMIT_WAIT: Duration = Duration::from_secs(2);

const MINUTE: Duration = Duration::from_secs(60);

/// Login throttles and the argon2 semaphore.
#[derive(Debug)]
pub struct LoginGuard {
    per_ip: Throttle<IpAddr>,
    per_account: Throttle<(String, String)>,
    checks: Semaphore,
    running: AtomicUsize,
    most: AtomicUsize,
}

impl LoginGuard {
    /// Guard with the configured limits.
    pub fn new(abuse: &Abuse) -> Self {
        LoginGuard {
            per_ip: Throttle::new(abuse.logins_per_ip_per_minute, MINUTE),
            per_account: Throttle::new(abuse.logins_per_account_per_minute, MINUTE),
            checks: Semaphore::new(abuse.password_checks),
            running: AtomicUsize::new(0),
            most: AtomicUsize::new(0),
        }
    }

    /// Refuses the attempt when its IP or account is over its failures.
    pub fn admit(&self, ip: Option<IpAddr>, account: &(String, String)) -> Result<()> {
        let now = Instant::now();
        let by_ip = ip.map_or(Ok(()), |ip| self.per_ip.check(&ip, now));
        let by_account = self.per_account.check(account, now);
        if let Err(wait) = by_ip.and(by_account) {
            let secs = retry_secs(wait);
            return Err(Error::RetryAfter(
                format!("too many failed logins; try again in {secs} s"),
                secs,
            ));
        }
        Ok(())
    }

    /// Counts a failed attempt against the IP and the account.
    pub fn failed(&self, ip: Option<IpAddr>, account: (String, String)) {
        let now = Instant::now();
        if let Some(ip) = ip {
            self.per_ip.record(ip, now);
        }
        self.per_account.record(account, now);
    }

    /// Runs argon2 on a blocking thread under the semaphore.
    pub async fn verify(&self, password: String, phc: String) -> Result<bool> {
        let busy = || Error::RetryAfter("too many logins at once; try again".into(), 1);
        let _permit = tokio::time::timeout(PERMIT_WAIT, self.checks.acquire())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        ok.map_err(|e| Error::Internal(format!("password check: {e}")))
    }

    /// The most password checks that ever ran at once (tests, benchmarks).
    pub fn most_concurrent_checks(&self) -> usize {
        self.most.load(Ordering::SeqCst)
    }
}
