//! Shared data compared by identity.

use std::ops::Deref;
use std::rc::Rc;

/// An `Rc` whose equality is identity. The state makes a new one exactly
/// when its contents change (the trace, the drawing, the clocks), so as a
/// prop or memo key it says "changed" in one comparison instead of walking
/// thousands of items.
#[derive(Debug, Default)]
pub struct ByPtr<T>(pub Rc<T>);

impl<T> ByPtr<T> {
    /// Shares `value`.
    pub fn new(value: T) -> Self {
        ByPtr(Rc::new(value))
    }
}

impl<T> Clone for ByPtr<T> {
    fn clone(&self) -> Self {
        ByPtr(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for ByPtr<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for ByPtr<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
