//! Opening and closing guards, and the handle lookup every export on a guard goes through.

use super::abi::MbAbi;
use super::boundary::{call, with_handle, PanicLatch};
use super::handles::{HandleTable, MbHandle};
use super::{convert, Failure, MbStatus};
use crate::config::Config;
use crate::guard::{Guard, GuardError};
use std::ffi::c_char;
use std::path::Path;

/// Every open guard of the process. One EA opens one, on its own thread.
static GUARDS: HandleTable<Guard> = HandleTable::new();

impl PanicLatch for Guard {
    fn latch_panic(&mut self, _message: &str) {
        Guard::latch_panic(self);
    }
}

/// Runs `body` on the guard behind `handle`, inside the panic boundary.
///
/// Returns `MB_STATUS_INVALID_HANDLE` for a handle that is not open, `MB_STATUS_BUSY` without
/// waiting when another thread is in a call on the same handle, and `MB_STATUS_PANIC` (with
/// trading latched blocked on the guard) when `body` panics.
pub fn with_guard(
    handle: MbHandle,
    name: &str,
    body: impl FnOnce(&mut Guard) -> Result<(), Failure>,
) -> MbStatus {
    with_handle(&GUARDS, handle, name, body)
}

/// Opens a guard from a configuration in TOML and a state directory, both UTF-8.
///
/// `abi` carries the caller's `MB_ABI_VERSION` and struct sizes, and `handle` receives the new
/// handle (0 on failure). Returns `MB_STATUS_ABI_MISMATCH`, `MB_STATUS_INVALID_CONFIG`,
/// `MB_STATUS_STATE_FAILED` or `MB_STATUS_TOO_MANY_HANDLES` with the reason in the last error,
/// or a pointer or text status.
///
/// # Safety
///
/// `abi` is null or a readable `MbAbi`; `config_toml` and `state_dir` are null or
/// NUL-terminated UTF-8; `handle` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_open_utf8(
    abi: *const MbAbi,
    config_toml: *const c_char,
    state_dir: *const c_char,
    handle: *mut MbHandle,
) -> MbStatus {
    call("mb_guard_open_utf8", || {
        // SAFETY: the caller passes null or a writable handle.
        unsafe { convert::write_out(handle, 0, "handle") }?;
        // SAFETY: the caller passes null or a readable MbAbi.
        unsafe { convert::read_in(abi, "abi") }?.check()?;
        // SAFETY: the caller passes null or NUL-terminated UTF-8 strings.
        let config = unsafe { convert::utf8_in(config_toml, "config_toml") }?;
        // SAFETY: as above.
        let state_dir = unsafe { convert::utf8_in(state_dir, "state_dir") }?;
        let opened = open(config, Path::new(state_dir))?;
        // SAFETY: checked writable above.
        unsafe { convert::write_out(handle, opened, "handle") }
    })
}

/// Opens a guard as [`mb_guard_open_utf8`] does, with UTF-16 text (MQL5 `string`).
///
/// # Safety
///
/// `abi` is null or a readable `MbAbi`; `config_toml` and `state_dir` are null or
/// NUL-terminated UTF-16; `handle` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_open_utf16(
    abi: *const MbAbi,
    config_toml: *const u16,
    state_dir: *const u16,
    handle: *mut MbHandle,
) -> MbStatus {
    call("mb_guard_open_utf16", || {
        // SAFETY: the caller passes null or a writable handle.
        unsafe { convert::write_out(handle, 0, "handle") }?;
        // SAFETY: the caller passes null or a readable MbAbi.
        unsafe { convert::read_in(abi, "abi") }?.check()?;
        // SAFETY: the caller passes null or NUL-terminated UTF-16 strings.
        let config = unsafe { convert::utf16_in(config_toml, "config_toml") }?;
        // SAFETY: as above.
        let state_dir = unsafe { convert::utf16_in(state_dir, "state_dir") }?;
        let opened = open(&config, Path::new(&state_dir))?;
        // SAFETY: checked writable above.
        unsafe { convert::write_out(handle, opened, "handle") }
    })
}

/// Closes a guard. The handle is invalid afterwards, and closing it again returns
/// `MB_STATUS_INVALID_HANDLE`; `MB_STATUS_BUSY` means another thread is in a call on it.
#[no_mangle]
pub extern "C" fn mb_guard_close(handle: MbHandle) -> MbStatus {
    call("mb_guard_close", || {
        let guard = GUARDS
            .remove(handle)
            .map_err(|error| super::boundary::lookup_failure(error, handle, "mb_guard_close"))?;
        drop(guard);
        Ok(())
    })
}

/// Arms a panic inside the next `mb_guard_feed_snapshot` on `handle`, to test the panic
/// boundary. Exists only in builds with the `test-panic` feature.
#[cfg(feature = "test-panic")]
#[no_mangle]
pub extern "C" fn mb_test_force_panic(handle: MbHandle) -> MbStatus {
    with_guard(handle, "mb_test_force_panic", |guard| {
        guard.force_panic();
        Ok(())
    })
}

fn open(config_toml: &str, state_dir: &Path) -> Result<MbHandle, Failure> {
    let config = Config::from_toml_str(config_toml)
        .map_err(|error| crate::ffi_fail!(MbStatus::InvalidConfig, "{error}"))?;
    let guard = Guard::open(config, state_dir).map_err(|error| match error {
        GuardError::Config(_) => crate::ffi_fail!(MbStatus::InvalidConfig, "{error}"),
        _ => crate::ffi_fail!(MbStatus::StateFailed, "{error}"),
    })?;
    GUARDS.insert(Box::new(guard)).map_err(|_| {
        crate::ffi_fail!(
            MbStatus::TooManyHandles,
            "all {} handles are open; close one with mb_guard_close before opening another",
            super::MAX_HANDLES
        )
    })
}
