//! The one panic boundary every export runs inside, and the handle lookup built on it.

use super::handles::{HandleTable, LookupError, MbHandle};
use super::{last_error, MbStatus};
use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A failed call: its status, with the message already stored as the thread's last error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// The status the export returns.
    pub status: MbStatus,
}

impl Failure {
    /// Stores `message` as the calling thread's last error and returns the failure.
    pub fn new(status: MbStatus, message: fmt::Arguments<'_>) -> Self {
        last_error::set(message);
        Failure { status }
    }
}

/// Builds a [`Failure`] with a formatted message, without allocating.
#[macro_export]
#[doc(hidden)]
macro_rules! ffi_fail {
    ($status:expr, $($message:tt)+) => {
        $crate::ffi::Failure::new($status, format_args!($($message)+))
    };
}

/// What a value behind a handle does when a call on it panics.
pub trait PanicLatch {
    /// Blocks trading on this value after a caught panic. `message` is the panic's text.
    fn latch_panic(&mut self, message: &str);
}

/// Runs `body`, turning an error into its status and a panic into [`MbStatus::Panic`].
///
/// `name` is the export's name, used in the last error message.
pub fn call(name: &str, body: impl FnOnce() -> Result<(), Failure>) -> MbStatus {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => MbStatus::Ok,
        Ok(Err(failure)) => failure.status,
        Err(payload) => panicked(name, payload).status,
    }
}

/// Runs `body` on the value behind `handle` inside the panic boundary.
///
/// A panic inside `body` latches the value with [`PanicLatch::latch_panic`] before the slot is
/// released, so no later call sees the value unblocked.
///
/// # Errors
///
/// Returns [`MbStatus::InvalidHandle`] for a handle that is not open and [`MbStatus::Busy`] when
/// another thread is inside a call on it; `body`'s own failures pass through.
pub fn with_handle<T: PanicLatch>(
    table: &HandleTable<T>,
    handle: MbHandle,
    name: &str,
    body: impl FnOnce(&mut T) -> Result<(), Failure>,
) -> MbStatus {
    call(name, || {
        let outcome = table.with(handle, |value| {
            match catch_unwind(AssertUnwindSafe(|| body(value))) {
                Ok(result) => result,
                Err(payload) => {
                    let failure = panicked(name, payload);
                    let latched = last_error::with(|message| {
                        catch_unwind(AssertUnwindSafe(|| value.latch_panic(message)))
                    });
                    // A latch that panics too leaves nothing more to try; the status stays Panic.
                    drop(latched);
                    Err(failure)
                }
            }
        });
        outcome.unwrap_or_else(|error| Err(lookup_failure(error, handle, name)))
    })
}

/// Builds the failure for a handle that cannot be used.
pub fn lookup_failure(error: LookupError, handle: MbHandle, name: &str) -> Failure {
    match error {
        LookupError::Invalid => crate::ffi_fail!(
            MbStatus::InvalidHandle,
            "{name}: handle {handle:#x} is not open (closed, stale or never issued); \
             use the handle that mb_guard_open returned"
        ),
        LookupError::Busy => crate::ffi_fail!(
            MbStatus::Busy,
            "{name}: handle {handle:#x} is in use by another thread; retry the call"
        ),
    }
}

fn panicked(name: &str, payload: Box<dyn Any + Send>) -> Failure {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-text panic payload");
    let failure = crate::ffi_fail!(
        MbStatus::Panic,
        "{name} panicked: {text}; trading is blocked on this handle, close and reopen it"
    );
    // Dropping a payload runs foreign code, which could panic in turn; keep that inside too.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
    failure
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default)]
    struct Probe {
        latched: Option<String>,
    }

    impl PanicLatch for Probe {
        fn latch_panic(&mut self, message: &str) {
            self.latched = Some(message.to_owned());
        }
    }

    #[test]
    fn call_maps_results() {
        assert_eq!(call("probe", || Ok(())), MbStatus::Ok);
        let failed = call("probe", || {
            Err(crate::ffi_fail!(
                MbStatus::InvalidArgument,
                "bad value {}",
                3
            ))
        });
        assert_eq!(failed, MbStatus::InvalidArgument);
        assert_eq!(last_error::with(str::to_owned), "bad value 3");
    }

    #[test]
    fn call_catches_panic() {
        let status = call("mb_probe", || panic!("boom {}", 1));
        assert_eq!(status, MbStatus::Panic);
        let message = last_error::with(str::to_owned);
        assert!(
            message.starts_with("mb_probe panicked: boom 1"),
            "{message}"
        );
    }

    #[test]
    fn panic_in_handle_call_latches() {
        let table = Box::new(HandleTable::<Probe>::new());
        let handle = table.insert(Box::default()).unwrap();
        let status = with_handle(&table, handle, "mb_probe", |_| panic!("engine fault"));
        assert_eq!(status, MbStatus::Panic);
        let mut latched = None;
        let read = with_handle(&table, handle, "mb_probe", |probe| {
            latched = probe.latched.clone();
            Ok(())
        });
        assert_eq!(read, MbStatus::Ok);
        assert!(latched.unwrap().contains("engine fault"));
    }

    #[test]
    fn unknown_handle_is_invalid() {
        let table = Box::new(HandleTable::<Probe>::new());
        let status = with_handle(&table, 12345, "mb_probe", |_| Ok(()));
        assert_eq!(status, MbStatus::InvalidHandle);
        assert!(last_error::with(str::to_owned).contains("0x3039"));
    }
}
