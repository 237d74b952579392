//! Exports that feed the account into a guard: snapshots, new deals and the deal history.
//!
//! These run on every tick and allocate nothing, except a history load, which collects its
//! deals until `mb_guard_history_end`.

use super::abi::{MbDeal, MbDecision, MbSnapshot};
use super::session::with_guard;
use super::{convert, records, Failure, MbHandle, MbStatus};
use crate::account::ShortText;
use crate::compliance::Reason;
use crate::ffi_fail;
use crate::guard::{Guard, HistoryEnd};
use std::ffi::c_char;

/// Feeds an account snapshot and writes the decision.
///
/// Returns `MB_STATUS_NOT_FINITE` when a number is NaN or infinite: the engine still receives
/// the snapshot, blocks trading, and `decision` is written. Returns `MB_STATUS_INVALID_ARGUMENT`
/// for a flag other than 0 or 1, a negative count or a non-zero reserved field, and
/// `MB_STATUS_INVALID_TIME` for a time the server clock cannot convert. Those two never reach
/// the engine, and `decision` is not written.
///
/// # Safety
///
/// `snapshot` is null or a readable `MbSnapshot`; `decision` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_feed_snapshot(
    handle: MbHandle,
    snapshot: *const MbSnapshot,
    decision: *mut MbDecision,
) -> MbStatus {
    with_guard(handle, "mb_guard_feed_snapshot", |guard| {
        // SAFETY: the caller passes null or a readable MbSnapshot.
        let input = unsafe { convert::read_in(snapshot, "snapshot") }?;
        convert::require_out(decision, "decision")?;
        let clock = guard.server_clock();
        let converted = records::snapshot(clock, &input);
        let out = match converted {
            Ok(snapshot) => guard.on_snapshot(&snapshot),
            Err(failure) => {
                guard.reject_input(Reason::InvalidEquity);
                return Err(failure);
            }
        };
        // SAFETY: the caller passes a writable MbDecision, checked not null above.
        unsafe { convert::write_out(decision, records::decision(clock, out), "decision") }?;
        finite(records::snapshot_is_finite(&input), "snapshot")
    })
}

/// Feeds a new deal (from `OnTradeTransaction`) with its symbol and comment in UTF-16, and
/// writes the decision.
///
/// `comment` may be null (no comment) and is cut to 32 bytes. Statuses as for
/// [`mb_guard_feed_snapshot`], plus the text statuses for `symbol` and `comment`.
///
/// # Safety
///
/// `deal` is null or a readable `MbDeal`; `symbol` and `comment` are null or NUL-terminated
/// UTF-16; `decision` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_feed_deal_utf16(
    handle: MbHandle,
    deal: *const MbDeal,
    symbol: *const u16,
    comment: *const u16,
    decision: *mut MbDecision,
) -> MbStatus {
    with_guard(handle, "mb_guard_feed_deal_utf16", |guard| {
        // SAFETY: the caller passes null or NUL-terminated UTF-16 strings.
        let symbol = unsafe { convert::utf16_short(symbol, "symbol") }?;
        // SAFETY: as above.
        let comment = unsafe { convert::utf16_comment(comment, "comment") }?;
        // SAFETY: forwarded from this export's contract.
        unsafe { feed_deal(guard, deal, symbol, comment, decision) }
    })
}

/// Feeds a new deal as [`mb_guard_feed_deal_utf16`] does, with UTF-8 text.
///
/// # Safety
///
/// `deal` is null or a readable `MbDeal`; `symbol` and `comment` are null or NUL-terminated
/// UTF-8; `decision` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_feed_deal_utf8(
    handle: MbHandle,
    deal: *const MbDeal,
    symbol: *const c_char,
    comment: *const c_char,
    decision: *mut MbDecision,
) -> MbStatus {
    with_guard(handle, "mb_guard_feed_deal_utf8", |guard| {
        // SAFETY: the caller passes null or NUL-terminated UTF-8 strings.
        let symbol = unsafe { convert::utf8_short(symbol, "symbol") }?;
        // SAFETY: as above.
        let comment = unsafe { convert::utf8_comment(comment, "comment") }?;
        // SAFETY: forwarded from this export's contract.
        unsafe { feed_deal(guard, deal, symbol, comment, decision) }
    })
}

/// Starts a deal history load that lists every deal from server time `covered_from_ms` on
/// (at least from the start of the firm's current day and week). `account_start_ms` is the
/// server time the account opened with the initial capital, or 0 when unknown; the firm day
/// containing it is day one. A load already in progress is discarded.
#[no_mangle]
pub extern "C" fn mb_guard_history_begin(
    handle: MbHandle,
    covered_from_ms: i64,
    account_start_ms: i64,
) -> MbStatus {
    with_guard(handle, "mb_guard_history_begin", |guard| {
        let clock = guard.server_clock();
        let covered_from_ms = records::utc_from_server(clock, covered_from_ms, "covered_from_ms")?;
        let account_start_ms = match account_start_ms {
            0 => None,
            start => Some(records::utc_from_server(clock, start, "account_start_ms")?),
        };
        guard.begin_history(covered_from_ms, account_start_ms);
        Ok(())
    })
}

/// Adds one deal of the history, with its symbol and comment in UTF-16.
///
/// Returns `MB_STATUS_INVALID_STATE` without a load in progress, and the statuses of
/// [`mb_guard_feed_deal_utf16`] for the deal and its text. A deal with a NaN or infinite
/// amount is still added, and the engine blocks trading when the load finishes.
///
/// # Safety
///
/// `deal` is null or a readable `MbDeal`; `symbol` and `comment` are null or NUL-terminated
/// UTF-16.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_history_add_utf16(
    handle: MbHandle,
    deal: *const MbDeal,
    symbol: *const u16,
    comment: *const u16,
) -> MbStatus {
    with_guard(handle, "mb_guard_history_add_utf16", |guard| {
        // SAFETY: the caller passes null or NUL-terminated UTF-16 strings.
        let symbol = unsafe { convert::utf16_short(symbol, "symbol") }?;
        // SAFETY: as above.
        let comment = unsafe { convert::utf16_comment(comment, "comment") }?;
        // SAFETY: forwarded from this export's contract.
        unsafe { add_history_deal(guard, deal, symbol, comment) }
    })
}

