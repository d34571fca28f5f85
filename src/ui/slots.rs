//! Vertical places for the buttons of several widgets on one page, so that
//! two snippets with different presets show two visible buttons. Each
//! corner has its own stack (a widget bottom left does not lift one bottom
//! right), and a stack closes up when a widget goes (`destroy()`).

use std::cell::RefCell;

use web_sys::HtmlElement;

/// The widgets of one page, oldest first: id, corner (true: left), host.
type Stacks = Vec<(u32, bool, HtmlElement)>;

thread_local! {
    static STACKS: RefCell<Stacks> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Gap between stacked buttons, in pixels.
const STEP_PX: usize = 60;
/// Distance of the lowest button from the bottom edge, in pixels.
const BOTTOM_PX: usize = 16;

/// One widget's place in its corner's stack.
pub(crate) struct Slot(u32);

impl Slot {
    /// Puts `host` on top of the stack of its corner (`left`) and sets its
    /// `--ow-b` (the button's CSS `bottom`).
    pub(crate) fn take(host: &HtmlElement, left: bool) -> Slot {
        // `try_with`: `with`'s panic formats its error (`core::fmt`).
        let id = NEXT_ID
            .try_with(|n| {
                let id = n.get();
                n.set(id.wrapping_add(1));
                id
            })
            .unwrap_or(0);
        let _ = STACKS.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                s.push((id, left, host.clone()));
                restyle(&s);
            }
        });
        Slot(id)
    }

    /// Leaves the stack (called once, by the owner's `Drop`); the buttons
    /// above move down.
    pub(crate) fn release(&self) {
        let _ = STACKS.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                s.retain(|(id, _, _)| *id != self.0);
                restyle(&s);
            }
        });
    }
}

/// Sets every host's `--ow-b` from its place in its corner's stack.
fn restyle(stacks: &Stacks) {
    for (i, _, host) in places(stacks.iter().map(|(_, left, host)| (*left, host))) {
        let _ = host.style().set_property("--ow-b", &bottom_css(i));
    }
}

/// Each item with its place (0 = lowest) among the items of its corner.
fn places<T>(items: impl Iterator<Item = (bool, T)>) -> impl Iterator<Item = (usize, bool, T)> {
    let (mut left, mut right) = (0, 0);
    items.map(move |(is_left, item)| {
        let n = if is_left { &mut left } else { &mut right };
        *n += 1;
        (*n - 1, is_left, item)
    })
}

/// CSS `bottom` of the button in place `i`.
fn bottom_css(i: usize) -> String {
    let mut s = owidget_web::decimal((BOTTOM_PX + STEP_PX * i) as u64);
    s.push_str("px");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_corner_stacks_on_its_own() {
        let got: Vec<(usize, bool, char)> =
            places([(false, 'a'), (true, 'b'), (false, 'c'), (true, 'd')].into_iter()).collect();
        assert_eq!(
            got,
            [
                (0, false, 'a'),
                (0, true, 'b'),
                (1, false, 'c'),
                (1, true, 'd')
            ]
        );
        // Without `a` (destroyed), `c` moves down to the lowest place.
        let got: Vec<(usize, bool, char)> =
            places([(true, 'b'), (false, 'c'), (true, 'd')].into_iter()).collect();
        assert_eq!(got, [(0, true, 'b'), (0, false, 'c'), (1, true, 'd')]);
        assert_eq!(bottom_css(1), "76px");
    }
}
