//! Every integration test of the server, in one test binary: each file
//! here (and its subdirectory, where it has one) is a module of it, so the
//! whole server is compiled and linked into a test binary once rather than
//! once per file. Test names keep their file: `hardening::typing_and_read_are_coalesced`.
//! One file's tests: `cargo test -p owidget-server --test suite hardening::`.
//!
//! Shared by many files: `common` (a server on port 0, widget and desk
//! sockets, PostgreSQL and redis-server of a test's own), `botapp` (a Bot
//! App connector), `connector` (a test App Plugins connector), `receiver`
//! (a webhook receiver).

mod botapp;
mod common;
mod connector;
mod receiver;

mod binary;
mod bot;
mod bot_async;
mod bot_demo;
mod bot_handoff;
mod bus;
mod chat;
mod cluster_bot;
mod cluster_chat;
mod cluster_desk;
mod cluster_faults;
mod cluster_presence;
mod cluster_race;
mod contacts;
mod forwarded;
mod hardening;
mod hardening_network;
mod http;
mod kill9;
mod mail;
mod operator_api;
mod persistence;
mod phone;
mod plugins_catalog;
mod plugins_closing_form;
mod plugins_conformance;
mod plugins_custom_app;
mod plugins_customer;
mod plugins_demo;
mod postgres_mode;
mod start_key;
mod status;
mod storage_conformance;
mod storage_conformance_presence;
mod storage_conformance_tables;
mod tls_services;
mod webhooks;
mod webhooks_kill9;
