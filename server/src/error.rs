//! The crate's one error type and its HTTP mapping.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use owidget_protocol::ErrorBody;

/// Everything that can go wrong in the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration file is invalid (startup only).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The request is malformed; the text is safe to show.
    #[error("{0}")]
    BadRequest(String),
    /// Missing, expired or wrong credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// The caller may not do this (foreign origin, other company).
    #[error("{0}")]
    Forbidden(String),
    /// No such company, preset, chat, ...
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state (capacity full, chat
    /// already taken or ended).
    #[error("{0}")]
    Conflict(String),
    /// Nobody can serve the request now (no operator available, the
    /// database cannot be reached); the text is safe to show.
    #[error("{0}")]
    Unavailable(String),
    /// The request body is over the limit.
    #[error("{0}")]
    TooLarge(String),
    /// Too many requests.
    #[error("{0}")]
    TooManyRequests(String),
    /// Too many requests; try again after this many seconds (sent as
    /// `Retry-After`).
    #[error("{0}")]
    RetryAfter(String, u64),
    /// A connector (or another upstream) failed; the text is safe to show.
    #[error("{0}")]
    BadGateway(String),
    /// A form field is invalid: `{"message", "field"}` with status 400.
    #[error("{message}")]
    BadField {
        /// The field's id.
        field: String,
        /// `"<label>: <reason>"`.
        message: String,
    },
    /// The database failed.
    #[error("storage: {0}")]
    Storage(#[from] rusqlite::Error),
    /// PostgreSQL refused a statement (connection failures are
    /// [`Error::Unavailable`] instead).
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
    /// File system or socket failure.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// A bug or an unexpected state; the text is logged, never sent.
    #[error("internal: {0}")]
    Internal(String),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) | Error::BadField { .. } => StatusCode::BAD_REQUEST,
            Error::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::TooManyRequests(_) | Error::RetryAfter(..) => StatusCode::TOO_MANY_REQUESTS,
            Error::Config(_)
            | Error::Storage(_)
            | Error::Postgres(_)
            | Error::Io(_)
            | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry = match &self {
            Error::RetryAfter(_, secs) => Some(*secs),
            _ => None,
        };
        if let Error::BadField { field, message } = &self {
            let body = serde_json::json!({ "message": message, "field": field });
            return (status, Json(body)).into_response();
        }
        let safe = matches!(self, Error::BadGateway(_) | Error::Unavailable(_));
        let message = if status.is_server_error() && !safe {
            // Logged once here with the details; the client gets no internals.
            tracing::error!(error = %self, "request failed");
            "internal server error".to_string()
        } else {
            self.to_string()
        };
        let mut resp = (status, Json(ErrorBody { message })).into_response();
        if let Some(secs) = retry {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        resp
    }
}

/// JSON body extractor whose rejections are [`Error::BadRequest`] with a
/// `{"message"}` body, instead of axum's plain-text rejection.
pub struct JsonBody<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Error> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Error::TooLarge("request body too large".into()))
            }
            Err(e) => Err(Error::BadRequest(e.body_text())),
        }
    }
}
