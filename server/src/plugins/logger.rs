//! The call log writer: connector calls are queued and written by one task
//! in batches (one transaction, so one disk flush, per batch), off the
//! operator's request path. Readers first [`CallLogger::flush`], so a call
//! made before a read is always in it.

use owidget_protocol::plugins::ConnectorCall;
use tokio::sync::{mpsc, oneshot};

use crate::storage::Store;

enum Entry {
    Call(String, ConnectorCall),
    Flush(oneshot::Sender<()>),
}

/// Handle to the writer task (it ends when the last handle is dropped).
#[derive(Debug, Clone)]
pub struct CallLogger {
    tx: mpsc::UnboundedSender<Entry>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Entry")
    }
}

impl CallLogger {
    /// Starts the writer over `store` (needs a Tokio runtime).
    pub fn start(store: Store) -> CallLogger {
        let (tx, mut rx) = mpsc::unbounded_channel::<Entry>();
        tokio::spawn(async move {
            let mut batch = Vec::new();
            let mut waiting = Vec::new();
            while let Some(first) = rx.recv().await {
                let mut next = Some(first);
                while let Some(e) = next.take().or_else(|| rx.try_recv().ok()) {
                    match e {
                        Entry::Call(company, call) => batch.push((company, call)),
                        Entry::Flush(done) => waiting.push(done),
                    }
                    if batch.len() >= 500 {
                        break;
                    }
                }
                if !batch.is_empty() {
                    if let Err(e) = store.record_calls(std::mem::take(&mut batch)).await {
                        tracing::warn!(error = %e, "connector calls not logged");
                    }
                }
                for done in waiting.drain(..) {
                    let _ = done.send(());
                }
            }
        });
        CallLogger { tx }
    }

    /// Queues a call for the log.
    pub fn record(&self, company: &str, call: ConnectorCall) {
        let _ = self.tx.send(Entry::Call(company.to_string(), call));
    }

    /// Waits until every call queued before is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Entry::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}
