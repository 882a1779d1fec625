//! Runs third-party parsing so that a panic inside it becomes an error
//! value, and lets the binary's panic hook stay quiet about panics that are
//! caught this way (they are reported as `unreadable`, not as crashes).

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    static GUARDED: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f`; a panic inside it gives `None`.
pub fn catch<T>(f: impl FnOnce() -> T) -> Option<T> {
    GUARDED.with(|g| g.set(g.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(g.get().saturating_sub(1)));
    result.ok()
}

/// Whether this thread is inside `catch` (for the panic hook).
pub fn is_guarded() -> bool {
    GUARDED.with(|g| g.get() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_none_and_the_mark_is_cleared() {
        assert_eq!(catch(|| 2 + 2), Some(4));
        let caught: Option<()> = catch(|| {
            assert!(is_guarded());
            panic!("inside a parser")
        });
        assert_eq!(caught, None);
        assert!(!is_guarded());
    }
}
