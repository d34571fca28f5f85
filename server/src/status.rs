//! Button status of every preset, pushed to widget sockets through one
//! `tokio::sync::watch` channel per preset.
//!
//! A watch channel keeps only the latest value and costs each subscriber a
//! receiver, not a queue: 20,000 idle widget sockets cost 20,000 small
//! receivers, and a slow socket simply skips to the newest status.

use owidget_protocol::ButtonStatus;
use tokio::sync::watch;

use crate::config::Company;

/// The status channels of one company, one per preset (same order as
/// `Company::presets`).
#[derive(Debug)]
pub struct CompanyStatus {
    presets: Vec<(Vec<String>, watch::Sender<ButtonStatus>)>,
}

impl CompanyStatus {
    /// All presets offline.
    pub fn new(company: &Company) -> Self {
        CompanyStatus {
            presets: company
                .presets
                .iter()
                .map(|p| {
                    (
                        p.widget.groups.clone(),
                        watch::Sender::new(ButtonStatus::Offline),
                    )
                })
                .collect(),
        }
    }

    /// A receiver of the preset's status; its current value is the status now.
    pub fn subscribe(&self, preset: usize) -> watch::Receiver<ButtonStatus> {
        self.presets[preset].1.subscribe()
    }

    /// Current status of a preset.
    pub fn get(&self, preset: usize) -> ButtonStatus {
        *self.presets[preset].1.borrow()
    }

    /// Recomputes every preset from the available operators, given as
    /// `(groups, active_chats, capacity)`, and notifies subscribers of the
    /// presets whose status changed (only those).
    pub fn update<'a>(&self, available: impl Iterator<Item = (&'a [String], u32, u32)> + Clone) {
        for (groups, tx) in &self.presets {
            let status = ButtonStatus::of_available(
                available
                    .clone()
                    .filter(|(g, _, _)| g.iter().any(|g| groups.contains(g)))
                    .map(|(_, active, cap)| (active, cap)),
            );
            tx.send_if_modified(|old| {
                let changed = *old != status;
                *old = status;
                changed
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_notify() {
        let company = crate::demo::config().companies.remove(0);
        let status = CompanyStatus::new(&company);
        let mut rx = status.subscribe(0);
        assert_eq!(*rx.borrow_and_update(), ButtonStatus::Offline);
        let support = vec!["support".to_string()];
        let other = vec!["sales".to_string()];
        status.update([(other.as_slice(), 0, 2)].into_iter());
        assert!(!rx.has_changed().unwrap(), "other group does not count");
        status.update([(support.as_slice(), 0, 2)].into_iter());
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), ButtonStatus::Online);
        status.update([(support.as_slice(), 1, 2)].into_iter());
        assert!(!rx.has_changed().unwrap(), "still online");
        status.update([(support.as_slice(), 2, 2)].into_iter());
        assert_eq!(*rx.borrow_and_update(), ButtonStatus::Busy);
        assert_eq!(status.get(0), ButtonStatus::Busy);
    }
}
