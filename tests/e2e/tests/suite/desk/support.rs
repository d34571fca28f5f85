//! Helpers of the desk tests live in the harness (`owidget_e2e::desk` and
//! `owidget_e2e::visitor`), shared with the other end-to-end tests.

pub(crate) use owidget_e2e::desk::*;
pub(crate) use owidget_e2e::visitor::*;
