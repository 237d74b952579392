//! Event times that disagree with the engine's clock: deals stamped ahead of the terminal's
//! time or long before the day reset, snapshots and timer calls that jump across a reset,
//! and histories whose deals come after their own time. Each must block trading and move no
//! anchor, reset or trading-day count. FTMO 2-Step, initial capital 100,000, daily limit
//! 5,000, the default clock tolerance of 60 s, times in Europe/Prague.

mod compliance_support;

use compliance_support::*;
use mikrobot::account::{Deal, TimeMs};
use mikrobot::compliance::{
    Engine, EngineEvent, History, Reason, RuleKind, RuleSet, RuleStatus, Verdict,
};

fn monday() -> Engine {
    let mut engine = started_with(RuleSet::ftmo_2step(100_000.0), prague("2025-06-02 08:00"));
    engine.on_snapshot(&snapshot(
        prague("2025-06-02 10:00"),
        100_000.0,
        100_000.0,
        0,
    ));
    drain(&mut engine);
    engine
}

/// A history of an account that opened at 07:00 on Monday, with balance and equity
/// `balance` at `time_ms`.
fn opened_monday(deals: &[Deal], balance: f64, time_ms: TimeMs) -> History<'_> {
    let mut loaded = history(deals, prague("2025-06-02 07:00"), balance, balance, time_ms);
    loaded.account_start_ms = Some(prague("2025-06-02 07:00"));
    loaded
}

fn day_resets(events: &[EngineEvent]) -> usize {
    events
        .iter()
        .filter(|event| matches!(event, EngineEvent::DayReset { .. }))
        .count()
}

#[test]
fn deal_a_day_ahead_is_not_applied() {
    let mut engine = monday();
    // The trade server stamps Tuesday while the terminal's clock reads Monday 10:00.
    engine.on_deal(&open(1, prague("2025-06-03 09:59")));
    let decision = engine.on_deal(&close(2, prague("2025-06-03 10:00"), -3_000.0));
    assert_eq!(decision.verdict, Verdict::Blocked, "{decision:?}");
    assert_eq!(decision.reason, Reason::ClockMismatch);
    assert_eq!(decision.time_ms, prague("2025-06-02 10:00"));
    assert_eq!(engine.state().day_realised, 0.0);
    assert_eq!(engine.state().trading_days(), 0);
    let events = drain(&mut engine);
    assert_eq!(day_resets(&events), 0, "{events:?}");
    assert!(events.iter().any(|event| matches!(
        event,
        EngineEvent::Blocked {
            reason: Reason::ClockMismatch,
            ..
        }
    )));

    // Monday's later loss still counts against Monday's floor of 95,000.
    let decision = engine.on_snapshot(&snapshot(prague("2025-06-02 15:00"), 97_000.0, 94_900.0, 1));
    assert_eq!(decision.reason, Reason::DailyLossBreached, "{decision:?}");
    let breach = report(&engine, RuleKind::DailyLoss).breach.unwrap();
    assert_eq!(breach.floor, 95_000.0);
    assert_eq!(breach.equity, 94_900.0);
}

#[test]
fn deal_ahead_blocks_until_history_load() {
    let mut engine = monday();
    let deals = [
        cash(1, prague("2025-06-02 07:00"), 100_000.0),
        open(2, prague("2025-06-02 10:30")),
        close(3, prague("2025-06-02 11:00"), -1_000.0),
    ];
    engine.on_deal(&deals[1]);
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-06-02 10:00:30"),
        100_000.0,
        100_000.0,
        1,
    ));
    assert_eq!(decision.reason, Reason::ClockMismatch, "{decision:?}");

    let history = opened_monday(&deals, 99_000.0, prague("2025-06-02 11:01"));
    let decision = engine.load_history(&history);
    assert_eq!(decision.verdict, Verdict::MayTrade, "{decision:?}");
    assert_eq!(engine.state().day_realised, -1_000.0);
    assert_eq!(engine.state().trading_days(), 1);
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 95_000.0);
}

