//! Operator logins: password check and bearer tokens.
//!
//! Tokens are 32 random bytes (64 hex characters) handed out once. The
//! server keeps only their SHA-256, with the operator and a sliding expiry,
//! in the database (`operator_sessions`) and in a write-through map in
//! memory that answers every request: a deploy or crash logs nobody out
//! (issue 14, item 6), and checking a token costs no database call. The
//! stored expiry is moved at most once a minute per token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::{PasswordHash, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::chat::OpRef;
use crate::config::Config;
use crate::ids::{new_token, now_ms, token_hash};
use crate::storage::{OperatorSession, Store};
use crate::{AppState, Error, Result};

/// How far the in-memory expiry may run ahead of the stored one.
const PERSIST_EVERY_MS: i64 = 60_000;

/// With several instances ([`Auth::shared`]): how long a login confirmed
/// against the database counts as confirmed, so that a token issued on
/// another instance works here and a logout there ends it here within this
/// long.
const RECHECK_MS: i64 = 5_000;

#[derive(Debug, Clone, Copy)]
struct Login {
    op: OpRef,
    /// Unix ms.
    expires: i64,
    /// The expiry last written to the database.
    stored: i64,
    /// Unix ms when the login was last read from the database.
    verified: i64,
}

/// Logged-in operators by token hash.
#[derive(Debug)]
pub struct Auth {
    ttl_ms: i64,
    config: Arc<Config>,
    store: Store,
    tokens: Mutex<HashMap<String, Login>>,
    /// Other instances share the database: they issue and revoke logins too.
    shared: bool,
    /// Login throttles and the argon2 semaphore.
    pub guard: super::guard::LoginGuard,
}

impl Auth {
    /// The logins stored in the database that are still alive; logins of
    /// operators no longer configured are dropped. Logins expire after
    /// `ttl` without use.
    pub async fn load(ttl: Duration, config: Arc<Config>, store: Store) -> Result<Self> {
        let mut tokens = HashMap::new();
        for s in store.operator_sessions(now_ms()).await? {
            let Some(company) = config.companies.iter().position(|c| c.id == s.company) else {
                continue;
            };
            let ops = &config.companies[company].operators;
            let Some(operator) = ops.iter().position(|o| o.username == s.username) else {
                continue;
            };
            let login = Login {
                op: OpRef { company, operator },
                expires: s.expires_at,
                stored: s.expires_at,
                verified: now_ms(),
            };
            tokens.insert(s.token_hash, login);
        }
        Ok(Auth {
            guard: super::guard::LoginGuard::new(&config.abuse),
            ttl_ms: ttl.as_millis() as i64,
            config,
            store,
            tokens: Mutex::new(tokens),
            shared: false,
        })
    }

    /// Marks the logins as shared with other instances (a broker is set):
    /// [`Auth::check_current`] then reads a token it does not know, or has
    /// not confirmed for [`RECHECK_MS`], from the database.
    pub fn shared(mut self, shared: bool) -> Self {
        self.shared = shared;
        self
    }

    /// The operator of a live token, as [`Auth::check`]; with several
    /// instances, a token issued or revoked by another instance counts as
    /// the database says (read at most every [`RECHECK_MS`] per login).
    pub async fn check_current(&self, token: &str) -> Result<Option<OpRef>> {
        if !self.shared {
            return Ok(self.check(token));
        }
        let hash = token_hash(token);
        let now = now_ms();
        let fresh = self
            .map()
            .get(&hash)
            .is_some_and(|l| now - l.verified < RECHECK_MS);
        if !fresh {
            let stored = self.store.operator_session(hash.clone(), now).await?;
            let op = stored.as_ref().and_then(|s| {
                let company = self
                    .config
                    .companies
                    .iter()
                    .position(|c| c.id == s.company)?;
                let ops = &self.config.companies[company].operators;
                let operator = ops.iter().position(|o| o.username == s.username)?;
                Some(OpRef { company, operator })
            });
            let mut tokens = self.map();
            match (op, stored) {
                (Some(op), Some(s)) => {
                    let login = tokens.entry(hash).or_insert(Login {
                        op,
                        expires: s.expires_at,
                        stored: s.expires_at,
                        verified: now,
                    });
                    login.expires = login.expires.max(s.expires_at);
                    login.stored = login.stored.max(s.expires_at);
                    login.verified = now;
                }
                _ => {
                    tokens.remove(&hash);
                    return Ok(None);
                }
            }
        }
        Ok(self.check(token))
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Login>> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new token for `op`, stored before it is handed out.
    pub async fn issue(&self, op: OpRef) -> Result<String> {
        let token = new_token();
        let hash = token_hash(&token);
        let now = now_ms();
        let expires = now + self.ttl_ms;
        let company = &self.config.companies[op.company];
        self.store
            .insert_operator_session(
                OperatorSession {
                    token_hash: hash.clone(),
                    company: company.id.clone(),
                    username: company.operators[op.operator].username.clone(),
                    expires_at: expires,
                },
                now,
            )
            .await?;
        let mut tokens = self.map();
        // Sweep expired logins here, the only place the map grows (the
        // database drops them at the next start).
        tokens.retain(|_, l| l.expires > now);
        let login = Login {
            op,
            expires,
            stored: expires,
            verified: now,
        };
        tokens.insert(hash, login);
        Ok(token)
    }

    /// The operator of a live token, extending its expiry.
    pub fn check(&self, token: &str) -> Option<OpRef> {
        let hash = token_hash(token);
        let now = now_ms();
        let mut tokens = self.map();
        let login = tokens.get_mut(&hash)?;
        if login.expires <= now {
            return None;
        }
        login.expires = now + self.ttl_ms;
        if login.expires - login.stored >= PERSIST_EVERY_MS {
            login.stored = login.expires;
            let (store, expires) = (self.store.clone(), login.expires);
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    if let Err(e) = store.extend_operator_session(hash, expires).await {
                        tracing::warn!(error = %e, "storing a login's expiry failed");
                    }
                });
            }
        }
        Some(login.op)
    }

    /// Forgets a token, in the database first.
    pub async fn revoke(&self, token: &str) -> Result<()> {
        let hash = token_hash(token);
        self.store.delete_operator_session(hash.clone()).await?;
        self.map().remove(&hash);
        Ok(())
    }

    /// Number of live tokens of `op` (used to take an operator offline
    /// when their last login ends).
    pub fn sessions_of(&self, op: OpRef) -> usize {
        let now = now_ms();
        self.map()
            .values()
            .filter(|l| l.op == op && l.expires > now)
            .count()
    }
}

/// Verifies a password against an argon2 PHC string. Slow on purpose; call
/// it off the async threads.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The operator making the request, from `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct CurrentOperator {
    /// Who.
    pub op: OpRef,
    /// The token used (for logout).
    pub token: String,
}

impl FromRequestParts<AppState> for CurrentOperator {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| Error::Unauthorized("missing Authorization: Bearer <token>".into()))?;
        let op =
            state.auth.check_current(token).await?.ok_or_else(|| {
                Error::Unauthorized("invalid or expired token; log in again".into())
            })?;
        state.hub.touch(op);
        Ok(CurrentOperator {
            op,
            token: token.to_string(),
        })
    }
}
