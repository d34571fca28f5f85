//! Operator presence and status across instances (branch presence).

use std::sync::Arc;

use super::Hub;

/// Starts the task that applies other instances' events to this hub.
pub(crate) fn spawn(hub: Arc<Hub>, closing: tokio::sync::watch::Receiver<bool>) {
    let _ = (hub, closing);
}
