//! Every pointer the C ABI receives is read or written here, and nowhere else.
//!
//! Structs are copied with unaligned reads and writes, because MQL5 packs its structs and the
//! caller's alignment is unknown. Text comes in NUL-terminated, as UTF-8 (`const char*`) or
//! UTF-16 (`const uint16_t*`, what MQL5 passes for `string`), and scanning stops at a stated
//! maximum so an unterminated string fails with an error instead of running through memory.
//! Text goes out only into a caller buffer with its capacity: the text is cut to fit, always
//! NUL-terminated when the capacity is above zero, and `needed` receives the full length in code
//! units, terminator included.

use super::boundary::Failure;
use super::MbStatus;
use crate::account::{ShortText, SHORT_TEXT_CAPACITY};
use std::ffi::{c_char, CStr};

/// Maximum length in code units of a configuration or path argument.
pub(crate) const MAX_TEXT_UNITS: usize = 1 << 20;

/// Maximum length in UTF-16 code units scanned for a symbol or comment; MT5 caps both far below.
const MAX_SHORT_UNITS: usize = 256;

/// Copies the struct behind `ptr`.
///
/// # Errors
///
/// [`MbStatus::NullPointer`] when `ptr` is null.
///
/// # Safety
///
/// `ptr` is null or points to `size_of::<T>()` readable bytes holding a valid `T`.
pub(crate) unsafe fn read_in<T: Copy>(ptr: *const T, name: &str) -> Result<T, Failure> {
    if ptr.is_null() {
        return Err(null(name));
    }
    // SAFETY: not null, and readable for one `T` by the caller's contract; unaligned is allowed.
    Ok(unsafe { ptr.read_unaligned() })
}

/// Writes `value` to `ptr`.
///
/// # Errors
///
/// [`MbStatus::NullPointer`] when `ptr` is null.
///
/// # Safety
///
/// `ptr` is null or points to `size_of::<T>()` writable bytes.
pub(crate) unsafe fn write_out<T>(ptr: *mut T, value: T, name: &str) -> Result<(), Failure> {
    if ptr.is_null() {
        return Err(null(name));
    }
    // SAFETY: not null, and writable for one `T` by the caller's contract; unaligned is allowed.
    unsafe { ptr.write_unaligned(value) };
    Ok(())
}

/// Writes `value` to element `index` of the caller's array at `ptr`.
///
/// # Safety
///
/// `ptr` is not null and points to an array of more than `index` writable `T`.
pub(crate) unsafe fn write_element<T>(ptr: *mut T, index: usize, value: T) {
    // SAFETY: `index` is inside the caller's array by this function's contract.
    unsafe { ptr.add(index).write_unaligned(value) };
}

/// Borrows a NUL-terminated UTF-8 argument.
///
/// # Errors
///
/// [`MbStatus::NullPointer`] or [`MbStatus::InvalidUtf8`].
///
/// # Safety
///
/// `ptr` is null or points to a NUL-terminated byte string that outlives the returned borrow.
pub(crate) unsafe fn utf8_in<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(null(name));
    }
    // SAFETY: not null and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|error| {
        crate::ffi_fail!(
            MbStatus::InvalidUtf8,
            "{name} is not valid UTF-8 ({error}); pass UTF-8 text or use the _utf16 function"
        )
    })
}

/// Copies a NUL-terminated UTF-16 argument of at most [`MAX_TEXT_UNITS`] units into a string.
///
/// # Errors
///
/// [`MbStatus::NullPointer`], [`MbStatus::InvalidUtf16`] for an unpaired surrogate, or
/// [`MbStatus::InvalidArgument`] when no terminator comes within the maximum.
///
/// # Safety
///
/// `ptr` is null or points to a NUL-terminated array of `u16`.
pub(crate) unsafe fn utf16_in(ptr: *const u16, name: &str) -> Result<String, Failure> {
    // SAFETY: forwarded from this function's contract.
    let units = unsafe { utf16_units(ptr, name, MAX_TEXT_UNITS) }?;
    let mut text = String::new();
    for decoded in char::decode_utf16(units) {
        text.push(decoded.map_err(|error| bad_utf16(name, error))?);
    }
    Ok(text)
}

/// Decodes a NUL-terminated UTF-16 symbol without allocating.
///
/// # Errors
///
/// [`MbStatus::NullPointer`], [`MbStatus::InvalidUtf16`], or [`MbStatus::InvalidArgument`]
/// when the text is longer than 32 bytes in UTF-8.
///
/// # Safety
///
/// `ptr` is null or points to a NUL-terminated array of `u16`.
pub(crate) unsafe fn utf16_short(ptr: *const u16, name: &str) -> Result<ShortText, Failure> {
    // SAFETY: forwarded from this function's contract.
    unsafe { utf16_short_text(ptr, name, false) }
}

