//! The in-process broker: one `tokio::sync::broadcast` channel that every
//! bus of a hub publishes to and subscribes from. It cannot disconnect, so
//! its only resync is a subscriber falling more than the capacity behind.

use tokio::sync::broadcast;

use super::{BusError, Envelope, Notice};

/// The shared channel of in-process buses (cheap to clone).
#[derive(Clone, Debug)]
pub struct MemoryHub {
    tx: broadcast::Sender<Notice>,
}

impl MemoryHub {
    /// A hub whose subscribers may fall `capacity` events behind.
    pub fn new(capacity: usize) -> Self {
        MemoryHub {
            tx: broadcast::channel(capacity.max(1)).0,
        }
    }

    pub(super) fn sender(&self) -> broadcast::Sender<Notice> {
        self.tx.clone()
    }

    pub(super) fn publish(&self, envelope: Envelope) -> Result<(), BusError> {
        // No subscriber at all is not an error: nobody needed the hint.
        let _ = self.tx.send(Notice::Event(envelope));
        Ok(())
    }
}

impl Default for MemoryHub {
    fn default() -> Self {
        MemoryHub::new(4096)
    }
}
