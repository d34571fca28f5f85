//! `GET /api/operator/webhooks/deliveries?limit=100&state=`: my company's
//! webhook events, newest first, with every attempt.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::outbox::Delivery;
use crate::operators::auth::CurrentOperator;
use crate::{AppState, Error, Result};

/// Operator routes under `/api/operator`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/webhooks/deliveries", get(deliveries))
}

#[derive(Debug, Deserialize)]
struct LogQuery {
    limit: Option<u32>,
    state: Option<String>,
}

/// The answer.
#[derive(Debug, Serialize)]
pub struct Deliveries {
    /// Newest first.
    pub deliveries: Vec<Delivery>,
}

async fn deliveries(
    State(state): State<AppState>,
    who: CurrentOperator,
    Query(q): Query<LogQuery>,
) -> Result<Json<Deliveries>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(Error::BadRequest("limit must be 1 to 1000".into()));
    }
    if let Some(s) = &q.state {
        if !matches!(s.as_str(), "pending" | "delivered" | "failed") {
            return Err(Error::BadRequest(
                "state must be pending, delivered or failed".into(),
            ));
        }
    }
    let company = &state.config.companies[who.op.company].id;
    let deliveries = state
        .hub
        .store()
        .webhook_log(company, q.state, limit)
        .await?;
    Ok(Json(Deliveries { deliveries }))
}
