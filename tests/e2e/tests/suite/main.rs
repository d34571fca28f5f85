//! Every end-to-end test (real Chromium through ChromeDriver against the
//! real server), in one test binary: each file here, and `desk/` and
//! `plugins/`, is a module of it, so the server and the harness are linked
//! into a test binary once rather than once per file. Test names keep their
//! file: `strict_csp::...`, `desk::chat::...`. One file's tests:
//! `cargo test -p owidget-e2e --test suite strict_csp::`.

mod api_misuse;
mod bot;
mod conversation;
mod demo_page;
mod desk;
mod first_paint;
mod forms_layout;
mod lifetime;
mod network;
mod network_faults;
mod npm_package;
mod origin;
mod phone;
mod plugins;
mod repeat_view;
mod slow_network;
mod snippet;
mod strict_csp;
mod two_widgets;