/// Decodes a NUL-terminated UTF-16 comment without allocating, cut to 32 bytes at a character
/// boundary; null is the empty comment.
///
/// # Errors
///
/// [`MbStatus::InvalidUtf16`].
///
/// # Safety
///
/// `ptr` is null or points to a NUL-terminated array of `u16`.
pub(crate) unsafe fn utf16_comment(ptr: *const u16, name: &str) -> Result<ShortText, Failure> {
    if ptr.is_null() {
        return Ok(ShortText::EMPTY);
    }
    // SAFETY: forwarded from this function's contract.
    unsafe { utf16_short_text(ptr, name, true) }
}

/// Decodes a NUL-terminated UTF-8 comment, cut to 32 bytes at a character boundary; null is
/// the empty comment.
///
/// # Errors
///
/// [`MbStatus::InvalidUtf8`].
///
/// # Safety
///
/// `ptr` is null or points to a NUL-terminated byte string.
pub(crate) unsafe fn utf8_comment(ptr: *const c_char, name: &str) -> Result<ShortText, Failure> {
    if ptr.is_null() {
        return Ok(ShortText::EMPTY);
    }
    // SAFETY: forwarded from this function's contract.
    let text = unsafe { utf8_in(ptr, name) }?;
    Ok(ShortText::truncated(text))
}

/// Decodes UTF-16 into a [`ShortText`], rejecting or cutting text longer than 32 bytes.
///
/// # Safety
///
/// `ptr` is null or points to a NUL-terminated array of `u16`.
unsafe fn utf16_short_text(ptr: *const u16, name: &str, cut: bool) -> Result<ShortText, Failure> {
    // SAFETY: forwarded from this function's contract.
    let units = unsafe { utf16_units(ptr, name, MAX_SHORT_UNITS) }?;
    let mut bytes = [0u8; SHORT_TEXT_CAPACITY];
    let mut len = 0;
    for decoded in char::decode_utf16(units) {
        let decoded = decoded.map_err(|error| bad_utf16(name, error))?;
        if len + decoded.len_utf8() > SHORT_TEXT_CAPACITY {
            if cut {
                break;
            }
            return Err(too_long(name));
        }
        len += decoded.encode_utf8(&mut bytes[len..]).len();
    }
    let text = std::str::from_utf8(&bytes[..len]).unwrap_or("");
    ShortText::new(text).map_err(|_| too_long(name))
}

/// Checks that an output pointer is not null before any work is done.
///
/// # Errors
///
/// [`MbStatus::NullPointer`].
pub(crate) fn require_out<T>(ptr: *mut T, name: &str) -> Result<(), Failure> {
    if ptr.is_null() {
        Err(null(name))
    } else {
        Ok(())
    }
}

/// Decodes a NUL-terminated UTF-8 symbol or comment without allocating.
///
/// # Errors
///
/// [`MbStatus::NullPointer`], [`MbStatus::InvalidUtf8`], or [`MbStatus::InvalidArgument`]
/// when the text is longer than 32 bytes.
///
/// # Safety
///
/// `ptr` is null or points to a NUL-terminated byte string.
pub(crate) unsafe fn utf8_short(ptr: *const c_char, name: &str) -> Result<ShortText, Failure> {
    // SAFETY: forwarded from this function's contract.
    let text = unsafe { utf8_in(ptr, name) }?;
    ShortText::new(text).map_err(|_| too_long(name))
}

/// Copies `text` into the caller's UTF-8 buffer of `capacity` bytes.
///
/// # Errors
///
/// [`MbStatus::BufferTooSmall`] when the text and its terminator do not fit (the buffer then
/// holds the longest prefix that ends on a character boundary), or [`MbStatus::NullPointer`]
/// when `buffer` is null with a capacity above zero.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` bytes; `needed` is null or writable.
pub(crate) unsafe fn utf8_out(
    text: &str,
    buffer: *mut c_char,
    capacity: u32,
    needed: *mut u32,
) -> Result<(), Failure> {
    let full = text.len() + 1;
    // SAFETY: forwarded from this function's contract.
    unsafe { write_needed(needed, full) };
    let capacity = capacity as usize;
    if capacity > 0 && buffer.is_null() {
        return Err(null("buffer"));
    }
    let mut fits = text.len().min(capacity.saturating_sub(1));
    while !text.is_char_boundary(fits) {
        fits -= 1;
    }
    if capacity > 0 {
        let out = buffer.cast::<u8>();
        // SAFETY: `fits + 1 <= capacity` bytes are writable by the caller's contract, and the
        // source is a live `&str` that cannot overlap a buffer the caller owns.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), out, fits);
            out.add(fits).write(0);
        }
    }
    check_fits(full, capacity)
}

