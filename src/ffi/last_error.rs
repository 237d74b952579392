//! The calling thread's last error message, kept in a fixed buffer so that setting it on
//! the tick path allocates nothing.

use std::cell::RefCell;
use std::fmt::{self, Write};

/// Capacity in bytes of the last error message; longer messages are cut at a character
/// boundary.
pub const LAST_ERROR_CAPACITY: usize = 512;

/// A text of at most [`LAST_ERROR_CAPACITY`] bytes held inline, which formatting fills without
/// allocating; what does not fit is cut at a character boundary.
#[derive(Clone, Copy)]
pub(crate) struct FixedText {
    len: usize,
    bytes: [u8; LAST_ERROR_CAPACITY],
}

impl FixedText {
    /// The empty text.
    pub(crate) const fn new() -> Self {
        FixedText {
            len: 0,
            bytes: [0; LAST_ERROR_CAPACITY],
        }
    }

    /// The message text.
    pub(crate) fn as_str(&self) -> &str {
        // `write_str` copies whole `&str` prefixes that end on character boundaries.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl Write for FixedText {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let room = LAST_ERROR_CAPACITY - self.len;
        let mut end = text.len().min(room);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.bytes[self.len..self.len + end].copy_from_slice(&text.as_bytes()[..end]);
        self.len += end;
        Ok(())
    }
}

thread_local! {
    static LAST_ERROR: RefCell<FixedText> = const { RefCell::new(FixedText::new()) };
}

/// Replaces the calling thread's last error with the formatted message.
pub(crate) fn set(message: fmt::Arguments<'_>) {
    LAST_ERROR.with(|cell| {
        // A message that formats another message cannot re-enter here, so the borrow is free.
        if let Ok(mut last) = cell.try_borrow_mut() {
            last.len = 0;
            let _ = last.write_fmt(message);
        }
    });
}

/// Copies the calling thread's last error message (empty when no call failed yet).
pub(crate) fn get() -> FixedText {
    LAST_ERROR.with(|cell| match cell.try_borrow() {
        Ok(last) => *last,
        Err(_) => FixedText::new(),
    })
}

/// Runs `read` on the calling thread's last error message.
pub(crate) fn with<R>(read: impl FnOnce(&str) -> R) -> R {
    read(get().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_error_replaces_message() {
        set(format_args!("first {}", 1));
        set(format_args!("second {}", 2));
        assert_eq!(with(str::to_owned), "second 2");
    }

    #[test]
    fn last_error_cuts_on_char_boundary() {
        let long = "é".repeat(LAST_ERROR_CAPACITY);
        set(format_args!("{long}"));
        let stored = with(str::to_owned);
        assert_eq!(stored.len(), LAST_ERROR_CAPACITY);
        assert!(stored.chars().all(|c| c == 'é'));
    }

    #[test]
    fn last_error_is_per_thread() {
        set(format_args!("main thread"));
        std::thread::spawn(|| assert_eq!(with(str::to_owned), ""))
            .join()
            .unwrap();
        assert_eq!(with(str::to_owned), "main thread");
    }
}
