//! `GET /api/operator/connector-log?limit=100`: my company's connector
//! calls, newest first, so that a connector's author sees why a call failed.

use axum::extract::{Query, State};
use axum::Json;
use owidget_protocol::plugins::ConnectorLog;
use serde::Deserialize;

use crate::operators::auth::CurrentOperator;
use crate::{AppState, Error, Result};

#[derive(Debug, Deserialize)]
pub(super) struct LogQuery {
    limit: Option<u32>,
}

pub(super) async fn connector_log(
    State(state): State<AppState>,
    who: CurrentOperator,
    Query(q): Query<LogQuery>,
) -> Result<Json<ConnectorLog>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(Error::BadRequest("limit must be 1 to 1000".into()));
    }
    let company = &state.config.companies[who.op.company].id;
    // Calls still queued for the log are written first.
    state.plugins.flush_log().await;
    let calls = state.hub.store().connector_log(company, limit).await?;
    Ok(Json(ConnectorLog { calls }))
}
