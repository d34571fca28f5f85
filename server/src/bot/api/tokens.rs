//! `api_tokens`: the bearer tokens of the GraphQL API, by SHA-256, with
//! the API user they belong to and when they expire (24 h after the login,
//! never extended). Every request reads the database, so a token issued
//! by one instance works on all of them (PostgreSQL) and none outlives its
//! promise.

use crate::args;
use crate::storage::Store;
use crate::Result;

/// One stored token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Company GUID.
    pub company: String,
    /// API username.
    pub username: String,
    /// Unix ms.
    pub expires_at: i64,
}

/// Stores a token, dropping the expired ones (the table grows only here).
pub async fn insert(store: &Store, token: &ApiToken, now: i64) -> Result<()> {
    let t = token.clone();
    store
        .call(move |c| {
            c.execute("DELETE FROM api_tokens WHERE expires_at <= ?1", args![now])?;
            c.execute(
                "INSERT INTO api_tokens (token_hash, company, username, expires_at) \
                 VALUES (?1, ?2, ?3, ?4)",
                args![t.token_hash, t.company, t.username, t.expires_at],
            )?;
            Ok(())
        })
        .await
}

/// The live token with this hash at `now`.
pub async fn find(store: &Store, token_hash: &str, now: i64) -> Result<Option<ApiToken>> {
    let hash = token_hash.to_string();
    store
        .call(move |c| {
            c.query_opt(
                "SELECT token_hash, company, username, expires_at FROM api_tokens \
                 WHERE token_hash = ?1 AND expires_at > ?2",
                args![hash, now],
            )?
            .map(|r| {
                Ok(ApiToken {
                    token_hash: r.get(0)?,
                    company: r.get(1)?,
                    username: r.get(2)?,
                    expires_at: r.get(3)?,
                })
            })
            .transpose()
        })
        .await
}
