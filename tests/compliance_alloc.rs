//! Per-snapshot evaluation allocates nothing: a counting global allocator
//! watches the engine through a week of snapshots, day and week resets, deals
//! and pre-trade checks.

mod compliance_support;

use compliance_support::*;
use mikrobot::compliance::RuleSet;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts allocations made on a thread while its `COUNTING` flag is set.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter
// and the thread-local flag do not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn counted<T>(work: impl FnOnce() -> T) -> (T, usize) {
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.with(|flag| flag.set(true));
    let result = work();
    COUNTING.with(|flag| flag.set(false));
    (result, ALLOCATIONS.load(Ordering::Relaxed))
}

#[test]
fn tick_path_allocates_nothing() {
    let (buffer, allocations) = counted(|| Vec::<u64>::with_capacity(8));
    assert_eq!(allocations, 1, "the allocator counts");
    drop(buffer);
    for rules in [
        RuleSet::ftmo_2step(100_000.0),
        RuleSet::ftmo_1step(100_000.0),
    ] {
        let start = prague("2025-03-24 08:00");
        let mut engine = started(rules, start);
        let deals: Vec<_> = (0..40)
            .flat_map(|i| {
                let at = start + i * 4 * 3_600_000;
                [
                    open(2 * i as u64 + 1, at),
                    close(2 * i as u64 + 2, at + 60_000, 50.0),
                ]
            })
            .collect();
        let mut events = 0;
        let ((), allocations) = counted(|| {
            // A week of one snapshot a second, crossing the 23 h day of
            // 2025-03-30 and the week reset of 2025-03-31.
            let mut next_deal = 0;
            let mut balance = 100_000.0;
            for second in 0..(8 * 24 * 3_600) {
                let time = start + second * 1_000;
                while next_deal < deals.len() && deals[next_deal].time_ms <= time {
                    balance += deals[next_deal].balance_change();
                    engine.on_deal(&deals[next_deal]);
                    next_deal += 1;
                }
                let equity = balance - (second % 700) as f64;
                let decision = engine.on_snapshot(&snapshot(time, balance, equity, 1));
                assert!(decision.may_trade_now());
                if second % 60 == 0 {
                    let check = engine.check_order(&order(time, 0.1, 20.0));
                    assert!(check.allowed);
                    engine.on_time(time + 500);
                }
                while engine.pop_event().is_some() {
                    events += 1;
                }
            }
        });
        assert_eq!(allocations, 0, "{} allocated", engine.rule_set().name);
        assert!(events > 8, "the week crossed its resets");
        assert_eq!(engine.state().trading_days(), 7);
    }
}
