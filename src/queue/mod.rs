//! The signal queue: a bounded, lock-free priority queue from several producers to one
//! executor.
//!
//! Each priority level is its own bounded ring, so a level keeps first-in,
//! first-out order and the consumer serves the highest non-empty level first. A push
//! from a [`SignalQueue`] handle, which any number of threads may share, is one
//! compare-and-swap on its level's tail plus two stores. A push from the one
//! [`Producer`] of a queue made by [`SignalQueue::single_producer`] has no locked
//! instruction at all. A pop is one load and one store with no read-modify-write,
//! because there is only one [`Consumer`], and it never writes the slot the producers
//! write next. Signals are `Copy` values stored inline, so no message allocates. A full
//! level hands the signal back in [`PushError::Full`].
//!
//! A consumer that waits ([`Consumer::pop_wait`]) spins briefly and then parks, so an
//! idle executor does not hold a core; producers wake it only when it has announced
//! that it sleeps. The handshake between the announcement and a push uses the barrier
//! pair in `barrier`, which puts its cost on the consumer's rare park rather than on
//! every push.
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

mod barrier;
mod ring;
mod signal;
mod sync;
mod wait;

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_model;

pub use signal::{Prioritized, Signal};

use barrier::Barriers;
use crossbeam_utils::CachePadded;
use ring::Ring;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};
use sync::{AtomicBool, Ordering};
use wait::{Parker, Spin, Unparker};

/// Maximum time a park lasts when the process-wide barrier failed and a wake-up may be
/// missed.
const UNORDERED_PARK: Duration = Duration::from_millis(1);

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
    /// Set by the consumer before it parks, cleared when it wakes.
    sleeping: AtomicBool,
    barriers: Barriers,
    unparker: Unparker,
}

/// The producer handle of the queue; clone it for each producer thread.
pub struct SignalQueue<T = Signal> {
    shared: Arc<CachePadded<Shared<T>>>,
}

/// The only producer of a queue made by [`SignalQueue::single_producer`]. It cannot be
/// cloned, so its pushes need no locked instruction; [`Producer::into_shared`] turns it
/// into a [`SignalQueue`] when more producers are needed.
pub struct Producer<T = Signal> {
    shared: Arc<CachePadded<Shared<T>>>,
}

/// The single consumer of a queue: the executor.
pub struct Consumer<T = Signal> {
    shared: Arc<CachePadded<Shared<T>>>,
    parker: Parker,
}

impl<T: Prioritized> SignalQueue<T> {
    /// Creates a queue and its only consumer.
    ///
    /// # Errors
    ///
    /// [`QueueConfigError`] when the capacity or the number of levels is out of range.
    pub fn new(config: QueueConfig) -> Result<(SignalQueue<T>, Consumer<T>), QueueConfigError> {
        let (shared, consumer) = Shared::new(config)?;
        Ok((SignalQueue { shared }, consumer))
    }

    /// Creates a queue with one producer, which pushes faster than a shared handle
    /// because no other producer can race it, and its only consumer.
    ///
    /// # Errors
    ///
    /// [`QueueConfigError`] when the capacity or the number of levels is out of range.
    pub fn single_producer(
        config: QueueConfig,
    ) -> Result<(Producer<T>, Consumer<T>), QueueConfigError> {
        let (shared, consumer) = Shared::new(config)?;
        Ok((Producer { shared }, consumer))
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
        let ring = match shared.ring_for(&signal) {
            Ok(ring) => ring,
            Err(rejection) => return Err(rejection.into_error(signal)),
        };
        ring.push(signal).map_err(PushError::Full)?;
        shared.wake_if_sleeping();
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
        self.shared.len()
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

impl<T: Prioritized> Producer<T> {
    /// Appends `signal` behind the signals of its priority level, without blocking and
    /// without a locked instruction.
    ///
    /// # Errors
    ///
    /// [`PushError`] with the signal when its level is full, its priority is out of
    /// range, or the queue is closed.
    #[inline]
    pub fn push(&mut self, signal: T) -> Result<(), PushError<T>> {
        let shared = &*self.shared;
        let ring = match shared.ring_for(&signal) {
            Ok(ring) => ring,
            Err(rejection) => return Err(rejection.into_error(signal)),
        };
        // SAFETY: a `Producer` is made only by `single_producer`, cannot be cloned, and
        // `into_shared` consumes it, so no `SignalQueue` handle of this queue exists
        // while it does. `&mut self` keeps a second push from starting on another
        // thread; moving the producer between threads orders their pushes.
        unsafe { ring.push_exclusive(signal) }.map_err(PushError::Full)?;
        shared.wake_if_sleeping();
        Ok(())
    }

    /// Closes the queue; see [`SignalQueue::close`].
    pub fn close(&self) {
        self.shared.close();
    }

    /// Turns the producer into a shared handle, which can be cloned for more producer
    /// threads. Signals already queued stay in order ahead of later pushes.
    pub fn into_shared(self) -> SignalQueue<T> {
        SignalQueue {
            shared: self.shared,
        }
    }
}

impl<T> std::fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("levels", &self.shared.levels.len())
            .field("len", &self.shared.len())
            .finish()
    }
}