#[test]
fn deal_within_tolerance_is_applied() {
    let mut engine = monday();
    engine.on_deal(&open(1, prague("2025-06-02 10:00:30")));
    let decision = engine.on_deal(&close(2, prague("2025-06-02 10:01"), -1_000.0));
    assert_eq!(decision.verdict, Verdict::MayTrade, "{decision:?}");
    assert_eq!(engine.state().day_realised, -1_000.0);
    assert_eq!(engine.state().trading_days(), 1);
}

#[test]
fn deal_of_yesterday_long_after_reset_is_rejected() {
    let mut engine = monday();
    engine.on_snapshot(&snapshot(
        prague("2025-06-02 23:59:50"),
        100_000.0,
        100_000.0,
        0,
    ));
    clock_to(&mut engine, prague("2025-06-03 09:00"));
    engine.on_snapshot(&snapshot(prague("2025-06-03 09:00"), 97_000.0, 97_000.0, 0));
    // Stamped Monday, nine hours behind the clock: applying it would lower Tuesday's anchor
    // by 3,000 and hide Tuesday's loss.
    let decision = engine.on_deal(&close(5, prague("2025-06-02 23:59"), -3_000.0));
    assert_eq!(decision.reason, Reason::ClockMismatch, "{decision:?}");
    assert_eq!(engine.state().anchor_balance, 100_000.0);
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 95_000.0);
}

#[test]
fn deal_of_yesterday_just_after_reset_moves_anchor() {
    let mut engine = monday();
    engine.on_snapshot(&snapshot(
        prague("2025-06-02 23:59:50"),
        100_000.0,
        100_000.0,
        1,
    ));
    engine.on_snapshot(&snapshot(
        prague("2025-06-03 00:00:01"),
        100_000.0,
        100_000.0,
        1,
    ));
    let decision = engine.on_deal(&close(5, prague("2025-06-02 23:59:59"), -1_000.0));
    assert_eq!(decision.verdict, Verdict::MayTrade, "{decision:?}");
    assert_eq!(engine.state().anchor_balance, 99_000.0);
}

#[test]
fn snapshot_jump_across_midnight_is_held() {
    let mut engine = monday();
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-06-03 10:00"),
        100_000.0,
        100_000.0,
        0,
    ));
    assert_eq!(decision.reason, Reason::ClockMismatch, "{decision:?}");
    assert_eq!(decision.time_ms, prague("2025-06-02 10:00"));
    assert_eq!(day_resets(&drain(&mut engine)), 0);
    assert_eq!(engine.clock_ms(), Some(prague("2025-06-02 10:00")));

    // The next snapshot is back on Monday: the jump was a glitch.
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-06-02 10:00:01"),
        100_000.0,
        100_000.0,
        0,
    ));
    assert_eq!(decision.verdict, Verdict::MayTrade, "{decision:?}");
    assert_eq!(engine.state().day_start_ms, prague("2025-06-02 00:00"));
}

#[test]
fn snapshot_jump_inside_day_is_time_passing() {
    let mut engine = monday();
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-06-02 18:00"),
        100_000.0,
        100_000.0,
        0,
    ));
    assert_eq!(decision.verdict, Verdict::MayTrade, "{decision:?}");
    assert_eq!(engine.clock_ms(), Some(prague("2025-06-02 18:00")));
}

#[test]
fn timer_jump_keeps_buffer_lock() {
    let mut engine = monday();
    let locked = engine.on_snapshot(&snapshot(
        prague("2025-06-02 10:05"),
        100_000.0,
        95_400.0,
        1,
    ));
    assert_eq!(locked.reason, Reason::DailyLossBuffer, "{locked:?}");
    // A timer call a day ahead must not reach the reset that lifts the lock.
    let decision = engine.on_time(prague("2025-06-03 10:05"));
    assert_eq!(decision.verdict, Verdict::CloseAll, "{decision:?}");
    assert!(engine.state().buffer_lock.is_some());
    assert_eq!(engine.state().day_start_ms, prague("2025-06-02 00:00"));
    assert_eq!(day_resets(&drain(&mut engine)), 0);
}

