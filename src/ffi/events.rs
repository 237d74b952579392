//! Exports that hand the EA what the engine raised, and the text of reason codes.

use super::abi::MbEvent;
use super::boundary::call;
use super::last_error::FixedText;
use super::session::with_guard;
use super::{convert, records, Failure, MbHandle, MbStatus};
use crate::compliance::{EngineEvent, Reason};
use crate::time::ServerClock;
use std::fmt::Write;

/// Takes the oldest pending event of the guard and writes it to `event`, with a one-line
/// message for the operator in UTF-16 into `message` of `capacity` units.
///
/// `needed` receives the message length with its terminator. `written` receives 1 when an
/// event was taken and 0 when none was pending.
///
/// The event is taken even when the message does not fit: the call then returns
/// `MB_STATUS_BUFFER_TOO_SMALL` with the event written and the message cut. `message` may be
/// null when `capacity` is 0.
///
/// # Safety
///
/// `event`, `needed` and `written` are null or writable; `message` is null or writable for
/// `capacity` units.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_poll_event_utf16(
    handle: MbHandle,
    event: *mut MbEvent,
    message: *mut u16,
    capacity: u32,
    needed: *mut u32,
    written: *mut i32,
) -> MbStatus {
    with_guard(handle, "mb_guard_poll_event_utf16", |guard| {
        convert::require_out(event, "event")?;
        convert::require_out(written, "written")?;
        if capacity > 0 {
            convert::require_out(message, "message")?;
        }
        let clock = guard.server_clock();
        let Some(taken) = guard.pop_event() else {
            // SAFETY: the caller passes writable pointers, checked not null above.
            unsafe { convert::write_out(written, 0, "written") }?;
            // SAFETY: as above; the empty text always fits a capacity above zero.
            return unsafe { convert::utf16_out("", message, capacity, needed) };
        };
        // SAFETY: as above.
        unsafe { convert::write_out(event, records::event(clock, &taken), "event") }?;
        // SAFETY: as above.
        unsafe { convert::write_out(written, 1, "written") }?;
        let text = describe(clock, &taken);
        // SAFETY: the caller passes `message` writable for `capacity` units, and `needed`.
        unsafe { convert::utf16_out(text.as_str(), message, capacity, needed) }
    })
}

/// Writes the sentence describing an `MB_REASON_*` code (what happened and what the EA does)
/// into `buffer` as UTF-16.
///
/// Returns `MB_STATUS_INVALID_ARGUMENT` for a code no reason has.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` units; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_reason_describe_utf16(
    reason: i32,
    buffer: *mut u16,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    call("mb_reason_describe_utf16", || {
        let text = reason_text(reason)?.describe();
        // SAFETY: forwarded from this export's contract.
        unsafe { convert::utf16_out(text, buffer, capacity, needed) }
    })
}

/// Writes the sentence describing an `MB_REASON_*` code into `buffer` as UTF-8.
///
/// # Safety
///
/// `buffer` is null or writable for `capacity` bytes; `needed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_reason_describe_utf8(
    reason: i32,
    buffer: *mut std::ffi::c_char,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    call("mb_reason_describe_utf8", || {
        let text = reason_text(reason)?.describe();
        // SAFETY: forwarded from this export's contract.
        unsafe { convert::utf8_out(text, buffer, capacity, needed) }
    })
}

fn reason_text(reason: i32) -> Result<Reason, Failure> {
    Reason::from_i32(reason).ok_or_else(|| {
        crate::ffi_fail!(
            MbStatus::InvalidArgument,
            "reason code {reason} is not a known reason"
        )
    })
}

/// Formats the operator message of an event without allocating.
fn describe(clock: ServerClock, event: &EngineEvent) -> FixedText {
    let mut text = FixedText::new();
    let time = records::server_from_utc(clock, event.time_ms());
    let stamp =
        chrono::DateTime::from_timestamp_millis(time).map(|time| time.format("%Y.%m.%d %H:%M:%S"));
    if let Some(stamp) = stamp {
        let _ = write!(text, "{stamp} server time: ");
    }
    let _ = match *event {
        EngineEvent::Breached { rule, breach } => write!(
            text,
            "{rule} breached: equity {:.2} below floor {:.2}{}",
            breach.equity,
            breach.floor,
            if breach.hard {
                "; the account has failed"
            } else {
                ""
            }
        ),
        EngineEvent::Warning {
            rule,
            equity,
            floor,
            used_share,
            ..
        } => write!(
            text,
            "{rule} warning: {:.0}% of the limit used, equity {equity:.2}, floor {floor:.2}",
            used_share * 100.0
        ),
        EngineEvent::BufferEntered {
            rule,
            equity,
            floor,
            ..
        } => write!(
            text,
            "{rule} safety buffer entered: equity {equity:.2}, floor {floor:.2}; closing all"
        ),
        EngineEvent::Lifted { rule, .. } => write!(text, "{rule} lock lifted at the day reset"),
        EngineEvent::Blocked {
            verdict, reason, ..
        } => {
            write!(text, "{verdict} ({reason}): {}", reason.describe())
        }
        EngineEvent::Unblocked { previous, .. } => {
            write!(text, "trading allowed again; the block was {previous}")
        }
        EngineEvent::DayReset { day, anchor, .. } => {
            write!(text, "new trading day {day}, day-start balance {anchor:.2}")
        }
        EngineEvent::GoalMet { rule, .. } => write!(text, "{rule} met"),
        EngineEvent::XpwsActivated(activation) => write!(
            text,
            "{} entered XPWS mode: week profit {:.2} on week-start balance {:.2}",
            activation.symbol, activation.week_profit, activation.week_start_balance
        ),
    };
    text
}
