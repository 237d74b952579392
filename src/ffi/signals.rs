//! Exports for the signal queue and the latency tracker: push a signal, pop the next one,
//! record a latency sample, and read a stage's summary.
//!
//! None of them allocates or blocks. The queue's single consumer lives inside the guard, so a
//! pop goes through the guard's try-lock like every other call on the handle, and a push from
//! a second thread at the same moment returns `MB_STATUS_BUSY` instead of waiting.

use super::abi::{MbLatencySummary, MbSignal};
use super::convert;
use super::records::{self, server_from_utc, utc_from_server};
use super::session::with_guard;
use super::{Failure, MbHandle, MbStatus};
use crate::account::Symbol;
use crate::ffi_fail;
use crate::guard::Guard;
use crate::latency::{Stage, StageSummary};
use crate::queue::{PushError, Signal};
use std::ffi::c_char;

/// `MbLatencySummary.stage` and the `stage` argument: signal created to signal taken by the
/// executor.
pub const MB_STAGE_SIGNAL: i32 = 0;
/// `MbLatencySummary.stage` and the `stage` argument: order sent to result received.
pub const MB_STAGE_EXECUTION: i32 = 1;

/// Capacity in code units, terminator included, that fits any symbol in UTF-8 or UTF-16.
/// [`mb_signal_pop_utf16`] and [`mb_signal_pop_utf8`] require at least this much.
pub const MB_SYMBOL_CAPACITY: u32 = 33;

/// Queues a signal for the executor, with its symbol in UTF-16, without blocking.
///
/// Returns `MB_STATUS_QUEUE_FULL` when the signal's priority level is full: nothing was queued
/// and the signal stays the caller's. These statuses queue nothing either:
/// `MB_STATUS_NOT_FINITE` for a NaN or infinite price or volume, `MB_STATUS_INVALID_ARGUMENT` for
/// a negative volume, a side other than 0 or 1 or a priority outside the queue's levels, and
/// `MB_STATUS_INVALID_TIME` for a time the server clock cannot convert.
///
/// # Safety
///
/// `signal` is null or a readable `MbSignal`; `symbol` is null or NUL-terminated UTF-16.
#[no_mangle]
pub unsafe extern "C" fn mb_signal_push_utf16(
    handle: MbHandle,
    signal: *const MbSignal,
    symbol: *const u16,
) -> MbStatus {
    with_guard(handle, "mb_signal_push_utf16", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-16 string.
        let symbol = unsafe { convert::utf16_short(symbol, "symbol") }?;
        // SAFETY: the caller passes null or a readable MbSignal.
        let input = unsafe { convert::read_in(signal, "signal") }?;
        push(guard, &input, symbol)
    })
}

/// Queues a signal as [`mb_signal_push_utf16`] does, with a UTF-8 symbol.
///
/// # Safety
///
/// `signal` is null or a readable `MbSignal`; `symbol` is null or NUL-terminated UTF-8.
#[no_mangle]
pub unsafe extern "C" fn mb_signal_push_utf8(
    handle: MbHandle,
    signal: *const MbSignal,
    symbol: *const c_char,
) -> MbStatus {
    with_guard(handle, "mb_signal_push_utf8", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-8 string.
        let symbol = unsafe { convert::utf8_short(symbol, "symbol") }?;
        // SAFETY: the caller passes null or a readable MbSignal.
        let input = unsafe { convert::read_in(signal, "signal") }?;
        push(guard, &input, symbol)
    })
}

/// Takes the next signal (the oldest of the highest non-empty priority level) and writes it
/// to `signal`, with its symbol in UTF-16 into `symbol` of `capacity` units.
///
/// Returns `MB_STATUS_QUEUE_EMPTY` when no signal is queued, and `MB_STATUS_BUFFER_TOO_SMALL`
/// when `capacity` is below `MB_SYMBOL_CAPACITY`; neither takes a signal or writes `signal`.
/// `needed` receives the symbol's length with its terminator (`MB_SYMBOL_CAPACITY` when the
/// buffer is too small).
///
/// # Safety
///
/// `signal` and `needed` are null or writable; `symbol` is null or writable for `capacity`
/// units.
#[no_mangle]
pub unsafe extern "C" fn mb_signal_pop_utf16(
    handle: MbHandle,
    signal: *mut MbSignal,
    symbol: *mut u16,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_signal_pop_utf16", |guard| {
        // SAFETY: forwarded from this export's contract.
        let popped = unsafe { pop(guard, signal, symbol.cast(), capacity, needed) }?;
        // SAFETY: `symbol` is writable for `capacity` units, checked not null in `pop`.
        unsafe { convert::utf16_out(popped.as_str(), symbol, capacity, needed) }
    })
}