#[test]
fn snapshot_before_accepted_deal_blocks() {
    let mut engine = monday();
    clock_to(&mut engine, prague("2025-06-02 10:10"));
    engine.on_deal(&open(1, prague("2025-06-02 10:10:30")));
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-06-02 10:05"),
        100_000.0,
        100_000.0,
        1,
    ));
    assert_eq!(decision.reason, Reason::TimeWentBackwards, "{decision:?}");
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-06-02 10:10:40"),
        100_000.0,
        100_000.0,
        1,
    ));
    assert_eq!(decision.verdict, Verdict::MayTrade, "{decision:?}");
}

#[test]
fn history_with_deal_after_its_time_blocks() {
    let mut engine = Engine::new(RuleSet::ftmo_2step(100_000.0)).unwrap();
    let deals = [
        cash(1, prague("2025-06-02 07:00"), 100_000.0),
        close(2, prague("2025-06-03 11:00"), 2_000.0),
    ];
    let mut loaded = opened_monday(&deals, 102_000.0, prague("2025-06-02 11:00"));
    let decision = engine.load_history(&loaded);
    assert_eq!(decision.reason, Reason::ClockMismatch, "{decision:?}");

    loaded.time_ms = prague("2025-06-03 11:00:05");
    let decision = engine.load_history(&loaded);
    assert_eq!(decision.verdict, Verdict::MayTrade, "{decision:?}");
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 95_000.0);
}

#[test]
fn history_before_saved_time_blocks() {
    let mut engine = monday();
    engine.on_snapshot(&snapshot(
        prague("2025-06-02 14:00"),
        100_000.0,
        100_000.0,
        0,
    ));
    let saved = engine.state().clone();
    let mut restored = Engine::from_state(RuleSet::ftmo_2step(100_000.0), saved).unwrap();
    let deals = [cash(1, prague("2025-06-02 07:00"), 100_000.0)];
    let mut loaded = opened_monday(&deals, 100_000.0, prague("2025-06-02 12:00"));
    let decision = restored.load_history(&loaded);
    assert_ne!(decision.verdict, Verdict::MayTrade, "{decision:?}");

    loaded.time_ms = prague("2025-06-02 14:01");
    let decision = restored.load_history(&loaded);
    assert_eq!(decision.verdict, Verdict::MayTrade, "{decision:?}");
}

#[test]
fn clock_mismatch_raises_alert_like_rejected_input() {
    use mikrobot::config::Config;
    use mikrobot::guard::Guard;
    let dir = tempfile::tempdir().unwrap();
    let mut guard = Guard::open(Config::default(), dir.path()).unwrap();

    let deals = [cash(1, prague("2025-06-02 07:00"), 100_000.0)];
    let loaded = opened_monday(&deals, 100_000.0, prague("2025-06-02 10:00"));
    assert!(guard.load_history(&loaded).may_trade_now());

    let decision = guard.on_deal(&close(2, prague("2025-06-03 10:00"), -3_000.0));
    assert_eq!(decision.reason, Reason::ClockMismatch, "{decision:?}");

    let keys: Vec<String> = guard
        .watch()
        .alerts()
        .live()
        .iter()
        .map(|alert| alert.key.clone())
        .collect();
    assert!(
        keys.iter().any(|key| key == "blocked.clock_mismatch"),
        "{keys:?}"
    );
    let daily = guard.engine().report(RuleKind::DailyLoss).unwrap();
    assert_eq!(daily.status, RuleStatus::Ok);
    assert_eq!(daily.floor, 95_000.0);
}