/// Copies `text` as UTF-16 into the caller's buffer of `capacity` units.
///
/// # Errors
///
/// As [`utf8_out`]; a cut never separates a surrogate pair.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` units; `needed` is null or writable.
pub(crate) unsafe fn utf16_out(
    text: &str,
    buffer: *mut u16,
    capacity: u32,
    needed: *mut u32,
) -> Result<(), Failure> {
    let full = text.encode_utf16().count() + 1;
    // SAFETY: forwarded from this function's contract.
    unsafe { write_needed(needed, full) };
    let capacity = capacity as usize;
    if capacity > 0 && buffer.is_null() {
        return Err(null("buffer"));
    }
    if capacity > 0 {
        let mut written = 0;
        for decoded in text.chars() {
            let mut pair = [0u16; 2];
            let units = decoded.encode_utf16(&mut pair);
            if written + units.len() > capacity - 1 {
                break;
            }
            for unit in units.iter() {
                // SAFETY: `written < capacity - 1`, inside the caller's buffer.
                unsafe { buffer.add(written).write_unaligned(*unit) };
                written += 1;
            }
        }
        // SAFETY: `written <= capacity - 1`, inside the caller's buffer.
        unsafe { buffer.add(written).write_unaligned(0) };
    }
    check_fits(full, capacity)
}

/// A caller's buffer for text going out: UTF-16 units (an MQL5 `ushort` array) or UTF-8 bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TextOut {
    /// A buffer of `u16` units, written by [`utf16_out`].
    Utf16(*mut u16),
    /// A buffer of bytes, written by [`utf8_out`].
    Utf8(*mut c_char),
}

impl TextOut {
    /// Copies `text` into the buffer of `capacity` units, as [`utf16_out`] or [`utf8_out`].
    ///
    /// # Errors
    ///
    /// As [`utf8_out`].
    ///
    /// # Safety
    ///
    /// The buffer is null or writable for `capacity` units; `needed` is null or writable.
    pub(crate) unsafe fn write(
        self,
        text: &str,
        capacity: u32,
        needed: *mut u32,
    ) -> Result<(), Failure> {
        match self {
            // SAFETY: forwarded from this function's contract.
            TextOut::Utf16(buffer) => unsafe { utf16_out(text, buffer, capacity, needed) },
            // SAFETY: forwarded from this function's contract.
            TextOut::Utf8(buffer) => unsafe { utf8_out(text, buffer, capacity, needed) },
        }
    }
}

/// Finds the terminator of a UTF-16 argument and returns an iterator over the units before it.
///
/// # Safety
///
/// `ptr` is null or points to a NUL-terminated array of `u16` that outlives the iterator.
unsafe fn utf16_units<'a>(
    ptr: *const u16,
    name: &str,
    max: usize,
) -> Result<impl Iterator<Item = u16> + 'a, Failure> {
    if ptr.is_null() {
        return Err(null(name));
    }
    let mut len = 0;
    // SAFETY: every unit up to and including the terminator is readable, and the scan stops at
    // the terminator, so it never reads past the caller's array.
    while unsafe { ptr.add(len).read_unaligned() } != 0 {
        len += 1;
        if len > max {
            return Err(crate::ffi_fail!(
                MbStatus::InvalidArgument,
                "{name} has no terminating NUL within {max} UTF-16 units; terminate the text"
            ));
        }
    }
    // SAFETY: the `len` units before the terminator were just read, so they are readable, and
    // the caller keeps the text alive while the iterator runs.
    Ok((0..len).map(move |index| unsafe { ptr.add(index).read_unaligned() }))
}

/// Writes the full length to `needed` when it is not null.
///
/// # Safety
///
/// `needed` is null or writable.
unsafe fn write_needed(needed: *mut u32, full: usize) {
    if !needed.is_null() {
        let full = u32::try_from(full).unwrap_or(u32::MAX);
        // SAFETY: not null and writable by the caller's contract.
        unsafe { needed.write_unaligned(full) };
    }
}

fn check_fits(full: usize, capacity: usize) -> Result<(), Failure> {
    if full <= capacity {
        Ok(())
    } else {
        Err(crate::ffi_fail!(
            MbStatus::BufferTooSmall,
            "the buffer holds {capacity} code units but the text needs {full}; pass a larger one"
        ))
    }
}

fn null(name: &str) -> Failure {
    crate::ffi_fail!(
        MbStatus::NullPointer,
        "{name} is a null pointer; pass a valid pointer"
    )
}

fn too_long(name: &str) -> Failure {
    crate::ffi_fail!(
        MbStatus::InvalidArgument,
        "{name} is longer than {SHORT_TEXT_CAPACITY} bytes in UTF-8; shorten it"
    )
}

