//! Exports that read what a guard decided: the pre-trade check, the current decision, the
//! rules' floors and room, and the XPWS mode of a symbol.

use super::abi::{MbDecision, MbOrderIntent, MbPreTrade, MbRuleReport};
use super::account::finite;
use super::session::with_guard;
use super::{convert, records, Failure, MbHandle, MbStatus};
use crate::account::ShortText;
use crate::guard::Guard;
use std::ffi::c_char;

/// Checks an order intent before it is sent, with its symbol in UTF-16, and writes the answer:
/// allowed or not, the reason, and the largest volume the floors allow.
///
/// Returns `MB_STATUS_NOT_FINITE` when a number is NaN or infinite (the answer, written, then
/// rejects the order) and `MB_STATUS_INVALID_ARGUMENT` for a side other than 0 or 1.
///
/// # Safety
///
/// `intent` is null or a readable `MbOrderIntent`; `symbol` is null or NUL-terminated UTF-16;
/// `result` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_check_order_utf16(
    handle: MbHandle,
    intent: *const MbOrderIntent,
    symbol: *const u16,
    result: *mut MbPreTrade,
) -> MbStatus {
    with_guard(handle, "mb_guard_check_order_utf16", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-16 string.
        let symbol = unsafe { convert::utf16_short(symbol, "symbol") }?;
        // SAFETY: forwarded from this export's contract.
        unsafe { check_order(guard, intent, symbol, result) }
    })
}

/// Checks an order intent as [`mb_guard_check_order_utf16`] does, with a UTF-8 symbol.
///
/// # Safety
///
/// `intent` is null or a readable `MbOrderIntent`; `symbol` is null or NUL-terminated UTF-8;
/// `result` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_check_order_utf8(
    handle: MbHandle,
    intent: *const MbOrderIntent,
    symbol: *const c_char,
    result: *mut MbPreTrade,
) -> MbStatus {
    with_guard(handle, "mb_guard_check_order_utf8", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-8 string.
        let symbol = unsafe { convert::utf8_short(symbol, "symbol") }?;
        // SAFETY: forwarded from this export's contract.
        unsafe { check_order(guard, intent, symbol, result) }
    })
}

/// Writes the current decision: may trade, close all, or blocked, with its reason.
///
/// # Safety
///
/// `decision` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_decision(
    handle: MbHandle,
    decision: *mut MbDecision,
) -> MbStatus {
    with_guard(handle, "mb_guard_decision", |guard| {
        let out = records::decision(guard.server_clock(), guard.decision());
        // SAFETY: the caller passes null or a writable MbDecision.
        unsafe { convert::write_out(decision, out, "decision") }
    })
}

/// Writes each rule's report into `reports`, an array of `capacity` elements, and the number
/// of rules into `count`.
///
/// Returns `MB_STATUS_BUFFER_TOO_SMALL` when `capacity` is below the number of rules; the
/// first `capacity` reports are written. `reports` may be null when `capacity` is 0.
///
/// # Safety
///
/// `reports` is null or writable for `capacity` elements; `count` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_rules(
    handle: MbHandle,
    reports: *mut MbRuleReport,
    capacity: u32,
    count: *mut u32,
) -> MbStatus {
    with_guard(handle, "mb_guard_rules", |guard| {
        let rules = guard.rules();
        let total = u32::try_from(rules.len()).unwrap_or(u32::MAX);
        // SAFETY: the caller passes null or a writable u32.
        unsafe { convert::write_out(count, total, "count") }?;
        if capacity > 0 {
            convert::require_out(reports, "reports")?;
        }
        let clock = guard.server_clock();
        for (index, report) in rules.iter().take(capacity as usize).enumerate() {
            // SAFETY: `index < capacity`, and the caller's array holds `capacity` elements.
            unsafe { convert::write_element(reports, index, records::rule_report(clock, report)) };
        }
        if capacity < total {
            return Err(crate::ffi_fail!(
                MbStatus::BufferTooSmall,
                "the reports array holds {capacity} elements but there are {total} rules"
            ));
        }
        Ok(())
    })
}

/// Writes the XPWS mode of a symbol (`MB_XPWS_*`) and its take-profit ratio in multiples of
/// the risk distance (1 normally, 2 in XPWS mode, as configured), with the symbol in UTF-16.
///
/// # Safety
///
/// `symbol` is null or NUL-terminated UTF-16; `mode` and `take_profit_ratio` are null or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_xpws_utf16(
    handle: MbHandle,
    symbol: *const u16,
    mode: *mut i32,
    take_profit_ratio: *mut f64,
) -> MbStatus {
    with_guard(handle, "mb_guard_xpws_utf16", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-16 string.
        let symbol = unsafe { convert::utf16_short(symbol, "symbol") }?;
        // SAFETY: forwarded from this export's contract.
        unsafe { xpws(guard, symbol, mode, take_profit_ratio) }
    })
}

/// Writes the XPWS mode and take-profit ratio as [`mb_guard_xpws_utf16`] does, with a UTF-8
/// symbol.
///
/// # Safety
///
/// `symbol` is null or NUL-terminated UTF-8; `mode` and `take_profit_ratio` are null or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mb_guard_xpws_utf8(
    handle: MbHandle,
    symbol: *const c_char,
    mode: *mut i32,
    take_profit_ratio: *mut f64,
) -> MbStatus {
    with_guard(handle, "mb_guard_xpws_utf8", |guard| {
        // SAFETY: the caller passes null or a NUL-terminated UTF-8 string.
        let symbol = unsafe { convert::utf8_short(symbol, "symbol") }?;
        // SAFETY: forwarded from this export's contract.
        unsafe { xpws(guard, symbol, mode, take_profit_ratio) }
    })
}

/// Converts and checks one order intent.
///
/// # Safety
///
/// `intent` is null or a readable `MbOrderIntent`; `result` is null or writable.
unsafe fn check_order(
    guard: &mut Guard,
    intent: *const MbOrderIntent,
    symbol: ShortText,
    result: *mut MbPreTrade,
) -> Result<(), Failure> {
    // SAFETY: forwarded from this function's contract.
    let input = unsafe { convert::read_in(intent, "intent") }?;
    convert::require_out(result, "result")?;
    let intent = records::order_intent(guard.server_clock(), &input, symbol)?;
    let out = records::pre_trade(guard.check_order(&intent));
    // SAFETY: forwarded from this function's contract, and checked not null above.
    unsafe { convert::write_out(result, out, "result") }?;
    finite(records::order_intent_is_finite(&input), "order intent")
}

/// Writes the XPWS figures of one symbol.
///
/// # Safety
///
/// `mode` and `take_profit_ratio` are null or writable.
unsafe fn xpws(
    guard: &Guard,
    symbol: ShortText,
    mode: *mut i32,
    take_profit_ratio: *mut f64,
) -> Result<(), Failure> {
    convert::require_out(mode, "mode")?;
    convert::require_out(take_profit_ratio, "take_profit_ratio")?;
    // SAFETY: forwarded from this function's contract, and checked not null above.
    unsafe { convert::write_out(mode, guard.xpws_mode(&symbol) as i32, "mode") }?;
    let ratio = guard.take_profit_ratio(&symbol);
    // SAFETY: as above.
    unsafe { convert::write_out(take_profit_ratio, ratio, "take_profit_ratio") }
}
