//! Keyed list reconciliation, pure: which rows of the window's message
//! list can be kept for the conversation to draw. The view (`view.rs`)
//! keeps a row per [`Item::key`](crate::state::Item), never per position,
//! so that a message stored before the visitor's pending ones, an ack or
//! a resume that brings older messages late never shifts a row onto
//! another message.

/// For each key of `wanted` (in order): the index of the row of `drawn`
/// with that key, to keep, or `None` for a row to create. Rows of `drawn`
/// whose index is not returned are to be removed. Keys are unique in each
/// list. The row in the same place is tried first: renders usually change
/// nothing, or add at the end.
pub(crate) fn reuse(drawn: &[u32], wanted: &[u32]) -> Vec<Option<usize>> {
    let mut next = 0;
    wanted
        .iter()
        .map(|key| {
            let found = if drawn.get(next) == Some(key) {
                Some(next)
            } else {
                drawn.iter().position(|k| k == key)
            };
            if let Some(i) = found {
                next = i + 1;
            }
            found
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::reuse;

    #[test]
    fn an_unchanged_list_keeps_every_row() {
        assert_eq!(reuse(&[1, 2, 3], &[1, 2, 3]), [Some(0), Some(1), Some(2)]);
    }

    #[test]
    fn a_message_stored_before_a_pending_one_gets_its_own_row() {
        // Drawn: stored 1, the visitor's pending 7. The operator's answer
        // (key 8) is stored before the pending message.
        assert_eq!(reuse(&[1, 7], &[1, 8, 7]), [Some(0), None, Some(1)]);
    }

    #[test]
    fn reordered_rows_are_kept_not_redrawn() {
        assert_eq!(reuse(&[1, 7, 8], &[1, 8, 7]), [Some(0), Some(2), Some(1)]);
    }

    #[test]
    fn a_new_chat_replaces_every_row() {
        assert_eq!(reuse(&[1, 2], &[5]), [None]);
        assert_eq!(reuse(&[1, 2], &[]), Vec::<Option<usize>>::new());
    }
}
