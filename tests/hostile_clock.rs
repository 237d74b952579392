//! Hostile clocks and times through the public API and the C ABI: times at the edges of the
//! calendar, snapshots going back by seconds, and jumps across the Prague
//! daylight-saving changes. Unless a test says otherwise: FTMO 2-Step, initial capital 100,000.

mod compliance_support;

use compliance_support::*;
use mikrobot::compliance::{Engine, History, Reason, RuleKind, RuleSet, Verdict};
use mikrobot::ffi::session::{mb_guard_close, mb_guard_open_utf8};
use mikrobot::ffi::{account, trading, MbAbi, MbDecision, MbSnapshot, MbStatus};

const CONFIG: &str =
    "schema_version = 1\n[rules]\npreset = \"ftmo-2step\"\ninitial_capital = 100000.0\n\0";

fn open_guard(dir: &std::path::Path) -> u64 {
    let dir = format!("{}\0", dir.display());
    let mut handle = 0;
    // SAFETY: every pointer is valid and every text NUL-terminated.
    let status = unsafe {
        mb_guard_open_utf8(
            &MbAbi::current(),
            CONFIG.as_ptr().cast(),
            dir.as_ptr().cast(),
            &mut handle,
        )
    };
    assert_eq!(status, MbStatus::Ok);
    handle
}

/// The earliest and latest millisecond chrono can represent, and their neighbours.
fn edge_times() -> Vec<i64> {
    let min = chrono::DateTime::<chrono::Utc>::MIN_UTC.timestamp_millis();
    let max = chrono::DateTime::<chrono::Utc>::MAX_UTC.timestamp_millis();
    vec![
        i64::MIN,
        i64::MIN + 1,
        min,
        min + 1,
        min + 3_600_000,
        -1,
        0,
        max - 3_600_000,
        max - 1,
        max,
        i64::MAX - 1,
        i64::MAX,
    ]
}

#[test]
fn edge_times_never_panic_through_abi() {
    let state = tempfile::tempdir().unwrap();
    let handle = open_guard(state.path());
    for time in edge_times() {
        let mut decision = MbDecision::default();
        let snapshot = MbSnapshot {
            time_ms: time,
            balance: 100_000.0,
            equity: 100_000.0,
            connected: 1,
            ..MbSnapshot::default()
        };
        // SAFETY: valid pointers.
        let fed = unsafe { account::mb_guard_feed_snapshot(handle, &snapshot, &mut decision) };
        assert!(
            [MbStatus::Ok, MbStatus::InvalidTime].contains(&fed),
            "snapshot at {time}: {fed:?}"
        );
        // SAFETY: valid pointer.
        let timed = unsafe { account::mb_guard_feed_time(handle, time, &mut decision) };
        assert!(
            [MbStatus::Ok, MbStatus::InvalidTime].contains(&timed),
            "feed_time at {time}: {timed:?}"
        );
        let begun = account::mb_guard_history_begin(handle, time, time);
        assert!(
            [MbStatus::Ok, MbStatus::InvalidTime].contains(&begun),
            "history_begin at {time}: {begun:?}"
        );
        // SAFETY: valid pointer.
        let ended = unsafe {
            account::mb_guard_history_end(handle, time, 100_000.0, 100_000.0, 0, &mut decision)
        };
        assert!(
            [MbStatus::Ok, MbStatus::InvalidTime, MbStatus::InvalidState].contains(&ended),
            "history_end at {time}: {ended:?}"
        );
    }
    let mut decision = MbDecision::default();
    // SAFETY: valid pointer.
    let read = unsafe { trading::mb_guard_decision(handle, &mut decision) };
    assert_eq!(read, MbStatus::Ok);
    assert_ne!(decision.reason, Reason::PanicCaught as i32, "{decision:?}");
    assert_eq!(mb_guard_close(handle), MbStatus::Ok);
}

#[test]
fn edge_times_never_panic_in_engine() {
    for first in edge_times() {
        for second in edge_times() {
            let mut engine = started(RuleSet::ftmo_2step(100_000.0), prague("2025-06-02 08:00"));
            let result = std::panic::catch_unwind(move || {
                engine.on_snapshot(&snapshot(first, 100_000.0, 100_000.0, 0));
                engine.on_time(second);
                engine.on_deal(&close(7, second, -10.0));
                engine.on_snapshot(&snapshot(second, 100_000.0, 100_000.0, 0));
                engine.check_order(&order(first, 0.1, 20.0));
                engine.on_time(first);
                engine.check_order(&order(second, 0.1, 20.0));
            });
            assert!(result.is_ok(), "times {first} then {second}");
        }
    }
}

#[test]
fn snapshot_back_by_seconds_blocks_then_recovers() {
    let mut engine = started(RuleSet::ftmo_2step(100_000.0), prague("2025-06-02 08:00"));
    let at = prague("2025-06-02 09:00");
    engine.on_snapshot(&snapshot(at, 100_000.0, 100_000.0, 0));
    let back = engine.on_snapshot(&snapshot(at - 5_000, 100_000.0, 100_000.0, 0));
    assert_eq!(back.reason, Reason::TimeWentBackwards);
    let check = engine.check_order(&order(at - 5_000, 0.1, 20.0));
    assert!(!check.allowed, "{check:?}");
    let again = engine.on_snapshot(&snapshot(at + 1_000, 100_000.0, 100_000.0, 0));
    assert_eq!(again.verdict, Verdict::MayTrade, "{again:?}");
}

