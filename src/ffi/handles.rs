//! The handle table: a fixed array of slots, each holding one value behind a lock that is only
//! ever tried, never waited on.
//!
//! A handle is 64 bits: the slot index in the low 16 bits and the slot's generation in the high
//! 48. The generation starts at 1 and grows each time the slot is filled, so zero, a closed
//! handle, a stale handle of a reused slot and a forged number all fail validation before any
//! value is touched.

use parking_lot::{Mutex, MutexGuard};
use std::sync::atomic::{AtomicU64, Ordering};

/// The 64-bit handle the C ABI hands out. Zero is never a valid handle.
pub type MbHandle = u64;

/// Maximum number of handles open at once in one process (one per EA, typically).
pub const MAX_HANDLES: usize = 256;

const INDEX_BITS: u32 = 16;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;

/// Why a handle lookup failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupError {
    /// Zero, closed, stale or never issued.
    Invalid,
    /// Another thread holds the slot.
    Busy,
}

/// A mutex whose only way in is `try_lock`, so holding it can never make another caller wait.
#[derive(Debug)]
pub(crate) struct TryMutex<T>(Mutex<T>);

impl<T> TryMutex<T> {
    pub(crate) const fn new(value: T) -> Self {
        TryMutex(Mutex::new(value))
    }

    /// Locks the value when no other thread holds it, or returns `None` at once.
    pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.0.try_lock()
    }
}

#[derive(Debug)]
struct SlotState<T> {
    handle: MbHandle,
    generation: u64,
    value: Option<Box<T>>,
}

#[derive(Debug)]
struct Slot<T> {
    /// The live handle of this slot, or zero when empty: a lock-free first check that rejects
    /// forged and closed handles without touching the lock.
    live: AtomicU64,
    state: TryMutex<SlotState<T>>,
}

/// A fixed-capacity table of values addressed by generation-checked handles.
#[derive(Debug)]
pub struct HandleTable<T> {
    slots: [Slot<T>; MAX_HANDLES],
}

impl<T> HandleTable<T> {
    pub(crate) const fn new() -> Self {
        HandleTable {
            slots: [const {
                Slot {
                    live: AtomicU64::new(0),
                    state: TryMutex::new(SlotState {
                        handle: 0,
                        generation: 0,
                        value: None,
                    }),
                }
            }; MAX_HANDLES],
        }
    }

    /// Stores `value` in a free slot and returns its new handle, or gives the value back
    /// when every slot is taken (or held by a call in progress).
    pub(crate) fn insert(&self, value: Box<T>) -> Result<MbHandle, Box<T>> {
        for (index, slot) in self.slots.iter().enumerate() {
            let Some(mut state) = slot.state.try_lock() else {
                continue;
            };
            if state.value.is_some() {
                continue;
            }
            state.generation += 1;
            let handle = (state.generation << INDEX_BITS) | index as u64;
            state.handle = handle;
            state.value = Some(value);
            slot.live.store(handle, Ordering::Release);
            return Ok(handle);
        }
        Err(value)
    }

    /// Runs `body` on the value behind `handle`, holding its slot for the duration.
    pub(crate) fn with<R>(
        &self,
        handle: MbHandle,
        body: impl FnOnce(&mut T) -> R,
    ) -> Result<R, LookupError> {
        let slot = self.slot(handle)?;
        let mut state = slot.state.try_lock().ok_or(LookupError::Busy)?;
        if state.handle != handle {
            return Err(LookupError::Invalid);
        }
        let value = state.value.as_deref_mut().ok_or(LookupError::Invalid)?;
        Ok(body(value))
    }

    /// Takes the value out of its slot; the handle is invalid from then on.
    pub(crate) fn remove(&self, handle: MbHandle) -> Result<Box<T>, LookupError> {
        let slot = self.slot(handle)?;
        let mut state = slot.state.try_lock().ok_or(LookupError::Busy)?;
        if state.handle != handle {
            return Err(LookupError::Invalid);
        }
        let value = state.value.take().ok_or(LookupError::Invalid)?;
        state.handle = 0;
        slot.live.store(0, Ordering::Release);
        Ok(value)
    }

