//! What one action copies, counted by the allocator (ARCHITECTURE.md,
//! "Budgets"): a write at the end of a 10,000-step run allocates what it
//! allocates at the end of a 200-step run, give or take a chunk, because
//! the run's history, messages, deliveries and events are shared between
//! the state before and after the action, never copied whole. Counting
//! bytes is deterministic, unlike timing the same thing.
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use causal_core::Command;
use causal_playground::run::state::{Action, State};
use yew::Reducible;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(new_size, Ordering::Relaxed);
        }
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn write(step: usize) -> Action {
    Action::Write {
        replica: step % 3,
        key: format!("k{}", step % 7),
        value: format!("v{step}"),
    }
}

/// A run of `steps` steps: writes, each delivered everywhere by the next step.
fn run_of(steps: usize) -> Rc<State> {
    (0..steps).fold(Rc::new(State::default()), |state, step| {
        state.reduce(if step % 2 == 0 {
            write(step)
        } else {
            Action::Apply(Command::DeliverAll)
        })
    })
}

/// What one more write allocates after `run`: (allocations, bytes).
fn one_write(run: &Rc<State>) -> (usize, usize) {
    let state = Rc::clone(run);
    let next = write(1_000_001);
    ALLOCATIONS.store(0, Ordering::Relaxed);
    BYTES.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let after = state.reduce(next);
    COUNTING.store(false, Ordering::Relaxed);
    drop(after);
    (
        ALLOCATIONS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    )
}

#[test]
fn a_write_copies_no_more_at_10_000_steps_than_at_200() {
    let short = run_of(200);
    let long = run_of(10_000);
    assert_eq!(long.simulation.history().len(), 10_000);
    // The earlier states are kept (as undo keeps them), so nothing is unshared.
    let (short_allocations, short_bytes) = one_write(&short);
    let (long_allocations, long_bytes) = one_write(&long);
    println!(
        "one write after 200 steps: {short_allocations} allocations, {short_bytes} bytes; \
         after 10,000: {long_allocations} allocations, {long_bytes} bytes"
    );
    // The pointers to shared chunks grow with the run (64 steps a chunk),
    // a few kilobytes at 10,000 steps; a copy of the run would be megabytes
    // in as many allocations as steps.
    assert!(
        long_allocations <= short_allocations + 16,
        "a write allocates {long_allocations} times at 10,000 steps, {short_allocations} at 200"
    );
    assert!(
        long_bytes <= short_bytes + 32 * 1024,
        "a write allocates {long_bytes} bytes at 10,000 steps, {short_bytes} at 200"
    );
}