fn bad_utf16(name: &str, error: std::char::DecodeUtf16Error) -> Failure {
    crate::ffi_fail!(
        MbStatus::InvalidUtf16,
        "{name} holds an unpaired UTF-16 surrogate {:#06x}; pass well-formed UTF-16",
        error.unpaired_surrogate()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str) -> Vec<u16> {
        text.encode_utf16().chain([0]).collect()
    }

    #[test]
    fn utf16_in_decodes_pairs() {
        let units = utf16("a€😀");
        // SAFETY: `units` is NUL-terminated and alive.
        assert_eq!(unsafe { utf16_in(units.as_ptr(), "text") }.unwrap(), "a€😀");
    }

    #[test]
    fn utf16_in_rejects_unpaired_surrogates() {
        for units in [[0xD800, 0x41, 0], [0x41, 0xDC00, 0], [0x41, 0xD83D, 0]] {
            // SAFETY: `units` is NUL-terminated and alive.
            let status = unsafe { utf16_in(units.as_ptr(), "text") }
                .unwrap_err()
                .status;
            assert_eq!(status, MbStatus::InvalidUtf16, "{units:x?}");
        }
    }

    #[test]
    fn utf16_in_reads_unaligned() {
        let mut bytes = [0u8; 9];
        bytes[1..3].copy_from_slice(&0x42u16.to_ne_bytes());
        let ptr = bytes[1..].as_ptr().cast::<u16>();
        // SAFETY: a NUL-terminated UTF-16 string starts at the odd address; reads are unaligned.
        assert_eq!(unsafe { utf16_in(ptr, "text") }.unwrap(), "B");
    }

    #[test]
    fn utf16_short_rejects_long_symbol() {
        let units = utf16(&"X".repeat(33));
        // SAFETY: `units` is NUL-terminated and alive.
        let status = unsafe { utf16_short(units.as_ptr(), "symbol") }
            .unwrap_err()
            .status;
        assert_eq!(status, MbStatus::InvalidArgument);
        let units = utf16("EURUSD.Z");
        // SAFETY: as above.
        let symbol = unsafe { utf16_short(units.as_ptr(), "symbol") }.unwrap();
        assert_eq!(symbol.as_str(), "EURUSD.Z");
    }

    #[test]
    fn utf8_in_rejects_invalid() {
        let bytes = [0x41u8, 0xFF, 0];
        // SAFETY: `bytes` is NUL-terminated and alive.
        let status = unsafe { utf8_in(bytes.as_ptr().cast(), "text") }
            .unwrap_err()
            .status;
        assert_eq!(status, MbStatus::InvalidUtf8);
    }

    #[test]
    fn null_text_is_null_pointer() {
        // SAFETY: null is an allowed argument.
        let status = unsafe { utf16_in(std::ptr::null(), "text") }
            .unwrap_err()
            .status;
        assert_eq!(status, MbStatus::NullPointer);
    }

    #[test]
    fn utf8_out_cuts_and_reports_needed() {
        let mut buffer = [0x7Fu8; 4];
        let mut needed = 0;
        // SAFETY: the buffer holds 4 bytes and `needed` is a live u32.
        let result = unsafe { utf8_out("aé€", buffer.as_mut_ptr().cast(), 4, &mut needed) };
        assert_eq!(result.unwrap_err().status, MbStatus::BufferTooSmall);
        assert_eq!(needed, 7);
        assert_eq!(&buffer, b"a\xC3\xA9\0");
        let mut buffer = [0u8; 7];
        // SAFETY: as above, with 7 bytes.
        unsafe { utf8_out("aé€", buffer.as_mut_ptr().cast(), 7, &mut needed) }.unwrap();
        assert_eq!(&buffer, "aé€\0".as_bytes());
    }

    #[test]
    fn utf16_out_never_splits_pair() {
        let mut buffer = [0x7Fu16; 3];
        let mut needed = 0;
        // SAFETY: the buffer holds 3 units and `needed` is a live u32.
        let result = unsafe { utf16_out("a😀", buffer.as_mut_ptr(), 3, &mut needed) };
        assert_eq!(result.unwrap_err().status, MbStatus::BufferTooSmall);
        assert_eq!(needed, 4);
        assert_eq!(buffer, [0x61, 0, 0x7F]);
    }

    #[test]
    fn zero_capacity_reports_needed_only() {
        let mut needed = 0;
        // SAFETY: a null buffer with zero capacity is never written.
        let result = unsafe { utf16_out("abc", std::ptr::null_mut(), 0, &mut needed) };
        assert_eq!(result.unwrap_err().status, MbStatus::BufferTooSmall);
        assert_eq!(needed, 4);
        // SAFETY: a null buffer with a capacity is rejected before any write.
        let result = unsafe { utf8_out("abc", std::ptr::null_mut(), 8, &mut needed) };
        assert_eq!(result.unwrap_err().status, MbStatus::NullPointer);
    }
}