    fn slot(&self, handle: MbHandle) -> Result<&Slot<T>, LookupError> {
        let index = usize::try_from(handle & INDEX_MASK).map_err(|_| LookupError::Invalid)?;
        let slot = self.slots.get(index).ok_or(LookupError::Invalid)?;
        if handle == 0 || slot.live.load(Ordering::Acquire) != handle {
            return Err(LookupError::Invalid);
        }
        Ok(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn table() -> Box<HandleTable<u32>> {
        Box::new(HandleTable::new())
    }

    #[test]
    fn handle_table_round_trip() {
        let table = table();
        let handle = table.insert(Box::new(7)).unwrap();
        assert_ne!(handle, 0);
        assert_eq!(table.with(handle, |value| *value), Ok(7));
        assert_eq!(*table.remove(handle).unwrap(), 7);
    }

    #[test]
    fn closed_handle_is_invalid() {
        let table = table();
        let handle = table.insert(Box::new(1)).unwrap();
        table.remove(handle).unwrap();
        assert_eq!(table.with(handle, |_| ()), Err(LookupError::Invalid));
        assert_eq!(table.remove(handle).err(), Some(LookupError::Invalid));
    }

    #[test]
    fn stale_handle_of_reused_slot_is_invalid() {
        let table = table();
        let old = table.insert(Box::new(1)).unwrap();
        table.remove(old).unwrap();
        let new = table.insert(Box::new(2)).unwrap();
        assert_eq!(old & INDEX_MASK, new & INDEX_MASK);
        assert_eq!(table.with(old, |_| ()), Err(LookupError::Invalid));
        assert_eq!(table.with(new, |value| *value), Ok(2));
    }

    #[test]
    fn forged_handles_are_invalid() {
        let table = table();
        let real = table.insert(Box::new(1)).unwrap();
        let forged = [
            0,
            1,
            u64::MAX,
            real + 1,
            real ^ (1 << 40),
            MAX_HANDLES as u64 + 5,
        ];
        for handle in forged {
            assert_eq!(
                table.with(handle, |_| ()),
                Err(LookupError::Invalid),
                "{handle:#x}"
            );
        }
    }

    #[test]
    fn held_slot_reports_busy() {
        let table = table();
        let handle = table.insert(Box::new(1)).unwrap();
        let nested = table.with(handle, |_| table.with(handle, |_| ()));
        assert_eq!(nested, Ok(Err(LookupError::Busy)));
    }

    #[test]
    fn held_slot_is_busy_for_other_thread() {
        let table: &'static HandleTable<u32> = Box::leak(table());
        let handle = table.insert(Box::new(1)).unwrap();
        let (entered_tx, entered_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            table.with(handle, |_| {
                entered_tx.send(()).unwrap();
                release_rx.recv().unwrap();
            })
        });
        entered_rx.recv().unwrap();
        assert_eq!(table.with(handle, |_| ()), Err(LookupError::Busy));
        assert_eq!(table.remove(handle).err(), Some(LookupError::Busy));
        release_tx.send(()).unwrap();
        holder.join().unwrap().unwrap();
        assert_eq!(table.with(handle, |value| *value), Ok(1));
    }

    #[test]
    fn full_table_gives_value_back() {
        let table = table();
        for value in 0..MAX_HANDLES as u32 {
            table.insert(Box::new(value)).unwrap();
        }
        assert_eq!(
            table.insert(Box::new(99)).err().map(|value| *value),
            Some(99)
        );
    }

    #[test]
    fn handles_in_separate_slots_work_in_parallel() {
        let table: &'static HandleTable<u32> = Box::leak(table());
        let handles: Vec<_> = (0..4).map(|n| table.insert(Box::new(n)).unwrap()).collect();
        let threads: Vec<_> = handles
            .into_iter()
            .map(|handle| {
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        table.with(handle, |value| *value += 1).unwrap();
                    }
                    table.with(handle, |value| *value).unwrap()
                })
            })
            .collect();
        let totals: Vec<u32> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(totals, vec![10_000, 10_001, 10_002, 10_003]);
    }
}
