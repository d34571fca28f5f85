//! `GET /api/widget/phone?company=<guid>&preset=<name>&number=<typed>`:
//! the default phone number normalization of the widget
//! (`owidget.normalizeNumber`, the callback form), done here with the same
//! `owidget-phone` crate and the preset's `phone_country` that
//! [`validate_phone`](super::validate_phone) re-validates a callback
//! request with. A visitor pays a few hundred bytes per number instead of
//! a ~0.5 MB gzip wasm module with libphonenumber's metadata (issue 11).

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::{origin, resolve, WidgetQuery};
use crate::{AppState, Result};

/// Query of [`normalize`].
#[derive(Debug, Deserialize)]
pub struct PhoneQuery {
    company: Option<String>,
    preset: Option<String>,
    number: Option<String>,
}

/// `{"number": "+420 777 666 555"}` for a valid number, `{"number": null,
/// "message": why}` for an invalid one (both `200`: the question was
/// answered); `400`/`404` with `{ "message" }` for a bad query. Readable by
/// the company's allowed origins, like the configuration.
pub async fn normalize(
    State(state): State<AppState>,
    Query(q): Query<PhoneQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let (company, preset) = resolve(
        &state,
        &WidgetQuery {
            company: q.company,
            preset: q.preset,
            v: None,
            part: None,
            lang: None,
        },
    )?;
    let raw = q
        .number
        .ok_or_else(|| crate::Error::BadRequest("missing query parameter number".into()))?;
    let c = &state.config.companies[company];
    let body = match super::validate_phone(&raw, &c.presets[preset].widget.phone_country) {
        Ok(number) => json!({ "number": number }),
        Err(why) => json!({ "number": null, "message": why }),
    };
    let mut resp = Json(body).into_response();
    let h = resp.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    // The answer depends on the preset's phone_country, which a restart
    // with a new configuration may change.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    if let Some(o) = origin(&headers).filter(|o| c.allows_origin(o)) {
        if let Ok(v) = HeaderValue::from_str(o) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
    }
    Ok(resp)
}