/// Takes the next signal as [`mb_signal_pop_utf16`] does, with the symbol in UTF-8 and
/// `capacity` and `needed` in bytes.
///
/// # Safety
///
/// `signal` and `needed` are null or writable; `symbol` is null or writable for `capacity`
/// bytes.
#[no_mangle]
pub unsafe extern "C" fn mb_signal_pop_utf8(
    handle: MbHandle,
    signal: *mut MbSignal,
    symbol: *mut c_char,
    capacity: u32,
    needed: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_signal_pop_utf8", |guard| {
        // SAFETY: forwarded from this export's contract.
        let popped = unsafe { pop(guard, signal, symbol.cast(), capacity, needed) }?;
        // SAFETY: `symbol` is writable for `capacity` bytes, checked not null in `pop`.
        unsafe { convert::utf8_out(popped.as_str(), symbol, capacity, needed) }
    })
}

/// Records one latency sample of a stage (`MB_STAGE_*`), in microseconds, at server time
/// `time_ms`, which selects the slice of the recent window.
///
/// These statuses record nothing: `MB_STATUS_NOT_FINITE` for a NaN or infinite latency,
/// `MB_STATUS_INVALID_ARGUMENT` for a negative latency or an unknown stage, and
/// `MB_STATUS_INVALID_TIME` for a time the server clock cannot convert or one further ahead of
/// the account's clock (the latest snapshot or timer time) than `safety.max_ahead_ms`. A fraction of a microsecond
/// is rounded to the nearest one, and a latency above the trackable range (about 67 s) counts
/// as saturated.
#[no_mangle]
pub extern "C" fn mb_latency_record(
    handle: MbHandle,
    stage: i32,
    latency_us: f64,
    time_ms: i64,
) -> MbStatus {
    with_guard(handle, "mb_latency_record", |guard| {
        let stage = stage_of(stage)?;
        if !latency_us.is_finite() {
            return Err(ffi_fail!(
                MbStatus::NotFinite,
                "latency_us is {latency_us}; pass the measured latency in microseconds"
            ));
        }
        if latency_us < 0.0 {
            return Err(ffi_fail!(
                MbStatus::InvalidArgument,
                "latency_us {latency_us} is negative; pass the end time minus the start time"
            ));
        }
        let at_ms = utc_from_server(guard.server_clock(), time_ms, "time_ms")?;
        // `as` saturates, so a latency beyond u64 lands in the saturated count.
        guard
            .record_latency(stage, latency_us.round() as u64, at_ms)
            .map_err(|error| ffi_fail!(MbStatus::InvalidTime, "{error}"))
    })
}

/// Writes a stage's summary (`MB_STAGE_*`) over every sample into `cumulative`, and over the
/// recent window ending at server time `now_ms` into `window`.
///
/// Returns `MB_STATUS_INVALID_ARGUMENT` for an unknown stage and `MB_STATUS_INVALID_TIME` for a
/// time the server clock cannot convert.
///
/// # Safety
///
/// `cumulative` and `window` are null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_latency_summary(
    handle: MbHandle,
    stage: i32,
    now_ms: i64,
    cumulative: *mut MbLatencySummary,
    window: *mut MbLatencySummary,
) -> MbStatus {
    with_guard(handle, "mb_latency_summary", |guard| {
        let stage = stage_of(stage)?;
        convert::require_out(cumulative, "cumulative")?;
        convert::require_out(window, "window")?;
        let at_ms = utc_from_server(guard.server_clock(), now_ms, "now_ms")?;
        let report = guard.latency().stage_report(stage, at_ms);
        let whole = summary(stage, now_ms, false, &report.cumulative);
        let recent = summary(stage, now_ms, true, &report.window);
        // SAFETY: the caller passes writable pointers, checked not null above.
        unsafe { convert::write_out(cumulative, whole, "cumulative") }?;
        // SAFETY: as above.
        unsafe { convert::write_out(window, recent, "window") }
    })
}

/// Checks and converts one signal, then queues it.
fn push(guard: &mut Guard, input: &MbSignal, symbol: Symbol) -> Result<(), Failure> {
    let signal = signal_in(guard, input, symbol)?;
    guard.push_signal(signal).map_err(|error| match error {
        PushError::Full(_) => ffi_fail!(
            MbStatus::QueueFull,
            "the signal queue is full at priority {}; retry later or drop the signal",
            input.priority
        ),
        PushError::InvalidPriority {
            priority, levels, ..
        } => ffi_fail!(
            MbStatus::InvalidArgument,
            "signal priority {priority} is out of range; use a priority below {levels}"
        ),
        PushError::Closed(_) => ffi_fail!(
            MbStatus::InvalidState,
            "the signal queue is closed; close the handle and open a new one"
        ),
    })
}

