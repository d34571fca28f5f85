//! From the loader's and `init`'s raw arguments to validated settings.
//!
//! Two steps, as in ripgrep's `lowargs` → `hiargs`: the facade turns
//! `JsValue`s into [`InitArgs`] (plain Rust types, or a type error), and
//! [`Settings::new`] checks their values. Also the URL arithmetic that turns
//! the loader's base URL into the server's API and socket URLs.

use owidget_protocol::{normalize_guid, PROTOCOL_VERSION};

use owidget_web::{cat, decimal, url_encode as encode};

use crate::error::{Error, Result};
use crate::lang::Wishes;

/// `init`'s arguments, typed but not yet checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct InitArgs {
    /// `companyId`.
    pub company: String,
    /// `widgetPreset`; `None` for the company's default preset.
    pub preset: Option<String>,
    /// `language`.
    pub language: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
}

/// Checked settings of one widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Company GUID, canonical form.
    pub company: String,
    /// Preset asked for; `None` → the company's default preset.
    pub preset: Option<String>,
    /// Scope of conversation restore (empty scope counts as none).
    pub scope: Option<String>,
    /// The language wishes (argument, page, browser).
    pub wishes: Wishes,
}

impl Settings {
    /// Validates `args`; `html_lang` and `browser` come from the page.
    pub(crate) fn new(
        args: InitArgs,
        html_lang: Option<String>,
        browser: Vec<String>,
    ) -> Result<Settings> {
        let company = normalize_guid(args.company.trim()).ok_or(Error::BadCompanyId)?;
        let preset = args.preset.filter(|p| !p.trim().is_empty());
        if preset.as_ref().is_some_and(|p| p.len() > 100) {
            return Err(Error::BadArgument(
                "init",
                "widgetPreset must be a preset name of at most 100 characters",
            ));
        }
        Ok(Settings {
            company,
            preset,
            scope: args.scope.filter(|s| !s.is_empty()),
            wishes: Wishes {
                argument: args.language,
                html_lang,
                browser,
            },
        })
    }
}

/// Where the server is, derived from the loader's base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoints {
    /// `http(s)://host[:port]/prefix/` (ends with `/`).
    pub api: String,
    /// Same with `ws(s)://`.
    pub ws: String,
    /// The wasm modules: `<loader directory>pkg/`.
    pub pkg: String,
    /// Content-hashed names of the files in `pkg/` (from the loader), by
    /// stable name; files not named here are loaded by their stable name.
    pub names: Vec<(&'static str, String)>,
}

impl Endpoints {
    /// The loader lives in `<root>widget/`; the API is at `<root>`.
    /// `base` is the loader's directory, e.g. `http://127.0.0.1:8080/widget/`.
    pub(crate) fn from_base(base: &str) -> Result<Endpoints> {
        let base = base.trim();
        let (scheme, ws_scheme, rest) = if let Some(rest) = base.strip_prefix("https://") {
            ("https://", "wss://", rest)
        } else if let Some(rest) = base.strip_prefix("http://") {
            ("http://", "ws://", rest)
        } else {
            return Err(Error::BadBaseUrl);
        };
        // Drop query/fragment, then the last directory of the path. Byte
        // positions rather than `split`/`rsplit_once`: the str pattern
        // searchers cost wasm size in the first paint.
        // `get` rather than indexing: a str index panic brings its
        // formatting along.
        let end = first(rest, |b| b == b'?' || b == b'#');
        let rest = end.and_then(|i| rest.get(..i)).unwrap_or(rest);
        let (host, path) = match first(rest, |b| b == b'/') {
            Some(i) => (
                rest.get(..i).unwrap_or(rest),
                rest.get(i + 1..).unwrap_or(""),
            ),
            None => (rest, ""),
        };
        if host.is_empty() {
            return Err(Error::BadBaseUrl);
        }
        let mut path = path;
        while let Some(p) = path.strip_suffix('/') {
            path = p;
        }
        let parent = match path.bytes().rposition(|b| b == b'/') {
            Some(i) => cat(&[path.get(..i).unwrap_or(""), "/"]),
            None => String::new(),
        };
        let dir = if path.is_empty() {
            String::new()
        } else {
            cat(&[path, "/"])
        };
        Ok(Endpoints {
            api: cat(&[scheme, host, "/", &parent]),
            ws: cat(&[ws_scheme, host, "/", &parent]),
            pkg: cat(&[scheme, host, "/", &dir, "pkg/"]),
            names: Vec::new(),
        })
    }

    /// The URL of the package file `name` (`owidget_chat.js`, …): its
    /// content-hashed name when the loader gave one.
    pub(crate) fn module(&self, name: &str) -> String {
        let file = self
            .names
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(name, |(_, hashed)| hashed.as_str());
        cat(&[&self.pkg, file])
    }

    /// `GET` URL of the widget configuration: with `frame` (the language
    /// wishes, see `Wishes::query`), only what the core draws in the
    /// language the server chose (`part=frame`, the first paint's request);
    /// without, the whole of it (for the chat window module).
    pub(crate) fn config_url(
        &self,
        company: &str,
        preset: Option<&str>,
        frame: Option<&str>,
    ) -> String {
        let mut url = cat(&[&self.api, "api/widget/config?company=", company]);
        if let Some(preset) = preset {
            url.push_str("&preset=");
            url.push_str(&encode(preset));
        }
        if let Some(lang) = frame {
            url.push_str("&part=frame");
            if !lang.is_empty() {
                url.push_str("&lang=");
                url.push_str(lang);
            }
        }
        url
    }

