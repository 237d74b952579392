//! A bounded multi-producer, single-consumer ring of `Copy` values.
//!
//! Each slot carries a sequence number, as in Dmitry Vyukov's bounded MPMC queue: a
//! slot at position `pos` is free for the producer that claims `pos` when its
//! sequence equals `pos`, and holds a value for the consumer when it equals `pos + 1`.
//! Producers claim positions with one compare-and-swap on the tail. There is only
//! one consumer, so the head is plain consumer-owned state and a pop needs no
//! read-modify-write at all: it reads the slot and stores the next lap's sequence.
//!
//! The top bit of the tail is the consumer's sleep flag. The consumer sets it with a
//! read-modify-write before it parks, and a producer's compare-and-swap reads and
//! clears it, so the two meet in the tail's single modification order: either the
//! consumer's set returns a tail that shows the claim, and it does not park, or the
//! producer's claim returns the flag, and the producer wakes it. Producers pay
//! nothing extra while the consumer is awake.
//!
//! Positions are 64-bit and never wrap in practice: 2^63 pushes take centuries.

use super::sync::{AtomicU64, Ordering, UnsafeCell};
use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;

/// One slot: the sequence number that says whose turn it is, and the value.
struct Slot<T> {
    sequence: AtomicU64,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// The ring. `pop` and `peek_ready` must only be called by one thread at a time;
/// [`super::SignalQueue`] enforces that through its single [`super::Consumer`].
pub(crate) struct Ring<T> {
    /// Next position a producer claims, with [`SLEEPING`] in the top bit.
    tail: CachePadded<AtomicU64>,
    /// Next position the consumer reads. Only the consumer writes it; producers never
    /// read it, and `len` reads it only for an estimate.
    head: CachePadded<AtomicU64>,
    slots: Box<[Slot<T>]>,
    mask: u64,
}

/// The consumer's sleep flag in the tail.
const SLEEPING: u64 = 1 << 63;

/// What a successful push found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// The consumer is awake.
    Awake,
    /// The consumer had announced that it sleeps; the producer must wake it.
    WakeConsumer,
}

// SAFETY: values move between threads through the slots, so `T: Send` is required.
// Each slot's value is accessed by exactly one thread at a time: the producer that
// won the tail position writes it before publishing the sequence with Release, and
// the consumer reads it only after observing that sequence with Acquire.
unsafe impl<T: Send> Sync for Ring<T> {}
// SAFETY: the ring owns its values; sending it sends them, which `T: Send` allows.
unsafe impl<T: Send> Send for Ring<T> {}

impl<T: Copy> Ring<T> {
    /// Creates a ring holding `capacity` values; `capacity` must be a power of two.
    pub(crate) fn new(capacity: usize) -> Self {
        debug_assert!(capacity.is_power_of_two());
        let slots = (0..capacity)
            .map(|i| Slot {
                sequence: AtomicU64::new(i as u64),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Ring {
            tail: CachePadded::new(AtomicU64::new(0)),
            head: CachePadded::new(AtomicU64::new(0)),
            slots,
            mask: capacity as u64 - 1,
        }
    }

    /// Appends `value`, or returns it when the ring is full.
    #[inline]
    pub(crate) fn push(&self, value: T) -> Result<Pushed, T> {
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            let position = tail & !SLEEPING;
            let slot = &self.slots[(position & self.mask) as usize];
            let sequence = slot.sequence.load(Ordering::Acquire);
            let lag = sequence.wrapping_sub(position) as i64;
            if lag == 0 {
                // Claiming the position also clears the sleep flag.
                match self.tail.compare_exchange_weak(
                    tail,
                    position + 1,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the compare-and-swap for `position` gives this
                        // producer sole access to the slot until it publishes the new
                        // sequence below; the consumer does not read the value before then.
                        slot.value.with_mut(|cell| unsafe { (*cell).write(value) });
                        slot.sequence.store(position + 1, Ordering::Release);
                        return Ok(if tail & SLEEPING != 0 {
                            Pushed::WakeConsumer
                        } else {
                            Pushed::Awake
                        });
                    }
                    Err(current) => tail = current,
                }
            } else if lag < 0 {
                // The slot still holds the value from the previous lap: the ring is full.
                return Err(value);
            } else {
                // Another producer claimed this position; catch up with the tail.
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Removes the oldest value, if one is published.
    ///
    /// Only the single consumer calls this.
    #[inline]
    pub(crate) fn pop(&self) -> Option<T> {
        let position = self.head.load(Ordering::Relaxed);
        let slot = &self.slots[(position & self.mask) as usize];
        let sequence = slot.sequence.load(Ordering::Acquire);
        if sequence != position + 1 {
            return None;
        }
        // SAFETY: the Acquire load saw the sequence the producer published after
        // writing the value, so the value is initialised and no producer touches the
        // slot until the store below hands it to the next lap.
        let value = slot.value.with(|cell| unsafe { (*cell).assume_init() });
        slot.sequence
            .store(position + self.slots.len() as u64, Ordering::Release);
        self.head.store(position + 1, Ordering::Relaxed);
        Some(value)
    }

    /// Sets the sleep flag, and returns whether a producer has already claimed a
    /// position the consumer has not read, published or not; then the consumer must
    /// not park. Only the consumer calls this.
    pub(crate) fn announce_sleep(&self) -> bool {
        let tail = self.tail.fetch_or(SLEEPING, Ordering::Relaxed);
        tail & !SLEEPING != self.head.load(Ordering::Relaxed)
    }

    /// Clears the sleep flag after the consumer woke or found work.
    pub(crate) fn withdraw_sleep(&self) {
        self.tail.fetch_and(!SLEEPING, Ordering::Relaxed);
    }
}

impl<T> Ring<T> {
    /// An estimate of the number of values in the ring; exact when no push or pop
    /// runs at the same time.
    pub(crate) fn len(&self) -> usize {
        let tail = self.tail.load(Ordering::Relaxed) & !SLEEPING;
        let head = self.head.load(Ordering::Relaxed);
        (tail.saturating_sub(head) as usize).min(self.slots.len())
    }

    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }
}