/// Converts an `MbSignal` into a [`Signal`], rejecting values the executor cannot act on.
fn signal_in(guard: &Guard, input: &MbSignal, symbol: Symbol) -> Result<Signal, Failure> {
    let prices = [
        input.volume,
        input.price,
        input.stop_loss,
        input.take_profit,
    ];
    if !prices.iter().all(|value| value.is_finite()) {
        return Err(ffi_fail!(
            MbStatus::NotFinite,
            "signal {} holds a NaN or infinite volume or price; nothing was queued",
            input.id
        ));
    }
    if input.volume < 0.0 {
        return Err(ffi_fail!(
            MbStatus::InvalidArgument,
            "signal {} volume {} is negative; pass the volume in lots",
            input.id,
            input.volume
        ));
    }
    let side = records::side(input.side, "signal side")?;
    let priority = u8::try_from(input.priority).map_err(|_| {
        ffi_fail!(
            MbStatus::InvalidArgument,
            "signal priority {} is out of range; use a priority below {}",
            input.priority,
            guard.signal_queue().levels()
        )
    })?;
    Ok(Signal {
        id: input.id,
        time_ms: utc_from_server(guard.server_clock(), input.time_ms, "signal time_ms")?,
        created_us: input.created_us,
        symbol,
        side,
        priority,
        volume: input.volume,
        price: input.price,
        stop_loss: input.stop_loss,
        take_profit: input.take_profit,
    })
}

/// Checks the outputs, takes the next signal and writes it; returns its symbol for the caller
/// to encode.
///
/// # Safety
///
/// `signal` and `needed` are null or writable; `symbol` is null or writable for `capacity`
/// code units.
unsafe fn pop(
    guard: &mut Guard,
    signal: *mut MbSignal,
    symbol: *mut u8,
    capacity: u32,
    needed: *mut u32,
) -> Result<Symbol, Failure> {
    convert::require_out(signal, "signal")?;
    if capacity < MB_SYMBOL_CAPACITY {
        if !needed.is_null() {
            // SAFETY: the caller passes null or a writable u32, checked not null here.
            unsafe { convert::write_out(needed, MB_SYMBOL_CAPACITY, "needed") }?;
        }
        return Err(ffi_fail!(
            MbStatus::BufferTooSmall,
            "the symbol buffer holds {capacity} code units but a symbol may need \
             {MB_SYMBOL_CAPACITY}; no signal was taken"
        ));
    }
    convert::require_out(symbol, "symbol")?;
    let Some(next) = guard.pop_signal() else {
        return Err(ffi_fail!(MbStatus::QueueEmpty, "the signal queue is empty"));
    };
    let out = MbSignal {
        id: next.id,
        time_ms: server_from_utc(guard.server_clock(), next.time_ms),
        created_us: next.created_us,
        volume: next.volume,
        price: next.price,
        stop_loss: next.stop_loss,
        take_profit: next.take_profit,
        side: next.side as i32,
        priority: i32::from(next.priority),
    };
    // SAFETY: the caller passes a writable MbSignal, checked not null above.
    unsafe { convert::write_out(signal, out, "signal") }?;
    Ok(next.symbol)
}

fn stage_of(code: i32) -> Result<Stage, Failure> {
    Stage::from_i32(code).ok_or_else(|| {
        ffi_fail!(
            MbStatus::InvalidArgument,
            "latency stage {code} is unknown; use MB_STAGE_SIGNAL (0) or MB_STAGE_EXECUTION (1)"
        )
    })
}

fn summary(stage: Stage, now_ms: i64, window: bool, from: &StageSummary) -> MbLatencySummary {
    MbLatencySummary {
        count: from.count,
        p50_us: from.p50_us,
        p90_us: from.p90_us,
        p99_us: from.p99_us,
        p999_us: from.p999_us,
        max_us: from.max_us,
        mean_us: from.mean_us,
        under_target_share: from.under_target_share,
        target_us: from.target_us,
        saturated: from.saturated,
        time_ms: now_ms,
        stage: stage as i32,
        window: i32::from(window),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::SHORT_TEXT_CAPACITY;

    #[test]
    fn stage_codes_match_enum() {
        assert_eq!(Stage::Signal as i32, MB_STAGE_SIGNAL);
        assert_eq!(Stage::Execution as i32, MB_STAGE_EXECUTION);
        assert_eq!(Stage::ALL.len(), 2);
    }

    #[test]
    fn symbol_capacity_fits_longest_symbol() {
        let longest = "S".repeat(SHORT_TEXT_CAPACITY);
        assert_eq!(longest.len() + 1, MB_SYMBOL_CAPACITY as usize);
        assert_eq!(
            longest.encode_utf16().count() + 1,
            MB_SYMBOL_CAPACITY as usize
        );
    }
}
