//! The widget's endpoints: `GET /api/widget/config`, `GET /api/widget/phone`
//! and `GET /ws/widget`.

mod callback;
mod coalesce;
mod frames;
mod outlet;
mod phone;
mod socket;
mod start;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use owidget_protocol::{normalize_guid, PROTOCOL_VERSION};
use serde::Deserialize;

use crate::{AppState, Error, Result};
pub use callback::validate_phone;
pub use phone::normalize as phone;
pub use socket::{serve, Conn, PING_EVERY};

/// Read buffer of one widget socket, allocated up front for every socket:
/// small on purpose (20,000 idle widgets must fit in memory, and widget
/// frames are small JSON; a larger frame just takes more reads).
pub const READ_BUFFER: usize = 1024;
/// Bytes a widget socket buffers before writing them out (a threshold, not
/// an allocation: every frame is flushed anyway).
pub const SOCKET_BUFFER: usize = 4 * 1024;
/// Largest frame a widget may send: a `startChat` at every published limit
/// (2,048-character page URL, 4,000 characters of custom data, a
/// 2,000-character first message), each character 4 bytes of UTF-8 or a
/// 6-byte JSON escape, fits.
pub const MAX_FRAME: usize = 64 * 1024;

/// Query of both widget endpoints.
#[derive(Debug, Deserialize)]
pub struct WidgetQuery {
    company: Option<String>,
    preset: Option<String>,
    v: Option<String>,
    /// `frame`: only what the SDK core draws (see
    /// [`owidget_protocol::WidgetConfig::frame`]).
    part: Option<String>,
    /// With `part=frame`: the visitor's language wishes, comma-separated,
    /// most important first (the texts are those of the language chosen).
    lang: Option<String>,
}

/// Company and preset indices named by a [`WidgetQuery`].
fn resolve(state: &AppState, q: &WidgetQuery) -> Result<(usize, usize)> {
    let raw = q
        .company
        .as_deref()
        .ok_or_else(|| Error::BadRequest("missing query parameter company".into()))?;
    let guid =
        normalize_guid(raw).ok_or_else(|| Error::BadRequest("company must be a GUID".into()))?;
    let company = state
        .config
        .companies
        .iter()
        .position(|c| c.id == guid)
        .ok_or_else(|| Error::NotFound("unknown company".into()))?;
    let c = &state.config.companies[company];
    let name = q
        .preset
        .as_deref()
        .filter(|p| !p.is_empty())
        .unwrap_or(&c.default_preset);
    let preset = c
        .presets
        .iter()
        .position(|p| p.name == name)
        .ok_or_else(|| Error::NotFound(format!("unknown preset {name:?}")))?;
    Ok((company, preset))
}

fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// `GET /api/widget/config?company=<guid>&preset=<name>`.
pub async fn config(
    State(state): State<AppState>,
    Query(q): Query<WidgetQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    // The widget must be able to read *why* it is refused (unknown company
    // or preset, a page outside `allowed_origins`) to report it in the
    // console; the message holds nothing secret, so any page may read it.
    let readable = |e: Error| {
        let mut resp = e.into_response();
        resp.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        resp
    };
    let (company, preset) = match resolve(&state, &q) {
        Ok(found) => found,
        Err(e) => return Ok(readable(e)),
    };
    let c = &state.config.companies[company];
    // A browser page of another site: a clear 403 rather than a CORS
    // failure the widget could only take for an outage.
    if let Some(o) = origin(&headers).filter(|o| !c.allows_origin(o)) {
        return Ok(readable(Error::Forbidden(format!(
            "origin {o} is not allowed for company {}: add it to the company's allowed_origins",
            c.id
        ))));
    }
    let widget = &c.presets[preset].widget;
    let mut resp = match q.part.as_deref() {
        None => Json(widget).into_response(),
        Some("frame") => {
            // The visitor's language wishes, most important first.
            let lang = q.lang.as_deref().unwrap_or_default();
            let wishes: Vec<&str> = lang
                .split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .collect();
            Json(widget.frame(&wishes)).into_response()
        }
        Some(other) => {
            return Ok(readable(Error::BadRequest(format!(
                "unknown part {other:?}: the only part is \"frame\" (or none for the whole configuration)"
            ))))
        }
    };
    let h = resp.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Only the company's own sites may read it from a browser.
    if let Some(o) = origin(&headers).filter(|o| c.allows_origin(o)) {
        if let Ok(v) = HeaderValue::from_str(o) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
    }
    Ok(resp)
}

/// `GET /ws/widget?company=<guid>&preset=<name>&v=1`.
pub async fn socket(
    State(state): State<AppState>,
    crate::listen::PeerIp(ip): crate::listen::PeerIp,
    Query(q): Query<WidgetQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response> {
    let (company, preset) = resolve(&state, &q)?;
    match q.v.as_deref().map(str::parse::<u32>) {
        Some(Ok(PROTOCOL_VERSION)) => {}
        Some(_) => {
            return Err(Error::BadRequest(format!(
                "unsupported protocol version; this server speaks v={PROTOCOL_VERSION}"
            )))
        }
        None => return Err(Error::BadRequest("missing query parameter v".into())),
    }
    let c = &state.config.companies[company];
    match origin(&headers) {
        Some(o) if c.allows_origin(o) => {}
        Some(_) => {
            return Err(Error::Forbidden(
                "origin not allowed for this company".into(),
            ))
        }
        None => return Err(Error::Forbidden("missing Origin header".into())),
    }
    let ws = ws.map_err(|e| Error::BadRequest(format!("expected a WebSocket upgrade: {e}")))?;
    let conn = Conn::new(state, company, preset).with_ip(ip);
    Ok(ws
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(SOCKET_BUFFER)
        .max_write_buffer_size(64 * 1024)
        .max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| {
            let (sink, stream) = futures_util::StreamExt::split(socket);
            serve(sink, stream, conn)
        }))
}
