//! A bounded multi-producer, single-consumer ring of `Copy` values.
//!
//! Producers claim positions on the tail, write the value and then publish the slot's
//! sequence number, which is `position + 1` once the value of `position` is in place.
//! Several producers claim with one compare-and-swap. The only producer of a ring
//! ([`Ring::push_exclusive`]) claims with a plain store, so its push has no locked
//! instruction. The consumer reads the slot at its head when that sequence is
//! published and then advances the head. It never writes a slot, so a pop touches only
//! the slot it reads and its own head, and the slot's cache line is not moved back to
//! the consumer's core for a write on every message.
//!
//! A producer may claim `position` only once the consumer has read `position -
//! capacity`, that is when `position < head + capacity`. Producers keep the head they
//! last read in `head_seen`, on the tail's cache line, and read the consumer's head only
//! when `head_seen` shows the ring full. A stale `head_seen` is never too high, so it
//! can only make a producer read the head again.
//!
//! The ring has no sleep flag. The queue keeps the consumer's flag, and the consumer
//! calls [`Ring::has_claims`] after announcing that it sleeps.
//!
//! Positions are 64-bit and never wrap in practice: 2^63 pushes take centuries.

use super::sync::{AtomicU64, Ordering, UnsafeCell};
use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;

/// One slot: the value and the sequence number of the position whose value it contains.
///
/// Slots are packed rather than aligned to cache lines. With a 32-byte signal one line
/// carries more than one slot to the consumer, which measured faster than a line per
/// slot. The cost is that a producer writing the next slot can take the line the
/// consumer is reading when the ring is nearly empty.
struct Slot<T> {
    sequence: AtomicU64,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// The producers' shared state, on one cache line.
struct Tail {
    /// Next position a producer claims.
    next: AtomicU64,
    /// A head the consumer has published; at most the current head.
    head_seen: AtomicU64,
}

/// The ring. `pop` must only be called by one thread at a time, which
/// [`super::SignalQueue`] enforces through its single [`super::Consumer`].
pub(crate) struct Ring<T> {
    tail: CachePadded<Tail>,
    /// Next position the consumer reads. Only the consumer writes it, with Release
    /// after it has read the value, so a producer that reads it with Acquire may reuse
    /// every slot below it.
    head: CachePadded<AtomicU64>,
    slots: Box<[Slot<T>]>,
    mask: u64,
}

// SAFETY: values move between threads through the slots, so `T: Send` is required.
// Each slot's value is accessed by exactly one thread at a time. The producer that claimed
// the tail position writes it only after the consumer's Release store of a head
// past the slot's previous position, and publishes it with a Release store of the
// sequence. The consumer reads it only after observing that sequence with Acquire.
unsafe impl<T: Send> Sync for Ring<T> {}
// SAFETY: the ring owns its values; sending it sends them, which `T: Send` allows.
unsafe impl<T: Send> Send for Ring<T> {}

impl<T: Copy> Ring<T> {
    /// Creates a ring holding `capacity` values; `capacity` must be a power of two.
    pub(crate) fn new(capacity: usize) -> Self {
        debug_assert!(capacity.is_power_of_two());
        // No position has sequence 0, because a published value of position `p` has
        // sequence `p + 1`.
        let slots = (0..capacity)
            .map(|_| Slot {
                sequence: AtomicU64::new(0),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Ring {
            tail: CachePadded::new(Tail {
                next: AtomicU64::new(0),
                head_seen: AtomicU64::new(0),
            }),
            head: CachePadded::new(AtomicU64::new(0)),
            slots,
            mask: capacity as u64 - 1,
        }
    }

    /// Appends `value`, or returns it when the ring is full. Any number of threads may
    /// push at once.
    #[inline]
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        let mut position = self.tail.next.load(Ordering::Relaxed);
        loop {
            if !self.has_room(position) {
                return Err(value);
            }
            match self.tail.next.compare_exchange_weak(
                position,
                position + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    self.write(position, value);
                    return Ok(());
                }
                Err(current) => position = current,
            }
        }
    }

    /// Appends `value`, or returns it when the ring is full, without a locked
    /// instruction.
    ///
    /// # Safety
    ///
    /// No other push, exclusive or not, may run at the same time as this one. Pushes
    /// on other threads must happen before it or after it (a handle moved between
    /// threads gives that order).
    #[inline]
    pub(crate) unsafe fn push_exclusive(&self, value: T) -> Result<(), T> {
        let position = self.tail.next.load(Ordering::Relaxed);
        if !self.has_room(position) {
            return Err(value);
        }
        // Only this producer writes the tail, so a plain store claims the position.
        self.tail.next.store(position + 1, Ordering::Relaxed);
        self.write(position, value);
        Ok(())
    }

    /// Checks whether the slot of `position` is free, because the consumer has read the
    /// value that `position - capacity` put there. A stale `position`, below the head,
    /// reports room and then loses its compare-and-swap; an exclusive producer's
    /// position is never stale.
    #[inline]
    fn has_room(&self, position: u64) -> bool {
        let capacity = self.slots.len() as i64;
        let seen = self.tail.head_seen.load(Ordering::Acquire);
        if (position.wrapping_sub(seen) as i64) < capacity {
            return true;
        }
        let head = self.head.load(Ordering::Acquire);
        // Another producer may store an older head at the same time; that only makes a
        // later push read the head again.
        self.tail.head_seen.store(head, Ordering::Release);
        (position.wrapping_sub(head) as i64) < capacity
    }

    /// Writes the value of a claimed position and publishes it.
    #[inline]
    fn write(&self, position: u64, value: T) {
        let slot = &self.slots[(position & self.mask) as usize];
        // SAFETY: winning the compare-and-swap for `position`, or being the only
        // producer, gives this producer sole access to the slot until it publishes the
        // new sequence below. `has_room`
        // acquired a head above `position - capacity`, so the consumer has finished
        // reading the value of that earlier position, and it does not read this one
        // before the sequence is published.
        slot.value.with_mut(|cell| unsafe { (*cell).write(value) });
        slot.sequence.store(position + 1, Ordering::Release);
    }

    /// Removes the oldest value, if one is published.
    ///
    /// Only the single consumer calls this.
    #[inline]
    pub(crate) fn pop(&self) -> Option<T> {
        let position = self.head.load(Ordering::Relaxed);
        let slot = &self.slots[(position & self.mask) as usize];
        if slot.sequence.load(Ordering::Acquire) != position + 1 {
            return None;
        }
        // SAFETY: the Acquire load saw the sequence the producer published after
        // writing the value, so the value is initialised, and no producer writes the
        // slot again until the Release store of the head below lets it claim the
        // position one lap later.
        let value = slot.value.with(|cell| unsafe { (*cell).assume_init() });
        self.head.store(position + 1, Ordering::Release);
        Some(value)
    }

    /// Returns whether a producer has claimed a position the consumer has not read,
    /// published or not. The consumer calls this after announcing that it sleeps, and stays
    /// awake when it returns true. Only the consumer calls this.
    pub(crate) fn has_claims(&self) -> bool {
        self.tail.next.load(Ordering::Relaxed) != self.head.load(Ordering::Relaxed)
    }
}

impl<T> Ring<T> {
    /// An estimate of the number of values in the ring; exact when no push or pop
    /// runs at the same time.
    pub(crate) fn len(&self) -> usize {
        let tail = self.tail.next.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Relaxed);
        (tail.saturating_sub(head) as usize).min(self.slots.len())
    }

    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }
}