    /// `GET` URL of the server's default normalization for the preset
    /// (its `phone_country`) but the number: the chat module appends the
    /// percent-encoded number.
    pub(crate) fn phone_url(&self, company: &str, preset: &str) -> String {
        cat(&[
            &self.api,
            "api/widget/phone?company=",
            company,
            "&preset=",
            &encode(preset),
            "&number=",
        ])
    }

    /// URL of the widget WebSocket.
    pub(crate) fn socket_url(&self, company: &str, preset: &str) -> String {
        cat(&[
            &self.ws,
            "ws/widget?company=",
            company,
            "&preset=",
            &encode(preset),
            "&v=",
            &decimal(u64::from(PROTOCOL_VERSION)),
        ])
    }
}

/// Index of the first byte of `s` matching `f` (an ASCII byte, so a
/// char boundary).
fn first(s: &str, f: impl Fn(u8) -> bool) -> Option<usize> {
    s.bytes().position(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUID: &str = "5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51";

    fn args(company: &str) -> InitArgs {
        InitArgs {
            company: company.into(),
            ..InitArgs::default()
        }
    }

    #[test]
    fn company_must_be_a_guid() {
        assert_eq!(
            Settings::new(args("nope"), None, vec![]),
            Err(Error::BadCompanyId)
        );
        let s =
            Settings::new(args("{5E1D3C9A-7B2F-4E8D-A6C1-0F9B8D7E6A51}"), None, vec![]).unwrap();
        assert_eq!(s.company, GUID);
        assert_eq!(s.preset, None);
    }

    #[test]
    fn empty_preset_and_scope_mean_none() {
        let s = Settings::new(
            InitArgs {
                company: GUID.into(),
                preset: Some(" ".into()),
                language: Some("cs".into()),
                scope: Some(String::new()),
            },
            Some("en".into()),
            vec!["de".into()],
        )
        .unwrap();
        assert_eq!(s.preset, None);
        assert_eq!(s.scope, None);
        assert_eq!(s.wishes.first(), Some("cs"));
    }

    #[test]
    fn modules_by_the_loaders_hashed_names_and_phone_url() {
        let mut e = Endpoints::from_base("http://h/widget/").unwrap();
        assert_eq!(
            e.module("owidget_chat.js"),
            "http://h/widget/pkg/owidget_chat.js"
        );
        e.names = vec![("owidget_chat.js", "owidget_chat.0123456789abcdef.js".into())];
        assert_eq!(
            e.module("owidget_chat.js"),
            "http://h/widget/pkg/owidget_chat.0123456789abcdef.js"
        );
        assert_eq!(
            e.module("owidget_chat_bg.wasm"),
            "http://h/widget/pkg/owidget_chat_bg.wasm"
        );
        assert_eq!(
            e.phone_url("c", "main site") + &owidget_web::url_encode("+420 777"),
            "http://h/api/widget/phone?company=c&preset=main%20site&number=%2B420%20777"
        );
    }

    #[test]
    fn endpoints_from_the_loader_directory() {
        let e = Endpoints::from_base("http://127.0.0.1:8080/widget/").unwrap();
        assert_eq!(e.api, "http://127.0.0.1:8080/");
        assert_eq!(e.ws, "ws://127.0.0.1:8080/");
        assert_eq!(e.pkg, "http://127.0.0.1:8080/widget/pkg/");
        let e = Endpoints::from_base("https://chat.example.com/owidget/widget?x#y").unwrap();
        assert_eq!(e.api, "https://chat.example.com/owidget/");
        assert_eq!(e.ws, "wss://chat.example.com/owidget/");
        assert_eq!(e.pkg, "https://chat.example.com/owidget/widget/pkg/");
        let e = Endpoints::from_base("https://h").unwrap();
        assert_eq!(e.api, "https://h/");
        assert_eq!(e.pkg, "https://h/pkg/");
        assert_eq!(Endpoints::from_base("//h/widget/"), Err(Error::BadBaseUrl));
        assert_eq!(Endpoints::from_base("file:///x/"), Err(Error::BadBaseUrl));
        assert_eq!(Endpoints::from_base("http:///x/"), Err(Error::BadBaseUrl));
    }

    #[test]
    fn request_urls() {
        let e = Endpoints::from_base("http://h:1/widget/").unwrap();
        assert_eq!(
            e.config_url(GUID, None, Some("")),
            "http://h:1/api/widget/config?company=5e1d3c9a-7b2f-4e8d-a6c1-0f9b8d7e6a51&part=frame"
        );
        assert_eq!(
            e.config_url("c", None, Some("cs,en-US")),
            "http://h:1/api/widget/config?company=c&part=frame&lang=cs,en-US"
        );
        assert_eq!(
            e.config_url("c", Some("a b&č"), None),
            "http://h:1/api/widget/config?company=c&preset=a%20b%26%C4%8D"
        );
        assert_eq!(
            e.socket_url("c", "default"),
            "ws://h:1/ws/widget?company=c&preset=default&v=1"
        );
    }
}
