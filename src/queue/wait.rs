//! How the consumer waits: it spins briefly, yields, and then parks. The sleep flag
//! itself lives in each ring's tail (see `super::ring`), so a producer learns from its
//! own claim whether it must wake the consumer.

use std::time::Duration;

/// Spins, then yields, while the consumer waits for a value it knows is coming or
/// before it decides to sleep.
pub(crate) struct Spin {
    #[cfg(not(loom))]
    backoff: crossbeam_utils::Backoff,
    #[cfg(loom)]
    steps: u32,
}

impl Spin {
    pub(crate) fn new() -> Self {
        Spin {
            #[cfg(not(loom))]
            backoff: crossbeam_utils::Backoff::new(),
            #[cfg(loom)]
            steps: 0,
        }
    }

    /// Waits a little longer each call; returns false once spinning should stop.
    pub(crate) fn snooze(&mut self) -> bool {
        #[cfg(not(loom))]
        {
            if self.backoff.is_completed() {
                return false;
            }
            self.backoff.snooze();
            true
        }
        #[cfg(loom)]
        {
            if self.steps == 1 {
                return false;
            }
            self.steps += 1;
            loom::thread::yield_now();
            true
        }
    }
}

#[cfg(not(loom))]
pub(crate) use crossbeam_utils::sync::Unparker;

/// The consumer's side of the park and unpark pair.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct Parker(crossbeam_utils::sync::Parker);

#[cfg(not(loom))]
pub(crate) fn parker_pair() -> (Parker, Unparker) {
    let parker = crossbeam_utils::sync::Parker::new();
    let unparker = parker.unparker().clone();
    (Parker(parker), unparker)
}

#[cfg(not(loom))]
impl Parker {
    /// Blocks until unparked, until `timeout` passes, or spuriously.
    pub(crate) fn park(&self, timeout: Option<Duration>) {
        match timeout {
            Some(timeout) => self.0.park_timeout(timeout),
            None => self.0.park(),
        }
    }
}

/// A model of the parker for loom: a token behind a mutex and a condition variable.
#[cfg(loom)]
#[derive(Debug, Clone)]
pub(crate) struct Parker(loom::sync::Arc<(loom::sync::Mutex<bool>, loom::sync::Condvar)>);

#[cfg(loom)]
pub(crate) type Unparker = Parker;

#[cfg(loom)]
pub(crate) fn parker_pair() -> (Parker, Unparker) {
    let parker = Parker(loom::sync::Arc::new((
        loom::sync::Mutex::new(false),
        loom::sync::Condvar::new(),
    )));
    (parker.clone(), parker)
}

#[cfg(loom)]
impl Parker {
    /// Blocks until unparked; loom has no time, so the timeout is ignored.
    pub(crate) fn park(&self, _timeout: Option<Duration>) {
        let (token, condvar) = &*self.0;
        let mut notified = token.lock().unwrap();
        while !*notified {
            notified = condvar.wait(notified).unwrap();
        }
        *notified = false;
    }

    pub(crate) fn unpark(&self) {
        let (token, condvar) = &*self.0;
        *token.lock().unwrap() = true;
        condvar.notify_one();
    }
}
