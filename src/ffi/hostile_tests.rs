//! Hostile calls through every export: null pointers, zero and huge capacities, closed and
//! forged handles, one handle from two threads, NaN and infinities, invalid UTF-8 and unpaired
//! UTF-16 surrogates, and a panic forced inside the engine. Each call must return its
//! documented status and leave the process running.

use super::abi::*;
use super::account::*;
use super::events::*;
use super::library::*;
use super::maintenance::*;
use super::session::*;
use super::signals::*;
use super::trading::*;
use super::{MbHandle, MbStatus};
use std::ptr::{null, null_mut};

pub(super) const DAY: i64 = 1_741_046_400_000; // 2025-03-04 00:00 server wall clock, in ms.
pub(super) const HOUR: i64 = 3_600_000;
pub(super) const CONFIG: &str =
    "schema_version = 1\n[rules]\npreset = \"ftmo-2step\"\ninitial_capital = 100000.0\n\0";

pub(super) fn utf16(text: &str) -> Vec<u16> {
    text.encode_utf16().chain([0]).collect()
}

pub(super) fn abi() -> MbAbi {
    MbAbi::current()
}

/// Opens a guard whose history is loaded, so it may trade.
pub(super) fn open_trading() -> (MbHandle, tempfile::TempDir) {
    let (handle, state) = open_guard();
    let decision = load_deposit_history(handle, DAY + 9 * HOUR);
    assert_eq!(decision.verdict, MB_VERDICT_MAY_TRADE);
    (handle, state)
}

/// Opens a guard on a new state directory; it waits for a history before it may trade.
pub(super) fn open_guard() -> (MbHandle, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let dir = format!("{}\0", state.path().display());
    let mut handle = 0;
    // SAFETY: every pointer is valid and every text NUL-terminated.
    let status = unsafe {
        mb_guard_open_utf8(
            &abi(),
            CONFIG.as_ptr().cast(),
            dir.as_ptr().cast(),
            &mut handle,
        )
    };
    assert_eq!(status, MbStatus::Ok);
    (handle, state)
}

/// Loads a history of one deposit of the initial capital, ending at `time_ms`, and returns
/// the decision.
pub(super) fn load_deposit_history(handle: MbHandle, time_ms: i64) -> MbDecision {
    let start = DAY - 23 * HOUR;
    let deposit = MbDeal {
        time_ms: start,
        ticket: 1,
        profit: 100_000.0,
        deal_type: 2,
        ..MbDeal::default()
    };
    let mut decision = MbDecision::default();
    assert_eq!(mb_guard_history_begin(handle, start, start), MbStatus::Ok);
    // SAFETY: valid pointers and NUL-terminated texts.
    let added = unsafe { mb_guard_history_add_utf8(handle, &deposit, c"".as_ptr(), null()) };
    assert_eq!(added, MbStatus::Ok);
    // SAFETY: `decision` is writable.
    let ended = unsafe { mb_guard_history_end(handle, time_ms, 1e5, 1e5, 0, &mut decision) };
    assert_eq!(ended, MbStatus::Ok);
    decision
}

pub(super) fn snapshot(time_ms: i64, equity: f64) -> MbSnapshot {
    MbSnapshot {
        time_ms,
        balance: 100_000.0,
        equity,
        free_margin: equity,
        connected: 1,
        ..MbSnapshot::default()
    }
}

fn intent(time_ms: i64) -> MbOrderIntent {
    MbOrderIntent {
        time_ms,
        volume: 0.5,
        entry_price: 1.08,
        stop_loss: 1.075,
        tick_size: 0.00001,
        tick_value: 1.0,
        commission_per_lot: 7.0,
        ..MbOrderIntent::default()
    }
}

fn trade_signal(id: u64, time_ms: i64, priority: i32) -> MbSignal {
    MbSignal {
        id,
        time_ms,
        created_us: 5_000,
        volume: 0.5,
        price: 1.08,
        stop_loss: 1.075,
        take_profit: 1.09,
        side: 1,
        priority,
    }
}

