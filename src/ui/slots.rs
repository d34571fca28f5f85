//! Vertical places for the buttons of several widgets on one page, so that
//! two snippets with different presets show two visible buttons.

use std::cell::RefCell;

thread_local! {
    static TAKEN: RefCell<Vec<bool>> = const { RefCell::new(Vec::new()) };
}

/// Gap between stacked buttons, in pixels.
const STEP_PX: usize = 60;
/// Distance of the lowest button from the bottom edge, in pixels.
const BOTTOM_PX: usize = 16;

/// One place in the stack; the lowest free one is taken.
pub(crate) struct Slot(usize);

impl Slot {
    /// Takes the lowest free place.
    pub(crate) fn take() -> Slot {
        TAKEN.with(|t| {
            let Ok(mut t) = t.try_borrow_mut() else {
                return Slot(0);
            };
            let i = t.iter().position(|taken| !taken).unwrap_or(t.len());
            if i == t.len() {
                t.push(true);
            } else {
                t[i] = true;
            }
            Slot(i)
        })
    }

    /// Gives the place back (called once, by the owner's `Drop`).
    pub(crate) fn release(&self) {
        TAKEN.with(|t| {
            if let Ok(mut t) = t.try_borrow_mut() {
                if let Some(x) = t.get_mut(self.0) {
                    *x = false;
                }
            }
        });
    }

    /// CSS `bottom` of the button in this place.
    pub(crate) fn bottom_css(&self) -> String {
        let mut s = owidget_web::decimal((BOTTOM_PX + STEP_PX * self.0) as u64);
        s.push_str("px");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_free_place_is_reused() {
        let a = Slot::take();
        let b = Slot::take();
        assert_eq!((a.0, b.0), (0, 1));
        assert_eq!(b.bottom_css(), "76px");
        a.release();
        let c = Slot::take();
        assert_eq!(c.0, 0);
        assert_eq!(Slot::take().0, 2);
    }
}
