//! The signal queue: a bounded, lock-free priority queue from several producers to one
//! executor.
//!
//! Each priority level is its own bounded ring, so a level keeps first-in,
//! first-out order and the consumer serves the highest non-empty level first. A push
//! is one compare-and-swap on its level's tail plus two stores. A pop is one load and
//! one store with no read-modify-write, because there is only one [`Consumer`], and it
//! never writes the slot the producers write next.
//! Signals are `Copy` values stored inline, so no message allocates. A full level
//! hands the signal back in [`PushError::Full`].
//!
//! A consumer that waits ([`Consumer::pop_wait`]) spins briefly and then parks, so an
//! idle executor does not hold a core; producers wake it only when it has announced
//! that it sleeps, which they learn from the tail they claim anyway.
//!
//! ```
//! use mikrobot::queue::{QueueConfig, SignalQueue, Prioritized};
//!
//! #[derive(Clone, Copy, Debug, PartialEq)]
//! struct Job { id: u32, level: u8 }
//! impl Prioritized for Job {
//!     fn priority(&self) -> u8 { self.level }
//! }
//!
//! let (queue, mut consumer) = SignalQueue::new(QueueConfig { capacity: 8, levels: 2 }).unwrap();
//! queue.push(Job { id: 1, level: 0 }).unwrap();
//! queue.push(Job { id: 2, level: 1 }).unwrap();
//! assert_eq!(consumer.try_pop().map(|job| job.id), Some(2));
//! assert_eq!(consumer.try_pop().map(|job| job.id), Some(1));
//! ```

mod ring;
mod signal;
mod sync;
mod wait;

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_model;

pub use signal::{Prioritized, Signal};

use ring::{Pushed, Ring};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};
use sync::{AtomicBool, Ordering};
use wait::{Parker, Spin, Unparker};

/// Maximum number of priority levels.
pub const MAX_LEVELS: u8 = 16;

/// Maximum capacity of one priority level.
pub const MAX_CAPACITY: usize = 1 << 20;

/// Capacity and priority levels of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// Signals each priority level holds; rounded up to a power of two.
    pub capacity: usize,
    /// Number of priority levels; signals carry a priority from 0 to `levels - 1`.
    pub levels: u8,
}

impl QueueConfig {
    /// Checks the capacity and the number of levels.
    ///
    /// # Errors
    ///
    /// [`QueueConfigError`] naming the value out of range.
    pub fn validate(&self) -> Result<(), QueueConfigError> {
        if self.capacity == 0 || self.capacity > MAX_CAPACITY {
            return Err(QueueConfigError::Capacity(self.capacity));
        }
        if self.levels == 0 || self.levels > MAX_LEVELS {
            return Err(QueueConfigError::Levels(self.levels));
        }
        Ok(())
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            capacity: 1024,
            levels: 4,
        }
    }
}

/// Error returned when a [`QueueConfig`] is out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueConfigError {
    /// The capacity is zero or above [`MAX_CAPACITY`].
    #[error("queue capacity {0} is out of range; set it between 1 and 1048576 signals per level")]
    Capacity(usize),
    /// The number of levels is zero or above [`MAX_LEVELS`].
    #[error("queue levels {0} is out of range; set it between 1 and 16")]
    Levels(u8),
}

/// Error returned by [`SignalQueue::push`]; every variant hands the signal back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PushError<T> {
    /// The signal's priority level is full; retry later or shed load.
    #[error("the signal queue is full at this priority level")]
    Full(T),
    /// The signal's priority is not below the queue's number of levels.
    #[error("signal priority {priority} is out of range; use a priority below {levels}")]
    InvalidPriority {
        /// The rejected signal.
        signal: T,
        /// Its priority.
        priority: u8,
        /// The queue's number of levels.
        levels: u8,
    },
    /// The queue was closed or its consumer dropped, so no consumer would take the signal.
    #[error("the signal queue is closed")]
    Closed(T),
}

impl<T> PushError<T> {
    /// Returns the signal that was not queued.
    pub fn into_inner(self) -> T {
        match self {
            PushError::Full(signal)
            | PushError::Closed(signal)
            | PushError::InvalidPriority { signal, .. } => signal,
        }
    }
}

/// Error returned by [`Consumer::pop_wait`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PopError {
    /// No signal arrived before the timeout.
    #[error("no signal arrived before the timeout")]
    Timeout,
    /// The queue is closed and empty.
    #[error("the signal queue is closed and empty")]
    Closed,
}

struct Shared<T> {
    levels: Box<[Ring<T>]>,
    closed: AtomicBool,
    unparker: Unparker,
}

/// The producer handle of the queue; clone it for each producer thread.
pub struct SignalQueue<T = Signal> {
    shared: Arc<Shared<T>>,
}

/// The single consumer of a queue: the executor.
pub struct Consumer<T = Signal> {
    shared: Arc<Shared<T>>,
    parker: Parker,
}