impl<T: Prioritized> Shared<T> {
    /// Makes the shared state of a new queue and its consumer.
    fn new(config: QueueConfig) -> Result<(Arc<CachePadded<Self>>, Consumer<T>), QueueConfigError> {
        config.validate()?;
        let capacity = config.capacity.next_power_of_two();
        let levels = (0..config.levels).map(|_| Ring::new(capacity)).collect();
        let (parker, unparker) = wait::parker_pair();
        // Padded so that no other allocation shares a cache line with the fields
        // every push reads.
        let shared = Arc::new(CachePadded::new(Shared {
            levels,
            closed: AtomicBool::new(false),
            sleeping: AtomicBool::new(false),
            barriers: Barriers::new(),
            unparker,
        }));
        let consumer = Consumer {
            shared: Arc::clone(&shared),
            parker,
        };
        Ok((shared, consumer))
    }

    /// Returns the ring of the signal's priority level, unless the priority is out of
    /// range or the queue is closed. Only the caller's error path moves the signal.
    #[inline]
    fn ring_for(&self, signal: &T) -> Result<&Ring<T>, Rejection> {
        let priority = signal.priority();
        let Some(ring) = self.levels.get(usize::from(priority)) else {
            return Err(Rejection::Priority {
                priority,
                levels: self.levels.len() as u8,
            });
        };
        if self.closed.load(Ordering::Relaxed) {
            return Err(Rejection::Closed);
        }
        Ok(ring)
    }
}

/// The reason a push was rejected before it reached its ring.
#[derive(Clone, Copy)]
enum Rejection {
    Priority { priority: u8, levels: u8 },
    Closed,
}

impl Rejection {
    /// Builds the error that hands `signal` back.
    #[cold]
    fn into_error<T>(self, signal: T) -> PushError<T> {
        match self {
            Rejection::Priority { priority, levels } => PushError::InvalidPriority {
                signal,
                priority,
                levels,
            },
            Rejection::Closed => PushError::Closed(signal),
        }
    }
}

impl<T> Shared<T> {
    /// Returns an estimate of the signals queued over all levels.
    fn len(&self) -> usize {
        self.levels.iter().map(Ring::len).sum()
    }

    /// Wakes the consumer if it announced that it sleeps; every push calls this. The
    /// barrier orders the push's claim before the read of the flag, and the consumer's
    /// barrier orders its flag before its check of the tails. So either the consumer
    /// reads the claim and stays awake, or this push reads the flag and wakes it.
    #[inline]
    fn wake_if_sleeping(&self) {
        self.barriers.light();
        if self.sleeping.load(Ordering::Relaxed) {
            self.unparker.unpark();
        }
    }

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
        shared.sleeping.store(true, Ordering::Relaxed);
        let ordered = shared.barriers.heavy();
        let claimed = shared.levels.iter().any(Ring::has_claims);
        let closed = !claimed && shared.closed.load(Ordering::SeqCst);
        if !claimed && !closed {
            self.parker.park(if ordered {
                timeout
            } else {
                // Without the barrier a push may miss the flag, so a short sleep bounds
                // the delay of a missed wake-up.
                Some(timeout.map_or(UNORDERED_PARK, |timeout| timeout.min(UNORDERED_PARK)))
            });
        }
        shared.sleeping.store(false, Ordering::Relaxed);
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
        self.shared.len()
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