/// Calls every export that takes a handle, with valid other arguments, and returns each status.
fn call_every_handle_export(handle: MbHandle) -> Vec<(&'static str, MbStatus)> {
    let symbol = utf16("EURUSD");
    let deal = MbDeal {
        time_ms: DAY + 9 * HOUR,
        ticket: 9,
        volume: 0.1,
        price: 1.08,
        ..MbDeal::default()
    };
    let mut decision = MbDecision::default();
    let mut check = MbPreTrade::default();
    let mut reports = [MbRuleReport::default(); 8];
    let (mut count, mut needed, mut written, mut mode, mut ratio) = (0u32, 0u32, 0i32, 0i32, 0.0);
    let mut event = MbEvent::default();
    let mut text = [0u16; 512];
    let mut bytes = [0u8; 64];
    let time = DAY + 9 * HOUR;
    let signal = trade_signal(1, time, 0);
    let mut taken = MbSignal::default();
    let (mut cumulative, mut window) = (MbLatencySummary::default(), MbLatencySummary::default());
    let mut maintenance = MbMaintenanceStatus::default();
    let mut backups = [MbBackupInfo::default(); 4];
    // SAFETY: every pointer below is valid for its type, and every text NUL-terminated.
    unsafe {
        vec![
            (
                "feed_snapshot",
                mb_guard_feed_snapshot(handle, &snapshot(time, 1e5), &mut decision),
            ),
            (
                "feed_deal_utf16",
                mb_guard_feed_deal_utf16(handle, &deal, symbol.as_ptr(), null(), &mut decision),
            ),
            (
                "feed_deal_utf8",
                mb_guard_feed_deal_utf8(handle, &deal, c"EURUSD".as_ptr(), null(), &mut decision),
            ),
            ("feed_time", mb_guard_feed_time(handle, time, &mut decision)),
            ("history_begin", mb_guard_history_begin(handle, time, 0)),
            (
                "history_add_utf16",
                mb_guard_history_add_utf16(handle, &deal, symbol.as_ptr(), null()),
            ),
            (
                "history_add_utf8",
                mb_guard_history_add_utf8(handle, &deal, c"EURUSD".as_ptr(), null()),
            ),
            (
                "history_end",
                mb_guard_history_end(handle, time, 1e5, 1e5, 0, &mut decision),
            ),
            (
                "check_order_utf16",
                mb_guard_check_order_utf16(handle, &intent(time), symbol.as_ptr(), &mut check),
            ),
            (
                "check_order_utf8",
                mb_guard_check_order_utf8(handle, &intent(time), c"EURUSD".as_ptr(), &mut check),
            ),
            ("decision", mb_guard_decision(handle, &mut decision)),
            (
                "rules",
                mb_guard_rules(handle, reports.as_mut_ptr(), 8, &mut count),
            ),
            (
                "xpws_utf16",
                mb_guard_xpws_utf16(handle, symbol.as_ptr(), &mut mode, &mut ratio),
            ),
            (
                "xpws_utf8",
                mb_guard_xpws_utf8(handle, c"EURUSD".as_ptr(), &mut mode, &mut ratio),
            ),
            (
                "poll_event_utf16",
                mb_guard_poll_event_utf16(
                    handle,
                    &mut event,
                    text.as_mut_ptr(),
                    512,
                    &mut needed,
                    &mut written,
                ),
            ),
            (
                "signal_push_utf16",
                mb_signal_push_utf16(handle, &signal, symbol.as_ptr()),
            ),
            (
                "signal_push_utf8",
                mb_signal_push_utf8(handle, &signal, c"EURUSD".as_ptr()),
            ),
            (
                "signal_pop_utf16",
                mb_signal_pop_utf16(handle, &mut taken, text.as_mut_ptr(), 512, &mut needed),
            ),
            (
                "signal_pop_utf8",
                mb_signal_pop_utf8(
                    handle,
                    &mut taken,
                    bytes.as_mut_ptr().cast(),
                    64,
                    &mut needed,
                ),
            ),
            (
                "latency_record",
                mb_latency_record(handle, MB_STAGE_EXECUTION, 1500.0, time),
            ),
            (
                "latency_summary",
                mb_latency_summary(handle, MB_STAGE_SIGNAL, time, &mut cumulative, &mut window),
            ),
            (
                "maintenance_poll",
                mb_maintenance_poll(handle, &mut maintenance),
            ),
            (
                "maintenance_report_utf16",
                mb_maintenance_report_utf16(handle, text.as_mut_ptr(), 512, &mut needed),
            ),
            (
                "backup_list",
                mb_backup_list(handle, backups.as_mut_ptr(), 4, &mut count),
            ),
            ("close", mb_guard_close(handle)),
        ]
    }
}

#[test]
fn forged_and_closed_handles_are_rejected() {
    let (real, _state) = open_trading();
    assert_eq!(mb_guard_close(real), MbStatus::Ok);
    for handle in [
        0,
        1,
        real,
        real | (1 << 63),
        u64::MAX,
        0xDEAD_BEEF_0000_0001,
    ] {
        for (name, status) in call_every_handle_export(handle) {
            assert_eq!(
                status,
                MbStatus::InvalidHandle,
                "{name} with handle {handle:#x}"
            );
        }
    }
}

#[test]
fn every_handle_export_works_on_open_handle() {
    let (handle, _state) = open_trading();
    for (name, status) in call_every_handle_export(handle) {
        assert_eq!(status, MbStatus::Ok, "{name}");
    }
}

