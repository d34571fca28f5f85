//! The one error type of the SDK.
//!
//! Every failure becomes an [`Error`] inside the crate; the facade
//! (`api.rs`) turns it into one `[owidget] ...` console message. Messages are
//! built by concatenation rather than `format!` to keep `core::fmt` out of the
//! hot size path: the wasm is part of the first-paint budget.

use owidget_web::{cat, decimal};

/// What went wrong, with enough detail to tell the page author what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Error {
    /// A method that needs `init` was called before a successful `init`.
    NotInitialized(&'static str),
    /// `init` was called a second time.
    AlreadyInitialized,
    /// `companyId` is not a GUID.
    BadCompanyId,
    /// An argument has the wrong type or value: (method, what it must be).
    BadArgument(&'static str, &'static str),
    /// The object was destroyed; the method does nothing.
    Destroyed(&'static str),
    /// The server refused the configuration request.
    Config(u16, String),
    /// The network failed (server down, CORS refused, aborted).
    Network,
    /// The server's answer could not be read.
    BadResponse,
    /// The loader passed a base URL that is not absolute http(s).
    BadBaseUrl,
    /// A browser API failed unexpectedly.
    Browser(&'static str),
    /// The chat window module could not be loaded (it is retried on the
    /// next open).
    ChatModule,
}

/// Result alias of the SDK.
pub(crate) type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// The console text, without the `[owidget]` prefix.
    pub(crate) fn message(&self) -> String {
        match self {
            Error::NotInitialized(method) => {
                cat(&[method, "() needs a successful owidget.init(companyId) first"])
            }
            Error::AlreadyInitialized => {
                "init() was already called; create a second widget with a second snippet".into()
            }
            Error::BadCompanyId => {
                "init(companyId): companyId must be a GUID like '5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51'"
                    .into()
            }
            Error::BadArgument(method, what) => cat(&[method, ": ", what]),
            Error::Destroyed(method) => cat(&[method, "() ignored: this widget was destroyed"]),
            Error::Config(status, message) => cat(&[
                "the server refused the widget configuration (HTTP ",
                &decimal(u64::from(*status)),
                "): ",
                message,
            ]),
            Error::Network => "cannot reach the owidget server; retrying".into(),
            Error::BadResponse => "the owidget server sent an unreadable answer".into(),
            Error::BadBaseUrl => {
                "new Owidget(baseUrl): baseUrl must be an absolute http(s) URL of the loader's directory"
                    .into()
            }
            Error::Browser(what) => cat(&["the browser refused: ", what]),
            Error::ChatModule => {
                "cannot load the chat window (pkg/owidget_chat.js); retrying on the next open:".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_method_and_the_fix() {
        assert_eq!(
            Error::NotInitialized("connectToServer").message(),
            "connectToServer() needs a successful owidget.init(companyId) first"
        );
        assert_eq!(
            Error::BadArgument("setAppEventCallback", "callback must be a function").message(),
            "setAppEventCallback: callback must be a function"
        );
        assert_eq!(
            Error::Config(404, "unknown company".into()).message(),
            "the server refused the widget configuration (HTTP 404): unknown company"
        );
    }
}
