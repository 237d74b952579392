//! Exports that need no handle: the ABI version, the ABI check and the last error message.

use super::abi::{MbAbi, MB_ABI_VERSION};
use super::boundary::call;
use super::{convert, last_error, MbStatus};
use std::ffi::c_char;

/// Returns the ABI version of this library ([`MB_ABI_VERSION`]).
#[no_mangle]
pub extern "C" fn mb_abi_version() -> u32 {
    MB_ABI_VERSION
}

/// Checks that the caller was built for this library's ABI version and struct sizes.
///
/// Returns `MB_STATUS_OK`, `MB_STATUS_NULL_POINTER`, or `MB_STATUS_ABI_MISMATCH` with the
/// differing value named in the last error.
///
/// # Safety
///
/// `abi` is null or points to a readable `MbAbi`.
#[no_mangle]
pub unsafe extern "C" fn mb_abi_check(abi: *const MbAbi) -> MbStatus {
    call("mb_abi_check", || {
        // SAFETY: the caller passes null or a readable MbAbi.
        let abi = unsafe { convert::read_in(abi, "abi") }?;
        abi.check()
    })
}

/// Copies the calling thread's last error message into `buffer` as UTF-8.
///
/// `needed` (may be null) receives the message length in bytes plus one for the terminator.
/// Returns `MB_STATUS_BUFFER_TOO_SMALL` when it does not fit; the buffer then holds the cut
/// message. A failing call here never replaces the stored message.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` bytes; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_last_error_utf8(
    buffer: *mut c_char,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    let message = last_error::get();
    let status = call("mb_last_error_utf8", || {
        // SAFETY: the caller passes a buffer of `capacity` bytes (or null) and `needed`.
        unsafe { convert::utf8_out(message.as_str(), buffer, capacity, needed) }
    });
    last_error::set(format_args!("{}", message.as_str()));
    status
}

/// Copies the calling thread's last error message into `buffer` as UTF-16, as
/// [`mb_last_error_utf8`] does; `needed` counts UTF-16 units.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` units; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_last_error_utf16(
    buffer: *mut u16,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    let message = last_error::get();
    let status = call("mb_last_error_utf16", || {
        // SAFETY: the caller passes a buffer of `capacity` units (or null) and `needed`.
        unsafe { convert::utf16_out(message.as_str(), buffer, capacity, needed) }
    });
    last_error::set(format_args!("{}", message.as_str()));
    status
}
