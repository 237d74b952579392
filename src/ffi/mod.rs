//! The C ABI: what `mikrobot.dll` exports to MQL5, C and any other host.
//!
//! Conventions, as the README's "C ABI conventions" section states them for callers: every
//! symbol is `mb_<object>_<verb>`; a handle comes from [`session::mb_guard_open_utf16`] (or
//! its UTF-8 twin) and goes first in every call on it; inputs come before outputs; every output
//! buffer is followed by its capacity; every export returns an [`MbStatus`] and never returns
//! memory the caller must free; text comes in as NUL-terminated UTF-8 or UTF-16.
//!
//! # Adding exports
//!
//! Each subsystem puts its exports in its own file here and follows one pattern:
//!
//! ```text
//! /// Records one execution latency sample. (Summary, then the statuses it returns.)
//! ///
//! /// # Safety
//! ///
//! /// `symbol` is null or a NUL-terminated UTF-16 string.
//! #[no_mangle]
//! pub unsafe extern "C" fn mb_latency_record_utf16(
//!     handle: MbHandle,
//!     symbol: *const u16,
//!     micros: i64,
//! ) -> MbStatus {
//!     session::with_guard(handle, "mb_latency_record_utf16", |guard| {
//!         // SAFETY: the caller passes null or a NUL-terminated UTF-16 string.
//!         let symbol = unsafe { convert::utf16_short(symbol, "symbol") }?;
//!         guard.record_latency(symbol, micros).map_err(|error| ffi_fail!(..., "{error}"))
//!     })
//! }
//! ```
//!
//! - [`session::with_guard`] validates the handle, takes the guard's try-lock (returning
//!   `MB_STATUS_BUSY` rather than waiting) and runs the body inside the panic boundary; a panic
//!   latches trading blocked on that guard. Exports without a handle use [`boundary::call`].
//! - Every pointer goes through [`convert`]: [`convert::read_in`] and [`convert::write_out`]
//!   for structs, the `utf8_*`/`utf16_*` functions for text. Call sites never cast.
//! - Errors are built with [`ffi_fail!`](crate::ffi_fail), which stores the message as the
//!   thread's last error without allocating; return them with `?`.
//! - A new shared struct goes in [`abi`] with 8-byte fields first and a size that is a multiple
//!   of 8, and gets a size entry in [`MbAbi`] (which bumps [`MB_ABI_VERSION`]).
//! - A new status is appended to [`MbStatus`]; existing numbers never change.
//!
//! `include/mikrobot.h` is generated from these files by cbindgen; run
//! `MIKROBOT_BLESS=1 cargo test --test header` after changing an export, and update
//! `mql5/Include/Mikrobot/Mikrobot.mqh`, whose contract test compares it with the header.

pub mod abi;
pub mod account;
pub mod alerts;
pub mod boundary;
mod codes;
pub mod convert;
pub mod events;
pub mod handles;
pub mod health;
mod last_error;
pub mod library;
pub mod maintenance;
pub mod records;
pub mod session;
pub mod signals;
mod status;
pub mod trading;
mod watch_abi;

pub use abi::{
    MbAbi, MbDeal, MbDecision, MbEvent, MbHealth, MbHealthCheck, MbIncident, MbLatencySummary,
    MbOrderIntent, MbOutboxItem, MbPreTrade, MbRuleReport, MbSignal, MbSnapshot, MbVitals,
    MB_ABI_VERSION,
};
pub use boundary::Failure;
pub use handles::{MbHandle, MAX_HANDLES};
pub use last_error::LAST_ERROR_CAPACITY;
pub use status::MbStatus;
#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod hostile_watch_tests;
#[cfg(test)]
mod maintenance_tests;