/// Friday's +2,000 close, then a carried position over the spring change (2025-03-30, a
/// 23 h day), on an engine with the default clock tolerance.
fn friday_engine() -> Engine {
    let rules = RuleSet::ftmo_2step(100_000.0);
    let mut engine = started_with(rules, prague("2025-03-28 08:00"));
    clock_to(&mut engine, prague("2025-03-28 10:00"));
    engine.on_deal(&open(2, prague("2025-03-28 09:59:50")));
    engine.on_deal(&close(3, prague("2025-03-28 10:00"), 2_000.0));
    engine.on_snapshot(&snapshot(
        prague("2025-03-28 10:00"),
        102_000.0,
        102_000.0,
        0,
    ));
    engine
}

#[test]
fn timer_over_weekend_reanchors_on_balance() {
    let mut engine = friday_engine();
    clock_to(&mut engine, prague("2025-03-31 00:30"));
    engine.on_snapshot(&snapshot(
        prague("2025-03-31 00:30"),
        102_000.0,
        99_000.0,
        1,
    ));
    let daily = report(&engine, RuleKind::DailyLoss);
    assert_eq!(daily.floor, 97_000.0, "{daily:?}");
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-03-31 00:40"),
        102_000.0,
        96_900.0,
        1,
    ));
    assert_eq!(decision.reason, Reason::DailyLossBreached, "{decision:?}");
}

#[test]
fn snapshot_jump_over_weekend_waits_for_deal() {
    let mut engine = friday_engine();
    let monday = prague("2025-03-31 00:30");
    let held = engine.on_snapshot(&snapshot(monday, 102_000.0, 99_000.0, 1));
    assert_eq!(held.reason, Reason::ClockMismatch, "{held:?}");
    assert_eq!(held.time_ms, prague("2025-03-28 10:00"));
    assert_eq!(engine.state().anchor_balance, 100_000.0);

    // A deal stamped by the trade server 10 s later confirms the jump.
    let decision = engine.on_deal(&open(4, monday + 10_000));
    assert_eq!(decision.verdict, Verdict::MayTrade, "{decision:?}");
    assert_eq!(engine.state().anchor_balance, 102_000.0);
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 97_000.0);
}

#[test]
fn autumn_repeated_hour_keeps_one_day() {
    let mut engine = started(RuleSet::ftmo_2step(100_000.0), prague("2024-10-26 08:00"));
    engine.on_deal(&open(2, prague("2024-10-26 09:00")));
    engine.on_deal(&close(3, prague("2024-10-26 10:00"), 1_000.0));
    engine.on_snapshot(&snapshot(
        prague("2024-10-26 23:59"),
        101_000.0,
        101_000.0,
        0,
    ));
    // 2024-10-27 has 25 hours in Prague: 02:00-03:00 happens twice.
    let first = prague("2024-10-27 02:30");
    engine.on_snapshot(&snapshot(first, 101_000.0, 101_000.0, 0));
    engine.on_deal(&open(4, first + 1_000));
    engine.on_deal(&close(5, first + 2_000, -2_000.0));
    engine.on_snapshot(&snapshot(first + 3_600_000, 99_000.0, 99_000.0, 0));
    let daily = report(&engine, RuleKind::DailyLoss);
    assert_eq!(daily.floor, 96_000.0, "{daily:?}");
}

#[test]
fn future_account_start_blocks_trading() {
    let mut engine = Engine::new(RuleSet::ftmo_2step(100_000.0)).unwrap();
    let deals = [
        cash(1, prague("2025-05-01 08:00"), 100_000.0),
        open(2, prague("2025-05-20 09:00")),
        close(3, prague("2025-05-20 10:00"), 1_000.0),
        open(4, prague("2025-06-02 09:00")),
        close(5, prague("2025-06-02 10:00"), -3_000.0),
    ];
    let history = History {
        deals: &deals,
        covered_from_ms: prague("2025-05-01 08:00"),
        // Tomorrow: taken as given, today would be day one, anchored on 100,000 instead of
        // the 101,000 the day started with.
        account_start_ms: Some(prague("2025-06-03 08:00")),
        balance: 98_000.0,
        equity: 98_000.0,
        open_positions: 0,
        time_ms: prague("2025-06-02 14:00"),
    };
    let decision = engine.load_history(&history);
    assert_eq!(decision.verdict, Verdict::Blocked, "{decision:?}");
    assert_eq!(decision.reason, Reason::NoHistory, "{decision:?}");

    let fixed = History {
        account_start_ms: Some(prague("2025-05-01 08:00")),
        ..history
    };
    let decision = engine.load_history(&fixed);
    assert_eq!(decision.verdict, Verdict::MayTrade, "{decision:?}");
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 96_000.0);
}
