//! Operator logins: password check and bearer tokens.
//!
//! Tokens are 32 random bytes (64 hex characters) handed out once; the server
//! keeps only their SHA-256 with the operator and an idle expiry, in memory:
//! a restart logs everyone out, which also resets availability to offline.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::{PasswordHash, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::chat::OpRef;
use crate::ids::{new_token, token_hash};
use crate::{AppState, Error, Result};

/// Logged-in operators by token hash.
#[derive(Debug)]
pub struct Auth {
    ttl: Duration,
    tokens: Mutex<HashMap<String, (OpRef, Instant)>>,
}

impl Auth {
    /// No one logged in; logins expire after `ttl` without use.
    pub fn new(ttl: Duration) -> Self {
        Auth {
            ttl,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// A new token for `op`.
    pub fn issue(&self, op: OpRef) -> String {
        let token = new_token();
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        // Sweep expired logins here, the only place the map grows.
        tokens.retain(|_, (_, exp)| *exp > now);
        tokens.insert(token_hash(&token), (op, now + self.ttl));
        token
    }

    /// The operator of a live token, extending its expiry.
    pub fn check(&self, token: &str) -> Option<OpRef> {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let entry = tokens.get_mut(&token_hash(token))?;
        if entry.1 <= now {
            return None;
        }
        entry.1 = now + self.ttl;
        Some(entry.0)
    }

    /// Forgets a token.
    pub fn revoke(&self, token: &str) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.remove(&token_hash(token));
    }

    /// Number of live tokens of `op` (used to take an operator offline
    /// when their last login ends).
    pub fn sessions_of(&self, op: OpRef) -> usize {
        let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        tokens
            .values()
            .filter(|(o, exp)| *o == op && *exp > now)
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
        let op = state
            .auth
            .check(token)
            .ok_or_else(|| Error::Unauthorized("invalid or expired token; log in again".into()))?;
        state.hub.touch(op);
        Ok(CurrentOperator {
            op,
            token: token.to_string(),
        })
    }
}