/// Adds one deal of the history as [`mb_guard_history_add_utf16`] does, with UTF-8 text.
///
/// # Safety
///
/// `deal` is null or a readable `MbDeal`; `symbol` and `comment` are null or NUL-terminated
/// UTF-8.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_history_add_utf8(
    handle: MbHandle,
    deal: *const MbDeal,
    symbol: *const c_char,
    comment: *const c_char,
) -> MbStatus {
    with_guard(handle, "mb_guard_history_add_utf8", |guard| {
        // SAFETY: the caller passes null or NUL-terminated UTF-8 strings.
        let symbol = unsafe { convert::utf8_short(symbol, "symbol") }?;
        // SAFETY: as above.
        let comment = unsafe { convert::utf8_comment(comment, "comment") }?;
        // SAFETY: forwarded from this export's contract.
        unsafe { add_history_deal(guard, deal, symbol, comment) }
    })
}

/// Finishes the history load: the engine rebuilds the day anchor from the deals and the
/// account's figures at server time `time_ms`, and `decision` receives the result.
///
/// Returns `MB_STATUS_INVALID_STATE` without a load in progress, `MB_STATUS_INVALID_ARGUMENT`
/// for a negative `open_positions`, and `MB_STATUS_NOT_FINITE` (with the engine blocking and
/// `decision` written) for a NaN or infinite balance or equity.
///
/// # Safety
///
/// `decision` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_history_end(
    handle: MbHandle,
    time_ms: i64,
    balance: f64,
    equity: f64,
    open_positions: i32,
    decision: *mut MbDecision,
) -> MbStatus {
    with_guard(handle, "mb_guard_history_end", |guard| {
        convert::require_out(decision, "decision")?;
        let clock = guard.server_clock();
        let now = HistoryEnd {
            time_ms: records::utc_from_server(clock, time_ms, "time_ms")?,
            balance,
            equity,
            open_positions: records::count(open_positions, "open_positions")?,
        };
        let out = guard
            .finish_history(now)
            .map_err(|error| ffi_fail!(MbStatus::InvalidState, "{error}"))?;
        // SAFETY: the caller passes a writable MbDecision, checked not null above.
        unsafe { convert::write_out(decision, records::decision(clock, out), "decision") }?;
        finite(
            balance.is_finite() && equity.is_finite(),
            "balance or equity",
        )
    })
}

/// Advances the guard's clock to server time `time_ms` without a snapshot (call it from a
/// timer), so a stale feed or a day reset is noticed when no tick arrives, and writes the
/// decision.
///
/// # Safety
///
/// `decision` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_feed_time(
    handle: MbHandle,
    time_ms: i64,
    decision: *mut MbDecision,
) -> MbStatus {
    with_guard(handle, "mb_guard_feed_time", |guard| {
        convert::require_out(decision, "decision")?;
        let clock = guard.server_clock();
        let out = guard.on_time(records::utc_from_server(clock, time_ms, "time_ms")?);
        // SAFETY: the caller passes a writable MbDecision, checked not null above.
        unsafe { convert::write_out(decision, records::decision(clock, out), "decision") }
    })
}

/// Converts and feeds one new deal.
///
/// # Safety
///
/// `deal` is null or a readable `MbDeal`; `decision` is null or writable.
unsafe fn feed_deal(
    guard: &mut Guard,
    deal: *const MbDeal,
    symbol: ShortText,
    comment: ShortText,
    decision: *mut MbDecision,
) -> Result<(), Failure> {
    // SAFETY: forwarded from this function's contract.
    let input = unsafe { convert::read_in(deal, "deal") }?;
    convert::require_out(decision, "decision")?;
    let clock = guard.server_clock();
    let out = match records::deal(clock, &input, symbol, comment) {
        Ok(deal) => guard.on_deal(&deal),
        Err(failure) => {
            guard.reject_input(Reason::InvalidDeal);
            return Err(failure);
        }
    };
    // SAFETY: forwarded from this function's contract, and checked not null above.
    unsafe { convert::write_out(decision, records::decision(clock, out), "decision") }?;
    finite(records::deal_is_finite(&input), "deal")
}

/// Converts one history deal and adds it to the load in progress.
///
/// # Safety
///
/// `deal` is null or a readable `MbDeal`.
unsafe fn add_history_deal(
    guard: &mut Guard,
    deal: *const MbDeal,
    symbol: ShortText,
    comment: ShortText,
) -> Result<(), Failure> {
    // SAFETY: forwarded from this function's contract.
    let input = unsafe { convert::read_in(deal, "deal") }?;
    let deal = records::deal(guard.server_clock(), &input, symbol, comment)?;
    guard
        .add_history_deal(deal)
        .map_err(|error| ffi_fail!(MbStatus::InvalidState, "{error}"))?;
    finite(records::deal_is_finite(&input), "deal")
}

/// Fails with `MB_STATUS_NOT_FINITE` when an input number was NaN or infinite.
pub(crate) fn finite(all_finite: bool, name: &str) -> Result<(), Failure> {
    if all_finite {
        Ok(())
    } else {
        Err(ffi_fail!(
            MbStatus::NotFinite,
            "{name} holds a NaN or infinite number; trading is blocked until valid figures arrive"
        ))
    }
}