#[test]
fn null_pointers_are_rejected() {
    let (handle, _state) = open_trading();
    let symbol = utf16("EURUSD");
    let mut decision = MbDecision::default();
    let mut check = MbPreTrade::default();
    let (mut mode, mut ratio, mut written, mut count) = (0i32, 0.0f64, 0i32, 0u32);
    let mut event = MbEvent::default();
    let deal = MbDeal::default();
    let time = DAY + 9 * HOUR;
    // SAFETY: null is an allowed value for every pointer; the others are valid.
    let statuses = unsafe {
        [
            ("abi_check", mb_abi_check(null())),
            (
                "open_utf8 abi",
                mb_guard_open_utf8(null(), CONFIG.as_ptr().cast(), c".".as_ptr(), &mut 0),
            ),
            (
                "open_utf8 config",
                mb_guard_open_utf8(&abi(), null(), c".".as_ptr(), &mut 0),
            ),
            (
                "open_utf8 dir",
                mb_guard_open_utf8(&abi(), CONFIG.as_ptr().cast(), null(), &mut 0),
            ),
            (
                "open_utf8 handle",
                mb_guard_open_utf8(&abi(), CONFIG.as_ptr().cast(), c".".as_ptr(), null_mut()),
            ),
            (
                "open_utf16 config",
                mb_guard_open_utf16(&abi(), null(), symbol.as_ptr(), &mut 0),
            ),
            (
                "snapshot in",
                mb_guard_feed_snapshot(handle, null(), &mut decision),
            ),
            (
                "snapshot out",
                mb_guard_feed_snapshot(handle, &snapshot(time, 1e5), null_mut()),
            ),
            (
                "deal in",
                mb_guard_feed_deal_utf16(handle, null(), symbol.as_ptr(), null(), &mut decision),
            ),
            (
                "deal symbol",
                mb_guard_feed_deal_utf16(handle, &deal, null(), null(), &mut decision),
            ),
            (
                "deal symbol utf8",
                mb_guard_feed_deal_utf8(handle, &deal, null(), null(), &mut decision),
            ),
            (
                "deal out",
                mb_guard_feed_deal_utf8(handle, &deal, c"X".as_ptr(), null(), null_mut()),
            ),
            (
                "feed_time out",
                mb_guard_feed_time(handle, time, null_mut()),
            ),
            (
                "history_add",
                mb_guard_history_add_utf16(handle, null(), symbol.as_ptr(), null()),
            ),
            (
                "history_end out",
                mb_guard_history_end(handle, time, 1e5, 1e5, 0, null_mut()),
            ),
            (
                "check in",
                mb_guard_check_order_utf16(handle, null(), symbol.as_ptr(), &mut check),
            ),
            (
                "check symbol",
                mb_guard_check_order_utf8(handle, &intent(time), null(), &mut check),
            ),
            (
                "check out",
                mb_guard_check_order_utf16(handle, &intent(time), symbol.as_ptr(), null_mut()),
            ),
            ("decision", mb_guard_decision(handle, null_mut())),
            (
                "rules count",
                mb_guard_rules(handle, null_mut(), 0, null_mut()),
            ),
            (
                "rules array",
                mb_guard_rules(handle, null_mut(), 4, &mut count),
            ),
            (
                "xpws symbol",
                mb_guard_xpws_utf16(handle, null(), &mut mode, &mut ratio),
            ),
            (
                "xpws mode",
                mb_guard_xpws_utf8(handle, c"X".as_ptr(), null_mut(), &mut ratio),
            ),
            (
                "xpws ratio",
                mb_guard_xpws_utf16(handle, symbol.as_ptr(), &mut mode, null_mut()),
            ),
            (
                "poll event",
                mb_guard_poll_event_utf16(
                    handle,
                    null_mut(),
                    null_mut(),
                    0,
                    null_mut(),
                    &mut written,
                ),
            ),
            (
                "poll written",
                mb_guard_poll_event_utf16(
                    handle,
                    &mut event,
                    null_mut(),
                    0,
                    null_mut(),
                    null_mut(),
                ),
            ),
            (
                "poll message",
                mb_guard_poll_event_utf16(
                    handle,
                    &mut event,
                    null_mut(),
                    8,
                    null_mut(),
                    &mut written,
                ),
            ),
            (
                "last_error_utf8",
                mb_last_error_utf8(null_mut(), 16, null_mut()),
            ),
            (
                "last_error_utf16",
                mb_last_error_utf16(null_mut(), 16, null_mut()),
            ),
            (
                "describe_utf16",
                mb_reason_describe_utf16(1, null_mut(), 16, null_mut()),
            ),
            (
                "describe_utf8",
                mb_reason_describe_utf8(1, null_mut(), 16, null_mut()),
            ),
        ]
    };
    for (name, status) in statuses {
        assert_eq!(status, MbStatus::NullPointer, "{name}");
    }
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn zero_and_huge_capacities() {
    let mut needed = 0u32;
    // SAFETY: a null buffer with zero capacity is never written; `needed` is writable.
    let zero = unsafe { mb_reason_describe_utf16(1, null_mut(), 0, &mut needed) };
    assert_eq!(zero, MbStatus::BufferTooSmall);
    assert!(needed > 1);
    let mut buffer = vec![0xABCDu16; needed as usize + 16];
    // SAFETY: the buffer holds more than `needed` units; the huge capacity is only a claim,
    // and the export writes no more than `needed` units.
    let huge = unsafe { mb_reason_describe_utf16(1, buffer.as_mut_ptr(), u32::MAX, &mut needed) };
    assert_eq!(huge, MbStatus::Ok);
    assert_eq!(buffer[needed as usize - 1], 0);
    assert!(buffer[needed as usize..].iter().all(|unit| *unit == 0xABCD));

    let mut bytes = vec![0x55u8; 1024];
    // SAFETY: as above, for UTF-8.
    let huge8 = unsafe { mb_last_error_utf8(bytes.as_mut_ptr().cast(), u32::MAX, &mut needed) };
    assert_eq!(huge8, MbStatus::Ok);
    assert!(bytes[needed as usize..].iter().all(|byte| *byte == 0x55));
    // SAFETY: zero capacity with a null buffer.
    let zero8 = unsafe { mb_last_error_utf16(null_mut(), 0, &mut needed) };
    assert_eq!(zero8, MbStatus::BufferTooSmall);

    let (handle, _state) = open_trading();
    let mut count = 0;
    // SAFETY: zero capacity with a null array; `count` is writable.
    let rules = unsafe { mb_guard_rules(handle, null_mut(), 0, &mut count) };
    assert_eq!(rules, MbStatus::BufferTooSmall);
    assert!(count >= 2);
    let mut one = [MbRuleReport::default(); 1];
    // SAFETY: the array holds one element.
    let short = unsafe { mb_guard_rules(handle, one.as_mut_ptr(), 1, &mut count) };
    assert_eq!(short, MbStatus::BufferTooSmall);
    assert_eq!(one[0].rule, MB_RULE_DAILY_LOSS);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn too_small_message_buffer_still_takes_event() {
    let (handle, _state) = open_trading();
    let mut decision = MbDecision::default();
    // SAFETY: valid pointers.
    unsafe { mb_guard_feed_snapshot(handle, &snapshot(DAY + 10 * HOUR, 94_000.0), &mut decision) };
    assert_eq!(decision.verdict, MB_VERDICT_CLOSE_ALL);
    let (mut event, mut needed, mut written) = (MbEvent::default(), 0u32, 0i32);
    let mut message = [0u16; 4];
    // SAFETY: the message buffer holds 4 units.
    let status = unsafe {
        mb_guard_poll_event_utf16(
            handle,
            &mut event,
            message.as_mut_ptr(),
            4,
            &mut needed,
            &mut written,
        )
    };
    assert_eq!(status, MbStatus::BufferTooSmall);
    assert_eq!(written, 1);
    assert!(needed > 4);
    assert_eq!(message[3], 0);
    assert_ne!(event.kind, 0);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn non_finite_numbers_block_trading() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let (handle, _state) = open_trading();
        let mut decision = MbDecision::default();
        let time = DAY + 10 * HOUR;
        // SAFETY: valid pointers.
        let status = unsafe { mb_guard_feed_snapshot(handle, &snapshot(time, bad), &mut decision) };
        assert_eq!(status, MbStatus::NotFinite, "equity {bad}");
        assert_ne!(decision.verdict, MB_VERDICT_MAY_TRADE, "equity {bad}");
        assert_eq!(decision.reason, MB_REASON_INVALID_EQUITY, "equity {bad}");

        let mut check = MbPreTrade::default();
        let nan_intent = MbOrderIntent {
            stop_loss: bad,
            ..intent(time)
        };
        // SAFETY: valid pointers.
        let status = unsafe {
            mb_guard_check_order_utf8(handle, &nan_intent, c"EURUSD".as_ptr(), &mut check)
        };
        assert_eq!(status, MbStatus::NotFinite, "stop loss {bad}");
        assert_eq!(check.allowed, 0, "stop loss {bad}");

        let deal = MbDeal {
            time_ms: time + 1,
            ticket: 7,
            profit: bad,
            deal_type: 1,
            entry: 1,
            ..MbDeal::default()
        };
        // SAFETY: valid pointers.
        let status = unsafe {
            mb_guard_feed_deal_utf8(handle, &deal, c"EURUSD".as_ptr(), null(), &mut decision)
        };
        assert_eq!(status, MbStatus::NotFinite, "deal profit {bad}");
        assert_ne!(decision.verdict, MB_VERDICT_MAY_TRADE, "deal profit {bad}");

        assert_eq!(mb_guard_history_begin(handle, time, 0), MbStatus::Ok);
        // SAFETY: valid pointers.
        let status = unsafe { mb_guard_history_end(handle, time, bad, 1e5, 0, &mut decision) };
        assert_eq!(status, MbStatus::NotFinite, "history balance {bad}");
        assert_ne!(
            decision.verdict, MB_VERDICT_MAY_TRADE,
            "history balance {bad}"
        );
        assert_eq!(mb_guard_close(handle), MbStatus::Ok);
    }
}

#[test]
fn invalid_text_is_rejected() {
    let (handle, _state) = open_trading();
    let unpaired: [[u16; 4]; 3] = [
        [0xD800, 0x41, 0x42, 0],
        [0x41, 0xDC00, 0x42, 0],
        [0x41, 0x42, 0xDBFF, 0],
    ];
    let mut decision = MbDecision::default();
    let mut check = MbPreTrade::default();
    let (mut mode, mut ratio) = (0, 0.0);
    let deal = MbDeal {
        time_ms: DAY + 9 * HOUR,
        ..MbDeal::default()
    };
    let good = utf16("EURUSD");
    for units in &unpaired {
        let time = DAY + 9 * HOUR;
        // SAFETY: every text is NUL-terminated; other pointers are valid.
        let statuses = unsafe {
            [
                mb_guard_open_utf16(&abi(), units.as_ptr(), good.as_ptr(), &mut 0),
                mb_guard_open_utf16(
                    &abi(),
                    utf16(CONFIG.trim_end_matches('\0')).as_ptr(),
                    units.as_ptr(),
                    &mut 0,
                ),
                mb_guard_feed_deal_utf16(handle, &deal, units.as_ptr(), null(), &mut decision),
                mb_guard_feed_deal_utf16(
                    handle,
                    &deal,
                    good.as_ptr(),
                    units.as_ptr(),
                    &mut decision,
                ),
                mb_guard_history_add_utf16(handle, &deal, units.as_ptr(), null()),
                mb_guard_check_order_utf16(handle, &intent(time), units.as_ptr(), &mut check),
                mb_guard_xpws_utf16(handle, units.as_ptr(), &mut mode, &mut ratio),
            ]
        };
        for (index, status) in statuses.into_iter().enumerate() {
            assert_eq!(
                status,
                MbStatus::InvalidUtf16,
                "call {index} with {units:x?}"
            );
        }
    }
    let bad_utf8 = [0x45u8, 0xC3, 0x28, 0];
    // SAFETY: NUL-terminated byte strings; other pointers valid.
    let statuses = unsafe {
        [
            mb_guard_open_utf8(&abi(), bad_utf8.as_ptr().cast(), c".".as_ptr(), &mut 0),
            mb_guard_feed_deal_utf8(
                handle,
                &deal,
                bad_utf8.as_ptr().cast(),
                null(),
                &mut decision,
            ),
            mb_guard_check_order_utf8(
                handle,
                &intent(DAY + 9 * HOUR),
                bad_utf8.as_ptr().cast(),
                &mut check,
            ),
            mb_guard_xpws_utf8(handle, bad_utf8.as_ptr().cast(), &mut mode, &mut ratio),
        ]
    };
    for (index, status) in statuses.into_iter().enumerate() {
        assert_eq!(status, MbStatus::InvalidUtf8, "call {index}");
    }
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn out_of_range_arguments_are_rejected() {
    let (handle, _state) = open_trading();
    let mut decision = MbDecision::default();
    let mut check = MbPreTrade::default();
    let time = DAY + 9 * HOUR;
    let bad_flag = MbSnapshot {
        connected: 2,
        ..snapshot(time, 1e5)
    };
    let bad_count = MbSnapshot {
        open_positions: -1,
        ..snapshot(time, 1e5)
    };
    let bad_type = MbDeal {
        time_ms: time,
        deal_type: 18,
        ..MbDeal::default()
    };
    let bad_side = MbOrderIntent {
        side: 2,
        ..intent(time)
    };
    let long_symbol = "S".repeat(33) + "\0";
    // SAFETY: valid pointers and NUL-terminated texts.
    let statuses = unsafe {
        [
            mb_guard_feed_snapshot(handle, &bad_flag, &mut decision),
            mb_guard_feed_snapshot(handle, &bad_count, &mut decision),
            mb_guard_feed_deal_utf8(handle, &bad_type, c"X".as_ptr(), null(), &mut decision),
            mb_guard_check_order_utf8(handle, &bad_side, c"X".as_ptr(), &mut check),
            mb_guard_check_order_utf8(
                handle,
                &intent(time),
                long_symbol.as_ptr().cast(),
                &mut check,
            ),
            mb_reason_describe_utf8(9999, null_mut(), 0, null_mut()),
        ]
    };
    for (index, status) in statuses.into_iter().enumerate() {
        assert_eq!(status, MbStatus::InvalidArgument, "call {index}");
    }
    // SAFETY: valid pointer.
    let extreme = unsafe { mb_guard_feed_time(handle, i64::MAX, &mut decision) };
    assert_eq!(extreme, MbStatus::InvalidTime);
    // SAFETY: valid pointers; no history load is in progress.
    let out_of_order = unsafe { mb_guard_history_end(handle, time, 1e5, 1e5, 0, &mut decision) };
    assert_eq!(out_of_order, MbStatus::InvalidState);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn abi_mismatch_fails_open() {
    let mut handle = 7;
    let old = MbAbi {
        abi_version: 0,
        ..abi()
    };
    // SAFETY: valid pointers and NUL-terminated texts.
    let status =
        unsafe { mb_guard_open_utf8(&old, CONFIG.as_ptr().cast(), c".".as_ptr(), &mut handle) };
    assert_eq!(status, MbStatus::AbiMismatch);
    assert_eq!(handle, 0);
    let bad_config =
        c"schema_version = 1\n[rules]\npreset = \"ftmo-2step\"\ninitial_capital = -1.0\n";
    // SAFETY: as above.
    let status =
        unsafe { mb_guard_open_utf8(&abi(), bad_config.as_ptr(), c".".as_ptr(), &mut handle) };
    assert_eq!(status, MbStatus::InvalidConfig);
}

#[test]
fn busy_handle_returns_busy_without_waiting() {
    let (handle, _state) = open_trading();
    let status = with_guard(handle, "holder", |_| {
        let other = std::thread::spawn(move || {
            let mut decision = MbDecision::default();
            // SAFETY: `decision` is writable.
            let status = unsafe { mb_guard_decision(handle, &mut decision) };
            (status, mb_guard_close(handle))
        });
        assert_eq!(other.join().unwrap(), (MbStatus::Busy, MbStatus::Busy));
        Ok(())
    });
    assert_eq!(status, MbStatus::Ok);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn two_threads_on_one_handle() {
    let (handle, _state) = open_trading();
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    // Each thread feeds until 1,000 of its calls went through. A call that meets the other
    // thread's call returns Busy at once; which thread wins each race is the scheduler's.
    let worker = move |offset: i64, start: std::sync::Arc<std::sync::Barrier>| {
        start.wait();
        let (mut ok, mut busy) = (0i64, 0u64);
        while ok < 1_000 {
            let mut decision = MbDecision::default();
            let time = DAY + 9 * HOUR + offset + ok * 2;
            // SAFETY: valid pointers.
            let status =
                unsafe { mb_guard_feed_snapshot(handle, &snapshot(time, 1e5), &mut decision) };
            match status {
                MbStatus::Ok => ok += 1,
                MbStatus::Busy => {
                    busy += 1;
                    assert!(busy < 50_000_000, "never got the guard");
                    std::thread::yield_now();
                }
                other => panic!("unexpected status {other:?}"),
            }
        }
        busy
    };
    let barrier = start.clone();
    let first = std::thread::spawn(move || worker(0, barrier));
    let second = std::thread::spawn(move || worker(1, start));
    let (a, b) = (first.join().unwrap(), second.join().unwrap());
    println!("busy returns: {a} and {b}");
    let mut decision = MbDecision::default();
    // SAFETY: `decision` is writable.
    let status = unsafe { mb_guard_decision(handle, &mut decision) };
    assert_eq!(
        status,
        MbStatus::Ok,
        "the guard is free again after both threads"
    );
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn handles_side_by_side_on_own_threads() {
    let threads: Vec<_> = (0..4)
        .map(|equity_drop| {
            std::thread::spawn(move || {
                let (handle, _state) = open_trading();
                let mut decision = MbDecision::default();
                let equity = 100_000.0 - 2_000.0 * f64::from(equity_drop);
                // SAFETY: valid pointers.
                let status = unsafe {
                    mb_guard_feed_snapshot(
                        handle,
                        &snapshot(DAY + 10 * HOUR, equity),
                        &mut decision,
                    )
                };
                assert_eq!(status, MbStatus::Ok);
                assert_eq!(mb_guard_close(handle), MbStatus::Ok);
                decision.verdict
            })
        })
        .collect();
    let verdicts: Vec<i32> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(
        verdicts,
        [
            MB_VERDICT_MAY_TRADE,
            MB_VERDICT_MAY_TRADE,
            MB_VERDICT_MAY_TRADE,
            MB_VERDICT_CLOSE_ALL
        ]
    );
}

#[test]
fn forced_panic_returns_panic_and_blocks() {
    let (handle, _state) = open_trading();
    let armed = with_guard(handle, "arm", |guard| {
        guard.force_panic();
        Ok(())
    });
    assert_eq!(armed, MbStatus::Ok);
    let mut decision = MbDecision::default();
    let time = DAY + 10 * HOUR;
    // SAFETY: valid pointers.
    let status = unsafe { mb_guard_feed_snapshot(handle, &snapshot(time, 1e5), &mut decision) };
    assert_eq!(status, MbStatus::Panic);
    let mut message = [0u8; 512];
    let mut needed = 0;
    // SAFETY: the buffer holds 512 bytes.
    unsafe { mb_last_error_utf8(message.as_mut_ptr().cast(), 512, &mut needed) };
    let text = std::str::from_utf8(&message[..needed as usize - 1]).unwrap();
    assert!(text.contains("mb_guard_feed_snapshot panicked"), "{text}");

    // SAFETY: valid pointers.
    let after = unsafe { mb_guard_feed_snapshot(handle, &snapshot(time + 1, 1e5), &mut decision) };
    assert_eq!(after, MbStatus::Ok);
    assert_eq!(decision.verdict, MB_VERDICT_BLOCKED);
    assert_eq!(decision.reason, MB_REASON_PANIC_CAUGHT);
    let mut check = MbPreTrade::default();
    // SAFETY: valid pointers.
    unsafe { mb_guard_check_order_utf8(handle, &intent(time + 2), c"EURUSD".as_ptr(), &mut check) };
    assert_eq!(check.allowed, 0);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn rejected_snapshot_blocks_trading() {
    let (handle, _state) = open_trading();
    let time = DAY + 10 * HOUR;
    let mut bad = snapshot(time, 80_000.0);
    bad.connected = 7;
    let mut decision = MbDecision::default();
    // SAFETY: valid pointers.
    let status = unsafe { mb_guard_feed_snapshot(handle, &bad, &mut decision) };
    assert_ne!(status, MbStatus::Ok);
    // SAFETY: `decision` is writable.
    let read = unsafe { mb_guard_decision(handle, &mut decision) };
    assert_eq!(read, MbStatus::Ok);
    assert_eq!(decision.verdict, MB_VERDICT_BLOCKED);
    assert_eq!(decision.reason, MB_REASON_INVALID_EQUITY);

    // SAFETY: valid pointers.
    let good = unsafe { mb_guard_feed_snapshot(handle, &snapshot(time + 1, 1e5), &mut decision) };
    assert_eq!(good, MbStatus::Ok);
    assert_eq!(decision.verdict, MB_VERDICT_MAY_TRADE);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn rejected_deal_blocks_trading() {
    let (handle, _state) = open_trading();
    let bad = MbDeal {
        time_ms: DAY + 10 * HOUR,
        ticket: 9,
        deal_type: 99,
        ..MbDeal::default()
    };
    let mut decision = MbDecision::default();
    // SAFETY: valid pointers and NUL-terminated texts.
    let status =
        unsafe { mb_guard_feed_deal_utf8(handle, &bad, c"EURUSD".as_ptr(), null(), &mut decision) };
    assert_ne!(status, MbStatus::Ok);
    // SAFETY: `decision` is writable.
    let read = unsafe { mb_guard_decision(handle, &mut decision) };
    assert_eq!(read, MbStatus::Ok);
    assert_eq!(decision.verdict, MB_VERDICT_BLOCKED);
    assert_eq!(decision.reason, MB_REASON_INVALID_DEAL);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

/// Pops one signal through the UTF-8 export and returns its status, the signal and its symbol.
fn pop_signal(handle: MbHandle) -> (MbStatus, MbSignal, String) {
    let mut signal = MbSignal::default();
    let mut symbol = [0u8; MB_SYMBOL_CAPACITY as usize];
    let mut needed = 0u32;
    // SAFETY: the buffer holds MB_SYMBOL_CAPACITY bytes; the other pointers are writable.
    let status = unsafe {
        mb_signal_pop_utf8(
            handle,
            &mut signal,
            symbol.as_mut_ptr().cast(),
            MB_SYMBOL_CAPACITY,
            &mut needed,
        )
    };
    let text = std::ffi::CStr::from_bytes_until_nul(&symbol)
        .map(|text| text.to_string_lossy().into_owned())
        .unwrap_or_default();
    (status, signal, text)
}

fn push_signal(handle: MbHandle, signal: &MbSignal) -> MbStatus {
    // SAFETY: `signal` is readable and the symbol NUL-terminated.
    unsafe { mb_signal_push_utf8(handle, signal, c"EURUSD".as_ptr()) }
}

#[test]
fn signal_round_trip_keeps_fields() {
    let (handle, _state) = open_trading();
    let time = DAY + 9 * HOUR + 1234;
    let sent = trade_signal(77, time, 2);
    let symbol = utf16("GER40.cash");
    // SAFETY: `sent` is readable and the symbol NUL-terminated.
    let pushed = unsafe { mb_signal_push_utf16(handle, &sent, symbol.as_ptr()) };
    assert_eq!(pushed, MbStatus::Ok);
    let (status, taken, text) = pop_signal(handle);
    assert_eq!(status, MbStatus::Ok);
    assert_eq!(
        taken, sent,
        "every field, the server time included, comes back"
    );
    assert_eq!(text, "GER40.cash");
    let (empty, untouched, _) = pop_signal(handle);
    assert_eq!(empty, MbStatus::QueueEmpty);
    assert_eq!(untouched, MbSignal::default());
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn signals_pop_by_priority_then_fifo() {
    let (handle, _state) = open_trading();
    let time = DAY + 9 * HOUR;
    let order = [(1, 0), (2, 3), (3, 1), (4, 3), (5, 0), (6, 1)];
    for (id, priority) in order {
        assert_eq!(
            push_signal(handle, &trade_signal(id, time, priority)),
            MbStatus::Ok
        );
    }
    let ids: Vec<u64> = (0..order.len()).map(|_| pop_signal(handle).1.id).collect();
    assert_eq!(ids, [2, 4, 3, 6, 1, 5]);
    assert_eq!(pop_signal(handle).0, MbStatus::QueueEmpty);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn full_queue_returns_queue_full() {
    let (handle, _state) = open_trading();
    let time = DAY + 9 * HOUR;
    // The default queue holds 1024 signals per priority level.
    for id in 0..1024 {
        assert_eq!(
            push_signal(handle, &trade_signal(id, time, 0)),
            MbStatus::Ok,
            "{id}"
        );
    }
    let rejected = trade_signal(5000, time, 0);
    assert_eq!(push_signal(handle, &rejected), MbStatus::QueueFull);
    assert_eq!(rejected.id, 5000, "the caller keeps its signal");
    assert_eq!(
        push_signal(handle, &trade_signal(6000, time, 1)),
        MbStatus::Ok
    );
    assert_eq!(pop_signal(handle).1.id, 6000);
    for id in 0..1024 {
        let (status, taken, _) = pop_signal(handle);
        assert_eq!(status, MbStatus::Ok, "{id}");
        assert_eq!(taken.id, id);
    }
    assert_eq!(
        pop_signal(handle).0,
        MbStatus::QueueEmpty,
        "the rejected signal was not queued"
    );
    assert_eq!(
        push_signal(handle, &rejected),
        MbStatus::Ok,
        "room again after the pops"
    );
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn invalid_signals_are_rejected() {
    let (handle, _state) = open_trading();
    let time = DAY + 9 * HOUR;
    let good = trade_signal(1, time, 0);
    let mut cases = Vec::new();
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        cases.push((
            MbSignal {
                volume: bad,
                ..good
            },
            MbStatus::NotFinite,
        ));
        cases.push((MbSignal { price: bad, ..good }, MbStatus::NotFinite));
        cases.push((
            MbSignal {
                stop_loss: bad,
                ..good
            },
            MbStatus::NotFinite,
        ));
        cases.push((
            MbSignal {
                take_profit: bad,
                ..good
            },
            MbStatus::NotFinite,
        ));
    }
    for (signal, status) in [
        (
            MbSignal {
                volume: -0.1,
                ..good
            },
            MbStatus::InvalidArgument,
        ),
        (MbSignal { side: 2, ..good }, MbStatus::InvalidArgument),
        (MbSignal { side: -1, ..good }, MbStatus::InvalidArgument),
        (
            MbSignal {
                priority: 4,
                ..good
            },
            MbStatus::InvalidArgument,
        ),
        (
            MbSignal {
                priority: -1,
                ..good
            },
            MbStatus::InvalidArgument,
        ),
        (
            MbSignal {
                priority: 300,
                ..good
            },
            MbStatus::InvalidArgument,
        ),
        (
            MbSignal {
                time_ms: i64::MAX,
                ..good
            },
            MbStatus::InvalidTime,
        ),
    ] {
        cases.push((signal, status));
    }
    for (index, (signal, expected)) in cases.iter().enumerate() {
        assert_eq!(
            push_signal(handle, signal),
            *expected,
            "case {index}: {signal:?}"
        );
    }
    let long = utf16(&"S".repeat(33));
    let unpaired = [0xD800u16, 0x41, 0];
    // SAFETY: valid signal pointers and NUL-terminated texts.
    let texts = unsafe {
        [
            mb_signal_push_utf16(handle, &good, long.as_ptr()),
            mb_signal_push_utf16(handle, &good, unpaired.as_ptr()),
            mb_signal_push_utf8(handle, &good, c"\xFF\xFE".as_ptr()),
        ]
    };
    assert_eq!(
        texts,
        [
            MbStatus::InvalidArgument,
            MbStatus::InvalidUtf16,
            MbStatus::InvalidUtf8
        ]
    );
    assert_eq!(
        pop_signal(handle).0,
        MbStatus::QueueEmpty,
        "nothing was queued"
    );
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn signal_exports_reject_nulls() {
    let (handle, _state) = open_trading();
    let time = DAY + 9 * HOUR;
    let signal = trade_signal(1, time, 0);
    let symbol = utf16("EURUSD");
    let mut taken = MbSignal::default();
    let mut text = [0u16; 64];
    let mut summary = MbLatencySummary::default();
    // SAFETY: null is an allowed value for every pointer; the others are valid.
    let statuses = unsafe {
        [
            mb_signal_push_utf16(handle, null(), symbol.as_ptr()),
            mb_signal_push_utf16(handle, &signal, null()),
            mb_signal_push_utf8(handle, null(), c"EURUSD".as_ptr()),
            mb_signal_push_utf8(handle, &signal, null()),
            mb_signal_pop_utf16(handle, null_mut(), text.as_mut_ptr(), 64, null_mut()),
            mb_signal_pop_utf16(handle, &mut taken, null_mut(), 64, null_mut()),
            mb_signal_pop_utf8(handle, null_mut(), null_mut(), 64, null_mut()),
            mb_latency_summary(handle, 0, time, null_mut(), &mut summary),
            mb_latency_summary(handle, 0, time, &mut summary, null_mut()),
        ]
    };
    for (index, status) in statuses.into_iter().enumerate() {
        assert_eq!(status, MbStatus::NullPointer, "call {index}");
    }
    assert_eq!(
        pop_signal(handle).0,
        MbStatus::QueueEmpty,
        "no null push queued a signal"
    );
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn small_symbol_buffer_takes_nothing() {
    let (handle, _state) = open_trading();
    assert_eq!(
        push_signal(handle, &trade_signal(9, DAY + 9 * HOUR, 0)),
        MbStatus::Ok
    );
    let mut taken = MbSignal::default();
    let mut text = [0u16; 8];
    let mut needed = 0u32;
    // SAFETY: the buffer holds 8 units.
    let short =
        unsafe { mb_signal_pop_utf16(handle, &mut taken, text.as_mut_ptr(), 8, &mut needed) };
    assert_eq!(short, MbStatus::BufferTooSmall);
    assert_eq!(needed, MB_SYMBOL_CAPACITY);
    assert_eq!(taken, MbSignal::default());
    // SAFETY: a null buffer with zero capacity asks for the length only.
    let length = unsafe { mb_signal_pop_utf16(handle, &mut taken, null_mut(), 0, &mut needed) };
    assert_eq!(length, MbStatus::BufferTooSmall);
    let (status, signal, symbol) = pop_signal(handle);
    assert_eq!(status, MbStatus::Ok, "the signal stayed queued");
    assert_eq!(signal.id, 9);
    assert_eq!(symbol, "EURUSD");
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

fn latency_summary(handle: MbHandle, stage: i32, now_ms: i64) -> [MbLatencySummary; 2] {
    let (mut cumulative, mut window) = (MbLatencySummary::default(), MbLatencySummary::default());
    // SAFETY: both outputs are writable.
    let status = unsafe { mb_latency_summary(handle, stage, now_ms, &mut cumulative, &mut window) };
    assert_eq!(status, MbStatus::Ok);
    [cumulative, window]
}

#[test]
fn latency_rejects_bad_samples() {
    let (handle, _state) = open_trading();
    let time = DAY + 9 * HOUR;
    let cases = [
        (MB_STAGE_EXECUTION, f64::NAN, time, MbStatus::NotFinite),
        (MB_STAGE_EXECUTION, f64::INFINITY, time, MbStatus::NotFinite),
        (
            MB_STAGE_SIGNAL,
            f64::NEG_INFINITY,
            time,
            MbStatus::NotFinite,
        ),
        (MB_STAGE_SIGNAL, -1.0, time, MbStatus::InvalidArgument),
        (MB_STAGE_SIGNAL, -0.4, time, MbStatus::InvalidArgument),
        (2, 100.0, time, MbStatus::InvalidArgument),
        (-1, 100.0, time, MbStatus::InvalidArgument),
        (MB_STAGE_SIGNAL, 100.0, i64::MAX, MbStatus::InvalidTime),
        (MB_STAGE_SIGNAL, 100.0, i64::MIN, MbStatus::InvalidTime),
    ];
    for (index, (stage, latency, at, expected)) in cases.into_iter().enumerate() {
        assert_eq!(
            mb_latency_record(handle, stage, latency, at),
            expected,
            "case {index}"
        );
    }
    for stage in [MB_STAGE_SIGNAL, MB_STAGE_EXECUTION] {
        let [cumulative, window] = latency_summary(handle, stage, time);
        assert_eq!(cumulative.count, 0, "stage {stage}: nothing was recorded");
        assert_eq!(window.count, 0, "stage {stage}");
    }
    let (mut cumulative, mut window) = (MbLatencySummary::default(), MbLatencySummary::default());
    // SAFETY: both outputs are writable.
    let unknown = unsafe { mb_latency_summary(handle, 7, time, &mut cumulative, &mut window) };
    assert_eq!(unknown, MbStatus::InvalidArgument);
    // SAFETY: as above.
    let far = unsafe { mb_latency_summary(handle, 0, i64::MAX, &mut cumulative, &mut window) };
    assert_eq!(far, MbStatus::InvalidTime);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn latency_ahead_of_the_clock_is_not_recorded() {
    let (handle, _state) = open_trading();
    let now = DAY + 9 * HOUR;
    // A day ahead of the history end, the engine's clock: a broken terminal clock.
    let ahead = mb_latency_record(handle, MB_STAGE_SIGNAL, 5_000.0, now + 24 * HOUR);
    assert_eq!(ahead, MbStatus::InvalidTime);
    for _ in 0..10 {
        assert_eq!(
            mb_latency_record(handle, MB_STAGE_SIGNAL, 5_000.0, now),
            MbStatus::Ok
        );
    }
    let [cumulative, window] = latency_summary(handle, MB_STAGE_SIGNAL, now);
    assert_eq!(cumulative.count, 10);
    assert_eq!(
        window.count, 10,
        "every sample at the real time is in the window"
    );
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn latency_summary_reads_both_spans() {
    let (handle, _state) = open_trading();
    let now = DAY + 9 * HOUR;
    // One hour ago, outside the 5-minute window: 1000 samples of 200 ms.
    for _ in 0..1000 {
        assert_eq!(
            mb_latency_record(handle, MB_STAGE_EXECUTION, 200_000.0, now - HOUR),
            MbStatus::Ok
        );
    }
    // Now: 1 µs to 1000 µs, plus one saturated sample.
    for micros in 1..=1000 {
        let status = mb_latency_record(handle, MB_STAGE_EXECUTION, f64::from(micros), now);
        assert_eq!(status, MbStatus::Ok);
    }
    assert_eq!(
        mb_latency_record(handle, MB_STAGE_EXECUTION, 1e30, now),
        MbStatus::Ok
    );
    assert_eq!(
        mb_latency_record(handle, MB_STAGE_EXECUTION, 0.4, now),
        MbStatus::Ok
    );

    let [cumulative, window] = latency_summary(handle, MB_STAGE_EXECUTION, now);
    assert_eq!(window.window, 1);
    assert_eq!(cumulative.window, 0);
    assert_eq!(window.stage, MB_STAGE_EXECUTION);
    assert_eq!(window.time_ms, now);
    assert_eq!(window.count, 1002);
    assert_eq!(window.p50_us, 500);
    assert_eq!(window.p90_us, 901);
    assert_eq!(window.saturated, 1);
    assert_eq!(window.max_us, u64::MAX);
    assert_eq!(window.target_us, 100_000);
    assert_eq!(window.under_target_share, 1001.0 / 1002.0);
    assert_eq!(cumulative.count, 2002);
    assert_eq!(cumulative.saturated, 1);
    assert!(
        cumulative.p90_us >= 199_900 && cumulative.p90_us <= 200_200,
        "{cumulative:?}"
    );
    assert_eq!(cumulative.under_target_share, 1001.0 / 2002.0);

    let [signal, _] = latency_summary(handle, MB_STAGE_SIGNAL, now);
    assert_eq!(signal.count, 0);
    assert_eq!(signal.target_us, 50_000);
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}
