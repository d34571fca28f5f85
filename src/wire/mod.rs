//! The protocol's JSON in the core without serde in the wasm (see
//! `owidget_web::Json` for why): the widget configuration and the `status`
//! frame. Other frames go to the chat module undecoded.

pub(crate) mod decode;
