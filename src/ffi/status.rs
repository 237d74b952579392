//! The one status enum of the C ABI.

/// Result of every export that can fail.
///
/// The numbers are part of the ABI: a value is never renumbered or reused. A retired value
/// stays here as a comment with the version that retired it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum MbStatus {
    /// The call succeeded.
    Ok = 0,
    /// A required pointer argument is null.
    NullPointer = 1,
    /// The output buffer is too small; the `needed` argument holds the required length.
    BufferTooSmall = 2,
    /// A UTF-8 text argument is not valid UTF-8.
    InvalidUtf8 = 3,
    /// A UTF-16 text argument contains an unpaired surrogate.
    InvalidUtf16 = 4,
    /// A number argument is NaN or infinite. The input is still given to the engine,
    /// which fails closed and blocks trading; the outputs are written.
    NotFinite = 5,
    /// The handle is zero, closed, stale or was never issued.
    InvalidHandle = 6,
    /// Another thread is inside a call on the same handle; retry later. Nothing was done.
    Busy = 7,
    /// A panic was caught inside the library. Trading is blocked on the handle.
    Panic = 8,
    /// The caller was built for another ABI version or other struct sizes.
    AbiMismatch = 9,
    /// The configuration text is invalid; the last error names the field.
    InvalidConfig = 10,
    /// An argument is out of its documented range (an unknown enum value, a symbol longer
    /// than 32 bytes, an index past the end).
    InvalidArgument = 11,
    /// Every handle slot is in use; close a handle first.
    TooManyHandles = 12,
    /// The state directory cannot be created, read or written.
    StateFailed = 13,
    /// A time argument cannot be converted (out of range, or inside a daylight-saving gap
    /// of the server clock).
    InvalidTime = 14,
    /// The call is out of order (a history deal outside a history load, for example).
    InvalidState = 15,
    /// The signal's priority level of the queue is full; the signal was not queued and stays
    /// the caller's to retry or drop.
    QueueFull = 16,
    /// The signal queue contains no signal; nothing was written.
    QueueEmpty = 17,
}

impl MbStatus {
    /// Every status, in numeric order.
    #[cfg(test)]
    pub(crate) const ALL: [MbStatus; 18] = [
        MbStatus::Ok,
        MbStatus::NullPointer,
        MbStatus::BufferTooSmall,
        MbStatus::InvalidUtf8,
        MbStatus::InvalidUtf16,
        MbStatus::NotFinite,
        MbStatus::InvalidHandle,
        MbStatus::Busy,
        MbStatus::Panic,
        MbStatus::AbiMismatch,
        MbStatus::InvalidConfig,
        MbStatus::InvalidArgument,
        MbStatus::TooManyHandles,
        MbStatus::StateFailed,
        MbStatus::InvalidTime,
        MbStatus::InvalidState,
        MbStatus::QueueFull,
        MbStatus::QueueEmpty,
    ];

    /// The snake_case name, as the header spells it after `MB_STATUS_`.
    pub fn as_str(self) -> &'static str {
        match self {
            MbStatus::Ok => "ok",
            MbStatus::NullPointer => "null_pointer",
            MbStatus::BufferTooSmall => "buffer_too_small",
            MbStatus::InvalidUtf8 => "invalid_utf8",
            MbStatus::InvalidUtf16 => "invalid_utf16",
            MbStatus::NotFinite => "not_finite",
            MbStatus::InvalidHandle => "invalid_handle",
            MbStatus::Busy => "busy",
            MbStatus::Panic => "panic",
            MbStatus::AbiMismatch => "abi_mismatch",
            MbStatus::InvalidConfig => "invalid_config",
            MbStatus::InvalidArgument => "invalid_argument",
            MbStatus::TooManyHandles => "too_many_handles",
            MbStatus::StateFailed => "state_failed",
            MbStatus::InvalidTime => "invalid_time",
            MbStatus::InvalidState => "invalid_state",
            MbStatus::QueueFull => "queue_full",
            MbStatus::QueueEmpty => "queue_empty",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_numbers_are_dense() {
        for (index, status) in MbStatus::ALL.iter().enumerate() {
            assert_eq!(*status as i32, index as i32, "{}", status.as_str());
        }
    }
}