impl<T: Prioritized> SignalQueue<T> {
    /// Creates a queue and its only consumer.
    ///
    /// # Errors
    ///
    /// [`QueueConfigError`] when the capacity or the number of levels is out of range.
    pub fn new(config: QueueConfig) -> Result<(SignalQueue<T>, Consumer<T>), QueueConfigError> {
        config.validate()?;
        let capacity = config.capacity.next_power_of_two();
        let levels = (0..config.levels).map(|_| Ring::new(capacity)).collect();
        let (parker, unparker) = wait::parker_pair();
        let shared = Arc::new(Shared {
            levels,
            closed: AtomicBool::new(false),
            unparker,
        });
        let queue = SignalQueue {
            shared: Arc::clone(&shared),
        };
        Ok((queue, Consumer { shared, parker }))
    }

    /// Appends `signal` behind the signals of its priority level, without blocking.
    ///
    /// # Errors
    ///
    /// [`PushError`] with the signal when its level is full, its priority is out of
    /// range, or the queue is closed.
    #[inline]
    pub fn push(&self, signal: T) -> Result<(), PushError<T>> {
        let shared = &*self.shared;
        let priority = signal.priority();
        let Some(ring) = shared.levels.get(usize::from(priority)) else {
            return Err(PushError::InvalidPriority {
                signal,
                priority,
                levels: shared.levels.len() as u8,
            });
        };
        if shared.closed.load(Ordering::Relaxed) {
            return Err(PushError::Closed(signal));
        }
        if ring.push(signal).map_err(PushError::Full)? == Pushed::WakeConsumer {
            shared.unparker.unpark();
        }
        Ok(())
    }

    /// Closes the queue: later pushes fail with [`PushError::Closed`], and the
    /// consumer takes what is queued, then gets [`PopError::Closed`].
    pub fn close(&self) {
        self.shared.close();
    }
}

impl<T> SignalQueue<T> {
    /// An estimate of the signals queued over all levels.
    pub fn len(&self) -> usize {
        self.shared.levels.iter().map(Ring::len).sum()
    }

    /// Whether the queue looks empty; see [`SignalQueue::len`].
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Signals each priority level holds.
    pub fn capacity(&self) -> usize {
        self.shared.levels[0].capacity()
    }

    /// Number of priority levels.
    pub fn levels(&self) -> u8 {
        self.shared.levels.len() as u8
    }
}

impl<T> Clone for SignalQueue<T> {
    fn clone(&self) -> Self {
        SignalQueue {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> std::fmt::Debug for SignalQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalQueue")
            .field("levels", &self.levels())
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .finish()
    }
}

impl<T> Shared<T> {
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.unparker.unpark();
    }
}

impl<T: Prioritized> Consumer<T> {
    /// Removes the oldest signal of the highest non-empty level, without waiting.
    #[inline]
    pub fn try_pop(&mut self) -> Option<T> {
        self.shared.levels.iter().rev().find_map(Ring::pop)
    }

    /// Removes the next signal, waiting up to `timeout` (forever with `None`) for one.
    ///
    /// The consumer spins for a few microseconds, then yields, then parks until a
    /// producer wakes it.
    ///
    /// # Errors
    ///
    /// [`PopError::Timeout`] when nothing arrived in time, [`PopError::Closed`] when the
    /// queue is closed and empty.
    pub fn pop_wait(&mut self, timeout: Option<Duration>) -> Result<T, PopError> {
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        loop {
            let mut spin = Spin::new();
            loop {
                if let Some(signal) = self.try_pop() {
                    return Ok(signal);
                }
                if !spin.snooze() {
                    break;
                }
            }
            let remaining = match deadline {
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(PopError::Timeout);
                    }
                    Some(deadline - now)
                }
                None => None,
            };
            self.park(remaining)?;
        }
    }

    /// Parks unless a push is in flight or the queue is closed.
    fn park(&mut self, timeout: Option<Duration>) -> Result<(), PopError> {
        let shared = &*self.shared;
        // Stops at the first level with a claim, because then the consumer stays awake.
        let claimed = shared.levels.iter().any(Ring::announce_sleep);
        let closed = !claimed && shared.closed.load(Ordering::SeqCst);
        if !claimed && !closed {
            self.parker.park(timeout);
        }
        for ring in shared.levels.iter() {
            ring.withdraw_sleep();
        }
        if closed {
            // NOTE: a producer that read `closed` as false just before `close` may
            // still claim a slot after this check, and its signal stays queued unread.
            return Err(PopError::Closed);
        }
        Ok(())
    }
}

impl<T> Consumer<T> {
    /// An estimate of the signals queued over all levels.
    pub fn len(&self) -> usize {
        self.shared.levels.iter().map(Ring::len).sum()
    }

    /// Whether the queue looks empty; see [`Consumer::len`].
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        // Nobody takes signals any more, so producers must hear it rather than fill
        // the rings.
        self.shared.closed.store(true, Ordering::SeqCst);
    }
}

impl<T> std::fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("len", &self.len())
            .finish()
    }
}
