//! A customer's web site on another origin than the owidget server: static
//! files from a directory on `127.0.0.1:<port 0>`, optionally with a
//! `Content-Security-Policy` header on every answer.

use std::path::Path;

use axum::http::{header, HeaderValue};
use axum::Router;
use tokio::sync::oneshot;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The site; stops when dropped.
pub struct Site {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
}

impl Site {
    /// Serves the files of `dir`, each answer with the policy `csp` if given.
    pub async fn start(dir: &Path, csp: Option<&str>) -> Site {
        let mut app = Router::new().fallback_service(ServeDir::new(dir));
        if let Some(csp) = csp {
            let value = HeaderValue::from_str(csp).expect("a header-safe policy");
            app = app.layer(SetResponseHeaderLayer::overriding(
                header::CONTENT_SECURITY_POLICY,
                value,
            ));
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Site {
            url,
            stop: Some(stop),
        }
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}
